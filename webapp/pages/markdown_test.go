package pages

import (
	"strings"
	"testing"
)

// TestRenderMarkdown checks that descriptions render as Markdown and that
// HTML and script links in them are not passed through (TASK-1, SEC-5).
func TestRenderMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src   string
		want, never []string
	}{
		{name: "emphasis and headings", src: "# 目标\n\n**每日**结算", want: []string{"<h1>目标</h1>", "<strong>每日</strong>"}},
		{name: "lists and tables", src: "- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |", want: []string{"<li>a</li>", "<table>", "<td>1</td>"}},
		{name: "raw html dropped", src: "hi <script>alert(1)</script> <img src=x onerror=alert(1)>", never: []string{"<script", "<img", "onerror"}},
		{name: "html block dropped", src: "<div onclick=\"x()\">click</div>", never: []string{"<div", "onclick"}},
		{name: "script link dropped", src: "[me](javascript:alert(1))", never: []string{"javascript:"}},
		{name: "text escaped", src: "a < b & c", want: []string{"a &lt; b &amp; c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := renderMarkdown(tt.src)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("renderMarkdown(%q) = %q, want it to contain %q", tt.src, got, w)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(got, n) {
					t.Errorf("renderMarkdown(%q) = %q, must not contain %q", tt.src, got, n)
				}
			}
		})
	}
}
