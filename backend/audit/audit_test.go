package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/testenv"
	auditv1 "github.com/talent-hub/talent/proto/talent/audit/v1"
)

func TestMain(m *testing.M) { testenv.Run(m) }

func newUser(t *testing.T, db *postgres.DB, name string) string {
	t.Helper()
	var id string
	err := db.Primary.QueryRow(t.Context(), `
		INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		VALUES ($1, 'x', $1, ARRAY['client'], '1') RETURNING id::text`, name+"@example.com").Scan(&id)
	if err != nil {
		t.Fatalf("insert user: %v", err)
	}
	return id
}

func verify(t *testing.T, db *postgres.DB) VerifyResult {
	t.Helper()
	res, err := Verify(t.Context(), db.Primary)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return res
}

// TestChainDetectsTampering records entries from concurrent writers (SEC-3),
// checks the chain, then changes, removes and forges rows the way someone
// with database access could, and expects Verify to name the first broken
// entry each time.
func TestChainDetectsTampering(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	actor := newUser(t, db, "auditee")
	if got := verify(t, db); got.Checked != 0 || !got.Intact() {
		t.Fatalf("empty log: Verify = %+v, want 0 checked, intact", got)
	}

	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				errs <- RecordNow(t.Context(), db.Primary, Entry{
					ActorID: actor, Action: "identity.login", Target: "user:" + actor, IP: "192.0.2.7",
					Detail: map[string]any{"writer": w, "n": i, "method": "password", "nested": map[string]any{"b": 1, "a": []int{2, 3}}},
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("RecordNow: %v", err)
		}
	}
	// A transaction that rolls back leaves no entry and no gap.
	_ = pgx.BeginFunc(t.Context(), db.Primary, func(tx pgx.Tx) error {
		if err := Record(t.Context(), tx, Entry{Action: "rolled.back"}); err != nil {
			t.Fatalf("Record: %v", err)
		}
		return errors.New("roll back")
	})
	if err := RecordNow(t.Context(), db.Primary, Entry{Action: "platform.start"}); err != nil {
		t.Fatalf("RecordNow without actor: %v", err)
	}
	if got := verify(t, db); got.Checked != writers*each+1 || !got.Intact() {
		t.Fatalf("Verify = %+v, want %d checked and intact", got, writers*each+1)
	}

	// The table itself refuses changes.
	if _, err := db.Primary.Exec(t.Context(), `UPDATE audit_log SET ip = '' WHERE id = 1`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("UPDATE audit_log: err = %v, want append-only refusal", err)
	}
	if _, err := db.Primary.Exec(t.Context(), `DELETE FROM audit_log WHERE id = 1`); err == nil {
		t.Fatal("DELETE FROM audit_log succeeded, want a refusal")
	}

	// Someone who can disable the trigger still cannot hide a change.
	if _, err := db.Primary.Exec(t.Context(), `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`); err != nil {
		t.Fatalf("disable trigger: %v", err)
	}
	tamper := []struct {
		name, sql string
		want      int64
	}{
		{"edit detail", `UPDATE audit_log SET detail = detail || '{"method":"sms"}' WHERE id = 30`, 30},
		{"edit actor ip", `UPDATE audit_log SET ip = '198.51.100.1' WHERE id = 12`, 12},
		{"delete a row", `DELETE FROM audit_log WHERE id = 5`, 6},
	}
	for _, tc := range tamper {
		if _, err := db.Primary.Exec(t.Context(), tc.sql); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := verify(t, db); got.FirstBrokenID != tc.want {
			t.Fatalf("after %s: Verify = %+v, want first broken %d", tc.name, got, tc.want)
		}
	}
}

func TestRecordRefusesBadEntries(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	for _, e := range []Entry{{}, {Action: "x.y", ActorID: "not-a-uuid"}, {Action: "x.y", Detail: map[string]any{"f": func() {}}}} {
		if err := RecordNow(t.Context(), db.Primary, e); err == nil {
			t.Errorf("RecordNow(%+v) = nil, want an error", e)
		}
	}
	if got := verify(t, db); got.Checked != 0 {
		t.Fatalf("refused entries were written: %+v", got)
	}
}

func TestListAuditEntries(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	alice, bob := newUser(t, db, "alice"), newUser(t, db, "bob")
	for i := range 5 {
		for _, e := range []Entry{
			{ActorID: alice, Action: "identity.login", Detail: map[string]any{"i": i}},
			{ActorID: bob, Action: "vetting.approve", Target: "user:" + alice},
		} {
			if err := RecordNow(t.Context(), db.Primary, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	svc := New(db)
	list := func(req *auditv1.ListAuditEntriesRequest) ([]*auditv1.AuditEntry, string, error) {
		res, err := svc.ListAuditEntries(context.Background(), connect.NewRequest(req))
		if err != nil {
			return nil, "", err
		}
		return res.Msg.GetEntries(), res.Msg.GetNextPageToken(), nil
	}

	// Pages of 4 over 10 entries, newest first, no repeats.
	var ids []int64
	token := ""
	for page := 0; ; page++ {
		entries, next, err := list(&auditv1.ListAuditEntriesRequest{PageSize: 4, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			ids = append(ids, e.GetId())
		}
		if next == "" || page > 5 {
			break
		}
		token = next
	}
	if fmt.Sprint(ids) != "[10 9 8 7 6 5 4 3 2 1]" {
		t.Fatalf("paged ids = %v, want 10..1", ids)
	}

	entries, _, err := list(&auditv1.ListAuditEntriesRequest{ActorId: alice, ActionPrefix: "identity."})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 5 || entries[0].GetActorId() != alice || entries[0].GetDetailJson() != `{"i": 4}` {
		t.Fatalf("alice's logins = %d entries, first %v", len(entries), entries[0])
	}
	entries, _, err = list(&auditv1.ListAuditEntriesRequest{ActionPrefix: "vetting"})
	if err != nil || len(entries) != 5 || entries[0].GetTarget() != "user:"+alice {
		t.Fatalf("vetting entries = %v, %v", entries, err)
	}

	for _, tc := range []struct {
		req   *auditv1.ListAuditEntriesRequest
		field string
	}{
		{&auditv1.ListAuditEntriesRequest{ActorId: "alice"}, "actor_id"},
		{&auditv1.ListAuditEntriesRequest{ActionPrefix: "x%"}, "action_prefix"},
		{&auditv1.ListAuditEntriesRequest{PageSize: -1}, "page_size"},
		{&auditv1.ListAuditEntriesRequest{PageToken: "abc"}, "page_token"},
	} {
		_, _, err := list(tc.req)
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("%v: code %v, want invalid_argument", tc.req, connect.CodeOf(err))
			continue
		}
		if vs := badrequest.FromError(err); len(vs) != 1 || vs[0].Field != tc.field {
			t.Errorf("%v: violations %v, want one on %s", tc.req, vs, tc.field)
		}
	}

	res, err := svc.VerifyAuditLog(context.Background(), connect.NewRequest(&auditv1.VerifyAuditLogRequest{}))
	if err != nil || !res.Msg.GetIntact() || res.Msg.GetChecked() != 10 {
		t.Fatalf("VerifyAuditLog = %v, %v; want 10 checked, intact", res.Msg, err)
	}
}
