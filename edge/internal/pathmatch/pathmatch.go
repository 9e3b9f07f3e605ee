// Package pathmatch matches request paths against patterns with the
// semantics of Caddy's path matcher (case-insensitive, on the cleaned path
// with doubled slashes merged; "/a/*" prefix, "*.x" suffix, "*x*"
// substring, otherwise path.Match globbing), for the edge modules that
// choose per path what they do (talent_ratelimit's zones, the canary's and
// the keyword filter's exceptions, the security headers' sets).
//
// It exists because the edge sits in front of every request: Caddy's own
// matcher lower-cases the path into a new string on every evaluation, and
// a route with a matcher costs Caddy a route of its own. Here a request
// path is prepared once (Prepare) and compared with the patterns
// ASCII-case-insensitively without copying it; a lower-cased copy is made
// only for globs with '?' or '[', or when the path holds non-ASCII bytes
// (where strings.ToLower's Unicode rules apply, as in Caddy).
// TestMatchesLikeCaddy compares the two.
package pathmatch

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// Matcher matches a prepared path against a list of patterns; the zero
// Matcher has no patterns.
type Matcher struct {
	patterns []pattern
}

type kind int

const (
	kindGlob kind = iota
	kindExact
	kindPrefix
	kindSuffix
	kindSubstring
	kindStars // globs whose only special character is '*'
)

type pattern struct {
	kind kind
	s    string // lower-cased
}

// Compile checks and compiles patterns. Placeholders, escapes and doubled
// slashes (which Caddy's matcher gives special meanings) are refused.
func Compile(patterns []string) (Matcher, error) {
	var m Matcher
	for _, p := range patterns {
		if p == "" {
			return m, errors.New("path pattern: empty")
		}
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
			m.patterns = append(m.patterns, pattern{kindExact, p})
		case stars == 2 && len(p) > 1 && p[0] == '*' && p[len(p)-1] == '*' && !strings.ContainsAny(p, `?[\`):
			m.patterns = append(m.patterns, pattern{kindSubstring, p[1 : len(p)-1]})
		case stars == 1 && p[0] == '*' && !strings.ContainsAny(p, `?[\`):
			m.patterns = append(m.patterns, pattern{kindSuffix, p[1:]})
		case stars == 1 && p[len(p)-1] == '*' && !strings.ContainsAny(p, `?[\`):
			m.patterns = append(m.patterns, pattern{kindPrefix, p[:len(p)-1]})
		case !strings.ContainsAny(p, `?[\`):
			m.patterns = append(m.patterns, pattern{kindStars, p})
		default:
			m.patterns = append(m.patterns, pattern{kindGlob, p})
		}
	}
	return m, nil
}

// Empty reports whether the matcher has no patterns.
func (m Matcher) Empty() bool { return len(m.patterns) == 0 }

// Path is a request path prepared for matching: cleaned once, lower-cased
// only if a pattern needs it.
type Path struct {
	clean string // cleaned, original case
	lower string // lower-cased clean; set by lowered
	ascii bool   // clean holds only ASCII bytes
	done  bool   // lower is set
}

// Prepare cleans a request's URL path for matching.
func Prepare(urlPath string) Path {
	clean := caddyhttp.CleanPath(urlPath, true)
	ascii := true
	for i := 0; i < len(clean); i++ {
		if clean[i] >= 0x80 {
			ascii = false
			break
		}
	}
	return Path{clean: clean, ascii: ascii}
}

func (p *Path) lowered() string {
	if !p.done {
		// Caddy lower-cases first, then cleans: strings.ToLower may turn
		// a non-ASCII rune into ASCII ones, so clean again after it.
		if p.ascii {
			p.lower = strings.ToLower(p.clean)
		} else {
			p.lower = caddyhttp.CleanPath(strings.ToLower(p.clean), true)
		}
		p.done = true
	}
	return p.lower
}

// Match reports whether the path matches one of the patterns; a matcher
// without patterns matches nothing.
func (m Matcher) Match(p *Path) bool {
	for _, pt := range m.patterns {
		var ok bool
		switch {
		case pt.kind == kindExact && p.ascii:
			ok = len(p.clean) == len(pt.s) && hasPrefixFold(p.clean, pt.s)
		case pt.kind == kindPrefix && p.ascii:
			ok = hasPrefixFold(p.clean, pt.s)
		case pt.kind == kindSuffix && p.ascii:
			ok = len(p.clean) >= len(pt.s) && hasPrefixFold(p.clean[len(p.clean)-len(pt.s):], pt.s)
		case pt.kind == kindSubstring && p.ascii:
			ok = containsFold(p.clean, pt.s)
		case pt.kind == kindStars && p.ascii:
			ok = starMatch(pt.s, p.clean)
		case pt.kind == kindExact:
			ok = p.lowered() == pt.s
		case pt.kind == kindPrefix:
			ok = strings.HasPrefix(p.lowered(), pt.s)
		case pt.kind == kindSuffix:
			ok = strings.HasSuffix(p.lowered(), pt.s)
		case pt.kind == kindSubstring:
			ok = strings.Contains(p.lowered(), pt.s)
		case pt.kind == kindStars:
			ok = starMatch(pt.s, p.lowered())
		default:
			ok, _ = path.Match(pt.s, p.lowered())
		}
		if ok {
			return true
		}
	}
	return false
}

// MatchPath prepares urlPath and matches it; use Prepare and Match when
// several matchers look at the same request.
func (m Matcher) MatchPath(urlPath string) bool {
	if len(m.patterns) == 0 {
		return false
	}
	p := Prepare(urlPath)
	return m.Match(&p)
}

// hasPrefixFold reports whether s begins with prefix, where prefix is
// lower-case and s is ASCII, ignoring the case of s.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lowerASCII(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

// lowerASCII is c lower-cased if it is an ASCII capital.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// containsFold reports whether the ASCII s contains the lower-case sub,
// ignoring the case of s.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if hasPrefixFold(s[i:], sub) {
			return true
		}
	}
	return false
}

// starMatch is path.Match for lower-case patterns whose only special
// character is '*' (any run of characters but '/'), without path.Match's
// general machinery. ASCII capitals in name match their lower case, so it
// serves the prepared path as it is and its lower-cased copy alike.
func starMatch(pattern, name string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return len(name) == len(pattern) && hasPrefixFold(name, pattern)
	}
	if !hasPrefixFold(name, pattern[:star]) {
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
		if name[i:] != "" && lowerASCII(name[i]) != pattern[0] && pattern[0] != '*' {
			continue // cannot start the rest here
		}
		if starMatch(pattern, name[i:]) {
			return true
		}
	}
	return false
}
