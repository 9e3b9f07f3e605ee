// Command edgebench measures what the Talent edge costs: it starts one
// backend (the tasks service over h2c and a page handler over HTTP/1.1, as
// talentd serves them) and four proxies in front of it, all the same
// binary: plain Caddy, plain Caddy with the edge's access log, talent-edge
// with deploy/edge/Caddyfile less its access log, and talent-edge as
// shipped. Plain Caddy serves the same site the plain way (tls internal;
// RPCs to h2c with the edge's own reverse_proxy settings for them, copied
// from its Caddyfile; pages compressed and proxied over HTTP/1.1; /web/
// from the same files): both sides keep the same connections (HTTP/2 from
// the clients, keep-alive, h2c and HTTP/1.1 upstream) and differ only by
// what the edge adds.
//
// Every caller sends the same request mix, in a fixed cycle of ten (see
// mix): seven Connect unary reads (GetTask, binary protobuf, as the PWA
// sends them), one Connect unary write (CreateTask with about 1.5 KB of
// mostly Chinese text, judged by the keyword filter and counted by the
// write rate limit, set high enough not to refuse the bench), one page GET
// (about 6 KB of HTML, compressed on the way) and one asset GET (a
// 24 KB script, served precompressed from /web/). After a warm-up, the
// targets take turns in short slots, in alternating order, over several
// repetitions, so load from elsewhere on the machine falls on all alike.
// It prints each repetition's throughput and p99 per target and the
// edge's loss against plain Caddy in that repetition, then the medians,
// and for the whole run p50, p99 and the proxy's CPU time per request.
// The clients keep cookies, as browsers do. Every address is 127.0.0.1;
// the run is bounded by -duration.
//
//	go run ./edge/cmd/edgebench -edge bin/talent-edge
//
// `make bench-edge` runs it; docs/ops/benchmarks.md explains the figures.
package main

import (
	"bytes"
	"compress/gzip"
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

// plainCaddyfile is plain Caddy serving the same site from the same
// backend. The first %s is where the edge's global log options go and the
// second its site `log` block (for "plain + log"); the third is the edge's
// own settings for its RPC reverse_proxy (rpcProxySettings), so both proxy
// RPCs alike.
const plainCaddyfile = `{
	admin localhost:{$BENCH_ADMIN}
	storage file_system {$BENCH_DATA}
	local_certs
	skip_install_trust
	http_port {$BENCH_HTTP_PORT}
%s}

https://localhost:{$BENCH_HTTPS_PORT} {
	tls internal
%s	@rpc path /talent.*
	handle @rpc {
		reverse_proxy h2c://{$BENCH_UPSTREAM} {
%s		}
	}
	handle_path /web/* {
		root * {$BENCH_WEB}
		file_server {
			precompressed br gzip
		}
	}
	handle {
		encode zstd gzip
		reverse_proxy {$BENCH_UPSTREAM}
	}
}
`

// rpcProxySettings returns the body of the edge's stable-pool RPC
// reverse_proxy block (its flush and transport settings), re-indented for
// plainCaddyfile.
func rpcProxySettings(caddyfile string) (string, error) {
	lines := strings.SplitAfter(caddyfile, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "reverse_proxy h2c://{$TALENT_UPSTREAM") || !strings.HasSuffix(strings.TrimSpace(l), "{") {
			continue
		}
		indent := l[:len(l)-len(strings.TrimLeft(l, "\t"))]
		var b strings.Builder
		for _, body := range lines[i+1:] {
			if body == indent+"}\n" {
				return b.String(), nil
			}
			b.WriteString("\t\t" + strings.TrimPrefix(body, indent))
		}
	}
	return "", errors.New("the edge's Caddyfile has no `reverse_proxy h2c://{$TALENT_UPSTREAM...} {` block to copy the RPC proxy settings from")
}

// accessLog is the edge Caddyfile's access logging as plain Caddy does
// it: a global `log default` block if the edge has one, and the site's
// `log` block and `log_append` lines.
type accessLog struct {
	global, site string
}

// splitAccessLog returns the edge's Caddyfile without its access log and
// the access log as plain Caddy writes it, so that the bench can run the
// edge without it and plain Caddy with it: both sides then do comparable
// work. The edge's talent_access_log block becomes Caddy's `log` block
// (same output, JSON without header maps) and a `log_append` per field;
// `log` blocks and `log_append` lines in the edge's file are taken as
// they are.
func splitAccessLog(caddyfile string) (without string, log accessLog, err error) {
	lines := strings.SplitAfter(caddyfile, "\n")
	var out, global, site strings.Builder
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "\ttalent_access_log") {
			output := "stderr"
			var fields strings.Builder
			for i++; strings.HasSuffix(strings.TrimSpace(l), "{") && i < len(lines) && lines[i] != "\t}\n"; i++ {
				if o, ok := strings.CutPrefix(lines[i], "\t\toutput "); ok {
					output = strings.TrimSpace(o)
				} else if f, ok := strings.CutPrefix(lines[i], "\t\tfield "); ok {
					fields.WriteString("\tlog_append " + f)
				}
			}
			if !strings.HasSuffix(strings.TrimSpace(l), "{") {
				i-- // no block: the next line is not this directive's
			}
			site.WriteString("\tlog {\n\t\toutput " + output + "\n\t\tformat filter {\n\t\t\twrap json\n\t\t\trequest>headers delete\n\t\t\tresp_headers delete\n\t\t}\n\t}\n")
			site.WriteString(fields.String())
			continue
		}
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
		return "", accessLog{}, errors.New("the edge's Caddyfile has no talent_access_log directive or site `log` block at one tab's indent")
	}
	return out.String(), accessLog{global: global.String(), site: site.String()}, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("edgebench", flag.ContinueOnError)
	edgeBin := fs.String("edge", "bin/talent-edge", "talent-edge binary")
	caddyfile := fs.String("caddyfile", "deploy/edge/Caddyfile", "the edge's Caddyfile")
	duration := fs.Duration("duration", 60*time.Second, "total load time after the warm-up, split evenly between the four targets")
	warmup := fs.Duration("warmup", 2*time.Second, "warm-up load per target before measuring")
	concurrency := fs.Int("concurrency", 32, "concurrent callers")
	reps := fs.Int("reps", 5, "repetitions: each target's figures are reported per repetition and as their median")
	rounds := fs.Int("rounds", 8, "alternating rounds per repetition: many short slots, so load from elsewhere falls on all targets alike")
	cpuprofile := fs.String("cpuprofile", "", "write CPU profiles over the whole run, one per target: this path with .plain, .plain-log, .edge-nolog, .edge appended")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *duration > 4*time.Minute || *warmup > 10*time.Second || *concurrency > 256 || *rounds < 1 || *reps < 1 {
		return errors.New("keep it bounded: -duration at most 4m, -warmup at most 10s, -concurrency at most 256, -rounds and -reps at least 1")
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
	rpcProxy, err := rpcProxySettings(string(edgeConfig))
	if err != nil {
		return err
	}
	// The variants live in dir: relative paths in the Caddyfile (the
	// keyword lists) must still point beside the original.
	caddyDir, err := filepath.Abs(filepath.Dir(*caddyfile))
	if err != nil {
		return fmt.Errorf("locate the Caddyfile: %w", err)
	}
	web := filepath.Join(dir, "web")
	if err := writeAssets(web); err != nil {
		return err
	}
	files := map[string]string{
		"plain.Caddyfile":      fmt.Sprintf(plainCaddyfile, "", "", rpcProxy),
		"plain-log.Caddyfile":  fmt.Sprintf(plainCaddyfile, accLog.global, accLog.site, rpcProxy),
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
			"BENCH_WEB=" + web,
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
			"TALENT_WEB_DIR=" + web,
			"TALENT_EDGE_KEYWORDS=" + filepath.Join(caddyDir, "keywords"),
			// Every caller shares one IP and no session: the write
			// zone still counts every write, but must not refuse the
			// bench's rate of them.
			"TALENT_EDGE_WRITE_RATE=1000000/s",
			"TALENT_EDGE_WRITE_BURST=1000000",
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
		t := &target{name: sp.name, suffix: sp.suffix, proc: proc, reps: make([]repFigures, *reps)}
		t.client = tasksv1connect.NewTaskServiceClient(proc.client, proc.url)
		targets = append(targets, t)
	}
	for _, t := range targets {
		// Warm up: connections, certificates, the backend, the canary
		// cookie, the keyword automaton, the files in the page cache.
		if _, err := load(ctx, t, *concurrency, *warmup); err != nil {
			return fmt.Errorf("warm up %s: %w", t.name, err)
		}
	}
	slot := *duration / time.Duration(len(targets)**reps**rounds)
	fmt.Fprintf(stdout, "edgebench: %d concurrent callers; mix per 10 requests: %s\n", *concurrency, mixText())
	fmt.Fprintf(stdout, "%d repetitions of %d rounds; a round gives each target one slot of %s, in alternating order; warm-up %s per target; all on 127.0.0.1\n",
		*reps, *rounds, slot, *warmup)
	fmt.Fprintf(stdout, "targets: plain caddy = tls internal, RPCs by reverse_proxy h2c (settings copied from the edge's: %s), pages by encode + reverse_proxy, /web/ by file_server; no access log\n"+
		"         plain + log = the same with the edge's access log; edge no log = %s without its access log; talent-edge = %s as is\n",
		strings.Join(strings.Fields(rpcProxy), " "), *caddyfile, *caddyfile)
	fmt.Fprintf(stdout, "load average at start: %s\n", loadAverage())
	profDone := make(chan error, len(targets))
	for _, t := range targets {
		if *cpuprofile == "" {
			profDone <- nil
			continue
		}
		go func() { profDone <- t.proc.profile(ctx, *duration, *cpuprofile+"."+t.suffix) }()
	}
	for rep := range *reps {
		for round := range *rounds {
			order := slices.Clone(targets)
			if round%2 == 1 {
				slices.Reverse(order)
			}
			for _, t := range order {
				cpu0 := t.proc.cpuTime()
				lat, err := load(ctx, t, *concurrency, slot)
				if err != nil {
					return fmt.Errorf("load %s: %w", t.name, err)
				}
				t.cpu += t.proc.cpuTime() - cpu0
				t.latencies = append(t.latencies, lat...)
				t.reps[rep].latencies = append(t.reps[rep].latencies, lat...)
				t.reps[rep].elapsed += slot
				t.elapsed += slot
			}
		}
	}
	var profErrs []error
	for range targets {
		profErrs = append(profErrs, <-profDone)
	}
	if err := errors.Join(profErrs...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "load average at end: %s\n\n", loadAverage())
	report(stdout, targets)
	var failed int64
	for _, t := range targets {
		failed += t.errors.Load()
	}
	if failed > 0 {
		return errors.New("some requests failed")
	}
	return nil
}

// report prints the figures of each repetition, their medians and the
// whole run's.
func report(stdout io.Writer, targets []*target) {
	plain, plainLog, noLog, edge := targets[0], targets[1], targets[2], targets[3]
	loss := func(ours, base float64) float64 { return 100 * (base - ours) / base }
	fmt.Fprintf(stdout, "%-6s", "rep")
	for _, t := range targets {
		fmt.Fprintf(stdout, " %21s", t.name+" req/s p99")
	}
	fmt.Fprintf(stdout, " %14s %14s %14s\n", "loss no log", "loss both log", "loss as is")
	n := len(plain.reps)
	var lossNoLog, lossLog, lossAsIs, p99NoLog, p99Log, p99AsIs []float64
	for i := range n {
		fmt.Fprintf(stdout, "%-6d", i+1)
		for _, t := range targets {
			r := &t.reps[i]
			slices.Sort(r.latencies)
			fmt.Fprintf(stdout, " %11.0f %9s", r.rate(), pct(r.latencies, 0.99))
		}
		ln, ll, la := loss(noLog.reps[i].rate(), plain.reps[i].rate()), loss(edge.reps[i].rate(), plainLog.reps[i].rate()), loss(edge.reps[i].rate(), plain.reps[i].rate())
		p99 := func(t *target) float64 { return pct(t.reps[i].latencies, 0.99).Seconds() }
		lossNoLog, lossLog, lossAsIs = append(lossNoLog, ln), append(lossLog, ll), append(lossAsIs, la)
		p99NoLog = append(p99NoLog, 100*(p99(noLog)/p99(plain)-1))
		p99Log = append(p99Log, 100*(p99(edge)/p99(plainLog)-1))
		p99AsIs = append(p99AsIs, 100*(p99(edge)/p99(plain)-1))
		fmt.Fprintf(stdout, " %13.1f%% %13.1f%% %13.1f%%\n", ln, ll, la)
	}
	fmt.Fprintf(stdout, "%-6s", "median")
	for _, t := range targets {
		var rates []float64
		var p99s []time.Duration
		for i := range n {
			rates = append(rates, t.reps[i].rate())
			p99s = append(p99s, pct(t.reps[i].latencies, 0.99))
		}
		fmt.Fprintf(stdout, " %11.0f %9s", median(rates), medianDuration(p99s))
	}
	fmt.Fprintf(stdout, " %13.1f%% %13.1f%% %13.1f%%\n\n", median(lossNoLog), median(lossLog), median(lossAsIs))

	fmt.Fprintf(stdout, "whole run:\n%-12s %10s %12s %10s %10s %12s %8s\n", "target", "requests", "req/s", "p50", "p99", "cpu/req", "errors")
	for _, t := range targets {
		slices.Sort(t.latencies)
		fmt.Fprintf(stdout, "%-12s %10d %12.0f %10s %10s %12s %8d\n", t.name, len(t.latencies), t.rate(),
			pct(t.latencies, 0.50), pct(t.latencies, 0.99), t.cpuPerRequest(), t.errors.Load())
	}
	for _, t := range targets {
		if err, ok := t.firstErr.Load().(error); ok {
			fmt.Fprintf(stdout, "%s: first failed request: %v\n", t.name, err)
		}
	}
	verdict := func(v float64) string {
		if v > 10 {
			return "OVER the 10 % goal"
		}
		return "within the 10 % goal"
	}
	fmt.Fprintf(stdout, "\nmedian over repetitions, like for like:\n")
	fmt.Fprintf(stdout, "  neither writes an access log: throughput loss %.1f %% (%s), p99 %+.1f %% (%s)\n",
		median(lossNoLog), verdict(median(lossNoLog)), median(p99NoLog), verdict(median(p99NoLog)))
	fmt.Fprintf(stdout, "  both write the access log:    throughput loss %.1f %% (%s), p99 %+.1f %% (%s)\n",
		median(lossLog), verdict(median(lossLog)), median(p99Log), verdict(median(p99Log)))
	fmt.Fprintf(stdout, "  as is (only the edge logs):   throughput loss %.1f %% (%s), p99 %+.1f %% (%s)\n",
		median(lossAsIs), verdict(median(lossAsIs)), median(p99AsIs), verdict(median(p99AsIs)))
	fmt.Fprintf(stdout, "  proxy CPU per request (whole run): edge %s vs plain %s (%+.1f %%) without log, %s vs %s (%+.1f %%) with\n",
		noLog.cpuPerRequest(), plain.cpuPerRequest(), 100*(noLog.cpuPerRequest().Seconds()/plain.cpuPerRequest().Seconds()-1),
		edge.cpuPerRequest(), plainLog.cpuPerRequest(), 100*(edge.cpuPerRequest().Seconds()/plainLog.cpuPerRequest().Seconds()-1))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianDuration(v []time.Duration) time.Duration {
	f := make([]float64, len(v))
	for i, d := range v {
		f[i] = float64(d)
	}
	return time.Duration(median(f)).Round(10 * time.Microsecond)
}

// loadAverage returns /proc/loadavg's 1, 5 and 15 minute figures: how
// busy the machine was besides the bench.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

type target struct {
	name      string
	suffix    string // of the profile file
	proc      *caddyProc
	client    tasksv1connect.TaskServiceClient
	latencies []time.Duration
	elapsed   time.Duration
	reps      []repFigures
	cpu       time.Duration // proxy CPU time during the rounds
	errors    atomic.Int64
	firstErr  atomic.Value // error: the first failed request's, for the report
}

// repFigures are one repetition's figures of one target.
type repFigures struct {
	latencies []time.Duration
	elapsed   time.Duration
}

func (r *repFigures) rate() float64 { return float64(len(r.latencies)) / r.elapsed.Seconds() }

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

// kind is one kind of request in the mix.
type kind int

const (
	rpcRead  kind = iota // Connect unary GetTask
	rpcWrite             // Connect unary CreateTask, ~1.5 KB of text
	page                 // GET of a page from the backend
	asset                // GET of a precompressed file under /web/
)

// mix is the cycle every caller repeats: a PWA's traffic once loaded is
// mostly RPCs (reads far more than writes); pages and assets are fetched
// on navigation and first load, then cached by the service worker.
var mix = [10]kind{rpcRead, rpcRead, page, rpcRead, rpcRead, rpcWrite, rpcRead, asset, rpcRead, rpcRead}

func mixText() string {
	n := map[kind]int{}
	for _, k := range mix {
		n[k]++
	}
	return fmt.Sprintf("%d Connect unary GetTask (proto), %d Connect unary CreateTask (proto, %d bytes of text), %d page GET (%d bytes of HTML, compressed), %d asset GET (%d bytes, precompressed gzip)",
		n[rpcRead], n[rpcWrite], len(writeDescription), n[page], len(pageHTML), n[asset], len(assetJS))
}

// writeDescription is a typical task description: Chinese prose with some
// ASCII, as the keyword filter sees on every write.
var writeDescription = strings.Repeat("我们需要把现有的计费服务从 Python 移植到 Go，保持接口不变，并补充单元测试和部署文档。", 12)

// pageHTML stands for a go-app page: an HTML shell of about 6 KB.
var pageHTML = "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>Talent</title>" +
	strings.Repeat("<link rel=\"preload\" href=\"/web/app.0123abcd.js\" as=\"script\"><meta name=\"description\" content=\"IT 人才市场\">", 40) +
	"</head><body><div id=\"app-wasm-loader\">Loading…</div></body></html>"

// assetJS stands for a content-hashed script of about 24 KB.
var assetJS = strings.Repeat("function f(a,b){return a.map(function(x){return x*b+1})}\n", 420)

const assetPath = "/web/app.0123abcd.js"

// writeAssets writes the asset and its gzip sibling under dir.
func writeAssets(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	name := filepath.Join(dir, strings.TrimPrefix(assetPath, "/web/"))
	if err := os.WriteFile(name, []byte(assetJS), 0o644); err != nil {
		return fmt.Errorf("write asset: %w", err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte(assetJS)); err != nil {
		return fmt.Errorf("compress asset: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress asset: %w", err)
	}
	if err := os.WriteFile(name+".gz", gz.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write asset: %w", err)
	}
	return nil
}

// call sends one request of kind k and checks its answer.
func call(ctx context.Context, t *target, k kind) error {
	switch k {
	case rpcRead:
		res, err := t.client.GetTask(ctx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: "T-000001"}))
		if err != nil {
			return fmt.Errorf("GetTask: %w", err)
		}
		if res.Msg.GetTask().GetRef() != "T-000001" {
			return errors.New("GetTask: wrong task")
		}
	case rpcWrite:
		res, err := t.client.CreateTask(ctx, connect.NewRequest(&tasksv1.CreateTaskRequest{
			Title: "把计费服务移植到 Go", Description: writeDescription, BudgetMinFen: 1_000_000, BudgetMaxFen: 2_000_000,
			DeliveryDate: "2027-03-01", SkillTags: []string{"go", "postgresql"}, Remote: true,
		}))
		if err != nil {
			return fmt.Errorf("CreateTask: %w", err)
		}
		if res.Msg.GetTask().GetRef() == "" {
			return errors.New("CreateTask: no task")
		}
	case page, asset:
		path, want := "/tasks/T-000001", pageHTML
		if k == asset {
			path, want = assetPath, assetJS
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.proc.url+path, nil)
		if err != nil {
			return err
		}
		res, err := t.proc.client.Do(req)
		if err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		// The transport asked for gzip and undoes it: what arrives is
		// what the backend or the file holds.
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		if res.StatusCode != http.StatusOK || string(body) != want {
			return fmt.Errorf("GET %s: %s, %d bytes", path, res.Status, len(body))
		}
	}
	return nil
}

// load runs concurrency callers against t for d and returns every
// successful call's latency. Each caller starts the mix at its own place.
func load(ctx context.Context, t *target, concurrency int, d time.Duration) ([]time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for c := range concurrency {
		wg.Go(func() {
			var mine []time.Duration
			for i := c; ctx.Err() == nil; i++ {
				start := time.Now()
				err := call(ctx, t, mix[i%len(mix)])
				if ctx.Err() != nil {
					break // cut off by the end of the slot: not counted
				}
				if err != nil {
					t.errors.Add(1)
					firstErr.CompareAndSwap(nil, err)
					t.firstErr.CompareAndSwap(nil, err)
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

// startBackend serves the tasks service and the pages on one 127.0.0.1
// port, as talentd does: h2c for RPCs, HTTP/1.1 for pages.
func startBackend() (string, func(), error) {
	mux := http.NewServeMux()
	mux.Handle(tasksv1connect.NewTaskServiceHandler(taskServer{}))
	mux.HandleFunc("GET /tasks/{ref}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, pageHTML)
	})
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

func (taskServer) CreateTask(_ context.Context, req *connect.Request[tasksv1.CreateTaskRequest]) (*connect.Response[tasksv1.CreateTaskResponse], error) {
	return connect.NewResponse(&tasksv1.CreateTaskResponse{Task: &tasksv1.Task{
		Ref: "T-000002", Title: req.Msg.GetTitle(),
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
