package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/talent-hub/talent/backend/devstack"
	"github.com/talent-hub/talent/backend/identity/oauthtest"
)

// platform is the stack every test in this package shares: starting it once
// keeps the package fast, and each test uses its own accounts and tasks.
var platform struct {
	stack  *devstack.Stack
	url    string       // https://localhost:<port>
	client *http.Client // trusts the edge's internal CA, speaks HTTP/2
	dir    string
	err    error
	// github stands in for GitHub's sign-in; talentd is configured with it.
	github *oauthtest.GitHub
	// edgeAdmin is the edge's admin API, http://localhost:<port>.
	edgeAdmin string
}

func TestMain(m *testing.M) {
	code := func() int {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		dir, err := os.MkdirTemp("", "talent-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		platform.dir = dir
		if err := os.Chmod(dir, 0o755); err != nil { // Postgres runs as another user
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		platform.github = oauthtest.NewGitHub("e2e-github-client", "e2e-github-secret")
		defer platform.github.Close()
		var stack *devstack.Stack
		for attempt := range 3 { // parallel test binaries may take a port first
			stack, err = startPlatform(ctx, filepath.Join(dir, strconv.Itoa(attempt)))
			if !devstack.IsPortInUse(err) {
				break
			}
		}
		if stack != nil {
			defer stack.Stop()
		}
		platform.stack, platform.err = stack, err
		return m.Run()
	}()
	os.Exit(code)
}

// startPlatform starts the whole platform from the binaries in
// TALENT_BIN_DIR on free ports.
func startPlatform(ctx context.Context, dir string) (*devstack.Stack, error) {
	bin := os.Getenv("TALENT_BIN_DIR")
	if bin == "" {
		return nil, fmt.Errorf("TALENT_BIN_DIR is not set: run `make test`, or `make build` and TALENT_BIN_DIR=$PWD/bin go test ./backend/e2e")
	}
	var ports devstack.Ports
	for _, p := range []*int{&ports.EdgeHTTPS, &ports.EdgeHTTP, &ports.EdgeAdmin} {
		n, err := devstack.FreePort()
		if err != nil {
			return nil, err
		}
		*p = n
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return nil, err
	}
	stack, err := devstack.StartStack(ctx, devstack.StackOptions{
		Dir:         dir,
		Ports:       ports,
		MinIOBinary: filepath.Join(root, devstack.MinIOBinaryPath),
		Talentd:     filepath.Join(bin, "talentd"),
		// Every test signs up and logs in from 127.0.0.1; the limits
		// themselves are tested in backend/identity.
		TalentdEnv: []string{"TALENT_PER_IP_LIMIT_FACTOR=100",
			// Sign-in with GitHub goes to the stand-in (ID-1).
			"TALENT_PUBLIC_URL=https://localhost:" + strconv.Itoa(ports.EdgeHTTPS),
			"TALENT_GITHUB_CLIENT_ID=e2e-github-client", "TALENT_GITHUB_CLIENT_SECRET=e2e-github-secret",
			"TALENT_GITHUB_URL=" + platform.github.URL, "TALENT_GITHUB_API_URL=" + platform.github.URL},
		WebDir:    filepath.Join(bin, "web"),
		Edge:      filepath.Join(bin, "talent-edge"),
		Caddyfile: filepath.Join(root, "deploy", "edge", "Caddyfile"),
		// Every test signs up and in from 127.0.0.1: lift the per-IP
		// sign-in limit (SEC-1) above what the suite needs; the edge's own
		// tests cover the limits.
		EdgeEnv: []string{"TALENT_EDGE_SIGNIN_BURST=1000", "TALENT_EDGE_WRITE_BURST=1000", "TALENT_EDGE_SMS_BURST=1000"},
	})
	if err != nil {
		return stack, fmt.Errorf("start the platform: %w", err)
	}
	platform.url = stack.EdgeURL
	platform.edgeAdmin = "http://localhost:" + strconv.Itoa(ports.EdgeAdmin)
	pem, err := os.ReadFile(filepath.Join(dir, "caddy", "pki", "authorities", "local", "root.crt"))
	if err != nil {
		return stack, fmt.Errorf("read the edge's root certificate: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return stack, fmt.Errorf("parse the edge's root certificate")
	}
	platform.client = &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2: true,
		},
	}
	return stack, nil
}

// needPlatform fails the test when the shared platform did not start.
func needPlatform(t *testing.T) {
	t.Helper()
	if platform.err != nil {
		t.Fatalf("the platform did not start: %v", platform.err)
	}
}
