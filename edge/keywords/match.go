package keywords

import "github.com/talent-hub/talent/internal/keywordmatch"

// The normalization and matching live in internal/keywordmatch, shared
// with the backend's check (backend/moderation), so that the edge and the
// backend judge text alike (SEC-5).

// Matcher finds keywords of the block and review lists in text.
type Matcher = keywordmatch.Matcher

// Compile builds a Matcher from the block and review keywords.
func Compile(block, review []string) (*Matcher, error) { return keywordmatch.Compile(block, review) }

// Normalize appends to dst the form of src that keywords are matched
// against; see keywordmatch.Normalize.
func Normalize(dst, src []byte) []byte { return keywordmatch.Normalize(dst, src) }

// ParseList reads a keyword list: one keyword per line, '#' comments.
func ParseList(data []byte) []string { return keywordmatch.ParseList(data) }
