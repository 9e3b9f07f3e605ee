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
	"github.com/prometheus/client_golang/prometheus/testutil"
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
	key := listsKey(words, nil)
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

// listServer is talentd's ops listener publishing the admins' lists at
// /keywords/block.txt and /keywords/review.txt, with ETags; while down it
// answers 503.
type listServer struct {
	mu     sync.Mutex
	down   bool
	block  string
	review string
	srv    *httptest.Server
}

func startListServer(t *testing.T, down bool, block string) *listServer {
	t.Helper()
	ls := &listServer{down: down, block: block}
	ls.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ls.mu.Lock()
		defer ls.mu.Unlock()
		if ls.down {
			http.Error(w, "talentd is away", http.StatusServiceUnavailable)
			return
		}
		var body string
		switch r.URL.Path {
		case "/keywords/block.txt":
			body = ls.block
		case "/keywords/review.txt":
			body = ls.review
		default:
			http.NotFound(w, r)
			return
		}
		etag := `"` + strconv.Itoa(len(body)) + `"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		io.WriteString(w, body)
	}))
	t.Cleanup(ls.srv.Close)
	return ls
}

func (ls *listServer) set(down bool, block string) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.down, ls.block = down, block
}

// TestListsURLFallback (SEC-5; issue 6, task 4): with lists_url the edge
// starts while the backend is unreachable, judging with the fallback list
// files, loudly (log, talent_edge_keywords_lists_stale 1); takes the
// backend's lists once it answers; keeps them when it fails again; and a
// config reload during the outage keeps the backend's lists rather than
// falling back to the files.
func TestListsURLFallback(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "block.txt")
	if err := os.WriteFile(file, []byte("# shipped with the edge\n文件词\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ls := startListServer(t, true, "后端词\n")
	newHandler := func() *Handler {
		h := provisioned(t, &Handler{
			ListsURL:       ls.srv.URL + "/keywords/",
			BlockFiles:     []string{file},
			ReloadInterval: caddy.Duration(10 * time.Millisecond),
		})
		t.Cleanup(func() { _ = h.Cleanup() })
		return h
	}
	stale := func(h *Handler) float64 { return testutil.ToFloat64(h.stale) }

	h := newHandler()
	if !blocked(t, h, "文件词") || blocked(t, h, "后端词") {
		t.Fatal("backend down at start: want the fallback file's list in force")
	}
	if stale(h) != 1 {
		t.Fatalf("lists_stale at start with the backend down = %v, want 1", stale(h))
	}

	ls.set(false, "后端词\n")
	waitFor(t, func() bool { return blocked(t, h, "后端词") && !blocked(t, h, "文件词") })
	waitFor(t, func() bool { return stale(h) == 0 })

	ls.set(true, "后端词\n")
	before := h.loader.reloadErrors()
	waitFor(t, func() bool { return h.loader.reloadErrors() > before+2 })
	if !blocked(t, h, "后端词") || blocked(t, h, "文件词") {
		t.Fatal("backend failing: want its last lists kept in force")
	}
	if stale(h) != 1 {
		t.Fatalf("lists_stale while the backend fails = %v, want 1", stale(h))
	}

	// A config reload (a canary weight change) while the backend is away.
	h2 := newHandler()
	if !blocked(t, h2, "后端词") || blocked(t, h2, "文件词") {
		t.Fatal("reload during the outage: want the backend's last lists, not the files")
	}
}

// TestListsURLNoFallback: without list files the edge still starts while
// the backend is down, with an empty list, and stale.
func TestListsURLNoFallback(t *testing.T) {
	t.Parallel()
	ls := startListServer(t, true, "后端词\n")
	h := provisioned(t, &Handler{ListsURL: ls.srv.URL + "/keywords", ReloadInterval: caddy.Duration(10 * time.Millisecond)})
	t.Cleanup(func() { _ = h.Cleanup() })
	if nb, nr := h.current.Load().Len(); nb != 0 || nr != 0 || blocked(t, h, "后端词") {
		t.Fatalf("lists = %d block, %d review; want empty while the backend is down", nb, nr)
	}
	if got := testutil.ToFloat64(h.stale); got != 1 {
		t.Fatalf("lists_stale = %v, want 1", got)
	}
	ls.set(false, "后端词\n")
	waitFor(t, func() bool { return blocked(t, h, "后端词") })
}
