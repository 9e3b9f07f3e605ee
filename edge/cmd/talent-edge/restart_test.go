package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/talent-hub/talent/edge/canary"
)

// TestCanaryWeightSurvivesRestart (issue 6, task 2; OPS-4): a weight set
// through the admin API is in force again after talent-edge restarts with
// the same Caddyfile and environment, and talentctl reports it.
func TestCanaryWeightSurvivesRestart(t *testing.T) {
	t.Parallel()
	stable, canaryPool := startPool(t, "stable"), startPool(t, "canary")
	ctl := buildTalentctl(t)
	env := []string{"TALENT_CANARY_WEIGHT=10"}
	s := runEdge(t, &stack{}, stable.addr, canaryPool.addr, t.TempDir(), env...)

	// A user whose bucket is canary at 30 % but stable at 10 %.
	user := ""
	for i := 0; user == ""; i++ {
		if b := canary.UserBucket("restart-" + strconv.Itoa(i)); b >= 1000 && b < 3000 {
			user = "restart-" + strconv.Itoa(i)
		}
	}
	// An app without cookies, sticky by its device ID: canary at 10 and
	// at 30 %, before and after the restart.
	device := ""
	for i := 0; device == ""; i++ {
		if canary.DeviceBucket("device-"+strconv.Itoa(i)) < 1000 {
			device = "device-" + strconv.Itoa(i)
		}
	}
	side := func() string {
		t.Helper()
		status, pool, side, err := get(t.Context(), s, "/tasks", user, "")
		if err != nil || status != 200 || pool != side {
			t.Fatalf("GET /tasks: %d from %q, side %q, %v; want 200 from the pool of its side", status, pool, side, err)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.url("localhost", "/tasks"), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(canary.DefaultDeviceHeader, device)
		res, err := s.client.Do(req)
		if err != nil {
			t.Fatalf("GET /tasks as a device: %v", err)
		}
		res.Body.Close()
		if got := res.Header.Get(canary.SideHeader); got != canary.Canary || len(res.Cookies()) != 0 {
			t.Fatalf("device %s: side %q, cookies %v; want canary and no cookie", device, got, res.Cookies())
		}
		return side
	}
	if got := side(); got != canary.Stable {
		t.Fatalf("at 10 %%: %s, want stable", got)
	}
	talentctl(t, ctl, s, "canary", "set", "30")
	if got := side(); got != canary.Canary {
		t.Fatalf("at 30 %%: %s, want canary", got)
	}
	b, err := os.ReadFile(filepath.Join(s.dataDir, "talent", "canary.json"))
	if err != nil {
		t.Fatalf("state file: %v", err)
	}
	var st struct {
		Weight      float64 `json:"weight"`
		StartWeight float64 `json:"start_weight"`
	}
	if err := json.Unmarshal(b, &st); err != nil || st.Weight != 30 || st.StartWeight != 10 {
		t.Fatalf("state file = %s (%v), want weight 30 from start weight 10", b, err)
	}

	// Restart with the same data directory and environment.
	s.stop()
	s = runEdge(t, &stack{dataDir: s.dataDir}, stable.addr, canaryPool.addr, t.TempDir(), env...)
	if got := side(); got != canary.Canary {
		t.Fatalf("after the restart: %s, want canary (30 %% kept)", got)
	}
	if got := adminMetric(t, s, "talent_canary_configured_weight_percent", ""); got != 30 {
		t.Fatalf("configured weight after the restart = %v, want 30", got)
	}
	if out := talentctl(t, ctl, s, "canary", "status"); !strings.Contains(out, "configured weight: 30%") {
		t.Fatalf("talentctl canary status after the restart:\n%s\nwant configured weight 30%%", out)
	}
	// Back to the Caddyfile's own weight: the config's JSON already says
	// 10, and talentctl still applies it.
	talentctl(t, ctl, s, "canary", "set", "10")
	// A kept-alive connection may still be answered by the previous
	// configuration's server while Caddy drains it: wait, with a deadline.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got := side()
		if got == canary.Stable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after setting 10 again: %s, want stable", got)
		}
	}
}
