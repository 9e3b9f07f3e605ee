package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
)

// PostgresUser is the superuser initdb creates; it logs in without a
// password (trust auth) over 127.0.0.1 only.
const PostgresUser = "talent"

// PostgresDatabase is the database StartPostgres creates if it is missing.
const PostgresDatabase = "talent"

// PostgresConfig says where and how to run Postgres.
type PostgresConfig struct {
	// Dir holds the cluster: Dir/data (PGDATA) and Dir/run (the Unix socket).
	// Its parents must be traversable by the "postgres" user when running as
	// root.
	Dir string
	// Port on 127.0.0.1; 0 picks a free port.
	Port int
	// BinDir holds initdb and postgres; "" finds the newest
	// /usr/lib/postgresql/<version>/bin, then looks in PATH.
	BinDir string
	// Fast turns off durability (fsync, synchronous_commit,
	// full_page_writes) for tests. `make run` leaves it off.
	Fast bool
	// MaxConnections is postgres' max_connections; 0 means 200.
	MaxConnections int
	// Settings are extra server settings, "name=value" each (postgres -c),
	// e.g. "track_commit_timestamp=on".
	Settings []string
	// LogFile receives the server's output; "" means Dir/postgres.log.
	LogFile string
	// Output, if set, also receives the server's output.
	Output io.Writer
}

// Postgres is a running Postgres server.
type Postgres struct {
	// URL connects to the "talent" database as the "talent" superuser.
	URL string
	// Port is the TCP port on 127.0.0.1.
	Port int
	// Dir is the cluster directory given in the config.
	Dir string
	// LogFile is where the server's output goes.
	LogFile string

	proc *process
}

// DatabaseURL returns a URL for another database on the same server.
func (p *Postgres) DatabaseURL(database string) string {
	return postgresURL(p.Port, database)
}

// Stop shuts the server down (fast shutdown: open sessions are ended).
func (p *Postgres) Stop() error {
	return p.proc.stop()
}

func postgresURL(port int, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(PostgresUser),
		Host:     "127.0.0.1:" + strconv.Itoa(port),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// StartPostgres initialises a cluster in cfg.Dir if there is none yet,
// starts the server, waits until it accepts connections and creates the
// "talent" database if it is missing.
func StartPostgres(ctx context.Context, cfg PostgresConfig) (*Postgres, error) {
	if cfg.Dir == "" {
		return nil, errors.New("postgres: no data directory given")
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("postgres: resolve dir: %w", err)
	}
	binDir := cfg.BinDir
	if binDir == "" {
		binDir, err = findPostgresBinDir()
		if err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(binDir, name)); err != nil {
			return nil, fmt.Errorf("postgres is not installed (%s not found in %s): run `make tools`", name, binDir)
		}
	}
	port, err := portOrFree(cfg.Port)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := checkPortFree("postgres", port); err != nil {
		return nil, err
	}
	logPath := cfg.LogFile
	if logPath == "" {
		logPath = filepath.Join(dir, "postgres.log")
	}

	dataDir := filepath.Join(dir, "data")
	runDir := filepath.Join(dir, "run")
	for _, d := range []string{dir, runDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("postgres: create %s: %w", d, err)
		}
	}
	cred, err := postgresCredential(dir)
	if err != nil {
		return nil, err
	}
	env := childEnv([]string{"HOME=" + dir, "LC_ALL=", "LANG=C.UTF-8"}, "PG", "LC_ALL=", "LANG=")

	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		if err := initdb(ctx, binDir, dataDir, logPath, env, cred); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("postgres: check data dir: %w", err)
	}

	maxConns := cfg.MaxConnections
	if maxConns == 0 {
		maxConns = 200
	}
	args := []string{
		"-D", dataDir,
		"-p", strconv.Itoa(port),
		"-h", "127.0.0.1",
		"-k", socketDir(runDir, port),
		"-c", "max_connections=" + strconv.Itoa(maxConns),
		"-c", "log_min_messages=warning",
		"-c", "log_line_prefix=%m [%p] ",
	}
	if cfg.Fast {
		args = append(args,
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
			"-c", "shared_buffers=32MB",
		)
	}
	for _, kv := range cfg.Settings {
		args = append(args, "-c", kv)
	}
	cmd := exec.Command(filepath.Join(binDir, "postgres"), args...)
	cmd.Env = env
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	// SIGINT is postgres' "fast shutdown": it ends open sessions instead of
	// waiting for them as SIGTERM ("smart") would.
	proc, err := startProcess("postgres", cmd, logPath, cfg.Output, syscall.SIGINT)
	if err != nil {
		return nil, err
	}
	explain := explainPostgres(port)
	adminURL := postgresURL(port, "postgres")
	err = waitReady(ctx, proc, explain, func(ctx context.Context) error {
		conn, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			return err
		}
		return conn.Close(ctx)
	})
	if err != nil {
		return nil, err
	}
	if err := ensureDatabase(ctx, adminURL, PostgresDatabase); err != nil {
		proc.kill()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Postgres{
		URL:     postgresURL(port, PostgresDatabase),
		Port:    port,
		Dir:     dir,
		LogFile: logPath,
		proc:    proc,
	}, nil
}

// socketDir returns runDir, or "" (no Unix socket) when the socket path
// would exceed the kernel's limit of about 107 bytes.
func socketDir(runDir string, port int) string {
	if len(runDir)+len("/.s.PGSQL.")+len(strconv.Itoa(port))+len(".lock") > 100 {
		return ""
	}
	return runDir
}

func initdb(ctx context.Context, binDir, dataDir, logPath string, env []string, cred *syscall.Credential) error {
	locale := "C.UTF-8"
	if !localeAvailable() {
		locale = "C"
	}
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"),
		"-D", dataDir,
		"-U", PostgresUser,
		"--auth=trust",
		"--encoding=UTF8",
		"--locale="+locale,
		"--no-sync",
	)
	cmd.Env = env
	cmd.Dir = filepath.Dir(dataDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	setChildAttrs(cmd.SysProcAttr)
	out, err := cmd.CombinedOutput()
	if f, ferr := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); ferr == nil {
		_, _ = f.Write(out)
		f.Close()
	}
	if err != nil {
		last := lastMeaningfulLine(string(out))
		if last == "" {
			last = err.Error()
		}
		return fmt.Errorf("postgres: initdb in %s failed: %s", dataDir, last)
	}
	return nil
}

func localeAvailable() bool {
	for _, p := range []string{"/usr/lib/locale/C.utf8", "/usr/lib/locale/C.UTF-8"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func explainPostgres(port int) func(string) string {
	inUse := explainPortInUse(port)
	return func(tail string) string {
		if msg := inUse(tail); msg != "" {
			return msg
		}
		if strings.Contains(tail, "lock file") && strings.Contains(tail, "already exists") {
			return "another postgres is already running on this data directory (" + lastMeaningfulLine(tail) + ")"
		}
		if strings.Contains(tail, "database files are incompatible with server") {
			return "the data directory was made by another postgres version; move it away or install that version"
		}
		return ""
	}
}

func ensureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("check database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// findPostgresBinDir returns the newest /usr/lib/postgresql/<v>/bin that has
// a postgres binary, else the directory of postgres in PATH.
func findPostgresBinDir() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	sort.Slice(matches, func(i, j int) bool {
		return pgVersion(matches[i]) > pgVersion(matches[j])
	})
	if len(matches) > 0 {
		return filepath.Dir(matches[0]), nil
	}
	p, err := exec.LookPath("postgres")
	if err != nil {
		return "", errors.New("postgres is not installed: run `make tools`")
	}
	if resolved, err := filepath.EvalSymlinks(p); err == nil {
		p = resolved
	}
	return filepath.Dir(p), nil
}

// pgVersion extracts the numeric version from /usr/lib/postgresql/<v>/bin/postgres.
func pgVersion(path string) float64 {
	v := filepath.Base(filepath.Dir(filepath.Dir(path)))
	f, _ := strconv.ParseFloat(v, 64)
	return f
}

// postgresCredential returns the credential to run postgres with: nil when
// not root, else the "postgres" user's, after handing dir to that user and
// checking that it can reach dir.
func postgresCredential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New(`postgres: running as root needs a "postgres" user to run the server as, and there is none`)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	}); err != nil {
		return nil, fmt.Errorf("postgres: hand %s to user postgres: %w", dir, err)
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return nil, fmt.Errorf("postgres: check %s: %w", d, err)
		}
		owner := -1
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			owner = int(sys.Uid)
		}
		if st.Mode().Perm()&0o001 == 0 && owner != uid {
			return nil, fmt.Errorf("postgres: user postgres cannot reach %s because %s is not traversable (chmod o+x %s)", dir, d, d)
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
