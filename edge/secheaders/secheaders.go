// Package secheaders is a Caddy HTTP handler module,
// talent_security_headers, that sets a fixed set of response headers on
// every response: the edge's security headers (SEC-1: HSTS, the CSP go-app
// works with, X-Content-Type-Options, ...). Requests on chosen paths can
// get another set instead (the edge gives RPCs the short set for APIs):
// the module picks the set by the request path itself, so the edge needs
// no matcher (and no route of Caddy's) per set.
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

	"github.com/talent-hub/talent/edge/internal/pathmatch"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler sets Headers on every response, or the Headers of the first of
// PathSets whose paths match the request's.
type Handler struct {
	// Headers maps a header name to its one value.
	Headers map[string]string `json:"headers,omitempty"`
	// PathSets are other sets for requests on their paths, tried in order.
	PathSets []PathSet `json:"path_sets,omitempty"`

	def  headerSet
	sets []headerSet
}

// PathSet is a set of headers for the requests whose path matches Paths
// (patterns as Caddy's path matcher takes them: case-insensitive, "/a/*"
// prefix, "*.x" suffix, globs).
type PathSet struct {
	Paths   []string          `json:"paths"`
	Headers map[string]string `json:"headers"`
}

// headerSet is a set laid out for ServeHTTP.
type headerSet struct {
	paths  pathmatch.Matcher
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
	var err error
	if h.def, err = layOut(h.Headers); err != nil {
		return err
	}
	h.sets = make([]headerSet, len(h.PathSets))
	for i, ps := range h.PathSets {
		if h.sets[i], err = layOut(ps.Headers); err != nil {
			return err
		}
		if h.sets[i].paths, err = pathmatch.Compile(ps.Paths); err != nil {
			return fmt.Errorf("provision talent_security_headers: %w", err)
		}
	}
	return nil
}

func layOut(headers map[string]string) (headerSet, error) {
	byName := make(map[string]string, len(headers))
	for name, value := range headers {
		name = http.CanonicalHeaderKey(name)
		if _, dup := byName[name]; dup {
			return headerSet{}, fmt.Errorf("provision talent_security_headers: %s is named twice (names are case-insensitive)", name)
		}
		byName[name] = value
	}
	set := headerSet{names: slices.Sorted(maps.Keys(byName))}
	set.values = make([]string, len(set.names))
	for i, name := range set.names {
		set.values[i] = byName[name]
	}
	return set, nil
}

// Validate checks that every set has headers (and every path set paths),
// that every name and value may go on the wire, and that no value holds a
// placeholder (this module would send it literally).
func (h *Handler) Validate() error {
	if err := validateHeaders(h.Headers); err != nil {
		return err
	}
	for i, ps := range h.PathSets {
		if len(ps.Paths) == 0 {
			return fmt.Errorf("validate talent_security_headers: path set %d has no paths", i+1)
		}
		if err := validateHeaders(ps.Headers); err != nil {
			return fmt.Errorf("path set %d (%s): %w", i+1, strings.Join(ps.Paths, " "), err)
		}
	}
	return nil
}

func validateHeaders(headers map[string]string) error {
	if len(headers) == 0 {
		return errors.New("validate talent_security_headers: no headers")
	}
	for name, value := range headers {
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

// ServeHTTP sets the request's set of headers and calls next.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	// Set in a call of its own, so that its frame is gone before the
	// rest of the chain runs on this goroutine's stack.
	h.set(w, r)
	return next.ServeHTTP(w, r)
}

func (h *Handler) set(w http.ResponseWriter, r *http.Request) {
	set := &h.def
	if len(h.sets) > 0 {
		p := pathmatch.Prepare(r.URL.Path)
		for i := range h.sets {
			if h.sets[i].paths.Match(&p) {
				set = &h.sets[i]
				break
			}
		}
	}
	vals := slices.Clone(set.values)
	hdr := w.Header()
	for i, name := range set.names {
		hdr[name] = vals[i : i+1 : i+1] // full: an Add copies
	}
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
