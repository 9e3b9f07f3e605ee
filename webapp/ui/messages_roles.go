package ui

// rolesMessages are the texts of the admins' user list and role changes
// (ID-3), and the reasons the role RPCs send.
var rolesMessages = map[string]message{
	// Reasons sent by SearchUsers, GrantRole, RevokeRole and DeleteAccount.
	"LAST_ADMIN":          {"This is the last admin. Make someone else an admin first.", "这是最后一位管理员，请先将其他人设为管理员。"},
	"LAST_ROLE":           {"An account keeps at least one role. Grant another role first.", "账号至少保留一个角色，请先授予其他角色。"},
	"USER_DELETED":        {"This account was deleted and gets no roles.", "该账号已注销，不能授予角色。"},
	"USER_ID_INVALID":     {"The account ID is not valid.", "账号 ID 无效。"},
	"ROLE_UNKNOWN":        {"Choose one of the roles.", "请选择一个角色。"},
	"USER_QUERY_TOO_LONG": {"Search with at most 100 characters.", "搜索内容最多 100 个字符。"},
	"PAGE_SIZE_INVALID":   {"Choose a page size from 1 to 100.", "每页数量须在 1 到 100 之间。"},

	// Role names.
	"role.client":   {"Client", "需求方"},
	"role.provider": {"Provider", "服务方"},
	"role.admin":    {"Admin", "管理员"},
	"role.ops":      {"Operations", "运营"},
	"role.auditor":  {"Auditor", "审计员"},

	// Notifications (backend/identity role changes).
	"notification.role.granted.client":   {"You were given the client role.", "您已获得需求方角色。"},
	"notification.role.granted.provider": {"You were given the provider role.", "您已获得服务方角色。"},
	"notification.role.granted.admin":    {"You were made an admin.", "您已被设为管理员。"},
	"notification.role.granted.ops":      {"You were given the operations role.", "您已获得运营角色。"},
	"notification.role.granted.auditor":  {"You were given the auditor role.", "您已获得审计员角色。"},
	"notification.role.revoked.client":   {"Your client role was removed.", "您的需求方角色已被移除。"},
	"notification.role.revoked.provider": {"Your provider role was removed.", "您的服务方角色已被移除。"},
	"notification.role.revoked.admin":    {"Your admin role was removed.", "您的管理员角色已被移除。"},
	"notification.role.revoked.ops":      {"Your operations role was removed.", "您的运营角色已被移除。"},
	"notification.role.revoked.auditor":  {"Your auditor role was removed.", "您的审计员角色已被移除。"},

	// Step-up dialog titles.
	"stepup.op.change_roles":   {"to change roles", "以更改角色"},
	"stepup.op.delete_account": {"to delete your account", "以注销账号"},

	// Navigation.
	"nav.users": {"Users", "用户"},

	// The admins' user list, /admin/users.
	"users.title":          {"Users and roles", "用户与角色"},
	"users.lead":           {"Find an account by email, phone, name or ID, and grant or revoke its roles. Every change is written to the audit log.", "按邮箱、手机号、姓名或 ID 查找账号，授予或撤销角色。每次更改都会写入审计日志。"},
	"users.query":          {"Search", "搜索"},
	"users.search":         {"Search", "搜索"},
	"users.any_role":       {"Any role", "全部角色"},
	"users.none":           {"No accounts match.", "没有匹配的账号。"},
	"users.more":           {"Show more", "显示更多"},
	"users.deleted":        {"Deleted", "已注销"},
	"users.active":         {"Active", "正常"},
	"users.last_seen":      {"Last seen", "最近活动"},
	"users.never":          {"never", "从未"},
	"users.grant":          {"Grant", "授予"},
	"users.revoke":         {"Revoke", "撤销"},
	"users.confirm_grant":  {"Give %s the role %s?", "确定授予 %s %s 角色吗？"},
	"users.confirm_revoke": {"Take the role %s from %s?", "确定撤销 %[2]s 的 %[1]s 角色吗？"},
	"users.confirm":        {"Confirm", "确认"},
	"users.cancel":         {"Cancel", "取消"},
	"users.granted":        {"Role granted.", "角色已授予。"},
	"users.revoked":        {"Role revoked.", "角色已撤销。"},
	"users.unchanged":      {"Nothing changed: the account already had it that way.", "没有变化：该账号本来就是这样。"},
	"users.staff_note":     {"Granting admin, operations or auditor asks you to verify it's you first.", "授予管理员、运营或审计员角色前需要先验证您的身份。"},
}
