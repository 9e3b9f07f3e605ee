package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
)

// Ports are the fixed ports of a Stack; 0 picks a free port (except for the
// edge, which needs EdgeHTTPS set to be started).
type Ports struct {
	Postgres, Redis, MinIO, MinIOConsole int
	TalentdHTTP, TalentdOps              int
	// EdgeHTTPS, EdgeHTTP and EdgeAdmin are the edge's HTTPS listener (on all
	// interfaces), its HTTP→HTTPS redirect port and its admin API
	// (localhost only).
	EdgeHTTPS, EdgeHTTP, EdgeAdmin int
}

// DevPorts returns the fixed local ports `make run` uses.
func DevPorts() Ports {
	return Ports{
		Postgres: 15432, Redis: 16379, MinIO: 19000, MinIOConsole: 19001,
		TalentdHTTP: 18080, TalentdOps: 19090,
		EdgeHTTPS: 8443, EdgeHTTP: 8088, EdgeAdmin: 12019,
	}
}

// StackOptions say what a Stack starts and where its data lives.
type StackOptions struct {
	// Dir holds everything: Dir/postgres, Dir/redis, Dir/minio, Dir/caddy and
	// the logs in Dir/log.
	Dir   string
	Ports Ports
	// Durable keeps data safe across crashes (fsync on, Redis AOF); tests
	// leave it false for speed.
	Durable bool

	// PostgresBinDir, RedisBinary and MinIOBinary override where the
	// dependencies' programs are found (see the per-server configs).
	PostgresBinDir, RedisBinary, MinIOBinary string
	// PostgresSettings are extra Postgres settings, "name=value" each.
	PostgresSettings []string

	// Talentd is the built talentd binary; "" starts only the dependencies.
	Talentd string
	// TalentdEnv holds extra "KEY=value" variables for talentd; they win
	// over the ones the stack sets (database, Redis, S3, web dir).
	TalentdEnv []string
	// WebDir is the built web app (TALENT_WEB_DIR for talentd and the edge).
	WebDir string

	// Edge is the built talent-edge binary; "" (or no Talentd) skips the
	// edge.
	Edge string
	// Caddyfile is the edge config (deploy/edge/Caddyfile).
	Caddyfile string
	// EdgeEnv holds extra "KEY=value" variables for the edge.
	EdgeEnv []string

	// Logger reports progress; nil discards it.
	Logger *slog.Logger
	// Output, if set, also receives every child's output.
	Output io.Writer
}

// Stack is the whole platform running locally: the dependencies and,
// optionally, talentd and the edge. Fields are nil for parts not started.
type Stack struct {
	Postgres *Postgres
	Redis    *Redis
	MinIO    *MinIO
	Talentd  *Talentd
	Edge     *Edge
	// LogDir holds talentd.log and edge.log (the dependencies log into
	// their own dirs).
	LogDir string
	// EdgeURL is the HTTPS address browsers use, when the edge runs.
	EdgeURL string
	// FieldKeys is talentd's TALENT_FIELD_KEYS, for another talentd on the
	// same database.
	FieldKeys string
}

// StartStack starts Postgres, Redis and MinIO, then talentd and the edge if
// their binaries are given. On failure it stops what it started and returns
// one readable error.
func StartStack(ctx context.Context, opts StackOptions) (*Stack, error) {
	if opts.Dir == "" {
		return nil, errors.New("stack: no data directory given")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("stack: resolve dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("stack: create %s: %w", dir, err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Stack{LogDir: filepath.Join(dir, "log")}
	fail := func(err error) (*Stack, error) {
		_ = s.Stop()
		return nil, err
	}

	logger.Info("starting postgres", "port", opts.Ports.Postgres)
	if s.Postgres, err = StartPostgres(ctx, PostgresConfig{
		Dir:      filepath.Join(dir, "postgres"),
		Port:     opts.Ports.Postgres,
		BinDir:   opts.PostgresBinDir,
		Fast:     !opts.Durable,
		Settings: opts.PostgresSettings,
		LogFile:  filepath.Join(s.LogDir, "postgres.log"),
		Output:   opts.Output,
	}); err != nil {
		return fail(err)
	}
	logger.Info("starting redis", "port", opts.Ports.Redis)
	if s.Redis, err = StartRedis(ctx, RedisConfig{
		Dir:     filepath.Join(dir, "redis"),
		Port:    opts.Ports.Redis,
		Binary:  opts.RedisBinary,
		Durable: opts.Durable,
		LogFile: filepath.Join(s.LogDir, "redis.log"),
		Output:  opts.Output,
	}); err != nil {
		return fail(err)
	}
	logger.Info("starting minio", "port", opts.Ports.MinIO)
	if s.MinIO, err = StartMinIO(ctx, MinIOConfig{
		Dir:         filepath.Join(dir, "minio"),
		Port:        opts.Ports.MinIO,
		ConsolePort: opts.Ports.MinIOConsole,
		Binary:      opts.MinIOBinary,
		LogFile:     filepath.Join(s.LogDir, "minio.log"),
		Output:      opts.Output,
	}); err != nil {
		return fail(err)
	}
	if opts.Talentd == "" {
		return s, nil
	}

	env := []string{
		"TALENT_DATABASE_URL=" + s.Postgres.URL,
		"TALENT_REDIS_URL=" + s.Redis.URL,
		"TALENT_S3_ENDPOINT=" + s.MinIO.Endpoint,
		"TALENT_S3_ACCESS_KEY=" + s.MinIO.AccessKey,
		"TALENT_S3_SECRET_KEY=" + s.MinIO.SecretKey,
		"TALENT_S3_SECURE=false",
		"TALENT_LOG_FORMAT=json",
	}
	if opts.WebDir != "" {
		env = append(env, "TALENT_WEB_DIR="+opts.WebDir)
	}
	fieldKeys, err := DevFieldKeys(dir)
	if err != nil {
		return fail(err)
	}
	env = append(env, "TALENT_FIELD_KEYS="+fieldKeys)
	s.FieldKeys = fieldKeys
	if opts.Ports.EdgeHTTPS != 0 {
		env = append(env, "TALENT_WEBAUTHN_ORIGINS=https://localhost:"+strconv.Itoa(opts.Ports.EdgeHTTPS))
	}
	env = append(env, opts.TalentdEnv...)
	logger.Info("starting talentd", "http_port", opts.Ports.TalentdHTTP, "ops_port", opts.Ports.TalentdOps)
	if s.Talentd, err = StartTalentd(ctx, TalentdConfig{
		Binary:   opts.Talentd,
		Env:      env,
		HTTPAddr: localAddr(opts.Ports.TalentdHTTP),
		OpsAddr:  localAddr(opts.Ports.TalentdOps),
		LogFile:  filepath.Join(s.LogDir, "talentd.log"),
		Output:   opts.Output,
	}); err != nil {
		return fail(err)
	}
	if opts.Edge == "" {
		return s, nil
	}

	p := opts.Ports
	if p.EdgeHTTPS == 0 || p.EdgeHTTP == 0 || p.EdgeAdmin == 0 {
		return fail(errors.New("talent-edge: the stack needs fixed EdgeHTTPS, EdgeHTTP and EdgeAdmin ports"))
	}
	edgeEnv := []string{
		"TALENT_EDGE_HTTPS_ADDR=:" + strconv.Itoa(p.EdgeHTTPS),
		"TALENT_EDGE_HTTP_PORT=" + strconv.Itoa(p.EdgeHTTP),
		"TALENT_EDGE_ADMIN=localhost:" + strconv.Itoa(p.EdgeAdmin),
		"TALENT_UPSTREAM=" + s.Talentd.HTTPAddr,
		// One talentd serves as both pools of the canary (OPS-4).
		"TALENT_CANARY_UPSTREAM=" + s.Talentd.HTTPAddr,
		"TALENT_WEB_DIR=" + opts.WebDir,
		"TALENT_EDGE_DATA=" + filepath.Join(dir, "caddy"),
		// The keyword lists admins manage, from talentd's ops listener
		// (SEC-5; docs/ops/keywords.md).
		"TALENT_KEYWORDS_URL=http://" + s.Talentd.OpsAddr + "/keywords",
		// Browsers reach presigned file URLs through the edge's /files/.
		"TALENT_S3_ENDPOINT=" + s.MinIO.Endpoint,
	}
	edgeEnv = append(edgeEnv, opts.EdgeEnv...)
	logger.Info("starting talent-edge", "https_port", p.EdgeHTTPS)
	if s.Edge, err = StartEdge(ctx, EdgeConfig{
		Binary:          opts.Edge,
		Caddyfile:       opts.Caddyfile,
		Env:             edgeEnv,
		ReadyAddr:       "127.0.0.1:" + strconv.Itoa(p.EdgeHTTPS),
		ReadyServerName: "localhost",
		Dir:             filepath.Join(dir, "caddy"),
		LogFile:         filepath.Join(s.LogDir, "edge.log"),
		Output:          opts.Output,
	}); err != nil {
		return fail(err)
	}
	s.EdgeURL = "https://localhost:" + strconv.Itoa(p.EdgeHTTPS)
	return s, nil
}

// Stop stops everything that runs, in reverse start order.
func (s *Stack) Stop() error {
	var errs []error
	if s.Edge != nil {
		errs = append(errs, s.Edge.Stop())
	}
	if s.Talentd != nil {
		errs = append(errs, s.Talentd.Stop())
	}
	if s.MinIO != nil {
		errs = append(errs, s.MinIO.Stop())
	}
	if s.Redis != nil {
		errs = append(errs, s.Redis.Stop())
	}
	if s.Postgres != nil {
		errs = append(errs, s.Postgres.Stop())
	}
	return errors.Join(errs...)
}

// localAddr returns 127.0.0.1:port, or "" (a free port) for 0.
func localAddr(port int) string {
	if port == 0 {
		return ""
	}
	return "127.0.0.1:" + strconv.Itoa(port)
}

// Wait blocks until ctx is done, returning nil, or until one of the running
// children exits on its own, returning an error that names it and quotes
// the end of its log.
func (s *Stack) Wait(ctx context.Context) error {
	var procs []*process
	if s.Postgres != nil {
		procs = append(procs, s.Postgres.proc)
	}
	if s.Redis != nil {
		procs = append(procs, s.Redis.proc)
	}
	if s.MinIO != nil {
		procs = append(procs, s.MinIO.proc)
	}
	if s.Talentd != nil {
		procs = append(procs, s.Talentd.proc)
	}
	if s.Edge != nil {
		procs = append(procs, s.Edge.proc)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	exited := make(chan *process, len(procs))
	for _, p := range procs {
		go func() {
			select {
			case <-p.done:
				exited <- p
			case <-ctx.Done():
			}
		}()
	}
	select {
	case <-ctx.Done():
		return nil
	case p := <-exited:
		return p.failure("exited unexpectedly ("+exitReason(p.waitErr)+")", nil)
	}
}

func exitReason(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}
