// Command edgebench measures what the Talent edge costs: it starts one h2c
// backend (the tasks service) and four proxies in front of it, all the same
// binary: plain Caddy (tls internal and reverse_proxy h2c, no access log),
// plain Caddy with the edge's access log, talent-edge with
// deploy/edge/Caddyfile less its access log, and talent-edge as shipped. It
// sends the same Connect unary load to each, alternating in short rounds so
// all see the same machine, and prints throughput, p50, p99 and the proxy's
// CPU time per request for each, and the edge's throughput loss against
// plain Caddy with and without the access log on both sides. The clients
// keep cookies, as browsers do. Every address is 127.0.0.1; the run is
// bounded by -duration.
//
//	go run ./edge/cmd/edgebench -edge bin/talent-edge
//
// `make bench-edge` runs it.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "edgebench:", err)
		os.Exit(1)
	}
}

// plainCaddyfile is plain Caddy in front of the same backend; %s is where
// the edge's access log goes for the "plain caddy + log" target.
const plainCaddyfile = `{
	admin localhost:{$BENCH_ADMIN}
	storage file_system {$BENCH_DATA}
	local_certs
	skip_install_trust
	http_port {$BENCH_HTTP_PORT}
%s}

https://localhost:{$BENCH_HTTPS_PORT} {
	tls internal
%s	reverse_proxy h2c://{$BENCH_UPSTREAM}
}
`

// accessLog is the edge Caddyfile's access logging: its global `log
// default` block, the site's `log` block and its `log_append` lines.
type accessLog struct {
	global, site string
}

// splitAccessLog returns the edge's Caddyfile without its access log and
// the access log's parts, so that the bench can run the edge without it
// and plain Caddy with it: both sides then do comparable work.
func splitAccessLog(caddyfile string) (without string, log accessLog, err error) {
	lines := strings.SplitAfter(caddyfile, "\n")
	var out, global, site strings.Builder
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		var dst *strings.Builder
		switch {
		case strings.HasPrefix(l, "\tlog default {"):
			dst = &global
		case strings.HasPrefix(l, "\tlog {"), strings.HasPrefix(l, "\tlog_append "):
			dst = &site
		default:
			out.WriteString(l)
			continue
		}
		dst.WriteString(l)
		if strings.HasSuffix(strings.TrimSpace(l), "{") {
			for i++; i < len(lines); i++ {
				dst.WriteString(lines[i])
				if lines[i] == "\t}\n" {
					break
				}
			}
		}
	}
	if site.Len() == 0 {
		return "", accessLog{}, errors.New("the edge's Caddyfile has no site `log` block at one tab's indent")
	}
	return out.String(), accessLog{global: global.String(), site: site.String()}, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("edgebench", flag.ContinueOnError)
	edgeBin := fs.String("edge", "bin/talent-edge", "talent-edge binary")
	caddyfile := fs.String("caddyfile", "deploy/edge/Caddyfile", "the edge's Caddyfile")
	duration := fs.Duration("duration", 40*time.Second, "total load time, split evenly between the four targets")
	concurrency := fs.Int("concurrency", 32, "concurrent callers")
	rounds := fs.Int("rounds", 40, "alternating rounds per target: many short ones, so load from elsewhere falls on all targets alike")
	cpuprofile := fs.String("cpuprofile", "", "write CPU profiles over the whole run, one per target: this path with .plain, .plain-log, .edge-nolog, .edge appended")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *duration > 4*time.Minute || *concurrency > 256 || *rounds < 1 {
		return errors.New("keep it bounded: -duration at most 4m, -concurrency at most 256, -rounds at least 1")
	}
	dir, err := os.MkdirTemp("", "edgebench-")
	if err != nil {
		return fmt.Errorf("create temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	edgeConfig, err := os.ReadFile(*caddyfile)
	if err != nil {
		return fmt.Errorf("read the edge's Caddyfile: %w", err)
	}
	edgeNoLog, accLog, err := splitAccessLog(string(edgeConfig))
	if err != nil {
		return err
	}
	// The variants live in dir: relative paths in the Caddyfile (the
	// keyword lists) must still point beside the original.
	caddyDir, err := filepath.Abs(filepath.Dir(*caddyfile))
	if err != nil {
		return fmt.Errorf("locate the Caddyfile: %w", err)
	}
	files := map[string]string{
		"plain.Caddyfile":      fmt.Sprintf(plainCaddyfile, "", ""),
		"plain-log.Caddyfile":  fmt.Sprintf(plainCaddyfile, accLog.global, accLog.site),
		"edge-nolog.Caddyfile": edgeNoLog,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}

	upstream, stopUpstream, err := startBackend()
	if err != nil {
		return err
	}
	defer stopUpstream()

	plainEnv := func(https, http, admin int, data string) []string {
		return []string{
			"BENCH_HTTPS_PORT=" + strconv.Itoa(https),
			"BENCH_HTTP_PORT=" + strconv.Itoa(http),
			"BENCH_ADMIN=" + strconv.Itoa(admin),
			"BENCH_DATA=" + data,
			"BENCH_UPSTREAM=" + upstream,
		}
	}
	edgeEnv := func(https, http, admin int, data string) []string {
		return []string{
			"TALENT_EDGE_HTTPS_ADDR=:" + strconv.Itoa(https),
			"TALENT_EDGE_HTTP_PORT=" + strconv.Itoa(http),
			"TALENT_EDGE_ADMIN=localhost:" + strconv.Itoa(admin),
			"TALENT_EDGE_DATA=" + data,
			"TALENT_UPSTREAM=" + upstream,
			// Both pools are the one backend: the canary split costs
			// what it costs, and no request goes to a missing pool.
			"TALENT_CANARY_UPSTREAM=" + upstream,
			"TALENT_WEB_DIR=" + data,
			"TALENT_EDGE_KEYWORDS=" + filepath.Join(caddyDir, "keywords"),
		}
	}
	specs := []struct {
		name, suffix, config string
		env                  func(https, http, admin int, data string) []string
	}{
		{"plain caddy", "plain", filepath.Join(dir, "plain.Caddyfile"), plainEnv},
		{"plain + log", "plain-log", filepath.Join(dir, "plain-log.Caddyfile"), plainEnv},
		{"edge no log", "edge-nolog", filepath.Join(dir, "edge-nolog.Caddyfile"), edgeEnv},
		{"talent-edge", "edge", *caddyfile, edgeEnv},
	}
	var targets []*target
	for _, sp := range specs {
		proc, err := startCaddy(ctx, *edgeBin, sp.config, filepath.Join(dir, sp.suffix), sp.env)
		if err != nil {
			return err
		}
		defer proc.stop()
		t := &target{name: sp.name, suffix: sp.suffix, proc: proc}
		t.client = tasksv1connect.NewTaskServiceClient(proc.client, proc.url)
		targets = append(targets, t)
	}
	for _, t := range targets {
		// Warm up: connections, certificates, the backend, the canary
		// cookie.
		if _, err := load(ctx, t, *concurrency, 500*time.Millisecond); err != nil {
			return fmt.Errorf("warm up %s: %w", t.name, err)
		}
	}
	slot := *duration / time.Duration(len(targets)**rounds)
	fmt.Fprintf(stdout, "edgebench: Connect unary GetTask, %d concurrent callers, %d rounds of %s per target, all on 127.0.0.1\n",
		*concurrency, *rounds, slot)
	fmt.Fprintf(stdout, "targets: plain caddy = tls internal + reverse_proxy h2c, no access log; plain + log = the same with the edge's access log;\n"+
		"         edge no log = %s without its access log; talent-edge = %s as is\n", *caddyfile, *caddyfile)
	profDone := make(chan error, len(targets))
	for _, t := range targets {
		if *cpuprofile == "" {
			profDone <- nil
			continue
		}
		go func() { profDone <- t.proc.profile(ctx, *duration, *cpuprofile+"."+t.suffix) }()
	}
	for range *rounds {
		for _, t := range targets {
			cpu0 := t.proc.cpuTime()
			lat, err := load(ctx, t, *concurrency, slot)
			if err != nil {
				return fmt.Errorf("load %s: %w", t.name, err)
			}
			t.cpu += t.proc.cpuTime() - cpu0
			t.latencies = append(t.latencies, lat...)
			t.elapsed += slot
		}
	}
	var profErrs []error
	for range targets {
		profErrs = append(profErrs, <-profDone)
	}
	if err := errors.Join(profErrs...); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "%-12s %10s %12s %10s %10s %12s %8s\n", "target", "requests", "req/s", "p50", "p99", "cpu/req", "errors")
	var failed int64
	for _, t := range targets {
		slices.Sort(t.latencies)
		fmt.Fprintf(stdout, "%-12s %10d %12.0f %10s %10s %12s %8d\n", t.name, len(t.latencies), t.rate(),
			pct(t.latencies, 0.50), pct(t.latencies, 0.99), t.cpuPerRequest(), t.errors.Load())
		failed += t.errors.Load()
	}
	compare := func(ours, base *target, what string) {
		loss := 100 * (base.rate() - ours.rate()) / base.rate()
		verdict := "within"
		if loss > 10 {
			verdict = "OVER"
		}
		fmt.Fprintf(stdout, "throughput loss of %s against %s (%s): %.1f %% (%s the 10 %% goal); p99 %s vs %s\n",
			ours.name, base.name, what, loss, verdict, pct(ours.latencies, 0.99), pct(base.latencies, 0.99))
	}
	plain, plainLog, noLog, edge := targets[0], targets[1], targets[2], targets[3]
	compare(edge, plainLog, "both write the same JSON access log")
	compare(noLog, plain, "neither writes an access log")
	compare(edge, plain, "only the edge writes an access log")
	if failed > 0 {
		return errors.New("some requests failed")
	}
	return nil
}

type target struct {
	name      string
	suffix    string // of the profile file
	proc      *caddyProc
	client    tasksv1connect.TaskServiceClient
	latencies []time.Duration
	elapsed   time.Duration
	cpu       time.Duration // proxy CPU time during the rounds
	errors    atomic.Int64
}

func (t *target) rate() float64 { return float64(len(t.latencies)) / t.elapsed.Seconds() }

// cpuPerRequest is the proxy process's CPU time (user and system) per
// request served: what the proxy itself costs, less sensitive than req/s to
// what else runs on the machine.
func (t *target) cpuPerRequest() time.Duration {
	if len(t.latencies) == 0 {
		return 0
	}
	return (t.cpu / time.Duration(len(t.latencies))).Round(time.Microsecond)
}

// load runs concurrency callers against t for d and returns every
// successful call's latency.
func load(ctx context.Context, t *target, concurrency int, d time.Duration) ([]time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range concurrency {
		wg.Go(func() {
			var mine []time.Duration
			for ctx.Err() == nil {
				start := time.Now()
				res, err := t.client.GetTask(ctx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: "T-000001"}))
				if ctx.Err() != nil {
					break // cut off by the end of the round: not counted
				}
				if err != nil || res.Msg.GetTask().GetRef() != "T-000001" {
					t.errors.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Errorf("GetTask: %v", err))
					continue
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok && len(all) == 0 {
		return nil, err
	}
	return all, nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p)].Round(10 * time.Microsecond)
}

// startBackend serves the tasks service over h2c on 127.0.0.1.
func startBackend() (string, func(), error) {
	mux := http.NewServeMux()
	mux.Handle(tasksv1connect.NewTaskServiceHandler(taskServer{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen backend: %w", err)
	}
	srv := &http.Server{Handler: mux, Protocols: new(http.Protocols)}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	go srv.Serve(ln)
	return ln.Addr().String(), func() { srv.Close() }, nil
}

type taskServer struct {
	tasksv1connect.UnimplementedTaskServiceHandler
}

func (taskServer) GetTask(_ context.Context, req *connect.Request[tasksv1.GetTaskRequest]) (*connect.Response[tasksv1.GetTaskResponse], error) {
	return connect.NewResponse(&tasksv1.GetTaskResponse{Task: &tasksv1.Task{
		Ref: req.Msg.GetIdOrRef(), Title: "Port a billing service to Go", Description: "A typical task description of a few hundred bytes. " +
			"It is long enough that the proxy has to copy a real body, short enough to stay one frame.",
	}}), nil
}

// caddyProc is one running talent-edge process.
type caddyProc struct {
	url    string
	admin  string
	pid    int
	client *http.Client
	stop   func()
}

// cpuTime returns the process's CPU time so far (user and system), from
// /proc/<pid>/stat; 0 where there is no /proc.
func (p *caddyProc) cpuTime() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may
	// hold spaces: state is field 3, utime 14 and stime 15.
	rest := b[bytes.LastIndexByte(b, ')')+1:]
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const clockTicks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// profile fetches a CPU profile over d from the admin API's pprof endpoint
// and writes it to path.
func (p *caddyProc) profile(ctx context.Context, d time.Duration, path string) error {
	if err := p.fetchProfile(ctx, fmt.Sprintf("profile?seconds=%d", int(d.Seconds())), path); err != nil {
		return err
	}
	// Allocations since the start, for `go tool pprof -sample_index=alloc_space`.
	return p.fetchProfile(ctx, "allocs", path+".allocs")
}

func (p *caddyProc) fetchProfile(ctx context.Context, which, path string) error {
	url := fmt.Sprintf("http://%s/debug/pprof/%s", p.admin, which)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("build profile request: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("fetch profile: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch profile: %s", res.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create profile: %w", err)
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return fmt.Errorf("write profile: %w", err)
	}
	return f.Close()
}

// startCaddy runs bin with config on free 127.0.0.1 ports and waits until it
// completes a verified TLS handshake.
func startCaddy(ctx context.Context, bin, config, data string, env func(https, http, admin int, data string) []string) (*caddyProc, error) {
	ports := make([]int, 3)
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	home := filepath.Join(data, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", home, err)
	}
	cmd := exec.Command(bin, "run", "--config", config, "--adapter", "caddyfile")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CONFIG_HOME=" + home, "XDG_DATA_HOME=" + home},
		env(ports[0], ports[1], ports[2], data)...)
	logFile, err := os.Create(filepath.Join(filepath.Dir(data), filepath.Base(data)+".log"))
	if err != nil {
		return nil, fmt.Errorf("create log: %w", err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logFile.Close() }()
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	deadline := time.After(time.Minute)
	for {
		if pem, err := os.ReadFile(filepath.Join(data, "pki", "authorities", "local", "root.crt")); err == nil {
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			conf := &tls.Config{RootCAs: pool, ServerName: "localhost"}
			if conn, err := tls.Dial("tcp", addr, conf); err == nil {
				conn.Close()
				// A cookie jar, as browsers keep: the canary's bucket
				// cookie is set once, not on every request.
				jar, err := cookiejar.New(nil)
				if err != nil {
					stop()
					return nil, fmt.Errorf("make cookie jar: %w", err)
				}
				return &caddyProc{
					url:   "https://localhost:" + strconv.Itoa(ports[0]),
					admin: "localhost:" + strconv.Itoa(ports[2]),
					pid:   cmd.Process.Pid,
					client: &http.Client{Jar: jar, Transport: &http.Transport{
						TLSClientConfig:   &tls.Config{RootCAs: pool},
						ForceAttemptHTTP2: true,
						// Resolve localhost to 127.0.0.1 only.
						DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
							var d net.Dialer
							return d.DialContext(ctx, network, addr)
						},
					}},
					stop: stop,
				}, nil
			}
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("%s with %s exited before it was ready: %v (log in %s.log)", bin, config, err, data)
		case <-deadline:
			stop()
			return nil, fmt.Errorf("%s with %s not ready after a minute", bin, config)
		case <-ctx.Done():
			stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
