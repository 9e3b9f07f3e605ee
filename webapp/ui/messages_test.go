package ui

import "testing"

// contractReasons are the field violation reasons the shared contract
// names; each needs its own message (not the generic fallback) in every
// language, even before a service sends it.
var contractReasons = []string{
	"REQUIRED", "TOO_LONG", "EMAIL_INVALID", "EMAIL_TAKEN", "PASSWORD_TOO_SHORT",
	"BUDGET_MIN_ABOVE_MAX", "BUDGET_TOO_LOW", "DATE_INVALID", "DATE_IN_PAST",
	"TAGS_REQUIRED", "TAG_INVALID", "TOO_MANY_TAGS", "CONSENT_REQUIRED", "BAD_CREDENTIALS",
}

func TestContractReasonsTranslated(t *testing.T) {
	t.Parallel()
	for _, r := range contractReasons {
		for _, l := range []Lang{English, Chinese} {
			t.Run(r+"/"+string(l), func(t *testing.T) {
				t.Parallel()
				if !Has(r) {
					t.Fatalf("catalogue has no entry for %s", r)
				}
				got := l.Reason(r, "service description")
				if got == "" || got == r || got == "service description" || got == l.T("INVALID") {
					t.Fatalf("Reason(%s) in %s = %q, want a specific message", r, l, got)
				}
			})
		}
	}
}

func TestMessageLookups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"email taken en", English.Reason("EMAIL_TAKEN", ""), "An account with this email already exists."},
		{"email taken zh", Chinese.Reason("EMAIL_TAKEN", ""), "该邮箱已注册。"},
		{"unknown reason en uses description", English.Reason("NEW_RULE", "title must rhyme"), "title must rhyme"},
		{"unknown reason zh is generic", Chinese.Reason("NEW_RULE", "title must rhyme"), "输入的内容无效。"},
		{"unauthenticated en", English.Code("unauthenticated"), "Please log in first."},
		{"unauthenticated zh", Chinese.Code("unauthenticated"), "请先登录。"},
		{"unavailable zh", Chinese.Code("unavailable"), "服务暂时无法访问，请检查网络后重试。"},
		{"internal en", English.Code("internal"), "Something went wrong on our side. Please try again later."},
		{"unknown code", English.Code("data_loss"), "Something went wrong. Please try again."},
		{"missing key", English.T("no.such.key"), "no.such.key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestLangFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag  string
		want Lang
	}{
		{"zh-CN", Chinese}, {"zh", Chinese}, {"zh-Hans-CN", Chinese}, {"ZH-tw", Chinese},
		{"en-US", English}, {"", English}, {"de", English}, {"zu", English},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			t.Parallel()
			if got := LangFor(tt.tag); got != tt.want {
				t.Fatalf("LangFor(%q) = %q, want %q", tt.tag, got, tt.want)
			}
		})
	}
}

// marketReasons are the reasons the market, review and board services
// send (backend/tasks/rules.go, backend/reviews, backend/boards); each
// needs its own message in every language.
var marketReasons = []string{
	"PROVIDER_NOT_APPROVED", "PROPOSAL_EXISTS", "PROPOSAL_NOT_PENDING", "PROPOSAL_NOT_FOUND",
	"NOT_YOUR_PROPOSAL", "TASK_NOT_OPEN", "OWN_TASK", "NOT_TASK_PROVIDER", "NOT_TASK_PARTY",
	"TASK_NOT_IN_PROGRESS", "PRICE_TOO_LOW", "PRICE_TOO_HIGH", "TIMELINE_INVALID", "LINK_INVALID",
	"TOO_MANY_LINKS", "ATTACHMENT_INVALID", "ATTACHMENT_NOT_FOUND", "UPLOAD_MISSING", "UPLOAD_MISMATCH",
	"FILES_UNAVAILABLE", "FILE_NAME_INVALID", "FILE_TYPE_NOT_ALLOWED", "FILE_EMPTY", "FILE_TOO_LARGE",
	"STARS_INVALID", "REVIEW_NOT_YET", "REVIEW_EXISTS", "REVIEW_NOT_FOUND", "NOT_REVIEWEE",
	"REPLY_EXISTS", "REVIEW_NOT_REVEALED", "BOARD_NOT_READY", "CARD_CONFLICT", "BOARD_ITEM_NOT_FOUND",
	"COLUMN_NOT_EMPTY", "TOO_MANY_COLUMNS", "ASSIGNEE_INVALID", "ID_INVALID", "TRANSITION_NOT_ALLOWED",
}

func TestMarketReasonsTranslated(t *testing.T) {
	t.Parallel()
	for _, r := range marketReasons {
		for _, l := range []Lang{English, Chinese} {
			if got := l.Reason(r, "service description"); !Has(r) || got == "service description" || got == r {
				t.Errorf("Reason(%s) in %s = %q, want a specific message", r, l, got)
			}
		}
	}
}

// rolesReasons are the reasons of the role RPCs (backend/identity/roles.go);
// each needs its own message in every language.
var rolesReasons = []string{
	"LAST_ADMIN", "LAST_ROLE", "USER_DELETED", "USER_ID_INVALID", "ROLE_UNKNOWN",
	"USER_QUERY_TOO_LONG", "PAGE_SIZE_INVALID", "PAGE_TOKEN_INVALID", "STEP_UP_REQUIRED",
}

func TestRolesReasonsTranslated(t *testing.T) {
	t.Parallel()
	for _, r := range rolesReasons {
		for _, l := range []Lang{English, Chinese} {
			if got := l.Reason(r, "service description"); !Has(r) || got == "service description" || got == r {
				t.Errorf("Reason(%s) in %s = %q, want a specific message", r, l, got)
			}
		}
	}
}
