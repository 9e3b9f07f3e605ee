package moderation

import (
	"testing"

	"github.com/talent-hub/talent/webapp/ui"
)

// TestItemLabelsTranslated: every label a notice can carry has a
// catalogue entry in English and Chinese, and the English fallback sent
// as "item" is the catalogue's text (SEC-5).
func TestItemLabelsTranslated(t *testing.T) {
	t.Parallel()
	for _, l := range ItemLabels {
		key := "moderation.item." + l
		if !ui.Has(key) {
			t.Errorf("the web catalogue has no %s", key)
			continue
		}
		if got := ui.English.T(key); got != englishLabels[l] {
			t.Errorf("%s in English = %q, the backend's fallback %q", key, got, englishLabels[l])
		}
		if zh := ui.Chinese.T(key); zh == "" || zh == ui.English.T(key) {
			t.Errorf("%s in Chinese = %q, want a translation", key, zh)
		}
	}
}

func TestItemLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind, id, link string
		label, ref     string
	}{
		{KindTask, "T-000123", "/tasks/T-000123", LabelTask, "T-000123"},
		{KindProposal, "3f2a", "/tasks/T-000009", LabelProposal, "T-000009"},
		{KindBoard, "card:0b9e", "/tasks/T-000123/board", LabelBoardCard, "T-000123"},
		{KindBoard, "column:0b9e", "/tasks/T-000123/board", LabelBoardColumn, "T-000123"},
		{KindBoard, "checklist:0b9e", "/tasks/T-000123/board", LabelBoardChecklist, "T-000123"},
		{KindReview, "9c1d", "/tasks/T-000042", LabelReview, "T-000042"},
		{KindReview, "9c1d", "", LabelReviewNoRef, ""},
		{KindReviewReply, "9c1d", "/tasks/T-000042", LabelReviewReply, "T-000042"},
		{KindProfile, "bio:0b9e", "/providers/0b9e", LabelBio, ""},
		{KindProfile, "portfolio:77aa", "/providers/0b9e", LabelPortfolioItem, ""},
		{KindDelivery, "5e5e", "/tasks/T-000001", LabelDelivery, "T-000001"},
		{KindTaskNote, "12", "/tasks/T-000001", LabelTaskNote, "T-000001"},
		{KindName, "0b9e", "/account/security", LabelName, ""},
		{KindDelivery, "5e5e", "", LabelText, ""},
		{"hologram", "x", "/tasks/T-000001", LabelText, ""},
	}
	for _, tt := range tests {
		label, ref := ItemLabel(tt.kind, tt.id, tt.link)
		if label != tt.label || ref != tt.ref {
			t.Errorf("ItemLabel(%q, %q, %q) = %q, %q; want %q, %q", tt.kind, tt.id, tt.link, label, ref, tt.label, tt.ref)
		}
	}
}
