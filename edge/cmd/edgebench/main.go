// Command edgebench measures what the Talent edge costs: it starts one h2c
// backend (the tasks service), talent-edge with deploy/edge/Caddyfile, and a
// plain Caddy (the same binary with a minimal Caddyfile: tls internal and
// reverse_proxy h2c) side by side, sends the same Connect unary load to
// each, alternating in short rounds so both see the same machine, and prints
// throughput, p50 and p99 for both and the edge's throughput loss. Every
// address is 127.0.0.1; the run is bounded by -duration.
//
//	go run ./edge/cmd/edgebench -edge bin/talent-edge
//
// `make bench-edge` runs it.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
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

// plainCaddyfile is plain Caddy in front of the same backend.
const plainCaddyfile = `{
	admin localhost:{$BENCH_ADMIN}
	storage file_system {$BENCH_DATA}
	local_certs
	skip_install_trust
	http_port {$BENCH_HTTP_PORT}
}

https://localhost:{$BENCH_HTTPS_PORT} {
	tls internal
	reverse_proxy h2c://{$BENCH_UPSTREAM}
}
`

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("edgebench", flag.ContinueOnError)
	edgeBin := fs.String("edge", "bin/talent-edge", "talent-edge binary")
	caddyfile := fs.String("caddyfile", "deploy/edge/Caddyfile", "the edge's Caddyfile")
	duration := fs.Duration("duration", 20*time.Second, "total load time, split evenly between the two targets")
	concurrency := fs.Int("concurrency", 32, "concurrent callers")
	rounds := fs.Int("rounds", 10, "alternating rounds per target")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *duration > 2*time.Minute || *concurrency > 256 || *rounds < 1 {
		return errors.New("keep it bounded: -duration at most 2m, -concurrency at most 256, -rounds at least 1")
	}
	dir, err := os.MkdirTemp("", "edgebench-")
	if err != nil {
		return fmt.Errorf("create temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	upstream, stopUpstream, err := startBackend()
	if err != nil {
		return err
	}
	defer stopUpstream()

	plainFile := filepath.Join(dir, "plain.Caddyfile")
	if err := os.WriteFile(plainFile, []byte(plainCaddyfile), 0o644); err != nil {
		return fmt.Errorf("write plain Caddyfile: %w", err)
	}
	edge, err := startCaddy(ctx, *edgeBin, *caddyfile, filepath.Join(dir, "edge"), func(https, http, admin int, data string) []string {
		return []string{
			"TALENT_EDGE_HTTPS_ADDR=:" + strconv.Itoa(https),
			"TALENT_EDGE_HTTP_PORT=" + strconv.Itoa(http),
			"TALENT_EDGE_ADMIN=localhost:" + strconv.Itoa(admin),
			"TALENT_EDGE_DATA=" + data,
			"TALENT_UPSTREAM=" + upstream,
			"TALENT_WEB_DIR=" + data,
		}
	})
	if err != nil {
		return err
	}
	defer edge.stop()
	plain, err := startCaddy(ctx, *edgeBin, plainFile, filepath.Join(dir, "plain"), func(https, http, admin int, data string) []string {
		return []string{
			"BENCH_HTTPS_PORT=" + strconv.Itoa(https),
			"BENCH_HTTP_PORT=" + strconv.Itoa(http),
			"BENCH_ADMIN=" + strconv.Itoa(admin),
			"BENCH_DATA=" + data,
			"BENCH_UPSTREAM=" + upstream,
		}
	})
	if err != nil {
		return err
	}
	defer plain.stop()

	targets := []*target{{name: "plain caddy", proc: plain}, {name: "talent-edge", proc: edge}}
	for _, t := range targets {
		t.client = tasksv1connect.NewTaskServiceClient(t.proc.client, t.proc.url)
		// Warm up: connections, certificates, the backend.
		if _, err := load(ctx, t, *concurrency, 500*time.Millisecond); err != nil {
			return fmt.Errorf("warm up %s: %w", t.name, err)
		}
	}
	slot := *duration / time.Duration(2**rounds)
	fmt.Fprintf(stdout, "edgebench: Connect unary GetTask, %d concurrent callers, %d rounds of %s per target, all on 127.0.0.1\n",
		*concurrency, *rounds, slot)
	for range *rounds {
		for _, t := range targets {
			lat, err := load(ctx, t, *concurrency, slot)
			if err != nil {
				return fmt.Errorf("load %s: %w", t.name, err)
			}
			t.latencies = append(t.latencies, lat...)
			t.elapsed += slot
		}
	}

	fmt.Fprintf(stdout, "%-12s %10s %12s %10s %10s %8s\n", "target", "requests", "req/s", "p50", "p99", "errors")
	for _, t := range targets {
		slices.Sort(t.latencies)
		fmt.Fprintf(stdout, "%-12s %10d %12.0f %10s %10s %8d\n", t.name, len(t.latencies), t.rate(),
			pct(t.latencies, 0.50), pct(t.latencies, 0.99), t.errors.Load())
	}
	base, ours := targets[0], targets[1]
	loss := 100 * (base.rate() - ours.rate()) / base.rate()
	verdict := "within"
	if loss > 10 {
		verdict = "OVER"
	}
	fmt.Fprintf(stdout, "throughput loss of talent-edge against plain caddy: %.1f %% (%s the 10 %% goal); p99 %s vs %s\n",
		loss, verdict, pct(ours.latencies, 0.99), pct(base.latencies, 0.99))
	if base.errors.Load()+ours.errors.Load() > 0 {
		return errors.New("some requests failed")
	}
	return nil
}

type target struct {
	name      string
	proc      *caddyProc
	client    tasksv1connect.TaskServiceClient
	latencies []time.Duration
	elapsed   time.Duration
	errors    atomic.Int64
}

func (t *target) rate() float64 { return float64(len(t.latencies)) / t.elapsed.Seconds() }

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
	client *http.Client
	stop   func()
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
				return &caddyProc{
					url: "https://localhost:" + strconv.Itoa(ports[0]),
					client: &http.Client{Transport: &http.Transport{
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
