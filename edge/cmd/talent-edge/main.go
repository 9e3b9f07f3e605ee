// Command talent-edge is the Talent platform's edge server: Caddy v2 with the
// standard modules plus Talent's own modules. It terminates TLS, serves the
// web app's static files and proxies RPC and page requests to talentd.
//
// Run it like caddy itself:
//
//	talent-edge run --config deploy/edge/Caddyfile
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/talent-hub/talent/edge/accesslog"
	_ "github.com/talent-hub/talent/edge/canary"
	_ "github.com/talent-hub/talent/edge/keywords"
	_ "github.com/talent-hub/talent/edge/logbuffer"
	_ "github.com/talent-hub/talent/edge/ratelimit"
	_ "github.com/talent-hub/talent/edge/requestid"
	_ "github.com/talent-hub/talent/edge/secheaders"
	_ "github.com/talent-hub/talent/edge/stackreserve"
)

func main() {
	caddycmd.Main()
}
