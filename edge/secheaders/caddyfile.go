package secheaders

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("talent_security_headers", parseCaddyfile)
	// Where Caddy's own `header` directive runs: before any handler
	// that may answer.
	httpcaddyfile.RegisterDirectiveOrder("talent_security_headers", httpcaddyfile.Before, "header")
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	talent_security_headers [<matcher>] {
//		<name> <value>
//		...
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		name := d.Val()
		if !d.NextArg() {
			return d.Errf("header %s: want a value", name)
		}
		value := d.Val()
		if d.NextArg() {
			return d.Errf("header %s: want one value, got more (quote a value with spaces)", name)
		}
		if h.Headers == nil {
			h.Headers = map[string]string{}
		}
		if _, dup := h.Headers[name]; dup {
			return d.Errf("header %s: set twice", name)
		}
		h.Headers[name] = value
	}
	if len(h.Headers) == 0 {
		return d.Err("talent_security_headers: want a block of <name> <value> lines")
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
