package moderation

import (
	"unicode/utf8"

	"github.com/talent-hub/talent/internal/keywordmatch"
)

// excerptContext is how many characters an excerpt keeps around the
// matches, and excerptMax the most characters of one excerpt.
const (
	excerptContext = 40
	excerptMax     = 400
)

// excerpt cuts the text around the hits: from excerptContext characters
// before the first to excerptContext after the last (at most excerptMax
// characters in all), with the hits marked. "…" marks a cut.
func excerpt(text string, hits []keywordmatch.Hit) []Segment {
	if len(hits) == 0 {
		return nil
	}
	from := backRunes(text, hits[0].Start, excerptContext)
	to := min(forwardRunes(text, hits[len(hits)-1].End, excerptContext), forwardRunes(text, from, excerptMax))
	var segs []Segment
	add := func(s string, matched bool) {
		if s != "" {
			segs = append(segs, Segment{Text: s, Matched: matched})
		}
	}
	if from > 0 {
		add("…", false)
	}
	at := from
	for _, h := range hits {
		if h.Start < at || h.End > to {
			continue // overlaps the one before, or past the cut
		}
		add(text[at:h.Start], false)
		add(text[h.Start:h.End], true)
		at = h.End
	}
	add(text[at:to], false)
	if to < len(text) {
		add("…", false)
	}
	return segs
}

// backRunes returns the offset n characters before off in s.
func backRunes(s string, off, n int) int {
	for ; n > 0 && off > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:off])
		off -= size
	}
	return off
}

// forwardRunes returns the offset n characters after off in s.
func forwardRunes(s string, off, n int) int {
	for ; n > 0 && off < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off
}
