package keywordmatch_test

import (
	"reflect"
	"testing"

	"github.com/talent-hub/talent/internal/keywordmatch"
)

// TestLocate checks that a keyword written with tricks is placed on the
// characters the author wrote (SEC-5: the patrol queue highlights them).
func TestLocate(t *testing.T) {
	t.Parallel()
	m, err := keywordmatch.Compile([]string{"赌博"}, []string{"加微信", "gamble"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []string // the text of each hit, in order
	}{
		{"请加微信聊", []string{"加微信"}},
		{"加 微*信 then ＧＡＭＢＬＥ", []string{"加 微*信", "ＧＡＭＢＬＥ"}},
		{"赌\u200b博和加微信", []string{"赌\u200b博", "加微信"}},
		{"nothing here", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, h := range m.Locate(tt.text) {
			got = append(got, tt.text[h.Start:h.End])
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Locate(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
