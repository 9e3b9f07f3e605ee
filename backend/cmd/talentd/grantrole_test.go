package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/testenv"
)

// TestGrantRoleCommand appoints the first admin with `talentd grant-role`:
// the role is set, the grant is audited with the operator as actor and the
// chain holds (ID-3, SEC-3); a repeat changes nothing, and bad input (an
// unknown role or email) is refused without a change.
func TestGrantRoleCommand(t *testing.T) {
	t.Parallel()
	dbURL := testenv.DatabaseURL(t)
	db, err := postgres.Open(t.Context(), dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Primary.Exec(t.Context(), `INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		VALUES ('first-admin@example.com', 'x', 'First Admin', ARRAY['client'], '2026-01')`); err != nil {
		t.Fatal(err)
	}
	getenv := func(name string) string {
		if name == "TALENT_DATABASE_URL" {
			return dbURL
		}
		return ""
	}
	roles := func() string {
		var r []string
		if err := db.Primary.QueryRow(t.Context(), `SELECT roles FROM users WHERE email = 'first-admin@example.com'`).Scan(&r); err != nil {
			t.Fatal(err)
		}
		return strings.Join(r, ",")
	}

	var out bytes.Buffer
	args := []string{"talentd", "grant-role", "--email", "First-Admin@example.com", "--role", "admin", "--operator", "ops-oncall"}
	if err := run(t.Context(), args, getenv, &out); err != nil || !strings.Contains(out.String(), "granted admin") {
		t.Fatalf("grant-role = %v, output %q", err, out.String())
	}
	if got := roles(); got != "client,admin" {
		t.Fatalf("roles after grant = %q, want client,admin", got)
	}
	var operator, action string
	if err := db.Primary.QueryRow(t.Context(), `SELECT coalesce(detail->>'operator', ''), action FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&operator, &action); err != nil {
		t.Fatal(err)
	}
	if operator != "ops-oncall" || action != "role.grant" {
		t.Fatalf("audit entry = operator %q action %q, want ops-oncall role.grant", operator, action)
	}
	if res, err := audit.VerifySnapshot(t.Context(), db.Primary); err != nil || !res.Intact() {
		t.Fatalf("audit chain after grant-role: %+v, %v", res, err)
	}

	out.Reset()
	if err := run(t.Context(), args, getenv, &out); err != nil || !strings.Contains(out.String(), "already has") {
		t.Fatalf("repeated grant-role = %v, output %q", err, out.String())
	}

	for _, tc := range []struct{ name, email, role, want string }{
		{"unknown role", "first-admin@example.com", "root", "unknown role"},
		{"unknown email", "nobody@example.com", "admin", "no account"},
		{"no email", "", "admin", "--email and --role"},
	} {
		err := run(t.Context(), []string{"talentd", "grant-role", "--email", tc.email, "--role", tc.role}, getenv, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: grant-role = %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if got := roles(); got != "client,admin" {
		t.Fatalf("roles after refused commands = %q", got)
	}
}
