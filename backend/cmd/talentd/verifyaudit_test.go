package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/testenv"
)

// TestVerifyAudit runs `talentd verify-audit` on an intact log and on one
// whose entry was changed behind the application's back (SEC-3).
func TestVerifyAudit(t *testing.T) {
	t.Parallel()
	dbURL := testenv.DatabaseURL(t)
	db, err := postgres.Open(t.Context(), dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	for _, action := range []string{"identity.login", "vetting.approve", "identity.logout"} {
		if err := audit.RecordNow(t.Context(), db.Primary, audit.Entry{Action: action, IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
	}
	getenv := func(name string) string {
		if name == "TALENT_DATABASE_URL" {
			return dbURL
		}
		return ""
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"talentd", "verify-audit"}, getenv, &out); err != nil || !strings.Contains(out.String(), "intact: 3 entries checked") {
		t.Fatalf("verify-audit on an intact log = %v, output %q", err, out.String())
	}

	if _, err := db.Primary.Exec(t.Context(), `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
		UPDATE audit_log SET ip = '198.51.100.9' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(t.Context(), []string{"talentd", "verify-audit"}, getenv, &out)
	if !errors.Is(err, errAuditBroken) || !strings.Contains(out.String(), "entry 2 does not match") {
		t.Fatalf("verify-audit on a changed log = %v, output %q", err, out.String())
	}

	if err := run(t.Context(), []string{"talentd", "verify-audit"}, noEnv, io.Discard); err == nil || !strings.Contains(err.Error(), "--database-url") {
		t.Fatalf("verify-audit without config = %v", err)
	}
}
