// Package auth decides who is calling and whether they may: it reads the
// session token from the cookie or the Authorization header, asks an
// Authenticator for the Principal behind it, and checks the access Policy
// every RPC declares (ID-3).
package auth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Roles a Principal may hold.
const (
	RoleClient   = "client"
	RoleProvider = "provider"
	RoleAdmin    = "admin"
	RoleOps      = "ops"
	RoleAuditor  = "auditor"
)

// Principal is a signed-in caller.
type Principal struct {
	UserID string
	Roles  []string
}

// HasRole reports whether p holds role.
func (p Principal) HasRole(role string) bool {
	return slices.Contains(p.Roles, role)
}

type principalKey struct{}

// WithPrincipal returns a copy of ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the Principal in ctx, if the caller is signed in.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// ErrNoSession is returned by an Authenticator when the token names no valid
// session (unknown, expired or ended).
var ErrNoSession = errors.New("no valid session")

// Authenticator turns a session token into the Principal it belongs to. It
// returns ErrNoSession for a token that is not (or no longer) valid.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Principal, error)
}

// CookieName is the name of the HttpOnly session cookie browsers keep.
const CookieName = "talent_session"

// SessionCookie returns the cookie that carries the session token to a
// browser until expires. secure marks it HTTPS-only; leave it true except in
// local development over plain HTTP.
func SessionCookie(token string, expires time.Time, secure bool) *http.Cookie {
	return &http.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     "/",
		Expires:  expires.UTC(),
		Secure:   secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// ClearSessionCookie returns a cookie that makes the browser forget the
// session cookie.
func ClearSessionCookie(secure bool) *http.Cookie {
	return &http.Cookie{
		Name:     CookieName,
		Value:    "",
		Path:     "/",
		Expires:  time.Unix(0, 0).UTC(),
		MaxAge:   -1,
		Secure:   secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// TokenFromHeader returns the session token in h: from
// "Authorization: Bearer <token>" if present, otherwise from the session
// cookie. It returns "" when there is none.
func TokenFromHeader(h http.Header) string {
	if token, ok := bearerToken(h); ok {
		return token
	}
	for _, line := range h.Values("Cookie") {
		cookies, err := http.ParseCookie(line)
		if err != nil {
			continue
		}
		for _, c := range cookies {
			if c.Name == CookieName && c.Value != "" {
				return c.Value
			}
		}
	}
	return ""
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(h http.Header) (string, bool) {
	scheme, token, ok := strings.Cut(h.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token), true
	}
	return "", false
}
