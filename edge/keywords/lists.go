package keywords

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
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
//
// When a fetch fails, poll still returns the content in force with the
// error, so that the caller keeps judging (see pollAll): the list last
// fetched by this source; else the last good copy an earlier config of this
// process fetched from the same URL (a config reload must not fall back to
// older lists because the backend is briefly away); else the fallback
// sources (the list files that stand in until the URL answers); else an
// empty list.
type httpSource struct {
	url        string
	client     *http.Client
	fallback   []source
	etag       string
	content    []byte
	read       bool
	onFallback bool // the content in force came from the fallback
}

func (h *httpSource) String() string { return h.url }

func (h *httpSource) poll(ctx context.Context) ([]byte, bool, error) {
	b, changed, err := h.fetch(ctx)
	if err == nil {
		if h.onFallback {
			h.onFallback, changed = false, true
		}
		return b, changed, nil
	}
	if h.read {
		return h.content, false, err
	}
	if v, ok := lastGood.Load(h.url); ok {
		c := v.(fetchedList)
		h.etag, h.content, h.read, h.onFallback = c.etag, c.content, true, false
		return c.content, true, err
	}
	fb := []byte{} // not nil: an empty list is content too
	fbChanged := false
	for _, src := range h.fallback {
		b, ch, fbErr := src.poll(ctx)
		if fbErr != nil {
			return nil, false, errors.Join(err, fmt.Errorf("fallback %s: %w", src, fbErr))
		}
		fb = append(append(fb, b...), '\n')
		fbChanged = fbChanged || ch
	}
	changed = fbChanged || !h.onFallback
	h.onFallback = true
	return fb, changed, err
}

// fetch gets the list; it reports no change on a 304.
func (h *httpSource) fetch(ctx context.Context) ([]byte, bool, error) {
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
	lastGood.Store(h.url, fetchedList{etag: h.etag, content: b})
	return b, true, nil
}

// lastGood maps a list URL to the last content fetched from it in this
// process (a fetchedList), for the configs that come after: like matchers,
// it must outlive one config.
var lastGood sync.Map

type fetchedList struct {
	etag    string
	content []byte
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
	stale    bool         // the latest poll of a URL failed; watch's goroutine only
}

// errUnchanged is returned by load when no source changed.
var errUnchanged = errors.New("keyword lists unchanged")

// staleError is returned by load when a list URL could not be fetched and
// the content in force stood in for it (see httpSource): load still
// returns the Matcher when that content changed.
type staleError struct{ err error }

func (e *staleError) Error() string { return e.err.Error() }
func (e *staleError) Unwrap() error { return e.err }

// reloadErrors returns how many reloads failed.
func (l *loader) reloadErrors() int64 { return l.failures.Load() }

// load polls every source and returns the Matcher for their content,
// holding a pool reference to it (and releasing the one held before). It
// returns errUnchanged when a Matcher is held and no source changed, and a
// *staleError (with the Matcher if the content changed, else nil) when a
// list URL failed and the content in force stood in for it.
func (l *loader) load(ctx context.Context) (*Matcher, error) {
	block, bChanged, bStale, err := pollAll(ctx, l.inlineBlock, l.block)
	if err != nil {
		return nil, err
	}
	review, rChanged, rStale, err := pollAll(ctx, l.inlineReview, l.review)
	if err != nil {
		return nil, err
	}
	var stale error
	if bStale != nil || rStale != nil {
		stale = &staleError{errors.Join(bStale, rStale)}
	}
	if l.key != "" && !bChanged && !rChanged {
		if stale != nil {
			return nil, stale
		}
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
		zap.String("hash", key[:12]), zap.Bool("shared", shared), zap.Bool("stale", stale != nil))
	return m, stale
}

// watch polls the sources every interval until ctx ends, and swaps in the
// new lists when one changed. A failed reload keeps the lists in force;
// stale reports after each poll whether a list URL failed.
func (l *loader) watch(ctx context.Context, interval time.Duration, reloads func(result string), stale func(bool)) {
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
		if ctx.Err() != nil {
			return
		}
		var se *staleError
		switch {
		case errors.Is(err, errUnchanged):
			l.setStale(false, stale)
		case errors.As(err, &se):
			l.failures.Add(1)
			// Loud once per outage, then quiet: the metric stays up.
			level := zap.DebugLevel
			if !l.stale {
				level = zap.ErrorLevel
			}
			l.logger.Log(level, "fetch keyword list URL; the lists in force stay (the last fetched, else the fallback files)",
				zap.Error(err))
			reloads("error")
			l.setStale(true, stale)
		case err != nil:
			l.failures.Add(1)
			l.logger.Error("reload keyword lists; keeping the lists in force", zap.Error(err))
			reloads("error")
		default:
			reloads("ok")
			l.setStale(false, stale)
		}
		if m != nil {
			l.onSwap(m)
		}
	}
}

// setStale reports whether the lists are stale, logging the recovery.
func (l *loader) setStale(v bool, report func(bool)) {
	if l.stale && !v {
		l.logger.Info("keyword list URLs answer again")
	}
	l.stale = v
	report(v)
}

// release gives back the pool reference.
func (l *loader) release() {
	if l.key != "" {
		_, _ = matchers.Delete(l.key)
		l.key = ""
	}
}

// pollAll polls srcs and returns their words after inline. A source that
// fails but returns the content in force (a list URL) makes stale; one
// that returns nothing fails the poll.
func pollAll(ctx context.Context, inline []string, srcs []source) (words []string, changed bool, stale, err error) {
	words = append([]string(nil), inline...)
	for _, s := range srcs {
		b, ch, err := s.poll(ctx)
		if err != nil {
			if b == nil {
				return nil, false, nil, fmt.Errorf("load %s: %w", s, err)
			}
			stale = errors.Join(stale, fmt.Errorf("load %s: %w", s, err))
		}
		changed = changed || ch
		words = append(words, ParseList(b)...)
	}
	return words, changed, stale, nil
}
