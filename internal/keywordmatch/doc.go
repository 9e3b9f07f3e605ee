// Package keywordmatch is the keyword matching of the content rules
// (SEC-5), shared by the edge's filter (edge/keywords) and the backend's
// check (backend/moderation) so that both judge text the same way: the
// same normalization (Normalize: compatibility forms such as full-width
// letters, case, and anything that is not a letter or a number between the
// characters of a word) and the same Aho-Corasick automaton
// (github.com/coregx/ahocorasick) over the normalized keywords.
//
// A Matcher holds the compiled block and review lists; it is immutable and
// safe for concurrent use. A Scanner normalizes and matches one piece of
// text after another, reusing its buffers; it is not safe for concurrent
// use. The web app (wasm) does not import this package.
package keywordmatch
