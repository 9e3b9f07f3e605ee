// Package ui holds what the web app says to people: a small message
// catalogue in English and Simplified Chinese (error reasons sent by the
// services, per-code fallbacks, labels) and the formatting of money and
// dates the pages share.
package ui

import (
	"strconv"
	"strings"
)

// Lang is a language the web app speaks, as a BCP 47 tag.
type Lang string

// The languages of the catalogue.
const (
	English Lang = "en"
	Chinese Lang = "zh-CN"
)

// LangFor picks the catalogue language for a browser language tag such as
// navigator.language ("zh-CN", "zh-Hans-CN", "zh", "en-GB"). Every Chinese
// tag maps to Simplified Chinese; everything else to English.
func LangFor(tag string) Lang {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "zh" || strings.HasPrefix(tag, "zh-") || strings.HasPrefix(tag, "zh_") {
		return Chinese
	}
	return English
}

// T returns the text for key in l, falling back to English and then to the
// key itself so that a missing entry is visible but harmless.
func (l Lang) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if l == Chinese && m.zh != "" {
		return m.zh
	}
	return m.en
}

// Has reports whether the catalogue has an entry for key.
func Has(key string) bool {
	_, ok := messages[key]
	return ok
}

// Reason translates a field violation's reason code (google.rpc.BadRequest
// FieldViolation.reason, e.g. "EMAIL_TAKEN"). For a code the catalogue does
// not know it falls back to the service's English description, and in
// Chinese to a generic "invalid value" sentence.
func (l Lang) Reason(reason, description string) string {
	if Has(reason) {
		return l.T(reason)
	}
	if l == English && description != "" {
		return description
	}
	return l.T("INVALID")
}

// Code translates a Connect error code, given as its string form
// ("unauthenticated", "unavailable", ...), into a sentence for a person.
func (l Lang) Code(code string) string {
	key := "code." + code
	if Has(key) {
		return l.T(key)
	}
	return l.T("code.unknown")
}

// Yuan formats an amount in fen (1/100 yuan) as yuan, e.g. 1234500 as
// "¥12,345" and 1234550 as "¥12,345.50".
func Yuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	whole, cents := fen/100, fen%100
	digits := strconv.FormatInt(whole, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString("¥")
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if cents != 0 {
		b.WriteByte('.')
		if cents < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.FormatInt(cents, 10))
	}
	return b.String()
}

// message is one catalogue entry.
type message struct{ en, zh string }

// messages is the catalogue, merged from one map per area of the app
// (messages_*.go) so that areas grow without touching each other. It is
// read-only; a key defined by two areas panics at start (and in tests).
var messages = merge(
	coreMessages,
	webMessages,
	stepUpMessages,
	moderationMessages,
	namesMessages,
	matchingMessages,
	marketMessages,
	accessMessages,
	realtimeMessages,
	providersMessages,
	rolesMessages,
)

// merge returns the union of the area catalogues, panicking on a key two
// areas both define.
func merge(areas ...map[string]message) map[string]message {
	all := map[string]message{}
	for _, area := range areas {
		for k, m := range area {
			if _, dup := all[k]; dup {
				panic("ui: catalogue key " + k + " is defined twice")
			}
			all[k] = m
		}
	}
	return all
}

// coreMessages are the shared reasons and the sign-up, login and task pages'
// texts.
var coreMessages = map[string]message{
	// Field violation reasons sent by the services (and checked in the
	// browser before sending).
	"REQUIRED":             {"This field is required.", "此项为必填项。"},
	"TOO_LONG":             {"This is too long.", "内容过长。"},
	"EMAIL_INVALID":        {"Enter a valid email address, like name@example.com.", "请输入有效的邮箱地址，例如 name@example.com。"},
	"EMAIL_TAKEN":          {"An account with this email already exists.", "该邮箱已注册。"},
	"PASSWORD_TOO_SHORT":   {"Use at least 10 characters.", "密码至少需要 10 个字符。"},
	"BUDGET_MIN_ABOVE_MAX": {"The minimum budget must not be above the maximum.", "最低预算不能高于最高预算。"},
	"BUDGET_TOO_LOW":       {"The budget must be at least ¥100.", "预算不能低于 100 元。"},
	"BUDGET_INVALID":       {"Enter an amount in yuan, like 5000 or 5000.50.", "请输入以元为单位的金额，例如 5000 或 5000.50。"},
	"DATE_INVALID":         {"Enter a valid date.", "请输入有效的日期。"},
	"DATE_IN_PAST":         {"The delivery date cannot be in the past.", "交付日期不能早于今天。"},
	"TAGS_REQUIRED":        {"Add at least one skill tag.", "请至少填写一个技能标签。"},
	"TAG_INVALID":          {"Each tag must be 1 to 32 characters.", "每个标签须为 1 到 32 个字符。"},
	"TOO_MANY_TAGS":        {"Use at most 10 skill tags.", "技能标签最多 10 个。"},
	"CONSENT_REQUIRED":     {"Please agree to the privacy notice to continue.", "请先同意隐私声明。"},
	"BAD_CREDENTIALS":      {"The email or password is wrong.", "邮箱或密码错误。"},
	"INVALID":              {"This value is not valid.", "输入的内容无效。"},
	"ROLE_INVALID":         {"Choose client, provider or both.", "请选择需求方、服务方或两者。"},
	"ID_OR_REF_INVALID":    {"Enter a task number like T-000123.", "请输入任务编号，例如 T-000123。"},
	"ID_INVALID":           {"This is not a valid ID.", "ID 无效。"},
	"VALUE_INVALID":        {"This value is not valid.", "该值无效。"},
	"TOO_MANY":             {"Too many items at once.", "一次提交的项目过多。"},
	"PAGE_TOKEN_INVALID":   {"The list has changed. Reload the page.", "列表已更新，请刷新页面。"},
	"OUT_OF_RANGE":         {"This value is out of range.", "数值超出允许范围。"},

	// Phone login (ID-1).
	"PHONE_INVALID":        {"Enter a mainland China mobile number, like 138 1234 5678.", "请输入中国大陆手机号，例如 138 1234 5678。"},
	"PHONE_TAKEN":          {"An account with this phone number already exists. Log in instead.", "该手机号已注册，请直接登录。"},
	"PHONE_NOT_REGISTERED": {"No account uses this phone number yet. Sign up with the same code.", "该手机号尚未注册，请使用同一验证码注册。"},
	"PURPOSE_INVALID":      {"This code request is not valid.", "验证码请求无效。"},
	"CODE_FORMAT":          {"The code has 6 digits.", "验证码为 6 位数字。"},
	"CODE_WRONG":           {"The code is wrong.", "验证码错误。"},
	"CODE_USED_UP":         {"Too many wrong codes. Ask for a new one.", "验证码错误次数过多，请重新获取。"},
	"CODE_EXPIRED":         {"The code has expired or was used. Ask for a new one.", "验证码已过期或已使用，请重新获取。"},
	"CODE_RESEND_TOO_SOON": {"A code was sent moments ago.", "验证码刚刚已发送。"},
	"SMS_UNAVAILABLE":      {"The text message could not be sent. Try again later.", "短信发送失败，请稍后重试。"},
	"RATE_LIMITED":         {"Too many attempts from here. Please wait a while and try again.", "操作过于频繁，请稍后再试。"},
	"LOCKED_OUT":           {"Too many failed attempts. For your safety this account is locked for a while.", "失败次数过多，为保护账号安全已暂时锁定。"},

	// Reasons of errors about a request as a whole (google.rpc.ErrorInfo),
	// sent by the edge (edge/keywords).
	"CONTENT_BLOCKED":   {"The text contains words that are not allowed on Talent. Please change them and try again.", "内容包含 Talent 不允许发布的词语，请修改后重试。"},
	"REQUEST_TOO_LARGE": {"This is too large to send. Please shorten the text or send smaller files.", "提交的内容过大，请缩短文字或减小文件后重试。"},
	"content.words":     {" Words: ", "词语："}, // follows the sentence

	// Fallbacks by Connect code, for errors without field details.
	"code.unauthenticated":     {"Please log in first.", "请先登录。"},
	"code.permission_denied":   {"You are not allowed to do this.", "您没有执行此操作的权限。"},
	"code.unavailable":         {"The service is unreachable right now. Check your connection and try again.", "服务暂时无法访问，请检查网络后重试。"},
	"code.internal":            {"Something went wrong on our side. Please try again later.", "服务器出错了，请稍后再试。"},
	"code.invalid_argument":    {"Please check the form and try again.", "请检查填写的内容后重试。"},
	"code.already_exists":      {"This already exists.", "该内容已存在。"},
	"code.not_found":           {"Not found.", "未找到。"},
	"code.deadline_exceeded":   {"The request took too long. Please try again.", "请求超时，请重试。"},
	"code.resource_exhausted":  {"Too many requests. Please wait a moment and try again.", "请求过于频繁，请稍后再试。"},
	"code.failed_precondition": {"This cannot be done right now.", "当前无法执行此操作。"},
	"code.unknown":             {"Something went wrong. Please try again.", "出错了，请重试。"},

	// Shell.
	"app.name":                {"Talent", "Talent 人才"},
	"app.tagline":             {"IT talent marketplace", "IT 人才共享平台"},
	"nav.tasks":               {"Tasks", "任务"},
	"nav.post":                {"Post a task", "发布任务"},
	"nav.login":               {"Log in", "登录"},
	"nav.signup":              {"Sign up", "注册"},
	"nav.logout":              {"Log out", "退出"},
	"nav.signed_in":           {"Signed in as", "当前用户"},
	"app.update_available":    {"A new version of Talent is ready.", "Talent 有新版本可用。"},
	"app.update_reload":       {"Reload", "刷新"},
	"app.switch_language":     {"Language", "语言"},
	"offline.copy":            {"You are offline. This is the copy saved when you last viewed it.", "您已离线。这是您上次查看时保存的副本。"},
	"offline.recent":          {"Tasks you viewed recently, readable offline", "最近查看的任务（可离线阅读）"},
	"session.ended":           {"Your session has ended. What you typed is kept:", "您的登录已失效。已保留您填写的内容："},
	"session.login_again":     {"log in again to send it.", "重新登录后即可提交。"},
	"footer.text":             {"Talent — work with IT professionals you can trust.", "Talent —— 与值得信赖的 IT 专业人士合作。"},
	"common.loading":          {"Loading…", "加载中…"},
	"common.retry":            {"Try again", "重试"},
	"common.optional":         {"optional", "选填"},
	"common.skip":             {"Skip to content", "跳到主要内容"},
	"common.retry_in_seconds": {"Try again in %d s.", "请 %d 秒后再试。"},
	"common.retry_in_minutes": {"Try again in %d min.", "请 %d 分钟后再试。"},

	// Home.
	"home.title":    {"Get IT work done by people who know how", "让专业的人做专业的 IT 工作"},
	"home.lead":     {"Talent connects clients who need software built, fixed or run with freelancers, teams and companies who do it for a living.", "Talent 连接需要开发、维护或运维软件的需求方，与以此为业的自由职业者、团队和企业。"},
	"home.browse":   {"Browse tasks", "浏览任务"},
	"home.post":     {"Post a task", "发布任务"},
	"home.join":     {"Create an account", "创建账号"},
	"home.f1.title": {"Post work in minutes", "几分钟发布需求"},
	"home.f1.text":  {"Describe the task, set a budget range in yuan and a delivery date, tag the skills you need.", "描述任务、设定预算区间和交付日期，并标注所需技能。"},
	"home.f2.title": {"Find the right people", "找到合适的人"},
	"home.f2.text":  {"Providers browse open tasks by skill and budget and offer to take them on.", "服务提供方按技能和预算浏览开放任务并承接工作。"},
	"home.f3.title": {"Your data, your consent", "数据由您做主"},
	"home.f3.text":  {"We collect only what the work needs, and only with your consent.", "我们只收集完成工作所需的信息，并且只在您同意后收集。"},

	// Sign-up and log-in.
	"signup.title":               {"Create your account", "创建账号"},
	"signup.lead":                {"Already have an account?", "已有账号？"},
	"signup.display_name":        {"Display name", "显示名称"},
	"signup.display_hint":        {"Shown to other people on Talent.", "其他用户将看到此名称。"},
	"signup.email":               {"Email", "邮箱"},
	"signup.password":            {"Password", "密码"},
	"signup.password_hint":       {"At least 10 characters.", "至少 10 个字符。"},
	"signup.roles":               {"I want to", "我希望"},
	"signup.role_client":         {"Post tasks (client)", "发布任务（需求方）"},
	"signup.role_provider":       {"Take on tasks (provider)", "承接任务（服务提供方）"},
	"signup.consent":             {"I have read and agree to the privacy notice (version 2026-11): Talent stores my name and email to run my account.", "我已阅读并同意隐私声明（2026-11 版）：Talent 将保存我的姓名和邮箱用于账号服务。"},
	"signup.submit":              {"Sign up", "注册"},
	"login.title":                {"Log in", "登录"},
	"login.lead":                 {"New to Talent?", "还没有账号？"},
	"login.submit":               {"Log in", "登录"},
	"common.working":             {"Please wait…", "请稍候…"},
	"security.title":             {"Security", "账号安全"},
	"security.lead":              {"Devices and apps signed in to your account. Log out any you do not recognise.", "以下设备和应用已登录您的账号。如有不认识的，请将其退出。"},
	"security.since":             {"Signed in", "登录于"},
	"security.last_seen":         {"last active", "最近活动"},
	"security.current":           {"This device", "当前设备"},
	"security.unknown_device":    {"Unknown device", "未知设备"},
	"security.logout_everywhere": {"Log out everywhere", "退出所有设备"},
	"phone.login_title":          {"Log in with your phone", "手机号登录"},
	"phone.signup_title":         {"Sign up with your phone", "手机号注册"},
	"phone.have_account":         {"Already have an account? Log in", "已有账号？去登录"},
	"phone.new_account":          {"No account yet? Sign up", "还没有账号？去注册"},
	"phone.use_email":            {"Use email instead", "使用邮箱"},
	"phone.use_phone":            {"Use your phone instead", "使用手机号"},
	"phone.number":               {"Mobile number", "手机号"},
	"phone.number_hint":          {"Mainland China, e.g. 138 1234 5678.", "中国大陆手机号，例如 138 1234 5678。"},
	"phone.send_code":            {"Send code", "获取验证码"},
	"phone.resend_in":            {"Resend in %d s", "%d 秒后重新获取"},
	"phone.code_sent":            {"We sent a 6-digit code by text message. It is valid for 5 minutes.", "验证码已通过短信发送，5 分钟内有效。"},
	"phone.code":                 {"Code", "验证码"},
	"phone.consent":              {"I have read and agree to the privacy notice (version 2026-11): Talent stores my name and mobile number to run my account.", "我已阅读并同意隐私声明（2026-11 版）：Talent 将保存我的姓名和手机号用于账号服务。"},

	// Tasks.
	"tasks.title":        {"Tasks", "任务"},
	"tasks.lead":         {"Open IT work, newest first.", "最新发布的 IT 任务。"},
	"tasks.empty":        {"No tasks yet. Be the first to post one.", "还没有任务，来发布第一个吧。"},
	"tasks.more":         {"Load more", "加载更多"},
	"tasks.budget":       {"Budget", "预算"},
	"tasks.due":          {"Delivery by", "交付日期"},
	"tasks.by":           {"Posted by", "发布者"},
	"tasks.not_found":    {"This task does not exist.", "该任务不存在。"},
	"tasks.back":         {"All tasks", "全部任务"},
	"tasks.description":  {"Description", "任务描述"},
	"tasks.skills":       {"Skills", "技能"},
	"status.open":        {"Open", "开放中"},
	"status.awarded":     {"Awarded", "已授标"},
	"status.in_progress": {"In progress", "进行中"},
	"status.delivered":   {"Delivered", "已交付"},
	"status.accepted":    {"Accepted", "已验收"},
	"status.closed":      {"Closed", "已关闭"},
	"status.cancelled":   {"Cancelled", "已取消"},
	"status.disputed":    {"Disputed", "争议中"},

	// Post a task.
	"task.title":         {"Post a task", "发布任务"},
	"task.lead":          {"Describe the work; providers will see it in the task list.", "描述您的需求，服务提供方将在任务列表中看到它。"},
	"task.login_needed":  {"You need to be logged in as a client to post a task.", "需要以需求方身份登录才能发布任务。"},
	"task.field_title":   {"Title", "标题"},
	"task.title_hint":    {"Up to 120 characters, e.g. \"Build a WeChat mini-program for bookings\".", "最多 120 个字符，例如“开发预约小程序”。"},
	"task.field_desc":    {"Description", "任务描述"},
	"task.desc_hint":     {"What needs doing, what exists already, how you will accept the work. Markdown is fine.", "需要做什么、已有哪些基础、如何验收。支持 Markdown。"},
	"task.budget":        {"Budget (yuan)", "预算（元）"},
	"task.budget_min":    {"Minimum", "最低"},
	"task.budget_max":    {"Maximum", "最高"},
	"task.budget_hint":   {"At least ¥100.", "不低于 100 元。"},
	"task.delivery":      {"Delivery date", "交付日期"},
	"task.delivery_hint": {"China Standard Time.", "北京时间。"},
	"task.tags":          {"Skill tags", "技能标签"},
	"task.tags_hint":     {"Separate with commas, e.g. go, postgresql, vue. Up to 10.", "用逗号分隔，例如 go, postgresql, vue，最多 10 个。"},
	"task.submit":        {"Post task", "发布任务"},

	// The task marketplace (issue 4): types, drafts, search, the life of a task.
	"TASK_TYPE_REQUIRED":     {"Choose the type of work.", "请选择任务类型。"},
	"TASK_TYPE_INVALID":      {"Choose a type from the list.", "请从列表中选择任务类型。"},
	"CITY_REQUIRED":          {"Name the city, or mark the task as remote.", "请填写城市，或将任务设为远程。"},
	"TRANSITION_NOT_ALLOWED": {"The task's current status does not allow this.", "任务当前的状态不允许此操作。"},
	"TASK_NOT_EDITABLE":      {"Only a draft or open task can be edited.", "只有草稿或开放中的任务可以编辑。"},
	"SORT_INVALID":           {"Choose a sort order from the list.", "请从列表中选择排序方式。"},
	"STATUS_INVALID":         {"Choose a status from the list.", "请从列表中选择状态。"},
	"QUERY_TOO_LONG":         {"Search for at most 8 words.", "搜索词最多 8 个。"},
	"status.draft":           {"Draft", "草稿"},
	"type.front_end":         {"Front end", "前端开发"},
	"type.back_end":          {"Back end", "后端开发"},
	"type.full_stack":        {"Full stack", "全栈开发"},
	"type.mobile":            {"Mobile app", "移动应用"},
	"type.mini_program":      {"Mini-program", "小程序"},
	"type.database_ops":      {"Database operations", "数据库运维"},
	"type.devops":            {"DevOps", "DevOps 运维"},
	"type.data_analysis":     {"Data analysis", "数据分析"},
	"type.ai_ml":             {"AI / machine learning", "人工智能 / 机器学习"},
	"type.testing":           {"Testing", "软件测试"},
	"type.ui_ux_design":      {"UI/UX design", "UI/UX 设计"},
	"type.other":             {"Other", "其他"},
	"type.unspecified":       {"Other", "其他"},
	"task.type":              {"Type of work", "任务类型"},
	"task.type_choose":       {"Choose…", "请选择…"},
	"task.remote":            {"Remote: can be done from anywhere", "远程：不限工作地点"},
	"task.remote_short":      {"Remote", "远程"},
	"task.city":              {"City", "城市"},
	"task.city_hint":         {"Where the work is done, e.g. 上海.", "工作地点，例如 上海。"},
	"task.where":             {"Where", "工作地点"},
	"task.save_draft":        {"Save as draft", "保存草稿"},
	"task.edit_title":        {"Edit the task", "编辑任务"},
	"task.save":              {"Save changes", "保存修改"},
	"task.edit":              {"Edit", "编辑"},
	"task.publish":           {"Publish", "发布"},
	"task.close":             {"Close task", "关闭任务"},
	"task.cancel":            {"Cancel task", "取消任务"},
	"task.timeline":          {"Timeline", "任务动态"},
	"search.label":           {"Search tasks", "搜索任务"},
	"search.placeholder":     {"Search titles, descriptions and skills, e.g. 数据 or go", "搜索标题、描述和技能，例如 数据 或 go"},
	"search.submit":          {"Search", "搜索"},
	"search.filters":         {"Filters", "筛选"},
	"search.any_type":        {"Any type", "全部类型"},
	"search.sort":            {"Sort by", "排序"},
	"search.budget_min":      {"Budget from (yuan)", "预算下限（元）"},
	"search.budget_max":      {"Budget up to (yuan)", "预算上限（元）"},
	"search.remote":          {"Remote only", "仅远程"},
	"search.mine":            {"Only my tasks (drafts too)", "只看我的任务（含草稿）"},
	"search.none":            {"No tasks match this search.", "没有符合条件的任务。"},
	"search.status":          {"Status", "状态"},
	"search.any_status":      {"Any status", "全部状态"},
	"search.open_default":    {"Open (default)", "开放中（默认）"},
	"search.due_from":        {"Delivery from", "交付日期起"},
	"search.due_to":          {"Delivery until", "交付日期止"},
	"search.all_skills":      {"Needs all these skills", "需具备全部技能"},
	"sort.newest":            {"Newest", "最新发布"},
	"sort.budget_high":       {"Budget: highest first", "预算从高到低"},
	"sort.budget_low":        {"Budget: lowest first", "预算从低到高"},
	"sort.delivery_soonest":  {"Delivery: soonest first", "交付日期最近"},
}
