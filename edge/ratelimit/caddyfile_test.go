package ratelimit_test

import (
	"flag"
	"testing"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/talent-hub/talent/edge/ratelimit"

	"github.com/talent-hub/talent/edge/internal/caddyfiletest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the adapted Caddyfiles")

// TestCaddyfileGolden adapts every testdata/*.caddyfile to JSON and compares
// it with the matching .golden.json (go test -update rewrites them).
func TestCaddyfileGolden(t *testing.T) {
	t.Parallel()
	caddyfiletest.Golden(t, *update)
}

func TestCaddyfileErrors(t *testing.T) {
	t.Parallel()
	caddyfiletest.Errors(t, []caddyfiletest.Case{
		{Name: "argument", Body: ":80 {\n\ttalent_ratelimit x {\n\t\tzone a {\n\t\t\trate 1/s\n\t\t}\n\t}\n}\n"},
		{Name: "no zones", Body: ":80 {\n\ttalent_ratelimit\n}\n"},
		{Name: "unknown option", Body: ":80 {\n\ttalent_ratelimit {\n\t\tlimit 1\n\t}\n}\n"},
		{Name: "no rate", Body: ":80 {\n\ttalent_ratelimit {\n\t\tzone a {\n\t\t\tburst 2\n\t\t}\n\t}\n}\n"},
		{Name: "bad rate", Body: ":80 {\n\ttalent_ratelimit {\n\t\tzone a {\n\t\t\trate ten/m\n\t\t}\n\t}\n}\n"},
		{Name: "bad window", Body: ":80 {\n\ttalent_ratelimit {\n\t\tzone a {\n\t\t\trate 10/fortnight\n\t\t}\n\t}\n}\n"},
		{Name: "zero burst", Body: ":80 {\n\ttalent_ratelimit {\n\t\tzone a {\n\t\t\trate 1/s\n\t\t\tburst 0\n\t\t}\n\t}\n}\n"},
		{Name: "unknown zone option", Body: ":80 {\n\ttalent_ratelimit {\n\t\tzone a {\n\t\t\trate 1/s\n\t\t\temail x\n\t\t}\n\t}\n}\n"},
	})
}
