package keywords

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/talent-hub/talent/internal/keywordmatch"
)

// matchers holds the compiled Matchers, keyed by the hash of their lists'
// content. A config reload (a canary weight change, say) provisions new
// handlers while the old ones still run; both hold a reference to the same
// key, so the automaton is not rebuilt. Caddy's UsagePool is meant to be a
// package variable: it is what outlives one config.
var matchers = caddy.NewUsagePool()

// compiled is the value kept in matchers.
type compiled struct{ *Matcher }

// Destruct implements caddy.Destructor; the Matcher holds no resources.
func (compiled) Destruct() error { return nil }

// maxListBytes caps one list's size.
const maxListBytes = 16 << 20

// source is where one keyword list comes from: a file, or a URL the
// backend publishes the admins' list at.
type source interface {
	// poll returns the list's current content and whether it changed
	// since the last poll; the first successful poll reports a change.
	poll(ctx context.Context) (content []byte, changed bool, err error)
	String() string
}

// fileSource is a list file, watched through its modification time and
// size.
type fileSource struct {
	path    string
	modTime time.Time
	size    int64
	content []byte
	read    bool
}

func (f *fileSource) String() string { return f.path }

func (f *fileSource) poll(context.Context) ([]byte, bool, error) {
	fi, err := os.Stat(f.path)
	if err != nil {
		return nil, false, fmt.Errorf("stat keyword list: %w", err)
	}
	if f.read && fi.ModTime().Equal(f.modTime) && fi.Size() == f.size {
		return f.content, false, nil
	}
	if fi.Size() > maxListBytes {
		return nil, false, fmt.Errorf("read keyword list: larger than %d bytes", maxListBytes)
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		return nil, false, fmt.Errorf("read keyword list: %w", err)
	}
	f.modTime, f.size, f.content, f.read = fi.ModTime(), fi.Size(), b, true
	return b, true, nil
}

// httpSource is a list served over HTTP(S), polled with If-None-Match so
// that an unchanged list costs a 304.
type httpSource struct {
	url     string
	client  *http.Client
	etag    string
	content []byte
	read    bool
}

func (h *httpSource) String() string { return h.url }

func (h *httpSource) poll(ctx context.Context) ([]byte, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url, nil)
	if err != nil {
		return nil, false, fmt.Errorf("build list request: %w", err)
	}
	if h.read && h.etag != "" {
		req.Header.Set("If-None-Match", h.etag)
	}
	res, err := h.client.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("fetch keyword list: %w", err)
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusNotModified && h.read:
		return h.content, false, nil
	case res.StatusCode != http.StatusOK:
		return nil, false, fmt.Errorf("fetch keyword list: HTTP %s", res.Status)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxListBytes+1))
	if err != nil {
		return nil, false, fmt.Errorf("read keyword list: %w", err)
	}
	if len(b) > maxListBytes {
		return nil, false, fmt.Errorf("read keyword list: larger than %d bytes", maxListBytes)
	}
	h.etag, h.content, h.read = res.Header.Get("ETag"), b, true
	return b, true, nil
}

// loader reads a handler's lists and keeps its current Matcher, taking it
// from the pool under the lists' content hash.
type loader struct {
	inlineBlock, inlineReview []string
	block, review             []source
	logger                    *zap.Logger
	onSwap                    func(*Matcher)

	key      string       // pool key currently held
	failures atomic.Int64 // failed reloads
}

// errUnchanged is returned by load when no source changed.
var errUnchanged = errors.New("keyword lists unchanged")

// reloadErrors returns how many reloads failed.
func (l *loader) reloadErrors() int64 { return l.failures.Load() }

// load polls every source and returns the Matcher for their content,
// holding a pool reference to it (and releasing the one held before). It
// returns errUnchanged when a Matcher is held and no source changed.
func (l *loader) load(ctx context.Context) (*Matcher, error) {
	block, bChanged, err := pollAll(ctx, l.inlineBlock, l.block)
	if err != nil {
		return nil, err
	}
	review, rChanged, err := pollAll(ctx, l.inlineReview, l.review)
	if err != nil {
		return nil, err
	}
	if l.key != "" && !bChanged && !rChanged {
		return nil, errUnchanged
	}
	key := keywordmatch.ListsKey(block, review)
	val, shared, err := matchers.LoadOrNew(key, func() (caddy.Destructor, error) {
		m, err := Compile(block, review)
		if err != nil {
			return nil, err
		}
		return compiled{m}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("compile keyword lists: %w", err)
	}
	if l.key != "" {
		_, _ = matchers.Delete(l.key)
	}
	l.key = key
	m := val.(compiled).Matcher
	nb, nr := m.Len()
	l.logger.Info("keyword lists loaded",
		zap.Int("block", nb), zap.Int("review", nr),
		zap.String("hash", key[:12]), zap.Bool("shared", shared))
	return m, nil
}

// watch polls the sources every interval until ctx ends, and swaps in the
// new lists when one changed. A failed reload keeps the lists in force.
func (l *loader) watch(ctx context.Context, interval time.Duration, reloads func(result string)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, max(interval, 10*time.Second))
		m, err := l.load(pctx)
		cancel()
		switch {
		case errors.Is(err, errUnchanged):
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			l.failures.Add(1)
			l.logger.Error("reload keyword lists; keeping the lists in force", zap.Error(err))
			reloads("error")
		default:
			reloads("ok")
			l.onSwap(m)
		}
	}
}

// release gives back the pool reference.
func (l *loader) release() {
	if l.key != "" {
		_, _ = matchers.Delete(l.key)
		l.key = ""
	}
}

func pollAll(ctx context.Context, inline []string, srcs []source) (words []string, changed bool, err error) {
	words = append([]string(nil), inline...)
	for _, s := range srcs {
		b, ch, err := s.poll(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("load %s: %w", s, err)
		}
		changed = changed || ch
		words = append(words, ParseList(b)...)
	}
	return words, changed, nil
}
