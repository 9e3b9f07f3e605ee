package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/talent-hub/talent/backend/auth"
)

// fakeAuthenticator knows a fixed set of tokens.
type fakeAuthenticator map[string]auth.Principal

func (f fakeAuthenticator) Authenticate(_ context.Context, token string) (auth.Principal, error) {
	if token == "broken" {
		return auth.Principal{}, errors.New("database is down")
	}
	p, ok := f[token]
	if !ok {
		return auth.Principal{}, auth.ErrNoSession
	}
	return p, nil
}

const (
	procPublic   = "/test.v1.TestService/Public"
	procSignedIn = "/test.v1.TestService/SignedIn"
	procClients  = "/test.v1.TestService/Clients"
	procNoPolicy = "/test.v1.TestService/NoPolicy"
)

// newServer serves the test procedures behind the auth interceptor. Each
// answers with the caller's user id in the "X-User-Id" response header.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	authn := fakeAuthenticator{
		"client-token":   {UserID: "u-client", Roles: []string{auth.RoleClient}},
		"provider-token": {UserID: "u-provider", Roles: []string{auth.RoleProvider}},
	}
	policies := auth.Policies{
		procPublic:   {Public: true},
		procSignedIn: {},
		procClients:  {Roles: []string{auth.RoleClient, auth.RoleAdmin}},
	}
	interceptors := connect.WithInterceptors(auth.NewInterceptor(authn, policies))
	mux := http.NewServeMux()
	for _, proc := range []string{procPublic, procSignedIn, procClients, procNoPolicy} {
		mux.Handle(proc, connect.NewUnaryHandler(proc,
			func(ctx context.Context, _ *connect.Request[emptypb.Empty]) (*connect.Response[emptypb.Empty], error) {
				res := connect.NewResponse(&emptypb.Empty{})
				if p, ok := auth.FromContext(ctx); ok {
					res.Header().Set("X-User-Id", p.UserID)
				}
				return res, nil
			}, interceptors))
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestInterceptor(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	tests := []struct {
		name      string
		procedure string
		header    http.Header
		wantCode  connect.Code // 0: success
		wantMsg   string
		wantUser  string
	}{
		{name: "no policy is refused", procedure: procNoPolicy,
			header:   http.Header{"Authorization": {"Bearer client-token"}},
			wantCode: connect.CodePermissionDenied, wantMsg: "no access policy declared"},
		{name: "public anonymous", procedure: procPublic},
		{name: "public signed in sees principal", procedure: procPublic,
			header: http.Header{"Authorization": {"Bearer client-token"}}, wantUser: "u-client"},
		{name: "public with stale token is anonymous", procedure: procPublic,
			header: http.Header{"Authorization": {"Bearer expired"}}},
		{name: "signed-in anonymous", procedure: procSignedIn,
			wantCode: connect.CodeUnauthenticated, wantMsg: "please log in"},
		{name: "signed-in stale token", procedure: procSignedIn,
			header:   http.Header{"Authorization": {"Bearer expired"}},
			wantCode: connect.CodeUnauthenticated, wantMsg: "please log in"},
		{name: "signed-in by bearer", procedure: procSignedIn,
			header: http.Header{"Authorization": {"Bearer provider-token"}}, wantUser: "u-provider"},
		{name: "signed-in by cookie", procedure: procSignedIn,
			header: http.Header{"Cookie": {"theme=dark; " + auth.CookieName + "=client-token"}}, wantUser: "u-client"},
		{name: "role anonymous", procedure: procClients,
			wantCode: connect.CodeUnauthenticated, wantMsg: "please log in"},
		{name: "role missing", procedure: procClients,
			header:   http.Header{"Authorization": {"Bearer provider-token"}},
			wantCode: connect.CodePermissionDenied, wantMsg: "this needs one of the roles: client, admin"},
		{name: "role held", procedure: procClients,
			header: http.Header{"Authorization": {"Bearer client-token"}}, wantUser: "u-client"},
		{name: "authenticator failure is not hidden as anonymous", procedure: procPublic,
			header: http.Header{"Authorization": {"Bearer broken"}}, wantCode: connect.CodeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client := connect.NewClient[emptypb.Empty, emptypb.Empty](srv.Client(), srv.URL+tt.procedure)
			req := connect.NewRequest(&emptypb.Empty{})
			for k, vs := range tt.header {
				for _, v := range vs {
					req.Header().Add(k, v)
				}
			}
			res, err := client.CallUnary(t.Context(), req)
			if tt.wantCode != 0 {
				if got := connect.CodeOf(err); got != tt.wantCode {
					t.Fatalf("code = %v (err %v), want %v", got, err, tt.wantCode)
				}
				if tt.wantMsg != "" {
					if got := err.(*connect.Error).Message(); got != tt.wantMsg {
						t.Fatalf("message = %q, want %q", got, tt.wantMsg)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if got := res.Header().Get("X-User-Id"); got != tt.wantUser {
				t.Fatalf("user = %q, want %q", got, tt.wantUser)
			}
		})
	}
}

func TestTokenFromHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{name: "none", header: http.Header{}, want: ""},
		{name: "bearer", header: http.Header{"Authorization": {"Bearer abc"}}, want: "abc"},
		{name: "bearer lower-case scheme", header: http.Header{"Authorization": {"bearer abc"}}, want: "abc"},
		{name: "basic is ignored", header: http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}, want: ""},
		{name: "cookie", header: http.Header{"Cookie": {"a=b; " + auth.CookieName + "=xyz"}}, want: "xyz"},
		{name: "other cookies only", header: http.Header{"Cookie": {"a=b"}}, want: ""},
		{name: "bearer wins over cookie",
			header: http.Header{"Authorization": {"Bearer abc"}, "Cookie": {auth.CookieName + "=xyz"}}, want: "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := auth.TokenFromHeader(tt.header); got != tt.want {
				t.Fatalf("TokenFromHeader = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	got := auth.SessionCookie("tok", expires, true).String()
	for _, want := range []string{auth.CookieName + "=tok", "Path=/", "Expires=Wed, 02 Jan 2030 03:04:05 GMT", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(got, want) {
			t.Fatalf("SessionCookie = %q, want it to contain %q", got, want)
		}
	}
	cleared := auth.ClearSessionCookie(false).String()
	for _, want := range []string{auth.CookieName + "=", "Max-Age=0", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cleared, want) {
			t.Fatalf("ClearSessionCookie = %q, want it to contain %q", cleared, want)
		}
	}
	if strings.Contains(cleared, "Secure") {
		t.Fatalf("ClearSessionCookie(false) = %q, want no Secure", cleared)
	}
}

func TestPrincipalContext(t *testing.T) {
	t.Parallel()
	if _, ok := auth.FromContext(t.Context()); ok {
		t.Fatal("FromContext on empty context: ok = true, want false")
	}
	ctx := auth.WithPrincipal(t.Context(), auth.Principal{UserID: "u1", Roles: []string{auth.RoleAuditor}})
	p, ok := auth.FromContext(ctx)
	if !ok || p.UserID != "u1" || !p.HasRole(auth.RoleAuditor) || p.HasRole(auth.RoleAdmin) {
		t.Fatalf("FromContext = %+v, %v; want u1 auditor", p, ok)
	}
}
