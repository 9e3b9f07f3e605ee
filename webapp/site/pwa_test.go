package site

import (
	"net/http"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// TestServiceWorkerHasOfflineShell checks that the served app-worker.js
// falls back to the cached app for page loads without a network (issue 7:
// an offline shell) and still caches the build's assets.
func TestServiceWorkerHasOfflineShell(t *testing.T) {
	t.Parallel()
	dir, m := testWebDir(t)
	h, err := Handler(Config{WebDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	res, body := serve(t, h, "/app-worker.js")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /app-worker.js: %s", res.Status)
	}
	for _, want := range []string{`request.mode === "navigate"`, `caches.match("/")`, m.Wasm, m.Version} {
		if !strings.Contains(body, want) {
			t.Errorf("app-worker.js lacks %q", want)
		}
	}
	if _, err := offlineWorker("self.addEventListener('fetch', () => {})"); err == nil {
		t.Error("offlineWorker accepted a worker without go-app's fetch")
	}
	if _, err := offlineWorker(app.DefaultAppWorkerJS); err != nil {
		t.Errorf("offlineWorker(go-app's worker): %v", err)
	}
}

// TestPrerenderReadsInProcess checks the in-process transport the
// prerendering reads the API with: status, headers and body arrive, and
// the request is marked as coming from the server itself.
func TestPrerenderReadsInProcess(t *testing.T) {
	t.Parallel()
	var remote string
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remote = r.RemoteAddr
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	c := &http.Client{Transport: inProcess{api}}
	res, err := c.Post("http://talentd.internal/x", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b := make([]byte, 64)
	n, _ := res.Body.Read(b)
	if res.StatusCode != http.StatusTeapot || res.Header.Get("Content-Type") != "application/json" || string(b[:n]) != `{"ok":true}` || remote != "127.0.0.1:0" {
		t.Fatalf("got %d %v %q from %s", res.StatusCode, res.Header, b[:n], remote)
	}
}
