package canary_test

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

	_ "github.com/talent-hub/talent/edge/canary"
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
		{name: "argument", body: "talent_canary 10"},
		{name: "unknown option", body: "talent_canary {\n\t\tcolour blue\n\t}"},
		{name: "weight not a number", body: "talent_canary {\n\t\tweight ten\n\t}"},
		{name: "weight two args", body: "talent_canary {\n\t\tweight 1 2\n\t}"},
		{name: "id missing", body: "talent_canary {\n\t\tid\n\t}"},
		{name: "rollback on", body: "talent_canary {\n\t\trollback on\n\t}"},
		{name: "rollback bad window", body: "talent_canary {\n\t\trollback {\n\t\t\twindow soon\n\t\t}\n\t}"},
		{name: "rollback zero slots", body: "talent_canary {\n\t\trollback {\n\t\t\tslots 0\n\t\t}\n\t}"},
		{name: "rollback unknown", body: "talent_canary {\n\t\trollback {\n\t\t\tspeed 1\n\t\t}\n\t}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := ":80 {\n\t" + tt.body + "\n}\n"
			a := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
			if _, _, err := a.Adapt([]byte(body), map[string]any{"filename": tt.name}); err == nil {
				t.Fatalf("Adapt(%q) succeeded, want an error", body)
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
