package accesslog

import (
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	// Imported so that its directive is ordered first: this one then
	// comes before it.
	_ "github.com/talent-hub/talent/edge/requestid"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("talent_access_log", parseCaddyfile)
	// Outermost (right after tracing, before talent_request_id, which
	// registered the same place first): the line has the final status,
	// size and duration.
	httpcaddyfile.RegisterDirectiveOrder("talent_access_log", httpcaddyfile.After, "tracing")
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	talent_access_log [<matcher>] {
//		output <writer module> ...
//		field  <key> <value>
//		...
//	}
//
// output takes any Caddy log writer, as the `log` directive's does
// (talent_buffered stderr, stdout, file <path>, ...); default stderr. A
// field's value is a placeholder or a constant.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "output":
			if !d.NextArg() {
				return d.ArgErr()
			}
			name := d.Val()
			mod, err := caddyfile.UnmarshalModule(d, "caddy.logging.writers."+name)
			if err != nil {
				return d.Errf("talent_access_log: output %s: %v", name, err)
			}
			h.OutputRaw = caddyconfig.JSONModuleObject(mod, "output", name, nil)
		case "field":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("talent_access_log: field: want <key> <value>, got %d arguments", len(args))
			}
			h.Fields = append(h.Fields, Field{Key: args[0], Value: args[1]})
		default:
			return d.Errf("talent_access_log: unknown option %q", d.Val())
		}
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
