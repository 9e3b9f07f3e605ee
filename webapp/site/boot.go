package site

import (
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
)

// When the wasm starts (ARCH-1, issue 7).
//
// A public page arrives prerendered and complete: its content, its links
// (plain navigations, each prerendered in turn) and its forms' fields. The
// Go runtime starting a 20 MB wasm and rendering the page again costs the
// main thread about a second on a mid-range phone, so on such a page
// (marked by the server with <meta name="talent-start" content="on-use">)
// the wasm starts when the person first uses the page: a press or a key
// that is not on a link, or focus entering a form field. Meanwhile the
// service worker has already fetched the wasm into its cache, so the start
// costs compiling and running it, not downloading it.
//
// Where the page cannot be used without the app, it starts at once: pages
// that need a session, the offline shell (the cached "/" standing in for
// another URL), and every page for someone signed in on this device (the
// app keeps a hint in localStorage, "talent.signed-in"; the session cookie
// itself is HttpOnly).
//
// Taking over re-renders the same content, so nothing moves; what the
// person did meanwhile carries over: field values (with input and change
// events, so the app's state has them), the focused field, and a press on
// a button or a submitted form, replayed on the app's element of the same
// id.

// startMeta is the marker the server puts in the head of pages that are
// complete without the wasm. It names the page's path: the offline shell
// (the cached "/" answering for another URL) must start the app at once.
func startMeta(path string) string {
	return `<meta name="talent-start" content="on-use" data-path="` + html.EscapeString(path) + `">`
}

// appJSStart is the call in go-app's app.js that starts the wasm at once.
const appJSStart = "goappInitWebAssembly();\n"

// appJSRun is where go-app's app.js runs the wasm.
const appJSRun = "go.run(wasm.instance);\n"

// appJSStartWhenUsed replaces appJSStart.
const appJSStartWhenUsed = `talentStart();

// talentStart starts the wasm now, or on first use of a page that is
// complete without it (webapp/site/boot.go).
function talentStart() {
  const meta = document.querySelector('meta[name="talent-start"]');
  let signedIn = false;
  try { signedIn = localStorage.getItem("talent.signed-in") === "1"; } catch (e) {}
  const now = !meta || meta.content !== "on-use" || meta.dataset.path !== location.pathname || signedIn || !("WebAssembly" in window);
  const kinds = ["pointerdown", "keydown", "focusin", "click", "submit"];
  let started = false;
  const use = (ev) => {
    const t = ev.target instanceof Element ? ev.target : null;
    const onLink = t && t.closest("a[href]");
    if (ev.type === "submit") {
      ev.preventDefault();
      talentPending.submit = t && t.id;
    } else if (ev.type === "click") {
      // A click alone (assistive technology may send no press before it)
      // is a use too; on a button, the app gets it once it runs.
      if (onLink) return;
      // (Checkboxes and radios toggle natively: their state carries over.)
      const b = t && t.closest("button[id]");
      if (b && b.id) talentPending.click = b.id;
    }
    if (started || onLink) return;
    if (ev.type === "keydown" && (ev.key === "Tab" || ev.key === "Shift")) return;
    if (ev.type === "focusin" && !(t && t.matches("input, select, textarea"))) return;
    started = true;
    const loader = document.getElementById("app-wasm-loader");
    if (loader) loader.hidden = false;
    goappInitWebAssembly();
  };
  talentStop = () => kinds.forEach((k) => removeEventListener(k, use, true));
  kinds.forEach((k) => addEventListener(k, use, true));
  window.talentStartNow = () => use(new Event("keydown"));
  if (now) {
    // Started at once: presses and submits before the app took over are
    // held back and replayed all the same.
    started = true;
    const loader = document.getElementById("app-wasm-loader");
    if (loader) loader.hidden = false;
    goappInitWebAssembly();
  }
}

var talentStop = function () {};
var talentPending = {};

// talentKeep records what the person did on the prerendered page.
function talentKeep() {
  const active = document.activeElement;
  const kept = {focus: active && active.id, values: []};
  document.querySelectorAll("input[id], select[id], textarea[id]").forEach((el) => {
    if (el.type === "checkbox" || el.type === "radio") {
      if (el.checked !== el.defaultChecked) kept.values.push([el.id, "checked", el.checked]);
    } else if (el.type !== "file" && el.value !== el.defaultValue) {
      kept.values.push([el.id, "value", el.value]);
    }
  });
  return kept;
}

// talentRestore carries it over to the app's elements once it rendered.
function talentRestore(kept, before) {
  const apply = () => {
    // Until now a press or a submit on the prerendered page was held back
    // (the app may render after go.run returns); from here the app has them.
    talentStop();
    for (const [id, prop, v] of kept.values) {
      const el = document.getElementById(id);
      if (!el || el[prop] === v) continue;
      el[prop] = v;
      el.dispatchEvent(new Event("input", {bubbles: true}));
      el.dispatchEvent(new Event("change", {bubbles: true}));
    }
    const f = kept.focus && document.getElementById(kept.focus);
    if (f) f.focus();
    const c = talentPending.click && document.getElementById(talentPending.click);
    const s = talentPending.submit && document.getElementById(talentPending.submit);
    talentPending = {};
    if (c) c.click();
    else if (s && s.requestSubmit) s.requestSubmit();
  };
  if (document.body.firstElementChild !== before) {
    apply();
    return;
  }
  const mo = new MutationObserver(() => {
    if (document.body.firstElementChild !== before) {
      mo.disconnect();
      apply();
    }
  });
  mo.observe(document.body, {childList: true});
}
`

// appJSRunKept replaces appJSRun.
const appJSRunKept = `const talentBefore = document.body.firstElementChild;
    const talentKept = talentKeep();
    go.run(wasm.instance);
    talentRestore(talentKept, talentBefore);
`

// startWhenUsed patches go-app's app.js as described above. It fails when
// go-app's app.js no longer has the lines it replaces.
func startWhenUsed(js string) (string, error) {
	if strings.Count(js, appJSStart) != 1 || strings.Count(js, appJSRun) != 1 {
		return "", errors.New("go-app's app.js changed: update the start on use in webapp/site/boot.go")
	}
	js = strings.Replace(js, appJSStart, appJSStartWhenUsed, 1)
	return strings.Replace(js, appJSRun, appJSRunKept, 1), nil
}

// patchedAppJS renders go-app's app.js once and patches it.
func patchedAppJS(h http.Handler) ([]byte, http.Header, error) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/app.js", nil))
	if rec.Code != http.StatusOK {
		return nil, nil, errors.New("render go-app's app.js: " + http.StatusText(rec.Code))
	}
	js, err := startWhenUsed(rec.Body.String())
	if err != nil {
		return nil, nil, err
	}
	hdr := rec.Header().Clone()
	hdr.Del("Content-Length")
	return []byte(js), hdr, nil
}
