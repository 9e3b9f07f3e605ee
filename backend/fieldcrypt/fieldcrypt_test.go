package fieldcrypt_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Run(m) }

func mustRing(t *testing.T, spec string) *fieldcrypt.Keyring {
	t.Helper()
	r, err := fieldcrypt.ParseKeyring(spec)
	if err != nil {
		t.Fatalf("ParseKeyring: %v", err)
	}
	return r
}

// TestEncryptDecrypt checks the round trip and that a ciphertext opens only
// under its own key ID and AAD (SEC-1).
func TestEncryptDecrypt(t *testing.T) {
	t.Parallel()
	k1 := fieldcrypt.GenerateKey("k1")
	k2 := fieldcrypt.GenerateKey("k2")
	old := mustRing(t, k1)
	ring := mustRing(t, k2+","+k1)
	if got := ring.CurrentID(); got != "k2" {
		t.Fatalf("CurrentID = %q, want k2", got)
	}
	aad := fieldcrypt.AAD("user_secrets", "ciphertext", "u1", "id_number")
	oldID, oldCT, err := old.Encrypt([]byte("110101199003074258"), aad)
	if err != nil || oldID != "k1" {
		t.Fatalf("Encrypt under old ring = %q, %v", oldID, err)
	}
	id, ct, err := ring.Encrypt([]byte("110101199003074258"), aad)
	if err != nil || id != "k2" {
		t.Fatalf("Encrypt = %q, %v; want k2", id, err)
	}
	if bytes.Contains(ct, []byte("110101199003074258")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	_, ct2, _ := ring.Encrypt([]byte("110101199003074258"), aad)
	if bytes.Equal(ct, ct2) {
		t.Error("two encryptions of one value are equal: nonce reused")
	}
	tampered := bytes.Clone(ct)
	tampered[len(tampered)-1] ^= 1

	tests := []struct {
		name    string
		keyID   string
		ct      []byte
		aad     []byte
		want    string
		wantErr error
	}{
		{"current key", "k2", ct, aad, "110101199003074258", nil},
		{"old key still decrypts", "k1", oldCT, aad, "110101199003074258", nil},
		{"other row", "k2", ct, fieldcrypt.AAD("user_secrets", "ciphertext", "u2", "id_number"), "", fieldcrypt.ErrDecrypt},
		{"other column", "k2", ct, fieldcrypt.AAD("user_secrets", "other", "u1", "id_number"), "", fieldcrypt.ErrDecrypt},
		{"parts shifted", "k2", ct, fieldcrypt.AAD("user_secrets", "ciphertext", "u1id_number"), "", fieldcrypt.ErrDecrypt},
		{"wrong key ID", "k1", ct, aad, "", fieldcrypt.ErrDecrypt},
		{"unknown key ID", "k9", ct, aad, "", fieldcrypt.ErrUnknownKey},
		{"tampered", "k2", tampered, aad, "", fieldcrypt.ErrDecrypt},
		{"truncated", "k2", ct[:5], aad, "", fieldcrypt.ErrDecrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ring.Decrypt(tt.keyID, tt.ct, tt.aad)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Decrypt error = %v, want %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("Decrypt = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseKeyring(t *testing.T) {
	t.Parallel()
	good := fieldcrypt.GenerateKey("k1")
	_, b64, _ := strings.Cut(good, ":")
	tests := []struct {
		name, spec, wantErr string
	}{
		{"one key", good, ""},
		{"spaces and trailing comma", " " + good + " , ", ""},
		{"empty", "", "no keys"},
		{"no id", b64, "want id:base64key"},
		{"bad id", "k 1:" + b64, "want id:base64key"},
		{"duplicate", good + "," + good, `"k1" is listed twice`},
		{"short key", "k1:" + "c2hvcnQ=", `key "k1": key is 5 bytes`},
		{"not base64", "k1:!!!!", `key "k1": key is not base64`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := fieldcrypt.ParseKeyring(tt.spec)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("ParseKeyring: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("ParseKeyring error = %v, want it to contain %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), b64):
				t.Fatalf("error %q shows the key", err)
			}
		})
	}
}

// TestMask checks the SEC-2 masking: first 3 and last 4 shown.
func TestMask(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"110101199003074258", "110***********4258"},
		{"6222021234567890123", "622************0123"},
		{"11010119900307425X", "110***********425X"},
		{"123456789", "123**6789"},
		{"12345678", "********"},
		{"", ""},
		{"张三李四王五赵六钱七", "张三李***赵六钱七"},
	}
	for _, tt := range tests {
		if got := fieldcrypt.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSecretNeverPrinted puts a Secret and a Keyring through every way a
// value reaches a log line or a response by mistake and checks that the
// full value never appears.
func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	const plain = "110101199003074258"
	s := fieldcrypt.Secret(plain)
	key := fieldcrypt.GenerateKey("k1")
	_, b64, _ := strings.Cut(key, ":")
	ring := mustRing(t, key)

	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		logger := slog.New(h)
		logger.Info("saving", "id_number", s, "keys", ring)
		logger.Info("saving", slog.Any("id_number", s), slog.Group("g", "v", s))
		logger.Info("struct", "v", struct{ ID fieldcrypt.Secret }{s})
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		fmt.Fprintf(&buf, verb+"\n", s)
		fmt.Fprintf(&buf, verb+"\n", struct{ S fieldcrypt.Secret }{s})
		fmt.Fprintf(&buf, verb+"\n", ring)
	}
	j, err := json.Marshal(map[string]any{"id": s})
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(j)
	out := buf.String()
	if strings.Contains(out, plain) {
		t.Fatalf("output shows the secret:\n%s", out)
	}
	if strings.Contains(out, b64) {
		t.Fatalf("output shows the key:\n%s", out)
	}
	if !strings.Contains(out, "110***********4258") {
		t.Fatalf("output has no masked value:\n%s", out)
	}
	if s.Reveal() != plain {
		t.Fatalf("Reveal = %q", s.Reveal())
	}
}

// BenchmarkEncryptDecrypt measures one ID number sealed and opened.
func BenchmarkEncryptDecrypt(b *testing.B) {
	ring, err := fieldcrypt.ParseKeyring(fieldcrypt.GenerateKey("k1"))
	if err != nil {
		b.Fatal(err)
	}
	aad := fieldcrypt.AAD("user_sensitive_fields", "ciphertext", "0b1d3c6e-9d4f-4b0e-8a59-3f1f4c2d7e11", "id_number")
	plain := []byte("11010519491231002X")
	for b.Loop() {
		id, ct, _ := ring.Encrypt(plain, aad)
		if _, err := ring.Decrypt(id, ct, aad); err != nil {
			b.Fatal(err)
		}
	}
}
