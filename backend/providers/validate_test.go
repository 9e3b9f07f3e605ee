package providers

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/uuid"
)

func mustUUID(t testing.TB, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestIDNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   string
		ok     bool
		masked string
	}{
		{"11010519491231002X", "11010519491231002X", true, "110***********002X"},
		{" 11010519491231002x ", "11010519491231002X", true, "110***********002X"},
		{"110105194912310021", "110105194912310021", false, ""},
		{"11010519491231002", "11010519491231002", false, ""},
		{"1101051949123100XX", "1101051949123100XX", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := normaliseIDNumber(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("normaliseIDNumber(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
			if tt.ok && maskIDNumber(got) != tt.masked {
				t.Fatalf("maskIDNumber = %q, want %q", maskIDNumber(got), tt.masked)
			}
		})
	}
}

func TestAESSealerRotation(t *testing.T) {
	t.Parallel()
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	old, err := NewAESSealer("k1", map[string][]byte{"k1": k1})
	if err != nil {
		t.Fatal(err)
	}
	id, sealed, err := old.Encrypt([]byte("secret"), []byte("user"))
	if err != nil || id != "k1" {
		t.Fatalf("Seal = %q, %v", id, err)
	}
	rotated, err := NewAESSealer("k2", map[string][]byte{"k1": k1, "k2": k2})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Decrypt(id, sealed, []byte("user")); err != nil || string(got) != "secret" {
		t.Fatalf("open an old value after rotation = %q, %v", got, err)
	}
	if newID, _, _ := rotated.Encrypt([]byte("x"), nil); newID != "k2" {
		t.Fatalf("new values sealed under %q, want k2", newID)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := rotated.Decrypt(id, sealed, []byte("user")); !errors.Is(err, ErrUnsealable) {
		t.Fatalf("tampered value opened: %v", err)
	}
	for _, bad := range []map[string][]byte{{"k1": k1[:16]}, {"other": k1}} {
		if _, err := NewAESSealer("k1", bad); err == nil {
			t.Errorf("NewAESSealer accepted %v", bad)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"photo.png":            "photo.png",
		`C:\Users\me\scan.pdf`: "scan.pdf",
		"../../etc/passwd":     "passwd",
		"":                     "file",
		"bad\x00name\n.png":    "badname.png",
		"身份证正面.jpg":            "身份证正面.jpg",
	} {
		if got := cleanFilename(in); got != want {
			t.Errorf("cleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestIDNumberAAD pins the layout of the associated data: that of
// fieldcrypt.AAD, so a rotation command rebuilds it from the row's id.
func TestIDNumberAAD(t *testing.T) {
	t.Parallel()
	got := string(IDNumberAAD("0e4b8c43-5d5b-4c4e-9f3e-000000000001"))
	want := "19:vetting_submissions;16:id_number_sealed;36:0e4b8c43-5d5b-4c4e-9f3e-000000000001;"
	if got != want {
		t.Fatalf("IDNumberAAD = %q, want %q", got, want)
	}
}
