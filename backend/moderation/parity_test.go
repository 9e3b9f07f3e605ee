package moderation_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/edge/keywords"
)

// TestEdgeParity judges one table of tricky texts with the backend's
// checker and with the edge's filter (talent_keywords) fed the same lists
// from the backend's ops endpoint, and wants the same verdict from both:
// blocked, queued for review, or clean (SEC-5; issue 6 part 3).
func TestEdgeParity(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, _ := b.newUser(t, "Parity Admin", auth.RoleAdmin)
	b.add(t, ctx, block, "gamble", "Café crème")
	b.add(t, ctx, review, "ｓｐａｍ", "wechat me")

	lists := httptest.NewServer(moderation.KeywordsHandler(b.checker))
	t.Cleanup(lists.Close)
	cctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	edge := &keywords.Handler{
		BlockURLs:  []string{lists.URL + "/keywords/block.txt"},
		ReviewURLs: []string{lists.URL + "/keywords/review.txt"},
		Route:      "parity",
	}
	if err := edge.Provision(cctx); err != nil {
		t.Fatalf("provision the edge filter: %v", err)
	}
	t.Cleanup(func() { _ = edge.Cleanup() })
	reviewHits := func() float64 {
		mfs, err := cctx.GetMetricsRegistry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		var n float64
		for _, mf := range mfs {
			if mf.GetName() == "talent_edge_keywords_review_hits_total" {
				for _, m := range mf.GetMetric() {
					n += m.GetCounter().GetValue()
				}
			}
		}
		return n
	}
	edgeVerdict := func(text string) string {
		body, _ := json.Marshal(map[string]string{"title": text})
		r := httptest.NewRequest(http.MethodPost, "/talent.tasks.v1.TaskService/CreateTask", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		passed := false
		before := reviewHits()
		next := caddyhttp.HandlerFunc(func(http.ResponseWriter, *http.Request) error { passed = true; return nil })
		if err := edge.ServeHTTP(w, r, next); err != nil {
			t.Fatalf("edge ServeHTTP: %v", err)
		}
		switch {
		case !passed && strings.Contains(w.Body.String(), "CONTENT_BLOCKED"):
			return "block"
		case !passed:
			t.Fatalf("edge refused %q for another reason: %d %s", text, w.Code, w.Body)
		case reviewHits() > before:
			return "review"
		}
		return "clean"
	}
	backendVerdict := func(text string) string {
		v, err := b.checker.Check(t.Context(), moderation.Field{Name: "title", Text: text})
		switch {
		case err != nil:
			t.Fatal(err)
		case v.Blocked():
			return "block"
		case v.NeedsReview():
			return "review"
		}
		return "clean"
	}

	tests := []struct{ text, want string }{
		{"赌博", "block"},
		{"赌 博", "block"},
		{"赌*博", "block"},
		{"赌\u200b博", "block"},
		{"赌\u200d\u2060\ufeff博", "block"},
		{"赌，博！", "block"},
		{"赌\u0336博", "block"},
		{"😀赌😀博😀", "block"},
		{"\xff赌\xfe博", "block"},
		{"ＧＡＭＢＬＥ", "block"},
		{"g-a-m-b-l-e", "block"},
		{"ⓖⓐⓜⓑⓛⓔ", "block"},
		{"𝐠𝐚𝐦𝐛𝐥𝐞", "block"},
		{"cafe creme", "block"},
		{"CAFÉ-CRÈME", "block"},
		{"加微信", "review"},
		{"加 微 信", "review"},
		{"SPAM", "review"},
		{"s.p.a.m", "review"},
		{"WeChat me", "review"},
		{"加微信 and 赌博", "block"},
		{"賭博", "clean"}, // traditional: list both
		{"du博", "clean"},
		{"赌1博", "clean"},
		{"gambl e", "block"},
		{"a good honest task", "clean"},
		{"", "clean"},
	}
	for _, tt := range tests {
		be, ed := backendVerdict(tt.text), edgeVerdict(tt.text)
		if be != ed || be != tt.want {
			t.Errorf("%q: backend %s, edge %s, want %s from both", tt.text, be, ed, tt.want)
		}
	}
}
