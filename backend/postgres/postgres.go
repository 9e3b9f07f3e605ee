// Package postgres connects the backend to PostgreSQL: a primary pool for
// writes and reads that must see the caller's own writes, an optional replica
// pool for other reads (ARCH-4), embedded forward-only migrations applied
// under an advisory lock, and Prometheus metrics for the pools.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB holds the connection pools. Replica is the same pool as Primary when no
// replica is configured, so callers can always read from Replica.
type DB struct {
	Primary *pgxpool.Pool
	Replica *pgxpool.Pool
}

// Open connects to the primary at primaryURL and, when replicaURL is not
// empty, to a read replica, and checks both with a ping.
func Open(ctx context.Context, primaryURL, replicaURL string) (*DB, error) {
	primary, err := openPool(ctx, primaryURL)
	if err != nil {
		return nil, err
	}
	db := &DB{Primary: primary, Replica: primary}
	if replicaURL == "" {
		return db, nil
	}
	replica, err := openPool(ctx, replicaURL)
	if err != nil {
		primary.Close()
		return nil, fmt.Errorf("replica: %w", err)
	}
	db.Replica = replica
	return db, nil
}

// Close closes the pools.
func (db *DB) Close() {
	if db.Replica != db.Primary {
		db.Replica.Close()
	}
	db.Primary.Close()
}

// Ping checks that the primary and the replica answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.Primary.Ping(ctx); err != nil {
		return fmt.Errorf("ping postgres primary: %w", err)
	}
	if db.Replica != db.Primary {
		if err := db.Replica.Ping(ctx); err != nil {
			return fmt.Errorf("ping postgres replica: %w", err)
		}
	}
	return nil
}

func openPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors never include the password.
		return nil, fmt.Errorf("parse postgres url: %w", err)
	}
	addr := net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port)))
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "talentd"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres at %s: %w", addr, rootCause(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres at %s: %w", addr, rootCause(err))
	}
	return pool, nil
}

// rootCause digs out the part of a connection error a person needs: the
// server's message or the operating system's ("connection refused"), without
// pgx's long prefix that repeats the connection string.
func rootCause(err error) error {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr
	}
	if sysErr, ok := errors.AsType[*os.SyscallError](err); ok {
		return sysErr.Err
	}
	if dnsErr, ok := errors.AsType[*net.DNSError](err); ok {
		return dnsErr
	}
	if opErr, ok := errors.AsType[*net.OpError](err); ok {
		return opErr.Err
	}
	return err
}

// Retryable reports whether err ended a transaction that may simply be run
// again: Postgres chose it as a deadlock victim (40P01) or refused it for a
// serialization conflict (40001). Nothing it wrote was committed.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}
