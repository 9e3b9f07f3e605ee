package keywords

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the handler's Prometheus collectors, registered in Caddy's
// metrics registry (served by Caddy's metrics endpoint).
type metrics struct {
	refusals *prometheus.CounterVec
	reviews  *prometheus.CounterVec
	scanned  *prometheus.CounterVec
	keywords *prometheus.GaugeVec
	reloads  *prometheus.CounterVec
	stale    *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "talent_edge", "keywords"
	m := &metrics{
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "refusals_total",
			Help: "Requests refused by the keyword filter, by route and reason (block, too_large, unsupported_encoding, malformed).",
		}, []string{"route", "reason"}),
		reviews: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "review_hits_total",
			Help: "Requests let through that carry review-list keywords, by route.",
		}, []string{"route"}),
		scanned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "scanned_bytes_total",
			Help: "Bytes of text judged by the keyword filter, after decoding, by route.",
		}, []string{"route"}),
		keywords: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "list_size",
			Help: "Distinct keywords in force, by list (block, review).",
		}, []string{"list"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "reloads_total",
			Help: "Reloads of changed keyword lists, by result (ok, error).",
		}, []string{"result"}),
		stale: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "lists_stale",
			Help: "1 while the latest fetch of a keyword list URL failed: the lists in force are the last fetched, else the fallback files, by route.",
		}, []string{"route"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.refusals, err = register(reg, m.refusals); err != nil {
		return nil, err
	}
	if m.reviews, err = register(reg, m.reviews); err != nil {
		return nil, err
	}
	if m.scanned, err = register(reg, m.scanned); err != nil {
		return nil, err
	}
	if m.keywords, err = register(reg, m.keywords); err != nil {
		return nil, err
	}
	if m.reloads, err = register(reg, m.reloads); err != nil {
		return nil, err
	}
	if m.stale, err = register(reg, m.stale); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// its name by another talent_keywords handler of the same config.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("register collector: %w", err)
}

func (m *metrics) reloaded(result string) { m.reloads.WithLabelValues(result).Inc() }
