package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// RedisConfig says where and how to run Redis.
type RedisConfig struct {
	// Dir is Redis' working directory (append-only file, dumps).
	Dir string
	// Port on 127.0.0.1; 0 picks a free port.
	Port int
	// Binary is redis-server; "" looks it up in PATH.
	Binary string
	// Durable turns on the append-only file so data survives restarts
	// (`make run`); otherwise nothing is written to disk.
	Durable bool
	// Databases is the number of logical databases; 0 means Redis' default
	// of 16. Tests ask for many so that each test gets its own.
	Databases int
	// LogFile receives the server's output; "" means Dir/redis.log.
	LogFile string
	// Output, if set, also receives the server's output.
	Output io.Writer
}

// Redis is a running Redis server.
type Redis struct {
	// URL is redis://127.0.0.1:<port>/0.
	URL string
	// Addr is 127.0.0.1:<port>.
	Addr string
	// Port is the TCP port on 127.0.0.1.
	Port int
	// LogFile is where the server's output goes.
	LogFile string

	proc *process
}

// DatabaseURL returns a URL selecting logical database n.
func (r *Redis) DatabaseURL(n int) string {
	return "redis://" + r.Addr + "/" + strconv.Itoa(n)
}

// Stop shuts the server down.
func (r *Redis) Stop() error {
	return r.proc.stop()
}

// StartRedis starts redis-server and waits until it answers PING.
func StartRedis(ctx context.Context, cfg RedisConfig) (*Redis, error) {
	if cfg.Dir == "" {
		return nil, errors.New("redis: no data directory given")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("redis: resolve dir: %w", err)
	}
	bin := cfg.Binary
	if bin == "" {
		bin, err = exec.LookPath("redis-server")
		if err != nil {
			return nil, errors.New("redis is not installed (redis-server not found in PATH): run `make tools`")
		}
	} else if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("redis is not installed (%s not found): run `make tools`", bin)
	}
	port, err := portOrFree(cfg.Port)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	if err := checkPortFree("redis", port); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("redis: create %s: %w", dir, err)
	}
	logPath := cfg.LogFile
	if logPath == "" {
		logPath = filepath.Join(dir, "redis.log")
	}
	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--daemonize", "no",
		"--save", "",
		"--loglevel", "warning",
	}
	if cfg.Durable {
		args = append(args, "--appendonly", "yes")
	} else {
		args = append(args, "--appendonly", "no")
	}
	if cfg.Databases > 0 {
		args = append(args, "--databases", strconv.Itoa(cfg.Databases))
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = childEnv(nil)
	proc, err := startProcess("redis", cmd, logPath, cfg.Output, syscall.SIGTERM)
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	err = waitReady(ctx, proc, explainPortInUse(port), func(ctx context.Context) error {
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		defer c.Close()
		return c.Ping(ctx).Err()
	})
	if err != nil {
		return nil, err
	}
	return &Redis{
		URL:     "redis://" + addr + "/0",
		Addr:    addr,
		Port:    port,
		LogFile: logPath,
		proc:    proc,
	}, nil
}
