package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("talent_ratelimit", parseCaddyfile)
	// After header, so a refusal carries HSTS and the security headers;
	// before request_body, handle and reverse_proxy, so a limited request
	// costs no body reading, filtering or upstream work.
	httpcaddyfile.RegisterDirectiveOrder("talent_ratelimit", httpcaddyfile.After, "header")
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	talent_ratelimit [<matcher>] {
//		zone <name> {
//			key      ip|caller [ip|caller]
//			rate     <events>/<window>    # 10/m, 60/min, 5/s, 100/h, 20/30s
//			burst    <n>
//			paths    <path pattern...>
//			max_keys <n>
//		}
//		...
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		if d.Val() != "zone" {
			return d.Errf("unknown talent_ratelimit option %q, want zone", d.Val())
		}
		z := &Zone{}
		if !d.Args(&z.Name) {
			return d.ArgErr()
		}
		if d.NextArg() {
			return d.ArgErr()
		}
		for nesting := d.Nesting(); d.NextBlock(nesting); {
			opt := d.Val()
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			switch opt {
			case "key":
				z.Key = append(z.Key, args...)
			case "rate":
				if len(args) != 1 {
					return d.ArgErr()
				}
				events, window, err := parseRate(args[0])
				if err != nil {
					return d.Errf("zone %s: %v", z.Name, err)
				}
				z.Events, z.Window = events, caddy.Duration(window)
			case "burst", "max_keys":
				if len(args) != 1 {
					return d.ArgErr()
				}
				n, err := strconv.Atoi(args[0])
				if err != nil || n < 1 {
					return d.Errf("zone %s: %s %q: want a positive integer", z.Name, opt, args[0])
				}
				if opt == "burst" {
					z.Burst = n
				} else {
					z.MaxKeys = n
				}
			case "paths":
				z.Paths = append(z.Paths, args...)
			default:
				return d.Errf("zone %s: unknown option %q", z.Name, opt)
			}
		}
		if z.Events == 0 {
			return d.Errf("zone %s: rate is required", z.Name)
		}
		h.Zones = append(h.Zones, z)
	}
	if len(h.Zones) == 0 {
		return d.Err("talent_ratelimit needs at least one zone")
	}
	return nil
}

// parseRate reads "<events>/<window>", where window is s, m or h (or their
// long forms) or a Caddy duration such as 30s.
func parseRate(s string) (int, time.Duration, error) {
	ev, win, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("rate %q: want <events>/<window>", s)
	}
	events, err := strconv.Atoi(ev)
	if err != nil || events < 1 {
		return 0, 0, fmt.Errorf("rate %q: events must be a positive integer", s)
	}
	var window time.Duration
	switch win {
	case "s", "sec", "second":
		window = time.Second
	case "m", "min", "minute":
		window = time.Minute
	case "h", "hour":
		window = time.Hour
	default:
		window, err = caddy.ParseDuration(win)
		if err != nil || window <= 0 {
			return 0, 0, fmt.Errorf("rate %q: window must be s, m, h or a positive duration", s)
		}
	}
	return events, window, nil
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var handler Handler
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return &handler, err
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)
