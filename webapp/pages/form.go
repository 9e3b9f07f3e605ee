package pages

import (
	"fmt"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// formState is what a form shows besides its values: errors per field
// (keyed by proto field name), a form-level error and whether a call is
// in flight. Values live in the page so they survive an error.
type formState struct {
	errs    map[string]string
	formErr string
	busy    bool
}

// reset clears all errors.
func (f *formState) reset() {
	f.errs = nil
	f.formErr = ""
}

// setReasons shows client-side check results: field → reason code.
func (f *formState) setReasons(l ui.Lang, reasons map[string]string) {
	f.reset()
	for field, reason := range reasons {
		f.setErr(field, l.Reason(reason, ""))
	}
}

func (f *formState) setErr(field, msg string) {
	if f.errs == nil {
		f.errs = make(map[string]string)
	}
	if _, ok := f.errs[field]; !ok {
		f.errs[field] = msg
	}
}

// fail shows a failed call. Violations of fields the form has go next to
// them; the rest, and BAD_CREDENTIALS, go to the form-level error; with no
// violations an ErrorInfo reason the catalogue knows is shown, and
// otherwise the Connect code's generic message.
func (f *formState) fail(l ui.Lang, p rpc.Problem, fields ...string) {
	f.reset()
	known := make(map[string]bool, len(fields))
	for _, fl := range fields {
		known[fl] = true
	}
	for _, v := range p.Violations {
		msg := l.Reason(v.Reason, v.Description)
		if v.Reason == "CONTENT_BLOCKED" {
			// The backend's keyword check names each field's words
			// (backend/moderation): show them next to the field.
			w := p.Metadata["words."+v.Field]
			if w == "" {
				w = p.Metadata["words"]
			}
			if w != "" {
				msg += l.T("content.words") + w
			}
		}
		if known[v.Field] && v.Reason != "BAD_CREDENTIALS" {
			f.setErr(v.Field, msg)
			continue
		}
		if f.formErr == "" {
			f.formErr = msg
		}
	}
	if len(f.errs) == 0 && f.formErr == "" && p.Reason != "" && ui.Has(p.Reason) {
		// An error about the request as a whole, e.g. CONTENT_BLOCKED from
		// the edge's keyword filter, naming the words to change.
		f.formErr = l.T(p.Reason)
		if w := p.Metadata["words"]; w != "" {
			f.formErr += l.T("content.words") + w
		}
	}
	if len(f.errs) == 0 && f.formErr == "" {
		f.formErr = l.Code(p.Code)
	}
	if p.RetryAfter > 0 && f.formErr != "" {
		sep := " "
		if l == ui.Chinese {
			sep = "" // Chinese sentences follow each other without a space.
		}
		f.formErr += sep + retryIn(l, p.RetryAfter)
	}
}

// retryIn says when to try again: in seconds under two minutes, else in
// whole minutes, rounded up.
func retryIn(l ui.Lang, d time.Duration) string {
	if d < 2*time.Minute {
		return fmt.Sprintf(l.T("common.retry_in_seconds"), int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf(l.T("common.retry_in_minutes"), int((d+time.Minute-1)/time.Minute))
}

// firstErr returns the first field, in form order, that has an error.
func (f *formState) firstErr(fields ...string) (string, bool) {
	for _, fl := range fields {
		if _, ok := f.errs[fl]; ok {
			return fl, true
		}
	}
	return "", false
}

// formError renders the form-level error box.
func (f *formState) formError() app.UI {
	return app.P().ID("form-error").Class("form-error").Role("alert").Text(f.formErr)
}

// errorFor renders the error element of one field.
func (f *formState) errorFor(field string) app.UI {
	return app.P().ID("error-"+field).Class("field-error").Aria("live", "polite").Text(f.errs[field])
}

// has reports whether field has an error.
func (f *formState) has(field string) bool {
	_, ok := f.errs[field]
	return ok
}

// describedBy is the aria-describedby value for a control.
func describedBy(field, hintID string) string {
	if hintID == "" {
		return "error-" + field
	}
	return hintID + " error-" + field
}

// fieldBox lays out one labelled control with its hint and error.
func (f *formState) fieldBox(id, field, label, hint string, control app.UI) app.UI {
	class := "field"
	if f.has(field) {
		class += " has-error"
	}
	return app.Div().Class(class).Body(
		app.Label().For(id).Text(label),
		control,
		app.If(hint != "", func() app.UI {
			return app.P().ID("hint-" + id).Class("hint").Text(hint)
		}),
		f.errorFor(field),
	)
}

// hintID returns the id fieldBox gives a hint, or "" without one.
func hintID(id, hint string) string {
	if hint == "" {
		return ""
	}
	return "hint-" + id
}

// textInput is a labelled text-like input bound to *v.
func (f *formState) textInput(c *app.Compo, id, field, typ, label, hint, autocomplete string, v *string) app.UI {
	in := app.Input().ID(id).Name(field).Type(typ).Class("input").
		Value(*v).
		Attr("autocomplete", autocomplete).
		Aria("invalid", f.has(field)).
		Aria("describedby", describedBy(field, hintID(id, hint))).
		OnInput(f.bind(c, field, v))
	return f.fieldBox(id, field, label, hint, in)
}

// bind stores an input's value into *v and clears the field's error.
func (f *formState) bind(c *app.Compo, field string, v *string) app.EventHandler {
	store := c.ValueTo(v)
	return func(ctx app.Context, e app.Event) {
		store(ctx, e)
		delete(f.errs, field)
	}
}

// submitButton is a form's submit button, disabled while a call runs.
func (f *formState) submitButton(id, label, busyLabel string) app.UI {
	text := label
	if f.busy {
		text = busyLabel
	}
	return app.Button().ID(id).Class("btn btn-primary btn-block").Type("submit").
		Disabled(f.busy).Aria("busy", f.busy).Text(text)
}

// focus moves keyboard focus to the element with id once rendering is done.
func focus(ctx app.Context, id string) {
	ctx.Defer(func(app.Context) {
		if el := app.Window().GetElementByID(id); el.Truthy() {
			el.Call("focus")
		}
	})
}
