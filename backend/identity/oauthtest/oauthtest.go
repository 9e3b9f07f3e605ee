// Package oauthtest runs local stand-ins for GitHub's and WeChat's sign-in
// endpoints, for tests of the identity service and of the whole platform in
// a browser. They speak the real protocols' shapes and check what the real
// ones check: the client secret, the code, its redirect_uri, the state and
// (GitHub) the PKCE verifier. Authorization is automatic: the authorize page
// approves at once as the person set with SignInAs.
package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
)

// GitHubUser is who the GitHub stand-in says signed in.
type GitHubUser struct {
	ID    int64
	Login string
	Name  string
	// Email is the primary email; Verified says whether it is verified.
	Email    string
	Verified bool
}

// grant is an authorization code not yet redeemed.
type grant struct {
	redirectURI string
	challenge   string
	user        any
}

// server is what both stand-ins share.
type server struct {
	*httptest.Server
	clientID, secret string

	mu     sync.Mutex
	as     any
	deny   bool
	codes  map[string]grant
	tokens map[string]any
}

func (s *server) authorize(w http.ResponseWriter, r *http.Request, clientParam, challenge string) {
	q := r.URL.Query()
	if q.Get(clientParam) != s.clientID || q.Get("response_type") != "code" {
		http.Error(w, "unknown client", http.StatusBadRequest)
		return
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Host == "" {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bq := back.Query()
	bq.Set("state", q.Get("state"))
	if s.deny || s.as == nil {
		bq.Set("error", "access_denied")
	} else {
		code := rand.Text()
		s.codes[code] = grant{redirectURI: q.Get("redirect_uri"), challenge: challenge, user: s.as}
		bq.Set("code", code)
	}
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// redeem takes code, checking its redirect URI and PKCE verifier, and
// returns a new access token for its user.
func (s *server) redeem(code, redirectURI, verifier string, checkRedirect bool) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.codes[code]
	delete(s.codes, code) // single use, even when the rest is wrong
	if !ok || (checkRedirect && g.redirectURI != redirectURI) {
		return "", false
	}
	if g.challenge != "" {
		sum := sha256.Sum256([]byte(verifier))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			return "", false
		}
	}
	token := rand.Text()
	s.tokens[token] = g.user
	return token, true
}

func (s *server) user(token string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.tokens[token]
	return u, ok
}

// Deny makes the next authorizations refused by the person
// (error=access_denied), or accepted again.
func (s *server) Deny(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = deny
}

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	_ = json.NewEncoder(w).Encode(v)
}

// GitHub is a stand-in for github.com's OAuth endpoints and
// api.github.com's /user and /user/emails, on one server: use its URL for
// both.
type GitHub struct{ server }

// NewGitHub starts a GitHub stand-in for the OAuth app clientID/secret;
// Close stops it.
func NewGitHub(clientID, secret string) *GitHub {
	g := &GitHub{server{clientID: clientID, secret: secret, codes: map[string]grant{}, tokens: map[string]any{}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "PKCE S256 required by this stand-in", http.StatusBadRequest)
			return
		}
		g.authorize(w, r, "client_id", q.Get("code_challenge"))
	})
	mux.HandleFunc("POST /login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		f := r.PostForm
		// GitHub answers errors with 200 and an error parameter.
		if f.Get("client_id") != g.clientID || f.Get("client_secret") != g.secret {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			_, _ = w.Write([]byte("error=incorrect_client_credentials&error_description=The+client_id+and%2For+client_secret+passed+are+incorrect."))
			return
		}
		token, ok := g.redeem(f.Get("code"), f.Get("redirect_uri"), f.Get("code_verifier"), true)
		if !ok {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			_, _ = w.Write([]byte("error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired."))
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		_, _ = w.Write([]byte(url.Values{"access_token": {token}, "token_type": {"bearer"}, "scope": {"read:user,user:email"}}.Encode()))
	})
	apiUser := func(w http.ResponseWriter, r *http.Request) (GitHubUser, bool) {
		const prefix = "Bearer "
		h := r.Header.Get("Authorization")
		if len(h) <= len(prefix) {
			http.Error(w, `{"message":"Requires authentication"}`, http.StatusUnauthorized)
			return GitHubUser{}, false
		}
		u, ok := g.user(h[len(prefix):])
		if !ok {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return GitHubUser{}, false
		}
		return u.(GitHubUser), true
	}
	mux.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
		if u, ok := apiUser(w, r); ok {
			writeJSON(w, "application/json", map[string]any{"id": u.ID, "login": u.Login, "name": u.Name, "email": nil})
		}
	})
	mux.HandleFunc("GET /user/emails", func(w http.ResponseWriter, r *http.Request) {
		if u, ok := apiUser(w, r); ok {
			emails := []map[string]any{{"email": u.Login + "@users.noreply.github.com", "primary": false, "verified": true, "visibility": nil}}
			if u.Email != "" {
				emails = append(emails, map[string]any{"email": u.Email, "primary": true, "verified": u.Verified, "visibility": "private"})
			}
			writeJSON(w, "application/json", emails)
		}
	})
	g.Server = httptest.NewServer(mux)
	return g
}

// SignInAs makes u the person who approves the next authorizations.
func (g *GitHub) SignInAs(u GitHubUser) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.as = u
}

// WeChatUser is who the WeChat stand-in says signed in.
type WeChatUser struct {
	OpenID   string
	UnionID  string // may be empty
	Nickname string
}

// WeChat is a stand-in for open.weixin.qq.com's QR-code login and
// api.weixin.qq.com's sns/oauth2/access_token and sns/userinfo, on one
// server.
type WeChat struct{ server }

// NewWeChat starts a WeChat stand-in for the website app appID/secret;
// Close stops it.
func NewWeChat(appID, secret string) *WeChat {
	wc := &WeChat{server{clientID: appID, secret: secret, codes: map[string]grant{}, tokens: map[string]any{}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /connect/qrconnect", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("scope") != "snsapi_login" {
			writeJSON(w, "text/plain", map[string]any{"errcode": 10005, "errmsg": "scope 参数错误"})
			return
		}
		wc.authorize(w, r, "appid", "")
	})
	// WeChat answers with HTTP 200 and an errcode, as JSON labelled
	// text/plain.
	mux.HandleFunc("GET /sns/oauth2/access_token", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("appid") != wc.clientID || q.Get("secret") != wc.secret {
			writeJSON(w, "text/plain", map[string]any{"errcode": 40125, "errmsg": "invalid appsecret"})
			return
		}
		if q.Get("grant_type") != "authorization_code" {
			writeJSON(w, "text/plain", map[string]any{"errcode": 40002, "errmsg": "invalid grant_type"})
			return
		}
		wc.mu.Lock()
		g, ok := wc.codes[q.Get("code")]
		wc.mu.Unlock()
		token, ok2 := wc.redeem(q.Get("code"), "", "", false)
		if !ok || !ok2 {
			writeJSON(w, "text/plain", map[string]any{"errcode": 40029, "errmsg": "invalid code"})
			return
		}
		u := g.user.(WeChatUser)
		resp := map[string]any{"access_token": token, "expires_in": 7200, "refresh_token": rand.Text(), "openid": u.OpenID, "scope": "snsapi_login"}
		if u.UnionID != "" {
			resp["unionid"] = u.UnionID
		}
		writeJSON(w, "text/plain", resp)
	})
	mux.HandleFunc("GET /sns/userinfo", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		v, ok := wc.user(q.Get("access_token"))
		if !ok {
			writeJSON(w, "text/plain", map[string]any{"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"})
			return
		}
		u := v.(WeChatUser)
		if q.Get("openid") != u.OpenID {
			writeJSON(w, "text/plain", map[string]any{"errcode": 40003, "errmsg": "invalid openid"})
			return
		}
		resp := map[string]any{"openid": u.OpenID, "nickname": u.Nickname, "sex": 0, "province": "", "city": "", "country": "CN", "headimgurl": "", "privilege": []string{}}
		if u.UnionID != "" {
			resp["unionid"] = u.UnionID
		}
		writeJSON(w, "text/plain", resp)
	})
	wc.Server = httptest.NewServer(mux)
	return wc
}

// SignInAs makes u the person who approves the next authorizations.
func (wc *WeChat) SignInAs(u WeChatUser) {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	wc.as = u
}
