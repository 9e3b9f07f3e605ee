// Command talentctl steers a running talent-edge through Caddy's admin API,
// which listens on localhost only.
//
//	talentctl [--admin host:port] [--id canary] canary status
//	talentctl [--admin host:port] [--id canary] canary set <percent>
//	talentctl [--admin host:port] [--id canary] canary rollback
//
// The admin address comes from --admin, else TALENT_EDGE_ADMIN, else
// localhost:12019. See docs/ops/canary.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "talentctl:", err)
		os.Exit(1)
	}
}
