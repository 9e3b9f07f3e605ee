package auth

import (
	"errors"
	"fmt"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
)

// ReasonCSRF is the google.rpc.ErrorInfo reason of a request refused as
// cross-site.
const ReasonCSRF = "CSRF"

// errCrossSite is what a refused cross-site request is told.
var errCrossSite = errors.New("cross-site request refused: call from the site itself")

// CSRF returns next guarded against cross-site request forgery. A
// state-changing request (any method but GET, HEAD and OPTIONS) that would
// be authenticated by the session cookie must come from the site itself:
// its Sec-Fetch-Site must be same-origin, or its Origin one of trusted (such
// as "https://talent.example.com") or the request's own host
// (net/http.CrossOriginProtection decides). Otherwise it is refused with
// PERMISSION_DENIED and an ErrorInfo with reason CSRF, in the protocol of the
// call. Requests with a bearer token (apps) or without the session cookie
// are not affected: a browser never adds those on another site's behalf.
//
// This is on top of the cookie's SameSite=Lax and the RPC protocols'
// non-simple content types, which older browsers or a sibling subdomain
// would get past.
func CSRF(trusted []string, next http.Handler) (http.Handler, error) {
	cop := http.NewCrossOriginProtection()
	for _, o := range trusted {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("trusted origin %q: %w", o, err)
		}
	}
	ew := connect.NewErrorWriter()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ce := connect.NewError(connect.CodePermissionDenied, errCrossSite)
		if d, err := connect.NewErrorDetail(&errdetails.ErrorInfo{Reason: ReasonCSRF, Domain: "auth.talent"}); err == nil {
			ce.AddDetail(d)
		}
		if ew.IsSupported(r) {
			_ = ew.Write(w, r, ce)
			return
		}
		http.Error(w, errCrossSite.Error(), http.StatusForbidden)
	}))
	guarded := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cookieAuthenticated(r.Header) {
			next.ServeHTTP(w, r)
			return
		}
		guarded.ServeHTTP(w, r)
	}), nil
}

// cookieAuthenticated reports whether h would be authenticated by the
// session cookie: it carries one and no bearer token.
func cookieAuthenticated(h http.Header) bool {
	if _, ok := bearerToken(h); ok {
		return false
	}
	for _, line := range h.Values("Cookie") {
		cookies, err := http.ParseCookie(line)
		if err != nil {
			continue
		}
		for _, c := range cookies {
			if c.Name == CookieName && c.Value != "" {
				return true
			}
		}
	}
	return false
}
