package site

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPagesAreNotRevalidatedByVersion: a page prerendered with live data
// is served in full even when the browser sends the app version's ETag
// (go-app's 304 would show the page as first seen), while go-app's own
// files still answer 304 (found by the Firefox journeys, ARCH-1).
func TestPagesAreNotRevalidatedByVersion(t *testing.T) {
	t.Parallel()
	dir, m := testWebDir(t)
	h, err := Handler(Config{WebDir: dir})
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	tests := []struct {
		path     string
		status   int
		wantETag bool
	}{
		{path: "/tasks/T-000001", status: http.StatusOK},
		{path: "/tasks", status: http.StatusOK},
		{path: "/", status: http.StatusOK},
		{path: "/app.js", status: http.StatusNotModified, wantETag: true},
		{path: "/app-worker.js", status: http.StatusNotModified, wantETag: true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.Header.Set("If-None-Match", `"`+m.Version+`"`)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("GET %s with the version's ETag: status %d, want %d", tt.path, rec.Code, tt.status)
			}
			if got := rec.Header().Get("ETag") != ""; got != tt.wantETag {
				t.Fatalf("GET %s: ETag %q, want one: %v", tt.path, rec.Header().Get("ETag"), tt.wantETag)
			}
		})
	}
}
