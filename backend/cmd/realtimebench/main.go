// Command realtimebench measures the event stream (TASK-4): how long an
// event takes from its commit to the other party's client, through the
// edge, with two talentd processes and many open streams.
//
// It starts Postgres (track_commit_timestamp on), Redis and MinIO
// (backend/devstack), two talentd processes A and B on the same database
// and talent-edge in front of A (canary weight 0, so every stream lands on
// A). It creates -streams clients, each with tasks awarded to one
// provider, and opens one stream per client over HTTP/2 through the edge
// with the generated Connect client, all from this one process. Then, at
// -rate per second for -duration, -runs times after a -warmup, the
// provider starts work on a task (StartWork, awarded → in progress) sent
// straight to B (h2c), and that task's client's stream on A receives
// "task.changed" after the commit travels A's LISTEN connection. (The
// benchmark once cancelled tasks as the client; cancelling now needs the
// client's step-up, ID-4.)
//
// Each run reports p50, p95, p99 and max of commit→receive, timed from
// Postgres' own commit timestamp of the event row to its arrival here; A's
// talent_events_delivery_seconds over the run (commit→write, before the
// edge); the committing call; and the CPU each process used. -client-cpus
// and -server-cpus pin the load generator and the servers apart; -nice
// runs them (and this session's autogroup) ahead of other jobs.
//
//	go run ./backend/cmd/realtimebench -bin bin
//
// `make bench-realtime` runs it; docs/realtime.md has figures.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/devstack"
	eventsv1 "github.com/talent-hub/talent/proto/talent/events/v1"
	"github.com/talent-hub/talent/proto/talent/events/v1/eventsv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "realtimebench:", err)
		os.Exit(1)
	}
}

type options struct {
	bin, caddyfile, minio  string
	streams, rate, runs    int
	duration               time.Duration
	clientCPUs, serverCPUs string
	warmup                 time.Duration
	nice                   int
	conns                  int
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("realtimebench", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.bin, "bin", "bin", "folder with talentd, talent-edge and web/ (make build)")
	fs.StringVar(&o.caddyfile, "caddyfile", "deploy/edge/Caddyfile", "the edge's Caddyfile")
	fs.StringVar(&o.minio, "minio", devstack.MinIOBinaryPath, "the MinIO server binary")
	fs.IntVar(&o.streams, "streams", 1000, "open streams, one per provider")
	fs.IntVar(&o.rate, "rate", 50, "events committed per second")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "how long to commit events, per run")
	fs.IntVar(&o.runs, "runs", 3, "repetitions on the same streams, each reported")
	fs.IntVar(&o.conns, "conns", 10, "HTTP/2 connections the streams share (browsers: one each)")
	fs.StringVar(&o.clientCPUs, "client-cpus", "", "pin this load generator to these CPUs (taskset list, e.g. 1); \"\" shares all")
	fs.StringVar(&o.serverCPUs, "server-cpus", "", "pin talentd, the edge, Postgres, Redis and MinIO to these CPUs (e.g. 0)")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "commit events this long first, reported apart (new pool connections, plan and function caches)")
	fs.IntVar(&o.nice, "nice", 0, "run the load generator and the servers at this nice value (-20..19; below 0 needs root): shows what other jobs' CPU does to the tail")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.streams < 1 || o.streams > 5000 || o.rate < 1 || o.rate > 1000 || o.duration > 5*time.Minute || o.conns < 1 || o.runs < 1 || o.runs > 10 || o.warmup < 0 || o.warmup > time.Minute || o.nice < -20 || o.nice > 19 {
		return errors.New("keep it bounded: -streams 1..5000, -rate 1..1000, -duration at most 5m, -conns at least 1, -runs 1..10, -warmup at most 1m")
	}
	dir, err := os.MkdirTemp("", "realtimebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil { // Postgres runs as another user
		return err
	}

	fmt.Fprintf(stdout, "starting Postgres, Redis, MinIO, talentd A and B, talent-edge in %s\n", dir)
	p, err := startPlatform(ctx, dir, o)
	if err != nil {
		return err
	}
	defer p.stop()
	defer p.unpin()
	if err := p.pin(o); err != nil {
		return err
	}

	perRun := o.rate * int(math.Ceil(o.duration.Seconds()))
	warm := int(float64(o.rate) * o.warmup.Seconds())
	fmt.Fprintf(stdout, "creating %d clients, %d providers and %d awarded tasks\n", o.streams, o.streams, warm+perRun*o.runs)
	w, err := seed(ctx, p.dbURL, o.streams, warm+perRun*o.runs)
	if err != nil {
		return err
	}
	// Each run starts work on its share of the tasks in random order:
	// random clients.
	mrand.Shuffle(len(w.tasks), func(i, j int) { w.tasks[i], w.tasks[j] = w.tasks[j], w.tasks[i] })
	conn, err := pgx.Connect(ctx, p.dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))

	// The streams: through the edge, HTTP/2, over -conns connections. A
	// stream stamps the arrival of its task's event into received[index]:
	// no allocation or lock per event on the receiving side.
	var clients []eventsv1connect.EventServiceClient
	for range o.conns {
		clients = append(clients, eventsv1connect.NewEventServiceClient(p.edgeClient(), p.edgeURL))
	}
	index := make(map[string]int, len(w.tasks))
	for i, ref := range w.tasks {
		index[ref] = i
	}
	received := make([]atomic.Int64, len(w.tasks)) // unix ns
	var (
		ready    sync.WaitGroup
		failures atomic.Int64
	)
	sctx, cancelStreams := context.WithCancel(ctx)
	defer cancelStreams()
	ready.Add(o.streams)
	var streamsDone sync.WaitGroup
	for i, token := range w.streamTokens {
		streamsDone.Add(1)
		go func() {
			defer streamsDone.Done()
			req := connect.NewRequest(&eventsv1.SubscribeRequest{})
			req.Header().Set("Authorization", "Bearer "+token)
			stream, err := clients[i%len(clients)].Subscribe(sctx, req)
			if err != nil {
				failures.Add(1)
				ready.Done()
				return
			}
			defer stream.Close()
			isReady := false
			for stream.Receive() {
				m := stream.Msg()
				if m.GetReady() != nil && !isReady {
					isReady = true
					ready.Done()
				}
				ev := m.GetEvent()
				if ev == nil || ev.GetKind() != "task.changed" {
					continue
				}
				at := time.Now().UnixNano()
				if k, ok := index[ev.GetTask()]; ok {
					received[k].CompareAndSwap(0, at)
				}
			}
			if !isReady {
				failures.Add(1)
				ready.Done()
			}
		}()
	}
	start := time.Now()
	ready.Wait()
	if n := failures.Load(); n > 0 {
		return fmt.Errorf("%d of %d streams did not open: see %s", n, o.streams, p.logDir)
	}
	fmt.Fprintf(stdout, "%d streams open and live through the edge in %v\n", o.streams, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "machine: %d CPUs (%s), shared by this load generator, 2 talentd, the edge, Postgres, Redis, MinIO and whatever else runs\n", runtime.NumCPU(), cpuModel())
	if o.clientCPUs != "" || o.serverCPUs != "" {
		fmt.Fprintf(stdout, "pinned: load generator on CPUs %q, servers on CPUs %q\n", o.clientCPUs, o.serverCPUs)
	}

	if o.nice != 0 {
		fmt.Fprintf(stdout, "niced: load generator and servers at nice %d, every other process as it was\n", o.nice)
	}

	if warm > 0 {
		res, err := p.measure(ctx, conn, o, w, w.tasks[:warm], index, received)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwarm-up, not counted: ")
		res.print(stdout, o)
	}
	var all result
	for r := range o.runs {
		tasks := w.tasks[warm+r*perRun : warm+(r+1)*perRun]
		res, err := p.measure(ctx, conn, o, w, tasks, index, received)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nrun %d of %d: ", r+1, o.runs)
		res.print(stdout, o)
		all.add(res)
	}
	cancelStreams()
	streamsDone.Wait()
	if o.runs > 1 {
		fmt.Fprintf(stdout, "\nall %d runs together: ", o.runs)
		all.print(stdout, o)
	}
	if all.lost > 0 {
		return fmt.Errorf("%d events never arrived", all.lost)
	}
	return nil
}

// result is one run's figures.
type result struct {
	events, callErrs, lost int
	commitToReceive        []time.Duration // exact: Postgres' commit timestamp to arrival
	callToReceive          []time.Duration // from before the committing call
	call                   []time.Duration // the committing call itself
	server                 histogram       // talentd A: commit → write on the stream
	cpu                    []procCPU
	wall                   time.Duration
	machineBusy            float64 // CPU seconds all processes used in the window
	load                   string
}

func (r *result) add(o *result) {
	r.events += o.events
	r.callErrs += o.callErrs
	r.lost += o.lost
	r.commitToReceive = append(r.commitToReceive, o.commitToReceive...)
	r.callToReceive = append(r.callToReceive, o.callToReceive...)
	r.call = append(r.call, o.call...)
	r.server.add(o.server)
	r.wall += o.wall
	r.machineBusy += o.machineBusy
	if r.cpu == nil {
		r.cpu = make([]procCPU, len(o.cpu))
		copy(r.cpu, o.cpu)
	} else {
		for i := range r.cpu {
			r.cpu[i].seconds += o.cpu[i].seconds
		}
	}
	r.load = o.load
}

func (r *result) print(w io.Writer, o options) {
	for _, l := range [][]time.Duration{r.commitToReceive, r.callToReceive, r.call} {
		slices.Sort(l)
	}
	fmt.Fprintf(w, "%d events at %d/s to %d open streams (2 talentd, edge, HTTP/2 over %d connections); load average before: %s\n",
		r.events, o.rate, o.streams, o.conns, r.load)
	fmt.Fprintf(w, "  commit→receive (Postgres commit timestamp → client): %s\n", summary(r.commitToReceive))
	fmt.Fprintf(w, "  talentd A, commit→write on the stream (histogram):   %s\n", r.server.summary())
	fmt.Fprintf(w, "  from before the committing call → client:           %s\n", summary(r.callToReceive))
	fmt.Fprintf(w, "  the committing call (StartWork on B):               %s\n", summary(r.call))
	fmt.Fprintf(w, "  received %d, call errors %d, lost %d\n", len(r.commitToReceive), r.callErrs, r.lost)
	secs := r.wall.Seconds()
	var ours float64
	fmt.Fprintf(w, "  CPU over %.1fs (%% of one core):", secs)
	for _, c := range r.cpu {
		ours += c.seconds
		fmt.Fprintf(w, " %s %.0f%%", c.name, 100*c.seconds/secs)
	}
	fmt.Fprintf(w, "; everything else on the machine %.0f%% of %d cores\n", 100*max(r.machineBusy-ours, 0)/secs, runtime.NumCPU())
}

// measure commits len(tasks) events at o.rate and times them.
func (p *platform) measure(ctx context.Context, conn *pgx.Conn, o options, w *world, tasks []string, index map[string]int, received []atomic.Int64) (*result, error) {
	res := &result{events: len(tasks), load: loadAverage()}
	before, err := p.metricsA(ctx)
	if err != nil {
		return nil, err
	}
	cpu0 := p.cpuTimes()
	busy0 := machineBusy()
	t0 := time.Now()

	// The commits: StartWork straight to talentd B, paced.
	tasksB := tasksv1connect.NewMarketServiceClient(p.h2cClient(), p.talentdB)
	tick := time.NewTicker(time.Second / time.Duration(o.rate))
	defer tick.Stop()
	sent := make([]int64, len(tasks)) // unix ns before each call
	var (
		calls    sync.WaitGroup
		callErrs atomic.Int64
		mu       sync.Mutex
	)
	for i, ref := range tasks {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
		calls.Add(1)
		go func() {
			defer calls.Done()
			req := connect.NewRequest(&tasksv1.StartWorkRequest{IdOrRef: ref})
			req.Header().Set("Authorization", "Bearer "+w.actorTokens[ref])
			t0 := time.Now()
			sent[i] = t0.UnixNano()
			_, err := tasksB.StartWork(ctx, req)
			d := time.Since(t0)
			mu.Lock()
			res.call = append(res.call, d)
			mu.Unlock()
			if err != nil {
				sent[i] = 0
				if callErrs.Add(1) == 1 {
					fmt.Fprintf(os.Stderr, "StartWork %s: %v\n", ref, err)
				}
			}
		}()
	}
	calls.Wait()
	// Let the last events arrive.
	arrived := func() int {
		n := 0
		for _, ref := range tasks {
			if received[index[ref]].Load() != 0 {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if arrived()+int(callErrs.Load()) >= len(tasks) {
			break
		}
	}
	res.wall = time.Since(t0)
	cpu1 := p.cpuTimes()
	res.machineBusy = machineBusy() - busy0
	for i := range cpu1 {
		cpu1[i].seconds -= cpu0[i].seconds
	}
	res.cpu = cpu1
	// talentd times what it sent once a second: let it catch up.
	time.Sleep(1500 * time.Millisecond)
	after, err := p.metricsA(ctx)
	if err != nil {
		return nil, err
	}
	res.server = after.sub(before)
	res.callErrs = int(callErrs.Load())

	// When each event's transaction committed, by Postgres' own clock
	// (track_commit_timestamp; same host, same clock as ours).
	rows, err := conn.Query(ctx, `
		SELECT 'T-' || lpad(t.ref_no::text, 6, '0'), (extract(epoch FROM pg_xact_commit_timestamp(e.xmin)) * 1e9)::bigint
		FROM events e JOIN tasks t ON t.id = e.task_id
		WHERE e.kind = 'task.changed' AND e.user_id = t.client_id
		  AND 'T-' || lpad(t.ref_no::text, 6, '0') = ANY($1)`, tasks)
	if err != nil {
		return nil, fmt.Errorf("read commit timestamps: %w", err)
	}
	committed := map[string]int64{}
	for rows.Next() {
		var ref string
		var ns int64
		if err := rows.Scan(&ref, &ns); err != nil {
			return nil, err
		}
		committed[ref] = ns
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, ref := range tasks {
		at := received[index[ref]].Load()
		if at == 0 {
			if sent[i] != 0 {
				res.lost++
			}
			continue
		}
		if c, ok := committed[ref]; ok {
			res.commitToReceive = append(res.commitToReceive, time.Duration(at-c))
		}
		if sent[i] != 0 {
			res.callToReceive = append(res.callToReceive, time.Duration(at-sent[i]))
		}
	}
	return res, nil
}

// summary gives p50, p95, p99 and max of sorted durations.
func summary(l []time.Duration) string {
	if len(l) == 0 {
		return "none"
	}
	pct := func(q float64) time.Duration {
		return l[min(len(l)-1, max(0, int(math.Ceil(q*float64(len(l))))-1))].Round(10 * time.Microsecond)
	}
	return fmt.Sprintf("p50 %v  p95 %v  p99 %v  max %v  (n=%d)", pct(0.50), pct(0.95), pct(0.99), l[len(l)-1].Round(10*time.Microsecond), len(l))
}

// platform is what the benchmark runs against.
type platform struct {
	stack    *devstack.Stack
	b        *devstack.Talentd
	edge     *devstack.Edge
	edgeURL  string
	talentdB string
	dbURL    string
	logDir   string
	roots    *x509.CertPool
	// autogroupNice is this session's autogroup nice before -nice.
	autogroupNice string
}

func (p *platform) stop() {
	if p.edge != nil {
		p.edge.Stop()
	}
	if p.b != nil {
		p.b.Stop()
	}
	p.stack.Stop()
}

func startPlatform(ctx context.Context, dir string, o options) (*platform, error) {
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return nil, err
	}
	minio, err := filepath.Abs(o.minio)
	if err != nil {
		return nil, err
	}
	caddyfile, err := filepath.Abs(o.caddyfile)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	talentdEnv := []string{"TALENT_LOG_LEVEL=warn", "TALENT_PER_IP_LIMIT_FACTOR=100"}
	stack, err := devstack.StartStack(sctx, devstack.StackOptions{
		Dir: dir,
		// Commit timestamps: the start of every figure below.
		PostgresSettings: []string{"track_commit_timestamp=on"},
		MinIOBinary:      minio,
		Talentd:          filepath.Join(bin, "talentd"),
		TalentdEnv:       talentdEnv,
		WebDir:           filepath.Join(bin, "web"),
	})
	if err != nil {
		return nil, err
	}
	p := &platform{stack: stack, dbURL: stack.Postgres.URL, logDir: stack.LogDir}
	env := append([]string{
		"TALENT_DATABASE_URL=" + stack.Postgres.URL,
		"TALENT_REDIS_URL=" + stack.Redis.URL,
		"TALENT_S3_ENDPOINT=" + stack.MinIO.Endpoint,
		"TALENT_S3_ACCESS_KEY=" + stack.MinIO.AccessKey,
		"TALENT_S3_SECRET_KEY=" + stack.MinIO.SecretKey,
		"TALENT_S3_SECURE=false",
		"TALENT_LOG_FORMAT=json",
		"TALENT_WEB_DIR=" + filepath.Join(bin, "web"),
		"TALENT_MIGRATE=false",
		"TALENT_FIELD_KEYS=" + stack.FieldKeys,
	}, talentdEnv...)
	if p.b, err = devstack.StartTalentd(sctx, devstack.TalentdConfig{
		Binary: filepath.Join(bin, "talentd"), Env: env, LogFile: filepath.Join(stack.LogDir, "talentd-b.log"),
	}); err != nil {
		p.stop()
		return nil, err
	}
	p.talentdB = p.b.URL
	var ports [3]int
	for i := range ports {
		if ports[i], err = devstack.FreePort(); err != nil {
			p.stop()
			return nil, err
		}
	}
	caddyDir := filepath.Join(dir, "caddy")
	if p.edge, err = devstack.StartEdge(sctx, devstack.EdgeConfig{
		Binary:    filepath.Join(bin, "talent-edge"),
		Caddyfile: caddyfile,
		Env: []string{
			"TALENT_EDGE_HTTPS_ADDR=:" + strconv.Itoa(ports[0]),
			"TALENT_EDGE_HTTP_PORT=" + strconv.Itoa(ports[1]),
			"TALENT_EDGE_ADMIN=localhost:" + strconv.Itoa(ports[2]),
			"TALENT_UPSTREAM=" + stack.Talentd.HTTPAddr,
			// Every stream to A; B only commits.
			"TALENT_CANARY_UPSTREAM=" + p.b.HTTPAddr,
			"TALENT_CANARY_WEIGHT=0",
			"TALENT_WEB_DIR=" + filepath.Join(bin, "web"),
			"TALENT_EDGE_DATA=" + caddyDir,
		},
		ReadyAddr:       "127.0.0.1:" + strconv.Itoa(ports[0]),
		ReadyServerName: "localhost",
		Dir:             caddyDir,
		LogFile:         filepath.Join(stack.LogDir, "edge.log"),
	}); err != nil {
		p.stop()
		return nil, err
	}
	p.edgeURL = "https://localhost:" + strconv.Itoa(ports[0])
	pem, err := os.ReadFile(filepath.Join(caddyDir, "caddy", "pki", "authorities", "local", "root.crt"))
	if err != nil {
		pem, err = os.ReadFile(filepath.Join(caddyDir, "pki", "authorities", "local", "root.crt"))
	}
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("read the edge's root certificate: %w", err)
	}
	p.roots = x509.NewCertPool()
	p.roots.AppendCertsFromPEM(pem)
	return p, nil
}

// edgeClient speaks HTTP/2 over TLS to the edge: one connection per client.
func (p *platform) edgeClient() *http.Client {
	var protocols http.Protocols
	protocols.SetHTTP2(true)
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: p.roots, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2: true,
		Protocols:         &protocols,
	}}
}

// h2cClient speaks HTTP/2 without TLS, straight to a talentd.
func (p *platform) h2cClient() *http.Client {
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &protocols}}
}

// world is the seeded data.
type world struct {
	streamTokens []string          // the clients': one stream each
	tasks        []string          // readable references: client i's task is awarded to provider i
	actorTokens  map[string]string // by task: its provider's session, which starts the work
}

// seed creates pairs clients and pairs providers with sessions, and n
// tasks, round robin: client i's tasks are awarded to provider i. With SQL:
// the benchmark is about streams, not sign-ups.
func seed(ctx context.Context, dbURL string, pairs, n int) (*world, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	token := func(user string) (string, error) {
		b := make([]byte, 32)
		rand.Read(b)
		t := base64.RawURLEncoding.EncodeToString(b)
		h := sha256.Sum256([]byte(t))
		_, err := conn.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expire_time) VALUES ($1, $2, now() + interval '1 day')`, h[:], user)
		return t, err
	}
	newUser := func(role string, i int) (string, error) {
		var id string
		err := conn.QueryRow(ctx, `
			INSERT INTO users (email, password_hash, display_name, roles, consent_version)
			VALUES ($1, 'not-a-hash', $2, ARRAY[$3]::text[], 'bench') RETURNING id`,
			fmt.Sprintf("%s-%d@bench.example.com", role, i), fmt.Sprintf("Bench %s %d", role, i), role).Scan(&id)
		return id, err
	}
	w := &world{}
	var ids, pids, ptokens []string
	for i := range pairs {
		id, err := newUser("client", i)
		if err != nil {
			return nil, fmt.Errorf("seed client: %w", err)
		}
		t, err := token(id)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
		w.streamTokens = append(w.streamTokens, t)
		pid, err := newUser("provider", i)
		if err != nil {
			return nil, fmt.Errorf("seed provider: %w", err)
		}
		if t, err = token(pid); err != nil {
			return nil, err
		}
		pids = append(pids, pid)
		ptokens = append(ptokens, t)
	}
	rows, err := conn.Query(ctx, `
		INSERT INTO tasks (client_id, provider_id, title, budget_min_fen, budget_max_fen, delivery_date, skill_tags, status)
		SELECT ($1::uuid[])[1 + (i % cardinality($1::uuid[]))], ($2::uuid[])[1 + (i % cardinality($2::uuid[]))],
		       'Bench task ' || i, 100000, 200000, DATE '2030-01-01', ARRAY['go'], 'awarded'
		FROM generate_series(0, $3 - 1) AS i
		RETURNING 'T-' || lpad(ref_no::text, 6, '0'), provider_id::text`, ids, pids, n)
	if err != nil {
		return nil, fmt.Errorf("seed tasks: %w", err)
	}
	tokenOf := make(map[string]string, len(pids))
	for i, pid := range pids {
		tokenOf[pid] = ptokens[i]
	}
	w.actorTokens = make(map[string]string, n)
	for rows.Next() {
		var ref, pid string
		if err := rows.Scan(&ref, &pid); err != nil {
			return nil, fmt.Errorf("seed tasks: %w", err)
		}
		w.tasks = append(w.tasks, ref)
		w.actorTokens[ref] = tokenOf[pid]
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("seed tasks: %w", err)
	}
	return w, nil
}
