package keywords

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
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

// source is where one keyword list comes from. Today a file; the loader
// only needs the content and whether it may have changed, so an HTTP
// source polled with If-None-Match/ETag fits the same shape.
type source interface {
	// changed reports whether the content may differ from the last read.
	changed() bool
	// read returns the current content.
	read(ctx context.Context) ([]byte, error)
	String() string
}

// fileSource is a list file, watched through its modification time and
// size.
type fileSource struct {
	path    string
	modTime time.Time
	size    int64
}

func (f *fileSource) String() string { return f.path }

func (f *fileSource) changed() bool {
	fi, err := os.Stat(f.path)
	if err != nil {
		return true // read reports the error
	}
	return !fi.ModTime().Equal(f.modTime) || fi.Size() != f.size
}

func (f *fileSource) read(context.Context) ([]byte, error) {
	fi, err := os.Stat(f.path)
	if err != nil {
		return nil, fmt.Errorf("stat keyword list: %w", err)
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		return nil, fmt.Errorf("read keyword list: %w", err)
	}
	f.modTime, f.size = fi.ModTime(), fi.Size()
	return b, nil
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

// reloadErrors returns how many reloads failed.
func (l *loader) reloadErrors() int64 { return l.failures.Load() }

// load reads every source and returns the Matcher for their content,
// holding a pool reference to it (and releasing the one held before).
func (l *loader) load(ctx context.Context) (*Matcher, error) {
	block, err := readAll(ctx, l.inlineBlock, l.block)
	if err != nil {
		return nil, err
	}
	review, err := readAll(ctx, l.inlineReview, l.review)
	if err != nil {
		return nil, err
	}
	key := listsKey(block, review)
	val, loaded, err := matchers.LoadOrNew(key, func() (caddy.Destructor, error) {
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
		zap.String("hash", key[:12]), zap.Bool("shared", loaded))
	return m, nil
}

// changed reports whether any source may have changed.
func (l *loader) changed() bool {
	for _, s := range append(append([]source(nil), l.block...), l.review...) {
		if s.changed() {
			return true
		}
	}
	return false
}

// watch polls the sources every interval until ctx ends, and reloads the
// lists when one changed. A failed reload keeps the lists in force.
func (l *loader) watch(ctx context.Context, interval time.Duration, reloads func(result string)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !l.changed() {
			continue
		}
		m, err := l.load(ctx)
		if err != nil {
			l.logger.Error("reload keyword lists; keeping the lists in force", zap.Error(err))
			l.failures.Add(1)
			reloads("error")
			continue
		}
		reloads("ok")
		l.onSwap(m)
	}
}

// release gives back the pool reference.
func (l *loader) release() {
	if l.key != "" {
		_, _ = matchers.Delete(l.key)
		l.key = ""
	}
}

func readAll(ctx context.Context, inline []string, srcs []source) ([]string, error) {
	words := append([]string(nil), inline...)
	for _, s := range srcs {
		b, err := s.read(ctx)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", s, err)
		}
		words = append(words, ParseList(b)...)
	}
	return words, nil
}
