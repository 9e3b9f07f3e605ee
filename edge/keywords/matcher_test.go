package keywords

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
		s := newScan(m, DefaultMaxBytes)
		s.text([]byte(text))
		norm := Normalize(nil, []byte(text))
		_, wantBlock := m.block.first(norm)
		wantReview := len(m.review.all(nil, norm, maxReviewWords)) > 0
		if got := s.blocked != ""; got != wantBlock {
			t.Fatalf("case %d %q: blocked = %v (%q), want %v", i, text, got, s.blocked, wantBlock)
		}
		if !wantBlock {
			if got := len(s.review) > 0; got != wantReview {
				t.Fatalf("case %d %q: review = %q, want a hit %v", i, text, s.review, wantReview)
			}
		}
	}
}
