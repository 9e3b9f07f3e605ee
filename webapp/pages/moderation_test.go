package pages

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"google.golang.org/protobuf/types/known/timestamppb"

	moderationv1 "github.com/talent-hub/talent/proto/talent/moderation/v1"
	"github.com/talent-hub/talent/webapp/ui"
)

// marks returns the text of every <mark> under n.
func marks(n *html.Node) []string {
	var out []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "mark" {
			out = append(out, textOf(n))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// TestPatrolPageMarksWordsAndOffersActions renders a pending item: the
// matched words as the author wrote them are marked, and keep, warn and
// take down are offered with a reason box (SEC-5).
func TestPatrolPageMarksWordsAndOffersActions(t *testing.T) {
	t.Parallel()
	p := &patrolPage{env: testEnv(ui.Chinese), status: moderationv1.PatrolStatus_PATROL_STATUS_PENDING,
		notes: map[int64]string{}, errs: map[int64]string{7: ui.Chinese.T("REASON_REQUIRED")}}
	p.items = []*moderationv1.PatrolItem{{
		Id: 7, Kind: "task", ItemId: "T-000042", Link: "/tasks/T-000042", Field: "title",
		Excerpt:    []*moderationv1.Segment{{Text: "请"}, {Text: "加 微 信", Matched: true}, {Text: "详谈"}},
		Words:      []string{"加微信"},
		AuthorName: "张三", CreateTime: timestamppb.New(time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)),
		Status: moderationv1.PatrolStatus_PATROL_STATUS_PENDING,
	}}
	doc := render(t, p)
	item := byID(doc, "patrol-item-7")
	if item == nil {
		t.Fatal("no #patrol-item-7")
	}
	if got := marks(item); len(got) != 1 || got[0] != "加 微 信" {
		t.Fatalf("marked = %q, want [加 微 信]", got)
	}
	for _, id := range []string{"patrol-note-7", "patrol-keep-7", "patrol-warn-7", "patrol-take-down-7"} {
		if byID(doc, id) == nil {
			t.Errorf("no #%s", id)
		}
	}
	if got := textOf(byID(doc, "patrol-error-7")); got != "请填写原因：发布者会收到通知。" {
		t.Errorf("#patrol-error-7 = %q", got)
	}
	if got := textOf(doc); !strings.Contains(got, "2026-11-28 09:00") || !strings.Contains(got, "张三") {
		t.Errorf("item text %q lacks the time in CST or the author", got)
	}
}

// TestKeywordsPageListsAndKeepsInput renders the list with its version and
// a failed add that keeps what was typed.
func TestKeywordsPageListsAndKeepsInput(t *testing.T) {
	t.Parallel()
	l := ui.English
	p := &keywordsPage{env: testEnv(l), list: moderationv1.KeywordList_KEYWORD_LIST_REVIEW, version: 4, total: 2,
		words: "*-*", note: "spam wave"}
	p.keywords = []*moderationv1.Keyword{{Word: "加微信", Note: "seed"}, {Word: "刷单"}}
	p.form.setErr("words", l.T("KEYWORD_EMPTY"))
	doc := render(t, p)
	if got := textOf(byID(doc, "kw-meta")); got != "Version 4 · 2 keywords" {
		t.Errorf("#kw-meta = %q", got)
	}
	if got := textOf(byID(doc, "kw-items")); !strings.Contains(got, "加微信") || !strings.Contains(got, "刷单") {
		t.Errorf("#kw-items = %q", got)
	}
	if got := textOf(byID(doc, "kw-words")) + attr(byID(doc, "kw-words"), "value"); got != "*-*" {
		t.Errorf("#kw-words = %q, want what was typed", got)
	}
	if got := attr(byID(doc, "kw-note"), "value"); got != "spam wave" {
		t.Errorf("#kw-note = %q, want what was typed", got)
	}
	if got := textOf(byID(doc, "error-words")); got != l.T("KEYWORD_EMPTY") {
		t.Errorf("#error-words = %q", got)
	}
}
