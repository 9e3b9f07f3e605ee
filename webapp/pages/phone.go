package pages

import (
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// phoneFields are the phone form's fields in display order; the sign-up
// variant has all of them, the log-in variant the first two.
var phoneFields = []string{"phone", "code", "display_name", "roles", "consent_version"}

// phoneFocus maps a field to the control that receives focus for it.
var phoneFocus = map[string]string{
	"phone": "phone", "code": "code", "display_name": "display-name",
	"roles": "role-client", "consent_version": "consent",
}

// phonePage logs in or signs up with a mobile number and a code sent by
// text message (ID-1). "Send code" starts a countdown until another code
// may be asked for. A login with a number that has no account moves to
// sign-up with the same code.
type phonePage struct {
	app.Compo
	env    *env
	signUp bool
	in     phoneInput
	form   formState
	// sending is true while SendPhoneCode runs; resendIn counts down the
	// seconds until another code may be asked for.
	sending  bool
	resendIn int
	codeSent bool
}

func newPhonePage(e *env, signUp bool) *phonePage {
	return &phonePage{env: e, signUp: signUp, in: phoneInput{client: true}}
}

func (p *phonePage) titleKey() string {
	if p.signUp {
		return "phone.signup_title"
	}
	return "phone.login_title"
}

func (p *phonePage) OnNav(ctx app.Context) { p.env.title(ctx, p.titleKey()) }

func (p *phonePage) Render() app.UI {
	l := p.env.lang
	f := &p.form
	sendLabel := l.T("phone.send_code")
	switch {
	case p.sending:
		sendLabel = l.T("common.working")
	case p.resendIn > 0:
		sendLabel = fmt.Sprintf(l.T("phone.resend_in"), p.resendIn)
	}
	submitID, submitKey := "phone-login-submit", "login.submit"
	switchLink := app.A().ID("use-phone-signup").Href("/signup/phone").Text(l.T("phone.new_account"))
	emailPath := "/login"
	if p.signUp {
		submitID, submitKey = "phone-signup-submit", "signup.submit"
		switchLink = app.A().ID("use-phone-login").Href("/login/phone").Text(l.T("phone.have_account"))
		emailPath = "/signup"
	}
	codeSent := ""
	if p.codeSent {
		codeSent = l.T("phone.code_sent")
	}
	return p.env.layout(
		app.Section().Class("card card-narrow").Body(
			app.H1().Text(l.T(p.titleKey())),
			app.P().Class("muted").Body(
				switchLink,
				app.Text(" · "),
				app.A().ID("use-email").Href(emailPath).Text(l.T("phone.use_email")),
			),
			app.Form().ID("phone-form").Class("form").Method("post").NoValidate(true).OnSubmit(p.submit).Body(
				f.textInput(&p.Compo, "phone", "phone", "tel", l.T("phone.number"), l.T("phone.number_hint"), "tel-national", &p.in.phone),
				app.Div().Class("field").Body(
					app.Button().ID("send-code").Class("btn btn-quiet").Type("button").
						Disabled(p.sending || p.resendIn > 0).Aria("busy", p.sending).
						Text(sendLabel).OnClick(p.sendCode),
					app.P().ID("code-sent").Class("hint").Aria("live", "polite").Text(codeSent),
				),
				f.textInput(&p.Compo, "code", "code", "text", l.T("phone.code"), "", "one-time-code", &p.in.code),
				app.If(p.signUp, func() app.UI {
					return app.Div().Body(
						f.textInput(&p.Compo, "display-name", "display_name", "text", l.T("signup.display_name"),
							l.T("signup.display_hint"), "nickname", &p.in.displayName),
						app.FieldSet().Class(fieldClass(f, "roles")).Aria("describedby", "error-roles").Body(
							app.Legend().Text(l.T("signup.roles")),
							p.checkbox("role-client", "roles", l.T("signup.role_client"), &p.in.client),
							p.checkbox("role-provider", "roles", l.T("signup.role_provider"), &p.in.provider),
							f.errorFor("roles"),
						),
						app.Div().Class(fieldClass(f, "consent_version")).Body(
							p.checkbox("consent", "consent_version", l.T("phone.consent"), &p.in.consent),
							f.errorFor("consent_version"),
						),
					)
				}),
				f.formError(),
				f.submitButton(submitID, l.T(submitKey), l.T("common.working")),
			),
		),
	)
}

// checkbox is a labelled checkbox bound to *v.
func (p *phonePage) checkbox(id, field, label string, v *bool) app.UI {
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

func (p *phonePage) fields() []string {
	if p.signUp {
		return phoneFields
	}
	return phoneFields[:2]
}

func (p *phonePage) focusFirstError(ctx app.Context) {
	if fl, ok := p.form.firstErr(p.fields()...); ok {
		focus(ctx, phoneFocus[fl])
	}
}

// sendCode asks for a code for the number entered.
func (p *phonePage) sendCode(ctx app.Context, e app.Event) {
	if p.sending || p.resendIn > 0 {
		return
	}
	if r := checkPhone(p.in.phone); r != "" {
		p.form.setReasons(p.env.lang, map[string]string{"phone": r})
		focus(ctx, "phone")
		return
	}
	p.form.reset()
	if p.env.rpc == nil {
		return
	}
	p.sending = true
	req := &identityv1.SendPhoneCodeRequest{
		Phone:   strings.TrimSpace(p.in.phone),
		Purpose: identityv1.PhoneCodePurpose_PHONE_CODE_PURPOSE_LOG_IN,
	}
	ctx.Async(func() {
		resp, err := p.env.rpc.Identity.SendPhoneCode(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			p.sending = false
			if err != nil {
				prob := rpc.Explain(err)
				p.form.fail(p.env.lang, prob, p.fields()...)
				if prob.RetryAfter > 0 {
					p.startCountdown(ctx, prob.RetryAfter)
				}
				p.focusFirstError(ctx)
				return
			}
			p.codeSent = true
			p.startCountdown(ctx, resp.Msg.GetResendAfter().AsDuration())
			focus(ctx, "code")
		})
	})
}

// startCountdown disables "send code" for d, showing the seconds left.
func (p *phonePage) startCountdown(ctx app.Context, d time.Duration) {
	running := p.resendIn > 0
	p.resendIn = int((d + time.Second - 1) / time.Second)
	if !running {
		ctx.After(time.Second, p.tick)
	}
}

func (p *phonePage) tick(ctx app.Context) {
	if p.resendIn <= 0 {
		return
	}
	p.resendIn--
	if p.resendIn > 0 {
		ctx.After(time.Second, p.tick)
	}
}

func (p *phonePage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.form.busy {
		return
	}
	if errs := p.in.check(p.signUp); len(errs) > 0 {
		p.form.setReasons(p.env.lang, errs)
		p.focusFirstError(ctx)
		return
	}
	p.form.reset()
	if p.env.rpc == nil {
		return
	}
	phone, code := strings.TrimSpace(p.in.phone), strings.TrimSpace(p.in.code)
	p.form.busy = true
	ctx.Async(func() {
		var user *identityv1.User
		var err error
		if p.signUp {
			req := &identityv1.SignUpWithPhoneRequest{
				Phone: phone, Code: code,
				DisplayName:    strings.TrimSpace(p.in.displayName),
				ConsentVersion: ConsentVersion,
			}
			if p.in.client {
				req.Roles = append(req.Roles, identityv1.Role_ROLE_CLIENT)
			}
			if p.in.provider {
				req.Roles = append(req.Roles, identityv1.Role_ROLE_PROVIDER)
			}
			var resp *connect.Response[identityv1.SignUpWithPhoneResponse]
			if resp, err = p.env.rpc.Identity.SignUpWithPhone(ctx, connect.NewRequest(req)); err == nil {
				user = resp.Msg.GetUser()
			}
		} else {
			req := &identityv1.LogInWithPhoneRequest{Phone: phone, Code: code}
			var resp *connect.Response[identityv1.LogInWithPhoneResponse]
			if resp, err = p.env.rpc.Identity.LogInWithPhone(ctx, connect.NewRequest(req)); err == nil {
				user = resp.Msg.GetUser()
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.form.busy = false
			if err != nil {
				prob := rpc.Explain(err)
				if !p.signUp && prob.Code == connect.CodeNotFound.String() {
					// The number has no account: the same code signs up.
					p.signUp = true
					p.env.title(ctx, p.titleKey())
				}
				p.form.fail(p.env.lang, prob, p.fields()...)
				p.focusFirstError(ctx)
				return
			}
			ctx.SetState(sessionState, sessionFor(user))
			ctx.Navigate("/tasks")
		})
	})
}
