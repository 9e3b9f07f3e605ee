// Package canary is a Caddy HTTP handler module, talent_canary, that splits
// traffic between a stable and a canary pool of backends (OPS-4).
//
// Every request gets a bucket in 0..9999 from a stable hash: a signed-in
// user's ID (the talent_uid cookie talentd sets, or the X-Talent-User-Id
// header of apps that keep no cookies), else a device ID header
// (X-Talent-Device-Id), else a bucket cookie the handler gives anonymous
// browsers. A request goes to the canary when its bucket is below
// weight×100 (weight in percent), so raising the weight never moves a canary
// user back to stable and lowering it moves only the top buckets. Testers
// force a side with "X-Talent-Canary: always" or "never".
//
// The handler does not proxy itself: it stores the side, "stable" or
// "canary", in the request variable talent_canary (placeholder
// {http.vars.talent_canary}) and in the response header
// X-Talent-Canary-Side (and in the access log as "canary"), and the
// Caddyfile routes with a vars matcher to two
// reverse_proxy pools. It watches the responses that come back through it:
// per side it exports Prometheus metrics and keeps a sliding window of
// requests and failures (HTTP 5xx; gRPC unknown, internal, unavailable in
// headers, trailers or the end-of-stream frame of Connect streams and
// gRPC-Web).
// When the canary's failure rate exceeds stable's by the configured margin
// with enough canary samples, it rolls back: the effective weight becomes 0
// until an explicit weight change.
//
// Ops change the weight through Caddy's admin API (see docs/ops/canary.md).
// The window, the counters and the rollback override live in a
// caddy.UsagePool entry keyed by the handler's name, so they survive the
// config reload a weight change causes. With a StateFile, a weight change
// and an automatic rollback are also written to disk, and survive a restart
// of the edge as long as the config's own weight is still the one the edge
// had started with when they happened (see persist.go).
package canary

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"golang.org/x/net/http/httpguts"

	"github.com/talent-hub/talent/edge/internal/logfield"
	"github.com/talent-hub/talent/edge/internal/pathmatch"
)

// Defaults of the configuration.
const (
	DefaultName         = "default"
	DefaultWeight       = 10.0 // percent
	DefaultUserCookie   = "talent_uid"
	DefaultUserHeader   = "X-Talent-User-Id"
	DefaultDeviceHeader = "X-Talent-Device-Id"
	DefaultBucketCookie = "talent_canary"
	DefaultForceHeader  = "X-Talent-Canary"
)

// Buckets is the number of buckets users are spread over; weight w percent
// sends buckets 0 .. w×100-1 to the canary.
const Buckets = 10000

// bucketDigits is the length of the largest bucket in decimal.
const bucketDigits = 4

// Sides, as stored in VarName and SideHeader.
const (
	Stable = "stable"
	Canary = "canary"
)

// VarName is the request variable holding the side; the Caddyfile routes on
// it with `vars {http.vars.talent_canary} canary`.
const VarName = "talent_canary"

// SideHeader is the response header telling which side served the request.
const SideHeader = "X-Talent-Canary-Side"

// bucketCookieMaxAge keeps an anonymous visitor's bucket for a year.
const bucketCookieMaxAge = 365 * 24 * 60 * 60

// maxKeyLen bounds the user or device ID that is hashed.
const maxKeyLen = 128

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler chooses the side of each request and watches the outcome. See the
// package documentation.
type Handler struct {
	// ID is the admin API's handle on this handler ("@id"): with
	// "id": "canary" ops address the weight as /id/canary/weight.
	ID string `json:"@id,omitempty"`
	// Name keys the state kept across config reloads and labels the
	// metrics. Default: "default".
	Name string `json:"name,omitempty"`
	// Weight is the canary's share in percent, 0 to 100, in steps of
	// 0.01. Default: 10.
	Weight *float64 `json:"weight,omitempty"`
	// UserCookie holds the signed-in user's ID. Default: talent_uid.
	UserCookie string `json:"user_cookie,omitempty"`
	// UserHeader carries the user ID of clients without cookies.
	// Default: X-Talent-User-Id.
	UserHeader string `json:"user_header,omitempty"`
	// DeviceHeader carries a device ID of clients without cookies.
	// Default: X-Talent-Device-Id.
	DeviceHeader string `json:"device_header,omitempty"`
	// BucketCookie keeps an anonymous browser's bucket. Default:
	// talent_canary.
	BucketCookie string `json:"bucket_cookie,omitempty"`
	// ForceHeader lets testers force a side: "always" (canary) or
	// "never" (stable). Default: X-Talent-Canary.
	ForceHeader string `json:"force_header,omitempty"`
	// Rollback configures the automatic rollback.
	Rollback *Rollback `json:"rollback,omitempty"`
	// StateFile, if set, keeps the weight set at runtime and a rollback
	// across restarts (see persist.go). Put it in the edge's data
	// directory.
	StateFile string `json:"state_file,omitempty"`
	// Except are path patterns (as Caddy's path matcher takes them) of
	// requests the handler passes on untouched: no side, no cookie, not
	// counted. The edge excepts its static files (/web/*), which no
	// backend serves. It does what a `not path` matcher on the handler
	// would, without a route of Caddy's of its own.
	Except []string `json:"except,omitempty"`

	except    pathmatch.Matcher
	threshold int // buckets below it go to the canary
	// The headers' canonical forms, computed once.
	forceHeader, userHeader, deviceHeader string
	state                                 *state
	logger                                *zap.Logger
}

// Rollback configures the automatic rollback: when, over Window, the
// canary's failure rate exceeds stable's by more than Margin percentage
// points and the canary served at least MinRequests requests, the effective
// weight goes to 0.
type Rollback struct {
	// Disabled turns the automatic rollback off; metrics stay.
	Disabled bool `json:"disabled,omitempty"`
	// Window is the sliding window. Default: 60s.
	Window caddy.Duration `json:"window,omitempty"`
	// Slots is the number of slots the window slides by. Default: 6.
	Slots int `json:"slots,omitempty"`
	// Margin is in percentage points. Default: 5.
	Margin *float64 `json:"margin,omitempty"`
	// MinRequests is the fewest canary requests in the window that may
	// trigger a rollback. Default: 50.
	MinRequests int `json:"min_requests,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.talent_canary",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision fills in defaults and attaches the handler to the state of its
// name, creating it on first use. A weight different from the one a
// rollback happened at clears the rollback.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.setDefaults()
	h.logger = ctx.Logger()
	if err := h.Validate(); err != nil {
		return err
	}
	var err error
	if h.except, err = pathmatch.Compile(h.Except); err != nil {
		return fmt.Errorf("provision talent_canary: except: %w", err)
	}
	d, _, err := states.LoadOrNew(h.Name, func() (caddy.Destructor, error) {
		return newState(h.Name), nil
	})
	if err != nil {
		return fmt.Errorf("load canary state %q: %w", h.Name, err)
	}
	h.state = d.(*state)
	if err := h.state.metrics.register(ctx.GetMetricsRegistry()); err != nil {
		return fmt.Errorf("register canary metrics: %w", err)
	}
	weight := h.state.configure(*h.Weight, *h.Rollback, h.StateFile, h.logger)
	h.threshold = int(math.Round(weight * Buckets / 100))
	h.forceHeader = http.CanonicalHeaderKey(h.ForceHeader)
	h.userHeader = http.CanonicalHeaderKey(h.UserHeader)
	h.deviceHeader = http.CanonicalHeaderKey(h.DeviceHeader)
	return nil
}

func (h *Handler) setDefaults() {
	if h.Name == "" {
		h.Name = DefaultName
	}
	if h.Weight == nil {
		w := DefaultWeight
		h.Weight = &w
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&h.UserCookie, DefaultUserCookie)
	def(&h.UserHeader, DefaultUserHeader)
	def(&h.DeviceHeader, DefaultDeviceHeader)
	def(&h.BucketCookie, DefaultBucketCookie)
	def(&h.ForceHeader, DefaultForceHeader)
	if h.Rollback == nil {
		h.Rollback = new(Rollback)
	}
	rb := h.Rollback
	if rb.Window == 0 {
		rb.Window = caddy.Duration(time.Minute)
	}
	if rb.Slots == 0 {
		rb.Slots = 6
	}
	if rb.Margin == nil {
		m := 5.0
		rb.Margin = &m
	}
	if rb.MinRequests == 0 {
		rb.MinRequests = 50
	}
}

// Validate checks the configuration. It expects the defaults filled in
// (Provision does that).
func (h *Handler) Validate() error {
	if h.Weight == nil || *h.Weight < 0 || *h.Weight > 100 || math.IsNaN(*h.Weight) {
		return fmt.Errorf("validate weight: want a percentage from 0 to 100")
	}
	for _, name := range []string{h.UserHeader, h.DeviceHeader, h.ForceHeader} {
		if !httpguts.ValidHeaderFieldName(name) {
			return fmt.Errorf("validate header %q: not a valid header field name", name)
		}
	}
	for _, name := range []string{h.UserCookie, h.BucketCookie} {
		if !httpguts.ValidHeaderFieldName(name) { // cookie names are tokens too
			return fmt.Errorf("validate cookie %q: not a valid cookie name", name)
		}
	}
	if rb := h.Rollback; rb != nil {
		switch {
		case rb.Window < 0 || (rb.Window > 0 && time.Duration(rb.Window) < time.Second):
			return fmt.Errorf("validate rollback window %v: want at least 1s", time.Duration(rb.Window))
		case rb.Slots < 0 || rb.Slots > 600:
			return fmt.Errorf("validate rollback slots %d: want 1 to 600", rb.Slots)
		case rb.Margin != nil && (*rb.Margin < 0 || *rb.Margin > 100):
			return fmt.Errorf("validate rollback margin %v: want 0 to 100 percentage points", *rb.Margin)
		case rb.MinRequests < 0:
			return fmt.Errorf("validate rollback min_requests %d: want at least 1", rb.MinRequests)
		}
	}
	return nil
}

// Cleanup releases the handler's hold on its state; the state goes when
// no loaded config uses its name any more.
func (h *Handler) Cleanup() error {
	if h.state == nil {
		return nil
	}
	_, err := states.Delete(h.Name)
	return err
}

// ServeHTTP picks the side, records it for the routes that follow, calls
// next and records the outcome.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if !h.except.Empty() && h.except.MatchPath(r.URL.Path) {
		return next.ServeHTTP(w, r)
	}
	// Before and after in calls of their own, so that their frames are
	// not on this goroutine's stack while the rest of the chain runs.
	rec := h.begin(w, r)
	err := next.ServeHTTP(rec, r)
	h.finish(w, rec, err)
	return err
}

// begin chooses the request's side, tells the next handlers and the log,
// and returns the recorder that watches the response.
func (h *Handler) begin(w http.ResponseWriter, r *http.Request) *recorder {
	side := h.side(w, r)
	// The side's values are made once: no allocation per request. The
	// header's is a full slice, so an Add to it copies.
	if side == Canary {
		caddyhttp.SetVar(r.Context(), VarName, canaryVar)
		w.Header()[SideHeader] = canaryValue
	} else {
		caddyhttp.SetVar(r.Context(), VarName, stableVar)
		w.Header()[SideHeader] = stableValue
	}
	logfield.Set(r, zap.String("canary", side))
	return &recorder{ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: w}, side: side, start: time.Now()}
}

// finish records the response's outcome on its side.
func (h *Handler) finish(w http.ResponseWriter, rec *recorder, err error) {
	status := rec.status
	if err != nil {
		status = http.StatusInternalServerError
		if he, ok := errors.AsType[caddyhttp.HandlerError](err); ok && he.StatusCode != 0 {
			status = he.StatusCode
		}
	} else if status == 0 {
		status = http.StatusOK
	}
	grpc := grpcStatus(w.Header())
	if grpc == "" && rec.end != nil {
		grpc = rec.end.status(encodingOf(w.Header()))
	}
	h.state.record(rec.side, status, grpc, time.Since(rec.start), h.logger)
}

// side returns the side for r, giving an anonymous browser a bucket cookie
// when it has none.
func (h *Handler) side(w http.ResponseWriter, r *http.Request) string {
	switch headerValue(r.Header, h.forceHeader) {
	case "always":
		return Canary
	case "never":
		return Stable
	}
	if h.state.isRolledBack() {
		return Stable
	}
	return h.sideOf(h.bucket(w, r))
}

func (h *Handler) sideOf(bucket int) string {
	if bucket < h.threshold {
		return Canary
	}
	return Stable
}

// bucket returns the request's bucket from, in order: the user cookie, the
// user header, the device header, the bucket cookie; else it draws one and
// sets the bucket cookie.
func (h *Handler) bucket(w http.ResponseWriter, r *http.Request) int {
	if v, ok := cookie(r, h.UserCookie); ok && validKey(v) {
		return UserBucket(v)
	}
	if v := headerValue(r.Header, h.userHeader); validKey(v) {
		return UserBucket(v)
	}
	if v := headerValue(r.Header, h.deviceHeader); validKey(v) {
		return DeviceBucket(v)
	}
	if v, ok := cookie(r, h.BucketCookie); ok {
		if b, ok := parseBucket(v); ok {
			return b
		}
	}
	b := randomBucket()
	http.SetCookie(w, &http.Cookie{
		Name:     h.BucketCookie,
		Value:    strconv.Itoa(b),
		Path:     "/",
		MaxAge:   bucketCookieMaxAge,
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	return b
}

// Shared values of VarName and SideHeader.
var (
	canaryVar   any = Canary
	stableVar   any = Stable
	canaryValue     = []string{Canary}[:1:1]
	stableValue     = []string{Stable}[:1:1]
)

// headerValue is Header.Get for a key already in canonical form: no
// canonicalization per request.
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// cookie returns the value of the first cookie called name, as
// r.Cookie(name) would, without building the request's other cookies: the
// same splitting, trimming, unquoting and value rules as net/http's
// readCookies (TestCookieAsNetHTTP compares the two), and no allocation.
// name is a valid token (Validate).
func cookie(r *http.Request, name string) (string, bool) {
	lines := r.Header["Cookie"]
	count := 0
	for _, line := range lines {
		count += strings.Count(line, ";") + 1
	}
	if count > maxCookies {
		return "", false // net/http reads none past its limit
	}
	for _, line := range lines {
		line = textproto.TrimString(line)
		var part string
		for len(line) > 0 {
			part, line, _ = strings.Cut(line, ";")
			part = textproto.TrimString(part)
			if part == "" {
				continue
			}
			n, val, _ := strings.Cut(part, "=")
			if textproto.TrimString(n) != name {
				continue
			}
			if len(val) > 1 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if !validCookieValue(val) {
				continue
			}
			return val, true
		}
	}
	return "", false
}

// maxCookies is net/http's default limit on the cookies of one request
// (GODEBUG httpcookiemaxnum).
const maxCookies = 3000

// validCookieValue applies net/http's rule for the bytes of a cookie value.
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// parseBucket reads a bucket cookie's value: a number in 0..Buckets-1 in
// its canonical decimal form (no sign, no leading zeros), as
// strconv.Itoa writes it.
func parseBucket(v string) (int, bool) {
	if v == "" || len(v) > bucketDigits || (v[0] == '0' && len(v) > 1) {
		return 0, false
	}
	b := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		b = b*10 + int(c-'0')
	}
	return b, b < Buckets
}

func validKey(v string) bool {
	return v != "" && len(v) <= maxKeyLen
}

// UserBucket returns the bucket of a signed-in user, the same on every
// device and from the cookie or the header.
func UserBucket(userID string) int { return Bucket("user:" + userID) }

// DeviceBucket returns the bucket of a device ID.
func DeviceBucket(deviceID string) int { return Bucket("device:" + deviceID) }

// Bucket maps key to a bucket in 0..Buckets-1 with a stable hash (64-bit
// FNV-1a, then a finalizer that spreads its bits).
func Bucket(key string) int {
	f := fnv.New64a()
	f.Write([]byte(key))
	x := f.Sum64()
	// splitmix64's finalizer: FNV's low bits alone are not uniform enough
	// for sequential IDs.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return int(x % Buckets)
}

func randomBucket() int {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return int(binary.LittleEndian.Uint64(b[:]) % Buckets)
}

// grpcStatus returns the gRPC status of a response, from its headers
// (trailers-only responses) or trailers, or "" when it has none.
func grpcStatus(h http.Header) string {
	if v := h.Get("Grpc-Status"); v != "" {
		return v
	}
	return h.Get(http.TrailerPrefix + "Grpc-Status")
}

// recorder notes the final status written through it and, for Connect
// streams and gRPC-Web, reads the end-of-stream frame as it passes.
// Flushes, hijacking and full duplex reach the underlying writer through
// Unwrap, so server streams keep flushing at once.
type recorder struct {
	caddyhttp.ResponseWriterWrapper
	side   string    // the request's side
	start  time.Time // when the canary handler began
	status int
	end    *endStream
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 && status >= 200 {
		rec.status = status
		rec.end = newEndStream(rec.Header().Get("Content-Type"))
	}
	rec.ResponseWriterWrapper.WriteHeader(status)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	if rec.end != nil {
		rec.end.write(p)
	}
	return rec.ResponseWriterWrapper.Write(p)
}

// ReadFrom copies through Write when the body needs reading, else lets
// the underlying writer take the fast path.
func (rec *recorder) ReadFrom(r io.Reader) (int64, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	if rec.end != nil {
		return io.Copy(writerOnly{rec}, r)
	}
	return rec.ResponseWriterWrapper.ReadFrom(r)
}

// writerOnly hides ReadFrom so io.Copy uses Write.
type writerOnly struct{ io.Writer }

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ http.ResponseWriter         = (*recorder)(nil)
	_ io.ReaderFrom               = (*recorder)(nil)
)
