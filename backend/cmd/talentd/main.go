// Command talentd is the Talent backend server. One binary serves any subset
// of the services (ARCH-3) over Connect, gRPC and gRPC-Web on one h2c
// listener, plus the web app's pages, and exposes /metrics, /healthz and
// /readyz on a separate ops listener. Run `talentd -h` for its configuration.
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
	err := run(ctx, os.Args, os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "talentd: %v\n", err)
		os.Exit(1)
	}
}
