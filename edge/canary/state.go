package canary

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// states holds each handler name's state across config reloads. Caddy's
// own modules keep what must outlive a reload the same way: a UsagePool is
// the one package-level value this package has, as the new config's handler
// must find the old one's state while both are loaded.
var states = caddy.NewUsagePool()

// state is what survives a config reload: the rollback monitor's sliding
// window, the rollback override and the metrics.
type state struct {
	name    string
	metrics *metrics
	// holding mirrors rolledBack for the request path, which reads it
	// without the lock.
	holding atomic.Bool

	mu             sync.Mutex
	rollback       Rollback
	slotWidth      time.Duration
	slots          []slot
	configured     float64 // weight in effect unless rolled back
	rolledBack     bool
	rolledBackFrom float64 // configured weight when the rollback happened
	now            func() time.Time

	// Persistence (persist.go): the state file, and the config's weight
	// when this process first provisioned the handler.
	file        string
	started     bool
	startWeight float64
	lastConfig  float64 // weight of the latest provisioned config
}

// slot counts one slice of the window; epoch is the slice's start in units
// of slotWidth since the Unix epoch.
type slot struct {
	epoch              int64
	requests, failures [2]int // by sideIndex
}

func newState(name string) *state {
	return &state{name: name, metrics: newMetrics(name), now: time.Now}
}

// Destruct is called when no loaded config uses the state any more.
func (s *state) Destruct() error { return nil }

// configure applies a newly provisioned handler's weight and rollback
// settings and returns the weight to split by. A weight other than the one
// the rollback happened at is an explicit change: it clears the rollback
// and starts a fresh window. The first configuration in a process may take
// the weight and rollback from the state file instead (restore); a later
// one whose weight differs from the previous config's is an explicit
// change, written to the state file.
func (s *state) configure(weight float64, rb Rollback, file string, logger *zap.Logger) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	width := time.Duration(rb.Window) / time.Duration(rb.Slots)
	if width != s.slotWidth || len(s.slots) != rb.Slots {
		s.slotWidth = width
		s.slots = make([]slot, rb.Slots)
	}
	s.file = file
	s.rollback = rb
	changed := false
	if !s.started {
		s.started, s.startWeight, s.lastConfig = true, weight, weight
		s.configured = weight
		s.restoreLocked(logger)
	} else if weight != s.lastConfig || weight != s.configured {
		// A new weight in the config, or the config's weight again
		// after a restore had put the stored one in force.
		s.lastConfig, s.configured, changed = weight, weight, true
	}
	if s.rolledBack && changed && s.configured != s.rolledBackFrom {
		s.rolledBack = false
		s.holding.Store(false)
		clear(s.slots)
		logger.Info("canary rollback cleared by a weight change",
			zap.String("name", s.name), zap.Float64("weight", s.configured))
	}
	if changed {
		s.persistLocked(logger)
	}
	s.metrics.configured.Set(s.configured)
	s.metrics.effective.Set(s.effectiveLocked())
	if s.rolledBack {
		s.metrics.rolledBack.Set(1)
	} else {
		s.metrics.rolledBack.Set(0)
	}
	return s.configured
}

func (s *state) effectiveLocked() float64 {
	if s.rolledBack {
		return 0
	}
	return s.configured
}

func (s *state) isRolledBack() bool {
	return s.holding.Load()
}

// sideIndex maps a side to the counters' index.
func sideIndex(side string) int {
	if side == Canary {
		return 1
	}
	return 0
}

// classify returns the error class of a response ("" for success) and
// whether it counts as a failure of the backend for the rollback: HTTP 5xx
// or gRPC UNKNOWN, INTERNAL or UNAVAILABLE.
func classify(status int, grpc string) (class string, failure bool) {
	if grpc != "" && grpc != "0" {
		code, err := strconv.Atoi(grpc)
		if err != nil || code < 0 || code >= len(grpcCodeNames) {
			return "grpc_invalid", true
		}
		switch code {
		case 2, 13, 14:
			failure = true
		}
		return "grpc_" + grpcCodeNames[code], failure
	}
	switch {
	case status >= 500:
		return "5xx", true
	case status >= 400:
		return "4xx", false
	}
	return "", false
}

var grpcCodeNames = [...]string{
	"ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found",
	"already_exists", "permission_denied", "resource_exhausted", "failed_precondition",
	"aborted", "out_of_range", "unimplemented", "internal", "unavailable", "data_loss",
	"unauthenticated",
}

// record counts one finished request and rolls the canary back when the
// window says so.
func (s *state) record(side string, status int, grpc string, d time.Duration, logger *zap.Logger) {
	class, failure := classify(status, grpc)
	i := sideIndex(side)
	s.metrics.sideRequests[i].Inc()
	if class != "" {
		s.metrics.errors.WithLabelValues(side, class).Inc()
	}
	s.metrics.sideLatency[i].Observe(d.Seconds())

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slotWidth <= 0 {
		return
	}
	epoch := s.now().UnixNano() / int64(s.slotWidth)
	sl := &s.slots[int(epoch%int64(len(s.slots)))]
	if sl.epoch != epoch {
		*sl = slot{epoch: epoch}
	}
	sl.requests[i]++
	if failure {
		sl.failures[i]++
	}
	// At weight 0 only forced testers reach the canary: nothing to roll back.
	if s.rolledBack || s.rollback.Disabled || s.configured == 0 || i != 1 || !failure {
		return
	}
	w := s.windowLocked(epoch)
	if w.requests[1] < s.rollback.MinRequests {
		return
	}
	canaryRate := 100 * float64(w.failures[1]) / float64(w.requests[1])
	stableRate := 0.0
	if w.requests[0] > 0 {
		stableRate = 100 * float64(w.failures[0]) / float64(w.requests[0])
	}
	if canaryRate-stableRate <= *s.rollback.Margin {
		return
	}
	s.rolledBack = true
	s.holding.Store(true)
	s.rolledBackFrom = s.configured
	s.persistLocked(logger)
	s.metrics.rollbacks.Inc()
	s.metrics.rolledBack.Set(1)
	s.metrics.effective.Set(0)
	logger.Error("canary rolled back: its failure rate exceeds stable's",
		zap.String("name", s.name),
		zap.Float64("weight", s.configured),
		zap.Float64("canary_failure_percent", canaryRate),
		zap.Float64("stable_failure_percent", stableRate),
		zap.Float64("margin_points", *s.rollback.Margin),
		zap.Int("canary_requests", w.requests[1]),
		zap.Int("stable_requests", w.requests[0]),
		zap.Duration("window", time.Duration(s.rollback.Window)))
}

// windowLocked sums the slots of the window ending in epoch.
func (s *state) windowLocked(epoch int64) slot {
	var sum slot
	for _, sl := range s.slots {
		if epoch-sl.epoch >= int64(len(s.slots)) {
			continue
		}
		for i := range sum.requests {
			sum.requests[i] += sl.requests[i]
			sum.failures[i] += sl.failures[i]
		}
	}
	return sum
}

// metrics are the state's Prometheus collectors. They live as long as the
// state, so counters keep counting across reloads; each config's registry
// gets them registered anew.
type metrics struct {
	requests   *prometheus.CounterVec
	errors     *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	configured prometheus.Gauge
	effective  prometheus.Gauge
	rolledBack prometheus.Gauge
	rollbacks  prometheus.Counter

	// The per-side children, by sideIndex, looked up once rather than on
	// every request.
	sideRequests [2]prometheus.Counter
	sideLatency  [2]prometheus.Observer
}

func newMetrics(name string) *metrics {
	labels := prometheus.Labels{"name": name}
	const ns, sub = "talent", "canary"
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "requests_total",
			Help: "Requests by side (stable or canary).", ConstLabels: labels,
		}, []string{"side"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "errors_total",
			Help: "Error responses by side and class (4xx, 5xx, grpc_<code>).", ConstLabels: labels,
		}, []string{"side", "class"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "request_duration_seconds",
			Help: "Time from the canary handler to the end of the response, by side.", ConstLabels: labels,
			Buckets: prometheus.DefBuckets,
		}, []string{"side"}),
		configured: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "configured_weight_percent",
			Help: "Canary weight in the loaded config, in percent.", ConstLabels: labels,
		}),
		effective: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "weight_percent",
			Help: "Canary weight in effect, in percent (0 after a rollback).", ConstLabels: labels,
		}),
		rolledBack: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "rolled_back",
			Help: "1 while an automatic rollback holds the canary at 0.", ConstLabels: labels,
		}),
		rollbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "rollbacks_total",
			Help: "Automatic rollbacks of the canary.", ConstLabels: labels,
		}),
	}
	for _, side := range []string{Stable, Canary} {
		m.sideRequests[sideIndex(side)] = m.requests.WithLabelValues(side)
		m.sideLatency[sideIndex(side)] = m.latency.WithLabelValues(side)
	}
	return m
}

// register adds the collectors to reg; ones already there (a second
// handler of the same name in one config) are fine.
func (m *metrics) register(reg *prometheus.Registry) error {
	if reg == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.errors, m.latency, m.configured, m.effective, m.rolledBack, m.rollbacks} {
		if err := reg.Register(c); err != nil {
			if _, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); !ok {
				return err
			}
		}
	}
	return nil
}
