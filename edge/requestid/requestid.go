// Package requestid is a Caddy HTTP handler module, talent_request_id, that
// gives every request an ID. An ID sent by the client is kept when it is
// well formed (at most 64 characters of A-Z, a-z, 0-9, '-' and '_');
// otherwise the edge generates one. The ID is passed to the upstream in the
// request header, returned to the client in the response header, stored in
// the request variable talent_request_id (placeholder
// {http.vars.talent_request_id}) and added to the access log as request_id.
package requestid

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"golang.org/x/net/http/httpguts"

	"github.com/talent-hub/talent/edge/internal/logfield"
)

// DefaultHeader is the header field that carries the request ID when the
// configuration names none.
const DefaultHeader = "X-Request-Id"

// MaxLen is the longest request ID accepted from a client.
const MaxLen = 64

// VarName is the request variable holding the request ID; other handlers
// read it with the placeholder {http.vars.talent_request_id}.
const VarName = "talent_request_id"

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler sets and propagates the request ID header. Its zero value, once
// provisioned, uses DefaultHeader.
type Handler struct {
	// Header is the header field carrying the ID, in both directions.
	// Default: X-Request-Id.
	Header string `json:"header,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.talent_request_id",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision fills in defaults.
func (h *Handler) Provision(caddy.Context) error {
	if h.Header == "" {
		h.Header = DefaultHeader
	}
	h.Header = http.CanonicalHeaderKey(h.Header)
	return nil
}

// Validate reports whether the configured header name is a valid field name.
func (h *Handler) Validate() error {
	if !httpguts.ValidHeaderFieldName(h.Header) {
		return fmt.Errorf("validate header %q: not a valid header field name", h.Header)
	}
	return nil
}

// ServeHTTP keeps or creates the request ID, sets it on the request that
// travels on to the next handler (and so to any upstream) and on the
// response, then calls next.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	// Set up in a call of its own, so that its frame is gone before the
	// rest of the chain runs on this goroutine's stack.
	return next.ServeHTTP(h.setUp(w, r), r)
}

// setUp keeps or creates the ID, sets it on the request, the response,
// the request's variables and the log, and returns the response writer
// that keeps the response's ID.
func (h *Handler) setUp(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	id := r.Header.Get(h.Header)
	if len(r.Header.Values(h.Header)) != 1 || !Valid(id) {
		id = New()
	}
	// The request's and the response's value in one allocation, as two
	// full slices: an Add to either copies it rather than growing into
	// the other. The response's is set again as the header is written.
	both := []string{id, id}
	r.Header[h.Header] = both[0:1:1]
	ids := both[1:2:2]
	w.Header()[h.Header] = ids
	caddyhttp.SetVar(r.Context(), VarName, id)
	logfield.Set(r, zap.String("request_id", id))
	return &responseWriter{
		ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: w},
		header:                h.Header,
		ids:                   ids,
	}
}

// Valid reports whether id is acceptable as a request ID: 1 to MaxLen
// characters of A-Z, a-z, 0-9, '-' and '_'.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// New returns a fresh random request ID: 26 characters of base32 holding
// 128 bits from crypto/rand.
func New() string {
	return rand.Text()
}

// responseWriter makes sure the response carries exactly one request ID,
// even when an upstream echoes the header back (reverse_proxy adds the
// upstream's response headers to the ones already set).
type responseWriter struct {
	caddyhttp.ResponseWriterWrapper
	header      string
	ids         []string // the ID, as the one value of the header
	wroteHeader bool
}

func (rw *responseWriter) WriteHeader(status int) {
	if !rw.wroteHeader {
		rw.ResponseWriterWrapper.Header()[rw.header] = rw.ids
		rw.wroteHeader = status >= 200
	}
	rw.ResponseWriterWrapper.WriteHeader(status)
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	return rw.ResponseWriterWrapper.Write(p)
}

func (rw *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	if !rw.wroteHeader {
		rw.WriteHeader(http.StatusOK)
	}
	return rw.ResponseWriterWrapper.ReadFrom(r)
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ http.ResponseWriter         = (*responseWriter)(nil)
	_ io.ReaderFrom               = (*responseWriter)(nil)
)
