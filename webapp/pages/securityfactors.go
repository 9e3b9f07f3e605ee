package pages

import (
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// securityFactors is the part of the security page for step-up (ID-4) and
// sensitive fields (SEC-1, SEC-2): the authenticator app and passkeys, the
// ID number and payout bank card (masked; "Show" after a step-up), and
// changing the password and the mobile number behind a step-up.
//
// Ids: #factors-error, #factors-notice; TOTP: #totp-status, #totp-setup,
// #totp-qr (img), #totp-secret, #totp-code, #totp-confirm, #totp-remove;
// passkeys: #passkey-list of li.passkey-item, #passkey-name, #passkey-add,
// #passkey-remove-<id>; fields: #sensitive-id_number, #sensitive-bank_card
// (masked or full value), #show-id_number, #show-bank_card,
// #input-id_number, #input-bank_card, #save-id_number, #save-bank_card;
// password: #new-password, #change-password; phone: #current-phone,
// #new-phone, #send-phone-code, #new-phone-code, #change-phone. Field
// errors: #error-<input id>. The step-up dialog: see stepUpDialog.
type securityFactors struct {
	app.Compo
	env      *env
	mounted  app.Context // from OnMount: outlives the elements that start actions
	settings *identityv1.GetSecuritySettingsResponse
	loaded   bool
	dialog   stepUpDialog
	err      string
	notice   string
	errs     map[string]string
	busy     bool

	totp        *identityv1.BeginTotpEnrollmentResponse
	totpCode    string
	passkeyName string
	revealed    map[identityv1.SensitiveFieldKind]string
	values      map[identityv1.SensitiveFieldKind]*string
	newPassword string
	newPhone    string
	phoneCode   string
}

var sensitiveKinds = []struct {
	kind  identityv1.SensitiveFieldKind
	name  string
	label string
	op    identityv1.StepUpOperation
}{
	{identityv1.SensitiveFieldKind_SENSITIVE_FIELD_KIND_ID_NUMBER, "id_number", "stepup.sensitive.id_number",
		identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_ID_NUMBER},
	{identityv1.SensitiveFieldKind_SENSITIVE_FIELD_KIND_BANK_CARD, "bank_card", "stepup.sensitive.bank_card",
		identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PAYOUT_ACCOUNT},
}

func (c *securityFactors) OnMount(ctx app.Context) {
	c.dialog.env, c.dialog.compo, c.dialog.mounted = c.env, &c.Compo, ctx
	c.mounted = ctx
	c.revealed = map[identityv1.SensitiveFieldKind]string{}
	c.values = map[identityv1.SensitiveFieldKind]*string{}
	for _, k := range sensitiveKinds {
		c.values[k.kind] = new(string)
	}
	c.load(ctx)
}

func (c *securityFactors) load(ctx app.Context) {
	if c.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		resp, err := c.env.rpc.Identity.GetSecuritySettings(ctx, connect.NewRequest(&identityv1.GetSecuritySettingsRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				c.err = c.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			c.settings, c.loaded = resp.Msg, true
		})
	})
}

// hasFactors reports whether the person has a second factor, so that
// enrolling another needs a step-up.
func (c *securityFactors) hasFactors() bool {
	return c.settings.GetTotpEnrolled() || len(c.settings.GetPasskeys()) > 0
}

// act runs call, after a step-up for op on target when needed is true,
// then reloads the settings and shows notice. Errors of call go to the
// inputs named by fields (proto field → input id), or to #factors-error.
func (c *securityFactors) act(ctx app.Context, needed bool, op identityv1.StepUpOperation, target string,
	call func(ctx app.Context) error, fields map[string]string, notice string, after ...func()) {
	if c.busy {
		return
	}
	var afterFn func()
	if len(after) > 0 {
		afterFn = after[0]
	}
	do := func(app.Context) {
		ctx := c.mounted
		c.busy, c.err, c.notice, c.errs = true, "", "", nil
		ctx.Async(func() {
			err := call(ctx)
			ctx.Dispatch(func(ctx app.Context) {
				c.busy = false
				if err != nil {
					c.fail(err, fields)
					return
				}
				c.notice = c.env.lang.T(notice)
				if afterFn != nil {
					afterFn()
				}
				c.load(ctx)
			})
		})
	}
	if !needed {
		do(ctx)
		return
	}
	c.err, c.notice = "", ""
	c.dialog.run(ctx, op, target, do, func(msg string) { c.err = msg })
}

func (c *securityFactors) fail(err error, fields map[string]string) {
	c.errs = map[string]string{}
	for _, v := range rpc.Explain(err).Violations {
		if in, ok := fields[v.Field]; ok {
			c.errs[in] = c.env.lang.Reason(v.Reason, v.Description)
		}
	}
	if len(c.errs) == 0 {
		c.err = c.dialog.explain(err)
	}
}

func (c *securityFactors) Render() app.UI {
	l := c.env.lang
	if c.env.rpc == nil || !c.loaded {
		return app.Section().ID("factors").Class("card").Body(
			app.H2().Text(l.T("stepup.factors.title")),
			app.P().ID("factors-error").Class("form-error").Role("alert").Text(c.err),
		)
	}
	return app.Div().ID("factors").Body(
		c.dialog.render(),
		app.Section().Class("card").Body(
			app.H2().Text(l.T("stepup.factors.title")),
			app.P().Class("muted").Text(l.T("stepup.factors.lead")),
			app.P().ID("factors-error").Class("form-error").Role("alert").Text(c.err),
			app.P().ID("factors-notice").Class("stepup-notice").Aria("live", "polite").Text(c.notice),
			c.renderTOTP(),
			c.renderPasskeys(),
		),
		c.renderSensitive(),
		c.renderPassword(),
		c.renderPhone(),
	)
}

func (c *securityFactors) renderTOTP() app.UI {
	l := c.env.lang
	status := l.T("stepup.factors.totp_off")
	if c.settings.GetTotpEnrolled() {
		status = l.T("stepup.factors.totp_on")
	}
	return app.Div().Class("factor").Body(
		app.H3().Text(l.T("stepup.factors.totp")),
		app.P().ID("totp-status").Text(status),
		app.If(c.settings.GetTotpEnrolled(), func() app.UI {
			return app.Button().ID("totp-remove").Class("btn btn-quiet").Type("button").Disabled(c.busy).
				Text(l.T("stepup.factors.remove")).OnClick(c.removeTOTP)
		}),
		app.If(c.totp == nil, func() app.UI {
			return app.Button().ID("totp-setup").Class("btn").Type("button").Disabled(c.busy).
				Text(l.T("stepup.factors.totp_setup")).OnClick(c.beginTOTP)
		}).Else(func() app.UI {
			return app.Form().ID("totp-form").OnSubmit(c.confirmTOTP).Body(
				app.P().Class("muted").Text(l.T("stepup.factors.totp_scan")),
				app.Img().ID("totp-qr").Src(c.totp.GetQrPngDataUrl()).Alt(c.totp.GetOtpauthUri()).Width(200).Height(200),
				app.P().Body(app.Text(l.T("stepup.factors.totp_key")+": "), app.Code().ID("totp-secret").Text(c.totp.GetSecret())),
				inputBox(&c.Compo, "totp-code", l.T("stepup.factors.totp_code"), "text", "one-time-code", &c.totpCode, c.errs),
				app.Button().ID("totp-confirm").Class("btn btn-primary").Type("submit").Disabled(c.busy).Text(l.T("stepup.factors.totp_confirm")),
			)
		}),
	)
}

func (c *securityFactors) beginTOTP(ctx app.Context, e app.Event) {
	if c.busy {
		return
	}
	c.busy = true
	ctx.Async(func() {
		resp, err := c.env.rpc.Identity.BeginTotpEnrollment(ctx, connect.NewRequest(&identityv1.BeginTotpEnrollmentRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			c.busy = false
			if err != nil {
				c.fail(err, nil)
				return
			}
			c.totp, c.totpCode = resp.Msg, ""
			focus(ctx, "totp-code")
		})
	})
}

func (c *securityFactors) confirmTOTP(ctx app.Context, e app.Event) {
	e.PreventDefault()
	code := strings.TrimSpace(c.totpCode)
	c.act(ctx, c.hasFactors(), identityv1.StepUpOperation_STEP_UP_OPERATION_MANAGE_FACTORS, "", func(ctx app.Context) error {
		_, err := c.env.rpc.Identity.ConfirmTotpEnrollment(ctx, connect.NewRequest(&identityv1.ConfirmTotpEnrollmentRequest{Code: code}))
		return err
	}, map[string]string{"code": "totp-code"}, "stepup.factors.saved", func() { c.totp, c.totpCode = nil, "" })
}

func (c *securityFactors) removeTOTP(ctx app.Context, e app.Event) {
	c.act(ctx, true, identityv1.StepUpOperation_STEP_UP_OPERATION_MANAGE_FACTORS, "", func(ctx app.Context) error {
		_, err := c.env.rpc.Identity.RemoveTotp(ctx, connect.NewRequest(&identityv1.RemoveTotpRequest{}))
		return err
	}, nil, "stepup.factors.saved")
}

func (c *securityFactors) renderPasskeys() app.UI {
	l := c.env.lang
	pks := c.settings.GetPasskeys()
	return app.Div().Class("factor").Body(
		app.H3().Text(l.T("stepup.factors.passkeys")),
		app.If(len(pks) == 0, func() app.UI {
			return app.P().ID("passkeys-none").Class("muted").Text(l.T("stepup.factors.passkeys_none"))
		}),
		app.Ul().ID("passkey-list").Class("task-list").Body(
			app.Range(pks).Slice(func(i int) app.UI {
				pk := pks[i]
				return app.Li().Class("task-item passkey-item").DataSet("id", pk.GetId()).Body(
					app.Span().Class("passkey-name").Text(pk.GetName()),
					app.Button().ID("passkey-remove-"+pk.GetId()).Class("btn btn-quiet").Type("button").Disabled(c.busy).
						Text(l.T("stepup.factors.remove")).OnClick(func(ctx app.Context, e app.Event) { c.removePasskey(ctx, pk.GetId()) }),
				)
			}),
		),
		inputBox(&c.Compo, "passkey-name", l.T("stepup.factors.passkey_name"), "text", "off", &c.passkeyName, c.errs),
		app.Button().ID("passkey-add").Class("btn").Type("button").Disabled(c.busy).
			Text(l.T("stepup.factors.passkey_add")).OnClick(c.addPasskey),
	)
}

// addPasskey runs the registration ceremony, after a step-up when a
// factor exists: the step-up comes first, so the authenticator is asked
// only once.
func (c *securityFactors) addPasskey(ctx app.Context, e app.Event) {
	name := strings.TrimSpace(c.passkeyName)
	if name == "" {
		name = c.env.lang.T("stepup.factors.passkey_default")
	}
	register := func(app.Context) {
		ctx := c.mounted
		c.busy, c.err, c.notice, c.errs = true, "", "", nil
		ctx.Async(func() {
			resp, err := c.env.rpc.Identity.BeginPasskeyRegistration(ctx, connect.NewRequest(&identityv1.BeginPasskeyRegistrationRequest{}))
			if err != nil {
				ctx.Dispatch(func(ctx app.Context) { c.busy = false; c.fail(err, nil) })
				return
			}
			ctx.Dispatch(func(ctx app.Context) {
				passkeyCeremony("create", resp.Msg.GetCreationOptionsJson(), func(cred string, err error) {
					if err != nil {
						ctx.Dispatch(func(ctx app.Context) { c.busy = false; c.fail(err, nil) })
						return
					}
					ctx.Async(func() {
						_, err := c.env.rpc.Identity.FinishPasskeyRegistration(ctx, connect.NewRequest(&identityv1.FinishPasskeyRegistrationRequest{
							Name: name, CredentialJson: cred,
						}))
						ctx.Dispatch(func(ctx app.Context) {
							c.busy = false
							if err != nil {
								c.fail(err, map[string]string{"name": "passkey-name"})
								return
							}
							c.passkeyName, c.notice = "", c.env.lang.T("stepup.factors.saved")
							clearInputs("passkey-name")
							c.load(ctx)
						})
					})
				})
			})
		})
	}
	if !c.hasFactors() {
		register(ctx)
		return
	}
	c.dialog.run(ctx, identityv1.StepUpOperation_STEP_UP_OPERATION_MANAGE_FACTORS, "", register, func(msg string) { c.err = msg })
}

func (c *securityFactors) removePasskey(ctx app.Context, id string) {
	c.act(ctx, true, identityv1.StepUpOperation_STEP_UP_OPERATION_MANAGE_FACTORS, "", func(ctx app.Context) error {
		_, err := c.env.rpc.Identity.RemovePasskey(ctx, connect.NewRequest(&identityv1.RemovePasskeyRequest{PasskeyId: id}))
		return err
	}, nil, "stepup.factors.saved")
}

func (c *securityFactors) renderSensitive() app.UI {
	l := c.env.lang
	masked := map[identityv1.SensitiveFieldKind]string{}
	for _, f := range c.settings.GetSensitiveFields() {
		masked[f.GetKind()] = f.GetMasked()
	}
	rows := make([]app.UI, 0, len(sensitiveKinds))
	for _, k := range sensitiveKinds {
		shown, set := masked[k.kind]
		if full, ok := c.revealed[k.kind]; ok {
			shown = full
		}
		if !set {
			shown = l.T("stepup.sensitive.not_set")
		}
		kind, op, name := k.kind, k.op, k.name
		rows = append(rows, app.Div().Class("factor").Body(
			app.H3().Text(l.T(k.label)),
			app.P().Body(
				app.Code().ID("sensitive-"+name).Text(shown),
				app.If(set, func() app.UI {
					return app.Button().ID("show-" + name).Class("btn btn-quiet").Type("button").Disabled(c.busy).
						Text(l.T("stepup.sensitive.show")).OnClick(func(ctx app.Context, e app.Event) { c.reveal(ctx, kind, name) })
				}),
			),
			inputBox(&c.Compo, "input-"+name, l.T("stepup.sensitive.new_value"), "text", "off", c.values[kind], c.errs),
			app.Button().ID("save-"+name).Class("btn").Type("button").Disabled(c.busy).Text(l.T("stepup.sensitive.save")).
				OnClick(func(ctx app.Context, e app.Event) { c.saveSensitive(ctx, kind, name, op, set) }),
		))
	}
	return app.Section().Class("card").Body(append([]app.UI{app.H2().Text(l.T("stepup.sensitive.title"))}, rows...)...)
}

func (c *securityFactors) reveal(ctx app.Context, kind identityv1.SensitiveFieldKind, name string) {
	c.dialog.run(ctx, identityv1.StepUpOperation_STEP_UP_OPERATION_VIEW_SENSITIVE, name, func(ctx app.Context) {
		ctx.Async(func() {
			resp, err := c.env.rpc.Identity.RevealSensitiveField(ctx, connect.NewRequest(&identityv1.RevealSensitiveFieldRequest{Kind: kind}))
			ctx.Dispatch(func(ctx app.Context) {
				if err != nil {
					c.fail(err, nil)
					return
				}
				c.revealed[kind] = resp.Msg.GetValue()
			})
		})
	}, func(msg string) { c.err = msg })
}

func (c *securityFactors) saveSensitive(ctx app.Context, kind identityv1.SensitiveFieldKind, name string, op identityv1.StepUpOperation, set bool) {
	value := *c.values[kind]
	c.act(ctx, set, op, "", func(ctx app.Context) error {
		_, err := c.env.rpc.Identity.SetSensitiveField(ctx, connect.NewRequest(&identityv1.SetSensitiveFieldRequest{Kind: kind, Value: value}))
		return err
	}, map[string]string{"value": "input-" + name}, "stepup.factors.saved", func() {
		*c.values[kind] = ""
		delete(c.revealed, kind)
		clearInputs("input-" + name)
	})
}

func (c *securityFactors) renderPassword() app.UI {
	l := c.env.lang
	return app.Section().Class("card").Body(
		app.H2().Text(l.T("stepup.password.title")),
		app.Form().ID("password-form").OnSubmit(c.changePassword).Body(
			inputBox(&c.Compo, "new-password", l.T("stepup.password.new"), "password", "new-password", &c.newPassword, c.errs),
			app.Button().ID("change-password").Class("btn btn-primary").Type("submit").Disabled(c.busy).Text(l.T("stepup.password.change")),
		),
	)
}

func (c *securityFactors) changePassword(ctx app.Context, e app.Event) {
	e.PreventDefault()
	pw := c.newPassword
	if n := len([]rune(pw)); n < 10 {
		reason := "PASSWORD_TOO_SHORT"
		if n == 0 {
			reason = "REQUIRED"
		}
		c.errs = map[string]string{"new-password": c.env.lang.Reason(reason, "")}
		return
	}
	c.act(ctx, true, identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PASSWORD, "", func(ctx app.Context) error {
		_, err := c.env.rpc.Identity.ChangePassword(ctx, connect.NewRequest(&identityv1.ChangePasswordRequest{NewPassword: pw}))
		return err
	}, map[string]string{"new_password": "new-password"}, "stepup.password.changed", func() { c.newPassword = ""; clearInputs("new-password") })
}

func (c *securityFactors) renderPhone() app.UI {
	l := c.env.lang
	current := c.settings.GetMaskedPhone()
	if current == "" {
		current = l.T("stepup.phone.none")
	}
	return app.Section().Class("card").Body(
		app.H2().Text(l.T("stepup.phone.change_title")),
		app.P().Body(app.Text(l.T("stepup.phone.current")+": "), app.Span().ID("current-phone").Text(current)),
		app.Form().ID("phone-change-form").OnSubmit(c.changePhone).Body(
			inputBox(&c.Compo, "new-phone", l.T("stepup.phone.new"), "tel", "tel", &c.newPhone, c.errs),
			app.Button().ID("send-phone-code").Class("btn").Type("button").Disabled(c.busy).Text(l.T("phone.send_code")).OnClick(c.sendPhoneCode),
			inputBox(&c.Compo, "new-phone-code", l.T("phone.code"), "text", "one-time-code", &c.phoneCode, c.errs),
			app.Button().ID("change-phone").Class("btn btn-primary").Type("submit").Disabled(c.busy).Text(l.T("stepup.phone.change")),
		),
	)
}

func (c *securityFactors) sendPhoneCode(ctx app.Context, e app.Event) {
	phone := c.newPhone
	c.act(ctx, false, 0, "", func(ctx app.Context) error {
		_, err := c.env.rpc.Identity.SendChangePhoneCode(ctx, connect.NewRequest(&identityv1.SendChangePhoneCodeRequest{Phone: phone}))
		return err
	}, map[string]string{"phone": "new-phone"}, "phone.code_sent")
}

func (c *securityFactors) changePhone(ctx app.Context, e app.Event) {
	e.PreventDefault()
	phone, code := c.newPhone, strings.TrimSpace(c.phoneCode)
	c.act(ctx, c.settings.GetMaskedPhone() != "", identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PHONE, "", func(ctx app.Context) error {
		_, err := c.env.rpc.Identity.ChangePhone(ctx, connect.NewRequest(&identityv1.ChangePhoneRequest{Phone: phone, Code: code}))
		return err
	}, map[string]string{"phone": "new-phone", "code": "new-phone-code"}, "stepup.phone.changed", func() { c.newPhone, c.phoneCode = "", ""; clearInputs("new-phone", "new-phone-code") })
}

// clearInputs empties inputs after a successful change. Setting the bound
// string alone is not enough: go-app sees no change from its last render
// (the typed text never went through a render) and leaves the DOM value.
func clearInputs(ids ...string) {
	if !app.IsClient {
		return
	}
	for _, id := range ids {
		if el := app.Window().GetElementByID(id); el.Truthy() {
			el.Set("value", "")
		}
	}
}
