package keywordmatch

// Scanner normalizes and matches pieces of text against a Matcher, reusing
// its buffers from one piece to the next. The zero value is ready to use;
// a Scanner is not safe for concurrent use.
type Scanner struct {
	norm []byte
	mark marker
}

// First normalizes text and returns the first block keyword found in it, if
// any; when there is none it appends to review the review keywords found in
// text that review does not hold yet, until review holds maxReview words.
// Keywords are returned as written in their list. This is the edge's
// judgement: it stops at the first block keyword.
func (s *Scanner) First(m *Matcher, text []byte, review []string, maxReview int) (blocked string, _ []string) {
	if !s.prepare(m, text) {
		return "", review
	}
	if w, ok := m.block.first(s.norm); ok {
		return w, review
	}
	if len(review) < maxReview {
		review = m.review.all(review, s.norm, maxReview)
	}
	return "", review
}

// All normalizes text and appends to block and review every keyword of
// each list found in it that they do not hold yet, up to max words each.
// This is the backend's judgement: it names every word to change.
func (s *Scanner) All(m *Matcher, text []byte, block, review []string, max int) ([]string, []string) {
	if !s.prepare(m, text) {
		return block, review
	}
	return m.block.all(block, s.norm, max), m.review.all(review, s.norm, max)
}

// prepare normalizes text into s.norm and reports whether a keyword of
// either list may be in it.
func (s *Scanner) prepare(m *Matcher, text []byte) bool {
	if len(text) == 0 {
		return false
	}
	s.mark.reset(m.pre)
	s.norm = normalize(s.norm[:0], text, &s.mark)
	return m.mayMatch(s.norm, s.mark.cands)
}
