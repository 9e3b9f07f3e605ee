package pages

import (
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"golang.org/x/net/html"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// testEnv is an env without clients, as on the server: nothing is called.
func testEnv(lang ui.Lang) *env {
	return &env{lang: lang, now: func() time.Time { return time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC) }}
}

// render mounts c in a go-app test engine and returns its HTML, parsed.
func render(t *testing.T, c app.Composer) *html.Node {
	t.Helper()
	e := app.NewTestEngine()
	if err := e.Load(c); err != nil {
		t.Fatalf("load component: %v", err)
	}
	e.ConsumeAll()
	doc, err := html.Parse(strings.NewReader(app.HTMLString(c)))
	if err != nil {
		t.Fatalf("parse html: %v", err)
	}
	return doc
}

// byID finds the element with id in doc.
func byID(doc *html.Node, id string) *html.Node {
	var found *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found != nil {
			return
		}
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "id" && a.Val == id {
					found = n
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func TestPagesHaveStableIDs(t *testing.T) {
	t.Parallel()
	e := testEnv(ui.English)
	tests := []struct {
		name string
		page app.Composer
		ids  []string
	}{
		{"home", &homePage{env: e}, []string{"main", "nav-tasks", "nav-post"}},
		{"signup", newSignUpPage(e), []string{
			"signup-form", "display-name", "email", "password", "role-client", "role-provider", "consent", "signup-submit",
			"error-display_name", "error-email", "error-password", "error-roles", "error-consent_version", "form-error",
		}},
		{"login", &logInPage{env: e}, []string{"login-form", "email", "password", "login-submit", "error-email", "error-password", "form-error"}},
		{"new task", &newTaskPage{env: e}, []string{
			"task-form", "title", "description", "budget-min", "budget-max", "delivery-date", "skill-tags", "task-submit",
			"error-title", "error-description", "error-budget_min_fen", "error-budget_max_fen", "error-delivery_date",
			"error-skill_tags", "form-error",
		}},
		{"tasks", &tasksPage{env: e}, []string{"task-list"}},
		{"security", &securityPage{env: e}, []string{"session-list", "logout-everywhere", "security-error"}},
		{"phone login", newPhonePage(e, false), []string{
			"phone-form", "phone", "send-code", "code-sent", "code", "phone-login-submit", "use-phone-signup", "use-email",
			"error-phone", "error-code", "form-error",
		}},
		{"phone signup", newPhonePage(e, true), []string{
			"phone-form", "phone", "send-code", "code", "display-name", "role-client", "role-provider", "consent",
			"phone-signup-submit", "use-phone-login", "use-email",
			"error-phone", "error-code", "error-display_name", "error-roles", "error-consent_version", "form-error",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := render(t, tt.page)
			for _, id := range tt.ids {
				if byID(doc, id) == nil {
					t.Fatalf("no element #%s", id)
				}
			}
		})
	}
}

func TestNewTaskFormInputs(t *testing.T) {
	t.Parallel()
	doc := render(t, &newTaskPage{env: testEnv(ui.English)})
	date := byID(doc, "delivery-date")
	if got, want := attr(date, "type"), "date"; got != want {
		t.Fatalf("#delivery-date type = %q, want %q", got, want)
	}
	// 20:00 UTC is already the next day in China.
	if got, want := attr(date, "min"), "2026-11-29"; got != want {
		t.Fatalf("#delivery-date min = %q, want %q", got, want)
	}
	if got, want := attr(byID(doc, "title"), "aria-describedby"), "hint-title error-title"; got != want {
		t.Fatalf("#title aria-describedby = %q, want %q", got, want)
	}
	if got := attr(byID(doc, "task-form"), "method"); got != "post" {
		t.Fatalf("#task-form method = %q, want post (a submit before the app loads must not put fields in the URL)", got)
	}
}

func TestFormShowsErrorsAndKeepsInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		lang      ui.Lang
		problem   rpc.Problem
		wantField map[string]string // element id → text
	}{
		{
			name: "email taken, English",
			lang: ui.English,
			problem: rpc.Problem{Code: "already_exists", Violations: []rpc.Violation{
				{Field: "email", Reason: "EMAIL_TAKEN", Description: "an account with this email already exists"},
			}},
			wantField: map[string]string{"error-email": "An account with this email already exists.", "form-error": ""},
		},
		{
			name: "email taken, Chinese",
			lang: ui.Chinese,
			problem: rpc.Problem{Code: "already_exists", Violations: []rpc.Violation{
				{Field: "email", Reason: "EMAIL_TAKEN"},
			}},
			wantField: map[string]string{"error-email": "该邮箱已注册。"},
		},
		{
			name: "several fields",
			lang: ui.English,
			problem: rpc.Problem{Code: "invalid_argument", Violations: []rpc.Violation{
				{Field: "password", Reason: "PASSWORD_TOO_SHORT"},
				{Field: "consent_version", Reason: "CONSENT_REQUIRED"},
			}},
			wantField: map[string]string{
				"error-password":        "Use at least 10 characters.",
				"error-consent_version": "Please agree to the privacy notice to continue.",
				"error-email":           "",
			},
		},
		{
			name:      "no details",
			lang:      ui.Chinese,
			problem:   rpc.Problem{Code: "unavailable"},
			wantField: map[string]string{"form-error": "服务暂时无法访问，请检查网络后重试。"},
		},
		{
			name:      "content blocked by the edge, Chinese",
			lang:      ui.Chinese,
			problem:   rpc.Problem{Code: "invalid_argument", Reason: "CONTENT_BLOCKED", Metadata: map[string]string{"words": "赌博"}},
			wantField: map[string]string{"form-error": "内容包含 Talent 不允许发布的词语，请修改后重试。词语：赌博"},
		},
		{
			name:      "content blocked by the edge, English",
			lang:      ui.English,
			problem:   rpc.Problem{Code: "invalid_argument", Reason: "CONTENT_BLOCKED", Metadata: map[string]string{"words": "赌博"}},
			wantField: map[string]string{"form-error": "The text contains words that are not allowed on Talent. Please change them and try again. Words: 赌博"},
		},
		{
			name: "content blocked by the backend, next to the field",
			lang: ui.Chinese,
			problem: rpc.Problem{Code: "invalid_argument", Reason: "CONTENT_BLOCKED",
				Metadata:   map[string]string{"words": "赌博, 诈骗", "words.display_name": "诈骗"},
				Violations: []rpc.Violation{{Field: "display_name", Reason: "CONTENT_BLOCKED"}}},
			wantField: map[string]string{"error-display_name": "内容包含 Talent 不允许发布的词语，请修改后重试。词语：诈骗", "form-error": ""},
		},
		{
			name: "unknown field goes to the form",
			lang: ui.English,
			problem: rpc.Problem{Code: "invalid_argument", Violations: []rpc.Violation{
				{Field: "nickname", Reason: "TOO_LONG"},
			}},
			wantField: map[string]string{"form-error": "This is too long."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newSignUpPage(testEnv(tt.lang))
			p.in.displayName = "Zhang San"
			p.in.email = "zs@example.com"
			p.form.fail(tt.lang, tt.problem, signUpFields...)
			doc := render(t, p)
			for id, want := range tt.wantField {
				n := byID(doc, id)
				if n == nil {
					t.Fatalf("no element #%s", id)
				}
				if got := textOf(n); got != want {
					t.Fatalf("#%s = %q, want %q", id, got, want)
				}
			}
			if got := attr(byID(doc, "email"), "value"); got != "zs@example.com" {
				t.Fatalf("#email value = %q, want what was typed", got)
			}
			if got := attr(byID(doc, "display-name"), "value"); got != "Zhang San" {
				t.Fatalf("#display-name value = %q, want what was typed", got)
			}
		})
	}
}

func TestLogInBadCredentialsIsFormLevel(t *testing.T) {
	t.Parallel()
	p := &logInPage{env: testEnv(ui.English)}
	p.form.fail(ui.English, rpc.Problem{Code: "unauthenticated", Violations: []rpc.Violation{
		{Field: "password", Reason: "BAD_CREDENTIALS"},
	}}, logInFields...)
	doc := render(t, p)
	if got, want := textOf(byID(doc, "form-error")), "The email or password is wrong."; got != want {
		t.Fatalf("#form-error = %q, want %q", got, want)
	}
	if got := textOf(byID(doc, "error-password")); got != "" {
		t.Fatalf("#error-password = %q, want empty", got)
	}
}

func TestSignUpCheck(t *testing.T) {
	t.Parallel()
	good := signUpInput{displayName: "Li", email: "li@example.com", password: "0123456789", client: true, consent: true}
	tests := []struct {
		name string
		edit func(*signUpInput)
		want map[string]string
	}{
		{"valid", func(*signUpInput) {}, map[string]string{}},
		{"empty", func(in *signUpInput) { *in = signUpInput{} }, map[string]string{
			"display_name": "REQUIRED", "email": "REQUIRED", "password": "REQUIRED", "roles": "REQUIRED", "consent_version": "CONSENT_REQUIRED",
		}},
		{"long name", func(in *signUpInput) { in.displayName = strings.Repeat("名", 61) }, map[string]string{"display_name": "TOO_LONG"}},
		{"bad email", func(in *signUpInput) { in.email = "li@localhost" }, map[string]string{"email": "EMAIL_INVALID"}},
		{"two ats", func(in *signUpInput) { in.email = "a@b@c.cn" }, map[string]string{"email": "EMAIL_INVALID"}},
		{"short password", func(in *signUpInput) { in.password = "123456789" }, map[string]string{"password": "PASSWORD_TOO_SHORT"}},
		{"provider only", func(in *signUpInput) { in.client, in.provider = false, true }, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := good
			tt.edit(&in)
			assertReasons(t, in.check(), tt.want)
		})
	}
}

func TestTaskRequest(t *testing.T) {
	t.Parallel()
	const today = "2026-11-29"
	good := taskInput{
		title: "  Build a booking mini-program ", description: "Details", budgetMin: "5,000", budgetMax: "¥8000.5",
		deliveryDate: "2026-12-31", skillTags: "Go, vue，微信小程序, go, ",
		taskType: "TASK_TYPE_MINI_PROGRAM", remote: true,
	}
	req, errs := good.request(today)
	assertReasons(t, errs, map[string]string{})
	if req.Title != "Build a booking mini-program" || req.BudgetMinFen != 500000 || req.BudgetMaxFen != 800050 ||
		req.DeliveryDate != "2026-12-31" || strings.Join(req.SkillTags, "|") != "go|vue|微信小程序" ||
		req.TaskType != tasksv1.TaskType_TASK_TYPE_MINI_PROGRAM || !req.Remote || req.City != "" {
		t.Fatalf("request = %+v", req)
	}

	tests := []struct {
		name string
		edit func(*taskInput)
		want map[string]string
	}{
		{"empty", func(in *taskInput) { *in = taskInput{} }, map[string]string{
			"title": "REQUIRED", "budget_min_fen": "REQUIRED", "budget_max_fen": "REQUIRED",
			"delivery_date": "REQUIRED", "skill_tags": "TAGS_REQUIRED", "task_type": "TASK_TYPE_REQUIRED", "city": "CITY_REQUIRED",
		}},
		{"on site", func(in *taskInput) { in.remote, in.city = false, " 上海 " }, map[string]string{}},
		{"on site without city", func(in *taskInput) { in.remote = false }, map[string]string{"city": "CITY_REQUIRED"}},
		{"unknown type", func(in *taskInput) { in.taskType = "TASK_TYPE_ROCKETS" }, map[string]string{"task_type": "TASK_TYPE_REQUIRED"}},
		{"long title", func(in *taskInput) { in.title = strings.Repeat("x", 121) }, map[string]string{"title": "TOO_LONG"}},
		{"min above max", func(in *taskInput) { in.budgetMin = "9000" }, map[string]string{"budget_min_fen": "BUDGET_MIN_ABOVE_MAX"}},
		{"too low", func(in *taskInput) { in.budgetMin = "99.99" }, map[string]string{"budget_min_fen": "BUDGET_TOO_LOW"}},
		{"not a number", func(in *taskInput) { in.budgetMax = "lots" }, map[string]string{"budget_max_fen": "BUDGET_INVALID"}},
		{"past", func(in *taskInput) { in.deliveryDate = "2026-11-28" }, map[string]string{"delivery_date": "DATE_IN_PAST"}},
		{"today", func(in *taskInput) { in.deliveryDate = today }, map[string]string{}},
		{"bad date", func(in *taskInput) { in.deliveryDate = "2026-02-30" }, map[string]string{"delivery_date": "DATE_INVALID"}},
		{"too many tags", func(in *taskInput) { in.skillTags = "a,b,c,d,e,f,g,h,i,j,k" }, map[string]string{"skill_tags": "TOO_MANY_TAGS"}},
		{"long tag", func(in *taskInput) { in.skillTags = strings.Repeat("t", 33) }, map[string]string{"skill_tags": "TAG_INVALID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := good
			tt.edit(&in)
			_, errs := in.request(today)
			assertReasons(t, errs, tt.want)
		})
	}
}

func TestParseYuan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		fen  int64
		okay bool
	}{
		{"100", 10000, true}, {"100.5", 10050, true}, {"100.05", 10005, true}, {"1,234", 123400, true},
		{"¥ 88", 8800, true}, {"￥88", 8800, true}, {".5", 50, true}, {"0", 0, true},
		{"", 0, false}, {"1.", 0, false}, {"1.234", 0, false}, {"-5", 0, false}, {"1e3", 0, false}, {"abc", 0, false},
		{"99999999999999", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			fen, ok := parseYuan(tt.in)
			if fen != tt.fen || ok != tt.okay {
				t.Fatalf("parseYuan(%q) = %d, %v; want %d, %v", tt.in, fen, ok, tt.fen, tt.okay)
			}
		})
	}
}

func assertReasons(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("reasons = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("reasons = %v, want %v", got, want)
		}
	}
}

// TestPhonePage checks the phone form's countdown label and how a login
// with an unregistered number turns into a sign-up (ID-1).
func TestPhonePage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		lang     ui.Lang
		edit     func(p *phonePage)
		wantText map[string]string // element id → text
		wantGone []string
	}{
		{name: "fresh login", lang: ui.English, wantText: map[string]string{"send-code": "Send code", "code-sent": ""},
			wantGone: []string{"display-name", "phone-signup-submit"}},
		{name: "countdown, Chinese", lang: ui.Chinese, edit: func(p *phonePage) { p.resendIn = 42; p.codeSent = true },
			wantText: map[string]string{"send-code": "42 秒后重新获取", "code-sent": "验证码已通过短信发送，5 分钟内有效。"}},
		{name: "wrong code", lang: ui.English, edit: func(p *phonePage) {
			p.form.fail(ui.English, rpc.Problem{Code: "invalid_argument", Violations: []rpc.Violation{
				{Field: "code", Reason: "CODE_WRONG"}}}, p.fields()...)
		}, wantText: map[string]string{"error-code": "The code is wrong.", "form-error": ""}},
		{name: "resend too soon", lang: ui.Chinese, edit: func(p *phonePage) {
			p.form.fail(ui.Chinese, rpc.Problem{Code: "resource_exhausted", RetryAfter: 42 * time.Second, Violations: []rpc.Violation{
				{Reason: "CODE_RESEND_TOO_SOON"}}}, p.fields()...)
		}, wantText: map[string]string{"form-error": "验证码刚刚已发送。请 42 秒后再试。"}},
		{name: "locked out", lang: ui.English, edit: func(p *phonePage) {
			p.form.fail(ui.English, rpc.Problem{Code: "resource_exhausted", RetryAfter: 14*time.Minute + time.Second, Violations: []rpc.Violation{
				{Reason: "LOCKED_OUT"}}}, p.fields()...)
		}, wantText: map[string]string{"form-error": "Too many failed attempts. For your safety this account is locked for a while. Try again in 15 min."}},
		{name: "signing up", lang: ui.English, edit: func(p *phonePage) { p.signUp = true },
			wantText: map[string]string{"phone-signup-submit": "Sign up"}, wantGone: []string{"phone-login-submit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newPhonePage(testEnv(tt.lang), false)
			p.in.phone = "138 1234 5678"
			if tt.edit != nil {
				tt.edit(p)
			}
			doc := render(t, p)
			for id, want := range tt.wantText {
				n := byID(doc, id)
				if n == nil {
					t.Fatalf("no element #%s", id)
				}
				if got := textOf(n); got != want {
					t.Fatalf("#%s = %q, want %q", id, got, want)
				}
			}
			for _, id := range tt.wantGone {
				if byID(doc, id) != nil {
					t.Fatalf("#%s is shown, want it absent", id)
				}
			}
			if got := attr(byID(doc, "phone"), "value"); got != "138 1234 5678" {
				t.Fatalf("#phone value = %q, want the number kept", got)
			}
		})
	}
}

func TestPhoneInputCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     phoneInput
		signUp bool
		want   map[string]string
	}{
		{name: "login ok", in: phoneInput{phone: "+86 138-1234-5678", code: "123456"}, want: map[string]string{}},
		{name: "login empty", want: map[string]string{"phone": "REQUIRED", "code": "REQUIRED"}},
		{name: "short number, letters in code", in: phoneInput{phone: "1381234567", code: "12a456"},
			want: map[string]string{"phone": "PHONE_INVALID", "code": "CODE_FORMAT"}},
		{name: "sign-up needs the profile", in: phoneInput{phone: "13812345678", code: "123456"}, signUp: true,
			want: map[string]string{"display_name": "REQUIRED", "roles": "REQUIRED", "consent_version": "CONSENT_REQUIRED"}},
		{name: "sign-up ok", in: phoneInput{phone: "13812345678", code: "123456", displayName: "Li", provider: true, consent: true},
			signUp: true, want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.in.check(tt.signUp)
			if len(got) != len(tt.want) {
				t.Fatalf("check = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Fatalf("check = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestSecurityPage checks the session list: the current session is marked
// and has no "log out" button, the others have one each.
func TestSecurityPage(t *testing.T) {
	t.Parallel()
	at := timestamppb.New(time.Date(2026, 11, 28, 1, 2, 0, 0, time.UTC))
	p := &securityPage{env: testEnv(ui.Chinese), loaded: true, sessions: []*identityv1.Session{
		{Id: "s-current", Device: "Chrome on Windows", Ip: "198.51.100.1", Current: true, CreateTime: at, LastSeenTime: at},
		{Id: "s-phone", Device: "", CreateTime: at, LastSeenTime: at},
	}}
	doc := render(t, p)
	if byID(doc, "end-session-s-current") != nil {
		t.Fatal("the current session has a log-out button")
	}
	if byID(doc, "end-session-s-phone") == nil {
		t.Fatal("the other session has no log-out button")
	}
	got := textOf(byID(doc, "session-list"))
	for _, want := range []string{"Chrome on Windows", "当前设备", "未知设备", "2026-11-28 09:02", "198.51.100.1"} {
		if !strings.Contains(got, want) {
			t.Fatalf("session list %q does not contain %q", got, want)
		}
	}
	for _, a := range byID(doc, "logout-everywhere").Attr {
		if a.Key == "disabled" && a.Val != "false" {
			t.Fatalf("#logout-everywhere is disabled (%q) once the list is loaded", a.Val)
		}
	}
}
