package ui

import "testing"

// TestModerationNoticeNamesTheItem: the notice an author gets about a
// moderated item names it in words with its task, not by its raw id
// (SEC-5).
func TestModerationNoticeNamesTheItem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		lang   Lang
		kind   string
		params map[string]string
		want   string
	}{
		{"card en", English, "moderation.taken_down",
			map[string]string{"item_label": "board_card", "ref": "T-000123", "item_id": "card:0b9e", "item": "x", "reason": "no rebates"},
			"The moderators took down a card on the board of T-000123: no rebates"},
		{"card zh", Chinese, "moderation.taken_down",
			map[string]string{"item_label": "board_card", "ref": "T-000123", "item_id": "card:0b9e", "reason": "禁止返利"},
			"管理员下架了任务 T-000123 看板上的一张卡片：禁止返利"},
		{"proposal en", English, "moderation.taken_down",
			map[string]string{"item_label": "proposal", "ref": "T-000007", "item_id": "3f2a", "reason": "spam"},
			"The moderators took down your proposal on T-000007: spam"},
		{"review zh", Chinese, "moderation.taken_down",
			map[string]string{"item_label": "review", "ref": "T-000007", "reason": "人身攻击"},
			"管理员下架了您在 T-000007 上的评价：人身攻击"},
		{"name en", English, "moderation.taken_down",
			map[string]string{"item_label": "name", "item_id": "0b9e", "reason": "not allowed"},
			"The moderators took down your display name: not allowed"},
		{"bio warning zh", Chinese, "moderation.warning",
			map[string]string{"item_label": "bio", "reason": "请勿留联系方式"},
			"管理员就您的服务方简介向您发出警告：请勿留联系方式"},
		{"an old notice keeps its item", English, "moderation.taken_down",
			map[string]string{"item": "card:0b9e", "reason": "spam"},
			"The moderators took down card:0b9e: spam"},
		{"an unknown label keeps the item", English, "moderation.taken_down",
			map[string]string{"item_label": "hologram", "item": "your hologram", "reason": "spam"},
			"The moderators took down your hologram: spam"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.lang.Notification(tt.kind, tt.params); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
