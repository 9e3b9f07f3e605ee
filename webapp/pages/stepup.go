package pages

import (
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// stepUpDialog asks for a fresh step-up verification (ID-4) before a
// sensitive action: the code texted to the account's phone and a second
// factor, a passkey or an authenticator app's code. A page holds one,
// renders it, and calls run with the operation and the action to do once
// verified. The dialog is modal (modal.go): the page behind is inert,
// focus starts in the SMS code field, Tab stays inside, Escape cancels and
// focus goes back to the control that opened it. Ids: #stepup-dialog,
// #stepup-sms-code, #stepup-totp-code, #stepup-verify, #stepup-passkey,
// #stepup-cancel, #stepup-error, #error-stepup-sms-code,
// #error-stepup-totp-code.
type stepUpDialog struct {
	env   *env
	compo *app.Compo
	// mounted is the owning component's context from OnMount. The action
	// after a step-up runs with it: the dialog's own elements, whose events
	// started the step-up, are gone by then, and go-app drops updates
	// dispatched from an unmounted element's context.
	mounted   app.Context
	open      bool
	op        identityv1.StepUpOperation
	challenge *identityv1.BeginStepUpResponse
	smsCode   string
	totpCode  string
	errs      map[string]string // by input id
	err       string
	busy      bool
	then      func(ctx app.Context)
	modal     modal
	// opener, when set before run, is the control that opened the dialog
	// (the focused one at run otherwise); see modal.
	opener app.Value
}

// opKey names an operation in the catalogue ("stepup.op.<name>").
var opKey = map[identityv1.StepUpOperation]string{
	identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PASSWORD:       "stepup.op.change_password",
	identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PHONE:          "stepup.op.change_phone",
	identityv1.StepUpOperation_STEP_UP_OPERATION_VIEW_SENSITIVE:        "stepup.op.view_sensitive",
	identityv1.StepUpOperation_STEP_UP_OPERATION_MANAGE_FACTORS:        "stepup.op.manage_factors",
	identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PAYOUT_ACCOUNT: "stepup.op.change_payout_account",
	identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_ID_NUMBER:      "stepup.op.change_id_number",
	identityv1.StepUpOperation_STEP_UP_OPERATION_DELETE_PROJECT:        "stepup.op.delete_project",
	identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_ROLES:          "stepup.op.change_roles",
	identityv1.StepUpOperation_STEP_UP_OPERATION_DELETE_ACCOUNT:        "stepup.op.delete_account",
}

// run starts a step-up for op on target and, once it succeeds, calls then.
// A step-up that cannot start (no phone, no second factor) is reported
// through fail with a translated sentence.
func (d *stepUpDialog) run(ctx app.Context, op identityv1.StepUpOperation, target string, then func(app.Context), fail func(string)) {
	if d.busy || d.env.rpc == nil {
		return
	}
	d.busy = true
	opener := d.opener
	d.opener = nil
	d.modal.noteOpener(opener)
	ctx.Async(func() {
		resp, err := d.env.rpc.Identity.BeginStepUp(ctx, connect.NewRequest(&identityv1.BeginStepUpRequest{Operation: op, Target: target}))
		ctx.Dispatch(func(ctx app.Context) {
			d.busy = false
			if err != nil {
				d.modal.returnFocus(d.mounted)
				fail(d.explain(err))
				return
			}
			d.open, d.op, d.challenge, d.then = true, op, resp.Msg, then
			d.smsCode, d.totpCode, d.err, d.errs = "", "", "", nil
			showModal(d.mounted, "stepup-dialog", "stepup-sms-code")
		})
	})
}

// explain turns an error into one translated sentence.
func (d *stepUpDialog) explain(err error) string {
	l := d.env.lang
	p := rpc.Explain(err)
	for _, v := range p.Violations {
		return l.Reason(v.Reason, v.Description)
	}
	if p.Reason != "" && ui.Has(p.Reason) {
		return l.T(p.Reason)
	}
	if errors.Is(err, errPasskeyUnsupported) {
		return l.T("PASSKEY_UNSUPPORTED")
	}
	if errors.Is(err, errPasskeyCancelled) {
		return l.T("PASSKEY_CANCELLED")
	}
	msg := l.Code(p.Code)
	if p.RetryAfter > 0 {
		msg += " " + retryIn(l, p.RetryAfter)
	}
	return msg
}

func (d *stepUpDialog) has(f identityv1.StepUpFactor) bool {
	for _, x := range d.challenge.GetFactors() {
		if x == f {
			return true
		}
	}
	return false
}

func (d *stepUpDialog) cancel(ctx app.Context, e app.Event) { d.close(ctx) }

// close closes the dialog without verifying (Cancel, Escape).
func (d *stepUpDialog) close(ctx app.Context) {
	if !d.open {
		return
	}
	d.open, d.then, d.challenge = false, nil, nil
	d.modal.returnFocus(d.mounted)
}

func (d *stepUpDialog) verifyTOTP(ctx app.Context, e app.Event) {
	e.PreventDefault()
	d.finish(ctx, &identityv1.FinishStepUpRequest_TotpCode{TotpCode: d.totpCode})
}

func (d *stepUpDialog) verifyPasskey(ctx app.Context, e app.Event) {
	if d.busy {
		return
	}
	d.busy = true
	passkeyCeremony("get", d.challenge.GetPasskeyRequestOptionsJson(), func(cred string, err error) {
		ctx.Dispatch(func(ctx app.Context) {
			d.busy = false
			if err != nil {
				d.err = d.explain(err)
				showModal(d.mounted, "stepup-dialog", "")
				return
			}
			d.finish(ctx, &identityv1.FinishStepUpRequest_PasskeyAssertionJson{PasskeyAssertionJson: cred})
		})
	})
}

// fieldInputs maps FinishStepUp's fields to the dialog's inputs.
var stepUpInputs = map[string]string{
	"sms_code": "stepup-sms-code", "totp_code": "stepup-totp-code",
	"passkey_assertion_json": "stepup-passkey", "second_factor": "stepup-totp-code",
}

func (d *stepUpDialog) finish(ctx app.Context, factor any) {
	if d.busy || d.challenge == nil {
		return
	}
	req := &identityv1.FinishStepUpRequest{ChallengeId: d.challenge.GetChallengeId(), SmsCode: d.smsCode}
	switch f := factor.(type) {
	case *identityv1.FinishStepUpRequest_TotpCode:
		req.SecondFactor = f
	case *identityv1.FinishStepUpRequest_PasskeyAssertionJson:
		req.SecondFactor = f
	}
	d.busy = true
	ctx.Async(func() {
		_, err := d.env.rpc.Identity.FinishStepUp(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			d.busy = false
			if err == nil {
				then := d.then
				d.open, d.then, d.challenge = false, nil, nil
				d.modal.returnFocus(d.mounted)
				if then != nil {
					then(d.mounted)
				}
				return
			}
			d.err, d.errs = "", map[string]string{}
			p := rpc.Explain(err)
			for _, v := range p.Violations {
				if in, ok := stepUpInputs[v.Field]; ok {
					d.errs[in] = d.env.lang.Reason(v.Reason, v.Description)
				}
			}
			if len(d.errs) == 0 {
				d.err = d.explain(err)
			}
			if p.Reason == "STEP_UP_EXPIRED" {
				d.challenge = nil
			}
			showModal(d.mounted, "stepup-dialog", "")
		})
	})
}

// render draws the dialog, or nothing while closed.
func (d *stepUpDialog) render() app.UI {
	if !d.open {
		return app.Div().ID("stepup-closed").Hidden(true)
	}
	l := d.env.lang
	what := ""
	if k, ok := opKey[d.op]; ok {
		what = l.T(k)
		if l != ui.Chinese {
			what = " " + what // Chinese runs on without a space.
		}
	}
	return modalDialog("stepup-dialog", "dialog", "stepup-title", d.close).Body(
		app.Div().Class("dialog-body").Body(
			app.H2().ID("stepup-title").Text(l.T("stepup.title")+what),
			app.P().ID("stepup-code-sent").Class("muted").Text(fmt.Sprintf(l.T("stepup.code_sent"), d.challenge.GetMaskedPhone())),
			app.P().ID("stepup-error").Class("form-error").Role("alert").Text(d.err),
			app.Form().ID("stepup-form").OnSubmit(d.verifyTOTP).Body(
				inputBox(d.compo, "stepup-sms-code", l.T("stepup.sms_code"), "text", "one-time-code", &d.smsCode, d.errs),
				app.If(d.has(identityv1.StepUpFactor_STEP_UP_FACTOR_TOTP), func() app.UI {
					return app.Div().Body(
						inputBox(d.compo, "stepup-totp-code", l.T("stepup.totp_code"), "text", "one-time-code", &d.totpCode, d.errs),
						app.Button().ID("stepup-verify").Class("btn btn-primary").Type("submit").Disabled(d.busy).Text(l.T("stepup.verify")),
					)
				}),
				app.If(d.has(identityv1.StepUpFactor_STEP_UP_FACTOR_PASSKEY), func() app.UI {
					return app.Div().Body(
						app.Button().ID("stepup-passkey").Class("btn btn-primary").Type("button").Disabled(d.busy).
							Text(l.T("stepup.use_passkey")).OnClick(d.verifyPasskey),
						app.P().ID("error-stepup-passkey").Class("field-error").Aria("live", "polite").Text(d.errs["stepup-passkey"]),
					)
				}),
				app.Button().ID("stepup-cancel").Class("btn btn-quiet").Type("button").Text(l.T("stepup.cancel")).OnClick(d.cancel),
			),
		),
	)
}

// inputBox is a labelled input whose error, from errs by id, shows in
// #error-<id>.
func inputBox(c *app.Compo, id, label, typ, autocomplete string, v *string, errs map[string]string) app.UI {
	class := "field"
	msg, bad := errs[id]
	if bad {
		class += " has-error"
	}
	store := c.ValueTo(v)
	return app.Div().Class(class).Body(
		app.Label().For(id).Text(label),
		app.Input().ID(id).Type(typ).Class("input").Value(*v).Attr("autocomplete", autocomplete).
			Aria("invalid", bad).Aria("describedby", "error-"+id).
			OnInput(func(ctx app.Context, e app.Event) {
				store(ctx, e)
				delete(errs, id)
			}),
		app.P().ID("error-"+id).Class("field-error").Aria("live", "polite").Text(msg),
	)
}
