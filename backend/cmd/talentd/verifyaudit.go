package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/postgres"
)

// errAuditBroken is returned by verify-audit when the chain does not hold,
// so the command exits non-zero (for cron jobs and alerts).
var errAuditBroken = errors.New("verify-audit: the audit log's hash chain is broken")

// verifyAudit is `talentd verify-audit`: it walks the whole audit log's
// hash chain in one consistent snapshot and reports how many entries it
// checked and the first that does not match (SEC-3, docs/operations.md).
func verifyAudit(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("talentd verify-audit", flag.ContinueOnError)
	fs.SetOutput(stdout)
	databaseURL := fs.String("database-url", getenv("TALENT_DATABASE_URL"), "Postgres primary URL [TALENT_DATABASE_URL]")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *databaseURL == "" {
		return errors.New("verify-audit: --database-url (or TALENT_DATABASE_URL) is required")
	}
	db, err := postgres.Open(ctx, *databaseURL, "")
	if err != nil {
		return fmt.Errorf("verify-audit: %w", err)
	}
	defer db.Close()
	res, err := audit.VerifySnapshot(ctx, db.Primary)
	if err != nil {
		return fmt.Errorf("verify-audit: %w", err)
	}
	if !res.Intact() {
		fmt.Fprintf(stdout, "audit log BROKEN: %d entries read; entry %d does not match its hash or its predecessor\n", res.Checked, res.FirstBrokenID)
		return errAuditBroken
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries checked\n", res.Checked)
	return nil
}
