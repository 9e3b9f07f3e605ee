package canary

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("talent_canary", parseCaddyfile)
	// Choose the side just before the handle blocks that route on it.
	httpcaddyfile.RegisterDirectiveOrder("talent_canary", httpcaddyfile.Before, "handle")
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	talent_canary [<matcher>] {
//		id            <admin API id>
//		name          <state and metrics name>
//		weight        <percent>
//		user_cookie   <cookie>
//		user_header   <header>
//		device_header <header>
//		bucket_cookie <cookie>
//		force_header  <header>
//		state_file    <path>
//		except        <path pattern>...
//		rollback off
//		rollback {
//			window       <duration>
//			slots        <n>
//			margin       <percentage points>
//			min_requests <n>
//		}
//	}
//
// The weight is always written to the JSON, so the admin API can PATCH it.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	strs := map[string]*string{
		"id": &h.ID, "name": &h.Name, "user_cookie": &h.UserCookie, "user_header": &h.UserHeader,
		"device_header": &h.DeviceHeader, "bucket_cookie": &h.BucketCookie, "force_header": &h.ForceHeader,
		"state_file": &h.StateFile,
	}
	for d.NextBlock(0) {
		opt := d.Val()
		if p, ok := strs[opt]; ok {
			if !d.NextArg() {
				return d.ArgErr()
			}
			*p = d.Val()
			if d.NextArg() {
				return d.ArgErr()
			}
			continue
		}
		switch opt {
		case "except":
			paths := d.RemainingArgs()
			if len(paths) == 0 {
				return d.Errf("talent_canary: except: want the path patterns to pass on untouched")
			}
			h.Except = append(h.Except, paths...)
		case "weight":
			f, err := floatArg(d)
			if err != nil {
				return err
			}
			h.Weight = &f
		case "rollback":
			if err := h.unmarshalRollback(d); err != nil {
				return err
			}
		default:
			return d.Errf("talent_canary: unknown option %q", opt)
		}
	}
	if h.Weight == nil {
		w := DefaultWeight
		h.Weight = &w
	}
	return nil
}

func (h *Handler) unmarshalRollback(d *caddyfile.Dispenser) error {
	rb := new(Rollback)
	h.Rollback = rb
	if d.NextArg() {
		if d.Val() != "off" || d.NextArg() {
			return d.Errf("talent_canary: rollback takes off or a block, got %q", d.Val())
		}
		rb.Disabled = true
		return nil
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "window":
			if !d.NextArg() {
				return d.ArgErr()
			}
			dur, err := caddy.ParseDuration(d.Val())
			if err != nil {
				return d.Errf("talent_canary: rollback window: %v", err)
			}
			rb.Window = caddy.Duration(dur)
		case "slots", "min_requests":
			opt := d.Val()
			if !d.NextArg() {
				return d.ArgErr()
			}
			n, err := strconv.Atoi(d.Val())
			if err != nil || n < 1 {
				return d.Errf("talent_canary: rollback %s: want a positive integer, got %q", opt, d.Val())
			}
			if opt == "slots" {
				rb.Slots = n
			} else {
				rb.MinRequests = n
			}
		case "margin":
			f, err := floatArg(d)
			if err != nil {
				return err
			}
			rb.Margin = &f
		default:
			return d.Errf("talent_canary: unknown rollback option %q", d.Val())
		}
		if d.NextArg() {
			return d.ArgErr()
		}
	}
	return nil
}

func floatArg(d *caddyfile.Dispenser) (float64, error) {
	opt := d.Val()
	if !d.NextArg() {
		return 0, d.ArgErr()
	}
	f, err := strconv.ParseFloat(d.Val(), 64)
	if err != nil {
		return 0, d.Errf("talent_canary: %s: want a number, got %q", opt, d.Val())
	}
	if d.NextArg() {
		return 0, d.ArgErr()
	}
	return f, nil
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var handler Handler
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return &handler, err
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)
