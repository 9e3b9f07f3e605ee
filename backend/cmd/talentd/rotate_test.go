package main

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/identity"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/testenv"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// TestRotateKeys stores sensitive fields under key k1, runs `talentd
// rotate-keys` with k2 current, and checks every row moved to k2, still
// decrypts to its value, and that a second run finds nothing to do
// (SEC-1, docs/ops/keys.md).
func TestRotateKeys(t *testing.T) {
	t.Parallel()
	dbURL := testenv.DatabaseURL(t)
	db, err := postgres.Open(t.Context(), dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	k1, k2 := fieldcrypt.GenerateKey("k1"), fieldcrypt.GenerateKey("k2")
	old, err := fieldcrypt.ParseKeyring(k1)
	if err != nil {
		t.Fatal(err)
	}
	svc := identity.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), identity.Options{FieldKeys: old})
	values := map[string]string{}
	for i, card := range []string{"6222021234567890123", "6222029876543210", "621700000000000001"} {
		var id string
		err := db.Primary.QueryRow(t.Context(), `INSERT INTO users (email, password_hash, display_name, consent_version)
			VALUES ($1, 'x', 'Rotating', 'test') RETURNING id`, strings.Repeat("r", i+1)+"@rotate.example.com").Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		ctx := auth.WithPrincipal(t.Context(), auth.Principal{UserID: id})
		if _, err := svc.SetSensitiveField(ctx, connect.NewRequest(&identityv1.SetSensitiveFieldRequest{
			Kind: identityv1.SensitiveFieldKind_SENSITIVE_FIELD_KIND_BANK_CARD, Value: card,
		})); err != nil {
			t.Fatalf("SetSensitiveField: %v", err)
		}
		values[id] = card
	}

	rotate := func() string {
		t.Helper()
		var out bytes.Buffer
		if err := run(t.Context(), []string{"talentd", "rotate-keys", "--database-url", dbURL, "--field-keys", k2 + "," + k1}, noEnv, &out); err != nil {
			t.Fatalf("rotate-keys: %v\n%s", err, out.String())
		}
		return out.String()
	}
	out := rotate()
	if !strings.Contains(out, "rows=3") {
		t.Errorf("rotate-keys output does not count 3 rows:\n%s", out)
	}
	_, k1Secret, _ := strings.Cut(k1, ":")
	_, k2Secret, _ := strings.Cut(k2, ":")
	if strings.Contains(out, k1Secret) || strings.Contains(out, k2Secret) {
		t.Fatalf("rotate-keys output shows a key:\n%s", out)
	}

	newRing, err := fieldcrypt.ParseKeyring(k2) // k1 can go now
	if err != nil {
		t.Fatal(err)
	}
	col := identity.EncryptedColumns()[0]
	rows, err := db.Primary.Query(t.Context(), `SELECT user_id::text, kind, key_id, ciphertext FROM user_sensitive_fields`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id, kind, keyID string
		var ct []byte
		if err := rows.Scan(&id, &kind, &keyID, &ct); err != nil {
			t.Fatal(err)
		}
		n++
		v, err := newRing.Decrypt(keyID, ct, col.AAD([]string{id, kind}))
		if keyID != "k2" || err != nil || string(v) != values[id] {
			t.Errorf("row %s: key %s, value %q, %v; want k2 and %q", id, keyID, v, err, values[id])
		}
	}
	rows.Close()
	if n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
	if out := rotate(); strings.Count(out, "rows=0") != len(encryptedColumns())+1 {
		t.Errorf("second rotate-keys did something:\n%s", out)
	}
}

func TestRotateKeysNeedsConfig(t *testing.T) {
	t.Parallel()
	err := run(t.Context(), []string{"talentd", "rotate-keys"}, noEnv, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--field-keys") {
		t.Fatalf("rotate-keys without config = %v", err)
	}
}
