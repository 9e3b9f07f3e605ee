package site

import (
	"bytes"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/talent-hub/talent/webapp/pages"
	"github.com/talent-hub/talent/webapp/ui"
)

// Prerendered pages in the visitor's language (ARCH-1, issue 7: Simplified
// Chinese for Chinese browsers, English otherwise, switchable).
//
// The language of a page is, in order: the address (?lang=zh-CN or
// ?lang=en, the links search engines follow from the hreflang
// alternates), the talent_lang cookie the footer's language switch sets,
// and the browser's Accept-Language. The page says it in <html lang>,
// Content-Language and hreflang alternates, and the wasm takes over in the
// language of the page (pages.chosenLang).

// langCookie is the cookie the language switch sets (webapp/pages/pwa.go).
const langCookie = "talent_lang"

// sessionCookie is the session's cookie (backend/auth.CookieName). Its mere
// presence decides whether the header is prerendered signed out; the page
// never shows anything of the session.
const sessionCookie = "talent_session"

// pageLang picks the language of a prerendered page.
func pageLang(r *http.Request) ui.Lang {
	if v := r.URL.Query().Get("lang"); v != "" {
		return ui.LangFor(v)
	}
	if c, err := r.Cookie(langCookie); err == nil && c.Value != "" {
		return ui.LangFor(c.Value)
	}
	return acceptLang(r.Header.Get("Accept-Language"))
}

// acceptLang is the language an Accept-Language header prefers: the Chinese
// or English tag of highest weight (the first of equal weights); English
// when it names neither.
func acceptLang(header string) ui.Lang {
	best, bestQ := ui.English, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if tag != "zh" && !strings.HasPrefix(tag, "zh-") && tag != "en" && !strings.HasPrefix(tag, "en-") {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.ReplaceAll(strings.TrimSpace(params), " ", ""), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if q > bestQ && q > 0 {
			best, bestQ = ui.LangFor(tag), q
		}
	}
	return best
}

// startsOnUse reports whether the page at u is complete without the wasm
// for a signed-out visitor, so that the app starts on first use
// (boot.go): the public, prerendered pages.
func startsOnUse(u *url.URL) bool {
	p := u.Path
	switch {
	case p == "/" || p == "/login" || p == "/signup":
		return true
	case p == "/tasks":
		return u.Query().Get("mine") == ""
	case taskPath.MatchString(p):
		return p != "/tasks/new"
	case providerPath.MatchString(p):
		return true
	}
	return false
}

var (
	taskPath     = regexp.MustCompile(`^/tasks/[A-Za-z0-9-]+$`)
	providerPath = regexp.MustCompile(`^/providers/[0-9a-f-]+$`)
)

// falseBoolean matches boolean attributes go-app writes as ="false" when
// prerendering (checked="false"): in HTML their presence means true, so a
// prerendered checkbox would be ticked, a button disabled, an element
// hidden. The app's own render sets the DOM properties and is not affected.
var falseBoolean = regexp.MustCompile(` (?:allowfullscreen|async|autofocus|autoplay|checked|controls|default|defer|disabled|formnovalidate|hidden|inert|ismap|loop|multiple|muted|nomodule|novalidate|open|readonly|required|reversed|selected)="false"`)

// loaderTag is go-app's loading badge's opening tag.
var loaderTag = regexp.MustCompile(`(<aside [^>]*id="app-wasm-loader"[^>]*)>`)

// servePage serves one page rendered by go-app in the visitor's language,
// and fixes up the HTML (see finishPage).
func servePage(w http.ResponseWriter, r *http.Request, h http.Handler) {
	view := pages.ServerView{Lang: pageLang(r)}
	if _, err := r.Cookie(sessionCookie); err != nil {
		view.SignedOut = true
	}
	rec := &bufferedResponse{header: http.Header{}, code: http.StatusOK}
	pages.Prerender(view, func() { h.ServeHTTP(rec, r) })

	for k, v := range rec.header {
		w.Header()[k] = v
	}
	body := rec.body.Bytes()
	if strings.HasPrefix(rec.header.Get("Content-Type"), "text/html") && rec.code == http.StatusOK {
		body = finishPage(body, r, view.Lang)
		w.Header().Del("Content-Length")
		w.Header().Set("Content-Language", string(view.Lang))
		w.Header().Add("Vary", "Accept-Language, Cookie")
	}
	w.WriteHeader(rec.code)
	_, _ = w.Write(body)
}

// finishPage fixes up a page go-app prerendered: boolean attributes that
// are false are left out, <html lang> is the page's language, and the head
// gets the hreflang alternates and, on pages complete without the wasm,
// the marker that starts it on first use.
func finishPage(page []byte, r *http.Request, lang ui.Lang) []byte {
	page = falseBoolean.ReplaceAll(page, nil)
	page = bytes.Replace(page, []byte(`<html lang="en">`), []byte(`<html lang="`+string(lang)+`">`), 1)

	var head strings.Builder
	for _, alt := range []struct{ hreflang, lang string }{{"en", "en"}, {"zh-CN", "zh-CN"}, {"x-default", ""}} {
		head.WriteString(`<link rel="alternate" hreflang="` + alt.hreflang + `" href="` + html.EscapeString(langURL(r, alt.lang)) + `">`)
	}
	if startsOnUse(r.URL) {
		head.WriteString(startMeta(r.URL.Path))
		// No loading badge over a page that is usable as it is; app.js
		// shows it when it starts the wasm at once.
		page = loaderTag.ReplaceAll(page, []byte("${1} hidden>"))
	}
	return bytes.Replace(page, []byte("</head>"), []byte(head.String()+"</head>"), 1)
}

// langURL is the absolute address of the request's page in lang; "" drops
// the language from the address (the visitor's own choice applies).
func langURL(r *http.Request, lang string) string {
	scheme := "https"
	if r.TLS == nil && r.Header.Get("X-Forwarded-Proto") == "http" {
		scheme = "http"
	}
	q := r.URL.Query()
	q.Del("lang")
	if lang != "" {
		q.Set("lang", lang)
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
}
