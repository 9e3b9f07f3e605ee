package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// reasonInSource matches the reason codes the services send, as they are
// written there: vs.Add("field", "REASON", ...), Reason: "REASON", and
// checks that return their reason: return nil, "REASON", ...; also
// vs.Add(field+".title", "REASON", ...) and violation("field", "REASON", ...).
var reasonInSource = regexp.MustCompile(`(?:\.Add\("[a-z_]+",\s*"|\.Add\([a-zA-Z]+(?:\+"[a-z_.]+")?,\s*"|violation\("[a-z_]+",\s*"|Reason:\s*"|return nil, ")([A-Z][A-Z_]+)"`)

// TestEveryServiceReasonIsTranslated reads the services' sources and fails
// when a field-violation reason they can send has no English and Chinese
// text, so a new reason cannot reach a person untranslated.
func TestEveryServiceReasonIsTranslated(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "backend", "*", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, f := range files {
		if matched, _ := filepath.Match("*_test.go", filepath.Base(f)); matched {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range reasonInSource.FindAllStringSubmatch(string(b), -1) {
			found[m[1]] = f
		}
	}
	// The scan must see the reasons the walking skeleton depends on, or it
	// is scanning nothing.
	for _, r := range []string{"EMAIL_TAKEN", "BUDGET_MIN_ABOVE_MAX", "DATE_IN_PAST", "BAD_CREDENTIALS", "TAGS_REQUIRED"} {
		if found[r] == "" {
			t.Fatalf("the source scan did not find reason %s; is the pattern still right?", r)
		}
	}
	for reason, file := range found {
		m, ok := messages[reason]
		if !ok || m.en == "" || m.zh == "" {
			t.Errorf("reason %s (sent by %s) has no English and Chinese text in the catalogue", reason, file)
		}
	}
}

func TestCatalogueIsComplete(t *testing.T) {
	t.Parallel()
	for key, m := range messages {
		if m.en == "" || m.zh == "" {
			t.Errorf("%s: en %q zh %q; both are needed", key, m.en, m.zh)
		}
	}
}

func TestLangAndReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag, reason, description, want string
	}{
		{"en-US", "EMAIL_TAKEN", "", "An account with this email already exists."},
		{"zh-CN", "EMAIL_TAKEN", "", "该邮箱已注册。"},
		{"zh-Hans-CN", "DATE_IN_PAST", "", "交付日期不能早于今天。"},
		{"en-GB", "SOMETHING_NEW", "the service's own words", "the service's own words"},
		{"zh", "SOMETHING_NEW", "the service's own words", "输入的内容无效。"},
	}
	for _, tt := range tests {
		if got := LangFor(tt.tag).Reason(tt.reason, tt.description); got != tt.want {
			t.Errorf("LangFor(%q).Reason(%q) = %q, want %q", tt.tag, tt.reason, got, tt.want)
		}
	}
	if got := Chinese.Code("unavailable"); got != "服务暂时无法访问，请检查网络后重试。" {
		t.Errorf("Chinese.Code(unavailable) = %q", got)
	}
	if got := English.Code("no_such_code"); got != English.T("code.unknown") {
		t.Errorf("English.Code(no_such_code) = %q, want the unknown-code text", got)
	}
}

func TestYuan(t *testing.T) {
	t.Parallel()
	tests := map[int64]string{0: "¥0", 10000: "¥100", 1234500: "¥12,345", 1234550: "¥12,345.50", 1234505: "¥12,345.05", -500000: "-¥5,000"}
	for fen, want := range tests {
		if got := Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}
