// Package accesslog is a Caddy HTTP handler module, talent_access_log,
// that writes one JSON line per request: the edge's access log (SEC-1,
// docs/edge.md).
//
// Caddy's own access log (the `log` directive) costs about 25 µs of CPU
// per request on the edge (`make bench-edge`, docs/ops/benchmarks.md):
// it builds a logger per request, marshals the whole request with its
// headers through zap, and the filter encoder that drops the headers
// again wraps every field. An access line needs none of that. This
// handler appends the line's fields straight into a pooled buffer after
// the response and hands the line to a Caddy log writer (talent_buffered
// batches them): the same line shape as Caddy's (level, ts, logger
// "http.log.access", msg "handled request", request{remote_ip,
// remote_port, client_ip, proto, method, host, uri}, duration, size,
// status) without the header maps, plus the configured fields, read from
// placeholders once the response is done (request ID, canary side,
// upstream and its latency, user agent).
package accesslog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	caddy.RegisterModule(new(Handler))
}

// LoggerName is the "logger" of every line, as in Caddy's access log.
const LoggerName = "http.log.access"

// Handler writes an access log line per request.
type Handler struct {
	// OutputRaw is the log writer module (caddy.logging.writers.*) the
	// lines go to. Default: stderr.
	OutputRaw json.RawMessage `json:"output,omitempty" caddy:"namespace=caddy.logging.writers inline_key=output"`
	// Fields are added to every line, after the fixed ones.
	Fields []Field `json:"fields,omitempty"`

	out    io.WriteCloser
	fields []field
	bufs   sync.Pool // *[]byte
}

// Field is a field of every line: Key, and Value, a placeholder such as
// {http.vars.talent_request_id} (written with its type; null when it has
// no value) or a constant string.
type Field struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type field struct {
	key         string // JSON-quoted, with the colon: "key":
	placeholder string // without braces; "" for a constant
	constant    string // JSON-quoted
}

// CaddyModule returns the Caddy module information.
func (*Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.talent_access_log",
		New: func() caddy.Module { return new(Handler) },
	}
}

// fixedKeys are the keys of every line; a Field may not take them.
var fixedKeys = map[string]bool{
	"level": true, "ts": true, "logger": true, "msg": true, "request": true,
	"duration": true, "size": true, "status": true,
}

// Provision opens the writer and lays the fields out.
func (h *Handler) Provision(ctx caddy.Context) error {
	if err := h.Validate(); err != nil {
		return err
	}
	var wo caddy.WriterOpener = caddy.StderrWriter{}
	if h.OutputRaw != nil {
		mod, err := ctx.LoadModule(h, "OutputRaw")
		if err != nil {
			return fmt.Errorf("load access log output: %w", err)
		}
		wo = mod.(caddy.WriterOpener)
	}
	out, err := wo.OpenWriter()
	if err != nil {
		return fmt.Errorf("open access log output %s: %w", wo, err)
	}
	h.out = out
	h.fields = make([]field, len(h.Fields))
	for i, f := range h.Fields {
		h.fields[i].key = string(appendString(nil, f.Key)) + ":"
		if strings.HasPrefix(f.Value, "{") && strings.HasSuffix(f.Value, "}") && strings.Count(f.Value, "{") == 1 {
			h.fields[i].placeholder = f.Value[1 : len(f.Value)-1]
		} else {
			h.fields[i].constant = string(appendString(nil, f.Value))
		}
	}
	return nil
}

// Validate checks that the fields have keys of their own and values.
func (h *Handler) Validate() error {
	seen := map[string]bool{}
	for _, f := range h.Fields {
		if f.Key == "" || f.Value == "" {
			return fmt.Errorf("validate access log field %q: want a key and a value", f.Key)
		}
		if fixedKeys[f.Key] || seen[f.Key] {
			return fmt.Errorf("validate access log field %q: named twice (level, ts, logger, msg, request, duration, size and status are every line's own)", f.Key)
		}
		seen[f.Key] = true
	}
	return nil
}

// Cleanup closes the writer (a buffered one flushes).
func (h *Handler) Cleanup() error {
	if h.out == nil {
		return nil
	}
	return h.out.Close()
}

// ServeHTTP runs the rest of the chain with a writer that notes the
// status and size, then writes the line.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	rec := &recorder{ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: w}, start: time.Now()}
	err := next.ServeHTTP(rec, r)
	h.write(rec, r, err)
	return err
}

// write appends the line into a pooled buffer and writes it.
func (h *Handler) write(rec *recorder, r *http.Request, err error) {
	status := rec.status
	if err != nil && status == 0 {
		// Caddy writes the error response after this handler returns.
		status = http.StatusInternalServerError
		if he, ok := errors.AsType[caddyhttp.HandlerError](err); ok && he.StatusCode != 0 {
			status = he.StatusCode
		}
	} else if status == 0 {
		status = http.StatusOK
	}
	duration := time.Since(rec.start)

	bp, _ := h.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b := (*bp)[:0]
	if status >= 500 {
		b = append(b, `{"level":"error","ts":`...)
	} else {
		b = append(b, `{"level":"info","ts":`...)
	}
	now := time.Now()
	b = strconv.AppendFloat(b, float64(now.UnixNano())/1e9, 'f', 6, 64)
	b = append(b, `,"logger":"`+LoggerName+`","msg":"handled request","request":{"remote_ip":`...)
	ip, port, splitErr := net.SplitHostPort(r.RemoteAddr)
	if splitErr != nil {
		ip, port = r.RemoteAddr, ""
	}
	b = appendString(b, ip)
	b = append(b, `,"remote_port":`...)
	b = appendString(b, port)
	b = append(b, `,"client_ip":`...)
	clientIP, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	if clientIP == "" {
		clientIP = ip
	}
	b = appendString(b, clientIP)
	b = append(b, `,"proto":`...)
	b = appendString(b, r.Proto)
	b = append(b, `,"method":`...)
	b = appendString(b, r.Method)
	b = append(b, `,"host":`...)
	b = appendString(b, r.Host)
	b = append(b, `,"uri":`...)
	b = appendString(b, r.RequestURI)
	b = append(b, `},"duration":`...)
	b = strconv.AppendFloat(b, duration.Seconds(), 'f', -1, 64)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, rec.size, 10)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	if len(h.fields) > 0 {
		repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
		for _, f := range h.fields {
			b = append(b, ',')
			b = append(b, f.key...)
			if f.placeholder == "" {
				b = append(b, f.constant...)
				continue
			}
			var v any
			if repl != nil {
				v, _ = repl.Get(f.placeholder)
			}
			b = appendValue(b, v)
		}
	}
	b = append(b, "}\n"...)
	_, _ = h.out.Write(b) // a log writer that fails has nowhere to say so
	*bp = b
	if cap(b) <= 16<<10 {
		h.bufs.Put(bp)
	}
}

// appendValue appends v as JSON: numbers and booleans as themselves,
// nil as null, anything else as a string.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return appendString(b, strconv.FormatFloat(v, 'f', -1, 64))
		}
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	case bool:
		return strconv.AppendBool(b, v)
	case time.Duration:
		return strconv.AppendFloat(b, v.Seconds(), 'f', -1, 64)
	case fmt.Stringer:
		return appendString(b, v.String())
	default:
		return appendString(b, fmt.Sprint(v))
	}
}

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// recorder notes the response's status and size for the line.
type recorder struct {
	caddyhttp.ResponseWriterWrapper
	start  time.Time
	status int
	size   int64
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 && status >= 200 {
		rec.status = status
	}
	rec.ResponseWriterWrapper.WriteHeader(status)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriterWrapper.Write(p)
	rec.size += int64(n)
	return n, err
}

func (rec *recorder) ReadFrom(r io.Reader) (int64, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriterWrapper.ReadFrom(r)
	rec.size += n
	return n, err
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ http.ResponseWriter         = (*recorder)(nil)
	_ io.ReaderFrom               = (*recorder)(nil)
)
