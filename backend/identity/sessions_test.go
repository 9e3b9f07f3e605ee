package identity

import (
	"errors"
	"net/http"
	"testing"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

const (
	uaChromeWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	uaWeChatIOS     = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47"
	uaFirefoxLinux  = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
)

func TestDeviceSummary(t *testing.T) {
	t.Parallel()
	tests := []struct{ ua, want string }{
		{uaChromeWindows, "Chrome on Windows"},
		{uaWeChatIOS, "WeChat on iOS"},
		{uaFirefoxLinux, "Firefox on Linux"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari on macOS"},
		{"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36 Edg/131.0", "Edge on Android"},
		{"connect-go/1.19.1 (go1.26.0)", "App"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := deviceSummary(tt.ua); got != tt.want {
			t.Errorf("deviceSummary(%q) = %q, want %q", tt.ua, got, tt.want)
		}
	}
}

// withToken returns req carrying the session token as a browser's cookie.
func withToken[T any](req *connect.Request[T], token string) *connect.Request[T] {
	req.Header().Set("Cookie", (&http.Cookie{Name: auth.CookieName, Value: token}).String())
	return req
}

// TestSessionList lists a person's sessions on three devices, ends one, and
// then logs out everywhere (ID-1).
func TestSessionList(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	signUp(t, b.svc, validSignUp("other@example.com"))
	logInOn := func(email, ua string) (string, auth.Principal) {
		t.Helper()
		req := connect.NewRequest(&identityv1.LogInRequest{Email: email, Password: "correct horse battery", WantBearerToken: true})
		req.Header().Set("User-Agent", ua)
		resp, err := b.svc.LogIn(t.Context(), req)
		if err != nil {
			t.Fatalf("LogIn: %v", err)
		}
		p, err := b.svc.Authenticate(t.Context(), resp.Msg.GetBearerToken())
		if err != nil {
			t.Fatal(err)
		}
		return resp.Msg.GetBearerToken(), p
	}
	signUp(t, b.svc, validSignUp("owner@example.com"))
	desk, p := logInOn("owner@example.com", uaChromeWindows)
	phone, _ := logInOn("owner@example.com", uaWeChatIOS)
	otherToken, otherP := logInOn("other@example.com", uaFirefoxLinux)
	ctx := auth.WithPrincipal(t.Context(), p)

	list := func(token string) []*identityv1.Session {
		t.Helper()
		resp, err := b.svc.ListSessions(ctx, withToken(connect.NewRequest(&identityv1.ListSessionsRequest{}), token))
		if err != nil {
			t.Fatalf("ListSessions: %v", err)
		}
		return resp.Msg.GetSessions()
	}
	sessions := list(desk)
	if len(sessions) != 3 { // sign-up, desk and phone
		t.Fatalf("%d sessions, want 3: %v", len(sessions), sessions)
	}
	byDevice := map[string]*identityv1.Session{}
	currents := 0
	for _, s := range sessions {
		byDevice[s.GetDevice()] = s
		if s.GetCurrent() {
			currents++
		}
		if s.GetId() == "" || s.GetCreateTime() == nil || s.GetLastSeenTime() == nil || s.GetExpireTime() == nil {
			t.Fatalf("session %v lacks fields", s)
		}
	}
	if currents != 1 || !byDevice["Chrome on Windows"].GetCurrent() || byDevice["WeChat on iOS"] == nil {
		t.Fatalf("sessions = %v, want the Chrome one current and a WeChat one", sessions)
	}

	// End the phone's session from the desk.
	phoneID := byDevice["WeChat on iOS"].GetId()
	end, err := b.svc.EndSession(ctx, withToken(connect.NewRequest(&identityv1.EndSessionRequest{SessionId: phoneID}), desk))
	if err != nil {
		t.Fatalf("EndSession: %v", err)
	}
	if sessionCookie(end.Header()) != nil {
		t.Fatal("ending another session cleared this one's cookie")
	}
	if _, err := b.svc.Authenticate(t.Context(), phone); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("the ended session still authenticates: %v", err)
	}
	if _, err := b.svc.Authenticate(t.Context(), desk); err != nil {
		t.Fatalf("the current session was ended too: %v", err)
	}

	// Ending a session again, or someone else's, or a malformed id: NOT_FOUND.
	otherSessions, err := b.svc.ListSessions(auth.WithPrincipal(t.Context(), otherP),
		withToken(connect.NewRequest(&identityv1.ListSessionsRequest{}), otherToken))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{phoneID, otherSessions.Msg.GetSessions()[0].GetId(), "not-a-uuid"} {
		_, err := b.svc.EndSession(ctx, connect.NewRequest(&identityv1.EndSessionRequest{SessionId: id}))
		if connectCode(t, err) != connect.CodeNotFound {
			t.Fatalf("EndSession(%s): %v, want not_found", id, err)
		}
	}

	// Log out everywhere: the rest end, the cookie is cleared, the other
	// person's session lives on.
	out, err := b.svc.LogOutEverywhere(ctx, withToken(connect.NewRequest(&identityv1.LogOutEverywhereRequest{}), desk))
	if err != nil {
		t.Fatalf("LogOutEverywhere: %v", err)
	}
	if got := out.Msg.GetEndedCount(); got != 2 {
		t.Fatalf("ended %d sessions, want 2", got)
	}
	if c := sessionCookie(out.Header()); c == nil || c.MaxAge >= 0 {
		t.Fatalf("LogOutEverywhere cookie = %v, want it cleared", c)
	}
	if c := cookieNamed(out.Header(), UserIDCookieName); c == nil || c.MaxAge >= 0 {
		t.Fatalf("LogOutEverywhere %s = %v, want it cleared", UserIDCookieName, c)
	}
	if _, err := b.svc.Authenticate(t.Context(), desk); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("the current session survived LogOutEverywhere: %v", err)
	}
	if _, err := b.svc.Authenticate(t.Context(), otherToken); err != nil {
		t.Fatalf("another person's session ended: %v", err)
	}
	if _, err := b.svc.ListSessions(t.Context(), connect.NewRequest(&identityv1.ListSessionsRequest{})); connectCode(t, err) != connect.CodeUnauthenticated {
		t.Fatalf("ListSessions anonymously: %v, want unauthenticated", err)
	}
}
