package pages

import (
	"strconv"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// privacyPage holds the privacy mode settings, "download my data" and
// account deletion (SEC-4).
type privacyPage struct {
	app.Compo
	env      *env
	settings *identityv1.PrivacySettings
	consent  string
	loaded   bool
	busy     bool
	notice   string
	err      string
	// deletion
	password string
	confirm  bool
	delForm  formState
	// dialog asks for a step-up before deleting an account that can do
	// one (ID-4); mounted is the context it continues with.
	dialog  stepUpDialog
	mounted app.Context
	// needStepUp: the account has a phone and a second factor, so the
	// service asks for a step-up before deleting it.
	needStepUp bool
	// secLoaded: the security settings were read (or failed to be), so
	// needStepUp is known and the delete button works.
	secLoaded bool
}

func (p *privacyPage) OnMount(ctx app.Context) {
	p.dialog.env, p.dialog.compo, p.dialog.mounted = p.env, &p.Compo, ctx
	p.mounted = ctx
}

func (p *privacyPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "privacy.title")
	if p.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		resp, err := p.env.rpc.Identity.GetPrivacySettings(ctx, connect.NewRequest(&identityv1.GetPrivacySettingsRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.loaded, p.settings, p.consent = true, resp.Msg.GetSettings(), resp.Msg.GetConsentVersion()
		})
	})
	ctx.Async(func() {
		resp, err := p.env.rpc.Identity.GetSecuritySettings(ctx, connect.NewRequest(&identityv1.GetSecuritySettingsRequest{}))
		// Without the settings the deletion itself tells what it needs.
		need := false
		if err == nil {
			m := resp.Msg
			need = m.GetMaskedPhone() != "" && (m.GetTotpEnrolled() || len(m.GetPasskeys()) > 0)
		}
		ctx.Dispatch(func(ctx app.Context) { p.needStepUp, p.secLoaded = need, true })
	})
}

func (p *privacyPage) Render() app.UI {
	l := p.env.lang
	s := p.settings
	if s == nil {
		s = &identityv1.PrivacySettings{}
	}
	f := &p.delForm
	return p.env.layout(
		app.Section().Class("card").Body(
			p.env.accountTabs("/account/privacy"),
			app.H1().Text(l.T("privacy.title")),
			app.P().Class("muted").Text(l.T("privacy.lead")),
			app.P().ID("privacy-notice").Class("notice").Role("status").Text(p.notice),
			app.P().ID("privacy-error").Class("form-error").Role("alert").Text(p.err),

			app.H2().Text(l.T("privacy.mode")),
			app.Form().ID("privacy-form").Class("form").NoValidate(true).OnSubmit(p.save).Body(
				// The handlers change p.settings as it is when they run: go-app
				// may keep the handlers of an earlier render.
				p.toggle("hide-reviews", l.T("privacy.hide_reviews"), s.GetHideReviews(), func(v bool) { p.edit().HideReviews = v }),
				p.toggle("hide-city", l.T("privacy.hide_city"), s.GetHideCity(), func(v bool) { p.edit().HideCity = v }),
				app.P().Class("hint").Text(l.T("privacy.hidden_items")+" "+strconv.Itoa(len(s.GetHiddenPortfolioItemIds()))+". "+l.T("privacy.hidden_hint")),
				app.Button().ID("privacy-save").Class("btn btn-primary").Type("submit").Disabled(p.busy || !p.loaded).Text(l.T("privacy.save")),
			),
			app.If(p.consent != "", func() app.UI {
				return app.P().ID("privacy-consent").Class("muted").Text(l.T("privacy.consent") + " " + p.consent)
			}),

			app.H2().Text(l.T("privacy.export")),
			app.P().Class("muted").Text(l.T("privacy.export_lead")),
			app.Button().ID("export-data").Class("btn").Type("button").Disabled(p.busy).Text(l.T("privacy.export_button")).OnClick(p.export),

			app.H2().Text(l.T("privacy.delete")),
			app.P().Class("muted").Text(l.T("privacy.delete_lead")),
			app.Form().ID("delete-form").Class("form").NoValidate(true).OnSubmit(p.deleteAccount).Body(
				f.textInput(&p.Compo, "delete-password", "password", "password", l.T("privacy.password"),
					l.T("privacy.password_hint"), "current-password", &p.password),
				app.Label().Class("check").For("delete-confirm").Body(
					app.Input().ID("delete-confirm").Type("checkbox").Checked(p.confirm).
						OnChange(func(ctx app.Context, e app.Event) { p.confirm = ctx.JSSrc().Get("checked").Bool() }),
					app.Span().Text(l.T("privacy.delete_confirm")),
				),
				f.formError(),
				app.Button().ID("delete-account").Class("btn btn-danger").Type("submit").
					Disabled(!p.confirm || f.busy || !p.secLoaded).Text(l.T("privacy.delete_button")),
			),
		),
		p.dialog.render(),
	)
}

// edit returns the settings to change, creating them if not loaded yet.
func (p *privacyPage) edit() *identityv1.PrivacySettings {
	if p.settings == nil {
		p.settings = &identityv1.PrivacySettings{}
	}
	return p.settings
}

// toggle is a labelled checkbox reporting changes to set.
func (p *privacyPage) toggle(id, label string, v bool, set func(bool)) app.UI {
	return app.Label().Class("check").For(id).Body(
		app.Input().ID(id).Type("checkbox").Checked(v).
			OnChange(func(ctx app.Context, e app.Event) { set(ctx.JSSrc().Get("checked").Bool()) }),
		app.Span().Text(label),
	)
}

func (p *privacyPage) save(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy || p.env.rpc == nil || p.settings == nil {
		return
	}
	p.busy, p.notice, p.err = true, "", ""
	req := &identityv1.UpdatePrivacySettingsRequest{Settings: p.settings}
	ctx.Async(func() {
		resp, err := p.env.rpc.Identity.UpdatePrivacySettings(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = explainWhole(p.env, err)
				return
			}
			p.settings, p.notice = resp.Msg.GetSettings(), p.env.lang.T("privacy.saved")
		})
	})
}

// export asks for the data export and hands it to the browser as a
// download.
func (p *privacyPage) export(ctx app.Context, e app.Event) {
	if p.busy || p.env.rpc == nil {
		return
	}
	p.busy, p.notice, p.err = true, "", ""
	ctx.Async(func() {
		resp, err := p.env.rpc.Identity.ExportMyData(ctx, connect.NewRequest(&identityv1.ExportMyDataRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = explainWhole(p.env, err)
				return
			}
			download(resp.Msg.GetFileName(), "application/json", resp.Msg.GetJson())
		})
	})
}

// download saves data as a file named name through a temporary link.
func download(name, contentType string, data []byte) {
	if !app.IsClient {
		return
	}
	w := app.Window()
	arr := w.Get("Uint8Array").New(len(data))
	app.CopyBytesToJS(arr, data)
	blob := w.Get("Blob").New([]any{arr}, map[string]any{"type": contentType})
	href := w.Get("URL").Call("createObjectURL", blob)
	a := w.Get("document").Call("createElement", "a")
	a.Set("href", href)
	a.Set("download", name)
	a.Set("id", "export-link")
	w.Get("document").Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	w.Get("URL").Call("revokeObjectURL", href)
}

// deleteAccount deletes the account, after a step-up when the account
// can do one (ID-4).
func (p *privacyPage) deleteAccount(ctx app.Context, e app.Event) {
	e.PreventDefault()
	f := &p.delForm
	if f.busy || !p.confirm || !p.secLoaded || p.env.rpc == nil {
		return
	}
	if !p.needStepUp {
		p.sendDelete(ctx)
		return
	}
	f.reset()
	p.dialog.run(ctx, identityv1.StepUpOperation_STEP_UP_OPERATION_DELETE_ACCOUNT, "",
		func(app.Context) { p.sendDelete(p.mounted) },
		func(msg string) { f.formErr = msg })
}

// sendDelete asks to delete the account.
func (p *privacyPage) sendDelete(ctx app.Context) {
	f := &p.delForm
	if f.busy || !p.confirm || p.env.rpc == nil {
		return
	}
	f.reset()
	f.busy = true
	req := &identityv1.DeleteAccountRequest{Password: p.password}
	ctx.Async(func() {
		_, err := p.env.rpc.Identity.DeleteAccount(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			f.busy = false
			if err != nil {
				prob := rpc.Explain(err)
				if prob.Reason == "STEP_UP_REQUIRED" {
					p.needStepUp = true // the next attempt asks for one
				}
				f.fail(p.env.lang, prob, "password")
				if prob.Reason != "" {
					f.formErr = p.env.lang.Reason(prob.Reason, "")
				}
				return
			}
			ctx.SetState(sessionState, session{Loaded: true})
			ctx.Navigate("/")
		})
	})
}

// consentPage asks a person to accept a new privacy notice (SEC-4).
type consentPage struct {
	app.Compo
	env     *env
	current string
	agree   bool
	form    formState
}

func (p *consentPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "consent.title")
	if p.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		resp, err := p.env.rpc.Identity.GetPrivacySettings(ctx, connect.NewRequest(&identityv1.GetPrivacySettingsRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.form.formErr = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.current = resp.Msg.GetCurrentConsentVersion()
		})
	})
}

func (p *consentPage) Render() app.UI {
	l := p.env.lang
	return p.env.layout(
		app.Section().Class("card card-narrow").Body(
			app.H1().Text(l.T("consent.title")),
			app.P().Class("muted").Text(l.T("consent.lead")),
			app.Form().ID("consent-form").Class("form").NoValidate(true).OnSubmit(p.accept).Body(
				app.Label().Class("check").For("consent").Body(
					app.Input().ID("consent").Type("checkbox").Checked(p.agree).
						OnChange(func(ctx app.Context, e app.Event) { p.agree = ctx.JSSrc().Get("checked").Bool() }),
					app.Span().Text(l.T("consent.agree")+" "+p.current),
				),
				p.form.errorFor("consent_version"),
				p.form.formError(),
				app.Button().ID("consent-accept").Class("btn btn-primary btn-block").Type("submit").
					Disabled(!p.agree || p.current == "" || p.form.busy).Text(l.T("consent.accept")),
			),
		),
	)
}

func (p *consentPage) accept(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.form.busy || !p.agree || p.env.rpc == nil {
		return
	}
	p.form.reset()
	p.form.busy = true
	req := &identityv1.AcceptConsentRequest{ConsentVersion: p.current}
	ctx.Async(func() {
		_, err := p.env.rpc.Identity.AcceptConsent(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			p.form.busy = false
			if err != nil {
				p.form.fail(p.env.lang, rpc.Explain(err), "consent_version")
				return
			}
			ctx.Navigate("/tasks")
		})
	})
}
