package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/talent-hub/talent/backend/cache"
	"github.com/talent-hub/talent/backend/sms"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestPhoneSignUpInBrowser signs up with a mobile number in headless
// Chromium (ID-1): ask for a code, see the resend countdown, be refused a
// wrong code, read the real code from talentd's log (the development SMS
// sender writes it there), sign up, and log in again with a new code after
// logging out.
func TestPhoneSignUpInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser, closeBrowser := newBrowser(ctx, t, "en-US")
	defer closeBrowser()
	en := ui.English

	suffix := randomHex(t)
	// A number of this run's own: 139 then 8 digits from the suffix.
	digits := strings.Map(func(r rune) rune { return '0' + r%10 }, suffix)
	phone := "139" + (digits + "00000000")[:8]
	e164 := "+86" + phone
	name := "Phone Client " + suffix

	step(t, browser, "ask for a code",
		chromedp.Navigate(platform.url+"/signup/phone"), appReady(),
		fill("#phone", phone[:3]+" "+phone[3:7]+" "+phone[7:]),
		click("#send-code"),
		waitText("#code-sent"),
		waitUntil(`document.querySelector("#send-code").disabled`),
	)
	if got := textOf(t, browser, "#send-code"); !strings.HasPrefix(got, "Resend in ") {
		t.Fatalf("#send-code says %q during the countdown, want \"Resend in … s\"", got)
	}
	code := codeFromLog(ctx, t, e164)

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	step(t, browser, "sign up with a wrong code",
		fill("#code", wrong), fill("#display-name", name),
		click("#consent"),
		click("#phone-signup-submit"),
		waitText("#error-code"),
	)
	if got, want := textOf(t, browser, "#error-code"), en.Reason("CODE_WRONG", ""); got != want {
		t.Fatalf("wrong code: #error-code says %q, want %q", got, want)
	}
	step(t, browser, "sign up",
		fill("#code", code),
		click("#phone-signup-submit"),
		waitPath("/tasks"),
		waitTextIs("#current-user", name),
	)

	// Log out, and log in with the phone: the code just used is spent, and
	// the next code can be asked for once the countdown is over, which the
	// test does not wait for: it deletes the cooldown instead.
	step(t, browser, "log out", click("#logout"), chromedp.WaitVisible(chromedp.CSS("#nav-login")))
	clearCooldown(ctx, t, e164)
	step(t, browser, "log in with a used code",
		chromedp.Navigate(platform.url+"/login/phone"), appReady(),
		fill("#phone", e164), fill("#code", code),
		click("#phone-login-submit"),
		waitText("#error-code"),
	)
	if got, want := textOf(t, browser, "#error-code"), en.Reason("CODE_EXPIRED", ""); got != want {
		t.Fatalf("used code: #error-code says %q, want %q", got, want)
	}
	step(t, browser, "ask for a new code", click("#send-code"), waitText("#code-sent"))
	code2 := codeFromLog(ctx, t, e164, code)
	step(t, browser, "log in",
		fill("#code", code2),
		click("#phone-login-submit"),
		waitPath("/tasks"),
		waitTextIs("#current-user", name),
	)
}

// codeFromLog waits for the development SMS sender's line for phone in
// talentd's log and returns its code, skipping codes in not (earlier ones).
func codeFromLog(ctx context.Context, t *testing.T, phone string, not ...string) string {
	t.Helper()
	path := filepath.Join(platform.stack.LogDir, "talentd.log")
	for i := 0; i < 100; i++ {
		if code := lastCode(t, path, phone); code != "" && !contains(not, code) {
			return code
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no code for %s in %s: %v", phone, path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("no code for %s in %s after 100 looks", phone, path)
	return ""
}

func lastCode(t *testing.T, path, phone string) string {
	t.Helper()
	code, err := readLastCode(path, phone)
	if err != nil {
		t.Fatalf("open talentd log: %v", err)
	}
	return code
}

// readLastCode returns the last code the development SMS sender logged
// for phone in the log at path, "" when there is none.
func readLastCode(path, phone string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var code string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !strings.Contains(string(line), sms.DevLogMessage) {
			continue
		}
		var entry struct {
			Msg   string `json:"msg"`
			Phone string `json:"phone"`
			Code  string `json:"code"`
		}
		if json.Unmarshal(line, &entry) == nil && entry.Phone == phone &&
			entry.Msg == fmt.Sprintf("%s%s is %s — not sent", sms.DevLogMessage, phone, entry.Code) {
			code = entry.Code
		}
	}
	return code, sc.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// clearCooldown lets phone ask for its next code at once instead of after
// the one-minute resend cooldown, by deleting the identity service's
// cooldown key (identity:code-cooldown:<purpose>:<phone>) in Redis.
func clearCooldown(ctx context.Context, t *testing.T, phone string) {
	t.Helper()
	rdb, err := cache.Open(ctx, platform.stack.Redis.URL)
	if err != nil {
		t.Fatalf("open redis: %v", err)
	}
	defer rdb.Close()
	if err := rdb.Del(ctx, "identity:code-cooldown:login:"+phone).Err(); err != nil {
		t.Fatalf("clear the code cooldown: %v", err)
	}
}
