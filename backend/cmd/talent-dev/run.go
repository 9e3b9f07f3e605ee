package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/talent-hub/talent/backend/devstack"
)

// config is talent-dev's command line.
type config struct {
	varDir    string // data and logs
	binDir    string // talentd, talent-edge, web/
	caddyfile string
	minio     string // MinIO server binary; "" searches for .tools/bin/minio
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet(filepath.Base(args[0]), flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.varDir, "var", "./var", "directory for data (postgres, redis, minio, caddy) and logs")
	fs.StringVar(&cfg.binDir, "bin", "./bin", "directory with the built talentd, talent-edge and web app (web/)")
	fs.StringVar(&cfg.caddyfile, "caddyfile", "deploy/edge/Caddyfile", "the edge's Caddyfile")
	fs.StringVar(&cfg.minio, "minio", "", "the MinIO server binary (default: .tools/bin/minio above --bin or the working directory)")
	if err := fs.Parse(args[1:]); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	for _, p := range []*string{&cfg.varDir, &cfg.binDir, &cfg.caddyfile} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return config{}, fmt.Errorf("resolve %s: %w", *p, err)
		}
		*p = abs
	}
	return cfg, nil
}

// run starts the platform, seeds the demo data, prints the banner and waits
// for Ctrl-C (ctx done), then stops everything.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	talentd := filepath.Join(cfg.binDir, "talentd")
	edge := filepath.Join(cfg.binDir, "talent-edge")
	webDir := filepath.Join(cfg.binDir, "web")
	for _, need := range []struct{ path, what string }{
		{talentd, "talentd is not built"},
		{edge, "talent-edge is not built"},
		{webDir, "the web app is not built"},
		{cfg.caddyfile, "the edge Caddyfile is missing"},
	} {
		if _, err := os.Stat(need.path); err != nil {
			return fmt.Errorf("%s (%s not found): run `make build`", need.what, need.path)
		}
	}

	logger := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{}
			}
			return a
		},
	}))
	if cfg.minio == "" {
		if cfg.minio, err = devstack.FindMinIO(cfg.binDir); err != nil {
			return err
		}
	}
	ports := devstack.DevPorts()
	stack, err := devstack.StartStack(ctx, devstack.StackOptions{
		Dir:         cfg.varDir,
		Ports:       ports,
		Durable:     true,
		MinIOBinary: cfg.minio,
		Talentd:     talentd,
		TalentdEnv:  []string{"TALENT_COOKIE_SECURE=true"},
		WebDir:      webDir,
		Logger:      logger,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil // Ctrl-C during start: StartStack stopped what it started.
		}
		return err
	}
	stopAll := func() error {
		fmt.Fprintln(stdout, "stopping…")
		if err := stack.Stop(); err != nil {
			return errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		fmt.Fprintln(stdout, "stopped; data kept in "+cfg.varDir)
		return nil
	}

	logger.Info("seeding demo data", "talentd", stack.Talentd.URL)
	accounts, err := seed(ctx, stack.Talentd.URL, h2cClient(), time.Now())
	if err != nil {
		stopErr := stopAll()
		if ctx.Err() != nil {
			return stopErr
		}
		return errors.Join(fmt.Errorf("seed demo data: %w", err), stopErr)
	}

	if err := markDemo(ctx, stack.Postgres.URL, accounts); err != nil {
		return errors.Join(fmt.Errorf("seed demo data: %w", err), stopAll())
	}

	logger.Info("starting talent-edge", "https_port", ports.EdgeHTTPS)
	stack.Edge, err = devstack.StartEdge(ctx, devstack.EdgeConfig{
		Binary:    edge,
		Caddyfile: cfg.caddyfile,
		Env: []string{
			"TALENT_EDGE_HTTPS_ADDR=:" + strconv.Itoa(ports.EdgeHTTPS),
			"TALENT_EDGE_HTTP_PORT=" + strconv.Itoa(ports.EdgeHTTP),
			"TALENT_EDGE_ADMIN=localhost:" + strconv.Itoa(ports.EdgeAdmin),
			"TALENT_UPSTREAM=" + stack.Talentd.HTTPAddr,
			// One talentd serves as both pools of the canary (OPS-4).
			"TALENT_CANARY_UPSTREAM=" + stack.Talentd.HTTPAddr,
			"TALENT_WEB_DIR=" + webDir,
			"TALENT_EDGE_DATA=" + filepath.Join(cfg.varDir, "caddy"),
			// Presigned document URLs reach MinIO under /files/.
			"TALENT_FILES_UPSTREAM=" + stack.MinIO.Endpoint,
		},
		ReadyAddr:       "127.0.0.1:" + strconv.Itoa(ports.EdgeHTTPS),
		ReadyServerName: "localhost",
		Dir:             filepath.Join(cfg.varDir, "caddy"),
		LogFile:         filepath.Join(stack.LogDir, "edge.log"),
	})
	if err != nil {
		stack.Edge = nil
		stopErr := stopAll()
		if ctx.Err() != nil {
			return stopErr
		}
		return errors.Join(err, stopErr)
	}

	printBanner(stdout, cfg, stack, ports, accounts)
	if err := stack.Wait(ctx); err != nil {
		return errors.Join(err, stopAll())
	}
	return stopAll()
}

// h2cClient talks HTTP/2 without TLS, as talentd's listener does.
func h2cClient() *http.Client {
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &protocols}}
}

func printBanner(w io.Writer, cfg config, stack *devstack.Stack, ports devstack.Ports, accounts []demoAccount) {
	rel := func(p string) string {
		if wd, err := os.Getwd(); err == nil {
			if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
				return "./" + r
			}
		}
		return p
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nTalent is running: https://localhost:%d\n", ports.EdgeHTTPS)
	fmt.Fprintf(&b, "  (HTTPS from Caddy's local CA; browsers warn until you trust %s)\n\n",
		rel(filepath.Join(cfg.varDir, "caddy", "pki", "authorities", "local", "root.crt")))
	fmt.Fprintf(&b, "Demo logins, password %q:\n", demoPassword)
	for _, a := range accounts {
		fmt.Fprintf(&b, "  %-9s %-28s %s\n", a.role, a.email, a.displayName)
	}
	fmt.Fprintf(&b, "Phone login: https://localhost:%d/signup/phone with any mainland number; SMS codes are not\n", ports.EdgeHTTPS)
	fmt.Fprintf(&b, "  sent but written to %s (grep 'dev SMS sender')\n", rel(filepath.Join(stack.LogDir, "talentd.log")))
	fmt.Fprintf(&b, "\nData:  %s/{postgres,redis,minio,caddy} (kept between runs; delete %s to start afresh)\n", rel(cfg.varDir), rel(cfg.varDir))
	fmt.Fprintf(&b, "Logs:  %s/{talentd,edge,postgres,redis,minio}.log\n", rel(stack.LogDir))
	fmt.Fprintf(&b, "Direct: talentd %s (h2c), metrics http://%s/metrics, postgres %s,\n", stack.Talentd.URL, stack.Talentd.OpsAddr, stack.Postgres.URL)
	fmt.Fprintf(&b, "        redis %s, MinIO console %s (%s / %s)\n", stack.Redis.URL, stack.MinIO.ConsoleURL, stack.MinIO.AccessKey, stack.MinIO.SecretKey)
	fmt.Fprintf(&b, "\nPress Ctrl-C to stop.\n")
	fmt.Fprint(w, b.String())
}
