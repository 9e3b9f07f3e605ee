package pages

import (
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// signUpFields are the sign-up form's fields in display order.
var signUpFields = []string{"display_name", "email", "password", "roles", "consent_version"}

// signUpFocus maps a field to the control that receives focus for it.
var signUpFocus = map[string]string{
	"display_name": "display-name", "email": "email", "password": "password",
	"roles": "role-client", "consent_version": "consent",
}

// signUpPage creates an account.
type signUpPage struct {
	app.Compo
	env  *env
	in   signUpInput
	form formState
}

func newSignUpPage(e *env) *signUpPage {
	return &signUpPage{env: e, in: signUpInput{client: true}}
}

func (p *signUpPage) OnNav(ctx app.Context) { p.env.title(ctx, "signup.title") }

func (p *signUpPage) Render() app.UI {
	l := p.env.lang
	f := &p.form
	return p.env.layout(
		app.Section().Class("card card-narrow").Body(
			app.H1().Text(l.T("signup.title")),
			app.P().Class("muted").Body(
				app.Text(l.T("signup.lead")+" "),
				app.A().Href("/login").Text(l.T("nav.login")),
				app.Text(" · "),
				app.A().ID("use-phone").Href("/signup/phone").Text(l.T("phone.use_phone")),
			),
			app.Form().ID("signup-form").Class("form").Method("post").NoValidate(true).OnSubmit(p.submit).Body(
				f.textInput(&p.Compo, "display-name", "display_name", "text", l.T("signup.display_name"),
					l.T("signup.display_hint"), "nickname", &p.in.displayName),
				f.textInput(&p.Compo, "email", "email", "email", l.T("signup.email"), "", "email", &p.in.email),
				f.textInput(&p.Compo, "password", "password", "password", l.T("signup.password"),
					l.T("signup.password_hint"), "new-password", &p.in.password),
				app.FieldSet().Class(fieldClass(f, "roles")).Aria("describedby", "error-roles").Body(
					app.Legend().Text(l.T("signup.roles")),
					p.checkbox("role-client", "roles", l.T("signup.role_client"), &p.in.client),
					p.checkbox("role-provider", "roles", l.T("signup.role_provider"), &p.in.provider),
					f.errorFor("roles"),
				),
				app.Div().Class(fieldClass(f, "consent_version")).Body(
					p.checkbox("consent", "consent_version", l.T("signup.consent"), &p.in.consent),
					f.errorFor("consent_version"),
				),
				f.formError(),
				f.submitButton("signup-submit", l.T("signup.submit"), l.T("common.working")),
			),
			&providerButtons{env: p.env},
		),
	)
}

// checkbox is a labelled checkbox bound to *v.
func (p *signUpPage) checkbox(id, field, label string, v *bool) app.UI {
	return app.Label().Class("check").For(id).Body(
		app.Input().ID(id).Type("checkbox").Checked(*v).
			Aria("describedby", "error-"+field).
			OnChange(func(ctx app.Context, e app.Event) {
				*v = ctx.JSSrc().Get("checked").Bool()
				delete(p.form.errs, field)
			}),
		app.Span().Text(label),
	)
}

func fieldClass(f *formState, field string) string {
	if f.has(field) {
		return "field has-error"
	}
	return "field"
}

func (p *signUpPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.form.busy {
		return
	}
	if errs := p.in.check(); len(errs) > 0 {
		p.form.setReasons(p.env.lang, errs)
		p.focusFirstError(ctx)
		return
	}
	p.form.reset()
	if p.env.rpc == nil {
		return
	}
	req := &identityv1.SignUpRequest{
		DisplayName:    strings.TrimSpace(p.in.displayName),
		Email:          strings.TrimSpace(p.in.email),
		Password:       p.in.password,
		ConsentVersion: ConsentVersion,
	}
	if p.in.client {
		req.Roles = append(req.Roles, identityv1.Role_ROLE_CLIENT)
	}
	if p.in.provider {
		req.Roles = append(req.Roles, identityv1.Role_ROLE_PROVIDER)
	}
	p.form.busy = true
	ctx.Async(func() {
		resp, err := p.env.rpc.Identity.SignUp(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			p.form.busy = false
			if err != nil {
				p.form.fail(p.env.lang, rpc.Explain(err), signUpFields...)
				p.focusFirstError(ctx)
				return
			}
			ctx.SetState(sessionState, sessionFor(resp.Msg.GetUser()))
			ctx.Navigate("/tasks")
			p.env.checkConsent(ctx)
		})
	})
}

func (p *signUpPage) focusFirstError(ctx app.Context) {
	if fl, ok := p.form.firstErr(signUpFields...); ok {
		focus(ctx, signUpFocus[fl])
	}
}

// logInFields are the log-in form's fields in display order.
var logInFields = []string{"email", "password"}

// logInPage starts a session.
type logInPage struct {
	app.Compo
	env  *env
	in   logInInput
	form formState
}

func (p *logInPage) OnNav(ctx app.Context) { p.env.title(ctx, "login.title") }

func (p *logInPage) Render() app.UI {
	l := p.env.lang
	f := &p.form
	return p.env.layout(
		app.Section().Class("card card-narrow").Body(
			app.H1().Text(l.T("login.title")),
			app.P().Class("muted").Body(
				app.Text(l.T("login.lead")+" "),
				app.A().Href("/signup").Text(l.T("nav.signup")),
				app.Text(" · "),
				app.A().ID("use-phone").Href("/login/phone").Text(l.T("phone.use_phone")),
			),
			app.Form().ID("login-form").Class("form").Method("post").NoValidate(true).OnSubmit(p.submit).Body(
				f.textInput(&p.Compo, "email", "email", "email", l.T("signup.email"), "", "username", &p.in.email),
				f.textInput(&p.Compo, "password", "password", "password", l.T("signup.password"), "", "current-password", &p.in.password),
				f.formError(),
				f.submitButton("login-submit", l.T("login.submit"), l.T("common.working")),
			),
			&providerButtons{env: p.env},
		),
	)
}

func (p *logInPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.form.busy {
		return
	}
	if errs := p.in.check(); len(errs) > 0 {
		p.form.setReasons(p.env.lang, errs)
		if fl, ok := p.form.firstErr(logInFields...); ok {
			focus(ctx, fl)
		}
		return
	}
	p.form.reset()
	if p.env.rpc == nil {
		return
	}
	req := &identityv1.LogInRequest{Email: strings.TrimSpace(p.in.email), Password: p.in.password}
	p.form.busy = true
	ctx.Async(func() {
		resp, err := p.env.rpc.Identity.LogIn(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			p.form.busy = false
			if err != nil {
				prob := rpc.Explain(err)
				p.form.fail(p.env.lang, prob, logInFields...)
				if prob.Code == connect.CodeUnauthenticated.String() && len(prob.Violations) == 0 {
					p.form.formErr = p.env.lang.T("BAD_CREDENTIALS")
				}
				if fl, ok := p.form.firstErr(logInFields...); ok {
					focus(ctx, fl)
				}
				return
			}
			ctx.SetState(sessionState, sessionFor(resp.Msg.GetUser()))
			ctx.Navigate(nextPath(ctx.Page().URL()))
		})
	})
}
