// Command talent-dev runs the whole Talent platform on this machine: the
// runner behind `make run`.
//
// It starts Postgres, Redis and MinIO with their data under --var, then
// talentd (which migrates the database), seeds demo accounts and tasks
// through the public API, and finally starts the talent-edge HTTPS server.
// It prints the URL and the demo logins, and on Ctrl-C stops everything in
// reverse order. The next run keeps the data.
//
//	talent-dev --var ./var --bin ./bin --caddyfile deploy/edge/Caddyfile
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "talent-dev: "+err.Error())
		stop()
		os.Exit(1)
	}
}
