package keywordmatch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/coregx/ahocorasick"
)

// Matcher finds keywords of the block and review lists in text. It is
// immutable and safe for concurrent use.
type Matcher struct {
	// any holds both lists' keywords: one pass over the text tells
	// whether there is anything to look at more closely (rarely).
	any           wordList
	pre           *prefilter
	block, review wordList
}

// wordList is one compiled list: the automaton over the normalized
// keywords, and the keywords as written in the list for messages and logs,
// indexed by pattern ID.
type wordList struct {
	ac    *ahocorasick.Automaton
	words []string
}

// Compile builds a Matcher from the block and review keywords. Keywords
// are normalized like the text they are matched against; ones that
// normalize to nothing (only punctuation, say) are skipped.
func Compile(block, review []string) (*Matcher, error) {
	b, err := compileList(block)
	if err != nil {
		return nil, fmt.Errorf("compile block list: %w", err)
	}
	r, err := compileList(review)
	if err != nil {
		return nil, fmt.Errorf("compile review list: %w", err)
	}
	a, err := compileList(append(append([]string(nil), block...), review...))
	if err != nil {
		return nil, fmt.Errorf("compile lists: %w", err)
	}
	var pats [][]byte
	for _, w := range a.words {
		pats = append(pats, Normalize(nil, []byte(w)))
	}
	return &Matcher{any: a, pre: newPrefilter(pats), block: b, review: r}, nil
}

func compileList(words []string) (wordList, error) {
	var l wordList
	var patterns [][]byte
	seen := make(map[string]bool, len(words))
	for _, w := range words {
		p := Normalize(nil, []byte(w))
		if len(p) == 0 || seen[string(p)] {
			continue
		}
		seen[string(p)] = true
		patterns = append(patterns, p)
		l.words = append(l.words, w)
	}
	if len(patterns) == 0 {
		return l, nil
	}
	ac, err := ahocorasick.NewBuilder().AddPatterns(patterns).SetMatchKind(ahocorasick.LeftmostLongest).Build()
	if err != nil {
		return l, fmt.Errorf("build automaton: %w", err)
	}
	l.ac = ac
	return l, nil
}

// Len returns the number of distinct keywords in the block and review lists.
func (m *Matcher) Len() (block, review int) {
	return len(m.block.words), len(m.review.words)
}

// mayMatch reports whether normalized text contains a keyword of either
// list: the automaton looks at a keyword's length from each place the
// prefilter marked while normalizing.
func (m *Matcher) mayMatch(text []byte, cands []int) bool {
	if m.any.ac == nil || len(cands) == 0 {
		return false
	}
	// Windows that overlap are merged, so the automaton reads each byte at
	// most once however dense the marks are.
	from, to := cands[0], min(cands[0]+m.pre.maxLen, len(text))
	for _, off := range cands[1:] {
		if off <= to {
			to = min(max(to, off+m.pre.maxLen), len(text))
			continue
		}
		if _, ok := m.any.first(text[from:to]); ok {
			return true
		}
		from, to = off, min(off+m.pre.maxLen, len(text))
	}
	_, ok := m.any.first(text[from:to])
	return ok
}

// first returns the first keyword of l found in normalized text.
func (l *wordList) first(text []byte) (string, bool) {
	if l.ac == nil {
		return "", false
	}
	mt, ok := l.ac.Find(text, 0)
	if !ok {
		return "", false
	}
	return l.words[mt.PatternID], true
}

// all appends the keywords of l found in normalized text that are not in
// have yet, up to max in total.
func (l *wordList) all(have []string, text []byte, max int) []string {
	if l.ac == nil {
		return have
	}
	for start := 0; start < len(text) && len(have) < max; {
		mt, ok := l.ac.Find(text, start)
		if !ok {
			break
		}
		w := l.words[mt.PatternID]
		dup := false
		for _, h := range have {
			dup = dup || h == w
		}
		if !dup {
			have = append(have, w)
		}
		start = mt.End
		if mt.End == mt.Start {
			start++
		}
	}
	return have
}

// ParseList reads a keyword list: one keyword per line, surrounding spaces
// trimmed; empty lines and lines starting with '#' are skipped.
func ParseList(data []byte) []string {
	var words []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), len(data)+1)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words = append(words, line)
	}
	return words
}

// ListsKey identifies the content of a pair of lists: the compiled Matcher
// is shared under it across config reloads.
func ListsKey(block, review []string) string {
	h := sha256.New()
	for _, w := range block {
		h.Write([]byte("b\x00" + w + "\x00"))
	}
	for _, w := range review {
		h.Write([]byte("r\x00" + w + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
