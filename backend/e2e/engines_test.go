package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/devstack"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	"github.com/talent-hub/talent/webapp/ui"
)

// The engines' executables, from Debian's chromium, firefox-esr,
// webkit2gtk-driver and xvfb packages (deploy/dev/install-deps.sh).
const (
	firefoxPath         = "/usr/bin/firefox-esr"
	webkitWebDriverPath = "/usr/bin/WebKitWebDriver"
	xvfbPath            = "/usr/bin/Xvfb"
)

// TestJourneysInEveryEngine walks the main journeys of the Identity and
// Task issues in Chromium, Firefox ESR and WebKit (ARCH-1): email sign-up,
// log out and in with refusals; phone sign-up with an SMS code; a provider
// profile, vetting with ID card images and an admin's approval; a TOTP
// step-up; posting, searching and closing a task; the market with two
// people at once (propose, award, work and progress shown live on the
// client's open page, a board card, delivery with a file, acceptance, both
// reviews); a 503 from the edge that loses nothing typed; the phone,
// tablet and desktop layouts of the pages visited, with no sideways
// scrolling on a phone; and axe-core in every engine. The journey is
// one script, backend/e2e/browsers/journeys.mjs, driven through
// puppeteer-core (Chromium over CDP, Firefox over WebDriver BiDi) and W3C
// WebDriver (WebKitWebDriver with MiniBrowser under Xvfb, one driver per
// person). The screenshots are kept in $TALENT_SCREENSHOTS when it is set.
func TestJourneysInEveryEngine(t *testing.T) {
	needPlatform(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	tools := filepath.Join(root, ".tools")
	if _, err := os.Stat(filepath.Join(tools, "node_modules", "puppeteer-core")); err != nil {
		t.Fatalf("puppeteer-core is not installed in .tools: run `make tools` (%v)", err)
	}
	outDir := os.Getenv("TALENT_SCREENSHOTS")
	if outDir == "" {
		outDir = t.TempDir()
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}

	// The texts the journey expects, from the web app's own catalogue.
	en := ui.English
	expect := map[string]string{}
	for _, k := range []string{"status.open", "status.closed", "status.awarded", "status.in_progress",
		"status.delivered", "status.accepted", "proposal.pending", "vetting.status.approved", "code.unavailable", "stepup.factors.totp_on"} {
		expect[k] = en.T(k)
	}
	for _, r := range []string{"EMAIL_TAKEN", "BAD_CREDENTIALS", "REQUIRED", "BUDGET_MIN_ABOVE_MAX", "DATE_IN_PAST", "CODE_WRONG"} {
		expect[r] = en.Reason(r, "")
	}
	expectJSON, err := json.Marshal(expect)
	if err != nil {
		t.Fatal(err)
	}
	const password = "a long enough password"
	taken := "taken-engines-" + randomHex(t) + "@example.com"
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	if _, err := identity.SignUp(t.Context(), connect.NewRequest(&identityv1.SignUpRequest{
		Email: taken, Password: password, DisplayName: "Someone", ConsentVersion: "2026-11",
	})); err != nil {
		t.Fatalf("SignUp of the taken account: %v", err)
	}
	// The admin who approves the providers' vetting in every engine
	// (admins are appointed by operators, in the database).
	admin := "admin-engines-" + randomHex(t) + "@example.com"
	if _, err := identity.SignUp(t.Context(), connect.NewRequest(&identityv1.SignUpRequest{
		Email: admin, Password: password, DisplayName: "Admin", ConsentVersion: "2026-11",
	})); err != nil {
		t.Fatalf("SignUp of the admin: %v", err)
	}
	makeAdmin(t, admin)

	hooks := engineHooks(t)

	// One engine at a time: the machine has two cores.
	for _, engine := range []string{"chromium", "firefox", "webkit"} {
		t.Run(engine, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
			defer cancel()
			env := append(os.Environ(),
				"BROWSER="+engine,
				"BASE_URL="+platform.url,
				"EXPECT="+string(expectJSON),
				"TAKEN_EMAIL="+taken,
				"PASSWORD="+password,
				"OUT_DIR="+outDir,
				"TOOLS_DIR="+tools,
				"CHROMIUM_PATH="+chromiumPath,
				"FIREFOX_PATH="+firefoxPath,
				"HOOKS_URL="+hooks,
				"ADMIN_EMAIL="+admin,
			)
			env = append(env, "RUN_AXE=1")
			if engine == "webkit" {
				// WebKitWebDriver drives one session: the second party of
				// the market journey has its own driver and MiniBrowser.
				drivers := startWebKitWebDrivers(ctx, t, 2)
				env = append(env, "WEBDRIVER_URL="+drivers[0], "WEBDRIVER_URL2="+drivers[1])
			}
			cmd := exec.CommandContext(ctx, "node", filepath.Join(root, "backend", "e2e", "browsers", "journeys.mjs"))
			cmd.Dir = tools
			cmd.Env = env
			var errBuf bytes.Buffer
			cmd.Stderr = &errBuf
			out, err := cmd.Output()
			stderr := errBuf.String()
			var result struct {
				OK    bool   `json:"ok"`
				Error string `json:"error"`
				Steps []struct {
					Step string `json:"step"`
					MS   int    `json:"ms"`
				} `json:"steps"`
			}
			if jerr := json.Unmarshal(lastLine(out), &result); jerr != nil {
				t.Fatalf("%s journeys: %v; no result line (%v)\nstdout:\n%s\nstderr:\n%s", engine, err, jerr, out, stderr)
			}
			for _, s := range result.Steps {
				t.Logf("%s: %-28s %5d ms", engine, s.Step, s.MS)
			}
			if !result.OK || err != nil {
				t.Fatalf("%s journeys failed: %s (%v)\nstderr:\n%s", engine, result.Error, err, stderr)
			}
			if stderr != "" {
				t.Logf("%s stderr: %s", engine, stderr)
			}
			if len(result.Steps) < 50 {
				t.Fatalf("%s ran %d steps, want every step of the journey", engine, len(result.Steps))
			}
		})
	}
}

// lastLine returns the last non-empty line of out.
func lastLine(out []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return []byte(lines[len(lines)-1])
}

// startWebKitWebDrivers starts a virtual X display and n WebKitWebDrivers
// on free ports, stopped when the test ends, and returns the drivers' URLs.
func startWebKitWebDrivers(ctx context.Context, t *testing.T, n int) []string {
	t.Helper()
	for _, p := range []string{xvfbPath, webkitWebDriverPath} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s is missing: run `make tools` (installs xvfb and webkit2gtk-driver)", p)
		}
	}
	// Xvfb picks a free display itself and writes its number to fd 3.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.CommandContext(ctx, xvfbPath, "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	if err := xvfb.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { _ = xvfb.Process.Kill(); _ = xvfb.Wait() })
	display, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		t.Fatalf("Xvfb did not report its display: %v", err)
	}
	display = ":" + strings.TrimSpace(display)
	urls := make([]string, n)
	for i := range urls {
		urls[i] = startWebKitWebDriver(ctx, t, display)
	}
	return urls
}

// startWebKitWebDriver starts WebKitWebDriver on a free port for the X
// display, stopped when the test ends, and returns the driver's URL.
func startWebKitWebDriver(ctx context.Context, t *testing.T, display string) string {
	t.Helper()
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	driver := exec.CommandContext(ctx, webkitWebDriverPath, "--port="+strconv.Itoa(port), "--host=127.0.0.1")
	driver.Env = append(os.Environ(), "DISPLAY="+display)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "webkitwebdriver.log"))
	if err != nil {
		t.Fatal(err)
	}
	driver.Stdout, driver.Stderr = logFile, logFile
	if err := driver.Start(); err != nil {
		t.Fatalf("start WebKitWebDriver: %v", err)
	}
	t.Cleanup(func() { _ = driver.Process.Kill(); _ = driver.Wait(); logFile.Close() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := platform.client.Get(url + "/status")
		if err == nil {
			res.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("WebKitWebDriver did not answer at %s: %v", url, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
