package canary_test

import (
	"flag"
	"testing"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/talent-hub/talent/edge/canary"

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
	// Each body is one directive inside a site block.
	cases := []caddyfiletest.Case{
		{Name: "argument", Body: "talent_canary 10"},
		{Name: "unknown option", Body: "talent_canary {\n\t\tcolour blue\n\t}"},
		{Name: "weight not a number", Body: "talent_canary {\n\t\tweight ten\n\t}"},
		{Name: "except without paths", Body: "talent_canary {\n\t\texcept\n\t}"},
		{Name: "weight two args", Body: "talent_canary {\n\t\tweight 1 2\n\t}"},
		{Name: "id missing", Body: "talent_canary {\n\t\tid\n\t}"},
		{Name: "rollback on", Body: "talent_canary {\n\t\trollback on\n\t}"},
		{Name: "rollback bad window", Body: "talent_canary {\n\t\trollback {\n\t\t\twindow soon\n\t\t}\n\t}"},
		{Name: "rollback zero slots", Body: "talent_canary {\n\t\trollback {\n\t\t\tslots 0\n\t\t}\n\t}"},
		{Name: "rollback unknown", Body: "talent_canary {\n\t\trollback {\n\t\t\tspeed 1\n\t\t}\n\t}"},
	}
	for i := range cases {
		cases[i].Body = ":80 {\n\t" + cases[i].Body + "\n}\n"
	}
	caddyfiletest.Errors(t, cases)
}
