package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// MinIOBinaryPath is where `make tools` installs the MinIO server, relative
// to the repository root.
const MinIOBinaryPath = ".tools/bin/minio"

// Default MinIO credentials for local runs and tests.
const (
	DefaultMinIOAccessKey = "talent"
	DefaultMinIOSecretKey = "talent-dev-secret"
)

// MinIOConfig says where and how to run MinIO.
type MinIOConfig struct {
	// Dir holds the object data in Dir/data.
	Dir string
	// Port is the S3 API port on 127.0.0.1; 0 picks a free port.
	Port int
	// ConsolePort is the web console port on 127.0.0.1; 0 picks a free port.
	ConsolePort int
	// Binary is the minio server; "" looks for .tools/bin/minio in the
	// working directory and its parents, then in PATH.
	Binary string
	// AccessKey and SecretKey are the root credentials; "" means
	// DefaultMinIOAccessKey and DefaultMinIOSecretKey.
	AccessKey, SecretKey string
	// LogFile receives the server's output; "" means Dir/minio.log.
	LogFile string
	// Output, if set, also receives the server's output.
	Output io.Writer
}

// MinIO is a running MinIO server.
type MinIO struct {
	// Endpoint is host:port of the S3 API (plain HTTP).
	Endpoint string
	// ConsoleURL is the web console.
	ConsoleURL string
	// AccessKey and SecretKey are the root credentials.
	AccessKey, SecretKey string
	// LogFile is where the server's output goes.
	LogFile string

	proc *process
}

// Stop shuts the server down.
func (m *MinIO) Stop() error {
	return m.proc.stop()
}

// FindMinIO returns the MinIO server binary: .tools/bin/minio in one of
// dirs or their parents, else in the working directory or its parents, else
// minio in PATH.
func FindMinIO(dirs ...string) (string, error) {
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	for _, d := range dirs {
		if p, ok := findUp(d, MinIOBinaryPath); ok {
			return p, nil
		}
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("minio is not installed (no %s here or in a parent directory, none in PATH): run `make tools`", MinIOBinaryPath)
}

// StartMinIO starts a single-drive MinIO server and waits until
// /minio/health/cluster answers 200.
func StartMinIO(ctx context.Context, cfg MinIOConfig) (*MinIO, error) {
	if cfg.Dir == "" {
		return nil, errors.New("minio: no data directory given")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("minio: resolve dir: %w", err)
	}
	bin := cfg.Binary
	if bin == "" {
		if bin, err = FindMinIO(); err != nil {
			return nil, err
		}
	} else if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("minio is not installed (%s not found): run `make tools`", bin)
	}
	port, err := portOrFree(cfg.Port)
	if err != nil {
		return nil, fmt.Errorf("minio: %w", err)
	}
	if err := checkPortFree("minio", port); err != nil {
		return nil, err
	}
	consolePort, err := portOrFree(cfg.ConsolePort)
	if err != nil {
		return nil, fmt.Errorf("minio: %w", err)
	}
	if consolePort == port {
		if consolePort, err = FreePort(); err != nil {
			return nil, fmt.Errorf("minio: %w", err)
		}
	}
	if err := checkPortFree("minio console", consolePort); err != nil {
		return nil, err
	}
	access, secret := cfg.AccessKey, cfg.SecretKey
	if access == "" {
		access = DefaultMinIOAccessKey
	}
	if secret == "" {
		secret = DefaultMinIOSecretKey
	}
	dataDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("minio: create %s: %w", dataDir, err)
	}
	logPath := cfg.LogFile
	if logPath == "" {
		logPath = filepath.Join(dir, "minio.log")
	}
	endpoint := "127.0.0.1:" + strconv.Itoa(port)
	consoleAddr := "127.0.0.1:" + strconv.Itoa(consolePort)
	cmd := exec.Command(bin, "server", dataDir,
		"--address", endpoint,
		"--console-address", consoleAddr,
		"--quiet",
	)
	cmd.Dir = dir
	cmd.Env = childEnv([]string{
		"MINIO_ROOT_USER=" + access,
		"MINIO_ROOT_PASSWORD=" + secret,
		"MINIO_UPDATE=off",
		"MINIO_CI_CD=on",
		"HOME=" + dir,
	}, "MINIO_")
	proc, err := startProcess("minio", cmd, logPath, cfg.Output, syscall.SIGTERM)
	if err != nil {
		return nil, err
	}
	// /minio/health/ready answers 200 before the object layer is up
	// (S3 calls then fail "Server not initialized yet"); the cluster
	// check waits for the object layer, bucket metadata and IAM.
	readyURL := "http://" + endpoint + "/minio/health/cluster"
	err = waitReady(ctx, proc, explainPortInUse(port), func(ctx context.Context) error {
		return httpOK(ctx, readyURL)
	})
	if err != nil {
		return nil, err
	}
	return &MinIO{
		Endpoint:   endpoint,
		ConsoleURL: "http://" + consoleAddr,
		AccessKey:  access,
		SecretKey:  secret,
		LogFile:    logPath,
		proc:       proc,
	}, nil
}

// httpOK GETs url and fails unless the answer is 200.
func httpOK(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
