package main

import (
	"os"
	"strings"
	"testing"
)

// TestSplitAccessLog checks that the bench takes the shipped edge's
// access log off for "edge no log" and gives plain Caddy the same log,
// Caddy's way, for "plain + log".
func TestSplitAccessLog(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Caddyfile", "Caddyfile.prod"} {
		src, err := os.ReadFile("../../../deploy/edge/" + name)
		if err != nil {
			t.Fatal(err)
		}
		without, log, err := splitAccessLog(string(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(without, "\ttalent_access_log {") || strings.Contains(without, "field upstream") {
			t.Errorf("%s: the edge without its log still has its talent_access_log block", name)
		}
		if !strings.Contains(without, "\ttalent_request_id\n") || !strings.Contains(without, "\ttalent_canary {") {
			t.Errorf("%s: the edge without its log lost more than the log", name)
		}
		if !strings.HasPrefix(log.site, "\tlog {\n\t\toutput talent_buffered stderr\n\t\tformat filter {") {
			t.Errorf("%s: plain Caddy's log block = %q", name, log.site)
		}
		for _, f := range []string{"request_id", "canary", "upstream", "upstream_latency_ms", "user_agent"} {
			if !strings.Contains(log.site, "\tlog_append "+f+" {") {
				t.Errorf("%s: plain Caddy's log has no log_append %s:\n%s", name, f, log.site)
			}
		}
	}
}
