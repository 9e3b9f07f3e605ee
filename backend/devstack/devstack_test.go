package devstack_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/redis/go-redis/v9"

	"github.com/talent-hub/talent/backend/devstack"
)

// tempDir returns a temporary directory the postgres user can reach
// (t.TempDir's parents are private to root).
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "devstack-test-")
	if err != nil {
		t.Fatalf("make temp dir: %v", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("chmod temp dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestStackDependencies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := tempDir(t)
	s, err := devstack.StartStack(ctx, devstack.StackOptions{Dir: dir})
	if err != nil {
		t.Fatalf("start stack: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop stack: %v", err)
		}
	})

	t.Run("postgres", func(t *testing.T) {
		conn, err := pgx.Connect(ctx, s.Postgres.URL)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		var db, user, enc string
		if err := conn.QueryRow(ctx, "SELECT current_database(), current_user, pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()").Scan(&db, &user, &enc); err != nil {
			t.Fatalf("query: %v", err)
		}
		if db != "talent" || user != "talent" || enc != "UTF8" {
			t.Fatalf("got db %q user %q encoding %q, want talent talent UTF8", db, user, enc)
		}
	})

	t.Run("redis", func(t *testing.T) {
		opts, err := redis.ParseURL(s.Redis.URL)
		if err != nil {
			t.Fatalf("parse url: %v", err)
		}
		c := redis.NewClient(opts)
		defer c.Close()
		if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatalf("set: %v", err)
		}
		if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
			t.Fatalf("get = %q, %v; want v", got, err)
		}
	})

	t.Run("minio", func(t *testing.T) {
		c, err := minio.New(s.MinIO.Endpoint, &minio.Options{
			Creds: credentials.NewStaticV4(s.MinIO.AccessKey, s.MinIO.SecretKey, ""),
		})
		if err != nil {
			t.Fatalf("new client: %v", err)
		}
		if err := c.MakeBucket(ctx, "devstack-test", minio.MakeBucketOptions{}); err != nil {
			t.Fatalf("make bucket: %v", err)
		}
		ok, err := c.BucketExists(ctx, "devstack-test")
		if err != nil || !ok {
			t.Fatalf("bucket exists = %v, %v; want true", ok, err)
		}
	})
}

func TestPostgresKeepsDataAcrossRestarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(tempDir(t), "pg")
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresConfig{Dir: dir, Fast: true})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	exec := func(url, sql string) {
		t.Helper()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("exec %q: %v", sql, err)
		}
	}
	exec(pg.URL, "CREATE TABLE kept (id int)")
	if err := pg.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	pg, err = devstack.StartPostgres(ctx, devstack.PostgresConfig{Dir: dir, Fast: true})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	exec(pg.URL, "INSERT INTO kept VALUES (1)")
}

func TestStartErrorsAreOneClearLine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	dir := tempDir(t)

	tests := []struct {
		name  string
		start func() error
		want  string
	}{
		{
			name: "postgres port in use",
			start: func() error {
				_, err := devstack.StartPostgres(ctx, devstack.PostgresConfig{Dir: filepath.Join(dir, "pg"), Port: busyPort})
				return err
			},
			want: "postgres: port " + strconv.Itoa(busyPort) + " is already in use",
		},
		{
			name: "redis port in use",
			start: func() error {
				_, err := devstack.StartRedis(ctx, devstack.RedisConfig{Dir: filepath.Join(dir, "redis"), Port: busyPort})
				return err
			},
			want: "redis: port " + strconv.Itoa(busyPort) + " is already in use",
		},
		{
			name: "postgres not installed",
			start: func() error {
				_, err := devstack.StartPostgres(ctx, devstack.PostgresConfig{Dir: filepath.Join(dir, "pg2"), BinDir: filepath.Join(dir, "nowhere")})
				return err
			},
			want: "postgres is not installed",
		},
		{
			name: "minio not installed",
			start: func() error {
				_, err := devstack.StartMinIO(ctx, devstack.MinIOConfig{Dir: filepath.Join(dir, "minio"), Binary: filepath.Join(dir, "nowhere", "minio")})
				return err
			},
			want: "minio is not installed",
		},
		{
			name: "talentd not built",
			start: func() error {
				_, err := devstack.StartTalentd(ctx, devstack.TalentdConfig{Binary: filepath.Join(dir, "nowhere", "talentd"), LogFile: filepath.Join(dir, "t.log")})
				return err
			},
			want: "talentd is not built",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.start()
			if err == nil {
				t.Fatalf("start succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %q, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestChildFailureQuotesLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := tempDir(t)
	// A "talentd" that fails at once, as a misconfigured one would.
	bin := filepath.Join(dir, "talentd")
	script := "#!/bin/sh\necho 'level=ERROR msg=\"load config: TALENT_DATABASE_URL is required\"' >&2\nexit 1\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatalf("write script: %v", err)
	}
	_, err := devstack.StartTalentd(ctx, devstack.TalentdConfig{Binary: bin, LogFile: filepath.Join(dir, "talentd.log")})
	if err == nil {
		t.Fatalf("start succeeded, want error")
	}
	if !strings.Contains(err.Error(), "TALENT_DATABASE_URL is required") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error = %q, want one line quoting the log", err)
	}
}
