package canary_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/talent-hub/talent/edge/canary"
)

// userID returns the i-th synthetic user ID, shaped like talentd's UUIDs.
func userID(i int) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i*2654435761%(1<<32), i%0xffff, i%0xfff, (i/7)%0xfff, i)
}

// registries maps the handlers of the tests to the metrics registry of
// the context they were provisioned in.
var registries sync.Map // *canary.Handler -> *prometheus.Registry

// newHandler provisions a handler with its own state (name) and weight.
func newHandler(t testing.TB, name string, weight float64, rb *canary.Rollback) *canary.Handler {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	h := &canary.Handler{Name: name, Weight: &weight, Rollback: rb}
	if err := h.Provision(ctx); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	registries.Store(h, ctx.GetMetricsRegistry())
	t.Cleanup(func() {
		h.Cleanup()
		cancel()
	})
	return h
}

// serve sends r through h to a next handler that answers status and
// returns the response and the side the next handler saw.
func serve(t testing.TB, h *canary.Handler, r *http.Request, status int) (*http.Response, string) {
	t.Helper()
	vars := map[string]any{}
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, vars))
	w := httptest.NewRecorder()
	var saw string
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		saw, _ = caddyhttp.GetVar(r.Context(), canary.VarName).(string)
		w.WriteHeader(status)
		return nil
	})
	if err := h.ServeHTTP(w, r, next); err != nil {
		t.Fatalf("ServeHTTP: %v", err)
	}
	res := w.Result()
	if got := res.Header.Get(canary.SideHeader); got != saw {
		t.Fatalf("%s = %q, next saw %q", canary.SideHeader, got, saw)
	}
	return res, saw
}

func sideOf(bucket int, weight float64) string {
	if bucket < int(weight*100) {
		return canary.Canary
	}
	return canary.Stable
}

// TestSplitAccuracy checks OPS-4's split: over 100,000 user IDs the canary
// gets the weight's share ± 0.5 percentage points.
func TestSplitAccuracy(t *testing.T) {
	t.Parallel()
	const users = 100_000
	for _, weight := range []float64{1, 10, 50, 90} {
		t.Run(strconv.FormatFloat(weight, 'f', -1, 64), func(t *testing.T) {
			t.Parallel()
			n := 0
			for i := range users {
				if sideOf(canary.UserBucket(userID(i)), weight) == canary.Canary {
					n++
				}
			}
			share := 100 * float64(n) / users
			if share < weight-0.5 || share > weight+0.5 {
				t.Fatalf("canary share at weight %v = %.3f %%, want %v ± 0.5", weight, share, weight)
			}
		})
	}
}

// TestStickiness sends the same users through handlers at weights 10, 20
// and 10 again (OPS-4): users whose bucket the change does not cross keep
// their side every time, canary users stay canary when the weight rises,
// and the user cookie and the user header give the same side.
func TestStickiness(t *testing.T) {
	t.Parallel()
	const users = 5_000
	weights := []float64{10, 20, 10}
	sides := make([][]string, len(weights))
	for k, weight := range weights {
		h := newHandler(t, t.Name()+strconv.Itoa(k), weight, nil)
		for i := range users {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if i%2 == 0 {
				r.AddCookie(&http.Cookie{Name: canary.DefaultUserCookie, Value: userID(i)})
			} else {
				r.Header.Set(canary.DefaultUserHeader, userID(i))
			}
			res, side := serve(t, h, r, http.StatusOK)
			if len(res.Cookies()) != 0 {
				t.Fatalf("user request got cookies %v, want none", res.Cookies())
			}
			sides[k] = append(sides[k], side)
		}
	}
	kept, uncrossed := 0, 0
	for i := range users {
		b := canary.UserBucket(userID(i))
		if want := sideOf(b, 10); sides[0][i] != want {
			t.Fatalf("user %d (bucket %d) at weight 10 on %s, want %s", i, b, sides[0][i], want)
		}
		if sides[0][i] == canary.Canary && sides[1][i] != canary.Canary {
			t.Fatalf("user %d moved from canary back to stable when the weight rose", i)
		}
		if b < 1000 || b >= 2000 {
			uncrossed++
			if sides[0][i] == sides[1][i] && sides[1][i] == sides[2][i] {
				kept++
			}
		}
	}
	if kept != uncrossed {
		t.Fatalf("%d of %d users whose bucket was not crossed kept their side, want all", kept, uncrossed)
	}
}

func TestServeHTTPChoosesSide(t *testing.T) {
	t.Parallel()
	// Find users on each side at weight 10.
	var canaryUser, stableUser string
	for i := 0; canaryUser == "" || stableUser == ""; i++ {
		if canary.UserBucket(userID(i)) < 1000 {
			canaryUser = userID(i)
		} else {
			stableUser = userID(i)
		}
	}
	var canaryDevice string
	for i := 0; canaryDevice == ""; i++ {
		if canary.DeviceBucket("dev-"+strconv.Itoa(i)) < 1000 {
			canaryDevice = "dev-" + strconv.Itoa(i)
		}
	}
	tests := []struct {
		name       string
		edit       func(r *http.Request)
		want       string // "" = either
		wantCookie bool   // a new bucket cookie
	}{
		{name: "force always", edit: func(r *http.Request) {
			r.Header.Set(canary.DefaultForceHeader, "always")
			r.AddCookie(&http.Cookie{Name: canary.DefaultUserCookie, Value: stableUser})
		}, want: canary.Canary},
		{name: "force never", edit: func(r *http.Request) {
			r.Header.Set(canary.DefaultForceHeader, "never")
			r.AddCookie(&http.Cookie{Name: canary.DefaultUserCookie, Value: canaryUser})
		}, want: canary.Stable},
		{name: "user cookie canary", edit: func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: canary.DefaultUserCookie, Value: canaryUser})
		}, want: canary.Canary},
		{name: "user cookie beats bucket cookie", edit: func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: canary.DefaultUserCookie, Value: stableUser})
			r.AddCookie(&http.Cookie{Name: canary.DefaultBucketCookie, Value: "0"})
		}, want: canary.Stable},
		{name: "user header beats device header", edit: func(r *http.Request) {
			r.Header.Set(canary.DefaultUserHeader, canaryUser)
			r.Header.Set(canary.DefaultDeviceHeader, "some-device")
		}, want: canary.Canary},
		{name: "device header", edit: func(r *http.Request) {
			r.Header.Set(canary.DefaultDeviceHeader, canaryDevice)
		}, want: canary.Canary},
		{name: "bucket cookie low", edit: func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: canary.DefaultBucketCookie, Value: "999"})
		}, want: canary.Canary},
		{name: "bucket cookie high", edit: func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: canary.DefaultBucketCookie, Value: "1000"})
		}, want: canary.Stable},
		{name: "bucket cookie out of range replaced", edit: func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: canary.DefaultBucketCookie, Value: "10000"})
		}, wantCookie: true},
		{name: "bucket cookie not canonical replaced", edit: func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: canary.DefaultBucketCookie, Value: "007"})
		}, wantCookie: true},
		{name: "user ID too long ignored", edit: func(r *http.Request) {
			r.Header.Set(canary.DefaultUserHeader, strings.Repeat("u", 129))
		}, wantCookie: true},
		{name: "anonymous gets a cookie", edit: func(*http.Request) {}, wantCookie: true},
		{name: "unknown force value ignored", edit: func(r *http.Request) {
			r.Header.Set(canary.DefaultForceHeader, "maybe")
			r.AddCookie(&http.Cookie{Name: canary.DefaultUserCookie, Value: canaryUser})
		}, want: canary.Canary},
	}
	h := newHandler(t, t.Name(), 10, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			tt.edit(r)
			res, side := serve(t, h, r, http.StatusOK)
			if tt.want != "" && side != tt.want {
				t.Fatalf("side = %q, want %q", side, tt.want)
			}
			cookies := res.Cookies()
			if !tt.wantCookie {
				if len(cookies) != 0 {
					t.Fatalf("cookies = %v, want none", cookies)
				}
				return
			}
			if len(cookies) != 1 {
				t.Fatalf("cookies = %v, want one bucket cookie", cookies)
			}
			c := cookies[0]
			b, err := strconv.Atoi(c.Value)
			if c.Name != canary.DefaultBucketCookie || err != nil || b < 0 || b >= canary.Buckets {
				t.Fatalf("cookie = %v, want %s with a bucket 0..9999", c, canary.DefaultBucketCookie)
			}
			if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge < 180*24*3600 {
				t.Fatalf("cookie = %+v, want HttpOnly, Secure, SameSite=Lax, Path=/, long-lived", c)
			}
			if want := sideOf(b, 10); side != want {
				t.Fatalf("side = %q with new bucket %d, want %q", side, b, want)
			}
			// The cookie keeps the browser on its side.
			r2 := httptest.NewRequest(http.MethodGet, "/", nil)
			r2.AddCookie(c)
			res2, side2 := serve(t, h, r2, http.StatusOK)
			if side2 != side || len(res2.Cookies()) != 0 {
				t.Fatalf("second request side %q cookies %v, want %q and none", side2, res2.Cookies(), side)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		h    canary.Handler
		ok   bool
	}{
		{name: "defaults", ok: true},
		{name: "weight 0", h: canary.Handler{Weight: f(0)}, ok: true},
		{name: "weight 100", h: canary.Handler{Weight: f(100)}, ok: true},
		{name: "weight negative", h: canary.Handler{Weight: f(-1)}},
		{name: "weight over 100", h: canary.Handler{Weight: f(100.5)}},
		{name: "bad header", h: canary.Handler{ForceHeader: "X Force"}},
		{name: "bad cookie", h: canary.Handler{BucketCookie: "a;b"}},
		{name: "short window", h: canary.Handler{Rollback: &canary.Rollback{Window: caddy.Duration(1)}}},
		{name: "margin over 100", h: canary.Handler{Rollback: &canary.Rollback{Margin: f(101)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.h.Name = t.Name()
			ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
			defer cancel()
			err := tt.h.Provision(ctx)
			if err == nil {
				tt.h.Cleanup()
			}
			if (err == nil) != tt.ok {
				t.Fatalf("Provision = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// TestRollback drives the monitor (OPS-4): failures below the sample
// minimum or within the margin change nothing; beyond them the effective
// weight drops to 0, a reload at the same weight keeps it there, and an
// explicit weight change clears it.
func TestRollback(t *testing.T) {
	t.Parallel()
	margin := 5.0
	rb := func() *canary.Rollback {
		return &canary.Rollback{Window: caddy.Duration(60e9), Slots: 6, Margin: &margin, MinRequests: 50}
	}
	forced := func(side string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/talent.tasks.v1.TaskService/GetTask", nil)
		if side == canary.Canary {
			r.Header.Set(canary.DefaultForceHeader, "always")
		} else {
			r.Header.Set(canary.DefaultForceHeader, "never")
		}
		return r
	}
	send := func(t *testing.T, h *canary.Handler, side string, n, status int) {
		t.Helper()
		for range n {
			serve(t, h, forced(side), status)
		}
	}
	tests := []struct {
		name                 string
		stableOK, stableFail int
		canaryOK, canaryFail int
		canaryStatus         int
		weight               float64 // -1 = 0, else 100
		wantRolledBack       bool
	}{
		{name: "weight 0: testers only", weight: -1, stableOK: 100, canaryFail: 60, canaryStatus: 500},
		{name: "too few samples", stableOK: 100, canaryFail: 49, canaryStatus: 500},
		{name: "within margin", stableOK: 90, stableFail: 10, canaryOK: 85, canaryFail: 15, canaryStatus: 503},
		{name: "client errors do not count", stableOK: 100, canaryFail: 60, canaryStatus: 404},
		{name: "over margin", stableOK: 100, canaryOK: 45, canaryFail: 5, canaryStatus: 502, wantRolledBack: true},
		{name: "all canary failing", stableOK: 10, canaryFail: 50, canaryStatus: 500, wantRolledBack: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := t.Name()
			weight := 100.0
			if tt.weight < 0 {
				weight = 0
			}
			h := newHandler(t, name, weight, rb())
			send(t, h, canary.Stable, tt.stableOK, 200)
			send(t, h, canary.Stable, tt.stableFail, 500)
			send(t, h, canary.Canary, tt.canaryOK, 200)
			send(t, h, canary.Canary, tt.canaryFail, tt.canaryStatus)

			// Weight 100: every unforced request is canary unless rolled back.
			_, side := serve(t, h, httptest.NewRequest(http.MethodGet, "/", nil), 200)
			if got := side == canary.Stable; weight == 100 && got != tt.wantRolledBack {
				t.Fatalf("unforced request on %s, want rolled back = %v", side, tt.wantRolledBack)
			}
			want := 0.0
			if tt.wantRolledBack {
				want = 1
			}
			if got := metric(t, h, "talent_canary_rollbacks_total", ""); got != want {
				t.Fatalf("rollbacks_total = %v, want %v", got, want)
			}
			if !tt.wantRolledBack {
				return
			}
			// A reload at the same weight keeps the rollback ...
			h2 := newHandler(t, name, 100, rb())
			if _, side := serve(t, h2, httptest.NewRequest(http.MethodGet, "/", nil), 200); side != canary.Stable {
				t.Fatalf("after a reload at the same weight: %s, want stable", side)
			}
			// ... an explicit change clears it, with a fresh window.
			h3 := newHandler(t, name, 99.99, rb())
			send(t, h3, canary.Canary, 1, 500)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.AddCookie(&http.Cookie{Name: canary.DefaultBucketCookie, Value: "0"})
			if _, side := serve(t, h3, r, 200); side != canary.Canary {
				t.Fatalf("after a weight change: %s, want canary", side)
			}
			if got := metric(t, h, "talent_canary_rollbacks_total", ""); got != 1 {
				t.Fatalf("rollbacks_total after the change = %v, want still 1", got)
			}
		})
	}
}

// TestGRPCStatus checks that gRPC failures in headers or trailers count,
// by code, and that only unknown, internal and unavailable trigger a
// rollback.
func TestGRPCStatus(t *testing.T) {
	t.Parallel()
	margin := 5.0
	tests := []struct {
		name, code string
		trailer    bool
		class      string
		rollback   bool
	}{
		{name: "internal in trailer", code: "13", trailer: true, class: "grpc_internal", rollback: true},
		{name: "unavailable trailers-only", code: "14", class: "grpc_unavailable", rollback: true},
		{name: "unknown", code: "2", trailer: true, class: "grpc_unknown", rollback: true},
		{name: "not found", code: "5", trailer: true, class: "grpc_not_found"},
		{name: "ok", code: "0", trailer: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHandler(t, t.Name(), 100, &canary.Rollback{Window: caddy.Duration(60e9), Margin: &margin, MinRequests: 5})
			for range 5 {
				r := httptest.NewRequest(http.MethodPost, "/x", nil)
				r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
				next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
					w.Header().Set("Content-Type", "application/grpc")
					if !tt.trailer {
						w.Header().Set("Grpc-Status", tt.code)
					}
					w.WriteHeader(200)
					if tt.trailer {
						w.Header().Set(http.TrailerPrefix+"Grpc-Status", tt.code)
					}
					return nil
				})
				if err := h.ServeHTTP(httptest.NewRecorder(), r, next); err != nil {
					t.Fatal(err)
				}
			}
			want := 0.0
			if tt.rollback {
				want = 1
			}
			if got := metric(t, h, "talent_canary_rollbacks_total", ""); got != want {
				t.Fatalf("rollbacks_total = %v, want %v", got, want)
			}
			if tt.class != "" {
				if got := metric(t, h, "talent_canary_errors_total", `class="`+tt.class+`"`); got != 5 {
					t.Fatalf("errors_total{class=%s} = %v, want 5", tt.class, got)
				}
			}
		})
	}
}

// metric returns the value of the sample of name whose labels contain
// label (any sample when label is ""), from the registry h was provisioned
// with, as Prometheus scrapes it; 0 when there is none.
func metric(t *testing.T, h *canary.Handler, name, label string) float64 {
	t.Helper()
	reg, _ := registries.Load(h)
	w := httptest.NewRecorder()
	promhttp.HandlerFor(reg.(*prometheus.Registry), promhttp.HandlerOpts{}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for line := range strings.Lines(w.Body.String()) {
		if !strings.HasPrefix(line, name+"{") || !strings.Contains(line, label) {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[strings.LastIndexByte(line, ' '):]), 64)
		if err != nil {
			t.Fatalf("parse metric line %q: %v", line, err)
		}
		return v
	}
	return 0
}

// TestExcept checks that a request on an excepted path passes on untouched
// (no side, no bucket cookie, not counted) while the others are split.
func TestExcept(t *testing.T) {
	t.Parallel()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	weight := 10.0
	h := &canary.Handler{Name: t.Name(), Weight: &weight, Except: []string{"/web/*", "/healthz"}}
	if err := h.Provision(ctx); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	defer h.Cleanup()
	registries.Store(h, ctx.GetMetricsRegistry())
	requests := func() float64 {
		return metric(t, h, "talent_canary_requests_total", `side="stable"`) + metric(t, h, "talent_canary_requests_total", `side="canary"`)
	}
	for _, path := range []string{"/web/app.0123abcd.js", "/WEB/App.js", "//web/x", "/healthz"} {
		res, side := serve(t, h, httptest.NewRequest(http.MethodGet, "https://x"+path, nil), http.StatusOK)
		if side != "" || len(res.Cookies()) != 0 || res.Header.Get(canary.SideHeader) != "" {
			t.Errorf("%s: side %q, cookies %v: want the request passed on untouched", path, side, res.Cookies())
		}
	}
	if got := requests(); got != 0 {
		t.Errorf("requests_total = %v after excepted requests only, want 0", got)
	}
	for _, path := range []string{"/webx", "/tasks", "/talent.tasks.v1.TaskService/GetTask", "/healthz/x"} {
		res, side := serve(t, h, httptest.NewRequest(http.MethodGet, "https://x"+path, nil), http.StatusOK)
		if side == "" || len(res.Cookies()) != 1 {
			t.Errorf("%s: side %q, cookies %v: want a side and a bucket cookie", path, side, res.Cookies())
		}
	}
	if got := requests(); got != 4 {
		t.Errorf("requests_total = %v, want 4", got)
	}
	bad := &canary.Handler{Name: t.Name() + "-bad", Weight: &weight, Except: []string{"/web/{x}"}}
	if err := bad.Provision(ctx); err == nil {
		bad.Cleanup()
		t.Error("Provision with a placeholder in except succeeded, want an error")
	}
}
