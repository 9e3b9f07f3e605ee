package requestid_test

import (
	"flag"
	"testing"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

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
		{Name: "two args", Body: ":80 {\n\ttalent_request_id X-A X-B\n}\n"},
		{Name: "block", Body: ":80 {\n\ttalent_request_id {\n\t\theader X-A\n\t}\n}\n"},
	})
}
