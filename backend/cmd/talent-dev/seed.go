package main

import (
	"context"
	"fmt"
	"github.com/jackc/pgx/v5"
	"time"

	"connectrpc.com/connect"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// demoPassword is every demo account's password.
const demoPassword = "demo-password-1"

// demoConsentVersion is the privacy notice version the demo accounts agree
// to (the one the sign-up page shows).
const demoConsentVersion = "2026-11"

// demoAccount is one seeded account.
type demoAccount struct {
	email, displayName, role string
	roles                    []identityv1.Role
}

func demoAccounts() []demoAccount {
	client := []identityv1.Role{identityv1.Role_ROLE_CLIENT}
	provider := []identityv1.Role{identityv1.Role_ROLE_PROVIDER}
	return []demoAccount{
		{"demo-client1@talent.test", "Demo 张伟 · 星辰科技", "client", client},
		{"demo-client2@talent.test", "Demo Alice Chen · Northwind Labs", "client", client},
		{"demo-provider1@talent.test", "Demo 李娜 · Go 后端工程师", "provider", provider},
		{"demo-provider2@talent.test", "Demo Bob Martin · Frontend Developer", "provider", provider},
		{"demo-provider3@talent.test", "Demo 王芳 · UI/UX 设计师", "provider", provider},
	}
}

// demoTask is one seeded task. requestID makes posting it idempotent.
type demoTask struct {
	requestID     string
	client        int // index into demoAccounts
	title         string
	description   string
	minYuan       int64
	maxYuan       int64
	daysFromToday int
	skillTags     []string
	taskType      tasksv1.TaskType
	city          string // "" for remote work
}

func demoTasks() []demoTask {
	return []demoTask{
		{
			requestID: "demo-seed-task-1", client: 0, taskType: tasksv1.TaskType_TASK_TYPE_MINI_PROGRAM,
			title: "[Demo] 微信小程序商城开发",
			description: "我们是一家做精品咖啡豆的小公司，需要一个微信小程序商城：商品展示、购物车、微信支付、订单查询和简单的会员积分。" +
				"后台希望能让运营同事自己上架商品。请附上过往小程序案例。",
			minYuan: 20000, maxYuan: 35000, daysFromToday: 30,
			skillTags: []string{"微信小程序", "go", "postgresql"},
		},
		{
			requestID: "demo-seed-task-2", client: 0, taskType: tasksv1.TaskType_TASK_TYPE_UI_UX_DESIGN, city: "上海",
			title: "[Demo] 企业官网改版（响应式设计）",
			description: "现有官网是五年前做的，手机上几乎无法浏览。需要重新设计并实现一个响应式官网，约 8 个页面，中英文双语，" +
				"交付 Figma 设计稿和静态页面代码。",
			minYuan: 8000, maxYuan: 15000, daysFromToday: 21,
			skillTags: []string{"ui设计", "figma", "html", "css"},
		},
		{
			requestID: "demo-seed-task-3", client: 0, taskType: tasksv1.TaskType_TASK_TYPE_DATA_ANALYSIS,
			title:       "[Demo] 销售数据可视化看板",
			description: "把 ERP 导出的销售数据（每天约 2 万行）做成一个内部可视化看板：按区域、产品线和时间查看趋势，支持导出 Excel。",
			minYuan:     12000, maxYuan: 20000, daysFromToday: 20,
			skillTags: []string{"python", "数据分析", "echarts"},
		},
		{
			requestID: "demo-seed-task-4", client: 1, taskType: tasksv1.TaskType_TASK_TYPE_BACK_END,
			title: "[Demo] Migrate our billing service from PHP to Go",
			description: "Our billing service is a 15k-line PHP 7 monolith with a MySQL database. We want it rewritten as a Go service " +
				"with the same HTTP API, moved to PostgreSQL, with tests for the invoice rules. We will pair with you on the domain details.",
			minYuan: 40000, maxYuan: 60000, daysFromToday: 45,
			skillTags: []string{"go", "php", "postgresql", "mysql"},
		},
		{
			requestID: "demo-seed-task-5", client: 1, taskType: tasksv1.TaskType_TASK_TYPE_MOBILE,
			title: "[Demo] iOS and Android app for a fitness studio",
			description: "A booking app for our three yoga and fitness studios: class timetable, booking and cancelling, membership cards " +
				"and push reminders. One Flutter code base preferred. Designs exist in Figma.",
			minYuan: 50000, maxYuan: 80000, daysFromToday: 60,
			skillTags: []string{"flutter", "ios", "android"},
		},
		{
			requestID: "demo-seed-task-6", client: 1, taskType: tasksv1.TaskType_TASK_TYPE_DEVOPS,
			title: "[Demo] Security review of our Kubernetes cluster",
			description: "Review a 12-node Kubernetes cluster (network policies, RBAC, secrets, image supply chain) and deliver a " +
				"written report with prioritised fixes. Remote work, read-only access will be provided.",
			minYuan: 15000, maxYuan: 25000, daysFromToday: 14,
			skillTags: []string{"kubernetes", "security", "devops"},
		},
	}
}

// seed creates the demo accounts and tasks through talentd's public API at
// baseURL. It is idempotent: existing accounts are logged into, and tasks
// carry fixed request ids. It returns the demo accounts for the banner.
func seed(ctx context.Context, baseURL string, httpClient connect.HTTPClient, now time.Time) ([]demoAccount, error) {
	identity := identityv1connect.NewIdentityServiceClient(httpClient, baseURL)
	tasks := tasksv1connect.NewTaskServiceClient(httpClient, baseURL)

	accounts := demoAccounts()
	tokens := make([]string, len(accounts))
	for i, a := range accounts {
		token, err := signUpOrLogIn(ctx, identity, a)
		if err != nil {
			return nil, err
		}
		tokens[i] = token
	}

	// Delivery dates are days in China Standard Time, as the service checks.
	today := now.In(time.FixedZone("CST", 8*60*60))
	for _, t := range demoTasks() {
		req := connect.NewRequest(&tasksv1.CreateTaskRequest{
			Title:        t.title,
			Description:  t.description,
			BudgetMinFen: t.minYuan * 100,
			BudgetMaxFen: t.maxYuan * 100,
			DeliveryDate: today.AddDate(0, 0, t.daysFromToday).Format(time.DateOnly),
			SkillTags:    t.skillTags,
			RequestId:    t.requestID,
			TaskType:     t.taskType,
			Remote:       t.city == "",
			City:         t.city,
		})
		req.Header().Set("Authorization", "Bearer "+tokens[t.client])
		if _, err := tasks.CreateTask(ctx, req); err != nil {
			return nil, fmt.Errorf("create task %q: %w", t.title, err)
		}
	}
	return accounts, nil
}

// markDemo flags the demo accounts and their tasks as demo data in the
// database, so that the app and reports can tell them apart, and approves
// the demo providers' vetting so they can take work at once (ID-2: only
// an approved provider can). The public API has no way to set the flag,
// on purpose, and approving needs ID card images and an admin; the dev
// runner owns its database.
func markDemo(ctx context.Context, databaseURL string, accounts []demoAccount) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	emails := make([]string, len(accounts))
	for i, a := range accounts {
		emails[i] = a.email
	}
	if _, err := conn.Exec(ctx, `UPDATE users SET demo = true WHERE lower(email) = ANY($1) AND NOT demo`, emails); err != nil {
		return fmt.Errorf("mark demo accounts: %w", err)
	}
	if _, err := conn.Exec(ctx, `UPDATE tasks SET demo = true WHERE NOT demo AND client_id IN (SELECT id FROM users WHERE demo)`); err != nil {
		return fmt.Errorf("mark demo tasks: %w", err)
	}
	if _, err := conn.Exec(ctx, `
		INSERT INTO provider_profiles (user_id, city, time_zone, availability, bio, vetting_status)
		SELECT id, '上海', 'Asia/Shanghai', 'full_time', 'Demo provider.', 'approved'
		FROM users WHERE demo AND 'provider' = ANY(roles)
		ON CONFLICT (user_id) DO UPDATE SET vetting_status = 'approved', suspended = false`); err != nil {
		return fmt.Errorf("approve demo providers: %w", err)
	}
	return nil
}

// signUpOrLogIn signs a up, or logs in when the account already exists, and
// returns a bearer token.
func signUpOrLogIn(ctx context.Context, identity identityv1connect.IdentityServiceClient, a demoAccount) (string, error) {
	resp, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email:           a.email,
		Password:        demoPassword,
		DisplayName:     a.displayName,
		Roles:           a.roles,
		ConsentVersion:  demoConsentVersion,
		WantBearerToken: true,
	}))
	if err == nil {
		return resp.Msg.GetBearerToken(), nil
	}
	if connect.CodeOf(err) != connect.CodeAlreadyExists {
		return "", fmt.Errorf("sign up %s: %w", a.email, err)
	}
	login, err := identity.LogIn(ctx, connect.NewRequest(&identityv1.LogInRequest{
		Email:           a.email,
		Password:        demoPassword,
		WantBearerToken: true,
	}))
	if err != nil {
		return "", fmt.Errorf("log in %s (it exists with another password? delete the var dir to start afresh): %w", a.email, err)
	}
	return login.Msg.GetBearerToken(), nil
}
