package keywords_test

import (
	"flag"
	"testing"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/talent-hub/talent/edge/requestid"

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
		{Name: "argument", Body: ":80 {\n\ttalent_keywords words\n}\n"},
		{Name: "unknown option", Body: ":80 {\n\ttalent_keywords {\n\t\tdeny x\n\t}\n}\n"},
		{Name: "no files", Body: ":80 {\n\ttalent_keywords {\n\t\tblock_file\n\t}\n}\n"},
		{Name: "except without paths", Body: ":80 {\n\ttalent_keywords {\n\t\texcept\n\t}\n}\n"},
		{Name: "bad max_bytes", Body: ":80 {\n\ttalent_keywords {\n\t\tmax_bytes 4MB\n\t}\n}\n"},
		{Name: "bad interval", Body: ":80 {\n\ttalent_keywords {\n\t\treload_interval soon\n\t}\n}\n"},
		{Name: "two routes", Body: ":80 {\n\ttalent_keywords {\n\t\troute a b\n\t}\n}\n"},
	})
}
