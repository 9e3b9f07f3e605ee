package site

import (
	"net/http"
	"path"
)

// freshPages keeps the prerendered pages fresh. go-app gives every response
// the app version as its ETag and answers a matching If-None-Match with 304,
// which is right for app.js and the worker but not for a page prerendered
// with live data (a task's status, its proposals): a browser that
// revalidates (Firefox does, on every navigation to a page it has) would
// show, and hand the wasm in the snapshot, the task as it was at its first
// visit. Pages (paths without a file extension) are served without an
// ETag and never as 304; go-app's own files keep theirs.
func freshPages(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if path.Ext(r.URL.Path) != "" {
			h.ServeHTTP(w, r)
			return
		}
		r = r.Clone(r.Context())
		r.Header.Del("If-None-Match")
		h.ServeHTTP(&noETag{ResponseWriter: w}, r)
	})
}

// noETag drops the ETag header its handler set.
type noETag struct {
	http.ResponseWriter
	wrote bool
}

func (w *noETag) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Del("ETag")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *noETag) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *noETag) Unwrap() http.ResponseWriter { return w.ResponseWriter }
