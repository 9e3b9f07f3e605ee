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
//	talent_request_id [<matcher>] [<header>]
//
// header defaults to X-Request-Id.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		h.Header = d.Val()
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	if d.NextBlock(0) {
		return d.Errf("talent_request_id takes no block, got %q", d.Val())
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
