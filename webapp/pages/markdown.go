package pages

import (
	"bytes"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// md renders task descriptions. goldmark is CommonMark-compliant, pure Go
// (it compiles to wasm, so the description is rendered in the browser and
// the API keeps returning Markdown), and safe by default: without
// html.WithUnsafe it omits raw HTML and drops javascript: and similar
// links, so a description cannot inject markup or script.
var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

// renderMarkdown returns src as safe HTML.
func renderMarkdown(src string) string {
	var b bytes.Buffer
	if err := md.Convert([]byte(src), &b); err != nil {
		// goldmark only fails when writing fails, which a buffer does not.
		return ""
	}
	return b.String()
}

// markdown is src rendered, in one element (go-app's Raw needs one root).
func markdown(src string) app.UI {
	return app.Raw(`<div class="markdown description">` + renderMarkdown(src) + `</div>`)
}
