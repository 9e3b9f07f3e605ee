package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/events/internal/db"
	eventsv1 "github.com/talent-hub/talent/proto/talent/events/v1"
)

// Hub wakes the streams of a person when Postgres announces an event for
// them. One Hub per process; Listen holds its one LISTENing connection.
type Hub struct {
	logger *slog.Logger

	mu   sync.Mutex
	subs map[uuid.UUID]map[*subscription]struct{}
	// stopped is closed when Listen returns: streams end, so that a
	// shutting-down server is not kept waiting by them.
	stopped  chan struct{}
	stopOnce sync.Once

	streams       prometheus.Gauge
	notifications prometheus.Counter
	reconnects    prometheus.Counter
	listening     prometheus.Gauge
	reads         prometheus.Counter
	// delivery is commit→send of live events (TASK-4), in seconds.
	delivery prometheus.Histogram
	// timings carries sent live events to timeDeliveries.
	timings    chan timing
	timingOnce sync.Once
}

// subscription is one open stream. The listener queues announced events
// in pending and signals wake, which holds at most one signal: the stream
// takes everything queued when it wakes, so signals coalesce. reread tells
// the stream to read from the database instead: an announcement came
// without its event, too many queued up, or the listener reconnected.
type subscription struct {
	user uuid.UUID
	wake chan struct{}

	mu      sync.Mutex
	pending []*eventsv1.Event
	reread  bool
}

// maxPending bounds the events queued for one stream; beyond it the stream
// reads from the database.
const maxPending = 64

// take returns and clears what the listener queued.
func (s *subscription) take() ([]*eventsv1.Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs, reread := s.pending, s.reread
	s.pending, s.reread = nil, false
	return evs, reread
}

// queue adds ev (nil: "read from the database") and wakes the stream.
func (s *subscription) queue(ev *eventsv1.Event) {
	s.mu.Lock()
	if ev == nil || s.reread || len(s.pending) >= maxPending {
		s.pending, s.reread = nil, true
	} else {
		s.pending = append(s.pending, ev)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// timing is one live event written to a stream, waiting for its commit
// time (timeDeliveries).
type timing struct {
	user uuid.UUID
	seq  int64
	sent time.Time
}

// NewHub returns a hub with no subscribers; call Listen to feed it.
func NewHub(logger *slog.Logger) *Hub {
	return &Hub{
		logger:  logger,
		subs:    map[uuid.UUID]map[*subscription]struct{}{},
		stopped: make(chan struct{}),
		timings: make(chan timing, 4096),
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "talent_events_streams", Help: "Event streams open in this process.",
		}),
		notifications: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "talent_events_notifications_total", Help: "Event announcements received from Postgres.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "talent_events_listener_reconnects_total", Help: "Times the LISTEN connection was lost and opened again.",
		}),
		listening: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "talent_events_listener_up", Help: "1 while the LISTEN connection is open.",
		}),
		reads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "talent_events_reads_total",
			Help: "Reads of the events table by streams: catch-up, and live events whose announcement could not be sent as it was.",
		}),
		delivery: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "talent_events_delivery_seconds",
			Help:    "Live events, from their commit (the transaction's start without track_commit_timestamp) to their write on the stream in this process (TASK-4).",
			Buckets: []float64{.001, .0025, .005, .01, .015, .02, .025, .03, .04, .05, .075, .1, .25, .5, 1, 2.5},
		}),
	}
}

// Describe implements prometheus.Collector.
func (h *Hub) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range h.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (h *Hub) Collect(ch chan<- prometheus.Metric) {
	for _, c := range h.collectors() {
		c.Collect(ch)
	}
}

func (h *Hub) collectors() []prometheus.Collector {
	return []prometheus.Collector{h.streams, h.notifications, h.reconnects, h.listening, h.reads, h.delivery}
}

func (h *Hub) subscribe(user uuid.UUID) *subscription {
	s := &subscription{user: user, wake: make(chan struct{}, 1)}
	h.mu.Lock()
	m := h.subs[user]
	if m == nil {
		m = map[*subscription]struct{}{}
		h.subs[user] = m
	}
	m[s] = struct{}{}
	h.mu.Unlock()
	h.streams.Inc()
	return s
}

func (h *Hub) unsubscribe(s *subscription) {
	h.mu.Lock()
	if m := h.subs[s.user]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(h.subs, s.user)
		}
	}
	h.mu.Unlock()
	h.streams.Dec()
}

// sent notes a live event written to a stream, to be timed from its
// commit. Timing is off the stream's path: when timeDeliveries falls
// behind, the surplus goes untimed.
func (h *Hub) sent(user uuid.UUID, seq int64, at time.Time) {
	select {
	case h.timings <- timing{user: user, seq: seq, sent: at}:
	default:
	}
}

// timeDeliveries looks up, about once a second and in one query, when the
// events sent live committed, and records each commit→send in
// talent_events_delivery_seconds, until the hub stops. Clocks of the
// Postgres and talentd hosts can disagree by a little; a negative delay
// counts as 0.
func (h *Hub) timeDeliveries(q *db.Queries) {
	const batch = 1000
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var pending []timing
	flush := func() {
		if len(pending) == 0 {
			return
		}
		params := db.CommitTimesParams{UserIds: make([]uuid.UUID, len(pending)), Seqs: make([]int64, len(pending))}
		for i, t := range pending {
			params.UserIds[i], params.Seqs[i] = t.user, t.seq
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		rows, err := q.CommitTimes(ctx, params)
		cancel()
		if err != nil {
			h.logger.Warn("time event deliveries", "error", err)
			pending = pending[:0]
			return
		}
		type key struct {
			user uuid.UUID
			seq  int64
		}
		committed := make(map[key]time.Time, len(rows))
		for _, r := range rows {
			committed[key{r.UserID, r.Seq}] = r.CommitTime
		}
		for _, t := range pending {
			if c, ok := committed[key{t.user, t.seq}]; ok {
				h.delivery.Observe(max(t.sent.Sub(c), 0).Seconds())
			}
		}
		pending = pending[:0]
	}
	for {
		select {
		case <-h.stopped:
			return
		case t := <-h.timings:
			pending = append(pending, t)
			if len(pending) >= batch {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// announce hands an announced event (nil: only its user and seq are
// known) to every stream of user.
func (h *Hub) announce(user uuid.UUID, ev *eventsv1.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[user] {
		s.queue(ev)
	}
}

// wakeAll makes every stream read from the database: after the listener
// reconnects, announcements made while it was away are lost.
func (h *Hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.subs {
		for s := range m {
			s.queue(nil)
		}
	}
}

// parseAnnouncement reads a NOTIFY payload: "user:seq", optionally followed
// by ":" and the event as JSON (migration 00115). ev is nil when the event
// is not in it.
func parseAnnouncement(payload string) (user uuid.UUID, ev *eventsv1.Event, ok bool) {
	userText, rest, ok := strings.Cut(payload, ":")
	if !ok {
		return uuid.Nil, nil, false
	}
	user, err := uuid.Parse(userText)
	if err != nil {
		return uuid.Nil, nil, false
	}
	seqText, body, hasBody := strings.Cut(rest, ":")
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if err != nil || seq < 1 {
		return uuid.Nil, nil, false
	}
	if !hasBody {
		return user, nil, true
	}
	var m struct {
		Kind       string          `json:"k"`
		Task       string          `json:"t"`
		Payload    json.RawMessage `json:"p"`
		CreateTime time.Time       `json:"c"`
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.Kind == "" {
		// Not an event we understand: the stream reads it instead.
		return user, nil, true
	}
	return user, &eventsv1.Event{
		Cursor: seq, Kind: m.Kind, Task: m.Task, PayloadJson: string(m.Payload),
		CreateTime: timestamppb.New(m.CreateTime),
	}, true
}

// ListenerApplicationName names the LISTEN connection in pg_stat_activity.
const ListenerApplicationName = "talentd-events-listener"

// Backoff bounds between attempts to reopen the LISTEN connection.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// Listen keeps one connection, made with cfg, LISTENing on Channel and
// wakes subscribers on every announcement, until ctx is done. A lost
// connection is reopened with exponential backoff; every stream is then
// woken, so nothing announced meanwhile is missed.
func (h *Hub) Listen(ctx context.Context, cfg *pgx.ConnConfig) error {
	defer h.stopOnce.Do(func() { close(h.stopped) })
	backoff := minBackoff
	for first := true; ; first = false {
		started := time.Now()
		err := h.listenOnce(ctx, cfg, !first)
		if ctx.Err() != nil {
			return nil
		}
		h.reconnects.Inc()
		if time.Since(started) > time.Minute {
			backoff = minBackoff
		}
		h.logger.WarnContext(ctx, "event listener lost its connection; reconnecting", "error", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

func (h *Hub) listenOnce(ctx context.Context, cfg *pgx.ConnConfig, reconnected bool) error {
	cfg = cfg.Copy()
	cfg.RuntimeParams["application_name"] = ListenerApplicationName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	h.listening.Set(1)
	defer h.listening.Set(0)
	if reconnected {
		h.wakeAll()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		h.notifications.Inc()
		user, ev, ok := parseAnnouncement(n.Payload)
		if !ok {
			h.logger.WarnContext(ctx, "bad event announcement", "payload", n.Payload)
			continue
		}
		h.announce(user, ev)
	}
}
