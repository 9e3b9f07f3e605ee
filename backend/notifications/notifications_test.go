package notifications

import (
	"context"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/testenv"
	notificationsv1 "github.com/talent-hub/talent/proto/talent/notifications/v1"
)

func TestMain(m *testing.M) { testenv.Run(m) }

func newUser(t *testing.T, db *postgres.DB, name string) (context.Context, uuid.UUID) {
	t.Helper()
	var id uuid.UUID
	err := db.Primary.QueryRow(t.Context(), `
		INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		VALUES ($1, 'x', $1, ARRAY['provider'], '1') RETURNING id`, name+"@example.com").Scan(&id)
	if err != nil {
		t.Fatalf("insert user: %v", err)
	}
	return auth.WithPrincipal(t.Context(), auth.Principal{UserID: id.String(), Roles: []string{auth.RoleProvider}}), id
}

func TestSendListMarkRead(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	svc := New(db)
	aliceCtx, alice := newUser(t, db, "alice")
	bobCtx, bob := newUser(t, db, "bob")

	var ids []int64
	for _, ref := range []string{"T-000001", "T-000002", "T-000003"} {
		id, err := Send(t.Context(), db.Primary, Notification{
			UserID: alice, Kind: "task.matched", Params: map[string]string{"task": ref, "title": "数据 pipeline"}, Link: "/tasks/" + ref,
		})
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		ids = append(ids, id)
	}
	if _, err := Send(t.Context(), db.Primary, Notification{UserID: bob, Kind: "vetting.approved"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, err := Send(t.Context(), db.Primary, Notification{UserID: bob, Kind: "Not A Key"}); err == nil {
		t.Fatal("Send with a bad kind succeeded")
	}

	list := func(ctx context.Context, req *notificationsv1.ListNotificationsRequest) *notificationsv1.ListNotificationsResponse {
		t.Helper()
		res, err := svc.ListNotifications(ctx, connect.NewRequest(req))
		if err != nil {
			t.Fatalf("ListNotifications: %v", err)
		}
		return res.Msg
	}
	got := list(aliceCtx, &notificationsv1.ListNotificationsRequest{PageSize: 2})
	if len(got.GetNotifications()) != 2 || got.GetUnreadCount() != 3 || got.GetNextPageToken() == "" {
		t.Fatalf("first page = %v", got)
	}
	first := got.GetNotifications()[0]
	if first.GetId() != ids[2] || first.GetParams()["title"] != "数据 pipeline" || first.GetLink() != "/tasks/T-000003" || first.GetRead() {
		t.Fatalf("newest = %v", first)
	}
	next := list(aliceCtx, &notificationsv1.ListNotificationsRequest{PageSize: 2, PageToken: got.GetNextPageToken()})
	if len(next.GetNotifications()) != 1 || next.GetNotifications()[0].GetId() != ids[0] {
		t.Fatalf("second page = %v", next)
	}

	// Bob cannot mark Alice's notifications read.
	if _, err := svc.MarkNotificationsRead(bobCtx, connect.NewRequest(&notificationsv1.MarkNotificationsReadRequest{Ids: ids})); err != nil {
		t.Fatal(err)
	}
	if n := list(aliceCtx, &notificationsv1.ListNotificationsRequest{}).GetUnreadCount(); n != 3 {
		t.Fatalf("after bob's mark: alice unread = %d, want 3", n)
	}
	res, err := svc.MarkNotificationsRead(aliceCtx, connect.NewRequest(&notificationsv1.MarkNotificationsReadRequest{Ids: ids[2:]}))
	if err != nil || res.Msg.GetUnreadCount() != 2 {
		t.Fatalf("mark one: %v, %v", res, err)
	}
	res, err = svc.MarkNotificationsRead(aliceCtx, connect.NewRequest(&notificationsv1.MarkNotificationsReadRequest{UpToId: ids[1]}))
	if err != nil || res.Msg.GetUnreadCount() != 0 {
		t.Fatalf("mark up to: %v, %v", res, err)
	}
	if unread := list(aliceCtx, &notificationsv1.ListNotificationsRequest{UnreadOnly: true}); len(unread.GetNotifications()) != 0 {
		t.Fatalf("unread after marking all = %v", unread)
	}
	if n := list(bobCtx, &notificationsv1.ListNotificationsRequest{}).GetUnreadCount(); n != 1 {
		t.Fatalf("bob unread = %d, want 1", n)
	}

	if _, err := svc.ListNotifications(context.Background(), connect.NewRequest(&notificationsv1.ListNotificationsRequest{})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("anonymous list: %v, want unauthenticated", err)
	}
	if _, err := svc.ListNotifications(aliceCtx, connect.NewRequest(&notificationsv1.ListNotificationsRequest{PageToken: "x"})); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Fatalf("bad token: %v, want invalid_argument", err)
	}
}
