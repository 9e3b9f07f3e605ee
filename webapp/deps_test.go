package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestWasmDependencies fails when the web app's dependency graph, built for
// js/wasm, pulls in server-side code: the database driver, Caddy or the
// MinIO client (style rule 2; they would bloat the wasm or not build).
func TestWasmDependencies(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("go", "list", "-deps", "./...")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps for js/wasm: %v", err)
	}
	deps := strings.Fields(string(out))
	forbidden := []string{"github.com/jackc/pgx", "github.com/caddyserver", "github.com/minio/minio-go"}
	seenApp := false
	for _, d := range deps {
		if strings.HasPrefix(d, "github.com/maxence-charriere/go-app/") {
			seenApp = true
		}
		for _, f := range forbidden {
			if strings.HasPrefix(d, f) {
				t.Errorf("the web app depends on %s (forbidden: %s); find the import with `GOOS=js GOARCH=wasm go list -deps -f '{{.ImportPath}}: {{.Imports}}' ./webapp/...`", d, f)
			}
		}
	}
	if !seenApp {
		t.Fatalf("go list found no go-app in %d dependencies: the check looks at the wrong packages", len(deps))
	}
}
