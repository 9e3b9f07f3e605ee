package skills

import "testing"

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
