package ratelimit_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/talent-hub/talent/edge/ratelimit"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the adapted Caddyfiles")

// TestCaddyfileGolden adapts every testdata/*.caddyfile to JSON and compares
// it with the matching .golden.json (go test -update rewrites them).
func TestCaddyfileGolden(t *testing.T) {
	t.Parallel()
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
			got := adapt(t, in)
			golden := strings.TrimSuffix(in, ".caddyfile") + ".golden.json"
			if *update {
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

func TestCaddyfileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
	}{
		{name: "argument", body: ":80 {\n\ttalent_ratelimit x {\n\t\tzone a {\n\t\t\trate 1/s\n\t\t}\n\t}\n}\n"},
		{name: "no zones", body: ":80 {\n\ttalent_ratelimit\n}\n"},
		{name: "unknown option", body: ":80 {\n\ttalent_ratelimit {\n\t\tlimit 1\n\t}\n}\n"},
		{name: "no rate", body: ":80 {\n\ttalent_ratelimit {\n\t\tzone a {\n\t\t\tburst 2\n\t\t}\n\t}\n}\n"},
		{name: "bad rate", body: ":80 {\n\ttalent_ratelimit {\n\t\tzone a {\n\t\t\trate ten/m\n\t\t}\n\t}\n}\n"},
		{name: "bad window", body: ":80 {\n\ttalent_ratelimit {\n\t\tzone a {\n\t\t\trate 10/fortnight\n\t\t}\n\t}\n}\n"},
		{name: "zero burst", body: ":80 {\n\ttalent_ratelimit {\n\t\tzone a {\n\t\t\trate 1/s\n\t\t\tburst 0\n\t\t}\n\t}\n}\n"},
		{name: "unknown zone option", body: ":80 {\n\ttalent_ratelimit {\n\t\tzone a {\n\t\t\trate 1/s\n\t\t\temail x\n\t\t}\n\t}\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
			if _, _, err := a.Adapt([]byte(tt.body), map[string]any{"filename": tt.name}); err == nil {
				t.Fatalf("Adapt(%q) succeeded, want an error", tt.body)
			}
		})
	}
}

func adapt(t *testing.T, path string) []byte {
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
