package ui

// namesMessages name a moderated item in words in the notice its author
// gets (SEC-5): "moderation.item.<label>" with {ref} the task reference,
// filled into "{item}" of "notification.moderation.*" from the
// notification's "item_label" param (backend/moderation ItemLabel).
var namesMessages = map[string]message{
	"moderation.item.task":               {"your task {ref}", "您的任务 {ref}"},
	"moderation.item.proposal":           {"your proposal on {ref}", "您在 {ref} 上的投标"},
	"moderation.item.review":             {"your review on {ref}", "您在 {ref} 上的评价"},
	"moderation.item.review_noref":       {"your review", "您的评价"},
	"moderation.item.review_reply":       {"your reply to a review on {ref}", "您对 {ref} 上评价的回复"},
	"moderation.item.review_reply_noref": {"your reply to a review", "您对评价的回复"},
	"moderation.item.bio":                {"your provider bio", "您的服务方简介"},
	"moderation.item.portfolio_item":     {"an item of your portfolio", "您作品集中的一项"},
	"moderation.item.delivery":           {"your delivery note on {ref}", "您在 {ref} 上的交付说明"},
	"moderation.item.task_note":          {"a note on the timeline of {ref}", "任务 {ref} 时间线上的一条备注"},
	"moderation.item.board_column":       {"a column on the board of {ref}", "任务 {ref} 看板上的一个列"},
	"moderation.item.board_card":         {"a card on the board of {ref}", "任务 {ref} 看板上的一张卡片"},
	"moderation.item.board_checklist":    {"a checklist item on the board of {ref}", "任务 {ref} 看板上的一个检查项"},
	"moderation.item.name":               {"your display name", "您的显示名称"},
	"moderation.item.message":            {"your message", "您的消息"},
	"moderation.item.text":               {"your text", "您发布的内容"},
}
