package canary_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/talent-hub/talent/edge/canary"
)

// provisionWithFile provisions a handler with a state file; release
// unloads it, as the old config's Cleanup does (the last release of a name
// is what a stopped edge leaves behind).
func provisionWithFile(t *testing.T, name string, weight float64, file string, rb *canary.Rollback) (h *canary.Handler, release func()) {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	h = &canary.Handler{Name: name, Weight: &weight, Rollback: rb, StateFile: file}
	if err := h.Provision(ctx); err != nil {
		cancel()
		t.Fatalf("Provision: %v", err)
	}
	registries.Store(h, ctx.GetMetricsRegistry())
	released := false
	release = func() {
		if !released {
			released = true
			h.Cleanup()
			cancel()
		}
	}
	t.Cleanup(release)
	return h, release
}

// sideOfBucket returns the side h gives an anonymous browser with bucket b.
func sideOfBucket(t *testing.T, h *canary.Handler, b string) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: canary.DefaultBucketCookie, Value: b})
	_, side := serve(t, h, r, http.StatusOK)
	return side
}

// TestWeightSurvivesRestart (issue 6, task 2): a weight set at runtime (a
// config reload with a new weight, as the admin API does) is written to
// the state file and is in force again after a restart with the
// unchanged Caddyfile; a changed start weight in the Caddyfile wins over
// the file.
func TestWeightSurvivesRestart(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "canary", "weight.json")
	name := t.Name()

	// Start at the Caddyfile's 10 %; no state file yet.
	h1, release1 := provisionWithFile(t, name, 10, file, nil)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("state file after a plain start: %v, want none", err)
	}
	if got := sideOfBucket(t, h1, "2000"); got != canary.Stable {
		t.Fatalf("bucket 2000 at 10 %%: %s, want stable", got)
	}
	// Ops set 25 %: the new config provisions, the old one is released.
	h2, release2 := provisionWithFile(t, name, 25, file, nil)
	release1()
	var p struct {
		Weight      float64 `json:"weight"`
		StartWeight float64 `json:"start_weight"`
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read state file: %v", err)
	}
	if err := json.Unmarshal(b, &p); err != nil || p.Weight != 25 || p.StartWeight != 10 {
		t.Fatalf("state file = %s (%v), want weight 25, start_weight 10", b, err)
	}
	if got := sideOfBucket(t, h2, "2000"); got != canary.Canary {
		t.Fatalf("bucket 2000 at 25 %%: %s, want canary", got)
	}

	// Restart with the same Caddyfile (weight 10): 25 % is back.
	release2()
	h3, release3 := provisionWithFile(t, name, 10, file, nil)
	if got := sideOfBucket(t, h3, "2000"); got != canary.Canary {
		t.Fatalf("after restart, bucket 2000: %s, want canary (25 %% restored)", got)
	}
	if got := metric(t, h3, "talent_canary_configured_weight_percent", ""); got != 25 {
		t.Fatalf("configured weight after restart = %v, want 25", got)
	}
	// Setting the Caddyfile's weight again through the admin API is a
	// change like any other.
	h4, release4 := provisionWithFile(t, name, 10, file, nil)
	release3()
	if got := sideOfBucket(t, h4, "2000"); got != canary.Stable {
		t.Fatalf("after setting 10 again, bucket 2000: %s, want stable", got)
	}
	release4()

	// Restart with a different start weight in the Caddyfile: it wins.
	h5, _ := provisionWithFile(t, name, 30, file, nil)
	if got := metric(t, h5, "talent_canary_configured_weight_percent", ""); got != 30 {
		t.Fatalf("configured weight after a restart with a new start weight = %v, want 30", got)
	}
}

// TestRollbackSurvivesRestart: an automatic rollback is written to the
// state file, so a restart does not send users back to a failing canary.
func TestRollbackSurvivesRestart(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "weight.json")
	name := t.Name()
	margin := 5.0
	rb := func() *canary.Rollback {
		return &canary.Rollback{Window: caddy.Duration(60e9), Slots: 6, Margin: &margin, MinRequests: 50}
	}
	h, release := provisionWithFile(t, name, 100, file, rb())
	for range 60 {
		r := httptest.NewRequest(http.MethodPost, "/x", nil)
		r.Header.Set(canary.DefaultForceHeader, "always")
		serve(t, h, r, http.StatusInternalServerError)
	}
	if got := sideOfBucket(t, h, "0"); got != canary.Stable {
		t.Fatalf("after the failures: %s, want stable (rolled back)", got)
	}
	release()
	h2, _ := provisionWithFile(t, name, 100, file, rb())
	if got := sideOfBucket(t, h2, "0"); got != canary.Stable {
		t.Fatalf("after restart: %s, want stable (still rolled back)", got)
	}
	if got := metric(t, h2, "talent_canary_rolled_back", ""); got != 1 {
		t.Fatalf("rolled_back after restart = %v, want 1", got)
	}
}

// TestWindowSurvivesWeightChange (issue 6, task 3): the rollback monitor's
// window carries over a weight change. 30 canary failures before the
// change and 20 after make 50, the sample minimum: the rollback fires,
// which it could not on the 20 alone.
func TestWindowSurvivesWeightChange(t *testing.T) {
	t.Parallel()
	margin := 5.0
	rb := func() *canary.Rollback {
		return &canary.Rollback{Window: caddy.Duration(600e9), Slots: 6, Margin: &margin, MinRequests: 50}
	}
	fail := func(h *canary.Handler, n int) {
		for range n {
			r := httptest.NewRequest(http.MethodPost, "/x", nil)
			r.Header.Set(canary.DefaultForceHeader, "always")
			serve(t, h, r, http.StatusBadGateway)
		}
	}
	h1 := newHandler(t, t.Name(), 50, rb())
	fail(h1, 30)
	h2 := newHandler(t, t.Name(), 60, rb()) // the weight change's reload
	if got := metric(t, h2, "talent_canary_rollbacks_total", ""); got != 0 {
		t.Fatalf("rollbacks before the minimum = %v, want 0", got)
	}
	fail(h2, 20)
	if got := metric(t, h2, "talent_canary_rollbacks_total", ""); got != 1 {
		t.Fatalf("rollbacks after 30 + 20 failures across the change = %v, want 1", got)
	}
}
