package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/talent-hub/talent/backend/blob"
	"github.com/talent-hub/talent/backend/cache"
	"github.com/talent-hub/talent/backend/events"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/telemetry"
)

// shutdownTimeout bounds how long in-flight requests may take to finish
// after a shutdown signal.
const shutdownTimeout = 15 * time.Second

// run starts talentd and serves until ctx is cancelled, then shuts down
// gracefully. args[0] is the program name. Logs go to stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 1 && args[1] == "rotate-keys" {
		return rotateKeys(ctx, args[1:], getenv, stdout)
	}
	if len(args) > 1 && args[1] == "grant-role" {
		return grantRole(ctx, args[1:], getenv, stdout)
	}
	if len(args) > 1 && args[1] == "verify-audit" {
		return verifyAudit(ctx, args[1:], getenv, stdout)
	}
	cfg, err := parseConfig(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	logger := telemetry.NewLogger(stdout, cfg.LogFormat, cfg.LogLevel)
	logger.Info("starting talentd", "config", cfg)

	db, err := postgres.Open(ctx, cfg.DatabaseURL, cfg.DatabaseReplicaURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.Migrate {
		if err := postgres.Migrate(ctx, cfg.DatabaseURL, logger); err != nil {
			return err
		}
	}
	rdb, err := cache.Open(ctx, cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	store, err := blob.Open(ctx, blob.Config{
		Endpoint:  cfg.S3Endpoint,
		AccessKey: cfg.S3AccessKey,
		SecretKey: cfg.S3SecretKey,
		Secure:    cfg.S3Secure,
		Buckets:   []string{blob.DocumentsBucket},
	})
	if err != nil {
		return err
	}

	metrics := telemetry.NewMetrics()
	registry := prometheus.NewRegistry()
	if err := registry.Register(collectors.NewGoCollector()); err != nil {
		return fmt.Errorf("register go metrics: %w", err)
	}
	if err := registry.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return fmt.Errorf("register process metrics: %w", err)
	}
	if err := registry.Register(postgres.NewPoolCollector(db)); err != nil {
		return fmt.Errorf("register postgres pool metrics: %w", err)
	}
	if err := registry.Register(metrics); err != nil {
		return fmt.Errorf("register rpc metrics: %w", err)
	}

	// One hub per process wakes its event streams (TASK-4).
	hub := events.NewHub(logger)
	if err := registry.Register(hub); err != nil {
		return fmt.Errorf("register event metrics: %w", err)
	}
	// The keyword lists (SEC-5), kept current in every process: the
	// services check texts with them and the ops listener serves them to
	// the edges.
	checker := moderation.NewChecker(db, logger, moderation.CheckerOptions{})
	handler, err := newHandler(ctx, cfg, logger, db, rdb, store, metrics, registry, hub, checker)
	if err != nil {
		return err
	}
	ready := func(ctx context.Context) error {
		if err := db.Ping(ctx); err != nil {
			return err
		}
		if err := rdb.Ping(ctx).Err(); err != nil {
			return fmt.Errorf("ping redis: %w", err)
		}
		return store.Ping(ctx)
	}
	opsHandler := newOpsHandler(logger, registry, ready, moderation.KeywordsHandler(checker))

	httpLn, err := listen(ctx, cfg.HTTPAddr)
	if err != nil {
		return err
	}
	opsLn, err := listen(ctx, cfg.OpsAddr)
	if err != nil {
		httpLn.Close()
		return err
	}
	errorLog := slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	// One listener speaks HTTP/1.1 (Connect, gRPC-Web, pages) and unencrypted
	// HTTP/2 with prior knowledge (gRPC, Connect); TLS ends at the edge.
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	httpSrv := &http.Server{
		Handler:           handler,
		Protocols:         &protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          errorLog,
	}
	opsSrv := &http.Server{
		Handler:           opsHandler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          errorLog,
	}
	logger.Info("listening", "http_addr", httpLn.Addr().String(), "ops_addr", opsLn.Addr().String())

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		checker.Run(gctx)
		return nil
	})
	g.Go(func() error {
		if err := httpSrv.Serve(httpLn); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		if err := opsSrv.Serve(opsLn); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve ops: %w", err)
		}
		return nil
	})
	if cfg.serves(serviceEvents) {
		g.Go(func() error { return hub.Listen(gctx, db.Primary.Config().ConnConfig) })
		g.Go(func() error { pruneEvents(gctx, logger, db); return nil })
	}
	g.Go(func() error {
		<-gctx.Done()
		logger.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), shutdownTimeout)
		defer cancel()
		var errs []error
		if err := httpSrv.Shutdown(sctx); err != nil {
			httpSrv.Close()
			errs = append(errs, fmt.Errorf("shut down http server: %w", err))
		}
		if err := opsSrv.Shutdown(sctx); err != nil {
			opsSrv.Close()
			errs = append(errs, fmt.Errorf("shut down ops server: %w", err))
		}
		return errors.Join(errs...)
	})
	if err := g.Wait(); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// listen opens a TCP listener on addr. Its error is one short line, such as
// "listen on 127.0.0.1:8080: address already in use".
func listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		if sysErr, ok := errors.AsType[*os.SyscallError](err); ok {
			err = sysErr.Err
		}
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// pruneEvents deletes expired events hourly until ctx is done. Every
// process serving events does it; the deletes are idempotent.
func pruneEvents(ctx context.Context, logger *slog.Logger, db *postgres.DB) {
	svc := events.New(db, nil, logger, events.Options{})
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if n, err := svc.Prune(ctx); err != nil {
				logger.WarnContext(ctx, "prune events", "error", err)
			} else if n > 0 {
				logger.InfoContext(ctx, "pruned events", "deleted", n)
			}
		}
	}
}
