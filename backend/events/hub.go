package events

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
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
	// delivery is commit→send of live events (TASK-4), in seconds.
	delivery prometheus.Histogram
}

// subscription is one open stream. wake holds at most one pending signal:
// the stream reads everything new when it wakes, so signals coalesce.
type subscription struct {
	user uuid.UUID
	wake chan struct{}
}

// NewHub returns a hub with no subscribers; call Listen to feed it.
func NewHub(logger *slog.Logger) *Hub {
	return &Hub{
		logger:  logger,
		subs:    map[uuid.UUID]map[*subscription]struct{}{},
		stopped: make(chan struct{}),
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
	return []prometheus.Collector{h.streams, h.notifications, h.reconnects, h.listening, h.delivery}
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

// observeDelivery records a live event written to a stream delay after
// its commit. Clocks of Postgres and talentd hosts can disagree by a
// little; a negative delay counts as 0.
func (h *Hub) observeDelivery(delay time.Duration) {
	h.delivery.Observe(max(delay, 0).Seconds())
}

// wake signals every stream of user without blocking.
func (h *Hub) wake(user uuid.UUID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[user] {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// wakeAll signals every stream: after the listener reconnects, announcements
// made while it was away are lost, so everyone looks.
func (h *Hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.subs {
		for s := range m {
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
	}
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
		userText, _, ok := strings.Cut(n.Payload, ":")
		user, perr := uuid.Parse(userText)
		if !ok || perr != nil {
			h.logger.WarnContext(ctx, "bad event announcement", "payload", n.Payload)
			continue
		}
		h.wake(user)
	}
}
