package keywords_test

import (
	"testing"

	"github.com/talent-hub/talent/edge/keywords"
)

// TestNormalize checks the writing tricks that keep a word readable but
// change its bytes (SEC-5).
func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"赌博", "赌博"},
		{"赌 博", "赌博"},
		{"赌*博", "赌博"},
		{"赌\u200b博", "赌博"},
		{"赌\u200d\u2060\ufeff博", "赌博"},
		{"赌，博！", "赌博"},
		{"赌\u0336博", "赌博"}, // combining strike-through
		{"ＧＡＭＢＬＥ", "gamble"},
		{"Ｇａｍｂｌｅ", "gamble"},
		{"g-a-m-b-l-e", "gamble"},
		{"G.A.M.B.L.E", "gamble"},
		{"ⓖⓐⓜⓑⓛⓔ", "gamble"},
		{"𝐠𝐚𝐦𝐛𝐥𝐞", "gamble"}, // mathematical bold, outside the BMP
		{"café", "cafe"},
		{"cafe\u0301", "cafe"},
		{"ﬁsh", "fish"},
		{"１２３", "123"},
		{"😀赌😀博😀", "赌博"},
		{"\xff赌\xfe博", "赌博"}, // invalid UTF-8 bytes
		{"赌\x00博\x7f", "赌博"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(keywords.Normalize(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseList(t *testing.T) {
	t.Parallel()
	got := keywords.ParseList([]byte("# comment\n赌博\n\n  诈骗  \r\n#洗钱\nlast"))
	want := []string{"赌博", "诈骗", "last"}
	if len(got) != len(want) {
		t.Fatalf("ParseList = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ParseList = %q, want %q", got, want)
		}
	}
}
