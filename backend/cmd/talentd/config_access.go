package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/talent-hub/talent/backend/identity"
)

// accessConfig is the configuration of sign-in with identity providers,
// cross-site request checks and privacy (ID-1, SEC-4).
type accessConfig struct {
	// PublicURL is the site's origin as browsers see it; OAuth redirect
	// URIs are built on it and RPCs from it pass the CSRF check.
	PublicURL string
	// TrustedOrigins are more origins whose pages may call the RPCs with
	// the session cookie.
	TrustedOrigins []string
	GitHub         identity.GitHubConfig
	WeChat         identity.WeChatConfig
	ConsentVersion string
	trustedList    string
}

// flags declares the access flags on fs, with defaults from env.
func (a *accessConfig) flags(fs *flag.FlagSet, env func(name, def string) string) {
	fs.StringVar(&a.PublicURL, "public-url", env("TALENT_PUBLIC_URL", "https://localhost:8443"),
		"the site's origin as browsers see it (OAuth redirect URIs, CSRF checks) [TALENT_PUBLIC_URL]")
	fs.StringVar(&a.trustedList, "trusted-origins", env("TALENT_TRUSTED_ORIGINS", ""),
		"comma-separated further origins allowed to call RPCs with the session cookie [TALENT_TRUSTED_ORIGINS]")
	fs.StringVar(&a.GitHub.ClientID, "github-client-id", env("TALENT_GITHUB_CLIENT_ID", ""),
		"GitHub OAuth app client ID; empty disables GitHub sign-in [TALENT_GITHUB_CLIENT_ID]")
	fs.StringVar(&a.GitHub.ClientSecret, "github-client-secret", env("TALENT_GITHUB_CLIENT_SECRET", ""),
		"GitHub OAuth app client secret [TALENT_GITHUB_CLIENT_SECRET]")
	fs.StringVar(&a.GitHub.URL, "github-url", env("TALENT_GITHUB_URL", identity.DefaultGitHubURL),
		"GitHub web base URL (authorize, token) [TALENT_GITHUB_URL]")
	fs.StringVar(&a.GitHub.APIURL, "github-api-url", env("TALENT_GITHUB_API_URL", identity.DefaultGitHubAPIURL),
		"GitHub REST API base URL [TALENT_GITHUB_API_URL]")
	fs.StringVar(&a.WeChat.AppID, "wechat-app-id", env("TALENT_WECHAT_APP_ID", ""),
		"WeChat Open Platform website app AppID; empty disables WeChat sign-in [TALENT_WECHAT_APP_ID]")
	fs.StringVar(&a.WeChat.AppSecret, "wechat-app-secret", env("TALENT_WECHAT_APP_SECRET", ""),
		"WeChat Open Platform AppSecret [TALENT_WECHAT_APP_SECRET]")
	fs.StringVar(&a.WeChat.URL, "wechat-url", env("TALENT_WECHAT_URL", identity.DefaultWeChatURL),
		"WeChat QR-code login base URL [TALENT_WECHAT_URL]")
	fs.StringVar(&a.WeChat.APIURL, "wechat-api-url", env("TALENT_WECHAT_API_URL", identity.DefaultWeChatAPIURL),
		"WeChat API base URL (sns/oauth2, sns/userinfo) [TALENT_WECHAT_API_URL]")
	fs.StringVar(&a.ConsentVersion, "consent-version", env("TALENT_CONSENT_VERSION", identity.DefaultConsentVersion),
		"privacy notice version in force; raising it asks everyone to accept again [TALENT_CONSENT_VERSION]")
}

// check validates a after parsing and fills TrustedOrigins.
func (a *accessConfig) check() []error {
	var errs []error
	if err := checkOrigin(a.PublicURL); err != nil {
		errs = append(errs, fmt.Errorf("--public-url: %w", err))
	}
	for part := range strings.SplitSeq(a.trustedList, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		if err := checkOrigin(part); err != nil {
			errs = append(errs, fmt.Errorf("--trusted-origins: %w", err))
			continue
		}
		a.TrustedOrigins = append(a.TrustedOrigins, part)
	}
	if (a.GitHub.ClientID == "") != (a.GitHub.ClientSecret == "") {
		errs = append(errs, errors.New("--github-client-id and --github-client-secret go together"))
	}
	if (a.WeChat.AppID == "") != (a.WeChat.AppSecret == "") {
		errs = append(errs, errors.New("--wechat-app-id and --wechat-app-secret go together"))
	}
	if a.ConsentVersion == "" {
		errs = append(errs, errors.New("--consent-version is empty"))
	}
	return errs
}

// checkOrigin accepts "scheme://host[:port]" and nothing more.
func checkOrigin(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("%q is not an origin such as https://talent.example.com", s)
	}
	return nil
}

// origins are the origins allowed to call RPCs with the session cookie.
func (a accessConfig) origins() []string {
	return append([]string{strings.TrimRight(a.PublicURL, "/")}, a.TrustedOrigins...)
}

// oauth returns the identity service's OAuth options.
func (a accessConfig) oauth() identity.OAuthOptions {
	return identity.OAuthOptions{PublicURL: strings.TrimRight(a.PublicURL, "/"), GitHub: a.GitHub, WeChat: a.WeChat}
}

// LogValue implements slog.LogValuer, with the secrets masked.
func (a accessConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("public_url", a.PublicURL),
		slog.Any("trusted_origins", a.TrustedOrigins),
		slog.String("github_client_id", a.GitHub.ClientID),
		slog.String("github_client_secret", mask(a.GitHub.ClientSecret)),
		slog.String("github_url", a.GitHub.URL),
		slog.String("github_api_url", a.GitHub.APIURL),
		slog.String("wechat_app_id", a.WeChat.AppID),
		slog.String("wechat_app_secret", mask(a.WeChat.AppSecret)),
		slog.String("wechat_url", a.WeChat.URL),
		slog.String("wechat_api_url", a.WeChat.APIURL),
		slog.String("consent_version", a.ConsentVersion),
	)
}
