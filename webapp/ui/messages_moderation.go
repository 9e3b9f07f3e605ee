package ui

// moderationMessages is the content rules' area (SEC-5): the reasons the
// moderation service sends, the notifications its decisions send, and the
// admin pages for the keyword lists (/admin/keywords) and the patrol queue
// (/admin/patrol). CONTENT_BLOCKED itself is in the core catalogue: the
// edge and the backend send the same reason.
var moderationMessages = map[string]message{
	// Reasons.
	"KEYWORD_TOO_LONG":      {"A keyword is at most 100 characters.", "关键词最多 100 个字符。"},
	"KEYWORD_EMPTY":         {"A keyword needs at least one letter or digit: spaces and punctuation are ignored when matching.", "关键词至少需要一个文字或数字：匹配时会忽略空格和标点。"},
	"NOTE_TOO_LONG":         {"The note is at most 500 characters.", "备注最多 500 个字符。"},
	"REASON_REQUIRED":       {"Say why: the author is told.", "请填写原因：发布者会收到通知。"},
	"PATROL_ITEM_RESOLVED":  {"Another admin has already decided this item.", "该条目已由其他管理员处理。"},
	"TAKE_DOWN_UNSUPPORTED": {"Items of this kind cannot be taken down here yet. Warn the author instead.", "此类内容暂不支持在此下架，请改为警告发布者。"},

	// Notifications ({item}, {reason}).
	// {item} is "moderation.item.<item_label>" (messages_names.go).
	"notification.moderation.taken_down": {"The moderators took down {item}: {reason}", "管理员下架了{item}：{reason}"},
	"notification.moderation.warning":    {"A warning from the moderators about {item}: {reason}", "管理员就{item}向您发出警告：{reason}"},

	// Navigation.
	"nav.admin_keywords": {"Keywords", "关键词"},
	"nav.admin_patrol":   {"Patrol queue", "巡查队列"},

	// Keyword lists page.
	"keywords.title":            {"Keyword lists", "关键词列表"},
	"keywords.lead":             {"Block keywords refuse a text; review keywords publish it and put it in the patrol queue. Changes reach the backend and every edge within seconds, without a restart.", "屏蔽词会拒绝提交；审核词允许发布但会进入巡查队列。修改会在几秒内生效于后端和所有边缘节点，无需重启。"},
	"keywords.list_block":       {"Block", "屏蔽词"},
	"keywords.list_review":      {"Review", "审核词"},
	"keywords.search":           {"Search keywords", "搜索关键词"},
	"keywords.add_label":        {"Add keywords (one per line; paste a whole list)", "添加关键词（每行一个，可粘贴整份列表）"},
	"keywords.note_label":       {"Note (why, for the other admins)", "备注（原因，供其他管理员参考）"},
	"keywords.add":              {"Add", "添加"},
	"keywords.remove":           {"Remove", "删除"},
	"keywords.added":            {"Added: ", "已添加："},
	"keywords.existing":         {"Already in the list: ", "已在列表中："},
	"keywords.removed":          {"Removed: ", "已删除："},
	"keywords.version":          {"Version", "版本"},
	"keywords.total":            {"keywords", "个关键词"},
	"keywords.empty":            {"No keywords.", "没有关键词。"},
	"keywords.load_more":        {"Load more", "加载更多"},
	"keywords.search_submit":    {"Search", "搜索"},
	"keywords.working":          {"Saving…", "正在保存…"},
	"patrol.title":              {"Patrol queue", "巡查队列"},
	"patrol.lead":               {"Published texts that matched a review keyword. Keep, take down or warn the author; every decision is audited.", "已发布但命中审核词的内容。可保留、下架或警告发布者；每项处理都会记入审计日志。"},
	"patrol.empty":              {"Nothing to look at.", "暂无待处理内容。"},
	"patrol.note_label":         {"Reason (shown to the author for take-down and warning)", "原因（下架和警告时会告知发布者）"},
	"patrol.keep":               {"Keep", "保留"},
	"patrol.take_down":          {"Take down", "下架"},
	"patrol.warn":               {"Warn author", "警告发布者"},
	"patrol.by":                 {"by", "发布者"},
	"patrol.words":              {"Words: ", "命中词："},
	"patrol.kind.task":          {"Task", "任务"},
	"patrol.kind.proposal":      {"Proposal", "投标"},
	"patrol.kind.review":        {"Review", "评价"},
	"patrol.kind.profile":       {"Profile", "个人资料"},
	"patrol.kind.message":       {"Message", "消息"},
	"patrol.kind.review_reply":  {"Review reply", "评价回复"},
	"patrol.kind.delivery":      {"Delivery note", "交付说明"},
	"patrol.kind.task_note":     {"Timeline note", "进度记录"},
	"patrol.kind.board":         {"Board text", "看板内容"},
	"patrol.kind.name":          {"Display name", "显示名称"},
	"patrol.status_pending":     {"Pending", "待处理"},
	"patrol.status_resolved":    {"Resolved", "已处理"},
	"patrol.resolved.kept":      {"Kept", "已保留"},
	"patrol.resolved.down":      {"Taken down", "已下架"},
	"patrol.resolved.warned":    {"Author warned", "已警告发布者"},
	"patrol.field.title":        {"title", "标题"},
	"patrol.field.description":  {"description", "描述"},
	"patrol.field.note":         {"note", "备注"},
	"patrol.field.cover_note":   {"cover note", "投标说明"},
	"patrol.field.text":         {"text", "正文"},
	"patrol.field.reply":        {"reply", "回复"},
	"patrol.field.bio":          {"bio", "个人简介"},
	"patrol.field.body":         {"message", "消息内容"},
	"patrol.field.display_name": {"display name", "显示名称"},
	"admin.only":                {"Only admins can see this page.", "只有管理员可以查看此页面。"},
}
