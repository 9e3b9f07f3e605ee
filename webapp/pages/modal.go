package pages

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// modal is what a page keeps of an open modal dialog: the control that
// opened it, to which focus returns when it closes.
//
// A modal dialog is a native <dialog> element opened with showModal(): the
// browser puts it in the top layer, draws its ::backdrop and makes the rest
// of the document inert (no focus, no clicks, hidden from assistive
// technology), and Escape fires its cancel event. On top of that
// modalDialog keeps Tab and Shift+Tab inside it (the browser would let
// focus leave to its own toolbar), and Escape closes it as its Cancel
// button does. The page renders the element while its state says it is
// open and calls showModal after the update that rendered it.
type modal struct {
	opener app.Value
}

// noteOpener remembers the control that has focus now, unless from names
// one (an element already known to open the dialog).
func (m *modal) noteOpener(from app.Value) {
	if from != nil && from.Truthy() {
		m.opener = from
		return
	}
	m.opener = nil
	if !app.IsClient {
		return
	}
	doc := app.Window().Get("document")
	el := doc.Get("activeElement")
	if el.Truthy() && !el.Equal(doc.Get("body")) {
		m.opener = el
	}
}

// returnFocus gives focus back to the opener after the update that closes
// the dialog, when the opener is still on the page. ctx is the page's
// context from OnMount: the dialog's own elements are gone by then, and
// go-app drops what they defer.
func (m *modal) returnFocus(ctx app.Context) {
	el := m.opener
	m.opener = nil
	if el == nil || !el.Truthy() {
		return
	}
	ctx.Defer(func(app.Context) { focusWhenEnabled(el) })
}

// focusWhenEnabled focuses el, or, while it is disabled (its page is busy
// with what the dialog started), once it is enabled again and nothing
// else has taken the focus meanwhile.
func focusWhenEnabled(el app.Value) {
	if !el.Get("isConnected").Bool() {
		return
	}
	if !el.Get("disabled").Truthy() {
		el.Call("focus")
		return
	}
	var (
		observer app.Value
		changed  app.Func
	)
	changed = app.FuncOf(func(app.Value, []app.Value) any {
		if el.Get("disabled").Truthy() && el.Get("isConnected").Bool() {
			return nil
		}
		observer.Call("disconnect")
		changed.Release()
		doc := app.Window().Get("document")
		if a := doc.Get("activeElement"); el.Get("isConnected").Bool() && (!a.Truthy() || a.Equal(doc.Get("body"))) {
			el.Call("focus")
		}
		return nil
	})
	observer = app.Window().Get("MutationObserver").New(changed)
	observer.Call("observe", el, map[string]any{"attributes": true, "attributeFilter": []any{"disabled"}})
}

// showModal opens the <dialog> with the given id as a modal after the
// current update (the one that renders it), and focuses the element
// focusID in it, or its first control. Called again while it is open, it
// only makes sure it is shown: go-app may have drawn a new element. ctx
// is the page's context from OnMount (see returnFocus).
func showModal(ctx app.Context, id, focusID string) {
	ctx.Defer(func(app.Context) {
		doc := app.Window().Get("document")
		el := doc.Call("getElementById", id)
		if !el.Truthy() {
			return
		}
		if !el.Get("open").Bool() {
			el.Call("showModal")
		}
		if focusID == "" {
			return
		}
		if f := doc.Call("getElementById", focusID); f.Truthy() {
			f.Call("focus")
		} else if all := focusables(el); len(all) > 0 {
			all[0].Call("focus")
		}
	})
}

// focusableSelector matches the controls Tab can reach.
const focusableSelector = `a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), ` +
	`select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])`

// focusables are the visible controls in el, in document order.
func focusables(el app.Value) []app.Value {
	list := el.Call("querySelectorAll", focusableSelector)
	var out []app.Value
	for i := 0; i < list.Length(); i++ {
		c := list.Index(i)
		if c.Call("getClientRects").Length() > 0 {
			out = append(out, c)
		}
	}
	return out
}

// modalDialog is a <dialog> element with id, named by the element
// labelledBy, whose Escape (the cancel event) and native close call cancel,
// and which keeps Tab within its controls. role is "dialog", or
// "alertdialog" for a confirmation.
func modalDialog(id, role, labelledBy string, cancel func(ctx app.Context)) app.HTMLDialog {
	d := app.Dialog().ID(id).Class("card dialog").Aria("labelledby", labelledBy).Aria("modal", true)
	if role != "dialog" {
		d = d.Role(role)
	}
	return d.
		On("cancel", func(ctx app.Context, e app.Event) {
			// The page closes it by removing it: no second close event.
			e.PreventDefault()
			cancel(ctx)
		}).
		On("close", func(ctx app.Context, e app.Event) {
			// The browser closed it anyway (it may refuse to cancel a
			// cancel event without a user action since the last one).
			if !e.Get("target").Get("open").Bool() {
				cancel(ctx)
			}
		}).
		OnKeyDown(trapTab)
}

// trapTab moves focus from the dialog's last control to its first on Tab,
// and from the first to the last on Shift+Tab.
func trapTab(ctx app.Context, e app.Event) {
	if e.Get("key").String() != "Tab" {
		return
	}
	dialog := ctx.JSSrc()
	all := focusables(dialog)
	if len(all) == 0 {
		e.PreventDefault()
		return
	}
	first, last := all[0], all[len(all)-1]
	active := app.Window().Get("document").Get("activeElement")
	inside := dialog.Call("contains", active).Bool()
	switch {
	case e.Get("shiftKey").Bool() && (!inside || active.Equal(first)):
		e.PreventDefault()
		last.Call("focus")
	case !e.Get("shiftKey").Bool() && (!inside || active.Equal(last)):
		e.PreventDefault()
		first.Call("focus")
	}
}
