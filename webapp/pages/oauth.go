package pages

import (
	"net/url"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// providerButtons offers sign-in with the identity providers the service
// has enabled (ID-1), and shows why a provider sign-in that came back to
// this page failed (?oauth_error=).
type providerButtons struct {
	app.Compo
	env       *env
	providers []*identityv1.LoginProvider
	oauthErr  string
}

func (b *providerButtons) OnMount(ctx app.Context) {
	if reason := ctx.Page().URL().Query().Get("oauth_error"); reason != "" {
		b.oauthErr = b.env.lang.Reason(reason, "")
	}
	if b.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		resp, err := b.env.rpc.Identity.ListLoginProviders(ctx, connect.NewRequest(&identityv1.ListLoginProvidersRequest{}))
		if err != nil {
			return // no buttons: the other ways to sign in still work
		}
		ctx.Dispatch(func(app.Context) { b.providers = resp.Msg.GetProviders() })
	})
}

func (b *providerButtons) Render() app.UI {
	l := b.env.lang
	return app.Div().ID("oauth-providers").Class("oauth").Body(
		app.P().ID("oauth-error").Class("form-error").Role("alert").Text(b.oauthErr),
		app.If(len(b.providers) > 0, func() app.UI {
			return app.Div().Body(
				app.P().Class("muted oauth-or").Text(l.T("oauth.or")),
				app.Range(b.providers).Slice(func(i int) app.UI {
					p := b.providers[i]
					name, label := providerName(p.GetKind()), "oauth."+providerName(p.GetKind())
					// A full page load: /auth/ is served by talentd, not
					// by the app's router.
					start := p.GetStartPath() + "?consent=" + url.QueryEscape(ConsentVersion)
					return app.Button().ID("oauth-"+name).Class("btn btn-block btn-"+name).Type("button").
						DataSet("start", start).Text(l.T(label)).
						OnClick(func(ctx app.Context, _ app.Event) { goTo(ctx.JSSrc().Get("dataset").Get("start").String()) })
				}),
				app.P().Class("hint").Text(l.T("oauth.consent_note")),
			)
		}),
	)
}

// providerName is the path and message name of a provider kind.
func providerName(k identityv1.LoginMethodKind) string {
	switch k {
	case identityv1.LoginMethodKind_LOGIN_METHOD_KIND_GITHUB:
		return "github"
	case identityv1.LoginMethodKind_LOGIN_METHOD_KIND_WECHAT:
		return "wechat"
	case identityv1.LoginMethodKind_LOGIN_METHOD_KIND_PHONE:
		return "phone"
	default:
		return "password"
	}
}

// goTo loads path as a new page, outside the app's router.
func goTo(path string) {
	if app.IsClient {
		app.Window().Get("location").Set("href", path)
	}
}

// accountTabs links the account settings pages.
func (e *env) accountTabs(current string) app.UI {
	tab := func(id, href, key string) app.UI {
		a := app.A().ID(id).Href(href).Text(e.lang.T(key))
		if href == current {
			a = a.Aria("current", "page").Class("active")
		}
		return a
	}
	return app.Nav().Class("tabs account-tabs").Aria("label", e.lang.T("account.security")).Body(
		tab("tab-security", "/account/security", "account.security"),
		tab("tab-logins", "/account/logins", "account.logins"),
		tab("tab-privacy", "/account/privacy", "account.privacy"),
	)
}

// checkConsent sends a signed-in person whose accepted privacy notice is
// outdated to the consent page (SEC-4).
func (e *env) checkConsent(ctx app.Context) {
	if e.rpc == nil || ctx.Page().URL().Path == "/account/consent" {
		return
	}
	ctx.Async(func() {
		resp, err := e.rpc.Identity.GetPrivacySettings(ctx, connect.NewRequest(&identityv1.GetPrivacySettingsRequest{}))
		if err != nil || !resp.Msg.GetConsentRequired() {
			return
		}
		ctx.Dispatch(func(ctx app.Context) { ctx.Navigate("/account/consent") })
	})
}
