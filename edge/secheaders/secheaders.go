// Package secheaders is a Caddy HTTP handler module,
// talent_security_headers, that sets a fixed set of response headers on
// every response: the edge's security headers (SEC-1: HSTS, the CSP go-app
// works with, X-Content-Type-Options, ...).
//
// It does what Caddy's `header` directive does with plain `Name value`
// lines (set before the next handler runs, replacing a value already
// there; an upstream's own value of the same header is added beside it by
// reverse_proxy, as with `header`), without its per-request work: names
// are canonicalized and values checked once, at Provision, and no
// placeholder is expanded. Per request it copies the values into one new
// slice (so no two responses share a backing array) and sets each header
// from it: one allocation, where `header` makes two per header
// (BenchmarkServeHTTP, docs/ops/benchmarks.md). Values are fixed strings:
// use `header` for anything with placeholders.
package secheaders

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"golang.org/x/net/http/httpguts"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler sets Headers on every response.
type Handler struct {
	// Headers maps a header name to its one value.
	Headers map[string]string `json:"headers,omitempty"`

	names  []string // canonical, sorted
	values []string // values[i] is the value of names[i]
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.talent_security_headers",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision checks the headers and lays them out for ServeHTTP.
func (h *Handler) Provision(caddy.Context) error {
	if err := h.Validate(); err != nil {
		return err
	}
	byName := make(map[string]string, len(h.Headers))
	for name, value := range h.Headers {
		name = http.CanonicalHeaderKey(name)
		if _, dup := byName[name]; dup {
			return fmt.Errorf("provision talent_security_headers: %s is named twice (names are case-insensitive)", name)
		}
		byName[name] = value
	}
	h.names = slices.Sorted(maps.Keys(byName))
	h.values = make([]string, len(h.names))
	for i, name := range h.names {
		h.values[i] = byName[name]
	}
	return nil
}

// Validate checks that every name and value may go on the wire, and that
// no value holds a placeholder (this module would send it literally).
func (h *Handler) Validate() error {
	if len(h.Headers) == 0 {
		return errors.New("validate talent_security_headers: no headers")
	}
	for name, value := range h.Headers {
		if !httpguts.ValidHeaderFieldName(name) {
			return fmt.Errorf("validate header %q: not a valid header field name", name)
		}
		if !httpguts.ValidHeaderFieldValue(value) || value == "" {
			return fmt.Errorf("validate header %s: value %q is empty or not a valid header field value", name, value)
		}
		if i := strings.IndexByte(value, '{'); i >= 0 && strings.IndexByte(value[i:], '}') > 0 {
			return fmt.Errorf("validate header %s: value %q looks like it holds a placeholder; use Caddy's header directive for that", name, value)
		}
	}
	return nil
}

// ServeHTTP sets the headers and calls next.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	vals := slices.Clone(h.values)
	hdr := w.Header()
	for i, name := range h.names {
		hdr[name] = vals[i : i+1 : i+1] // full: an Add copies
	}
	return next.ServeHTTP(w, r)
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
