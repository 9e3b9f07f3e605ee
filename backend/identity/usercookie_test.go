package identity

import (
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// cookieNamed returns the cookie called name set by h, or nil.
func cookieNamed(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestUserIDCookie checks that SignUp and LogIn tell the edge who signed in
// (the canary buckets signed-in users by their ID, OPS-4) with a cookie that
// lives as long as the session, and that LogOut clears it.
func TestUserIDCookie(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		secure bool
	}{
		{name: "secure", secure: true},
		{name: "plain http dev", secure: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Options{})
			svc := New(b.db, b.svc.logger, Options{CookieSecure: tt.secure, SessionTTL: time.Hour, Now: func() time.Time { return start }})
			email := "uid-" + tt.name[:5] + "@example.com"
			up := signUp(t, svc, validSignUp(email))
			in, err := svc.LogIn(t.Context(), connect.NewRequest(&identityv1.LogInRequest{Email: email, Password: "correct horse battery"}))
			if err != nil {
				t.Fatalf("LogIn: %v", err)
			}
			userID := up.Msg.GetUser().GetId()
			for name, h := range map[string]http.Header{"SignUp": up.Header(), "LogIn": in.Header()} {
				c := cookieNamed(h, UserIDCookieName)
				if c == nil {
					t.Fatalf("%s set no %s cookie", name, UserIDCookieName)
				}
				if c.Value != userID || userID == "" {
					t.Fatalf("%s %s = %q, want the user ID %q", name, UserIDCookieName, c.Value, userID)
				}
				session := cookieNamed(h, auth.CookieName)
				if !c.Expires.Equal(session.Expires) || !c.Expires.Equal(start.Add(time.Hour)) {
					t.Fatalf("%s %s expires %v, session %v, want both %v", name, UserIDCookieName, c.Expires, session.Expires, start.Add(time.Hour))
				}
				if !c.HttpOnly || c.Secure != tt.secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
					t.Fatalf("%s %s = %+v, want HttpOnly, Secure=%v, SameSite=Lax, Path=/", name, UserIDCookieName, c, tt.secure)
				}
			}
			out, err := svc.LogOut(t.Context(), connect.NewRequest(&identityv1.LogOutRequest{}))
			if err != nil {
				t.Fatalf("LogOut: %v", err)
			}
			c := cookieNamed(out.Header(), UserIDCookieName)
			if c == nil || c.Value != "" || c.MaxAge >= 0 {
				t.Fatalf("LogOut %s = %v, want it cleared", UserIDCookieName, c)
			}
		})
	}
}
