package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunUsage checks that talentctl refuses malformed commands before it
// talks to any edge. The commands themselves run against a real talent-edge
// in edge/cmd/talent-edge (TestCanary, OPS-4).
func TestRunUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "nothing", args: nil, want: "usage"},
		{name: "unknown group", args: []string{"tls", "status"}, want: "usage"},
		{name: "unknown command", args: []string{"canary", "promote"}, want: "usage"},
		{name: "set without weight", args: []string{"canary", "set"}, want: "usage"},
		{name: "set not a number", args: []string{"canary", "set", "ten"}, want: "want a percentage"},
		{name: "set over 100", args: []string{"canary", "set", "101"}, want: "want a percentage"},
		{name: "set negative", args: []string{"canary", "set", "-1"}, want: "want a percentage"},
		{name: "status with argument", args: []string{"canary", "status", "now"}, want: "usage"},
		{name: "rollback with argument", args: []string{"canary", "rollback", "10"}, want: "usage"},
		{name: "unknown flag", args: []string{"--colour", "canary", "status"}, want: "parse flags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			// An admin address nothing listens on: these must fail first.
			getenv := func(string) string { return "127.0.0.1:1" }
			err := run(t.Context(), tt.args, getenv, &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}
