package keywordmatch

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPrefilterAgreesWithAutomaton compares the prefiltered scan with a
// plain automaton run over the whole normalized text, on random texts with
// keywords planted in them, split by separators and full-width forms
// (SEC-5).
func TestPrefilterAgreesWithAutomaton(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 9))
	block := []string{"赌博", "诈骗", "洗钱", "gamble", "x", "𠀀字", "六合彩"}
	review := []string{"加微信", "刷单", "q"}
	m, err := Compile(block, review)
	if err != nil {
		t.Fatal(err)
	}
	pieces := []string{"赌", "博", "诈", "骗", "洗", "钱", "六", "合", "彩", "加", "微", "信", "刷", "单",
		"的", "是", "了", " ", "，", "*", "\u200b", "Ｇ", "a", "m", "b", "l", "e", "g", "x", "q", "𠀀", "字", "ﬁ"}
	for i := range 5000 {
		var b strings.Builder
		for range rng.IntN(20) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		var s Scanner
		blocked, rev := s.First(m, []byte(text), nil, 10)
		norm := Normalize(nil, []byte(text))
		_, wantBlock := m.block.first(norm)
		wantReview := len(m.review.all(nil, norm, 10)) > 0
		if got := blocked != ""; got != wantBlock {
			t.Fatalf("case %d %q: blocked = %v (%q), want %v", i, text, got, blocked, wantBlock)
		}
		if !wantBlock {
			if got := len(rev) > 0; got != wantReview {
				t.Fatalf("case %d %q: review = %q, want a hit %v", i, text, rev, wantReview)
			}
		}
		allBlock, allReview := s.All(m, []byte(text), nil, nil, 10)
		if got := len(allBlock) > 0; got != wantBlock {
			t.Fatalf("case %d %q: All blocked = %q, want a hit %v", i, text, allBlock, wantBlock)
		}
		if got := len(allReview) > 0; got != wantReview {
			t.Fatalf("case %d %q: All review = %q, want a hit %v", i, text, allReview, wantReview)
		}
	}
}
