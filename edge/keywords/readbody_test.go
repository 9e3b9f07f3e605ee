package keywords

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestReadBody checks the whole body is read whatever length was announced,
// and that a body past the limit is refused, never truncated (SEC-5).
func TestReadBody(t *testing.T) {
	t.Parallel()
	const max = 1000
	tests := []struct {
		name     string
		size     int
		announce int64 // ContentLength; -1 unknown
		tooLarge bool
	}{
		{"empty unknown", 0, -1, false},
		{"small known", 24, 24, false},
		{"small unknown", 24, -1, false},
		{"exactly max known", max, max, false},
		{"exactly max unknown", max, -1, false},
		{"max+1 unknown", max + 1, -1, true},
		{"longer than announced", 700, 10, false},
		{"shorter than announced", 10, 700, false},
		{"past max, announced small", 5000, 10, true},
		{"past max unknown", 5000, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := []byte(strings.Repeat("赌", tt.size)[:tt.size])
			r, err := http.NewRequest(http.MethodPost, "/", io.MultiReader(bytes.NewReader(want)))
			if err != nil {
				t.Fatal(err)
			}
			r.ContentLength = tt.announce
			got, err := readBody(r, max)
			switch {
			case tt.tooLarge && !errors.Is(err, errTooLarge):
				t.Fatalf("readBody: %v, want errTooLarge", err)
			case !tt.tooLarge && err != nil:
				t.Fatalf("readBody: %v", err)
			case !tt.tooLarge && !bytes.Equal(got, want):
				t.Fatalf("readBody read %d bytes, want the %d sent", len(got), len(want))
			}
		})
	}
}
