package identity

import (
	"context"
	"errors"
	"maps"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/testenv"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// recordingSMS is an SMSSender that keeps the last code per number, or
// fails when fail is set.
type recordingSMS struct {
	mu    sync.Mutex
	codes map[string]string
	sent  int
	fail  bool
}

func (r *recordingSMS) SendCode(_ context.Context, phone, code string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("provider down")
	}
	r.codes[phone] = code
	r.sent++
	return nil
}

func (r *recordingSMS) code(t *testing.T, phone string) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.codes[phone]
	if !ok {
		t.Fatalf("no code was sent to %s", phone)
	}
	return c
}

// phoneBundle is a service with Redis and a recording SMS sender.
type phoneBundle struct {
	bundle
	sms *recordingSMS
}

func setupPhone(t *testing.T) phoneBundle {
	t.Helper()
	_, rdb := testenv.Redis(t)
	sms := &recordingSMS{codes: map[string]string{}}
	b := setup(t, Options{Redis: rdb, SMS: sms})
	return phoneBundle{bundle: b, sms: sms}
}

// sendCode asks for a login code for phone and returns it.
func (b phoneBundle) sendCode(t *testing.T, phone string) string {
	t.Helper()
	resp, err := b.svc.SendPhoneCode(t.Context(), connect.NewRequest(&identityv1.SendPhoneCodeRequest{
		Phone: phone, Purpose: identityv1.PhoneCodePurpose_PHONE_CODE_PURPOSE_LOG_IN,
	}))
	if err != nil {
		t.Fatalf("SendPhoneCode(%s): %v", phone, err)
	}
	return b.sms.code(t, resp.Msg.GetPhone())
}

// skipCooldown lets phone ask for its next code at once, as if a minute had
// passed.
func (b phoneBundle) skipCooldown(t *testing.T, phone string) {
	t.Helper()
	if err := b.svc.codes.rdb.Del(t.Context(), cooldownKey(purposeLogIn, phone)).Err(); err != nil {
		t.Fatal(err)
	}
}

func signUpPhone(phone, code string) *identityv1.SignUpWithPhoneRequest {
	return &identityv1.SignUpWithPhoneRequest{
		Phone: phone, Code: code, DisplayName: "Li Wei", ConsentVersion: "2025-01",
	}
}

// errorReason returns the ErrorInfo reason in err, or "".
func errorReason(err error) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return ""
	}
	for _, d := range ce.Details() {
		if v, err := d.Value(); err == nil {
			if info, ok := v.(*errdetails.ErrorInfo); ok {
				return info.GetReason()
			}
		}
	}
	return ""
}

func TestNormalisePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"13812345678", "+8613812345678", true},
		{" 138 1234 5678 ", "+8613812345678", true},
		{"+86 138-1234-5678", "+8613812345678", true},
		{"+8613812345678", "+8613812345678", true},
		{"008619912345678", "+8619912345678", true},
		{"8613812345678", "+8613812345678", true},
		{"(+86) 13812345678", "", false},
		{"1381234567", "", false},
		{"138123456789", "", false},
		{"12812345678", "", false},
		{"23812345678", "", false},
		{"+1 415 555 0100", "", false},
		{"+85291234567", "", false},
		{"1381234567x", "", false},
		{"１３８１２３４５６７８", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := normalisePhone(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("normalisePhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestPhoneSignUpAndLogIn walks the phone journey (ID-1): a code, a login
// that finds no account, a sign-up with the same code, the code's reuse
// refused, and a login with a new code.
func TestPhoneSignUpAndLogIn(t *testing.T) {
	t.Parallel()
	b := setupPhone(t)
	const phone = "+8613800000001"
	code := b.sendCode(t, "138 0000 0001")

	_, err := b.svc.LogInWithPhone(t.Context(), connect.NewRequest(&identityv1.LogInWithPhoneRequest{Phone: phone, Code: code}))
	if connectCode(t, err) != connect.CodeNotFound || errorReason(err) != "PHONE_NOT_REGISTERED" {
		t.Fatalf("LogInWithPhone before sign-up: %v, want not_found PHONE_NOT_REGISTERED", err)
	}

	su, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(signUpPhone(phone, code)))
	if err != nil {
		t.Fatalf("SignUpWithPhone: %v", err)
	}
	u := su.Msg.GetUser()
	if u.GetPhone() != phone || u.GetEmail() != "" || u.GetDisplayName() != "Li Wei" ||
		!equalRoles(u.GetRoles(), []identityv1.Role{identityv1.Role_ROLE_CLIENT}) {
		t.Fatalf("user = %v", u)
	}
	c := sessionCookie(su.Header())
	if c == nil || c.Value == "" {
		t.Fatal("SignUpWithPhone set no session cookie")
	}
	p, err := b.svc.Authenticate(t.Context(), c.Value)
	if err != nil || p.UserID != u.GetId() {
		t.Fatalf("Authenticate(new session) = %v, %v", p, err)
	}
	// The edge's canary buckets phone users by their ID too (OPS-4).
	if uid := cookieNamed(su.Header(), UserIDCookieName); uid == nil || uid.Value != u.GetId() {
		t.Fatalf("SignUpWithPhone %s = %v, want the user ID", UserIDCookieName, uid)
	}

	// The code is used up: neither a second sign-up nor a login takes it.
	_, err = b.svc.LogInWithPhone(t.Context(), connect.NewRequest(&identityv1.LogInWithPhoneRequest{Phone: phone, Code: code}))
	if got := fieldReasons(t, err); !maps.Equal(got, map[string]string{"code": "CODE_EXPIRED"}) {
		t.Fatalf("LogInWithPhone with a used code: %v (violations %v), want CODE_EXPIRED", err, got)
	}

	b.skipCooldown(t, phone)
	code = b.sendCode(t, phone)
	li, err := b.svc.LogInWithPhone(t.Context(), connect.NewRequest(&identityv1.LogInWithPhoneRequest{
		Phone: "+86 13800000001", Code: code, WantBearerToken: true,
	}))
	if err != nil {
		t.Fatalf("LogInWithPhone: %v", err)
	}
	if li.Msg.GetUser().GetId() != u.GetId() || li.Msg.GetBearerToken() == "" {
		t.Fatalf("LogInWithPhone = %v", li.Msg)
	}
	if uid := cookieNamed(li.Header(), UserIDCookieName); uid == nil || uid.Value != u.GetId() {
		t.Fatalf("LogInWithPhone %s = %v, want the user ID", UserIDCookieName, uid)
	}
	me, err := b.svc.GetMe(auth.WithPrincipal(t.Context(), auth.Principal{UserID: u.GetId()}), connect.NewRequest(&identityv1.GetMeRequest{}))
	if err != nil || me.Msg.GetUser().GetPhone() != phone {
		t.Fatalf("GetMe = %v, %v; want phone %s", me, err, phone)
	}
}

// TestPhoneCodeAttempts checks that wrong codes burn the code after
// codeMaxAttempts tries, after which even the right code is refused.
func TestPhoneCodeAttempts(t *testing.T) {
	t.Parallel()
	b := setupPhone(t)
	const phone = "+8613800000002"
	code := b.sendCode(t, phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	logIn := func(c string) error {
		_, err := b.svc.LogInWithPhone(t.Context(), connect.NewRequest(&identityv1.LogInWithPhoneRequest{Phone: phone, Code: c}))
		return err
	}
	for i := 1; i <= codeMaxAttempts; i++ {
		want := "CODE_WRONG"
		if i == codeMaxAttempts {
			want = "CODE_USED_UP"
		}
		err := logIn(wrong)
		if got := fieldReasons(t, err); connectCode(t, err) != connect.CodeInvalidArgument || got["code"] != want {
			t.Fatalf("wrong code #%d: %v (violations %v), want %s", i, err, got, want)
		}
	}
	if got := fieldReasons(t, logIn(code)); got["code"] != "CODE_EXPIRED" {
		t.Fatalf("right code after the attempts ran out: violations %v, want CODE_EXPIRED", got)
	}
}

// TestPhoneCodeValidation covers malformed input, refused before any code
// is checked or sent.
func TestPhoneCodeValidation(t *testing.T) {
	t.Parallel()
	b := setupPhone(t)
	tests := []struct {
		name string
		call func() error
		want map[string]string
	}{
		{name: "send without phone", call: func() error {
			_, err := b.svc.SendPhoneCode(t.Context(), connect.NewRequest(&identityv1.SendPhoneCodeRequest{
				Purpose: identityv1.PhoneCodePurpose_PHONE_CODE_PURPOSE_LOG_IN}))
			return err
		}, want: map[string]string{"phone": "REQUIRED"}},
		{name: "send to a foreign number without purpose", call: func() error {
			_, err := b.svc.SendPhoneCode(t.Context(), connect.NewRequest(&identityv1.SendPhoneCodeRequest{Phone: "+14155550100"}))
			return err
		}, want: map[string]string{"phone": "PHONE_INVALID", "purpose": "PURPOSE_INVALID"}},
		{name: "log in with a short code", call: func() error {
			_, err := b.svc.LogInWithPhone(t.Context(), connect.NewRequest(&identityv1.LogInWithPhoneRequest{Phone: "13800000003", Code: "12345"}))
			return err
		}, want: map[string]string{"code": "CODE_FORMAT"}},
		{name: "log in with letters", call: func() error {
			_, err := b.svc.LogInWithPhone(t.Context(), connect.NewRequest(&identityv1.LogInWithPhoneRequest{Phone: "13800000003", Code: "12a456"}))
			return err
		}, want: map[string]string{"code": "CODE_FORMAT"}},
		{name: "sign up with nothing", call: func() error {
			_, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(&identityv1.SignUpWithPhoneRequest{}))
			return err
		}, want: map[string]string{"phone": "REQUIRED", "code": "REQUIRED", "display_name": "REQUIRED", "consent_version": "CONSENT_REQUIRED"}},
		{name: "sign up as admin", call: func() error {
			m := signUpPhone("13800000003", "123456")
			m.Roles = []identityv1.Role{identityv1.Role_ROLE_ADMIN}
			_, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(m))
			return err
		}, want: map[string]string{"roles": "ROLE_INVALID"}},
		{name: "sign up without a code sent", call: func() error {
			_, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(signUpPhone("13800000003", "123456")))
			return err
		}, want: map[string]string{"code": "CODE_EXPIRED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call()
			if got := fieldReasons(t, err); connectCode(t, err) != connect.CodeInvalidArgument || !maps.Equal(got, tt.want) {
				t.Fatalf("err %v, violations %v; want invalid_argument %v", err, got, tt.want)
			}
		})
	}
	if b.sms.sent != 0 {
		t.Fatalf("%d messages sent for malformed requests", b.sms.sent)
	}
}

// TestSendPhoneCodeTellsNothing checks that asking for a code answers the
// same for a registered and an unknown number, and that asking again too
// soon is refused with the time to wait.
func TestSendPhoneCodeTellsNothing(t *testing.T) {
	t.Parallel()
	b := setupPhone(t)
	const known, unknown = "+8613800000004", "+8613800000005"
	code := b.sendCode(t, known)
	if _, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(signUpPhone(known, code))); err != nil {
		t.Fatal(err)
	}
	b.skipCooldown(t, known)

	send := func(phone string) (*identityv1.SendPhoneCodeResponse, error) {
		resp, err := b.svc.SendPhoneCode(t.Context(), connect.NewRequest(&identityv1.SendPhoneCodeRequest{
			Phone: phone, Purpose: identityv1.PhoneCodePurpose_PHONE_CODE_PURPOSE_LOG_IN,
		}))
		if err != nil {
			return nil, err
		}
		return resp.Msg, nil
	}
	a, errA := send(known)
	u, errU := send(unknown)
	if errA != nil || errU != nil {
		t.Fatalf("SendPhoneCode: %v, %v", errA, errU)
	}
	a.Phone, u.Phone = "", ""
	if !proto.Equal(a, u) {
		t.Fatalf("answers differ: registered %v, unknown %v", a, u)
	}
	if a.GetResendAfter().AsDuration() != time.Minute || a.GetExpireAfter().AsDuration() != 5*time.Minute {
		t.Fatalf("answer = %v, want resend after 1m, expire after 5m", a)
	}

	for _, phone := range []string{known, unknown} {
		_, err := send(phone)
		if connectCode(t, err) != connect.CodeResourceExhausted || errorReason(err) != ReasonCodeResendTooSoon {
			t.Fatalf("second code for %s at once: %v, want resource_exhausted %s", phone, err, ReasonCodeResendTooSoon)
		}
		var retry *errdetails.RetryInfo
		for _, d := range err.(*connect.Error).Details() {
			if v, _ := d.Value(); v != nil {
				if r, ok := v.(*errdetails.RetryInfo); ok {
					retry = r
				}
			}
		}
		if d := retry.GetRetryDelay().AsDuration(); d <= 0 || d > time.Minute {
			t.Fatalf("retry delay = %v, want within a minute", d)
		}
	}
}

// TestPhoneTaken checks that a second sign-up with a number in use is
// refused, and only after the code proved the caller holds the phone.
func TestPhoneTaken(t *testing.T) {
	t.Parallel()
	b := setupPhone(t)
	const phone = "+8613800000006"
	if _, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(signUpPhone(phone, b.sendCode(t, phone)))); err != nil {
		t.Fatal(err)
	}
	b.skipCooldown(t, phone)
	code := b.sendCode(t, phone)
	_, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(signUpPhone(phone, code)))
	if got := fieldReasons(t, err); connectCode(t, err) != connect.CodeAlreadyExists || got["phone"] != "PHONE_TAKEN" {
		t.Fatalf("second sign-up: %v (violations %v), want already_exists PHONE_TAKEN", err, got)
	}
	if n := countUsers(t, b.db); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
}

// TestPhoneCodeOnlyOnce races logins with one code: exactly one wins
// (replayed codes are refused).
func TestPhoneCodeOnlyOnce(t *testing.T) {
	t.Parallel()
	b := setupPhone(t)
	const phone = "+8613800000007"
	if _, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(signUpPhone(phone, b.sendCode(t, phone)))); err != nil {
		t.Fatal(err)
	}
	b.skipCooldown(t, phone)
	code := b.sendCode(t, phone)
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := b.svc.LogInWithPhone(t.Context(), connect.NewRequest(&identityv1.LogInWithPhoneRequest{Phone: phone, Code: code}))
			errs <- err
		}()
	}
	ok := 0
	for range n {
		err := <-errs
		switch {
		case err == nil:
			ok++
		case fieldReasons(t, err)["code"] != "CODE_EXPIRED":
			t.Errorf("losing login: %v, want CODE_EXPIRED", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d logins with one code succeeded, want 1", ok)
	}
}

// TestSMSFailure checks that a provider failure is UNAVAILABLE and does not
// hold the number in its cooldown.
func TestSMSFailure(t *testing.T) {
	t.Parallel()
	b := setupPhone(t)
	b.sms.fail = true
	req := &identityv1.SendPhoneCodeRequest{Phone: "13800000008", Purpose: identityv1.PhoneCodePurpose_PHONE_CODE_PURPOSE_LOG_IN}
	_, err := b.svc.SendPhoneCode(t.Context(), connect.NewRequest(req))
	if connectCode(t, err) != connect.CodeUnavailable || errorReason(err) != "SMS_UNAVAILABLE" {
		t.Fatalf("SendPhoneCode with the provider down: %v, want unavailable SMS_UNAVAILABLE", err)
	}
	b.sms.mu.Lock()
	b.sms.fail = false
	b.sms.mu.Unlock()
	if _, err := b.svc.SendPhoneCode(t.Context(), connect.NewRequest(req)); err != nil {
		t.Fatalf("SendPhoneCode once the provider is back: %v", err)
	}
}
