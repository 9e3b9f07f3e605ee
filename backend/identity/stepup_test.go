package identity

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/testenv"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

const testOrigin = "https://localhost:8443"

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// stepUpBundle is a service with Redis, SMS, field keys, passkeys and a
// hand-moved clock, and a log that tests may read.
type stepUpBundle struct {
	phoneBundle
	clock *testClock
	keys  *fieldcrypt.Keyring
	log   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func setupStepUp(t *testing.T) stepUpBundle {
	t.Helper()
	_, rdb := testenv.Redis(t)
	sms := &recordingSMS{codes: map[string]string{}}
	keys, err := fieldcrypt.ParseKeyring(fieldcrypt.GenerateKey("t1"))
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	limits := DefaultLimits()
	limits.CodeSendsPerDay.Max = 1000
	log := &syncBuffer{}
	db := testenv.DB(t)
	svc := New(db, slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})), Options{
		Redis: rdb, SMS: sms, Now: clock.Now, Limits: limits, FieldKeys: keys,
		WebAuthn: WebAuthnConfig{RPID: "localhost", Origins: []string{testOrigin}},
	})
	return stepUpBundle{
		phoneBundle: phoneBundle{bundle: bundle{db: db, svc: svc}, sms: sms},
		clock:       clock, keys: keys, log: log,
	}
}

// testUser is a signed-up person with a phone, and their context.
type testUser struct {
	id     uuid.UUID
	phone  string
	ctx    context.Context
	secret string // TOTP secret, once enrolled
}

func randomPhone() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(100_000_000))
	return fmt.Sprintf("+86139%08d", n.Int64())
}

func (b stepUpBundle) newUser(t *testing.T) *testUser {
	t.Helper()
	phone := randomPhone()
	code := b.sendCode(t, phone)
	resp, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(signUpPhone(phone, code)))
	if err != nil {
		t.Fatalf("SignUpWithPhone: %v", err)
	}
	id := uuid.MustParse(resp.Msg.GetUser().GetId())
	ctx := auth.WithPrincipal(t.Context(), auth.Principal{UserID: id.String(), Roles: []string{auth.RoleClient}})
	return &testUser{id: id, phone: phone, ctx: ctx}
}

// totpCode is the user's authenticator-app code now.
func (b stepUpBundle) totpCode(t *testing.T, u *testUser) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(u.secret, b.clock.Now(), totpOptions)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (b stepUpBundle) enrolTOTP(t *testing.T, u *testUser) {
	t.Helper()
	resp, err := b.svc.BeginTotpEnrollment(u.ctx, connect.NewRequest(&identityv1.BeginTotpEnrollmentRequest{}))
	if err != nil {
		t.Fatalf("BeginTotpEnrollment: %v", err)
	}
	if !strings.HasPrefix(resp.Msg.GetOtpauthUri(), "otpauth://totp/Talent:") ||
		!strings.HasPrefix(resp.Msg.GetQrPngDataUrl(), "data:image/png;base64,") {
		t.Fatalf("BeginTotpEnrollment = %v", resp.Msg)
	}
	u.secret = resp.Msg.GetSecret()
	if _, err := b.svc.ConfirmTotpEnrollment(u.ctx, connect.NewRequest(&identityv1.ConfirmTotpEnrollmentRequest{
		Code: b.totpCode(t, u),
	})); err != nil {
		t.Fatalf("ConfirmTotpEnrollment: %v", err)
	}
	b.clock.Advance(totpPeriod * time.Second) // the next code is a new step
}

func (b stepUpBundle) begin(t *testing.T, u *testUser, op identityv1.StepUpOperation, target string) (*identityv1.BeginStepUpResponse, string) {
	t.Helper()
	resp, err := b.svc.BeginStepUp(u.ctx, connect.NewRequest(&identityv1.BeginStepUpRequest{Operation: op, Target: target}))
	if err != nil {
		t.Fatalf("BeginStepUp(%v, %q): %v", op, target, err)
	}
	return resp.Msg, b.sms.code(t, u.phone)
}

// stepUpTOTP completes a step-up for op on target with SMS and TOTP.
func (b stepUpBundle) stepUpTOTP(t *testing.T, u *testUser, op identityv1.StepUpOperation, target string) {
	t.Helper()
	ch, code := b.begin(t, u, op, target)
	_, err := b.svc.FinishStepUp(u.ctx, connect.NewRequest(&identityv1.FinishStepUpRequest{
		ChallengeId: ch.GetChallengeId(), SmsCode: code,
		SecondFactor: &identityv1.FinishStepUpRequest_TotpCode{TotpCode: b.totpCode(t, u)},
	}))
	if err != nil {
		t.Fatalf("FinishStepUp: %v", err)
	}
	b.clock.Advance(totpPeriod * time.Second)
}

// violation returns the reason of err's violation of field, or "".
func violation(t *testing.T, err error, field string) string {
	t.Helper()
	return fieldReasons(t, err)[field]
}

// TestStepUpChangePassword: change password needs a step-up with SMS and
// TOTP, and the step-up serves one change only (ID-4).
func TestStepUpChangePassword(t *testing.T) {
	t.Parallel()
	b := setupStepUp(t)
	u := b.newUser(t)
	change := func() error {
		_, err := b.svc.ChangePassword(u.ctx, connect.NewRequest(&identityv1.ChangePasswordRequest{NewPassword: "a much better password"}))
		return err
	}
	if err := change(); errorReason(err) != "STEP_UP_REQUIRED" {
		t.Fatalf("ChangePassword without step-up = %v, want STEP_UP_REQUIRED", err)
	}
	_, err := b.svc.BeginStepUp(u.ctx, connect.NewRequest(&identityv1.BeginStepUpRequest{
		Operation: identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PASSWORD}))
	if errorReason(err) != "STEP_UP_NEEDS_FACTOR" {
		t.Fatalf("BeginStepUp without a factor = %v, want STEP_UP_NEEDS_FACTOR", err)
	}
	b.enrolTOTP(t, u)
	b.stepUpTOTP(t, u, identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PASSWORD, "")
	if err := change(); err != nil {
		t.Fatalf("ChangePassword after step-up: %v", err)
	}
	if err := change(); errorReason(err) != "STEP_UP_REQUIRED" {
		t.Fatalf("second ChangePassword = %v, want STEP_UP_REQUIRED: a step-up is single-use", err)
	}
	// Audited (SEC-3), without codes or secrets.
	rows, err := b.db.Primary.Query(t.Context(), `SELECT action, detail::text FROM audit_log
		WHERE actor_id = $1 AND action NOT LIKE 'identity.log%' ORDER BY id`, u.id)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for rows.Next() {
		var action, detail string
		if err := rows.Scan(&action, &detail); err != nil {
			t.Fatal(err)
		}
		actions = append(actions, action)
		if strings.Contains(detail, u.secret) {
			t.Errorf("audit detail %s shows the TOTP secret", detail)
		}
	}
	rows.Close()
	want := "identity.totp_enrol identity.stepup identity.password_change"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("audit actions = %q, want %q", got, want)
	}
}

// TestStepUpBinding checks that a step-up is good for its own operation
// and target only, for 5 minutes, once (ID-4).
func TestStepUpBinding(t *testing.T) {
	t.Parallel()
	b := setupStepUp(t)
	tests := []struct {
		name    string
		op      Operation
		target  string
		wait    time.Duration
		wantErr error
	}{
		{"same operation and target", OpDeleteProject, "p-1", 0, nil},
		{"just within 5 minutes", OpDeleteProject, "p-1", StepUpTTL - time.Second, nil},
		{"other operation", OpWithdraw, "p-1", 0, ErrStepUpRequired},
		{"other target", OpDeleteProject, "p-2", 0, ErrStepUpRequired},
		{"empty target", OpDeleteProject, "", 0, ErrStepUpRequired},
		{"after 5 minutes", OpDeleteProject, "p-1", StepUpTTL + time.Second, ErrStepUpRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the subtests share the clock.
			u := b.newUser(t)
			b.enrolTOTP(t, u)
			b.stepUpTOTP(t, u, identityv1.StepUpOperation_STEP_UP_OPERATION_DELETE_PROJECT, "p-1")
			// stepUpTOTP moved the clock one TOTP step past the grant.
			b.clock.Advance(tt.wait - totpPeriod*time.Second)
			if err := b.svc.RequireStepUp(t.Context(), u.id, tt.op, tt.target); !errors.Is(err, tt.wantErr) {
				t.Fatalf("RequireStepUp(%s, %q) = %v, want %v", tt.op, tt.target, err, tt.wantErr)
			}
			if tt.wantErr == nil {
				if err := b.svc.RequireStepUp(t.Context(), u.id, tt.op, tt.target); !errors.Is(err, ErrStepUpRequired) {
					t.Fatalf("second RequireStepUp = %v, want ErrStepUpRequired", err)
				}
			}
		})
	}
}

// TestStepUpWrongAnswers covers wrong and replayed codes and the lockout.
func TestStepUpWrongAnswers(t *testing.T) {
	t.Parallel()
	b := setupStepUp(t)
	u := b.newUser(t)
	b.enrolTOTP(t, u)
	op := identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PASSWORD
	finish := func(ch, sms, totpCode string) error {
		_, err := b.svc.FinishStepUp(u.ctx, connect.NewRequest(&identityv1.FinishStepUpRequest{
			ChallengeId: ch, SmsCode: sms, SecondFactor: &identityv1.FinishStepUpRequest_TotpCode{TotpCode: totpCode},
		}))
		return err
	}
	wrong := func(c string) string { return fmt.Sprintf("%06d", (mustAtoi(t, c)+1)%1_000_000) }

	ch, sms := b.begin(t, u, op, "")
	good := b.totpCode(t, u)
	if err := finish(ch.GetChallengeId(), wrong(sms), good); violation(t, err, "sms_code") != "CODE_WRONG" || violation(t, err, "totp_code") != "" {
		t.Fatalf("wrong SMS code: %v", err)
	}
	if err := finish(ch.GetChallengeId(), sms, wrong(good)); violation(t, err, "totp_code") != "TOTP_WRONG" || violation(t, err, "sms_code") != "" {
		t.Fatalf("wrong TOTP code: %v", err)
	}
	if err := finish("no-such-challenge", sms, good); errorReason(err) != "STEP_UP_EXPIRED" {
		t.Fatalf("unknown challenge: %v", err)
	}
	other := b.newUser(t)
	if _, err := b.svc.FinishStepUp(other.ctx, connect.NewRequest(&identityv1.FinishStepUpRequest{
		ChallengeId: ch.GetChallengeId(), SmsCode: sms, SecondFactor: &identityv1.FinishStepUpRequest_TotpCode{TotpCode: good},
	})); errorReason(err) != "STEP_UP_EXPIRED" {
		t.Fatalf("someone else's challenge: %v", err)
	}
	if err := finish(ch.GetChallengeId(), sms, good); err != nil {
		t.Fatalf("right codes: %v", err)
	}
	if err := finish(ch.GetChallengeId(), sms, good); errorReason(err) != "STEP_UP_EXPIRED" {
		t.Fatalf("finishing a challenge twice: %v", err)
	}

	// Replay: the same TOTP code (same time step) on a new challenge.
	ch, sms = b.begin(t, u, op, "")
	if err := finish(ch.GetChallengeId(), sms, good); violation(t, err, "totp_code") != "TOTP_REPLAYED" {
		t.Fatalf("replayed TOTP code: %v", err)
	}
	// An older step's code, still within the drift window, is a replay too.
	b.clock.Advance(totpPeriod * time.Second)
	if err := finish(ch.GetChallengeId(), sms, good); violation(t, err, "totp_code") != "TOTP_REPLAYED" {
		t.Fatalf("TOTP code of an earlier step: %v", err)
	}
	// Two failures so far since the success; three more lock the account.
	_ = finish(ch.GetChallengeId(), sms, wrong(b.totpCode(t, u)))
	_ = finish(ch.GetChallengeId(), sms, wrong(b.totpCode(t, u)))
	err := finish(ch.GetChallengeId(), sms, wrong(b.totpCode(t, u)))
	if connectCode(t, err) != connect.CodeResourceExhausted || errorReason(err) != ReasonLockedOut {
		t.Fatalf("fifth failure = %v, want LOCKED_OUT", err)
	}
	if err := finish(ch.GetChallengeId(), sms, b.totpCode(t, u)); errorReason(err) != ReasonLockedOut {
		t.Fatalf("right codes while locked = %v, want LOCKED_OUT", err)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStepUpWithPasskey registers a passkey from a software authenticator,
// steps up with it, and refuses assertions by another key and replays.
func TestStepUpWithPasskey(t *testing.T) {
	t.Parallel()
	b := setupStepUp(t)
	u := b.newUser(t)
	a := newSoftAuthenticator(t, testOrigin)
	reg, err := b.svc.BeginPasskeyRegistration(u.ctx, connect.NewRequest(&identityv1.BeginPasskeyRegistrationRequest{}))
	if err != nil {
		t.Fatalf("BeginPasskeyRegistration: %v", err)
	}
	fin, err := b.svc.FinishPasskeyRegistration(u.ctx, connect.NewRequest(&identityv1.FinishPasskeyRegistrationRequest{
		Name: "My phone", CredentialJson: a.create(t, reg.Msg.GetCreationOptionsJson()),
	}))
	if err != nil {
		t.Fatalf("FinishPasskeyRegistration: %v", err)
	}

	op := identityv1.StepUpOperation_STEP_UP_OPERATION_VIEW_SENSITIVE
	finish := func(ch, sms, assertion string) error {
		_, err := b.svc.FinishStepUp(u.ctx, connect.NewRequest(&identityv1.FinishStepUpRequest{
			ChallengeId: ch, SmsCode: sms,
			SecondFactor: &identityv1.FinishStepUpRequest_PasskeyAssertionJson{PasskeyAssertionJson: assertion},
		}))
		return err
	}
	ch, sms := b.begin(t, u, op, KindIDNumber)
	if len(ch.GetFactors()) != 1 || ch.GetFactors()[0] != identityv1.StepUpFactor_STEP_UP_FACTOR_PASSKEY || ch.GetPasskeyRequestOptionsJson() == "" {
		t.Fatalf("BeginStepUp = %v, want the passkey factor with options", ch)
	}
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err := finish(ch.GetChallengeId(), sms, a.get(t, ch.GetPasskeyRequestOptionsJson(), otherKey)); violation(t, err, "passkey_assertion_json") != "PASSKEY_FAILED" {
		t.Fatalf("assertion by another key: %v", err)
	}
	assertion := a.get(t, ch.GetPasskeyRequestOptionsJson(), nil)
	if err := finish(ch.GetChallengeId(), sms, assertion); err != nil {
		t.Fatalf("FinishStepUp with passkey: %v", err)
	}
	if err := b.svc.RequireStepUp(t.Context(), u.id, OpViewSensitive, KindIDNumber); err != nil {
		t.Fatalf("RequireStepUp after passkey step-up: %v", err)
	}
	// The same assertion cannot serve a new challenge.
	ch, sms = b.begin(t, u, op, KindIDNumber)
	if err := finish(ch.GetChallengeId(), sms, assertion); violation(t, err, "passkey_assertion_json") != "PASSKEY_FAILED" {
		t.Fatalf("replayed assertion: %v", err)
	}

	// A second factor now exists: enrolling or removing needs a step-up.
	if _, err := b.svc.RemovePasskey(u.ctx, connect.NewRequest(&identityv1.RemovePasskeyRequest{PasskeyId: fin.Msg.GetPasskey().GetId()})); errorReason(err) != "STEP_UP_REQUIRED" {
		t.Fatalf("RemovePasskey without step-up = %v", err)
	}
	resp, err := b.svc.BeginTotpEnrollment(u.ctx, connect.NewRequest(&identityv1.BeginTotpEnrollmentRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	u.secret = resp.Msg.GetSecret()
	if _, err := b.svc.ConfirmTotpEnrollment(u.ctx, connect.NewRequest(&identityv1.ConfirmTotpEnrollmentRequest{Code: b.totpCode(t, u)})); errorReason(err) != "STEP_UP_REQUIRED" {
		t.Fatalf("second factor enrolment without step-up = %v", err)
	}
	ch, sms = b.begin(t, u, identityv1.StepUpOperation_STEP_UP_OPERATION_MANAGE_FACTORS, "")
	if err := finish(ch.GetChallengeId(), sms, a.get(t, ch.GetPasskeyRequestOptionsJson(), nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.RemovePasskey(u.ctx, connect.NewRequest(&identityv1.RemovePasskeyRequest{PasskeyId: fin.Msg.GetPasskey().GetId()})); err != nil {
		t.Fatalf("RemovePasskey after step-up: %v", err)
	}
	settings, err := b.svc.GetSecuritySettings(u.ctx, connect.NewRequest(&identityv1.GetSecuritySettingsRequest{}))
	if err != nil || len(settings.Msg.GetPasskeys()) != 0 {
		t.Fatalf("GetSecuritySettings = %v, %v; want no passkeys", settings, err)
	}
}

// TestStepUpNeedsPhone: an email-only account cannot step up.
func TestStepUpNeedsPhone(t *testing.T) {
	t.Parallel()
	b := setupStepUp(t)
	resp := signUp(t, b.svc, validSignUp("stepup-nophone@example.com"))
	ctx := auth.WithPrincipal(t.Context(), auth.Principal{UserID: resp.Msg.GetUser().GetId()})
	_, err := b.svc.BeginStepUp(ctx, connect.NewRequest(&identityv1.BeginStepUpRequest{
		Operation: identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PASSWORD}))
	if errorReason(err) != "STEP_UP_NEEDS_PHONE" {
		t.Fatalf("BeginStepUp = %v, want STEP_UP_NEEDS_PHONE", err)
	}
	_, err = b.svc.BeginStepUp(ctx, connect.NewRequest(&identityv1.BeginStepUpRequest{}))
	if violation(t, err, "operation") != "OPERATION_INVALID" {
		t.Fatalf("BeginStepUp without operation = %v", err)
	}
}

// TestChangePhone: adding a first phone needs only its code; replacing it
// needs a step-up too.
func TestChangePhone(t *testing.T) {
	t.Parallel()
	b := setupStepUp(t)
	u := b.newUser(t)
	b.enrolTOTP(t, u)
	newPhone := randomPhone()
	if _, err := b.svc.SendChangePhoneCode(u.ctx, connect.NewRequest(&identityv1.SendChangePhoneCodeRequest{Phone: newPhone})); err != nil {
		t.Fatal(err)
	}
	code := b.sms.code(t, newPhone)
	change := func(code string) (*connect.Response[identityv1.ChangePhoneResponse], error) {
		return b.svc.ChangePhone(u.ctx, connect.NewRequest(&identityv1.ChangePhoneRequest{Phone: newPhone, Code: code}))
	}
	if _, err := change(code); errorReason(err) != "STEP_UP_REQUIRED" {
		t.Fatalf("ChangePhone without step-up = %v", err)
	}
	b.stepUpTOTP(t, u, identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PHONE, "")
	resp, err := change(code)
	if err != nil || resp.Msg.GetUser().GetPhone() != newPhone {
		t.Fatalf("ChangePhone = %v, %v", resp, err)
	}
	if _, err := change(code); violation(t, err, "code") != "CODE_EXPIRED" {
		t.Fatalf("reusing the code = %v", err)
	}
}
