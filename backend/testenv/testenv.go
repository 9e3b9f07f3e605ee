// Package testenv is the test harness: it gives tests real Postgres, Redis
// and MinIO servers, started by package devstack on free ports in a
// temporary directory.
//
// Each test binary (one per Go package) starts its own servers, lazily, the
// first time a test asks for one, and stops them when the tests are done, so
// packages tested in parallel never share a server. Within a binary every
// test gets its own piece of each server, so tests can run in parallel:
//
//   - DB and DatabaseURL: a fresh database cloned from a template that holds
//     the migrated schema (CREATE DATABASE ... TEMPLATE), dropped at cleanup.
//   - Redis: its own logical database (the server is started with 4096 of
//     them and each call takes the next number), flushed at cleanup.
//   - MinIO: a unique bucket-name prefix; buckets with that prefix are
//     removed at cleanup. Blob opens a *blob.Store on the same server.
//
// A package that uses testenv must call Run from TestMain:
//
//	func TestMain(m *testing.M) { testenv.Run(m) }
//
// A missing server program fails the test with a message saying how to
// install it; tests are never skipped silently.
//
// The servers live in package-level state: a test binary has one set, and
// TestMain and the tests have no other way to share it. This is the one
// exception to the no-globals rule.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/redis/go-redis/v9"

	"github.com/talent-hub/talent/backend/blob"
	"github.com/talent-hub/talent/backend/devstack"
	"github.com/talent-hub/talent/backend/postgres"
)

// templateDatabase holds the migrated schema every test database is cloned
// from.
const templateDatabase = "talent_template"

// redisDatabases is how many logical databases the test Redis server has:
// one per Redis call in a test binary.
const redisDatabases = 4096

// setupTimeout bounds starting a server and preparing the template.
const setupTimeout = 2 * time.Minute

// harness is the per-test-binary state.
type harness struct {
	mu      sync.Mutex
	running bool   // Run is active
	dir     string // temporary directory for all servers; "" until needed
	dirErr  error

	pgOnce sync.Once
	pg     *devstack.Postgres
	admin  *pgxpool.Pool // connected to the "postgres" database
	pgErr  error

	redisOnce sync.Once
	redis     *devstack.Redis
	redisErr  error
	redisNext int

	minioOnce sync.Once
	minio     *devstack.MinIO
	minioErr  error
	minioNext int
}

var h harness

// Run runs the tests, stops every server a test started, removes the
// temporary directory and exits with the tests' exit code. Call it from
// TestMain.
func Run(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	h.mu.Lock()
	h.running = true
	h.mu.Unlock()

	code := m.Run()

	h.mu.Lock()
	defer h.mu.Unlock()
	h.running = false
	if h.admin != nil {
		h.admin.Close()
	}
	var stops []func() error
	if h.minio != nil {
		stops = append(stops, h.minio.Stop)
	}
	if h.redis != nil {
		stops = append(stops, h.redis.Stop)
	}
	if h.pg != nil {
		stops = append(stops, h.pg.Stop)
	}
	var errs []string
	for _, stop := range stops {
		if err := stop(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if h.dir != "" {
		if err := os.RemoveAll(h.dir); err != nil {
			errs = append(errs, fmt.Sprintf("remove %s: %v", h.dir, err))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "testenv: stop servers: %s\n", strings.Join(errs, "; "))
		if code == 0 {
			code = 1
		}
	}
	return code
}

// serverDir returns a new directory for one server inside the binary's
// temporary directory, which it creates on first use.
func serverDir(t testing.TB, name string) string {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.running {
		t.Fatalf("testenv: %s needs TestMain to call testenv.Run(m)", name)
	}
	if h.dir == "" && h.dirErr == nil {
		// os.MkdirTemp makes a 0700 directory; Postgres runs as another user
		// when we are root and must be able to reach its data.
		h.dir, h.dirErr = os.MkdirTemp("", "talent-testenv-")
		if h.dirErr == nil {
			h.dirErr = os.Chmod(h.dir, 0o755)
		}
	}
	if h.dirErr != nil {
		t.Fatalf("testenv: make temp dir: %v", h.dirErr)
	}
	return h.dir + "/" + name
}

// randomSuffix returns 12 random lower-case hex characters.
func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// DB returns a connection to a fresh, migrated database for this test. The
// database is dropped when the test ends.
func DB(t testing.TB) *postgres.DB {
	t.Helper()
	url := DatabaseURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	db, err := postgres.Open(ctx, url, "")
	if err != nil {
		t.Fatalf("testenv: open test database: %v", err)
	}
	// Registered after DatabaseURL's cleanup, so it runs before the drop.
	t.Cleanup(db.Close)
	return db
}

// DatabaseURL creates a fresh, migrated database for this test and returns
// its URL, for tests that connect themselves (e.g. run talentd in-process or
// as a binary). The database is dropped, open connections and all, when the
// test ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	dir := serverDir(t, "postgres")
	h.pgOnce.Do(func() { h.pgErr = startPostgres(dir) })
	if h.pgErr != nil {
		t.Fatalf("testenv: %v", h.pgErr)
	}
	name := "t_" + sanitize(t.Name()) + "_" + randomSuffix()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := h.admin.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE "+templateDatabase); err != nil {
		t.Fatalf("testenv: create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := h.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("testenv: drop test database: %v", err)
		}
	})
	return h.pg.DatabaseURL(name)
}

// sanitize turns a test name into a short lower-case identifier part.
func sanitize(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}

// onFreePort runs start, which picks free ports, again when another process
// took one of them first: test binaries of parallel packages pick ports at
// the same time.
func onFreePort[T any](start func() (T, error)) (T, error) {
	var (
		v   T
		err error
	)
	for range 5 {
		if v, err = start(); !devstack.IsPortInUse(err) {
			break
		}
	}
	return v, err
}

// startPostgres starts the server and builds the template database.
func startPostgres(dir string) error {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	pg, err := onFreePort(func() (*devstack.Postgres, error) {
		return devstack.StartPostgres(ctx, devstack.PostgresConfig{Dir: dir, Fast: true})
	})
	if err != nil {
		return err
	}
	h.pg = pg
	admin, err := pgxpool.New(ctx, pg.DatabaseURL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to test postgres: %w", err)
	}
	h.admin = admin
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+templateDatabase); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := postgres.Migrate(ctx, pg.DatabaseURL(templateDatabase), logger); err != nil {
		return fmt.Errorf("migrate template database: %w", err)
	}
	// Nobody may stay connected to a template while it is cloned.
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+templateDatabase+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("seal template database: %w", err)
	}
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", templateDatabase); err != nil {
		return fmt.Errorf("close template connections: %w", err)
	}
	return nil
}

// Redis returns the URL of a logical Redis database of this test's own and a
// client connected to it. The database is flushed when the test ends.
func Redis(t testing.TB) (string, *redis.Client) {
	t.Helper()
	dir := serverDir(t, "redis")
	h.redisOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		h.redis, h.redisErr = onFreePort(func() (*devstack.Redis, error) {
			return devstack.StartRedis(ctx, devstack.RedisConfig{Dir: dir, Databases: redisDatabases})
		})
	})
	if h.redisErr != nil {
		t.Fatalf("testenv: %v", h.redisErr)
	}
	h.mu.Lock()
	n := h.redisNext
	h.redisNext++
	h.mu.Unlock()
	if n >= redisDatabases {
		t.Fatalf("testenv: all %d Redis databases are taken; raise redisDatabases", redisDatabases)
	}
	url := h.redis.DatabaseURL(n)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("testenv: parse redis url: %v", err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := client.FlushDB(ctx).Err(); err != nil {
			t.Errorf("testenv: flush redis database %d: %v", n, err)
		}
		client.Close()
	})
	return url, client
}

// MinIOEnv is a test's share of the MinIO server.
type MinIOEnv struct {
	// Endpoint is host:port of the S3 API (plain HTTP).
	Endpoint string
	// AccessKey and SecretKey are the server's root credentials.
	AccessKey, SecretKey string
	// BucketPrefix is unique to the test, e.g. "t3-0a1b2c3d4e5f-"; name the
	// test's buckets BucketPrefix+"documents" and so on.
	BucketPrefix string
	// Client is connected to the server.
	Client *minio.Client
}

// MinIO returns this test's share of the MinIO server. Buckets whose names
// start with BucketPrefix are removed, with their objects, when the test
// ends.
func MinIO(t testing.TB) MinIOEnv {
	t.Helper()
	m := minioServer(t)
	h.mu.Lock()
	n := h.minioNext
	h.minioNext++
	h.mu.Unlock()
	prefix := fmt.Sprintf("t%d-%s-", n, randomSuffix())
	client, err := minio.New(m.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, ""),
	})
	if err != nil {
		t.Fatalf("testenv: minio client: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		buckets, err := client.ListBuckets(ctx)
		if err != nil {
			t.Errorf("testenv: list buckets: %v", err)
			return
		}
		for _, b := range buckets {
			if !strings.HasPrefix(b.Name, prefix) {
				continue
			}
			if err := client.RemoveBucketWithOptions(ctx, b.Name, minio.RemoveBucketOptions{ForceDelete: true}); err != nil {
				t.Errorf("testenv: remove bucket %s: %v", b.Name, err)
			}
		}
	})
	return MinIOEnv{
		Endpoint:     m.Endpoint,
		AccessKey:    m.AccessKey,
		SecretKey:    m.SecretKey,
		BucketPrefix: prefix,
		Client:       client,
	}
}

// Blob opens a *blob.Store on the test MinIO server with
// blob.DocumentsBucket created. Tests in one binary share that bucket, so
// they should use unique object keys; use MinIO for buckets of a test's own.
func Blob(t testing.TB) *blob.Store {
	t.Helper()
	m := minioServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	store, err := blob.Open(ctx, blob.Config{
		Endpoint:  m.Endpoint,
		AccessKey: m.AccessKey,
		SecretKey: m.SecretKey,
		Buckets:   []string{blob.DocumentsBucket},
	})
	if err != nil {
		t.Fatalf("testenv: open blob store: %v", err)
	}
	return store
}

// minioServer starts the MinIO server on first use.
func minioServer(t testing.TB) *devstack.MinIO {
	t.Helper()
	dir := serverDir(t, "minio")
	h.minioOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		h.minio, h.minioErr = onFreePort(func() (*devstack.MinIO, error) {
			return devstack.StartMinIO(ctx, devstack.MinIOConfig{Dir: dir})
		})
	})
	if h.minioErr != nil {
		t.Fatalf("testenv: %v", h.minioErr)
	}
	return h.minio
}

// ClosedAddr returns a 127.0.0.1 address nobody listens on, for tests of
// "connection refused". The port is below the kernel's ephemeral range, so
// no parallel test's client socket or :0 listener takes it before the test
// dials it.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}
