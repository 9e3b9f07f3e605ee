package e2e

import (
	"fmt"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The keyboard and assistive-technology checks of a modal dialog
// (webapp/pages/modal.go), shared by the browser tests that open one.

// pressOn focuses the element sel, as Tab would, and presses key (a
// trusted key event, as a person's).
func pressOn(sel, key string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		// As click: once the element is there and enabled.
		waitUntil(fmt.Sprintf(`(() => {
			const el = document.querySelector(%q);
			if (!el || el.disabled) return false;
			el.focus();
			return document.activeElement === el;
		})()`, sel)),
		chromedp.KeyEvent(key),
	}
}

// dialogControls is a JavaScript expression for the visible controls
// Tab reaches in the dialog sel, in order.
func dialogControls(sel string) string {
	return fmt.Sprintf(`[...document.querySelector(%q).querySelectorAll('a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled])')].filter(e => e.getClientRects().length > 0)`, sel)
}

// modalDialogIsModal checks the open dialog sel: focus is on the control
// first; the dialog is modal (:modal), so that behind is outside
// cannot take focus; Tab from its last control goes to its first and
// Shift+Tab from the first to the last.
func modalDialogIsModal(sel, first, outside string) []chromedp.Action[chromedp.Void] {
	controls := dialogControls(sel)
	actions := []chromedp.Action[chromedp.Void]{
		waitUntil(fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, first)),
		waitUntil(fmt.Sprintf(`document.querySelector(%q).matches(":modal")`, sel)),
		// The page behind is inert: focusing a control there does nothing.
		waitUntil(fmt.Sprintf(`(() => {
			const el = document.querySelector(%q);
			el.focus();
			return document.activeElement !== el && document.querySelector(%q).contains(document.activeElement);
		})()`, outside, sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const c = %s; c[c.length - 1].focus(); })()`, controls)),
		chromedp.KeyEvent(kb.Tab),
		waitUntil(fmt.Sprintf(`document.activeElement === %s[0]`, controls)),
		chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)),
		waitUntil(fmt.Sprintf(`(() => { const c = %s; return document.activeElement === c[c.length - 1]; })()`, controls)),
	}
	return actions
}

// escapeCloses presses Escape in the dialog sel: it goes, and focus is
// back on opener.
func escapeCloses(sel, opener string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.KeyEvent(kb.Escape),
		waitUntil(fmt.Sprintf(`!document.querySelector(%q)`, sel)),
		waitUntil(fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, opener)),
	}
}
