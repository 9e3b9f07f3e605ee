package keywords

import (
	"path/filepath"
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("talent_keywords", parseCaddyfile)
	// Judge after the request ID is set (so refusals are logged with it)
	// and before anything that answers or proxies the request.
	httpcaddyfile.RegisterDirectiveOrder("talent_keywords", httpcaddyfile.Before, "request_body")
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Relative
// list paths are relative to the Caddyfile's folder. Syntax:
//
//	talent_keywords [<matcher>] {
//		block_file  <path>...
//		review_file <path>...
//		block_url   <url>...
//		review_url  <url>...
//		lists_url   [<base url>]
//		block       <word>...
//		review      <word>...
//		max_bytes   <bytes>
//		reload_interval <duration>
//		route       <name>
//		except      <path pattern>...
//	}
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch opt := d.Val(); opt {
		case "block_file", "review_file", "block_url", "review_url", "block", "review":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			switch opt {
			case "block_file":
				h.BlockFiles = append(h.BlockFiles, relativeTo(d.File(), args)...)
			case "review_file":
				h.ReviewFiles = append(h.ReviewFiles, relativeTo(d.File(), args)...)
			case "block_url":
				h.BlockURLs = append(h.BlockURLs, args...)
			case "review_url":
				h.ReviewURLs = append(h.ReviewURLs, args...)
			case "block":
				h.Block = append(h.Block, args...)
			case "review":
				h.Review = append(h.Review, args...)
			}
		case "lists_url":
			// No argument (an unset {$TALENT_KEYWORDS_URL}) means none.
			args := d.RemainingArgs()
			if len(args) > 1 {
				return d.ArgErr()
			}
			h.ListsURL = ""
			if len(args) == 1 {
				h.ListsURL = args[0]
			}
		case "max_bytes":
			if !d.NextArg() {
				return d.ArgErr()
			}
			n, err := strconv.ParseInt(d.Val(), 10, 64)
			if err != nil || n <= 0 {
				return d.Errf("max_bytes %q: want a positive number of bytes", d.Val())
			}
			h.MaxBytes = n
			if d.NextArg() {
				return d.ArgErr()
			}
		case "reload_interval":
			if !d.NextArg() {
				return d.ArgErr()
			}
			dur, err := caddy.ParseDuration(d.Val())
			if err != nil || dur <= 0 {
				return d.Errf("reload_interval %q: want a positive duration", d.Val())
			}
			h.ReloadInterval = caddy.Duration(dur)
			if d.NextArg() {
				return d.ArgErr()
			}
		case "route":
			if !d.NextArg() {
				return d.ArgErr()
			}
			h.Route = d.Val()
			if d.NextArg() {
				return d.ArgErr()
			}
		case "except":
			paths := d.RemainingArgs()
			if len(paths) == 0 {
				return d.Errf("talent_keywords: except: want the path patterns to pass on unjudged")
			}
			h.Except = append(h.Except, paths...)
		default:
			return d.Errf("talent_keywords: unknown option %q", opt)
		}
	}
	return nil
}

// relativeTo resolves relative list paths against the folder of the
// Caddyfile that names them, so the edge finds its lists whatever its
// working directory.
func relativeTo(caddyfile string, paths []string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if !filepath.IsAbs(p) && caddyfile != "" {
			p = filepath.Join(filepath.Dir(caddyfile), p)
		}
		out = append(out, p)
	}
	return out
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var handler Handler
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return &handler, err
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)
