// Package ratelimit is a Caddy HTTP handler module, talent_ratelimit, that
// limits how often a client may call sensitive endpoints (SEC-1: sign-in,
// sign-up, SMS codes and writes). Each named zone has a key (the client IP,
// the caller, or both), a rate with a burst (a token bucket per key), and a
// list of paths. A request over the limit gets Retry-After and an error in
// the protocol the client spoke: a Connect error with code
// resource_exhausted, a trailers-only gRPC or gRPC-Web response with
// grpc-status 8, or a plain 429 otherwise.
//
// Zone state lives in a caddy.UsagePool keyed by zone name, so it survives
// config reloads (a canary weight change must not forget abuse), and idle
// keys are evicted so memory stays bounded.
package ratelimit

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/talent-hub/talent/edge/internal/pathmatch"
)

// DefaultMaxKeys bounds the number of keys one zone tracks when the
// configuration names no limit.
const DefaultMaxKeys = 100_000

// SessionCookie is the cookie that identifies a signed-in browser.
const SessionCookie = "talent_session"

// Key kinds a zone can be keyed by.
const (
	KeyIP     = "ip"     // the client IP (IPv6 by /64), honouring trusted_proxies
	KeyCaller = "caller" // a hash of the session cookie or bearer token
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler applies every zone whose paths match the request; the first zone
// that refuses ends the request.
type Handler struct {
	// Zones are checked in order.
	Zones []*Zone `json:"zones,omitempty"`

	logger  *zap.Logger
	metrics *metrics
	states  []*zoneState
}

// Zone is one named limit.
type Zone struct {
	// Name identifies the zone's state across reloads and in metrics.
	Name string `json:"name"`
	// Key lists what a bucket is keyed by: "ip", "caller" or both. A
	// caller zone falls back to the client IP for requests without a
	// session cookie or bearer token. Default: ["ip"].
	Key []string `json:"key,omitempty"`
	// Events is how many requests are allowed per Window, on average.
	Events int `json:"events"`
	// Window is the period Events refers to.
	Window caddy.Duration `json:"window"`
	// Burst is how many requests may arrive at once. Default: 1.
	Burst int `json:"burst,omitempty"`
	// Paths selects the requests the zone applies to, in the syntax of
	// Caddy's path matcher (case-insensitive; "/a/*", "*.x", "*x*", or
	// path.Match globs), without placeholders or escapes. Empty means
	// every request.
	Paths []string `json:"paths,omitempty"`
	// MaxKeys bounds the keys tracked at once. Default: DefaultMaxKeys.
	MaxKeys int `json:"max_keys,omitempty"`

	paths pathmatch.Matcher
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.talent_ratelimit",
		New: func() caddy.Module { return new(Handler) },
	}
}

var zoneName = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

// Provision fills in defaults and attaches each zone to its shared state.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	for _, z := range h.Zones {
		if len(z.Key) == 0 {
			z.Key = []string{KeyIP}
		}
		if z.Burst == 0 {
			z.Burst = 1
		}
		if z.MaxKeys == 0 {
			z.MaxKeys = DefaultMaxKeys
		}
		m, err := pathmatch.Compile(z.Paths)
		if err != nil {
			return fmt.Errorf("provision zone %s: %w", z.Name, err)
		}
		z.paths = m
	}
	if err := h.Validate(); err != nil {
		return err
	}
	m, err := loadMetrics(ctx.GetMetricsRegistry())
	if err != nil {
		return err
	}
	h.metrics = m
	for _, z := range h.Zones {
		st, err := loadZoneState(z)
		if err != nil {
			h.Cleanup()
			return err
		}
		h.states = append(h.states, st)
	}
	return nil
}

// Validate checks the zones.
func (h *Handler) Validate() error {
	if len(h.Zones) == 0 {
		return errors.New("validate talent_ratelimit: no zones")
	}
	seen := map[string]bool{}
	for _, z := range h.Zones {
		if !zoneName.MatchString(z.Name) {
			return fmt.Errorf("validate zone name %q: want 1-64 of A-Z a-z 0-9 _", z.Name)
		}
		if seen[z.Name] {
			return fmt.Errorf("validate zone %s: defined twice", z.Name)
		}
		seen[z.Name] = true
		if z.Events <= 0 || z.Window <= 0 {
			return fmt.Errorf("validate zone %s: rate must be a positive number of events per positive window", z.Name)
		}
		if z.Burst < 0 || z.MaxKeys < 0 {
			return fmt.Errorf("validate zone %s: burst and max_keys must not be negative", z.Name)
		}
		for _, k := range z.Key {
			if k != KeyIP && k != KeyCaller {
				return fmt.Errorf("validate zone %s key %q: want %q or %q", z.Name, k, KeyIP, KeyCaller)
			}
		}
	}
	return nil
}

// Cleanup releases this config's hold on the zones' state; the state of a
// zone that the next config still uses lives on.
func (h *Handler) Cleanup() error {
	var errs []error
	for _, st := range h.states {
		if _, err := zones.Delete(st.name); err != nil {
			errs = append(errs, fmt.Errorf("release zone %s: %w", st.name, err))
		}
	}
	h.states = nil
	return errors.Join(errs...)
}

// ServeHTTP counts the request against every matching zone and refuses it
// when one of them is exhausted.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	// Counted in a call of its own, so that its frame is gone before the
	// rest of the chain runs on this goroutine's stack.
	if refused, err := h.count(w, r); refused {
		return err
	}
	return next.ServeHTTP(w, r)
}

// count takes a token from every matching zone; refused is true when one
// was exhausted and the request was answered (err is then the result).
func (h *Handler) count(w http.ResponseWriter, r *http.Request) (refused bool, err error) {
	now := time.Now()
	path := pathmatch.Prepare(r.URL.Path)
	for i, z := range h.Zones {
		if !z.paths.Empty() && !z.paths.Match(&path) {
			continue
		}
		key := bucketKey(r, z.Key)
		wait, ok := h.states[i].take(key, now)
		if ok {
			continue
		}
		h.metrics.limited.WithLabelValues(z.Name).Inc()
		if c := h.logger.Check(zap.InfoLevel, "rate limited"); c != nil {
			c.Write(zap.String("zone", z.Name), zap.String("path", r.URL.Path),
				zap.String("client_ip", clientIP(r)), zap.Duration("retry_after", wait))
		}
		return true, refuse(w, r, wait)
	}
	return false, nil
}

// retrySeconds rounds a wait up to whole seconds, at least one.
func retrySeconds(wait time.Duration) int {
	s := int(math.Ceil(wait.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// clientIP is the client address Caddy determined, honouring the server's
// trusted_proxies and client_ip_headers, without a port.
func clientIP(r *http.Request) string {
	ip, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	if ip == "" {
		ip = r.RemoteAddr
	}
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return ip
}

// ipKey is the client IP, with IPv6 addresses reduced to their /64: one
// host usually holds a whole /64.
func ipKey(r *http.Request) string {
	s := clientIP(r)
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return "ip:" + s
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + addr.String()
}

// bucketKey builds the key for one request and zone.
func bucketKey(r *http.Request, kinds []string) string {
	var b strings.Builder
	for i, k := range kinds {
		if i > 0 {
			b.WriteByte('|')
		}
		switch k {
		case KeyIP:
			b.WriteString(ipKey(r))
		case KeyCaller:
			if c := callerKey(r); c != "" {
				b.WriteString(c)
			} else {
				b.WriteString(ipKey(r))
			}
		}
	}
	return b.String()
}

// refuse answers a limited request in the client's protocol.
func refuse(w http.ResponseWriter, r *http.Request, wait time.Duration) error {
	secs := retrySeconds(wait)
	msg := "too many requests; try again in " + strconv.Itoa(secs) + " seconds"
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, r, msg)
	return nil
}

// limiter builds the token bucket for a zone.
func limiter(z *Zone) (rate.Limit, int) {
	return rate.Limit(float64(z.Events) / time.Duration(z.Window).Seconds()), z.Burst
}

// loadMetrics registers the limited-requests counter with this config's
// registry. The counter itself is kept in the zone pool so its values carry
// over reloads.
func loadMetrics(reg *prometheus.Registry) (*metrics, error) {
	v, _, err := zones.LoadOrNew(metricsKey{}, func() (caddy.Destructor, error) {
		return &metrics{limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "talent_edge",
			Subsystem: "ratelimit",
			Name:      "limited_total",
			Help:      "Requests refused by talent_ratelimit, by zone.",
		}, []string{"zone"})}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("load rate limit metrics: %w", err)
	}
	// Keep the reference count at one: the counter lives for the process.
	if n, _ := zones.References(metricsKey{}); n > 1 {
		if _, err := zones.Delete(metricsKey{}); err != nil {
			return nil, fmt.Errorf("release rate limit metrics: %w", err)
		}
	}
	m := v.(*metrics)
	if reg != nil {
		if err := reg.Register(m.limited); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("register rate limit metrics: %w", err)
			}
		}
	}
	return m, nil
}

type metricsKey struct{}

type metrics struct {
	limited *prometheus.CounterVec
}

// Destruct implements caddy.Destructor.
func (*metrics) Destruct() error { return nil }

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
