package keywordmatch

import (
	"sort"
	"unicode/utf8"
)

// Hit is a keyword found in a text, placed in the text as written.
type Hit struct {
	// Word is the keyword as written in its list.
	Word string
	// Block is true for a keyword of the block list, false for review.
	Block bool
	// Start and End are the byte offsets in the text of the characters
	// the keyword was found in (separators between them included).
	Start, End int
}

// Locate returns the keywords of both lists found in text, ordered by
// where they start, with their place in the text as written, so that a
// person can be shown what matched. It finds what Scanner.All finds (each
// list leftmost-longest, without overlaps), at a cost per rune: use it on
// the texts that matched, not on every text.
func (m *Matcher) Locate(text string) []Hit {
	var norm []byte
	// from[j] and to[j] are where, in text, the rune that norm[j] came
	// from starts and ends.
	var from, to []int
	var none marker
	for i := 0; i < len(text); {
		_, n := utf8.DecodeRuneInString(text[i:])
		before := len(norm)
		norm = normalize(norm, []byte(text[i:i+n]), &none)
		for range len(norm) - before {
			from = append(from, i)
			to = append(to, i+n)
		}
		i += n
	}
	var hits []Hit
	for _, l := range []struct {
		list  *wordList
		block bool
	}{{&m.block, true}, {&m.review, false}} {
		if l.list.ac == nil {
			continue
		}
		for start := 0; start < len(norm); {
			mt, ok := l.list.ac.Find(norm, start)
			if !ok || mt.End <= mt.Start {
				break
			}
			hits = append(hits, Hit{Word: l.list.words[mt.PatternID], Block: l.block, Start: from[mt.Start], End: to[mt.End-1]})
			start = mt.End
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Start < hits[j].Start })
	return hits
}
