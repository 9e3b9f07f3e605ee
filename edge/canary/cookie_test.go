package canary

import (
	"net/http"
	"strings"
	"testing"
)

// TestCookieAsNetHTTP checks that the handler's cookie lookup finds what
// r.Cookie finds, for the values browsers and attackers send (OPS-4).
func TestCookieAsNetHTTP(t *testing.T) {
	t.Parallel()
	lines := [][]string{
		nil,
		{""},
		{"talent_canary=42"},
		{"a=1; talent_canary=42; b=2"},
		{"a=1", "talent_canary=7"},
		{"talent_canary=\"42\""},
		{"talent_canary=4 2"},
		{"talent_canary="},
		{"talent_canary"},
		{"talent_canary=1; talent_canary=2"},
		{"bad name=1; talent_canary=3"},
		{"talent_canary=x\x7f"},
		{"  talent_canary=9  ;"},
		{"TALENT_CANARY=5"},
		{"talent_canary=\"unterminated"},
		{"talent_canary = 42"},
		{" talent_canary =42 "},
		{"talent_canary=a\\b"},
		{"talent_canary=a b"},
		{"talent_canary=\"\""},
		{"talent_canary=\""},
		{"x=1;;talent_canary=8;"},
		{"talent_canary=1=2"},
		{"a=\"x;talent_canary=5"},
		{strings.Repeat("a=1;", 2999) + "talent_canary=6"},
		{strings.Repeat("a=1;", 3000) + "talent_canary=6"},
	}
	for _, ls := range lines {
		r, err := http.NewRequest(http.MethodGet, "/", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header["Cookie"] = ls
		want, werr := r.Cookie("talent_canary")
		got, ok := cookie(r, "talent_canary")
		if (werr == nil) != ok || (ok && got != want.Value) {
			t.Errorf("Cookie lines %.80q: got %q, %v; net/http: %v, %v", ls, got, ok, want, werr)
		}
	}
}

// TestParseBucket checks that only canonical bucket numbers are read.
func TestParseBucket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true}, {"9999", 9999, true}, {"42", 42, true},
		{"", 0, false}, {"10000", 0, false}, {"042", 0, false}, {"-1", 0, false},
		{"+1", 0, false}, {"1a", 0, false}, {" 1", 0, false}, {"00", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseBucket(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseBucket(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
