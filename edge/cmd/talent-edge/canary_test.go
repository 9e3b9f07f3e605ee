package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/talent-hub/talent/edge/canary"
)

// pool is one backend pool of the canary test: an h2c server that names
// itself in the Pool header, fails with 500 while failing is set, and
// serves a stream that waits for release between its two messages.
type pool struct {
	addr    string
	failing atomic.Bool
	release chan struct{}
}

func startPool(t *testing.T, name string) *pool {
	t.Helper()
	p := &pool{release: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/talent.test.v1.StreamService/Watch", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Pool", name)
		w.Header().Set("Content-Type", "application/connect+proto")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "first\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("pool flush: %v", err)
			return
		}
		select {
		case <-p.release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Pool", name)
		if p.failing.Load() {
			http.Error(w, "canary broken", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "served by "+name)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen %s pool: %v", name, err)
	}
	srv := &http.Server{Handler: mux, Protocols: new(http.Protocols)}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	p.addr = ln.Addr().String()
	return p
}

// startCanaryEdge runs talent-edge with the real Caddyfile in front of a
// stable and a canary pool, with a short rollback window and sample
// minimum.
func startCanaryEdge(t *testing.T, stable, canaryPool *pool) (*stack, *syncBuffer) {
	t.Helper()
	s := runEdge(t, &stack{}, stable.addr, canaryPool.addr, t.TempDir(),
		"TALENT_CANARY_WEIGHT=10",
		"TALENT_CANARY_WINDOW=30s",
		"TALENT_CANARY_MIN_REQUESTS=20",
	)
	return s, s.logs
}

// get fetches path as user (X-Talent-User-Id), with an optional forced
// side, and returns the status, the Pool that served it and the side the
// edge reported.
func get(ctx context.Context, s *stack, path, user, force string) (status int, pool, side string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url("localhost", path), nil)
	if err != nil {
		return 0, "", "", err
	}
	if user != "" {
		req.Header.Set(canary.DefaultUserHeader, user)
	}
	if force != "" {
		req.Header.Set(canary.DefaultForceHeader, force)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return 0, "", "", err
	}
	return res.StatusCode, res.Header.Get("Pool"), res.Header.Get(canary.SideHeader), nil
}

// adminMetric returns the sample of a talent_canary metric whose line
// contains label, from the edge's admin /metrics.
func adminMetric(t *testing.T, s *stack, name, label string) float64 {
	t.Helper()
	res, err := http.Get("http://" + s.adminAddr + "/metrics")
	if err != nil {
		t.Fatalf("GET admin /metrics: %v", err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name+"{") && strings.Contains(line, label) {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			return v
		}
	}
	return 0
}

func setWeight(t *testing.T, s *stack, weight string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPatch, "http://"+s.adminAddr+"/id/canary/weight", strings.NewReader(weight))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("PATCH weight %s: %v", weight, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PATCH weight %s: %s %s", weight, res.Status, body)
	}
}

// buildTalentctl builds edge/cmd/talentctl into a temporary directory.
func buildTalentctl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "talentctl")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "../talentctl").CombinedOutput()
	if err != nil {
		t.Fatalf("build talentctl: %v\n%s", err, out)
	}
	return bin
}

// talentctl runs the talentctl binary against the edge's admin API.
func talentctl(t *testing.T, bin string, s *stack, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, append([]string{"--admin", s.adminAddr}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("talentctl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestCanary runs the real talent-edge with a stable and a canary pool
// (OPS-4): the weight moves through the admin API under load with no
// failed request and no dropped stream, then a failing canary is rolled
// back automatically and the metrics show it.
func TestCanary(t *testing.T) {
	t.Parallel()
	stable, canaryPool := startPool(t, "stable"), startPool(t, "canary")
	s, logs := startCanaryEdge(t, stable, canaryPool)
	ctl := buildTalentctl(t)
	ctx := t.Context()

	// Streams in flight on both sides while the weight changes.
	type stream struct {
		body *bufio.Reader
		res  *http.Response
	}
	var streams []stream
	for _, force := range []string{"always", "never"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost,
			s.url("localhost", "/talent.test.v1.StreamService/Watch"), strings.NewReader("watch"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/connect+proto")
		req.Header.Set(canary.DefaultForceHeader, force)
		res, err := s.client.Do(req)
		if err != nil {
			t.Fatalf("open stream: %v", err)
		}
		defer res.Body.Close()
		body := bufio.NewReader(res.Body)
		if first, err := body.ReadString('\n'); err != nil || first != "first\n" {
			t.Fatalf("first stream message = %q, %v; want it flushed at once", first, err)
		}
		streams = append(streams, stream{body: body, res: res})
	}

	// Load: 4 workers, each with its own users, until the weight has gone
	// 10 -> 50 -> 100 -> 0 -> 10 (bounded by 2,000 requests per worker and a
	// 10 s guard; the changes themselves take about 1.5 s).
	var (
		wg                     sync.WaitGroup
		failed, total, overlap atomic.Int64
		served                 [2]atomic.Int64 // stable, canary
		mismatch               atomic.Int64
		firstErr               atomic.Value
		changing               atomic.Bool
		stop                   = make(chan struct{})
		guard                  = time.Now().Add(10 * time.Second)
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; i < 2000 && time.Now().Before(guard); i++ {
				select {
				case <-stop:
					return
				default:
				}
				user := fmt.Sprintf("user-%d-%d", w, i%50)
				status, pool, side, err := get(ctx, s, "/talent.test.v1.Pages/Get", user, "")
				total.Add(1)
				if changing.Load() {
					overlap.Add(1)
				}
				if err != nil || status != http.StatusOK {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d, err %v", status, err))
					continue
				}
				if pool != side {
					mismatch.Add(1)
				}
				if pool == canary.Canary {
					served[1].Add(1)
				} else {
					served[0].Add(1)
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	changing.Store(true)
	for _, weight := range []string{"50", "100", "0", "10"} {
		setWeight(t, s, weight)
		time.Sleep(250 * time.Millisecond)
	}
	changing.Store(false)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if overlap.Load() == 0 {
		t.Fatal("no request ran while the weight changed")
	}
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of %d requests failed during weight changes (first: %v)", n, total.Load(), firstErr.Load())
	}
	if n := mismatch.Load(); n != 0 {
		t.Fatalf("%d requests served by another pool than the side the edge reported", n)
	}
	if served[0].Load() == 0 || served[1].Load() == 0 {
		t.Fatalf("served stable %d, canary %d; want both pools used", served[0].Load(), served[1].Load())
	}
	t.Logf("load: %d requests (%d while the weight changed), stable %d, canary %d, 0 failed",
		total.Load(), overlap.Load(), served[0].Load(), served[1].Load())

	close(stable.release)
	close(canaryPool.release)
	for i, st := range streams {
		rest, err := io.ReadAll(st.body)
		if err != nil || string(rest) != "second\n" {
			t.Fatalf("stream %d after the weight changes: %q, %v; want %q", i, rest, err, "second\n")
		}
	}

	if out := talentctl(t, ctl, s, "canary", "status"); !strings.Contains(out, "configured weight: 10%") || !strings.Contains(out, "effective weight:  10%") {
		t.Fatalf("talentctl canary status =\n%s\nwant weight 10%%", out)
	}

	// A user on the canary at weight 10.
	var canaryUser string
	for i := 0; canaryUser == ""; i++ {
		if canary.UserBucket(strconv.Itoa(i)) < 1000 {
			canaryUser = strconv.Itoa(i)
		}
	}
	if _, pool, _, err := get(ctx, s, "/", canaryUser, ""); err != nil || pool != canary.Canary {
		t.Fatalf("canary user served by %q (%v), want canary", pool, err)
	}

	// The canary breaks: stable keeps answering, the canary fails.
	canaryPool.failing.Store(true)
	for i := range 25 {
		if _, _, _, err := get(ctx, s, "/", "", "never"); err != nil {
			t.Fatalf("stable request %d: %v", i, err)
		}
		if _, _, _, err := get(ctx, s, "/", "", "always"); err != nil {
			t.Fatalf("canary request %d: %v", i, err)
		}
	}
	// Poll, bounded, until the canary user is moved to stable.
	rolledBack := false
	for range 100 {
		if _, pool, _, err := get(ctx, s, "/", canaryUser, ""); err == nil && pool == canary.Stable {
			rolledBack = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !rolledBack {
		t.Fatal("canary user still on the canary after its failures; want an automatic rollback")
	}
	if got := adminMetric(t, s, "talent_canary_rollbacks_total", `name="default"`); got != 1 {
		t.Fatalf("talent_canary_rollbacks_total = %v, want 1", got)
	}
	if got := adminMetric(t, s, "talent_canary_errors_total", `side="canary"`); got < 20 {
		t.Fatalf("talent_canary_errors_total{side=canary} = %v, want at least 20", got)
	}
	if got := adminMetric(t, s, "talent_canary_errors_total", `side="stable"`); got != 0 {
		t.Fatalf("talent_canary_errors_total{side=stable} = %v, want 0", got)
	}
	if got := adminMetric(t, s, "talent_canary_request_duration_seconds_count", `side="canary"`); got == 0 {
		t.Fatal("no canary latency observations")
	}
	if got := adminMetric(t, s, "talent_canary_weight_percent", `name="default"`); got != 0 {
		t.Fatalf("talent_canary_weight_percent = %v, want 0", got)
	}
	if !strings.Contains(logs.String(), "canary rolled back") {
		t.Fatal("no rollback in the edge's log")
	}
	if !strings.Contains(logs.String(), `"canary":"canary"`) || !strings.Contains(logs.String(), `"canary":"stable"`) {
		t.Fatal("access log lines lack the canary side")
	}
	out := talentctl(t, ctl, s, "canary", "status")
	if !strings.Contains(out, "effective weight:  0% (rolled back") {
		t.Fatalf("talentctl canary status after the rollback =\n%s\nwant effective weight 0%% rolled back", out)
	}

	// The canary is fixed; ops resume at the same weight.
	canaryPool.failing.Store(false)
	talentctl(t, ctl, s, "canary", "set", "10")
	if _, pool, _, err := get(ctx, s, "/", canaryUser, ""); err != nil || pool != canary.Canary {
		t.Fatalf("after talentctl canary set 10 the canary user is served by %q (%v), want canary", pool, err)
	}
	if got := adminMetric(t, s, "talent_canary_rollbacks_total", `name="default"`); got != 1 {
		t.Fatalf("talent_canary_rollbacks_total after the reloads = %v, want still 1", got)
	}
	talentctl(t, ctl, s, "canary", "rollback")
	if _, pool, _, err := get(ctx, s, "/", canaryUser, ""); err != nil || pool != canary.Stable {
		t.Fatalf("after talentctl canary rollback the canary user is served by %q (%v), want stable", pool, err)
	}
}
