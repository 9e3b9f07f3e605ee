// Package notifications is what people are told in the app (a task that
// matches their skills was published, a proposal arrived, their vetting was
// decided). Other services call Send inside their own transactions, so a
// notification exists exactly when the change it tells of committed; the
// Service serves talent.notifications.v1 to the person notified.
//
// The text is not stored: Kind names a catalogue entry of the web app
// ("notification.<kind>") in every language, Params fill it in.
package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/notifications/internal/db"
	"github.com/talent-hub/talent/backend/postgres"
	notificationsv1 "github.com/talent-hub/talent/proto/talent/notifications/v1"
	"github.com/talent-hub/talent/proto/talent/notifications/v1/notificationsv1connect"
)

// Notification is one thing to tell one person.
type Notification struct {
	UserID uuid.UUID
	// Kind is a catalogue key suffix: lower-case, digits, '.', '_'
	// ("task.matched", "vetting.approved").
	Kind string
	// Params fill in the catalogue text ("{task}" → Params["task"]).
	Params map[string]string
	// Link is the app path it leads to ("/tasks/T-000123").
	Link string
}

var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,79}$`)

// Send records n in q's transaction (or directly, given a pool) and
// returns its id.
func Send(ctx context.Context, q db.DBTX, n Notification) (int64, error) {
	if !kindPattern.MatchString(n.Kind) {
		return 0, fmt.Errorf("send notification: kind %q is not a catalogue key", n.Kind)
	}
	params := n.Params
	if params == nil {
		params = map[string]string{}
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return 0, fmt.Errorf("send notification: %w", err)
	}
	row, err := db.New(q).InsertNotification(ctx, db.InsertNotificationParams{
		UserID: n.UserID, Kind: n.Kind, Params: raw, Link: n.Link,
	})
	if err != nil {
		return 0, fmt.Errorf("send notification %s: %w", n.Kind, err)
	}
	return row.ID, nil
}

// Page sizes of ListNotifications.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// Service serves talent.notifications.v1.
type Service struct {
	db *postgres.DB
}

// Interface guard.
var _ notificationsv1connect.NotificationServiceHandler = (*Service)(nil)

// New returns the notification service over db.
func New(db *postgres.DB) *Service { return &Service{db: db} }

// Policies declares who may call each RPC (ID-3): every signed-in person
// reads and marks their own notifications.
func Policies() auth.Policies {
	return auth.Policies{
		notificationsv1connect.NotificationServiceListNotificationsProcedure:     {},
		notificationsv1connect.NotificationServiceMarkNotificationsReadProcedure: {},
	}
}

// ErrUnauthenticated is returned to a caller without a session.
var ErrUnauthenticated = errors.New("sign in to see your notifications")

func caller(ctx context.Context) (uuid.UUID, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return uuid.Nil, connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	}
	id, err := uuid.Parse(p.UserID)
	if err != nil {
		return uuid.Nil, connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	}
	return id, nil
}

// ListNotifications returns the caller's notifications, newest first, with
// the number unread.
func (s *Service) ListNotifications(ctx context.Context, req *connect.Request[notificationsv1.ListNotificationsRequest]) (*connect.Response[notificationsv1.ListNotificationsResponse], error) {
	user, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	params := db.ListNotificationsParams{UserID: user, BeforeID: 1<<63 - 1, PageSize: defaultPageSize, UnreadOnly: req.Msg.GetUnreadOnly()}
	var bad badrequest.List
	switch n := req.Msg.GetPageSize(); {
	case n < 0:
		bad.Add("page_size", "VALUE_INVALID", "page_size must not be negative")
	case n > maxPageSize:
		params.PageSize = maxPageSize
	case n > 0:
		params.PageSize = n
	}
	if t := req.Msg.GetPageToken(); t != "" {
		id, err := strconv.ParseInt(t, 10, 64)
		if err != nil || id <= 0 {
			bad.Add("page_token", "PAGE_TOKEN_INVALID", "page_token is not one this service returned")
		}
		params.BeforeID = id
	}
	if err := bad.Err(); err != nil {
		var be *badrequest.Error
		errors.As(err, &be)
		return nil, badrequest.ConnectError(be)
	}
	// The caller's own writes (marking read) must show: read the primary.
	q := db.New(s.db.Primary)
	rows, err := q.ListNotifications(ctx, params)
	if err != nil {
		return nil, err
	}
	unread, err := q.CountUnread(ctx, user)
	if err != nil {
		return nil, err
	}
	res := &notificationsv1.ListNotificationsResponse{UnreadCount: unread}
	for _, r := range rows {
		n := &notificationsv1.Notification{
			Id: r.ID, Kind: r.Kind, Link: r.Link, CreateTime: timestamppb.New(r.CreateTime), Read: r.ReadTime != nil,
		}
		if err := json.Unmarshal([]byte(r.Params), &n.Params); err != nil {
			return nil, fmt.Errorf("notification %d params: %w", r.ID, err)
		}
		res.Notifications = append(res.Notifications, n)
	}
	if len(rows) == int(params.PageSize) {
		res.NextPageToken = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	return connect.NewResponse(res), nil
}

// MarkNotificationsRead marks the caller's notifications read; others'
// ids are ignored.
func (s *Service) MarkNotificationsRead(ctx context.Context, req *connect.Request[notificationsv1.MarkNotificationsReadRequest]) (*connect.Response[notificationsv1.MarkNotificationsReadResponse], error) {
	user, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if len(req.Msg.GetIds()) > maxPageSize {
		return nil, badrequest.ConnectError(&badrequest.Error{Violations: []badrequest.Violation{{Field: "ids", Reason: "TOO_MANY", Description: "mark at most 100 notifications at once"}}})
	}
	q := db.New(s.db.Primary)
	if err := q.MarkRead(ctx, db.MarkReadParams{UserID: user, Ids: append([]int64{}, req.Msg.GetIds()...), UpToID: req.Msg.GetUpToId()}); err != nil {
		return nil, err
	}
	unread, err := q.CountUnread(ctx, user)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&notificationsv1.MarkNotificationsReadResponse{UnreadCount: unread}), nil
}
