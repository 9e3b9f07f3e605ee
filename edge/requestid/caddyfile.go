package requestid

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("talent_request_id", parseCaddyfile)
	// Run first, right after tracing, so every later handler, log line and
	// upstream sees the ID.
	httpcaddyfile.RegisterDirectiveOrder("talent_request_id", httpcaddyfile.After, "tracing")
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	talent_request_id [<matcher>] [<header>] [{
//		log <key> <value>
//		...
//	}]
//
// header defaults to X-Request-Id. Each `log` line adds a field to the
// access log line as `log_append <key> <value>` would (a placeholder or a
// constant, read after the response).
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		h.Header = d.Val()
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		if d.Val() != "log" {
			return d.Errf("talent_request_id: unknown option %q", d.Val())
		}
		args := d.RemainingArgs()
		if len(args) != 2 {
			return d.Errf("talent_request_id: log: want <key> <value>, got %d arguments", len(args))
		}
		h.LogFields = append(h.LogFields, LogField{Key: args[0], Value: args[1]})
	}
	return nil
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var handler Handler
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return &handler, err
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)
