package ratelimit

import (
	"fmt"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"golang.org/x/time/rate"
)

// zones holds every zone's state and the metrics, shared by the handlers of
// the running config and the next one, so limits survive a reload.
var zones = caddy.NewUsagePool()

// sweepEvery is how often idle keys are evicted.
const sweepEvery = time.Minute

// zoneState is the buckets of one zone.
type zoneState struct {
	name string

	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	maxKeys int
	idle    time.Duration // a bucket idle this long is full again
	buckets map[string]*bucket

	stop chan struct{}
	done chan struct{}
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// loadZoneState returns the zone's shared state, creating it on first use
// and applying the configuration's rate, burst and key limit to it.
func loadZoneState(z *Zone) (*zoneState, error) {
	limit, burst := limiter(z)
	v, _, err := zones.LoadOrNew(z.Name, func() (caddy.Destructor, error) {
		st := &zoneState{
			name:    z.Name,
			buckets: make(map[string]*bucket),
			stop:    make(chan struct{}),
			done:    make(chan struct{}),
		}
		go st.sweepLoop()
		return st, nil
	})
	if err != nil {
		return nil, fmt.Errorf("load zone %s state: %w", z.Name, err)
	}
	st := v.(*zoneState)
	st.configure(limit, burst, z.MaxKeys)
	return st, nil
}

// configure sets the zone's parameters; existing buckets keep their tokens
// and adopt the new rate and burst.
func (st *zoneState) configure(limit rate.Limit, burst, maxKeys int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	changed := st.limit != limit || st.burst != burst
	st.limit, st.burst, st.maxKeys = limit, burst, maxKeys
	// The time an empty bucket needs to fill up again; after that an idle
	// bucket is indistinguishable from a new one and can be dropped.
	st.idle = time.Duration(float64(burst) / float64(limit) * float64(time.Second))
	if st.idle < time.Second {
		st.idle = time.Second
	}
	if changed {
		now := time.Now()
		for _, b := range st.buckets {
			b.lim.SetLimitAt(now, limit)
			b.lim.SetBurstAt(now, burst)
		}
	}
}

// take spends one token of key's bucket. It returns false and how long to
// wait when the bucket is empty.
func (st *zoneState) take(key string, now time.Time) (time.Duration, bool) {
	st.mu.Lock()
	b, ok := st.buckets[key]
	if !ok {
		if len(st.buckets) >= st.maxKeys {
			st.evictLocked(now)
		}
		b = &bucket{lim: rate.NewLimiter(st.limit, st.burst)}
		st.buckets[key] = b
	}
	b.last = now
	st.mu.Unlock()

	res := b.lim.ReserveN(now, 1)
	if !res.OK() {
		return time.Duration(float64(time.Second) / float64(st.limit)), false
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, false
	}
	return 0, true
}

// evictLocked makes room: it drops idle buckets and, if the zone is still
// full, arbitrary ones (map order), so memory stays bounded under a flood of
// new keys. st.mu must be held.
func (st *zoneState) evictLocked(now time.Time) {
	st.sweepLocked(now)
	for k := range st.buckets {
		if len(st.buckets) < st.maxKeys {
			break
		}
		delete(st.buckets, k)
	}
}

func (st *zoneState) sweepLocked(now time.Time) {
	for k, b := range st.buckets {
		if now.Sub(b.last) >= st.idle {
			delete(st.buckets, k)
		}
	}
}

// keys reports how many keys the zone tracks.
func (st *zoneState) keys() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.buckets)
}

func (st *zoneState) sweepLoop() {
	defer close(st.done)
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-st.stop:
			return
		case now := <-t.C:
			st.mu.Lock()
			st.sweepLocked(now)
			st.mu.Unlock()
		}
	}
}

// Destruct stops the sweeper once no config uses the zone any more.
func (st *zoneState) Destruct() error {
	close(st.stop)
	<-st.done
	return nil
}
