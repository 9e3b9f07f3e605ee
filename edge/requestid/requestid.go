// Package requestid is a Caddy HTTP handler module, talent_request_id, that
// gives every request an ID. An ID sent by the client is kept when it is
// well formed (at most 64 characters of A-Z, a-z, 0-9, '-' and '_');
// otherwise the edge generates one. The ID is passed to the upstream in the
// request header, returned to the client in the response header, stored in
// the request variable talent_request_id (placeholder
// {http.vars.talent_request_id}) and added to the access log as request_id.
//
// It can add more fields to the access log line (LogFields): what Caddy's
// log_append does with one handler per field, done here in the handler
// the edge runs anyway, and evaluated only when the line is written.
package requestid

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/net/http/httpguts"
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
	// LogFields are added to the request's access log line after
	// request_id, with their values as the line is written (after the
	// response, as log_append does): so {http.reverse_proxy.upstream.*}
	// placeholders have their values.
	LogFields []LogField `json:"log_fields,omitempty"`

	fields []logField
}

// LogField is an access log field: Key, and Value, a placeholder such as
// {http.request.header.User-Agent} (logged with the placeholder's type;
// null when it has no value) or a constant.
type LogField struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type logField struct {
	key         string
	placeholder string // without braces; "" for a constant
	constant    string
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
	h.fields = make([]logField, len(h.LogFields))
	for i, f := range h.LogFields {
		h.fields[i].key = f.Key
		if strings.HasPrefix(f.Value, "{") && strings.HasSuffix(f.Value, "}") && strings.Count(f.Value, "{") == 1 {
			h.fields[i].placeholder = f.Value[1 : len(f.Value)-1]
		} else {
			h.fields[i].constant = f.Value
		}
	}
	return nil
}

// Validate reports whether the configured header name is a valid field
// name and the log fields have distinct keys of their own.
func (h *Handler) Validate() error {
	if !httpguts.ValidHeaderFieldName(h.Header) {
		return fmt.Errorf("validate header %q: not a valid header field name", h.Header)
	}
	seen := map[string]bool{"request_id": true}
	for _, f := range h.LogFields {
		if f.Key == "" || f.Value == "" {
			return fmt.Errorf("validate log field %q: want a key and a value", f.Key)
		}
		if seen[f.Key] {
			return fmt.Errorf("validate log field %q: named twice (request_id is this handler's own)", f.Key)
		}
		seen[f.Key] = true
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
// the request's variables and its log fields, and returns the response
// writer that keeps the response's ID.
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
	if extra, ok := r.Context().Value(caddyhttp.ExtraLogFieldsCtxKey).(*caddyhttp.ExtraLogFields); ok {
		// One field for the ID and all of LogFields, marshalled inline
		// only when the line is written.
		repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
		extra.Add(zap.Inline(&lineFields{id: id, fields: h.fields, repl: repl}))
	}
	return &responseWriter{
		ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: w},
		header:                h.Header,
		ids:                   ids,
	}
}

// lineFields are a request's fields of the access log line.
type lineFields struct {
	id     string
	fields []logField
	repl   *caddy.Replacer
}

// MarshalLogObject writes request_id and the log fields, reading the
// placeholders now: the line is written after the response.
func (l *lineFields) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("request_id", l.id)
	for _, f := range l.fields {
		if f.placeholder == "" {
			enc.AddString(f.key, f.constant)
			continue
		}
		var v any
		if l.repl != nil {
			v, _ = l.repl.Get(f.placeholder)
		}
		// zap.Any as log_append uses it: the value's own type.
		zap.Any(f.key, v).AddTo(enc)
	}
	return nil
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
