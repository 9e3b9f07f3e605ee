package ui

// marketMessages are the marketplace's texts (issue 4): proposals, the
// award, work, delivery, files, reviews and the board, their error
// reasons and notifications.
var marketMessages = map[string]message{
	// Field violation reasons of the market, reviews and boards.
	"PROVIDER_NOT_APPROVED": {"Only approved providers can send proposals and take work.", "只有通过审核的服务方才能投标和接单。"},
	"PROPOSAL_EXISTS":       {"You have already sent a proposal for this task; edit it instead.", "您已为该任务投过标，请修改已有的投标。"},
	"PROPOSAL_NOT_PENDING":  {"This proposal is no longer pending.", "该投标已不在待定状态。"},
	"PROPOSAL_NOT_FOUND":    {"Proposal not found.", "未找到该投标。"},
	"NOT_YOUR_PROPOSAL":     {"Only the provider who sent a proposal can change it.", "只有投标的服务方才能修改它。"},
	"TASK_NOT_OPEN":         {"This task is not open for proposals.", "该任务目前不接受投标。"},
	"OWN_TASK":              {"You cannot send a proposal for your own task.", "不能为自己发布的任务投标。"},
	"NOT_TASK_PROVIDER":     {"Only the task's provider can do this.", "只有该任务的服务方才能执行此操作。"},
	"NOT_TASK_PARTY":        {"Only the task's client and provider can do this.", "只有该任务的需求方和服务方才能执行此操作。"},
	"TASK_NOT_IN_PROGRESS":  {"The task is not in progress.", "任务不在进行中。"},
	"PRICE_TOO_LOW":         {"The price must be at least ¥1.", "报价不能低于 1 元。"},
	"PRICE_TOO_HIGH":        {"The price must be at most ¥100 million.", "报价不能超过 1 亿元。"},
	"TIMELINE_INVALID":      {"The timeline must be 1 to 365 days.", "工期须为 1 至 365 天。"},
	"LINK_INVALID":          {"Each link must be a web address starting with http:// or https://.", "每个链接都须以 http:// 或 https:// 开头。"},
	"TOO_MANY_LINKS":        {"Give at most 10 links.", "最多填写 10 个链接。"},
	"ATTACHMENT_INVALID":    {"A file is not an uploaded file of yours for this task.", "有文件不是您为该任务上传的文件。"},
	"ATTACHMENT_NOT_FOUND":  {"File not found.", "未找到该文件。"},
	"UPLOAD_MISSING":        {"The file has not been uploaded yet.", "文件尚未上传。"},
	"UPLOAD_MISMATCH":       {"The uploaded file is not the size or type announced; it was deleted.", "上传的文件大小或类型与声明不符，已删除。"},
	"FILES_UNAVAILABLE":     {"File uploads are not available right now.", "文件上传暂不可用。"},
	"FILE_NAME_INVALID":     {"The file name must be 1 to 200 characters long.", "文件名须为 1 至 200 个字符。"},
	"FILE_TYPE_NOT_ALLOWED": {"Only PDF, PNG, JPEG, GIF, WebP, text, Markdown and ZIP files can be attached.", "只能上传 PDF、PNG、JPEG、GIF、WebP、文本、Markdown 和 ZIP 文件。"},
	"FILE_EMPTY":            {"The file is empty.", "文件为空。"},
	"FILE_TOO_LARGE":        {"A file can be at most 20 MB.", "单个文件不能超过 20 MB。"},
	"STARS_INVALID":         {"Give 1 to 5 stars.", "请给出 1 至 5 星。"},
	"REVIEW_NOT_YET":        {"Reviews open once the work is accepted.", "验收通过后才能评价。"},
	"REVIEW_EXISTS":         {"You have already reviewed this task.", "您已评价过该任务。"},
	"REVIEW_NOT_FOUND":      {"Review not found.", "未找到该评价。"},
	"NOT_REVIEWEE":          {"Only the person reviewed can do this.", "只有被评价人才能执行此操作。"},
	"REPLY_EXISTS":          {"You have already replied to this review.", "您已回复过该评价。"},
	"REVIEW_NOT_REVEALED":   {"This review is not revealed yet.", "该评价尚未公开。"},

	// Notifications (notification.<kind>).
	"notification.task.matched":           {"A new task matches your skills: {task} {title}", "有新任务匹配您的技能：{task} {title}"},
	"notification.task.invited":           {"You are invited to send a proposal for {task} {title}", "您受邀为 {task} {title} 投标"},
	"notification.proposal.received":      {"{provider} sent a proposal for {task} {title}", "{provider} 为 {task} {title} 投标了"},
	"notification.proposal.withdrawn":     {"A proposal for {task} {title} was withdrawn", "{task} {title} 的一个投标已撤回"},
	"notification.proposal.awarded":       {"You won {task} {title}", "您已中标 {task} {title}"},
	"notification.proposal.declined":      {"{task} {title} was awarded to another provider", "{task} {title} 已授予其他服务方"},
	"notification.task.started":           {"Work on {task} {title} has started", "{task} {title} 已开工"},
	"notification.task.sub_status":        {"{task} {title}: {sub_status}", "{task} {title}：{sub_status}"},
	"notification.task.delivered":         {"{task} {title} was delivered: please review it", "{task} {title} 已交付，请验收"},
	"notification.task.accepted":          {"{task} {title} was accepted", "{task} {title} 已通过验收"},
	"notification.task.changes_requested": {"Changes were requested on {task} {title}: {reason}", "{task} {title} 需要修改：{reason}"},
	"notification.review.received":        {"You received a review for {task}; it shows once you review too, or in 14 days", "您在 {task} 收到一条评价，您评价对方后或 14 天后公开"},
	"notification.task.disputed":          {"A dispute was raised on {task} {title}: {reason}", "{task} {title} 发起了争议：{reason}"},
}
