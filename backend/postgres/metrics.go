package postgres

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reports pgxpool statistics as Prometheus metrics.
type poolCollector struct {
	pools []namedPool

	acquireCount      *prometheus.Desc
	acquireDuration   *prometheus.Desc
	acquiredConns     *prometheus.Desc
	canceledAcquire   *prometheus.Desc
	constructingConns *prometheus.Desc
	emptyAcquire      *prometheus.Desc
	idleConns         *prometheus.Desc
	maxConns          *prometheus.Desc
	totalConns        *prometheus.Desc
	newConns          *prometheus.Desc
	lifetimeDestroy   *prometheus.Desc
	idleDestroy       *prometheus.Desc
}

type namedPool struct {
	name string
	pool *pgxpool.Pool
}

// NewPoolCollector returns a Prometheus collector for the statistics of db's
// pools, labelled pool="primary" and pool="replica". The replica is reported
// only when it is a separate pool.
func NewPoolCollector(db *DB) prometheus.Collector {
	pools := []namedPool{{name: "primary", pool: db.Primary}}
	if db.Replica != db.Primary {
		pools = append(pools, namedPool{name: "replica", pool: db.Replica})
	}
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("talent_pgxpool_"+name, help, []string{"pool"}, nil)
	}
	return &poolCollector{
		pools:             pools,
		acquireCount:      desc("acquires_total", "Connections acquired from the pool."),
		acquireDuration:   desc("acquire_duration_seconds_total", "Time spent acquiring connections from the pool."),
		acquiredConns:     desc("acquired_conns", "Connections currently in use."),
		canceledAcquire:   desc("canceled_acquires_total", "Acquires cancelled by their context."),
		constructingConns: desc("constructing_conns", "Connections being opened."),
		emptyAcquire:      desc("empty_acquires_total", "Acquires that had to wait because the pool was empty."),
		idleConns:         desc("idle_conns", "Idle connections."),
		maxConns:          desc("max_conns", "Maximum size of the pool."),
		totalConns:        desc("total_conns", "Connections in the pool: idle, in use and being opened."),
		newConns:          desc("new_conns_total", "Connections opened."),
		lifetimeDestroy:   desc("max_lifetime_destroys_total", "Connections closed for reaching their maximum lifetime."),
		idleDestroy:       desc("max_idle_destroys_total", "Connections closed for being idle too long."),
	}
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.acquireCount, c.acquireDuration, c.acquiredConns, c.canceledAcquire,
		c.constructingConns, c.emptyAcquire, c.idleConns, c.maxConns,
		c.totalConns, c.newConns, c.lifetimeDestroy, c.idleDestroy,
	} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.pools {
		s := p.pool.Stat()
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, p.name)
		}
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, p.name)
		}
		counter(c.acquireCount, float64(s.AcquireCount()))
		counter(c.acquireDuration, s.AcquireDuration().Seconds())
		gauge(c.acquiredConns, float64(s.AcquiredConns()))
		counter(c.canceledAcquire, float64(s.CanceledAcquireCount()))
		gauge(c.constructingConns, float64(s.ConstructingConns()))
		counter(c.emptyAcquire, float64(s.EmptyAcquireCount()))
		gauge(c.idleConns, float64(s.IdleConns()))
		gauge(c.maxConns, float64(s.MaxConns()))
		gauge(c.totalConns, float64(s.TotalConns()))
		counter(c.newConns, float64(s.NewConnsCount()))
		counter(c.lifetimeDestroy, float64(s.MaxLifetimeDestroyCount()))
		counter(c.idleDestroy, float64(s.MaxIdleDestroyCount()))
	}
}
