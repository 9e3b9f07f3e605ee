package ui

// accessMessages are the texts of sign-in with GitHub and WeChat, login
// methods, privacy settings, consent, data export and account deletion
// (ID-1, SEC-4), and the reasons those services send.
var accessMessages = map[string]message{
	// Sign-in with identity providers.
	"oauth.github":       {"Sign in with GitHub", "使用 GitHub 登录"},
	"oauth.wechat":       {"Sign in with WeChat", "微信登录"},
	"oauth.or":           {"or", "或"},
	"oauth.consent_note": {"By continuing with GitHub or WeChat you agree to the privacy notice (version 2026-11).", "使用 GitHub 或微信继续即表示您同意隐私声明（2026-11 版）。"},

	// Reasons a provider sign-in failed (?oauth_error=).
	"OAUTH_STATE_INVALID":    {"The sign-in link has expired or was opened in another browser. Please start again.", "登录链接已过期或在其他浏览器中打开，请重新开始。"},
	"OAUTH_DENIED":           {"Sign-in was cancelled.", "登录已取消。"},
	"OAUTH_FAILED":           {"Signing in with that account did not work. Please try again.", "使用该账号登录失败，请重试。"},
	"OAUTH_EMAIL_IN_USE":     {"An account with this email already exists. Log in to it with your password, then link this sign-in method under Account › Login methods.", "该邮箱已有账号。请先用密码登录该账号，再在“账号 › 登录方式”中绑定此登录方式。"},
	"OAUTH_CONSENT_REQUIRED": {"To create an account, start from the sign-up page and agree to the privacy notice.", "如需创建账号，请从注册页面开始并同意隐私声明。"},
	"OAUTH_ALREADY_LINKED":   {"That account is already linked to another Talent account.", "该账号已绑定其他 Talent 账号。"},
	"OAUTH_PROVIDER_LINKED":  {"Another account of this provider is already linked. Unlink it first.", "已绑定该平台的另一个账号，请先解绑。"},
	"OAUTH_LINK_NEEDS_LOGIN": {"Please log in, then link the account from your settings.", "请先登录，再在设置中绑定账号。"},

	// Reasons sent by the RPCs.
	"LAST_LOGIN_METHOD":           {"This is your only way to sign in. Add another before removing it.", "这是您唯一的登录方式，请先添加其他方式再移除。"},
	"LOGIN_METHOD_NOT_UNLINKABLE": {"Only GitHub and WeChat can be unlinked.", "只能解绑 GitHub 和微信。"},
	"REAUTHENTICATE":              {"For your safety, log in again and then retry within 5 minutes.", "为了您的账号安全，请重新登录后在 5 分钟内重试。"},
	"PASSWORD_WRONG":              {"The password is wrong.", "密码错误。"},
	"CONSENT_OUTDATED":            {"The privacy notice has changed. Reload the page to read the new version.", "隐私声明已更新，请刷新页面阅读新版本。"},
	"ITEM_ID_INVALID":             {"A portfolio item is not valid.", "作品项无效。"},
	"TOO_MANY_ITEMS":              {"Too many hidden items.", "隐藏的作品项过多。"},
	"CSRF":                        {"This request came from another site and was refused.", "该请求来自其他网站，已被拒绝。"},

	// Account settings tabs.
	"account.security": {"Security", "账号安全"},
	"account.logins":   {"Login methods", "登录方式"},
	"account.privacy":  {"Privacy", "隐私"},

	// Login methods page.
	"logins.title":    {"Login methods", "登录方式"},
	"logins.lead":     {"The ways you can sign in to this account. Keep at least one.", "您可以用以下方式登录此账号，至少保留一种。"},
	"logins.password": {"Email and password", "邮箱和密码"},
	"logins.phone":    {"Mobile number", "手机号"},
	"logins.github":   {"GitHub", "GitHub"},
	"logins.wechat":   {"WeChat", "微信"},
	"logins.unlink":   {"Unlink", "解绑"},
	"logins.link":     {"Link", "绑定"},
	"logins.linked":   {"Linked. You can now sign in with it.", "绑定成功，现在可以用它登录。"},

	// Privacy page.
	"privacy.title":          {"Privacy", "隐私"},
	"privacy.lead":           {"Choose what others see on your public profile, download your data or delete your account.", "选择他人在您的公开资料中能看到的内容，下载您的数据或注销账号。"},
	"privacy.mode":           {"Privacy mode", "隐私模式"},
	"privacy.hide_reviews":   {"Hide the reviews others wrote about me", "隐藏他人对我的评价"},
	"privacy.hide_city":      {"Hide my city", "隐藏我的城市"},
	"privacy.hidden_items":   {"Hidden portfolio items:", "已隐藏的作品项："},
	"privacy.hidden_hint":    {"Hide single projects from your portfolio on your profile page.", "可在个人资料页隐藏单个项目。"},
	"privacy.save":           {"Save", "保存"},
	"privacy.saved":          {"Saved.", "已保存。"},
	"privacy.consent":        {"You accepted the privacy notice version", "您已同意的隐私声明版本"},
	"privacy.export":         {"Your data", "您的数据"},
	"privacy.export_lead":    {"Download everything Talent holds about you as a JSON file.", "以 JSON 文件下载 Talent 保存的关于您的全部数据。"},
	"privacy.export_button":  {"Download my data", "下载我的数据"},
	"privacy.delete":         {"Delete account", "注销账号"},
	"privacy.delete_lead":    {"Your name, email, phone, login methods and sessions are erased. Tasks, reviews and payments others depend on are kept without your name, as the law requires.", "您的姓名、邮箱、手机号、登录方式和会话将被删除。他人依赖的任务、评价和付款记录将按法律要求去除您的身份信息后保留。"},
	"privacy.delete_confirm": {"I understand that this cannot be undone.", "我了解此操作无法撤销。"},
	"privacy.delete_button":  {"Delete my account", "注销我的账号"},
	"privacy.password":       {"Password", "密码"},
	"privacy.password_hint":  {"With a second factor set up, you verify it's you instead. Accounts without a password: log in again just before deleting.", "已设置第二重验证的账号将改为验证身份。无密码的账号：请在注销前重新登录。"},

	// Consent page.
	"consent.title":  {"Updated privacy notice", "隐私声明已更新"},
	"consent.lead":   {"We have updated our privacy notice. Please read and accept it to go on using Talent.", "我们更新了隐私声明，请阅读并同意后继续使用 Talent。"},
	"consent.agree":  {"I have read and agree to the privacy notice, version", "我已阅读并同意隐私声明，版本"},
	"consent.accept": {"Accept and continue", "同意并继续"},
}
