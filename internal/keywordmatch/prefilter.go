package keywordmatch

import "unicode/utf8"

// pairBits is the size, as a power of two, of the bit set of keyword
// openings: 2^20 bits, 128 KiB, so 10,000 keywords set under 1 % of it.
const pairBits = 20

// prefilter finds where in normalized text a keyword may start: where the
// first two characters of some keyword occur (one character, for one-rune
// keywords). It lets the Aho-Corasick automaton look only at short windows
// there, instead of walking every byte of a long text through a large
// table; the automaton still decides every match.
type prefilter struct {
	pairs      []uint64 // bit set over pairHash of keywords' first two runes
	singles    map[rune]bool
	hasSingles bool
	maxLen     int // longest normalized keyword, in bytes
}

// single reports whether r is a keyword of one rune.
func (p *prefilter) single(r rune) bool { return p.singles[r] }

func pairHash(a, b rune) uint64 {
	return (uint64(a)<<21 | uint64(b)) * 0x9E3779B97F4A7C15 >> (64 - pairBits)
}

func newPrefilter(patterns [][]byte) *prefilter {
	p := &prefilter{pairs: make([]uint64, 1<<pairBits/64), singles: map[rune]bool{}}
	for _, pat := range patterns {
		p.maxLen = max(p.maxLen, len(pat))
		a, n := utf8.DecodeRune(pat)
		if n == len(pat) {
			p.singles[a] = true
			p.hasSingles = true
			continue
		}
		b, _ := utf8.DecodeRune(pat[n:])
		h := pairHash(a, b)
		p.pairs[h/64] |= 1 << (h % 64)
	}
	return p
}
