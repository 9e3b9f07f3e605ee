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
//		for <path pattern>... {
//			<name> <value>
//			...
//		}
//	}
//
// A `for` block's headers replace the others on requests whose path
// matches one of its patterns (the first `for` block that matches wins).
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		if d.Val() == "for" {
			ps := PathSet{Paths: d.RemainingArgs()}
			if len(ps.Paths) == 0 {
				return d.Err("talent_security_headers: for: want the path patterns it applies to")
			}
			for nesting := d.Nesting(); d.NextBlock(nesting); {
				if err := headerLine(d, &ps.Headers); err != nil {
					return err
				}
			}
			if len(ps.Headers) == 0 {
				return d.Errf("talent_security_headers: for %s: want a block of <name> <value> lines", ps.Paths[0])
			}
			h.PathSets = append(h.PathSets, ps)
			continue
		}
		if err := headerLine(d, &h.Headers); err != nil {
			return err
		}
	}
	if len(h.Headers) == 0 {
		return d.Err("talent_security_headers: want a block of <name> <value> lines")
	}
	return nil
}

// headerLine reads one `<name> <value>` line into *headers.
func headerLine(d *caddyfile.Dispenser, headers *map[string]string) error {
	name := d.Val()
	if !d.NextArg() {
		return d.Errf("header %s: want a value", name)
	}
	value := d.Val()
	if d.NextArg() {
		return d.Errf("header %s: want one value, got more (quote a value with spaces)", name)
	}
	if *headers == nil {
		*headers = map[string]string{}
	}
	if _, dup := (*headers)[name]; dup {
		return d.Errf("header %s: set twice", name)
	}
	(*headers)[name] = value
	return nil
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var handler Handler
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return &handler, err
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)
