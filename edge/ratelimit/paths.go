package ratelimit

import (
	"fmt"
	"path"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// pathMatcher matches a request path against a zone's patterns with the
// semantics of Caddy's path matcher (case-insensitive, on the cleaned path;
// "/a/*" prefix, "*.x" suffix, "*x*" substring, otherwise path.Match
// globbing), but cleans the path once per request for all zones instead of
// once per pattern: the limiter sits in front of every request.
type pathMatcher struct {
	patterns []pathPattern
}

type pathKind int

const (
	kindGlob pathKind = iota
	kindExact
	kindPrefix
	kindSuffix
	kindSubstring
)

type pathPattern struct {
	kind pathKind
	s    string
}

func compilePaths(patterns []string) (pathMatcher, error) {
	var m pathMatcher
	for _, p := range patterns {
		if strings.ContainsAny(p, "%{") {
			return m, fmt.Errorf("path pattern %q: escapes and placeholders are not supported", p)
		}
		if strings.Contains(p, "//") {
			return m, fmt.Errorf("path pattern %q: double slashes never match a cleaned path", p)
		}
		if _, err := path.Match(p, ""); err != nil {
			return m, fmt.Errorf("path pattern %q: %w", p, err)
		}
		p = strings.ToLower(p)
		stars := strings.Count(p, "*")
		switch {
		case !strings.ContainsAny(p, `*?[\`):
			m.patterns = append(m.patterns, pathPattern{kindExact, p})
		case stars == 2 && len(p) > 1 && p[0] == '*' && p[len(p)-1] == '*' && !strings.ContainsAny(p, `?[\`):
			m.patterns = append(m.patterns, pathPattern{kindSubstring, p[1 : len(p)-1]})
		case stars == 1 && p[0] == '*' && !strings.ContainsAny(p, `?[\`):
			m.patterns = append(m.patterns, pathPattern{kindSuffix, p[1:]})
		case stars == 1 && p[len(p)-1] == '*' && !strings.ContainsAny(p, `?[\`):
			m.patterns = append(m.patterns, pathPattern{kindPrefix, p[:len(p)-1]})
		default:
			m.patterns = append(m.patterns, pathPattern{kindGlob, p})
		}
	}
	return m, nil
}

// cleanRequestPath is the form patterns are matched against.
func cleanRequestPath(p string) string {
	return caddyhttp.CleanPath(strings.ToLower(p), true)
}

// match reports whether the cleaned path matches; no patterns match all.
func (m pathMatcher) match(clean string) bool {
	if len(m.patterns) == 0 {
		return true
	}
	for _, p := range m.patterns {
		var ok bool
		switch p.kind {
		case kindExact:
			ok = clean == p.s
		case kindPrefix:
			ok = strings.HasPrefix(clean, p.s)
		case kindSuffix:
			ok = strings.HasSuffix(clean, p.s)
		case kindSubstring:
			ok = strings.Contains(clean, p.s)
		default:
			ok, _ = path.Match(p.s, clean)
		}
		if ok {
			return true
		}
	}
	return false
}
