package keywords

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/talent-hub/talent/internal/keywordmatch"
)

func provisioned(t *testing.T, h *Handler) *Handler {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return h
}

func blocked(t *testing.T, h *Handler, text string) bool {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(text))
	r.Header.Set("Content-Type", "text/plain")
	w := httptest.NewRecorder()
	passed := false
	next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { passed = true; return nil })
	if err := h.ServeHTTP(w, r, next); err != nil {
		t.Fatalf("ServeHTTP: %v", err)
	}
	return !passed
}

// TestConfigReloadSharesAutomaton provisions the handler twice with the
// same lists, as a config reload does while the old config still runs:
// the second takes the compiled Matcher from the pool (SEC-5, OPS-4).
func TestConfigReloadSharesAutomaton(t *testing.T) {
	t.Parallel()
	words := []string{"共享测试词" + t.Name()}
	old := provisioned(t, &Handler{Block: words})
	next := provisioned(t, &Handler{Block: words})
	if old.current.Load() != next.current.Load() {
		t.Fatal("the second handler compiled its own Matcher, want the pooled one")
	}
	key := keywordmatch.ListsKey(words, nil)
	if refs, _ := matchers.References(key); refs != 2 {
		t.Fatalf("pool references = %d, want 2", refs)
	}
	if err := old.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if refs, _ := matchers.References(key); refs != 1 {
		t.Fatalf("pool references after the old config's cleanup = %d, want 1", refs)
	}
	if err := next.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if _, ok := matchers.References(key); ok {
		t.Fatal("the Matcher is still pooled after every handler cleaned up")
	}
}

// TestListFileReload changes a list file under a running handler: the new
// word is refused without a restart, and a broken file keeps the lists in
// force (SEC-5).
func TestListFileReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "block.txt")
	if err := os.WriteFile(path, []byte("赌博\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := provisioned(t, &Handler{BlockFiles: []string{path}, ReloadInterval: caddy.Duration(10 * time.Millisecond)})
	t.Cleanup(func() { _ = h.Cleanup() })
	if !blocked(t, h, "赌博") || blocked(t, h, "诈骗") {
		t.Fatal("initial list not in force")
	}
	// A different size, so the change is seen even where mtimes are coarse.
	if err := os.WriteFile(path, []byte("赌博\n诈骗\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return blocked(t, h, "诈骗") })

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	// The watcher fails to read the file and keeps the lists.
	waitFor(t, func() bool { return h.loader.reloadErrors() > 0 })
	if !blocked(t, h, "诈骗") {
		t.Fatal("lists lost after the list file disappeared")
	}
}

// waitFor polls cond until it holds; the deadline only bounds a broken
// test, it asserts nothing about speed.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestListURLReload serves a list over HTTP as the backend will publish
// the admins' lists: the edge polls it with If-None-Match, an unchanged
// list costs a 304, and a changed one is in force without a restart
// (SEC-5).
func TestListURLReload(t *testing.T) {
	t.Parallel()
	var (
		mu         sync.Mutex
		list       = "赌博\n"
		version    = 1
		notChanged int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		etag := `"v` + strconv.Itoa(version) + `"`
		if r.Header.Get("If-None-Match") == etag {
			notChanged++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		io.WriteString(w, list)
	}))
	t.Cleanup(srv.Close)
	h := provisioned(t, &Handler{BlockURLs: []string{srv.URL + "/lists/block.txt"}, ReloadInterval: caddy.Duration(10 * time.Millisecond)})
	t.Cleanup(func() { _ = h.Cleanup() })
	if err := h.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if !blocked(t, h, "赌博") || blocked(t, h, "诈骗") {
		t.Fatal("initial list not in force")
	}
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return notChanged > 0 })

	mu.Lock()
	list, version = "赌博\n诈骗\n", 2
	mu.Unlock()
	waitFor(t, func() bool { return blocked(t, h, "诈骗") })
}

func TestValidateListURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ftp://x/list", "/lists/block.txt", "http://"} {
		h := &Handler{BlockURLs: []string{u}}
		if err := h.Validate(); err == nil {
			t.Errorf("Validate(block_url %q) = nil, want an error", u)
		}
	}
}
