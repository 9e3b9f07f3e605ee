package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrationFiles holds the schema migrations, compiled into the binary:
// zero-padded, forward-only goose SQL files ("-- +goose Up").
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockID is the Postgres advisory lock key held while migrating, so
// that several processes starting at once apply each migration exactly once.
// It is goose's default key; any fixed number would do.
const migrationLockID = lock.DefaultLockID

// Migrate applies the pending embedded migrations to the database at
// databaseURL, under a session-level advisory lock. It logs each applied
// migration to logger.
func Migrate(ctx context.Context, databaseURL string, logger *slog.Logger) error {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return fmt.Errorf("parse postgres url: %w", err)
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("connect to postgres at %s: %w", addr, rootCause(err))
	}

	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("open embedded migrations: %w", err)
	}
	// The lock is retried every second for up to five minutes: long enough for
	// another process to finish a large migration.
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(migrationLockID),
		lock.WithLockTimeout(1, 300),
		lock.WithUnlockTimeout(1, 60),
	)
	if err != nil {
		return fmt.Errorf("create migration lock: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, files,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		// Areas own number ranges (00040s identity, 00060s market, ...)
		// and land in any order; a database made before a lower-numbered
		// migration landed applies it rather than refusing to start.
		goose.WithAllowOutofOrder(true),
	)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate postgres: %w", err)
	}
	for _, r := range results {
		logger.Info("applied migration", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	version, err := provider.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	logger.Info("database schema up to date", "version", version, "applied", len(results))
	return nil
}
