// Package cache connects the backend to Redis, which caches hot data
// (ARCH-4).
package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/redis/go-redis/v9"
)

// Open connects to the Redis server at url ("redis://host:port/db", or
// "rediss://" for TLS) and checks it with a ping.
func Open(ctx context.Context, url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse redis url: %w", err)
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("connect to redis at %s: %w", opts.Addr, rootCause(err))
	}
	return client, nil
}

// rootCause keeps the operating system's message ("connection refused")
// from a network error and leaves other errors alone.
func rootCause(err error) error {
	if sysErr, ok := errors.AsType[*os.SyscallError](err); ok {
		return sysErr.Err
	}
	if opErr, ok := errors.AsType[*net.OpError](err); ok {
		return opErr.Err
	}
	return err
}
