// Package events is the real-time stream (TASK-4): everything that happens
// for a signed-in person, delivered to each of their open views as it
// commits, through any talentd process.
//
// Events are rows of the events table, addressed to one person and
// numbered per person (the cursor). They are written in the transaction of
// the change they tell of: by database triggers on notifications,
// task_events and tasks (so other services need not know this package),
// and by Emit and EmitToTaskParties for changes that have no such table.
// An AFTER INSERT trigger on events sends pg_notify('talent_events',
// "user:seq:{event as JSON}"); every talentd process keeps one connection
// LISTENing (Hub.Listen), decodes each announcement once and queues the
// event for the streams of that person. A stream sends a queued event as
// it is only if it directly follows the last one it sent; otherwise (a
// gap, an announcement without the event, a reconnected listener) it reads
// the rows after its cursor from the database, as catch-up does. So the
// table stays the one source of truth: no gaps, no duplicates, nothing
// lost while the listener reconnects, and a live event costs no query.
// docs/realtime.md explains how to add a kind.
package events

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/events/internal/db"
)

// Channel is the Postgres NOTIFY channel events are announced on.
const Channel = "talent_events"

// Emit records an event of kind for recipient in q's transaction and
// returns its cursor. taskID may be uuid.Nil; payload is marshalled to a
// JSON object (nil is {}). Emitting to several people in one transaction:
// emit in a fixed order (by user id) so two transactions cannot deadlock.
func Emit(ctx context.Context, q db.DBTX, recipient uuid.UUID, kind string, taskID uuid.UUID, payload any) (int64, error) {
	raw, err := marshalPayload(payload)
	if err != nil {
		return 0, fmt.Errorf("emit %s: %w", kind, err)
	}
	var task *uuid.UUID
	if taskID != uuid.Nil {
		task = &taskID
	}
	seq, err := db.New(q).EmitEvent(ctx, db.EmitEventParams{Recipient: recipient, Kind: kind, TaskID: task, Payload: raw})
	if err != nil {
		return 0, fmt.Errorf("emit %s: %w", kind, err)
	}
	return seq, nil
}

// EmitToTaskParties records an event of kind for each party of the task
// (its client and, once awarded, its provider) in q's transaction. The
// payload gets "task" (the readable reference) added.
func EmitToTaskParties(ctx context.Context, q db.DBTX, taskID uuid.UUID, kind string, payload any) error {
	raw, err := marshalPayload(payload)
	if err != nil {
		return fmt.Errorf("emit %s: %w", kind, err)
	}
	if err := db.New(q).EmitTaskEvent(ctx, db.EmitTaskEventParams{TaskID: taskID, Kind: kind, Payload: raw}); err != nil {
		return fmt.Errorf("emit %s: %w", kind, err)
	}
	return nil
}

func marshalPayload(payload any) ([]byte, error) {
	if payload == nil {
		return []byte("{}"), nil
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("payload %s is not a JSON object", raw)
	}
	return raw, nil
}
