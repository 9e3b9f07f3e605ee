package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/events/internal/db"
	"github.com/talent-hub/talent/backend/postgres"
	eventsv1 "github.com/talent-hub/talent/proto/talent/events/v1"
	"github.com/talent-hub/talent/proto/talent/events/v1/eventsv1connect"
)

// Options tune the streams; zero values take the defaults.
type Options struct {
	// Heartbeat is how long a stream may stay silent before a heartbeat is
	// sent (default 15 s: below the idle timeouts of common proxies).
	Heartbeat time.Duration
	// MaxStreamAge ends a stream after this long (default 30 min); the
	// client subscribes again with its cursor, which checks its session
	// again, so a stream does not outlive a logout for long.
	MaxStreamAge time.Duration
	// MaxBacklog is how many missed events a client catches up on one by
	// one (default 500); further behind, it is told to reload (Reset).
	MaxBacklog int64
	// Retention is how long events are kept (default 7 days); Prune
	// deletes older ones.
	Retention time.Duration
}

func (o Options) withDefaults() Options {
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if o.MaxStreamAge <= 0 {
		o.MaxStreamAge = 30 * time.Minute
	}
	if o.MaxBacklog <= 0 {
		o.MaxBacklog = 500
	}
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	return o
}

// Service serves talent.events.v1.
type Service struct {
	db     *postgres.DB
	hub    *Hub
	logger *slog.Logger
	opts   Options
}

// Interface guard.
var _ eventsv1connect.EventServiceHandler = (*Service)(nil)

// New returns the event service over db, woken by hub (whose Listen the
// caller runs).
func New(db *postgres.DB, hub *Hub, logger *slog.Logger, opts Options) *Service {
	return &Service{db: db, hub: hub, logger: logger, opts: opts.withDefaults()}
}

// Policies declares who may call each RPC (ID-3): every signed-in person
// subscribes to their own events.
func Policies() auth.Policies {
	return auth.Policies{
		eventsv1connect.EventServiceSubscribeProcedure: {},
	}
}

// ErrUnauthenticated is returned to a caller without a session.
var ErrUnauthenticated = errors.New("sign in to receive your events")

// pageRows is how many events one read returns.
const pageRows = 200

// Subscribe streams the caller's events: the missed ones after
// after_cursor (or a reset), ready, then live ones and heartbeats.
func (s *Service) Subscribe(ctx context.Context, req *connect.Request[eventsv1.SubscribeRequest], stream *connect.ServerStream[eventsv1.SubscribeResponse]) error {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	}
	user, err := uuid.Parse(p.UserID)
	if err != nil {
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	}
	cursor := req.Msg.GetAfterCursor()
	if cursor < 0 {
		return badrequest.ConnectError(&badrequest.Error{Violations: []badrequest.Violation{{
			Field: "after_cursor", Reason: "VALUE_INVALID", Description: "after_cursor must not be negative",
		}}})
	}

	// Subscribe before reading: an event committed from here on wakes us,
	// and every read starts from the cursor, so nothing falls between.
	sub := s.hub.subscribe(user)
	defer s.hub.unsubscribe(sub)
	s.hub.timingOnce.Do(func() { go s.hub.timeDeliveries(db.New(s.db.Primary)) })

	// Read the primary: an event is announced once it committed there.
	q := db.New(s.db.Primary)
	cursor, reset, err := s.start(ctx, q, user, cursor)
	if err != nil {
		return err
	}
	if reset {
		if err := stream.Send(&eventsv1.SubscribeResponse{Message: &eventsv1.SubscribeResponse_Reload{Reload: &eventsv1.Reload{Cursor: cursor}}}); err != nil {
			return err
		}
	}
	if cursor, err = s.drain(ctx, q, user, cursor, stream, false); err != nil {
		return err
	}
	if err := stream.Send(&eventsv1.SubscribeResponse{Message: &eventsv1.SubscribeResponse_Ready{Ready: &eventsv1.Ready{Cursor: cursor}}}); err != nil {
		return err
	}

	heartbeat := time.NewTicker(s.opts.Heartbeat)
	defer heartbeat.Stop()
	end := time.NewTimer(s.opts.MaxStreamAge)
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.hub.stopped:
			return nil
		case <-end.C:
			return nil
		case <-sub.wake:
			if cursor, err = s.deliver(ctx, q, sub, cursor, stream); err != nil {
				return err
			}
		case <-heartbeat.C:
			if err := stream.Send(&eventsv1.SubscribeResponse{Message: &eventsv1.SubscribeResponse_Heartbeat{Heartbeat: &eventsv1.Heartbeat{Cursor: cursor}}}); err != nil {
				return err
			}
		}
	}
}

// start returns the cursor to stream after, and whether the client must
// reload first: it is too far behind, its events were pruned, or it names
// a cursor this person never had (a database restored from backup).
func (s *Service) start(ctx context.Context, q *db.Queries, user uuid.UUID, after int64) (int64, bool, error) {
	latest, err := q.LatestSeq(ctx, user)
	if err != nil {
		return 0, false, fmt.Errorf("read latest event: %w", err)
	}
	switch {
	case after == 0:
		return latest, false, nil
	case after == latest:
		return after, false, nil
	case after > latest || latest-after > s.opts.MaxBacklog:
		return latest, true, nil
	}
	oldest, err := q.OldestSeq(ctx, user)
	if err != nil {
		return 0, false, fmt.Errorf("read oldest event: %w", err)
	}
	if oldest == 0 || oldest > after+1 {
		return latest, true, nil
	}
	return after, false, nil
}

// deliver sends what the listener queued for sub, as long as each event
// directly follows the last one sent (events at or below the cursor were
// sent already, read from the database). Anything else, a gap or an
// announcement without its event, makes it read from the database.
// Returns the new cursor.
func (s *Service) deliver(ctx context.Context, q *db.Queries, sub *subscription, cursor int64, stream *connect.ServerStream[eventsv1.SubscribeResponse]) (int64, error) {
	evs, reread := sub.take()
	for _, ev := range evs {
		if reread {
			break
		}
		switch {
		case ev.GetCursor() <= cursor:
			continue
		case ev.GetCursor() != cursor+1:
			reread = true
			continue
		}
		if err := stream.Send(&eventsv1.SubscribeResponse{Message: &eventsv1.SubscribeResponse_Event{Event: ev}}); err != nil {
			return cursor, err
		}
		s.hub.sent(sub.user, ev.GetCursor(), time.Now())
		cursor = ev.GetCursor()
	}
	if reread {
		return s.drain(ctx, q, sub.user, cursor, stream, true)
	}
	return cursor, nil
}

// drain sends every event after cursor and returns the new cursor. Live
// (woken, not catching up) events are timed from their commit to their
// write into talent_events_delivery_seconds.
func (s *Service) drain(ctx context.Context, q *db.Queries, user uuid.UUID, cursor int64, stream *connect.ServerStream[eventsv1.SubscribeResponse], live bool) (int64, error) {
	for {
		if s.hub != nil {
			s.hub.reads.Inc()
		}
		rows, err := q.ListEventsAfter(ctx, db.ListEventsAfterParams{UserID: user, AfterSeq: cursor, MaxRows: pageRows})
		if err != nil {
			if ctx.Err() != nil {
				return cursor, nil
			}
			return cursor, fmt.Errorf("read events: %w", err)
		}
		for _, r := range rows {
			ev := &eventsv1.Event{
				Cursor: r.Seq, Kind: r.Kind, Task: r.TaskRef, PayloadJson: string(r.Payload),
				CreateTime: timestamppb.New(r.CreateTime),
			}
			if err := stream.Send(&eventsv1.SubscribeResponse{Message: &eventsv1.SubscribeResponse_Event{Event: ev}}); err != nil {
				return cursor, err
			}
			if live {
				s.hub.sent(user, r.Seq, time.Now())
			}
			cursor = r.Seq
		}
		if len(rows) < pageRows {
			return cursor, nil
		}
	}
}

// Prune deletes events older than the retention; talentd runs it hourly.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	n, err := db.New(s.db.Primary).PruneEvents(ctx, time.Now().Add(-s.opts.Retention))
	if err != nil {
		return 0, fmt.Errorf("prune events: %w", err)
	}
	return n, nil
}

// compressMinBytes: messages below it are sent uncompressed even to a
// client that accepts gzip. Events are small (ids and short texts) and go
// out one at a time; setting up gzip for each costs more CPU, on the path
// TASK-4 times, than it saves on the wire.
const compressMinBytes = 1024

// HandlerOptions are the stream's own Connect handler options, to append
// to the server's common ones.
func HandlerOptions() []connect.HandlerOption {
	return []connect.HandlerOption{connect.WithCompressMinBytes(compressMinBytes)}
}
