package skills

import (
	"slices"
	"testing"
)

// TestNormalise checks the synonyms of the shared vocabulary (TASK-1).
func TestNormalise(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"golang", "go"}, {" Golang ", "go"}, {"Go", "go"}, {"postgres", "postgresql"},
		{"JS", "javascript"}, {"k8s", "kubernetes"}, {"Node.js", "node.js"}, {"nodejs", "node.js"},
		{"小程序", "wechat mini-program"}, {"Mini  Program", "wechat mini-program"},
		{"Some  New   Tool", "some new tool"}, {"  ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := Normalise(tt.in); got != tt.want {
				t.Fatalf("Normalise(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestSynonymsPointIntoVocabulary keeps the two lists in step: every
// synonym names a canonical tag, and no canonical tag is itself a synonym.
func TestSynonymsPointIntoVocabulary(t *testing.T) {
	t.Parallel()
	for from, to := range synonyms {
		if !Known(to) {
			t.Errorf("synonym %q -> %q: %q is not in the vocabulary", from, to, to)
		}
		if Normalise(from) != to {
			t.Errorf("synonym key %q is not normalised", from)
		}
	}
	for _, v := range Vocabulary {
		if _, ok := synonyms[v]; ok {
			t.Errorf("vocabulary tag %q is also a synonym", v)
		}
	}
}

// TestRelated checks the related-skill relation the matching engine uses
// (MATCH-1): symmetric, within the vocabulary, never a tag to itself.
func TestRelated(t *testing.T) {
	t.Parallel()
	for _, p := range relatedPairs {
		for _, tag := range p {
			if !Known(tag) || Normalise(tag) != tag {
				t.Errorf("related pair %q: %q is not a canonical vocabulary tag", p, tag)
			}
		}
		if p[0] == p[1] {
			t.Errorf("related pair %q names one tag twice", p)
		}
	}
	tests := []struct{ tag, want string }{
		{"vue", "react"}, {"react", "vue"}, {"postgres", "mysql"}, {"k8s", "docker"},
	}
	for _, tt := range tests {
		if !slices.Contains(Related(tt.tag), tt.want) {
			t.Errorf("Related(%q) = %q, want it to contain %q", tt.tag, Related(tt.tag), tt.want)
		}
	}
	if got := Related("cobol"); got != nil {
		t.Errorf("Related(cobol) = %q, want nil", got)
	}
}
