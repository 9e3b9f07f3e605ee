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
	kindStars // globs whose only special character is '*'
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
		case !strings.ContainsAny(p, `?[\`):
			m.patterns = append(m.patterns, pathPattern{kindStars, p})
		default:
			m.patterns = append(m.patterns, pathPattern{kindGlob, p})
		}
	}
	return m, nil
}

// starMatch is path.Match for patterns whose only special character is
// '*' (any run of characters but '/'), without path.Match's general
// machinery: the limiter runs it for every request.
func starMatch(pattern, name string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == name
	}
	if !strings.HasPrefix(name, pattern[:star]) {
		return false
	}
	name, pattern = name[star:], strings.TrimLeft(pattern[star:], "*")
	if pattern == "" {
		return !strings.Contains(name, "/")
	}
	for i := 0; i <= len(name); i++ {
		if i > 0 && name[i-1] == '/' {
			return false
		}
		if name[i:] != "" && name[i] != pattern[0] && pattern[0] != '*' {
			continue // cannot start the rest here
		}
		if starMatch(pattern, name[i:]) {
			return true
		}
	}
	return false
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
		case kindStars:
			ok = starMatch(p.s, clean)
		default:
			ok, _ = path.Match(p.s, clean)
		}
		if ok {
			return true
		}
	}
	return false
}
