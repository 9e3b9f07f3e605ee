package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/identity"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/providers"
	"github.com/talent-hub/talent/backend/telemetry"
)

// encryptedColumns lists every encrypted column of every service, for
// rotate-keys. A service that stores fieldcrypt ciphertexts adds its
// columns here.
func encryptedColumns() []fieldcrypt.Column {
	return append(identity.EncryptedColumns(), fieldcrypt.Column{
		// The ID numbers of vetting submissions (ID-2).
		Table: "vetting_submissions", Key: []string{"id"}, KeyIDCol: "id_number_key_id", Ciphertext: "id_number_sealed",
		AAD: func(k []string) []byte { return providers.IDNumberAAD(k[0]) },
	})
}

// rotateKeys is `talentd rotate-keys`: it re-encrypts every encrypted field
// under the current (first) field key, so older keys can be retired
// (SEC-1, docs/ops/keys.md). It is idempotent and may be stopped and run
// again at any time; talentd may keep serving meanwhile, provided every
// running talentd already has the new key.
func rotateKeys(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("talentd rotate-keys", flag.ContinueOnError)
	fs.SetOutput(stdout)
	env := func(name string) string { return getenv(name) }
	databaseURL := fs.String("database-url", env("TALENT_DATABASE_URL"), "Postgres primary URL [TALENT_DATABASE_URL]")
	keys := fs.String("field-keys", env("TALENT_FIELD_KEYS"), "field encryption keys, current first [TALENT_FIELD_KEYS]")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *databaseURL == "" || *keys == "" {
		return errors.New("rotate-keys: --database-url and --field-keys (or TALENT_DATABASE_URL and TALENT_FIELD_KEYS) are required")
	}
	ring, err := fieldcrypt.ParseKeyring(*keys)
	if err != nil {
		return fmt.Errorf("rotate-keys: %w", err)
	}
	logger := telemetry.NewLogger(stdout, "text", "info")
	db, err := postgres.Open(ctx, *databaseURL, "")
	if err != nil {
		return fmt.Errorf("rotate-keys: %w", err)
	}
	defer db.Close()
	logger.Info("rotating field keys", "keys", ring)
	total := 0
	for _, col := range encryptedColumns() {
		st, err := fieldcrypt.Rotate(ctx, db.Primary, ring, col)
		total += st.Rows
		logger.Info("rotated", "table", col.Table, "column", col.Ciphertext, "rows", st.Rows)
		if err != nil {
			return fmt.Errorf("rotate-keys: %w (%d rows re-encrypted before; run again after fixing)", err, total)
		}
	}
	logger.Info("rotation done: every field uses the current key", "current", ring.CurrentID(), "rows", total)
	return nil
}
