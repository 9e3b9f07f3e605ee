// Package devstack starts the platform's real dependencies (Postgres, Redis,
// MinIO) and its own binaries (talentd, talent-edge) as child processes on
// the local machine. The test harness (package testenv), the end-to-end tests
// and the `make run` runner (cmd/talent-dev) all use it, so tests and local
// development run against the same real servers.
//
// Every child runs in its own process group and is killed by the kernel if
// the parent dies (Pdeathsig on Linux). Its output goes to a log file; when a
// child fails to start, the returned error is one readable line built from
// the end of that log, e.g. "postgres: port 15432 is already in use".
package devstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// defaultReadyTimeout bounds how long a Start function waits for a child to
// become ready when the context has no earlier deadline.
const defaultReadyTimeout = 90 * time.Second

// stopGrace is how long Stop waits after the polite signal before it kills
// the child's whole process group.
const stopGrace = 15 * time.Second

// process is one running child with its log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	stopSig syscall.Signal

	done    chan struct{} // closed when the child has exited and been reaped
	waitErr error         // valid after done is closed

	stopOnce sync.Once
	stopErr  error
}

// startProcess starts cmd in its own process group with stdout and stderr
// appended to logPath (and copied to extra, if not nil).
func startProcess(name string, cmd *exec.Cmd, logPath string, extra io.Writer, stopSig syscall.Signal) (*process, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, fmt.Errorf("%s: create log dir: %w", name, err)
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: open log file: %w", name, err)
	}
	var out io.Writer = logFile
	if extra != nil {
		out = io.MultiWriter(logFile, extra)
	}
	cmd.Stdout = out
	cmd.Stderr = out
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	setChildAttrs(cmd.SysProcAttr)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("%s: start %s: %w", name, cmd.Path, err)
	}
	p := &process{
		name:    name,
		cmd:     cmd,
		logPath: logPath,
		logFile: logFile,
		stopSig: stopSig,
		done:    make(chan struct{}),
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the child has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends the polite stop signal, waits up to stopGrace, then kills the
// process group. It is safe to call more than once.
func (p *process) stop() error {
	p.stopOnce.Do(func() {
		defer p.logFile.Close()
		if p.exited() {
			return
		}
		pid := p.cmd.Process.Pid
		_ = p.cmd.Process.Signal(p.stopSig)
		timer := time.NewTimer(stopGrace)
		defer timer.Stop()
		select {
		case <-p.done:
		case <-timer.C:
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-p.done
			p.stopErr = fmt.Errorf("stop %s: did not exit within %s of %s; killed it", p.name, stopGrace, p.stopSig)
		}
	})
	return p.stopErr
}

// kill ends the child's whole process group at once; used when a start
// attempt failed half-way.
func (p *process) kill() {
	if !p.exited() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	p.stopOnce.Do(func() { p.logFile.Close() })
}

// failure turns a start failure into one readable line, using explain to
// recognise known problems in the end of the child's log.
func (p *process) failure(cause string, explain func(logTail string) string) error {
	tail := lastLines(p.logPath, 20)
	if explain != nil {
		if msg := explain(tail); msg != "" {
			return fmt.Errorf("%s: %s", p.name, msg)
		}
	}
	last := lastMeaningfulLine(tail)
	if last == "" {
		last = "no output"
	}
	return fmt.Errorf("%s: %s; last log line: %q (full log: %s)", p.name, cause, last, p.logPath)
}

// waitReady polls check until it succeeds, the child exits, the context is
// done or defaultReadyTimeout passes.
func waitReady(ctx context.Context, p *process, explain func(string) string, check func(ctx context.Context) error) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultReadyTimeout)
		defer cancel()
	}
	delay := 20 * time.Millisecond
	var lastErr error
	for {
		if p.exited() {
			return p.failure(exitDescription(p.waitErr), explain)
		}
		attempt, cancel := context.WithTimeout(ctx, 3*time.Second)
		lastErr = check(attempt)
		cancel()
		if lastErr == nil {
			return nil
		}
		select {
		case <-p.done:
			return p.failure(exitDescription(p.waitErr), explain)
		case <-ctx.Done():
			_ = p.stop()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return p.failure(fmt.Sprintf("not ready in time (last check: %v)", lastErr), explain)
			}
			return fmt.Errorf("%s: wait until ready: %w", p.name, ctx.Err())
		case <-time.After(delay):
		}
		if delay < 250*time.Millisecond {
			delay *= 2
		}
	}
}

func exitDescription(err error) string {
	if err == nil {
		return "exited during start"
	}
	return "exited during start (" + err.Error() + ")"
}

// explainPortInUse recognises the usual "address already in use" messages.
func explainPortInUse(port int) func(string) string {
	return func(tail string) string {
		l := strings.ToLower(tail)
		if strings.Contains(l, "address already in use") || strings.Contains(l, "port is already in use") ||
			strings.Contains(l, "bind: address") {
			return fmt.Sprintf("port %d is already in use", port)
		}
		return ""
	}
}

// lastLines returns up to n last lines of the file at path.
func lastLines(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const maxRead = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > maxRead {
		_, _ = f.Seek(st.Size()-maxRead, io.SeekStart)
	}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

func lastMeaningfulLine(tail string) string {
	lines := strings.Split(tail, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		if len(l) > 300 {
			l = l[:300] + "…"
		}
		return l
	}
	return ""
}

// FreePort returns a TCP port that is free on 127.0.0.1 and on all
// interfaces. It picks at random below the kernel's ephemeral port range,
// where the outgoing connections of parallel test processes never take a
// port, so that a port handed out here is not grabbed by an unrelated client
// socket before its server binds it. Another process may still choose the
// same port in the meantime (rare); callers that start a server on it treat
// "already in use" as a reason to try another port.
func FreePort() (int, error) {
	low, high := 20000, ephemeralLow()
	if high-low < 1000 {
		low, high = 10000, 20000
	}
	for range 200 {
		port := low + mathrand.IntN(high-low)
		if bindable(port) {
			return port, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ephemeralLow returns the first port of the kernel's ephemeral range
// (32768 when it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 32768
	}
	n, err := strconv.Atoi(fields[0])
	if err != nil {
		return 32768
	}
	return n
}

// bindable reports whether a listener can bind port on 127.0.0.1 and on all
// interfaces.
func bindable(port int) bool {
	for _, host := range []string{"127.0.0.1", ""} {
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// IsPortInUse reports whether err says a port was already taken, the one
// start failure that trying again on another port can cure.
func IsPortInUse(err error) bool {
	return err != nil && strings.Contains(err.Error(), "already in use")
}

// portOrFree returns port, or a free port when port is 0.
func portOrFree(port int) (int, error) {
	if port != 0 {
		return port, nil
	}
	return FreePort()
}

// checkPortFree fails early with a clear message when something already
// listens on 127.0.0.1:port.
func checkPortFree(name string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("%s: port %d is already in use", name, port)
	}
	l.Close()
	return nil
}

// findUp looks for rel in dir and its ancestors and returns the first path
// that exists.
func findUp(dir, rel string) (string, bool) {
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// childEnv returns the parent's environment with extra appended (later
// entries win) minus variables whose names start with one of drop.
func childEnv(extra []string, drop ...string) []string {
	env := make([]string, 0, len(os.Environ())+len(extra))
	for _, kv := range os.Environ() {
		skip := false
		for _, prefix := range drop {
			if strings.HasPrefix(kv, prefix) {
				skip = true
				break
			}
		}
		if !skip {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}
