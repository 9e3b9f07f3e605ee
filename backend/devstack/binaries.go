package devstack

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// TalentdConfig says how to run a built talentd binary.
type TalentdConfig struct {
	// Binary is the path of the built talentd.
	Binary string
	// Env holds extra "KEY=value" variables (TALENT_DATABASE_URL, ...);
	// they are added to this process' environment and win over it.
	Env []string
	// HTTPAddr and OpsAddr are passed as TALENT_HTTP_ADDR and
	// TALENT_OPS_ADDR; "" picks a free port on 127.0.0.1.
	HTTPAddr, OpsAddr string
	// LogFile receives talentd's output (required).
	LogFile string
	// Output, if set, also receives talentd's output.
	Output io.Writer
}

// Talentd is a running talentd.
type Talentd struct {
	// HTTPAddr is host:port of the h2c API and pages listener.
	HTTPAddr string
	// OpsAddr is host:port of /metrics, /healthz and /readyz.
	OpsAddr string
	// URL is "http://" + HTTPAddr, for Connect clients (h2c).
	URL string
	// LogFile is where talentd's output goes.
	LogFile string

	proc *process
}

// Stop asks talentd to shut down gracefully (SIGINT) and waits for it.
func (t *Talentd) Stop() error {
	return t.proc.stop()
}

// StartTalentd runs talentd and waits until its ops listener answers
// /readyz with 200.
func StartTalentd(ctx context.Context, cfg TalentdConfig) (*Talentd, error) {
	if err := checkBinary("talentd", cfg.Binary, "./backend/cmd/talentd"); err != nil {
		return nil, err
	}
	if cfg.LogFile == "" {
		return nil, errors.New("talentd: no log file given")
	}
	httpAddr, err := addrOrFree(cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("talentd: %w", err)
	}
	opsAddr, err := addrOrFree(cfg.OpsAddr)
	if err != nil {
		return nil, fmt.Errorf("talentd: %w", err)
	}
	for _, a := range []string{httpAddr, opsAddr} {
		if err := checkAddrFree("talentd", a); err != nil {
			return nil, err
		}
	}
	env := append([]string{}, cfg.Env...)
	env = append(env, "TALENT_HTTP_ADDR="+httpAddr, "TALENT_OPS_ADDR="+opsAddr)
	cmd := exec.Command(cfg.Binary)
	cmd.Env = childEnv(env)
	proc, err := startProcess("talentd", cmd, cfg.LogFile, cfg.Output, syscall.SIGINT)
	if err != nil {
		return nil, err
	}
	readyURL := "http://" + opsAddr + "/readyz"
	if err := waitReady(ctx, proc, explainAddrInUse(httpAddr, opsAddr), func(ctx context.Context) error {
		return httpOK(ctx, readyURL)
	}); err != nil {
		return nil, err
	}
	return &Talentd{
		HTTPAddr: httpAddr,
		OpsAddr:  opsAddr,
		URL:      "http://" + httpAddr,
		LogFile:  cfg.LogFile,
		proc:     proc,
	}, nil
}

// EdgeConfig says how to run a built talent-edge binary.
type EdgeConfig struct {
	// Binary is the path of the built talent-edge.
	Binary string
	// Caddyfile is the config to run (deploy/edge/Caddyfile).
	Caddyfile string
	// Env holds extra "KEY=value" variables the Caddyfile reads
	// (TALENT_EDGE_HTTPS_ADDR, TALENT_UPSTREAM, ...).
	Env []string
	// ReadyAddr is a host:port the edge listens on once it runs (e.g. its
	// HTTPS listener); StartEdge waits until it accepts connections.
	ReadyAddr string
	// ReadyServerName, if set, makes StartEdge wait for a TLS handshake
	// for this name at ReadyAddr instead of a bare TCP connection: Caddy
	// issues its certificates in the background after it starts listening.
	ReadyServerName string
	// Dir holds Caddy's own config and data (XDG_CONFIG_HOME and
	// XDG_DATA_HOME), so nothing lands in $HOME.
	Dir string
	// LogFile receives the edge's output (required).
	LogFile string
	// Output, if set, also receives the edge's output.
	Output io.Writer
}

// Edge is a running talent-edge.
type Edge struct {
	// LogFile is where the edge's output goes.
	LogFile string

	proc *process
}

// Stop asks the edge to shut down gracefully (SIGINT) and waits for it.
func (e *Edge) Stop() error {
	return e.proc.stop()
}

// StartEdge runs `talent-edge run --config <Caddyfile> --adapter caddyfile`
// and waits until ReadyAddr accepts TCP connections.
func StartEdge(ctx context.Context, cfg EdgeConfig) (*Edge, error) {
	if err := checkBinary("talent-edge", cfg.Binary, "./edge/cmd/talent-edge"); err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.Caddyfile); err != nil {
		return nil, fmt.Errorf("talent-edge: Caddyfile %s not found", cfg.Caddyfile)
	}
	if cfg.LogFile == "" || cfg.Dir == "" || cfg.ReadyAddr == "" {
		return nil, errors.New("talent-edge: LogFile, Dir and ReadyAddr are required")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("talent-edge: resolve dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("talent-edge: create %s: %w", dir, err)
	}
	if err := checkAddrFree("talent-edge", cfg.ReadyAddr); err != nil {
		return nil, err
	}
	env := append([]string{
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
	}, cfg.Env...)
	cmd := exec.Command(cfg.Binary, "run", "--config", cfg.Caddyfile, "--adapter", "caddyfile")
	cmd.Env = childEnv(env)
	proc, err := startProcess("talent-edge", cmd, cfg.LogFile, cfg.Output, syscall.SIGINT)
	if err != nil {
		return nil, err
	}
	var d interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	} = &net.Dialer{}
	if cfg.ReadyServerName != "" {
		// Readiness only: the certificate is checked by the clients that use
		// the edge, against the edge's own root.
		d = &tls.Dialer{Config: &tls.Config{ServerName: cfg.ReadyServerName, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}}
	}
	if err := waitReady(ctx, proc, explainAddrInUse(cfg.ReadyAddr), func(ctx context.Context) error {
		conn, err := d.DialContext(ctx, "tcp", dialable(cfg.ReadyAddr))
		if err != nil {
			return err
		}
		return conn.Close()
	}); err != nil {
		return nil, err
	}
	return &Edge{LogFile: cfg.LogFile, proc: proc}, nil
}

func checkBinary(name, path, pkg string) error {
	if path == "" {
		return fmt.Errorf("%s: no binary path given", name)
	}
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		return fmt.Errorf("%s is not built (%s not found): run `go build -o %s %s`", name, path, path, pkg)
	}
	return nil
}

// addrOrFree returns addr, or 127.0.0.1:<free port> when addr is "".
func addrOrFree(addr string) (string, error) {
	if addr != "" {
		return addr, nil
	}
	port, err := FreePort()
	if err != nil {
		return "", err
	}
	return "127.0.0.1:" + strconv.Itoa(port), nil
}

// dialable turns ":8443" into "127.0.0.1:8443".
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

func checkAddrFree(name, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: address %s is already in use", name, addr)
	}
	l.Close()
	return nil
}

func explainAddrInUse(addrs ...string) func(string) string {
	return func(tail string) string {
		if explainPortInUse(0)(tail) == "" {
			return ""
		}
		return fmt.Sprintf("one of %v is already in use (%s)", addrs, lastMeaningfulLine(tail))
	}
}
