// Package keywords is a Caddy HTTP handler module, talent_keywords, that
// refuses requests carrying banned words before they reach the backend
// (SEC-5).
//
// It judges what the backend would see, not raw bytes: the URL query
// (including a Connect GET request's message), and the body by its
// Content-Type: Connect unary (application/json, application/proto, with
// Content-Encoding gzip), Connect streaming envelopes
// (application/connect+json, +proto, with Connect-Content-Encoding and the
// per-message compressed flag), gRPC and gRPC-Web frames
// (application/grpc[+proto|+json], application/grpc-web[+proto|+json],
// application/grpc-web-text, grpc-encoding gzip, compressed flag per
// frame), forms (application/x-www-form-urlencoded) and JSON. Binary
// protobuf is walked without a schema: every length-delimited field that is
// valid UTF-8 is judged as text, and every one is also walked as a nested
// message. Other bodies are judged as text. Compressions the backend does
// not accept (anything but gzip) are refused with a clear error.
//
// Text is normalized before matching (see Normalize): compatibility forms
// (full-width letters), case, and anything that is not a letter or a number
// placed between the characters of a word ("赌 博", "赌*博", "赌\u200b博",
// "ＧＡＭＢＬＥ", "g-a-m-b-l-e") do not hide a keyword.
//
// There are two lists. A block keyword refuses the request with an error in
// the protocol the client spoke (Connect, gRPC or gRPC-Web; plain requests
// get a Connect JSON error), code invalid_argument, a message naming the
// word and a google.rpc.ErrorInfo detail with reason CONTENT_BLOCKED. A
// review keyword lets the request through but logs it and counts it for the
// admins' patrol queue. Lists come from files (one keyword per line, '#'
// comments) or URLs (polled with ETag) checked for changes, and inline from
// the config. An allowed request reaches the next handler with its body
// byte for byte as sent.
//
// Matching uses github.com/coregx/ahocorasick (v0.3.1, MIT, maintained, no
// dependencies): a fully compiled DFA, one table lookup per byte, no
// allocation per search. With 10,000 Chinese keywords it searched about
// 500 MB/s on one core here against about 275 MB/s for
// github.com/BobuSumisu/aho-corasick (a double-array trie that allocates
// per match); github.com/petar-dambovaliev/aho-corasick is not served by
// our module proxy. (coregx's IsMatch re-runs its start-byte prefilter
// over the rest of the text at every return to the start state, which is
// quadratic on Chinese text: only Find is used.) While normalizing, a bit set of the
// keywords' first two characters marks where a keyword may start; the
// automaton then runs only over a keyword's length from those places, which
// keeps the filter at normalization speed (BenchmarkFilter,
// `make bench-keywords`).
//
// The whole body, up to max_bytes (default 4 MiB, like talentd's limit for
// one message), is read before it is judged and then handed on unchanged;
// a larger body is refused as too large, never truncated. Streaming RPCs
// are therefore judged as a whole: a client stream or bidirectional stream
// that keeps its request open would wait for it to end (Talent has no such
// RPC today).
package keywords

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/edge/internal/pathmatch"
)

// DefaultMaxBytes is the largest body judged and passed when the config
// names no limit: 4 MiB, talentd's limit for one message.
const DefaultMaxBytes = 4 << 20

// DefaultReloadInterval is how often list files are checked for changes.
const DefaultReloadInterval = 5 * time.Second

// Reasons sent in the google.rpc.ErrorInfo detail; the web app translates
// them (webapp/ui).
const (
	ReasonContentBlocked  = "CONTENT_BLOCKED"
	ReasonRequestTooLarge = "REQUEST_TOO_LARGE"
)

// errorDomain is the google.rpc.ErrorInfo domain of the edge's errors.
const errorDomain = "edge.talent"

func init() {
	caddy.RegisterModule(new(Handler))
}

// Handler judges requests against the keyword lists.
type Handler struct {
	// BlockFiles are files of keywords that refuse a request.
	BlockFiles []string `json:"block_files,omitempty"`
	// ReviewFiles are files of keywords that let a request through but log
	// and count it for review.
	ReviewFiles []string `json:"review_files,omitempty"`
	// BlockURLs and ReviewURLs are lists served over HTTP(S), such as the
	// admin-managed lists the backend publishes; they are polled like the
	// files, with If-None-Match.
	BlockURLs  []string `json:"block_urls,omitempty"`
	ReviewURLs []string `json:"review_urls,omitempty"`
	// ListsURL is the base URL of the lists the backend publishes
	// (talentd's ops listener: <ListsURL>/block.txt and
	// <ListsURL>/review.txt). With it, BlockFiles and ReviewFiles are the
	// fallback: in force while the URL has not answered yet (an edge
	// starting while talentd is down) instead of being added to the
	// backend's lists.
	ListsURL string `json:"lists_url,omitempty"`
	// Block and Review are keywords given inline, added to the files'.
	Block  []string `json:"block,omitempty"`
	Review []string `json:"review,omitempty"`
	// MaxBytes is the largest body accepted, and the largest a compressed
	// message may grow to. Default: DefaultMaxBytes.
	MaxBytes int64 `json:"max_bytes,omitempty"`
	// ReloadInterval is how often list files are checked for changes.
	// Default: DefaultReloadInterval.
	ReloadInterval caddy.Duration `json:"reload_interval,omitempty"`
	// Route names the routes this handler guards in metrics and logs
	// (label "route"). Default: "default".
	Route string `json:"route,omitempty"`
	// Except are path patterns (as Caddy's path matcher takes them) of
	// requests passed on unjudged: the edge excepts LogIn (an email and a
	// password, nothing to moderate) and the moderation service, where
	// admins name the words they ban. It does what a `not path` matcher
	// on the handler would, without a route of Caddy's of its own.
	Except []string `json:"except,omitempty"`

	except  pathmatch.Matcher
	logger  *zap.Logger
	metrics *metrics
	scanned prometheus.Counter // metrics.scanned of Route, looked up once
	stale   prometheus.Gauge   // metrics.stale of Route
	errs    *connect.ErrorWriter
	current atomic.Pointer[Matcher]
	loader  *loader
	stop    context.CancelFunc
	wg      sync.WaitGroup
	scans   sync.Pool // *scan, to reuse their buffers
}

// CaddyModule returns the Caddy module information.
func (*Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.talent_keywords",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision fills in defaults, loads the lists (from the shared pool when
// another config already compiled the same content) and starts watching
// the list files.
func (h *Handler) Provision(ctx caddy.Context) error {
	if h.MaxBytes == 0 {
		h.MaxBytes = DefaultMaxBytes
	}
	if h.ReloadInterval == 0 {
		h.ReloadInterval = caddy.Duration(DefaultReloadInterval)
	}
	if h.Route == "" {
		h.Route = "default"
	}
	var err error
	if h.except, err = pathmatch.Compile(h.Except); err != nil {
		return fmt.Errorf("provision talent_keywords: except: %w", err)
	}
	h.logger = ctx.Logger()
	h.errs = connect.NewErrorWriter()
	m, err := newMetrics(ctx.GetMetricsRegistry())
	if err != nil {
		return fmt.Errorf("register keyword metrics: %w", err)
	}
	h.metrics = m
	h.scanned = m.scanned.WithLabelValues(h.Route)
	h.stale = m.stale.WithLabelValues(h.Route)
	block, review := sources(h.BlockFiles, h.BlockURLs), sources(h.ReviewFiles, h.ReviewURLs)
	if h.ListsURL != "" {
		base := strings.TrimSuffix(h.ListsURL, "/")
		block = append(sources(nil, h.BlockURLs), withFallback(base+"/block.txt", sources(h.BlockFiles, nil)))
		review = append(sources(nil, h.ReviewURLs), withFallback(base+"/review.txt", sources(h.ReviewFiles, nil)))
	}
	h.loader = &loader{
		inlineBlock:  h.Block,
		inlineReview: h.Review,
		block:        block,
		review:       review,
		logger:       h.logger,
		onSwap:       h.swap,
	}
	first, err := h.loader.load(ctx)
	var stale *staleError
	switch {
	case errors.As(err, &stale):
		// The edge starts anyway: refusing to start would take the site
		// down with the backend. Loud, and alertable.
		nb, nr := first.Len()
		h.logger.Error("keyword list URL unreachable; judging with the last lists fetched in this process, else the fallback files, until it answers",
			zap.String("lists_url", h.ListsURL), zap.Int("block", nb), zap.Int("review", nr), zap.Error(err))
		h.metrics.reloaded("error")
		h.stale.Set(1)
		h.loader.stale = true
	case err != nil:
		return fmt.Errorf("load keyword lists: %w", err)
	default:
		h.stale.Set(0)
	}
	h.swap(first)
	if len(h.loader.block)+len(h.loader.review) > 0 {
		wctx, cancel := context.WithCancel(context.Background())
		h.stop = cancel
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.loader.watch(wctx, time.Duration(h.ReloadInterval), h.metrics.reloaded, func(stale bool) {
				if stale {
					h.stale.Set(1)
				} else {
					h.stale.Set(0)
				}
			})
		}()
	}
	return nil
}

func (h *Handler) swap(m *Matcher) {
	h.current.Store(m)
	nb, nr := m.Len()
	h.metrics.keywords.WithLabelValues("block").Set(float64(nb))
	h.metrics.keywords.WithLabelValues("review").Set(float64(nr))
}

func sources(paths, urls []string) []source {
	srcs := make([]source, 0, len(paths)+len(urls))
	for _, p := range paths {
		srcs = append(srcs, &fileSource{path: filepath.Clean(p)})
	}
	for _, u := range urls {
		srcs = append(srcs, withFallback(u, nil))
	}
	return srcs
}

func withFallback(url string, fallback []source) *httpSource {
	return &httpSource{url: url, client: &http.Client{Timeout: 30 * time.Second}, fallback: fallback}
}

// Validate checks the limits and the list URLs.
func (h *Handler) Validate() error {
	urls := append(append([]string(nil), h.BlockURLs...), h.ReviewURLs...)
	if h.ListsURL != "" {
		urls = append(urls, h.ListsURL)
	}
	for _, u := range urls {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return fmt.Errorf("validate list URL %q: want an http or https URL", u)
		}
	}
	if h.MaxBytes < 0 {
		return fmt.Errorf("validate max_bytes %d: must be positive", h.MaxBytes)
	}
	if h.ReloadInterval < 0 {
		return fmt.Errorf("validate reload_interval %s: must be positive", time.Duration(h.ReloadInterval))
	}
	return nil
}

// Cleanup stops watching the list files and releases the pooled Matcher.
func (h *Handler) Cleanup() error {
	if h.stop != nil {
		h.stop()
		h.wg.Wait()
	}
	if h.loader != nil {
		h.loader.release()
	}
	return nil
}

// ServeHTTP judges the request and refuses it, or passes it on with its
// body unchanged.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if !h.except.Empty() && h.except.MatchPath(r.URL.Path) {
		return next.ServeHTTP(w, r)
	}
	// Judged in a call of its own: its frame (the scan, the log fields,
	// about 1.3 KB) is gone before the rest of the chain and the proxy
	// run on this goroutine's stack, which then grows less often
	// (docs/ops/benchmarks.md).
	if answered, err := h.judge(w, r); answered {
		return err
	}
	return next.ServeHTTP(w, r)
}

// judge scans the request; answered is true when it refused it (err is
// then the handler's result).
func (h *Handler) judge(w http.ResponseWriter, r *http.Request) (answered bool, err error) {
	s, _ := h.scans.Get().(*scan)
	if s == nil {
		s = new(scan)
	}
	s.reset(h.current.Load(), h.MaxBytes)
	defer h.scans.Put(s)
	if err := s.query(r.URL.RawQuery); err != nil {
		return true, h.refuse(w, r, err)
	}
	if r.Body != nil && r.Body != http.NoBody && !s.done() {
		if r.ContentLength > h.MaxBytes {
			return true, h.refuse(w, r, errTooLarge)
		}
		body, err := readBody(r, h.MaxBytes)
		if errors.Is(err, errTooLarge) {
			return true, h.refuse(w, r, err)
		}
		if err != nil {
			return true, caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("read request body: %w", err))
		}
		br := new(bodyReader)
		br.Reset(body)
		r.Body = br
		r.ContentLength = int64(len(body))
		if err := s.body(r.Header, body); err != nil {
			return true, h.refuse(w, r, err)
		}
	}
	if s.bytesIn > 0 {
		h.scanned.Add(float64(s.bytesIn))
	}
	if s.blocked != "" {
		h.metrics.refusals.WithLabelValues(h.Route, "block").Inc()
		h.logger.Info("keyword refusal",
			zap.String("request_id", requestID(r)),
			zap.String("route", h.Route),
			zap.String("list", "block"),
			zap.String("word", s.blocked),
			zap.String("method", r.Method),
			zap.String("uri", r.RequestURI))
		return true, h.writeError(w, r, contentBlocked(s.blocked), false)
	}
	if len(s.review) > 0 {
		h.metrics.reviews.WithLabelValues(h.Route).Inc()
		h.logger.Info("keyword review",
			zap.String("request_id", requestID(r)),
			zap.String("route", h.Route),
			zap.String("list", "review"),
			zap.Strings("words", s.review),
			zap.String("method", r.Method),
			zap.String("uri", r.RequestURI))
	}
	return false, nil
}

// readBody reads the whole body, or fails with errTooLarge past max bytes.
// It reads to the end of the body whatever length was announced.
//
// A body that announced its length is read into a buffer of that length
// plus one byte (to see the end without growing it): one allocation of
// the body's size, where a bytes.Buffer would add 512 bytes to every small
// Connect message.
func readBody(r *http.Request, max int64) ([]byte, error) {
	size := int64(512)
	if r.ContentLength >= 0 {
		size = r.ContentLength + 1
	}
	buf := make([]byte, 0, min(size, max+1))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > max {
				return nil, errTooLarge
			}
			buf = slices.Grow(buf, int(min(int64(cap(buf)), max+1-int64(len(buf)))))
		}
		n, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return nil, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// bodyReader is the judged body handed on: a bytes.Reader and a no-op
// Close in one allocation.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

// refuse answers a request the handler could not judge: too large, or in
// a compression the backend does not accept.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) error {
	var unsupported *unsupportedEncodingError
	h.logger.Info("request refused unjudged",
		zap.String("request_id", requestID(r)),
		zap.String("route", h.Route),
		zap.String("method", r.Method),
		zap.String("uri", r.RequestURI),
		zap.Error(err))
	switch {
	case errors.Is(err, errTooLarge):
		h.metrics.refusals.WithLabelValues(h.Route, "too_large").Inc()
		msg := fmt.Sprintf("the request is larger than the limit of %s", sizeText(h.MaxBytes))
		return h.writeError(w, r, withInfo(connect.NewError(connect.CodeResourceExhausted, errors.New(msg)), ReasonRequestTooLarge, nil), true)
	case errors.As(err, &unsupported):
		h.metrics.refusals.WithLabelValues(h.Route, "unsupported_encoding").Inc()
		return h.writeError(w, r, connect.NewError(connect.CodeUnimplemented, err), false)
	default:
		h.metrics.refusals.WithLabelValues(h.Route, "malformed").Inc()
		return h.writeError(w, r, connect.NewError(connect.CodeInvalidArgument, err), false)
	}
}

// writeError writes err in the protocol the client spoke. A Connect unary
// (or plain) "too large" gets HTTP 413 rather than Connect's 429, which
// would read as a rate limit.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err *connect.Error, tooLarge bool) error {
	if tooLarge {
		w = &statusRewriter{ResponseWriter: w, from: http.StatusTooManyRequests, to: http.StatusRequestEntityTooLarge}
	}
	if ct := r.Header.Get("Content-Type"); isGRPC(ct) {
		// A trailers-only response: grpc-status and grpc-message in the
		// one HEADERS frame, no body. connect's ErrorWriter writes that
		// for gRPC-Web, whose headers are the same, so ask it for that
		// and keep the client's Content-Type.
		web := *r
		web.Header = r.Header.Clone()
		web.Header.Set("Content-Type", "application/grpc-web+proto")
		r = &web
		w = &contentTypeSetter{ResponseWriter: w, contentType: ct}
	}
	if werr := h.errs.Write(w, r, err); werr != nil {
		h.logger.Debug("write error response", zap.Error(werr))
	}
	return nil
}

// contentBlocked is the error for a request carrying a block keyword. The
// word is named: the person wrote it and needs to know what to change.
func contentBlocked(word string) *connect.Error {
	msg := "the text contains words that are not allowed on Talent: " + word
	return withInfo(connect.NewError(connect.CodeInvalidArgument, errors.New(msg)), ReasonContentBlocked, map[string]string{"words": word})
}

func withInfo(err *connect.Error, reason string, meta map[string]string) *connect.Error {
	if d, derr := connect.NewErrorDetail(&errdetails.ErrorInfo{Reason: reason, Domain: errorDomain, Metadata: meta}); derr == nil {
		err.AddDetail(d)
	}
	return err
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// requestID returns the ID talent_request_id gave the request.
func requestID(r *http.Request) string {
	if v, ok := caddyhttp.GetVar(r.Context(), "talent_request_id").(string); ok && v != "" {
		return v
	}
	return strings.TrimSpace(r.Header.Get("X-Request-Id"))
}

// isGRPC reports whether a Content-Type is gRPC's (not gRPC-Web's).
func isGRPC(contentType string) bool {
	ct := strings.ToLower(contentType)
	return ct == "application/grpc" || strings.HasPrefix(ct, "application/grpc+") || strings.HasPrefix(ct, "application/grpc;")
}

// contentTypeSetter sets the response's Content-Type as its header is
// written.
type contentTypeSetter struct {
	http.ResponseWriter
	contentType string
}

func (c *contentTypeSetter) WriteHeader(code int) {
	c.Header().Set("Content-Type", c.contentType)
	c.ResponseWriter.WriteHeader(code)
}

// statusRewriter changes one status code on the way out.
type statusRewriter struct {
	http.ResponseWriter
	from, to int
}

func (s *statusRewriter) WriteHeader(code int) {
	if code == s.from {
		code = s.to
	}
	s.ResponseWriter.WriteHeader(code)
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
