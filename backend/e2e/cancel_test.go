package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestMarketCancelNeedsStepUpInBrowser: cancelling a task deletes the
// project, which needs a fresh step-up bound to it (ID-4). The client, who
// has a phone and an authenticator app, presses Cancel on the task page;
// the step-up dialog opens, and with the texted code and the app's code
// the task is cancelled. Over the API, a cancel without the step-up is
// refused with STEP_UP_REQUIRED.
func TestMarketCancelNeedsStepUpInBrowser(t *testing.T) {
	needPlatform(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	en := ui.English
	suffix := randomHex(t)
	email, password, name := "cancel-"+suffix+"@example.com", "a long enough password", "Cancel "+suffix
	digits := strings.Map(func(r rune) rune { return '0' + r%10 }, suffix)
	phone := "136" + (digits + "00000000")[:8]
	e164 := "+86" + phone

	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	signUp, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email: email, Password: password, DisplayName: name, ConsentVersion: "2026-11",
		Roles: []identityv1.Role{identityv1.Role_ROLE_CLIENT}, WantBearerToken: true,
	}))
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	token := signUp.Msg.GetBearerToken()
	// A phone and an authenticator app, set up over the API as the
	// security page would.
	if _, err := identity.SendChangePhoneCode(ctx, withToken(&identityv1.SendChangePhoneCodeRequest{Phone: phone}, token)); err != nil {
		t.Fatalf("SendChangePhoneCode: %v", err)
	}
	phoneCode := codeFromLog(ctx, t, e164)
	if _, err := identity.ChangePhone(ctx, withToken(&identityv1.ChangePhoneRequest{Phone: phone, Code: phoneCode}, token)); err != nil {
		t.Fatalf("ChangePhone: %v", err)
	}
	enrol, err := identity.BeginTotpEnrollment(ctx, withToken(&identityv1.BeginTotpEnrollmentRequest{}, token))
	if err != nil {
		t.Fatalf("BeginTotpEnrollment: %v", err)
	}
	secret := enrol.Msg.GetSecret()
	enrolledAt := time.Now()
	first, err := totp.GenerateCode(secret, enrolledAt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.ConfirmTotpEnrollment(ctx, withToken(&identityv1.ConfirmTotpEnrollmentRequest{Code: first}, token)); err != nil {
		t.Fatalf("ConfirmTotpEnrollment: %v", err)
	}

	tasks := tasksv1connect.NewTaskServiceClient(platform.client, platform.url)
	created, err := tasks.CreateTask(ctx, withToken(&tasksv1.CreateTaskRequest{
		Title: "Cancel me " + suffix, Description: "A task to cancel.", BudgetMinFen: 500000, BudgetMaxFen: 800000,
		DeliveryDate: time.Now().In(shanghai(t)).AddDate(0, 1, 0).Format(time.DateOnly), SkillTags: []string{"go"},
		TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true,
	}, token))
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	ref := created.Msg.GetTask().GetRef()
	_, err = tasks.CancelTask(ctx, withToken(&tasksv1.CancelTaskRequest{IdOrRef: ref}, token))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "step-up") {
		t.Fatalf("CancelTask without a step-up = %v, want failed_precondition asking for a step-up", err)
	}

	browser, closeBrowser := newBrowser(ctx, t, "en-US")
	defer closeBrowser()
	logConsole(t, browser, "client")
	step(t, browser, "log in",
		chromedp.Navigate(platform.url+"/login"), appReady(),
		fill("#email", email), fill("#password", password),
		click("#login-submit"), waitPath("/tasks"),
	)
	// From the keyboard the dialog is a modal (see modalDialogIsModal);
	// Escape leaves the task as it was, with focus on Cancel again.
	step(t, browser, "press cancel from the keyboard: the step-up dialog opens",
		append(append([]chromedp.Action[chromedp.Void]{
			chromedp.Navigate(platform.url + "/tasks/" + ref), appReady(),
			waitTextIs("#task-detail .status", en.T("status.open")),
		}, pressOn("#task-cancel", kb.Enter)...),
			chromedp.WaitVisible(chromedp.CSS("#stepup-dialog")))...)
	step(t, browser, "the dialog is modal",
		modalDialogIsModal("#stepup-dialog", "#stepup-sms-code", "#task-edit")...)
	escaped := codeFromLog(ctx, t, e164, phoneCode)
	step(t, browser, "Escape closes it, focus back on Cancel",
		append(escapeCloses("#stepup-dialog", "#task-cancel"),
			waitTextIs("#task-detail .status", en.T("status.open")))...)
	step(t, browser, "press cancel: the step-up dialog opens",
		click("#task-cancel"),
		chromedp.WaitVisible(chromedp.CSS("#stepup-dialog")),
		chromedp.WaitVisible(chromedp.CSS("#stepup-totp-code")),
	)
	smsCode := codeFromLog(ctx, t, e164, phoneCode, escaped)
	// The enrolment used this 30-second step's code; a code is good once.
	next := enrolledAt.Truncate(30 * time.Second).Add(30 * time.Second)
	select {
	case <-time.After(time.Until(next)):
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	appCode, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	step(t, browser, "verify and the task is cancelled",
		fill("#stepup-sms-code", smsCode), fill("#stepup-totp-code", appCode), click("#stepup-verify"),
		waitTextIs("#task-detail .status", en.T("status.cancelled")),
	)
}
