// Package stackreserve is a Caddy HTTP handler module,
// talent_stack_reserve, that grows the request goroutine's stack once, at
// the top of the handler chain, to the size a proxied request needs.
//
// Go's HTTP/2 server runs every request on a new goroutine, whose stack
// starts small (a few KB) and doubles whenever a call needs more. A
// request through the edge's handlers, Caddy's reverse proxy and the HTTP/2
// client to the backend needs far more, so its stack grew two or three
// times per request, each time deep in the chain, where copying it means
// moving and adjusting every frame: about 24 µs of CPU per request in
// `make bench-edge`, against 13 µs for plain Caddy, whose chain is shorter
// (docs/ops/benchmarks.md). This handler calls a function with a Reserve-
// sized frame first thing, while the stack is still shallow: the runtime
// grows the stack once, to fit it, cheaply, and the rest of the request
// runs without further growth (about 8 µs per request in the same bench).
// The goroutine ends with the request, and its stack goes back to the
// runtime's cache.
package stackreserve

import (
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// Reserve is the frame, in bytes, that the handler makes room for. With
// what the server has used by then it takes the stack to 16 KB from the
// runtime's per-P stack cache (stacks of 32 KB and more come from a
// locked pool); a proxied request through the edge fits in it. Measured
// with `make bench-edge`: 6 KB left one growth deep in the chain, 12 KB
// none.
const Reserve = 12 << 10

func init() {
	caddy.RegisterModule(Handler{})
	httpcaddyfile.RegisterHandlerDirective("talent_stack_reserve", parseCaddyfile)
	// First of all: the stack is shallowest there.
	httpcaddyfile.RegisterDirectiveOrder("talent_stack_reserve", httpcaddyfile.Before, "tracing")
}

// Handler reserves the stack and calls the next handler.
type Handler struct{}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.talent_stack_reserve",
		New: func() caddy.Module { return new(Handler) },
	}
}

// ServeHTTP grows the stack, then calls next.
func (Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	reserve(len(r.URL.Path))
	return next.ServeHTTP(w, r)
}

// reserve has a Reserve-byte frame: calling it makes the runtime grow the
// stack to fit. The array is indexed by a value the compiler cannot know,
// so that it is not optimized away (TestReserveKeepsItsFrame).
//
//go:noinline
func reserve(i int) byte {
	var buf [Reserve]byte
	buf[i%Reserve] = byte(i)
	return buf[(i*7)%Reserve]
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	talent_stack_reserve
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	if d.NextBlock(0) {
		return d.Errf("talent_stack_reserve takes no block, got %q", d.Val())
	}
	return nil
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var handler Handler
	err := handler.UnmarshalCaddyfile(h.Dispenser)
	return &handler, err
}

// Interface guards.
var (
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ caddyfile.Unmarshaler       = (*Handler)(nil)
)
