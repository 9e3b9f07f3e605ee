package identity

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// Sign-in with GitHub and WeChat (ID-1), in the browser:
//
//	GET /auth/{provider}/start[?mode=link][&consent=<version>]
//	  -> 302 to the provider, with a random state (and, for GitHub, a PKCE
//	     challenge); the state also goes into a short-lived HttpOnly cookie,
//	     which binds the flow to this browser, and the flow itself into Redis
//	     under the state's hash, so that each state is used once.
//	GET /auth/{provider}/callback?code=...&state=...
//	  -> the state must match the cookie and a stored flow; the code is
//	     exchanged, and the person is signed in (mode login) or the provider
//	     account is linked to the signed-in account (mode link).
//
// A provider account already linked signs its owner in. One that is not
// creates an account, except that when its verified email belongs to an
// existing account nothing is merged: the person is asked to log in to that
// account and link the provider from account settings (EMAIL_IN_USE).
// Outcomes reach the pages as a redirect, with ?oauth_error=<REASON> on
// failure.

// OAuthOptions configure sign-in with identity providers. A provider whose
// credentials are empty is disabled.
type OAuthOptions struct {
	// PublicURL is the site's origin as browsers see it
	// ("https://talent.example.com"); redirect URIs are built on it.
	PublicURL string
	GitHub    GitHubConfig
	WeChat    WeChatConfig
	// HTTPClient calls the providers; nil means one with a 15 s timeout.
	HTTPClient *http.Client
}

// Reasons sent to the pages as ?oauth_error=.
const (
	ReasonOAuthState       = "OAUTH_STATE_INVALID"
	ReasonOAuthDenied      = "OAUTH_DENIED"
	ReasonOAuthFailed      = "OAUTH_FAILED"
	ReasonEmailInUse       = "OAUTH_EMAIL_IN_USE"
	ReasonConsentRequired  = "OAUTH_CONSENT_REQUIRED"
	ReasonAlreadyLinked    = "OAUTH_ALREADY_LINKED"
	ReasonProviderLinked   = "OAUTH_PROVIDER_LINKED"
	ReasonLinkNeedsSession = "OAUTH_LINK_NEEDS_LOGIN"
)

const (
	// oauthCookieName holds the state of a flow in progress, on /auth/ only.
	oauthCookieName = "talent_oauth"
	// oauthFlowTTL is how long a person has to finish at the provider.
	oauthFlowTTL = 10 * time.Minute
	// Modes of a flow.
	modeLogIn = "login"
	modeLink  = "link"
)

// oauthFlow is what the start of a flow leaves for its callback.
type oauthFlow struct {
	Provider string `json:"provider"`
	Mode     string `json:"mode"`
	Verifier string `json:"verifier"`
	// UserID is the account to link to, in mode link.
	UserID string `json:"user_id,omitempty"`
	// Consent is the privacy notice version accepted on the page that
	// started a login, used when the login creates an account.
	Consent string `json:"consent,omitempty"`
}

// newProviders returns the enabled providers of o.
func newProviders(o OAuthOptions) map[string]oauthProvider {
	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	ps := map[string]oauthProvider{}
	if o.GitHub.ClientID != "" && o.GitHub.ClientSecret != "" {
		cfg := o.GitHub
		cfg.URL = cmp.Or(cfg.URL, DefaultGitHubURL)
		cfg.APIURL = cmp.Or(cfg.APIURL, DefaultGitHubAPIURL)
		ps[providerGitHub] = &github{cfg: cfg, client: client}
	}
	if o.WeChat.AppID != "" && o.WeChat.AppSecret != "" {
		cfg := o.WeChat
		cfg.URL = cmp.Or(cfg.URL, DefaultWeChatURL)
		cfg.APIURL = cmp.Or(cfg.APIURL, DefaultWeChatAPIURL)
		ps[providerWeChat] = &wechat{cfg: cfg, client: client}
	}
	return ps
}

// OAuthHandler serves /auth/{provider}/start and /auth/{provider}/callback.
// Mount it at "/auth/" on the same origin as the pages.
func (s *Service) OAuthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth/{provider}/start", s.oauthStart)
	mux.HandleFunc("GET /auth/{provider}/callback", s.oauthCallback)
	return mux
}

func (s *Service) redirectURI(provider string) string {
	return strings.TrimRight(s.publicURL, "/") + "/auth/" + provider + "/callback"
}

// oauthStart sends the browser to the provider.
func (s *Service) oauthStart(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("provider")
	p, ok := s.providers[name]
	if !ok || s.rdb == nil {
		http.NotFound(w, r)
		return
	}
	back := "/login"
	if r.URL.Query().Get("mode") == modeLink {
		back = linkPage
	}
	// Each start stores a flow: limited per client IP like password logins.
	if s.limits != nil {
		err := s.limits.allow(r.Context(), "oauth-ip", ipBucket(s.requestIP(r)), s.limits.limits.LogInPerIP)
		if rl, ok := errors.AsType[*RetryLaterError](err); ok {
			s.oauthFail(w, r, back, rl.Reason, "too many starts", nil)
			return
		}
		if err != nil {
			s.oauthFail(w, r, back, ReasonOAuthFailed, "rate limit", err)
			return
		}
	}
	flow := oauthFlow{Provider: name, Mode: modeLogIn, Verifier: oauth2.GenerateVerifier()}
	if r.URL.Query().Get("mode") == modeLink {
		// Linking changes the account: refuse a start from another site,
		// as for RPCs (the session cookie is SameSite=Lax and would go
		// along with a cross-site link).
		if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			s.oauthFail(w, r, back, ReasonOAuthState, "link started from another site", nil)
			return
		}
		principal, err := s.Authenticate(r.Context(), auth.TokenFromHeader(r.Header))
		if err != nil {
			s.oauthFail(w, r, "/login", ReasonLinkNeedsSession, "link without a session", nil)
			return
		}
		flow.Mode, flow.UserID = modeLink, principal.UserID
	} else if c := r.URL.Query().Get("consent"); c != "" && len(c) <= maxConsentVersionLen {
		// As in SignUp, the version the page showed; an outdated one is
		// caught by the consent check after sign-in.
		flow.Consent = c
	}
	state := rand.Text()
	data, err := json.Marshal(flow)
	if err != nil {
		s.oauthFail(w, r, back, ReasonOAuthFailed, "encode flow", err)
		return
	}
	if err := s.rdb.Set(r.Context(), oauthFlowKey(state), data, oauthFlowTTL).Err(); err != nil {
		s.oauthFail(w, r, back, ReasonOAuthFailed, "store flow", err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     oauthCookieName,
		Value:    state,
		Path:     "/auth/",
		MaxAge:   int(oauthFlowTTL / time.Second),
		Secure:   s.cookieSecure,
		HttpOnly: true,
		// Lax: the provider's redirect back is a top-level GET navigation.
		SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.authURL(state, flow.Verifier, s.redirectURI(name)), http.StatusFound)
}

func oauthFlowKey(state string) string {
	h := sha256.Sum256([]byte(state))
	return "identity:oauth:" + hex.EncodeToString(h[:])
}

// linkPage is the account settings page that lists login methods.
const linkPage = "/account/logins"

// oauthCallback finishes a flow.
func (s *Service) oauthCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("provider")
	p, ok := s.providers[name]
	if !ok || s.rdb == nil {
		http.NotFound(w, r)
		return
	}
	// The flow cookie is single-use whatever happens.
	http.SetCookie(w, &http.Cookie{Name: oauthCookieName, Path: "/auth/", MaxAge: -1, Secure: s.cookieSecure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	state := q.Get("state")
	cookie, err := r.Cookie(oauthCookieName)
	if state == "" || err != nil || subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(state)) != 1 {
		s.oauthFail(w, r, "/login", ReasonOAuthState, "state does not match this browser's", nil)
		return
	}
	data, err := s.rdb.GetDel(ctx, oauthFlowKey(state)).Bytes()
	var flow oauthFlow
	if err == nil {
		err = json.Unmarshal(data, &flow)
	}
	if err != nil || flow.Provider != name {
		s.oauthFail(w, r, "/login", ReasonOAuthState, "unknown, used or expired state", nil)
		return
	}
	back := "/login"
	if flow.Mode == modeLink {
		back = linkPage
	}
	code := q.Get("code")
	if code == "" {
		// GitHub sends error=access_denied; WeChat just no code.
		s.oauthFail(w, r, back, ReasonOAuthDenied, "no code: "+q.Get("error"), nil)
		return
	}
	acct, err := p.exchange(ctx, code, flow.Verifier, s.redirectURI(name))
	if err != nil {
		s.auditAlone(ctx, auditEntry{action: auditLoginFailed, detail: map[string]any{"method": name, "error": "provider refused the code"}, ip: s.requestIP(r)})
		s.oauthFail(w, r, back, ReasonOAuthFailed, "exchange code", err)
		return
	}
	ctx = withClient(ctx, r.Header.Get("User-Agent"), s.requestIP(r))
	if flow.Mode == modeLink {
		s.finishLink(w, r.WithContext(ctx), name, flow, acct)
		return
	}
	s.finishLogIn(w, r.WithContext(ctx), name, flow, acct)
}

// finishLogIn signs in the owner of acct, creating an account for a new
// person.
func (s *Service) finishLogIn(w http.ResponseWriter, r *http.Request, provider string, flow oauthFlow, acct externalAccount) {
	ctx := r.Context()
	user, created, token, expires, err := s.logInWithProvider(ctx, provider, flow, acct)
	var reason string
	switch {
	case errors.Is(err, ErrEmailTaken):
		reason = ReasonEmailInUse
	case errors.Is(err, errConsentMissing):
		reason = ReasonConsentRequired
	case err != nil:
		reason = ReasonOAuthFailed
	}
	if err != nil {
		s.oauthFail(w, r, "/login", reason, "log in with "+provider, err)
		return
	}
	s.setSessionCookies(w.Header(), token, user.ID, expires)
	next := "/"
	if user.ConsentVersion != s.consentVersion {
		next = consentPage
	}
	s.logger.InfoContext(ctx, "signed in with provider", "provider", provider, "user_id", user.ID, "created", created)
	http.Redirect(w, r, next, http.StatusFound)
}

// consentPage asks for a newer privacy notice to be accepted.
const consentPage = "/account/consent"

// errConsentMissing means a provider login would create an account but the
// page that started it did not carry the current privacy notice version.
var errConsentMissing = errors.New("creating an account needs consent to the privacy notice")

func (s *Service) logInWithProvider(ctx context.Context, provider string, flow oauthFlow, acct externalAccount) (user db.User, created bool, token string, expires time.Time, err error) {
	ip := clientFrom(ctx).ip
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return user, false, "", time.Time{}, fmt.Errorf("begin provider login: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	user, err = q.GetLoginIdentityUser(ctx, db.GetLoginIdentityUserParams{Provider: provider, Subject: acct.subject})
	nameReplaced := false
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		user, nameReplaced, err = s.createProviderUser(ctx, tx, provider, flow, acct)
		if err != nil {
			return user, false, "", time.Time{}, err
		}
		created = true
	case err != nil:
		return user, false, "", time.Time{}, fmt.Errorf("get login identity: %w", err)
	}
	token, expires, err = s.startSession(ctx, q, user.ID)
	if err != nil {
		return user, false, "", time.Time{}, err
	}
	detail := map[string]any{"method": provider, "created": created}
	if nameReplaced {
		// The name at the provider was refused by the keyword lists (SEC-5).
		detail["name_replaced"] = true
	}
	err = s.audit(ctx, tx, auditEntry{actor: user.ID, action: auditLogin, detail: detail, ip: ip})
	if err != nil {
		return user, false, "", time.Time{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return user, false, "", time.Time{}, fmt.Errorf("commit provider login: %w", err)
	}
	return user, created, token, expires, nil
}

// createProviderUser makes an account for a person new to the platform who
// signed in with a provider. Its display name is the one there unless the
// keyword lists refuse it (providerName); nameReplaced reports that.
func (s *Service) createProviderUser(ctx context.Context, tx pgx.Tx, provider string, flow oauthFlow, acct externalAccount) (user db.User, nameReplaced bool, err error) {
	q := db.New(tx)
	var email *string
	if acct.email != "" {
		e := strings.ToLower(strings.TrimSpace(acct.email))
		// No silent merge: an existing account with this email must sign in
		// and link the provider itself.
		_, err := q.GetUserByEmail(ctx, e)
		if err == nil {
			return db.User{}, false, ErrEmailTaken
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return db.User{}, false, fmt.Errorf("get user by email: %w", err)
		}
		email = &e
	}
	if flow.Consent == "" {
		return db.User{}, false, errConsentMissing
	}
	name, verdict, nameReplaced := s.providerName(ctx, provider, acct)
	if nameReplaced {
		s.logger.InfoContext(ctx, "the display name at the provider is not allowed; using another", "provider", provider, "name", name)
	}
	hash, err := hashPassword(s.params, rand.Text(), rand.Reader)
	if err != nil {
		return db.User{}, false, fmt.Errorf("hash password: %w", err)
	}
	user, err = q.CreateProviderUser(ctx, db.CreateProviderUserParams{
		Email:          email,
		PasswordHash:   hash,
		DisplayName:    name,
		Roles:          []string{auth.RoleClient},
		ConsentVersion: flow.Consent,
		ConsentTime:    s.now(),
	})
	if err != nil {
		return db.User{}, false, fmt.Errorf("create provider user: %w", err)
	}
	err = q.CreateLoginIdentity(ctx, db.CreateLoginIdentityParams{
		Provider: provider, Subject: acct.subject, UserID: user.ID, Login: clip(acct.login, 200), CreateTime: s.now(),
	})
	if err != nil {
		return db.User{}, false, fmt.Errorf("create login identity: %w", err)
	}
	if err := queueName(ctx, tx, user.ID, verdict); err != nil {
		return db.User{}, false, err
	}
	return user, nameReplaced, nil
}

// providerDisplayName picks a display name (1 to 60 characters) for a new
// account.
func providerDisplayName(provider string, acct externalAccount) string {
	name := strings.TrimSpace(cmp.Or(acct.name, acct.login))
	if name == "" {
		if provider == providerWeChat {
			return "WeChat user"
		}
		return "GitHub user"
	}
	return clip(name, 60)
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// finishLink links acct to the account that started the flow, which must
// still be the one signed in in this browser.
func (s *Service) finishLink(w http.ResponseWriter, r *http.Request, provider string, flow oauthFlow, acct externalAccount) {
	ctx := r.Context()
	principal, err := s.Authenticate(ctx, auth.TokenFromHeader(r.Header))
	if err != nil || principal.UserID != flow.UserID {
		s.oauthFail(w, r, "/login", ReasonLinkNeedsSession, "link: session changed", nil)
		return
	}
	userID, err := uuid.Parse(principal.UserID)
	if err != nil {
		s.oauthFail(w, r, "/login", ReasonLinkNeedsSession, "link: bad user id", nil)
		return
	}
	if reason, err := s.link(ctx, userID, provider, acct); err != nil {
		s.oauthFail(w, r, linkPage, reason, "link "+provider, err)
		return
	}
	http.Redirect(w, r, linkPage+"?linked="+provider, http.StatusFound)
}

func (s *Service) link(ctx context.Context, userID uuid.UUID, provider string, acct externalAccount) (string, error) {
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return ReasonOAuthFailed, fmt.Errorf("begin link: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	owner, err := q.GetLoginIdentityUser(ctx, db.GetLoginIdentityUserParams{Provider: provider, Subject: acct.subject})
	switch {
	case err == nil && owner.ID == userID:
		return "", nil // linked already
	case err == nil:
		return ReasonAlreadyLinked, errors.New("provider account belongs to another account")
	case !errors.Is(err, pgx.ErrNoRows):
		return ReasonOAuthFailed, fmt.Errorf("get login identity: %w", err)
	}
	if _, err := q.LockUser(ctx, userID); err != nil {
		return ReasonOAuthFailed, fmt.Errorf("lock user: %w", err)
	}
	ids, err := q.ListLoginIdentities(ctx, userID)
	if err != nil {
		return ReasonOAuthFailed, fmt.Errorf("list login identities: %w", err)
	}
	for _, id := range ids {
		if id.Provider == provider {
			return ReasonProviderLinked, errors.New("another account of this provider is linked")
		}
	}
	err = q.CreateLoginIdentity(ctx, db.CreateLoginIdentityParams{
		Provider: provider, Subject: acct.subject, UserID: userID, Login: clip(acct.login, 200), CreateTime: s.now(),
	})
	if err != nil {
		return ReasonOAuthFailed, fmt.Errorf("create login identity: %w", err)
	}
	err = s.audit(ctx, tx, auditEntry{actor: userID, action: auditLink, detail: map[string]any{"provider": provider}, ip: clientFrom(ctx).ip})
	if err != nil {
		return ReasonOAuthFailed, err
	}
	if err := tx.Commit(ctx); err != nil {
		return ReasonOAuthFailed, fmt.Errorf("commit link: %w", err)
	}
	return "", nil
}

// oauthFail logs why a flow failed and sends the browser back to page with
// the reason.
func (s *Service) oauthFail(w http.ResponseWriter, r *http.Request, page, reason, why string, err error) {
	level := s.logger.InfoContext
	if reason == ReasonOAuthFailed && err != nil && !errors.Is(err, errProviderRefused) {
		level = s.logger.WarnContext
	}
	level(r.Context(), "sign-in with provider failed", "provider", r.PathValue("provider"), "reason", reason, "why", why, "err", err)
	http.Redirect(w, r, page+"?oauth_error="+url.QueryEscape(reason), http.StatusFound)
}

// requestIP is the client address of a plain HTTP request.
func (s *Service) requestIP(r *http.Request) string {
	return clientIP(r.RemoteAddr, r.Header, s.trusted)
}

// loginKind returns the LoginMethodKind of a provider.
func loginKind(provider string) identityv1.LoginMethodKind {
	switch provider {
	case providerGitHub:
		return identityv1.LoginMethodKind_LOGIN_METHOD_KIND_GITHUB
	case providerWeChat:
		return identityv1.LoginMethodKind_LOGIN_METHOD_KIND_WECHAT
	default:
		return identityv1.LoginMethodKind_LOGIN_METHOD_KIND_UNSPECIFIED
	}
}

// providerOf returns the provider of a LoginMethodKind, or "".
func providerOf(kind identityv1.LoginMethodKind) string {
	switch kind {
	case identityv1.LoginMethodKind_LOGIN_METHOD_KIND_GITHUB:
		return providerGitHub
	case identityv1.LoginMethodKind_LOGIN_METHOD_KIND_WECHAT:
		return providerWeChat
	default:
		return ""
	}
}

// ListLoginProviders lists the enabled providers.
func (s *Service) ListLoginProviders(context.Context, *connect.Request[identityv1.ListLoginProvidersRequest]) (*connect.Response[identityv1.ListLoginProvidersResponse], error) {
	resp := &identityv1.ListLoginProvidersResponse{}
	if s.rdb != nil {
		for _, name := range []string{providerGitHub, providerWeChat} {
			if _, ok := s.providers[name]; ok {
				resp.Providers = append(resp.Providers, &identityv1.LoginProvider{Kind: loginKind(name), StartPath: "/auth/" + name + "/start"})
			}
		}
	}
	return connect.NewResponse(resp), nil
}
