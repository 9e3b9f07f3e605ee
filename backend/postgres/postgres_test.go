package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Run(m) }

func TestOpenErrorIsOneClearLine(t *testing.T) {
	t.Parallel()
	addr := testenv.ClosedAddr(t)
	_, err := postgres.Open(t.Context(), "postgres://talent:s3cret@"+addr+"/talent", "")
	if err == nil {
		t.Fatal("Open: err = nil, want connection refused")
	}
	want := "connect to postgres at " + addr + ": connection refused"
	if got := err.Error(); got != want {
		t.Fatalf("Open error = %q, want %q", got, want)
	}
	_, err = postgres.Open(t.Context(), testenv.DatabaseURL(t), "postgres://talent:s3cret@"+addr+"/talent")
	if want := "replica: " + want; err == nil || err.Error() != want {
		t.Fatalf("Open with a bad replica: err = %v, want %q", err, want)
	}
}

func TestOpenWithReplica(t *testing.T) {
	t.Parallel()
	dbURL := testenv.DatabaseURL(t)
	db, err := postgres.Open(t.Context(), dbURL, dbURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if db.Primary == db.Replica {
		t.Fatal("Replica is the primary pool, want a pool of its own")
	}
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(postgres.NewPoolCollector(db))
	pools := poolLabels(t, reg, "talent_pgxpool_total_conns")
	if pools != "primary,replica" {
		t.Fatalf("talent_pgxpool_total_conns pools = %q, want primary,replica", pools)
	}
}

func TestPoolCollectorWithoutReplica(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	if db.Primary != db.Replica {
		t.Fatal("Replica differs from Primary without a replica URL")
	}
	var one int
	if err := db.Replica.QueryRow(t.Context(), "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(postgres.NewPoolCollector(db))
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
	}
	wantNames := "talent_pgxpool_acquire_duration_seconds_total,talent_pgxpool_acquired_conns,talent_pgxpool_acquires_total," +
		"talent_pgxpool_canceled_acquires_total,talent_pgxpool_constructing_conns,talent_pgxpool_empty_acquires_total," +
		"talent_pgxpool_idle_conns,talent_pgxpool_max_conns,talent_pgxpool_max_idle_destroys_total," +
		"talent_pgxpool_max_lifetime_destroys_total,talent_pgxpool_new_conns_total,talent_pgxpool_total_conns"
	if got := strings.Join(names, ","); got != wantNames {
		t.Fatalf("metric names = %s\nwant %s", got, wantNames)
	}
	if pools := poolLabels(t, reg, "talent_pgxpool_acquires_total"); pools != "primary" {
		t.Fatalf("pools = %q, want primary only", pools)
	}
}

// poolLabels returns the comma-joined pool labels of metric name.
func poolLabels(t *testing.T, reg *prometheus.Registry, name string) string {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var pools []string
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "pool" {
					pools = append(pools, l.GetValue())
				}
			}
		}
	}
	return strings.Join(pools, ",")
}

// emptyDatabase creates a database with no schema on the test server and
// returns its URL; it is dropped when the test ends.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	db := testenv.DB(t)
	name := fmt.Sprintf("empty_%s", strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_"))
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := db.Primary.Exec(t.Context(), "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.Primary.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	u, err := url.Parse(db.Primary.Config().ConnString())
	if err != nil {
		t.Fatalf("parse test database url: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func TestMigrateConcurrentlyAppliesEachMigrationOnce(t *testing.T) {
	t.Parallel()
	dbURL := emptyDatabase(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	// Several processes starting at once: the advisory lock serialises them.
	const processes = 3
	var wg sync.WaitGroup
	errs := make([]error, processes)
	for i := range processes {
		wg.Go(func() { errs[i] = postgres.Migrate(t.Context(), dbURL, logger) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	// And once more on an up-to-date schema.
	if err := postgres.Migrate(t.Context(), dbURL, logger); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}

	db, err := postgres.Open(t.Context(), dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied, distinct int
	err = db.Primary.QueryRow(t.Context(),
		"SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0 AND is_applied").
		Scan(&applied, &distinct)
	if err != nil {
		t.Fatalf("read goose_db_version: %v", err)
	}
	if applied == 0 || applied != distinct {
		t.Fatalf("applied migrations = %d, distinct versions = %d; want each version once", applied, distinct)
	}
	var users bool
	if err := db.Primary.QueryRow(t.Context(), "SELECT to_regclass('users') IS NOT NULL").Scan(&users); err != nil || !users {
		t.Fatalf("users table exists = %v (err %v), want true", users, err)
	}
}

func TestMigrateErrorIsOneClearLine(t *testing.T) {
	t.Parallel()
	addr := testenv.ClosedAddr(t)
	err := postgres.Migrate(t.Context(), "postgres://talent:s3cret@"+addr+"/talent", slog.New(slog.NewTextHandler(io.Discard, nil)))
	want := "connect to postgres at " + addr + ": connection refused"
	if err == nil || err.Error() != want {
		t.Fatalf("Migrate error = %v, want %q", err, want)
	}
}
