package keywords

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

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
