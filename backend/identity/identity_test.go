package identity

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/testenv"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

func TestMain(m *testing.M) {
	testenv.Run(m)
}

// bundle is what most tests need: a service over a fresh database.
type bundle struct {
	db  *postgres.DB
	svc *Service
}

func setup(t *testing.T, opts Options) bundle {
	t.Helper()
	db := testenv.DB(t)
	return bundle{db: db, svc: New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)}
}

func validSignUp(email string) *identityv1.SignUpRequest {
	return &identityv1.SignUpRequest{
		Email:          email,
		Password:       "correct horse battery",
		DisplayName:    "Ana Lima",
		ConsentVersion: "2025-01",
	}
}

func signUp(t *testing.T, svc *Service, m *identityv1.SignUpRequest) *connect.Response[identityv1.SignUpResponse] {
	t.Helper()
	resp, err := svc.SignUp(t.Context(), connect.NewRequest(m))
	if err != nil {
		t.Fatalf("SignUp(%s): %v", m.GetEmail(), err)
	}
	return resp
}

// connectCode returns the Connect code of err, or 0 for nil.
func connectCode(t *testing.T, err error) connect.Code {
	t.Helper()
	if err == nil {
		return 0
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *connect.Error", err)
	}
	return ce.Code()
}

// fieldReasons returns the BadRequest field violations in err as
// field -> reason, and fails the test on a violation without a description.
func fieldReasons(t *testing.T, err error) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, v := range badrequest.FromError(err) {
		if v.Description == "" {
			t.Errorf("violation %s/%s has no description", v.Field, v.Reason)
		}
		got[v.Field] = v.Reason
	}
	return got
}

// sessionCookie returns the session cookie set by h, or nil.
func sessionCookie(h http.Header) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == auth.CookieName {
			return c
		}
	}
	return nil
}

func countUsers(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	if err := db.Primary.QueryRow(t.Context(), "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatalf("count users: %v", err)
	}
	return n
}

func TestSignUp(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{CookieSecure: true})

	tests := []struct {
		name      string
		edit      func(m *identityv1.SignUpRequest)
		wantCode  connect.Code
		wantField map[string]string
		wantRoles []identityv1.Role
	}{
		{name: "ok", wantRoles: []identityv1.Role{identityv1.Role_ROLE_CLIENT}},
		{
			name:      "ok with bearer token",
			edit:      func(m *identityv1.SignUpRequest) { m.WantBearerToken = true },
			wantRoles: []identityv1.Role{identityv1.Role_ROLE_CLIENT},
		},
		{
			name: "ok as provider and client",
			edit: func(m *identityv1.SignUpRequest) {
				m.Roles = []identityv1.Role{identityv1.Role_ROLE_PROVIDER, identityv1.Role_ROLE_CLIENT, identityv1.Role_ROLE_PROVIDER}
			},
			wantRoles: []identityv1.Role{identityv1.Role_ROLE_PROVIDER, identityv1.Role_ROLE_CLIENT},
		},
		{
			name:      "ok with exactly 10 character password",
			edit:      func(m *identityv1.SignUpRequest) { m.Password = "0123456789" },
			wantRoles: []identityv1.Role{identityv1.Role_ROLE_CLIENT},
		},
		{
			name:      "email missing",
			edit:      func(m *identityv1.SignUpRequest) { m.Email = "  " },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"email": "REQUIRED"},
		},
		{
			name:      "email without at sign",
			edit:      func(m *identityv1.SignUpRequest) { m.Email = "ana.example.com" },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"email": "EMAIL_INVALID"},
		},
		{
			name:      "email with display name",
			edit:      func(m *identityv1.SignUpRequest) { m.Email = "Ana <ana@example.com>" },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"email": "EMAIL_INVALID"},
		},
		{
			name:      "email domain without dot",
			edit:      func(m *identityv1.SignUpRequest) { m.Email = "ana@localhost" },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"email": "EMAIL_INVALID"},
		},
		{
			name:      "password missing",
			edit:      func(m *identityv1.SignUpRequest) { m.Password = "" },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"password": "REQUIRED"},
		},
		{
			name:      "password 9 characters",
			edit:      func(m *identityv1.SignUpRequest) { m.Password = "密码密码密码密码密" },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"password": "PASSWORD_TOO_SHORT"},
		},
		{
			name:      "password too long",
			edit:      func(m *identityv1.SignUpRequest) { m.Password = strings.Repeat("x", 257) },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"password": "TOO_LONG"},
		},
		{
			name:      "display name blank",
			edit:      func(m *identityv1.SignUpRequest) { m.DisplayName = " \t" },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"display_name": "REQUIRED"},
		},
		{
			name:      "display name 61 characters",
			edit:      func(m *identityv1.SignUpRequest) { m.DisplayName = strings.Repeat("名", 61) },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"display_name": "TOO_LONG"},
		},
		{
			name:      "admin role",
			edit:      func(m *identityv1.SignUpRequest) { m.Roles = []identityv1.Role{identityv1.Role_ROLE_ADMIN} },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"roles": "ROLE_INVALID"},
		},
		{
			name:      "unspecified role",
			edit:      func(m *identityv1.SignUpRequest) { m.Roles = []identityv1.Role{identityv1.Role_ROLE_UNSPECIFIED} },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"roles": "ROLE_INVALID"},
		},
		{
			name:      "consent missing",
			edit:      func(m *identityv1.SignUpRequest) { m.ConsentVersion = "" },
			wantCode:  connect.CodeInvalidArgument,
			wantField: map[string]string{"consent_version": "CONSENT_REQUIRED"},
		},
		{
			name: "everything wrong at once",
			edit: func(m *identityv1.SignUpRequest) {
				*m = identityv1.SignUpRequest{Email: "nope", Password: "short"}
			},
			wantCode: connect.CodeInvalidArgument,
			wantField: map[string]string{
				"email":           "EMAIL_INVALID",
				"password":        "PASSWORD_TOO_SHORT",
				"display_name":    "REQUIRED",
				"consent_version": "CONSENT_REQUIRED",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			email := strings.ReplaceAll(tt.name, " ", "-") + "@example.com"
			m := validSignUp(email)
			if tt.edit != nil {
				tt.edit(m)
			}
			resp, err := b.svc.SignUp(t.Context(), connect.NewRequest(m))
			if got := connectCode(t, err); got != tt.wantCode {
				t.Fatalf("SignUp code = %v, want %v (err %v)", got, tt.wantCode, err)
			}
			if err != nil {
				if got := fieldReasons(t, err); !maps.Equal(got, tt.wantField) {
					t.Fatalf("violations = %v, want %v", got, tt.wantField)
				}
				var n int
				q := "SELECT count(*) FROM users WHERE email = $1"
				if err := b.db.Primary.QueryRow(t.Context(), q, m.GetEmail()).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					t.Fatalf("%d users saved after a refused sign-up", n)
				}
				return
			}
			u := resp.Msg.GetUser()
			if u.GetEmail() != email || u.GetDisplayName() != "Ana Lima" || u.GetId() == "" || u.GetDemo() {
				t.Fatalf("user = %v", u)
			}
			if got := u.GetRoles(); !equalRoles(got, tt.wantRoles) {
				t.Fatalf("roles = %v, want %v", got, tt.wantRoles)
			}
			c := sessionCookie(resp.Header())
			if c == nil || c.Value == "" || !c.HttpOnly || !c.Secure {
				t.Fatalf("session cookie = %v", c)
			}
			if got, want := resp.Msg.GetBearerToken() != "", m.GetWantBearerToken(); got != want {
				t.Fatalf("bearer token given = %v, want %v", got, want)
			}
			if m.GetWantBearerToken() && resp.Msg.GetBearerToken() != c.Value {
				t.Fatalf("bearer token differs from the cookie's")
			}
			p, err := b.svc.Authenticate(t.Context(), c.Value)
			if err != nil {
				t.Fatalf("Authenticate(new session): %v", err)
			}
			if p.UserID != u.GetId() {
				t.Fatalf("principal = %v, want user %s", p, u.GetId())
			}
		})
	}
}

func equalRoles(a, b []identityv1.Role) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSignUpEmailTaken(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	first := signUp(t, b.svc, validSignUp("Ana@Example.com"))
	if got := first.Msg.GetUser().GetEmail(); got != "ana@example.com" {
		t.Fatalf("stored email = %q, want it normalised", got)
	}

	tests := []struct {
		name  string
		email string
	}{
		{name: "same", email: "ana@example.com"},
		{name: "other case", email: "ANA@EXAMPLE.COM"},
		{name: "spaces around", email: "  ana@example.com "},
	}
	t.Run("group", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				_, err := b.svc.SignUp(t.Context(), connect.NewRequest(validSignUp(tt.email)))
				if got := connectCode(t, err); got != connect.CodeAlreadyExists {
					t.Fatalf("code = %v, want already_exists (err %v)", got, err)
				}
				if got := err.(*connect.Error).Message(); got != "an account with this email already exists" {
					t.Fatalf("message = %q", got)
				}
				want := map[string]string{"email": "EMAIL_TAKEN"}
				if got := fieldReasons(t, err); !maps.Equal(got, want) {
					t.Fatalf("violations = %v, want %v", got, want)
				}
			})
		}
	})
	if n := countUsers(t, b.db); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
}

func TestLogIn(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	user := signUp(t, b.svc, validSignUp("bo@example.com")).Msg.GetUser()

	tests := []struct {
		name     string
		email    string
		password string
		bearer   bool
		wantCode connect.Code
	}{
		{name: "ok", email: "bo@example.com", password: "correct horse battery"},
		{name: "ok other case with bearer", email: " BO@example.COM", password: "correct horse battery", bearer: true},
		{name: "wrong password", email: "bo@example.com", password: "correct horse batterY", wantCode: connect.CodeUnauthenticated},
		{name: "unknown email", email: "nobody@example.com", password: "correct horse battery", wantCode: connect.CodeUnauthenticated},
		{name: "empty password", email: "bo@example.com", password: "", wantCode: connect.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{
				Email: tt.email, Password: tt.password, WantBearerToken: tt.bearer,
			}))
			if got := connectCode(t, err); got != tt.wantCode {
				t.Fatalf("code = %v, want %v (err %v)", got, tt.wantCode, err)
			}
			if err != nil {
				return
			}
			if got := resp.Msg.GetUser().GetId(); got != user.GetId() {
				t.Fatalf("logged in as %s, want %s", got, user.GetId())
			}
			c := sessionCookie(resp.Header())
			if c == nil {
				t.Fatal("no session cookie")
			}
			if got := resp.Msg.GetBearerToken() != ""; got != tt.bearer {
				t.Fatalf("bearer token given = %v, want %v", got, tt.bearer)
			}
			if _, err := b.svc.Authenticate(t.Context(), c.Value); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
		})
	}
}

// TestLogInFailuresLookAlike checks that an unknown email and a wrong
// password cannot be told apart by the error.
func TestLogInFailuresLookAlike(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	signUp(t, b.svc, validSignUp("cy@example.com"))

	_, wrongPassword := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{
		Email: "cy@example.com", Password: "not the password",
	}))
	_, unknownEmail := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{
		Email: "nobody@example.com", Password: "not the password",
	}))
	for _, err := range []error{wrongPassword, unknownEmail} {
		if got := connectCode(t, err); got != connect.CodeUnauthenticated {
			t.Fatalf("code = %v, want unauthenticated", got)
		}
	}
	a, u := wrongPassword.(*connect.Error), unknownEmail.(*connect.Error)
	if a.Message() != u.Message() || a.Message() != "email or password is wrong" {
		t.Fatalf("messages %q and %q, want both %q", a.Message(), u.Message(), "email or password is wrong")
	}
	if len(a.Details()) != 1 || len(u.Details()) != 1 {
		t.Fatalf("details: %d and %d, want 1 each", len(a.Details()), len(u.Details()))
	}
	for _, ce := range []*connect.Error{a, u} {
		v, err := ce.Details()[0].Value()
		if err != nil {
			t.Fatal(err)
		}
		info, ok := v.(*errdetails.ErrorInfo)
		if !ok || info.GetReason() != "BAD_CREDENTIALS" {
			t.Fatalf("detail = %v, want ErrorInfo BAD_CREDENTIALS", v)
		}
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	resp := signUp(t, b.svc, validSignUp("di@example.com"))
	userID := resp.Msg.GetUser().GetId()
	token := sessionCookie(resp.Header()).Value
	if len(token) != 43 {
		t.Fatalf("token %q has %d characters, want 43 (32 bytes base64url)", token, len(token))
	}

	// Only the hash of the token is stored.
	var n int
	q := "SELECT count(*) FROM sessions WHERE token_hash = sha256($1::bytea) AND user_id = $2"
	if err := b.db.Primary.QueryRow(t.Context(), q, []byte(token), userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d sessions stored under sha256(token), want 1", n)
	}

	later := func(d time.Duration) func() time.Time {
		return func() time.Time { return time.Now().Add(d) }
	}
	tests := []struct {
		name    string
		now     func() time.Time
		token   string
		wantErr error
	}{
		{name: "valid", token: token},
		{name: "valid after 29 days", now: later(29 * 24 * time.Hour), token: token},
		{name: "expired after 31 days", now: later(31 * 24 * time.Hour), token: token, wantErr: auth.ErrNoSession},
		{name: "empty", token: "", wantErr: auth.ErrNoSession},
		{name: "malformed", token: "not a token", wantErr: auth.ErrNoSession},
		{name: "unknown", token: strings.Repeat("A", 43), wantErr: auth.ErrNoSession},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := New(b.db, b.svc.logger, Options{Now: tt.now})
			p, err := svc.Authenticate(t.Context(), tt.token)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Authenticate err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (p.UserID != userID || !p.HasRole(auth.RoleClient)) {
				t.Fatalf("principal = %+v, want client %s", p, userID)
			}
		})
	}
}

func TestSessionTTL(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	start := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	now := start
	svc := New(b.db, b.svc.logger, Options{SessionTTL: time.Hour, Now: func() time.Time { return now }})
	resp := signUp(t, svc, validSignUp("ed@example.com"))
	c := sessionCookie(resp.Header())
	if !c.Expires.Equal(start.Add(time.Hour)) {
		t.Fatalf("cookie expires %v, want %v", c.Expires, start.Add(time.Hour))
	}
	now = start.Add(time.Hour - time.Second)
	if _, err := svc.Authenticate(t.Context(), c.Value); err != nil {
		t.Fatalf("Authenticate just before expiry: %v", err)
	}
	now = start.Add(time.Hour)
	if _, err := svc.Authenticate(t.Context(), c.Value); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("Authenticate at expiry: %v, want ErrNoSession", err)
	}
}

func TestLogOut(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	resp := signUp(t, b.svc, validSignUp("fa@example.com"))
	token := sessionCookie(resp.Header()).Value
	p, err := b.svc.Authenticate(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	// A second session of the same user must survive the logout.
	other, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{
		Email: "fa@example.com", Password: "correct horse battery", WantBearerToken: true,
	}))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		header func(h http.Header)
	}{
		{name: "cookie", header: func(h http.Header) {
			h.Set("Cookie", (&http.Cookie{Name: auth.CookieName, Value: token}).String())
		}},
		{name: "bearer again", header: func(h http.Header) { h.Set("Authorization", "Bearer "+token) }},
		{name: "no token", header: func(http.Header) {}},
	}
	for _, tt := range tests {
		// Not parallel: the cases log out one after another.
		req := connect.NewRequest(&identityv1.LogOutRequest{})
		tt.header(req.Header())
		out, err := b.svc.LogOut(auth.WithPrincipal(t.Context(), p), req)
		if err != nil {
			t.Fatalf("%s: LogOut: %v", tt.name, err)
		}
		c := sessionCookie(out.Header())
		if c == nil || c.Value != "" || c.MaxAge >= 0 {
			t.Fatalf("%s: LogOut cookie = %v, want it cleared", tt.name, c)
		}
	}
	if _, err := b.svc.Authenticate(t.Context(), token); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("Authenticate after logout: %v, want ErrNoSession", err)
	}
	if _, err := b.svc.Authenticate(t.Context(), other.Msg.GetBearerToken()); err != nil {
		t.Fatalf("other session after logout: %v", err)
	}
}

func TestGetMe(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	user := signUp(t, b.svc, validSignUp("gu@example.com")).Msg.GetUser()

	tests := []struct {
		name     string
		ctx      context.Context
		wantCode connect.Code
	}{
		{name: "signed in", ctx: auth.WithPrincipal(t.Context(), auth.Principal{UserID: user.GetId(), Roles: []string{auth.RoleClient}})},
		{name: "anonymous", ctx: t.Context(), wantCode: connect.CodeUnauthenticated},
		{name: "unknown user", ctx: auth.WithPrincipal(t.Context(), auth.Principal{UserID: "00000000-0000-0000-0000-000000000001"}), wantCode: connect.CodeUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := b.svc.GetMe(tt.ctx, connect.NewRequest(&identityv1.GetMeRequest{}))
			if got := connectCode(t, err); got != tt.wantCode {
				t.Fatalf("code = %v, want %v (err %v)", got, tt.wantCode, err)
			}
			if err == nil && resp.Msg.GetUser().GetEmail() != "gu@example.com" {
				t.Fatalf("user = %v", resp.Msg.GetUser())
			}
		})
	}
}

func TestLogInRehashesOldParameters(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	user := signUp(t, b.svc, validSignUp("ha@example.com")).Msg.GetUser()
	old := argonParams{memoryKiB: 8192, time: 1, threads: 1, saltLen: 16, keyLen: 32}
	oldHash, err := hashPassword(old, "correct horse battery", strings.NewReader(strings.Repeat("s", 16)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Primary.Exec(t.Context(), "UPDATE users SET password_hash = $1 WHERE id = $2", oldHash, user.GetId()); err != nil {
		t.Fatal(err)
	}

	if _, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{
		Email: "ha@example.com", Password: "correct horse battery",
	})); err != nil {
		t.Fatalf("LogIn with an old-parameter hash: %v", err)
	}
	var stored string
	if err := b.db.Primary.QueryRow(t.Context(), "SELECT password_hash FROM users WHERE id = $1", user.GetId()).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash after login = %q, want current parameters", stored)
	}
	if _, err := b.svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{
		Email: "ha@example.com", Password: "correct horse battery",
	})); err != nil {
		t.Fatalf("LogIn after rehash: %v", err)
	}
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	params := defaultArgonParams()
	hash, err := hashPassword(params, "correct horse battery", strings.NewReader("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(hash) {
		t.Fatalf("hash %q is not a PHC Argon2id string with the default parameters", hash)
	}
	if !strings.Contains(hash, "$MDEyMzQ1Njc4OWFiY2RlZg$") {
		t.Fatalf("hash %q does not carry the salt", hash)
	}
	again, _ := hashPassword(params, "correct horse battery", strings.NewReader("fedcba9876543210"))
	if again == hash {
		t.Fatal("two salts gave the same hash")
	}

	weaker := argonParams{memoryKiB: 1024, time: 1, threads: 2, saltLen: 8, keyLen: 16}
	weakHash, err := hashPassword(weaker, "pw", strings.NewReader("saltsalt"))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		encoded    string
		password   string
		wantOK     bool
		wantRehash bool
		wantErr    bool
	}{
		{name: "right password", encoded: hash, password: "correct horse battery", wantOK: true},
		{name: "wrong password", encoded: hash, password: "correct horse batter"},
		{name: "old parameters", encoded: weakHash, password: "pw", wantOK: true, wantRehash: true},
		{name: "old parameters wrong password", encoded: weakHash, password: "px"},
		{name: "empty", encoded: "", wantErr: true},
		{name: "argon2i", encoded: strings.Replace(hash, "argon2id", "argon2i", 1), wantErr: true},
		{name: "other version", encoded: strings.Replace(hash, "v=19", "v=16", 1), wantErr: true},
		{name: "bad parameters", encoded: strings.Replace(hash, "m=19456,t=2,p=1", "m=19456,t=2", 1), wantErr: true},
		{name: "zero time", encoded: strings.Replace(hash, "t=2", "t=0", 1), wantErr: true},
		{name: "trailing junk in parameters", encoded: strings.Replace(hash, "p=1", "p=1x", 1), wantErr: true},
		{name: "bad salt", encoded: strings.Replace(hash, "$MDEy", "$!DEy", 1), wantErr: true},
		{name: "missing key", encoded: hash[:strings.LastIndexByte(hash, '$')], wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := verifyPassword(tt.encoded, tt.password, params)
			if (err != nil) != tt.wantErr {
				t.Fatalf("verifyPassword err = %v, want error %v", err, tt.wantErr)
			}
			if ok != tt.wantOK || rehash != tt.wantRehash {
				t.Fatalf("verifyPassword = ok %v rehash %v, want %v %v", ok, rehash, tt.wantOK, tt.wantRehash)
			}
		})
	}

	t.Run("parameters parsed", func(t *testing.T) {
		t.Parallel()
		got, salt, key, err := parsePasswordHash(weakHash)
		if err != nil {
			t.Fatal(err)
		}
		if got != weaker {
			t.Fatalf("parsed %+v, want %+v", got, weaker)
		}
		if string(salt) != "saltsalt" || len(key) != 16 {
			t.Fatalf("salt %q, key length %d", salt, len(key))
		}
	})
}
