package ui

import (
	"maps"
	"strings"
)

// Notification returns the text of a notification of kind with params
// filled in: the catalogue entry "notification.<kind>", whose "{name}"
// placeholders take params["name"]; a param "item_label" names a
// moderated item in words, filling "{item}". A kind the catalogue does not know
// (a newer server) gets a generic sentence.
func (l Lang) Notification(kind string, params map[string]string) string {
	key := "notification." + kind
	if !Has(key) {
		key = "notification.unknown"
	}
	if label := params["item_label"]; label != "" && Has("moderation.item."+label) {
		// A moderated item named in words (messages_names.go).
		filled := maps.Clone(params)
		filled["item"] = Fill(l.T("moderation.item."+label), params)
		params = filled
	}
	return Fill(l.T(key), params)
}

// Fill replaces each "{name}" in text with params["name"].
func Fill(text string, params map[string]string) string {
	for k, v := range params {
		text = strings.ReplaceAll(text, "{"+k+"}", v)
	}
	return text
}

// realtimeMessages are the notification bell and list, the live-update
// indicator, repositories linked to a task, and the notification kinds of
// those areas (TASK-3, TASK-4).
var realtimeMessages = map[string]message{
	// Reasons of talent.repositories.v1.
	"REPOSITORY_URL_INVALID":      {"Enter the repository's address, like https://github.com/owner/name.", "请输入仓库地址，例如 https://github.com/owner/name。"},
	"REPOSITORY_HOST_UNSUPPORTED": {"Only repositories on github.com and gitlab.com can be linked.", "目前只能关联 github.com 和 gitlab.com 上的仓库。"},
	"REPOSITORY_ALREADY_LINKED":   {"This repository is already linked to the task.", "该仓库已关联到此任务。"},
	"TOO_MANY_REPOSITORIES":       {"A task can link at most 5 repositories.", "一个任务最多关联 5 个仓库。"},

	// The bell, the list and the live indicator.
	"nav.notifications":           {"Notifications", "通知"},
	"notifications.title":         {"Notifications", "通知"},
	"notifications.unread":        {"{n} unread", "{n} 条未读"},
	"notifications.empty":         {"No notifications yet.", "暂无通知。"},
	"notifications.mark_all_read": {"Mark all as read", "全部标为已读"},
	"notifications.more":          {"Show older", "显示更早的通知"},
	"live.on":                     {"Live: changes appear as they happen.", "实时：变更即时显示。"},
	"live.off":                    {"Offline: reconnecting…", "连接中断，正在重新连接…"},

	// Notification kinds ("notification.<kind>").
	"notification.unknown":        {"You have a new notification.", "您有一条新通知。"},
	"notification.repo.linked":    {"{actor} linked the repository {repository} to {task}.", "{actor} 为 {task} 关联了仓库 {repository}。"},
	"notification.repo.ci_failed": {"CI failed on {repository} ({branch}): {name}.", "{repository}（{branch}）的 CI 未通过：{name}。"},

	// Repositories on the task page.
	"repo.title":               {"Repositories", "代码仓库"},
	"repo.url_label":           {"GitHub or GitLab repository address", "GitHub 或 GitLab 仓库地址"},
	"repo.link":                {"Link repository", "关联仓库"},
	"repo.unlink":              {"Unlink", "取消关联"},
	"repo.open_vscode":         {"Open in VS Code for the Web", "在 VS Code 网页版中打开"},
	"repo.open_gitlab_ide":     {"Open in the Web IDE (VS Code)", "在 Web IDE（VS Code）中打开"},
	"repo.open_codesandbox":    {"Open in CodeSandbox", "在 CodeSandbox 中打开"},
	"repo.webhook":             {"Webhook setup", "Webhook 设置"},
	"repo.webhook_url":         {"Payload URL", "回调地址"},
	"repo.webhook_secret":      {"Secret", "密钥"},
	"repo.webhook_help_github": {"In the repository's Settings → Webhooks → Add webhook, paste this payload URL and secret, choose content type application/json, and select the events Pushes, Pull requests, Check runs and Workflow runs.", "在仓库的 Settings → Webhooks → Add webhook 中填入此回调地址和密钥，Content type 选 application/json，并勾选 Pushes、Pull requests、Check runs 和 Workflow runs 事件。"},
	"repo.webhook_help_gitlab": {"In the project's Settings → Webhooks → Add new webhook, paste this URL and the secret as the secret token, and tick Push events, Merge request events and Pipeline events.", "在项目的 Settings → Webhooks → Add new webhook 中填入此地址，将密钥填为 Secret token，并勾选 Push events、Merge request events 和 Pipeline events。"},
	"repo.pushes":              {"Recent pushes", "最近推送"},
	"repo.push_summary":        {"{pusher} pushed {n} commit(s) to {branch}", "{pusher} 向 {branch} 推送了 {n} 个提交"},
	"repo.prs":                 {"Pull / merge requests", "拉取 / 合并请求"},
	"repo.checks":              {"CI status", "CI 状态"},
	"repo.no_activity":         {"Nothing yet: once the webhook is added, pushes, requests and CI runs show here.", "暂无动态：添加 Webhook 后，推送、合并请求和 CI 运行会显示在这里。"},
	"repo.pr.open":             {"open", "进行中"},
	"repo.pr.draft":            {"draft", "草稿"},
	"repo.pr.closed":           {"closed", "已关闭"},
	"repo.pr.merged":           {"merged", "已合并"},
	"repo.ci.queued":           {"queued", "排队中"},
	"repo.ci.running":          {"running", "运行中"},
	"repo.ci.success":          {"passed", "通过"},
	"repo.ci.failure":          {"failed", "失败"},
	"repo.ci.cancelled":        {"cancelled", "已取消"},
	"repo.ci.skipped":          {"skipped", "已跳过"},
	"repo.ci.other":            {"unknown", "未知"},
}
