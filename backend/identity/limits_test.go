package identity

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/testenv"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	edge := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name string
		peer string
		xff  []string
		want string
	}{
		{name: "direct", peer: "203.0.113.7:5123", want: "203.0.113.7"},
		{name: "direct client's own header is ignored", peer: "203.0.113.7:5123", xff: []string{"198.51.100.1"}, want: "203.0.113.7"},
		{name: "loopback edge", peer: "127.0.0.1:40000", xff: []string{"198.51.100.1"}, want: "198.51.100.1"},
		{name: "configured edge, last hop wins", peer: "10.1.2.3:40000", xff: []string{"6.6.6.6, 198.51.100.1"}, want: "198.51.100.1"},
		{name: "several headers", peer: "[::1]:40000", xff: []string{"6.6.6.6", "2001:db8::1"}, want: "2001:db8::1"},
		{name: "trusted without header", peer: "127.0.0.1:40000", want: "127.0.0.1"},
		{name: "trusted with junk header", peer: "127.0.0.1:40000", xff: []string{"not an ip"}, want: "127.0.0.1"},
		{name: "mapped v4", peer: "[::ffff:203.0.113.7]:1", want: "203.0.113.7"},
		{name: "unknown peer", peer: "", xff: []string{"198.51.100.1"}, want: ""},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.xff {
			h.Add("X-Forwarded-For", v)
		}
		if got := clientIP(tt.peer, h, edge); got != tt.want {
			t.Errorf("%s: clientIP = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestIPBucket(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"":                     "",
	} {
		if got := ipBucket(in); got != want {
			t.Errorf("ipBucket(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLogInLockout checks that repeated wrong passwords lock an email for a
// while with a clear error (ID-1), and that an unknown email behaves
// exactly the same, so the lockout tells nothing about who is registered.
func TestLogInLockout(t *testing.T) {
	t.Parallel()
	b := setupPhone(t)
	signUp(t, b.svc, validSignUp("lock@example.com"))

	codes := func(email string) []string {
		var out []string
		for range 6 {
			_, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{Email: email, Password: "wrong password!"}))
			out = append(out, connectCode(t, err).String()+"/"+errorReason(err))
		}
		// The right password does not help while locked.
		_, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{Email: email, Password: "correct horse battery"}))
		return append(out, connectCode(t, err).String()+"/"+errorReason(err))
	}
	known, unknown := codes("lock@example.com"), codes("nobody-lock@example.com")
	want := []string{
		"unauthenticated/BAD_CREDENTIALS", "unauthenticated/BAD_CREDENTIALS", "unauthenticated/BAD_CREDENTIALS",
		"unauthenticated/BAD_CREDENTIALS", "resource_exhausted/LOCKED_OUT", "resource_exhausted/LOCKED_OUT",
		"resource_exhausted/LOCKED_OUT",
	}
	for i := range want {
		if known[i] != want[i] || unknown[i] != want[i] {
			t.Fatalf("attempt %d: known email %s, unknown email %s, want %s", i+1, known[i], unknown[i], want[i])
		}
	}
	_, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{Email: "lock@example.com", Password: "x"}))
	if msg := err.(*connect.Error).Message(); msg != "too many failed attempts: try again in 15 minutes" {
		t.Fatalf("lockout message = %q", msg)
	}

	// When the lock ends, the right password works and clears the count.
	if err := b.svc.limits.rdb.Del(t.Context(), lockKey("login", "lock@example.com")).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{Email: "lock@example.com", Password: "correct horse battery"})); err != nil {
		t.Fatalf("LogIn after the lock: %v", err)
	}
}

// TestCodeCheckLockout checks that wrong codes across several codes lock
// the phone number.
func TestCodeCheckLockout(t *testing.T) {
	t.Parallel()
	_, rdb := testenv.Redis(t)
	sms := &recordingSMS{codes: map[string]string{}}
	b := phoneBundle{bundle: setup(t, Options{Redis: rdb, SMS: sms, Limits: Limits{
		CodeCheckLockout: lockRule{Failures: 3, Window: time.Hour, Lock: time.Hour},
	}}), sms: sms}
	const phone = "+8613800000009"
	code := b.sendCode(t, phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	var got []string
	for _, c := range []string{wrong, wrong, wrong, code} {
		_, err := b.svc.LogInWithPhone(t.Context(), connect.NewRequest(&identityv1.LogInWithPhoneRequest{Phone: phone, Code: c}))
		reason := errorReason(err)
		if reason == "" {
			reason = fieldReasons(t, err)["code"]
		}
		got = append(got, reason)
	}
	want := []string{"CODE_WRONG", "CODE_WRONG", "LOCKED_OUT", "LOCKED_OUT"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("checks = %v, want %v", got, want)
		}
	}
}

// TestRateLimitPerIP calls through a real handler behind a loopback "edge"
// that forwards the client's address: each address has its own budget.
func TestRateLimitPerIP(t *testing.T) {
	t.Parallel()
	_, rdb := testenv.Redis(t)
	sms := &recordingSMS{codes: map[string]string{}}
	b := setup(t, Options{Redis: rdb, SMS: sms, Limits: Limits{
		SignUpPerIP:    rateRule{Max: 2, Window: time.Hour},
		CodeSendsPerIP: rateRule{Max: 1, Window: time.Hour},
	}})
	mux := http.NewServeMux()
	mux.Handle(identityv1connect.NewIdentityServiceHandler(b.svc))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client := identityv1connect.NewIdentityServiceClient(srv.Client(), srv.URL)

	signUpFrom := func(ip, email string) error {
		req := connect.NewRequest(validSignUp(email))
		req.Header().Set("X-Forwarded-For", ip)
		_, err := client.SignUp(t.Context(), req)
		return err
	}
	sendFrom := func(ip, phone string) error {
		req := connect.NewRequest(&identityv1.SendPhoneCodeRequest{Phone: phone, Purpose: identityv1.PhoneCodePurpose_PHONE_CODE_PURPOSE_LOG_IN})
		req.Header().Set("X-Forwarded-For", ip)
		_, err := client.SendPhoneCode(t.Context(), req)
		return err
	}
	tests := []struct {
		name   string
		call   func() error
		reason string // "" for success
	}{
		{"first sign-up", func() error { return signUpFrom("198.51.100.1", "ip1@example.com") }, ""},
		{"second sign-up", func() error { return signUpFrom("198.51.100.1", "ip2@example.com") }, ""},
		{"third sign-up from the same address", func() error { return signUpFrom("198.51.100.1", "ip3@example.com") }, ReasonRateLimited},
		{"sign-up from another address", func() error { return signUpFrom("198.51.100.2", "ip4@example.com") }, ""},
		{"code", func() error { return sendFrom("198.51.100.3", "13800000010") }, ""},
		{"code for another number, same address", func() error { return sendFrom("198.51.100.3", "13800000011") }, ReasonRateLimited},
		{"code from another address", func() error { return sendFrom("198.51.100.4", "13800000011") }, ""},
	}
	for _, tt := range tests {
		err := tt.call()
		if got := errorReason(err); got != tt.reason || (tt.reason == "" && err != nil) {
			t.Fatalf("%s: err %v (reason %q), want reason %q", tt.name, err, got, tt.reason)
		}
		if tt.reason != "" && connect.CodeOf(err) != connect.CodeResourceExhausted {
			t.Fatalf("%s: code %v, want resource_exhausted", tt.name, connect.CodeOf(err))
		}
	}
}

func TestScalePerIP(t *testing.T) {
	t.Parallel()
	d := DefaultLimits()
	s := d.ScalePerIP(10)
	if s.SignUpPerIP.Max != 10*d.SignUpPerIP.Max || s.LogInPerIP.Max != 10*d.LogInPerIP.Max ||
		s.CodeSendsPerIP.Max != 10*d.CodeSendsPerIP.Max || s.CodeChecksPerIP.Max != 10*d.CodeChecksPerIP.Max {
		t.Fatalf("ScalePerIP(10) = %+v, want every per-IP Max ten times %+v", s, d)
	}
	if s.CodeSendsPerDay != d.CodeSendsPerDay || s.LogInLockout != d.LogInLockout || s.CodeCheckLockout != d.CodeCheckLockout {
		t.Fatalf("ScalePerIP changed a per-account limit: %+v", s)
	}
	if d.ScalePerIP(1) != d {
		t.Fatal("ScalePerIP(1) changed the limits")
	}
}
