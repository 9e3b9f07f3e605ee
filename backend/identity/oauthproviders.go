package identity

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// Identity providers, as stored in login_identities.provider and used in
// the /auth/{provider}/... paths.
const (
	providerGitHub = "github"
	providerWeChat = "wechat"
)

// Default endpoints of the providers; tests and staging point them at
// stand-ins.
const (
	DefaultGitHubURL    = "https://github.com"
	DefaultGitHubAPIURL = "https://api.github.com"
	DefaultWeChatURL    = "https://open.weixin.qq.com"
	DefaultWeChatAPIURL = "https://api.weixin.qq.com"
)

// GitHubConfig is a GitHub OAuth app. GitHub login is enabled when
// ClientID and ClientSecret are set.
type GitHubConfig struct {
	ClientID     string
	ClientSecret string
	// URL is where people authorize (https://github.com); APIURL is the
	// REST API (https://api.github.com). Empty means the defaults.
	URL    string
	APIURL string
}

// WeChatConfig is a WeChat Open Platform website application (网站应用).
// WeChat login is enabled when AppID and AppSecret are set.
type WeChatConfig struct {
	AppID     string
	AppSecret string
	// URL serves the QR-code login page (https://open.weixin.qq.com);
	// APIURL the token and user info API (https://api.weixin.qq.com).
	URL    string
	APIURL string
}

// externalAccount is who a provider says signed in.
type externalAccount struct {
	// subject is the provider's stable id of the person.
	subject string
	// login is their handle there (GitHub login, WeChat nickname).
	login string
	// name is their display name, if any.
	name string
	// email is a verified email, or "".
	email string
}

// errProviderRefused means the provider refused the code or the token; the
// person sees "sign-in failed, try again".
var errProviderRefused = errors.New("the identity provider refused the sign-in")

// oauthProvider is one identity provider's side of the authorization-code
// flow: GitHub speaks OAuth 2 with PKCE; WeChat a variant of its own.
type oauthProvider interface {
	// authURL is where the browser goes to sign in.
	authURL(state, verifier, redirectURI string) string
	// exchange trades the code from the callback for the account.
	exchange(ctx context.Context, code, verifier, redirectURI string) (externalAccount, error)
}

// github signs people in with GitHub (OAuth 2 authorization code with
// PKCE), then reads the user and their verified primary email from the API.
type github struct {
	cfg    GitHubConfig
	client *http.Client
}

func (g *github) oauth(redirectURI string) *oauth2.Config {
	base := strings.TrimRight(g.cfg.URL, "/")
	return &oauth2.Config{
		ClientID:     g.cfg.ClientID,
		ClientSecret: g.cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   base + "/login/oauth/authorize",
			TokenURL:  base + "/login/oauth/access_token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURI,
		Scopes:      []string{"read:user", "user:email"},
	}
}

func (g *github) authURL(state, verifier, redirectURI string) string {
	return g.oauth(redirectURI).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
}

func (g *github) exchange(ctx context.Context, code, verifier, redirectURI string) (externalAccount, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, g.client)
	cfg := g.oauth(redirectURI)
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return externalAccount{}, fmt.Errorf("%w: github token: %w", errProviderRefused, err)
	}
	api := cfg.Client(ctx, tok)
	var user struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
		Name  string `json:"name"`
	}
	if err := g.get(ctx, api, "/user", &user); err != nil {
		return externalAccount{}, err
	}
	if user.ID == 0 {
		return externalAccount{}, fmt.Errorf("%w: github user without id", errProviderRefused)
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := g.get(ctx, api, "/user/emails", &emails); err != nil {
		return externalAccount{}, err
	}
	acct := externalAccount{subject: strconv.FormatInt(user.ID, 10), login: user.Login, name: user.Name}
	for _, e := range emails {
		if e.Primary && e.Verified {
			acct.email = e.Email
		}
	}
	return acct, nil
}

// get reads one GitHub REST API resource as JSON into v.
func (g *github) get(ctx context.Context, api *http.Client, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(g.cfg.APIURL, "/")+path, nil)
	if err != nil {
		return fmt.Errorf("github %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	resp, err := api.Do(req)
	if err != nil {
		return fmt.Errorf("github %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: github %s: HTTP %d", errProviderRefused, path, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("github %s: decode: %w", path, err)
	}
	return nil
}

// wechat signs people in with WeChat Open Platform web login: a QR code at
// /connect/qrconnect, then /sns/oauth2/access_token and /sns/userinfo.
// WeChat departs from OAuth 2 where x/oauth2 would need it: the client is
// "appid" and "secret" in a GET query, and errors come as HTTP 200 with an
// "errcode" in the JSON body. It has no PKCE; the state check remains.
type wechat struct {
	cfg    WeChatConfig
	client *http.Client
}

func (w *wechat) authURL(state, _, redirectURI string) string {
	// WeChat's documentation gives the parameters in this order, and the
	// fragment is required.
	return strings.TrimRight(w.cfg.URL, "/") + "/connect/qrconnect?appid=" + url.QueryEscape(w.cfg.AppID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) + "&response_type=code&scope=snsapi_login&state=" +
		url.QueryEscape(state) + "#wechat_redirect"
}

// wechatError is the error shape of every WeChat API answer.
type wechatError struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

func (w *wechat) exchange(ctx context.Context, code, _, _ string) (externalAccount, error) {
	var tok struct {
		wechatError
		AccessToken string `json:"access_token"`
		OpenID      string `json:"openid"`
		UnionID     string `json:"unionid"`
		Scope       string `json:"scope"`
	}
	err := w.get(ctx, "/sns/oauth2/access_token", url.Values{
		"appid":      {w.cfg.AppID},
		"secret":     {w.cfg.AppSecret},
		"code":       {code},
		"grant_type": {"authorization_code"},
	}, &tok, &tok.wechatError)
	if err != nil {
		return externalAccount{}, err
	}
	if tok.AccessToken == "" || tok.OpenID == "" {
		return externalAccount{}, fmt.Errorf("%w: wechat token without access_token or openid", errProviderRefused)
	}
	var info struct {
		wechatError
		OpenID   string `json:"openid"`
		UnionID  string `json:"unionid"`
		Nickname string `json:"nickname"`
	}
	err = w.get(ctx, "/sns/userinfo", url.Values{
		"access_token": {tok.AccessToken},
		"openid":       {tok.OpenID},
	}, &info, &info.wechatError)
	if err != nil {
		return externalAccount{}, err
	}
	// The unionid is the same across the company's WeChat apps (web, mini
	// program); without one (app not bound to an Open Platform account)
	// the openid is this app's stable id.
	subject := cmp.Or(info.UnionID, tok.UnionID, tok.OpenID)
	return externalAccount{subject: subject, login: info.Nickname, name: info.Nickname}, nil
}

// get calls a WeChat API and decodes its JSON answer into v, reporting the
// errcode that errPart received.
func (w *wechat) get(ctx context.Context, path string, q url.Values, v any, errPart *wechatError) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(w.cfg.APIURL, "/")+path+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("wechat %s: %w", path, err)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("wechat %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: wechat %s: HTTP %d", errProviderRefused, path, resp.StatusCode)
	}
	// WeChat answers JSON, often labelled text/plain.
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("wechat %s: decode: %w", path, err)
	}
	if errPart.ErrCode != 0 {
		return fmt.Errorf("%w: wechat %s: errcode %d: %s", errProviderRefused, path, errPart.ErrCode, errPart.ErrMsg)
	}
	return nil
}
