package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/identity"
	"github.com/talent-hub/talent/backend/notifications"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/tasks"
	notificationsv1 "github.com/talent-hub/talent/proto/talent/notifications/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// dataExporters are the areas' parts of "download my data" (SEC-4), beside
// the identity service's own. Each reads through the area's own API, as the
// person would see it.
func dataExporters(db *postgres.DB, logger *slog.Logger) []identity.Exporter {
	return []identity.Exporter{
		tasksExporter{svc: tasks.New(db, logger, tasks.Options{})},
		notificationsExporter{svc: notifications.New(db)},
	}
}

// maxExportPages bounds the pages one area's export reads.
const maxExportPages = 1000

// as returns ctx signed in as userID holding roles.
func as(ctx context.Context, userID uuid.UUID, roles ...string) context.Context {
	return auth.WithPrincipal(ctx, auth.Principal{UserID: userID.String(), Roles: roles})
}

// rawJSON turns messages into JSON values with proto field names.
func rawJSON[M proto.Message](ms []M) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(ms))
	for _, m := range ms {
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("marshal %T: %w", m, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// tasksExporter exports the tasks a person posted, each with its timeline.
type tasksExporter struct{ svc *tasks.Service }

func (tasksExporter) ExportName() string { return "tasks" }

func (e tasksExporter) ExportUserData(ctx context.Context, userID uuid.UUID) (any, error) {
	ctx = as(ctx, userID, auth.RoleClient)
	type taskExport struct {
		Task   json.RawMessage   `json:"task"`
		Events []json.RawMessage `json:"events"`
	}
	out := []taskExport{}
	token := ""
	for range maxExportPages {
		resp, err := e.svc.ListTasks(ctx, connect.NewRequest(&tasksv1.ListTasksRequest{Mine: true, PageSize: 100, PageToken: token}))
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		for _, t := range resp.Msg.GetTasks() {
			ev, err := e.svc.ListTaskEvents(ctx, connect.NewRequest(&tasksv1.ListTaskEventsRequest{IdOrRef: t.GetId()}))
			if err != nil {
				return nil, fmt.Errorf("list events of task %s: %w", t.GetId(), err)
			}
			raw, err := rawJSON([]*tasksv1.Task{t})
			if err != nil {
				return nil, err
			}
			events, err := rawJSON(ev.Msg.GetEvents())
			if err != nil {
				return nil, err
			}
			out = append(out, taskExport{Task: raw[0], Events: events})
		}
		if token = resp.Msg.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
	return nil, fmt.Errorf("list tasks: more than %d pages", maxExportPages)
}

// notificationsExporter exports a person's notifications.
type notificationsExporter struct{ svc *notifications.Service }

func (notificationsExporter) ExportName() string { return "notifications" }

func (e notificationsExporter) ExportUserData(ctx context.Context, userID uuid.UUID) (any, error) {
	ctx = as(ctx, userID)
	var all []*notificationsv1.Notification
	token := ""
	for range maxExportPages {
		resp, err := e.svc.ListNotifications(ctx, connect.NewRequest(&notificationsv1.ListNotificationsRequest{PageSize: 100, PageToken: token}))
		if err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		all = append(all, resp.Msg.GetNotifications()...)
		if token = resp.Msg.GetNextPageToken(); token == "" {
			return rawJSON(all)
		}
	}
	return nil, fmt.Errorf("list notifications: more than %d pages", maxExportPages)
}
