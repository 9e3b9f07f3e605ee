// Package caddyfiletest holds the Caddyfile tests every edge module runs:
// golden Caddyfile→JSON adaptation of testdata/*.caddyfile, and Caddyfiles
// that must fail to adapt. Only tests import it.
package caddyfiletest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
)

// Golden adapts every testdata/*.caddyfile to JSON and compares it with
// the matching .golden.json; with update it rewrites the golden files
// instead. The caller's package must import the modules the Caddyfiles use.
func Golden(t *testing.T, update bool) {
	t.Helper()
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.caddyfile"))
	if err != nil {
		t.Fatalf("glob testdata: %v", err)
	}
	if len(inputs) == 0 {
		t.Fatal("no testdata/*.caddyfile")
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".caddyfile")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := Adapt(t, in)
			golden := strings.TrimSuffix(in, ".caddyfile") + ".golden.json"
			if update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatalf("write %s: %v", golden, err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read %s (run go test -update to create it): %v", golden, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s adapts to\n%s\nwant (%s)\n%s", in, got, golden, want)
			}
		})
	}
}

// Adapt adapts the Caddyfile at path and returns its JSON, indented with
// tabs and ending in a newline; a warning fails the test.
func Adapt(t *testing.T, path string) []byte {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	a := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
	out, warnings, err := a.Adapt(body, map[string]any{"filename": path})
	if err != nil {
		t.Fatalf("adapt %s: %v", path, err)
	}
	for _, w := range warnings {
		t.Errorf("adapt %s: warning: %s", path, w.String())
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, out, "", "\t"); err != nil {
		t.Fatalf("indent JSON: %v", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

// Case is a Caddyfile that must not adapt.
type Case struct {
	Name, Body string
}

// Errors checks that each case's Caddyfile fails to adapt.
func Errors(t *testing.T, cases []Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			a := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
			if _, _, err := a.Adapt([]byte(tc.Body), map[string]any{"filename": tc.Name}); err == nil {
				t.Fatalf("Adapt(%q) succeeded, want an error", tc.Body)
			}
		})
	}
}
