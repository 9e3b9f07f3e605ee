package keywords

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// folding is the per-rune table behind Normalize. Entry values: 0 drops the
// rune; a value with multiBit set indexes multi; any other value is the one
// rune the input rune becomes.
type folding struct {
	ascii [utf8.RuneSelf]byte
	bmp   []uint32
	multi []string
}

const multiBit = 1 << 31

// table is built once, on first use. It is immutable afterwards and is
// derived from Unicode data only, so sharing it is not shared state.
var table = sync.OnceValue(buildFolding)

func buildFolding() *folding {
	f := &folding{bmp: make([]uint32, 0x10000)}
	for r := rune(0); r < 0x10000; r++ {
		if 0xD800 <= r && r <= 0xDFFF {
			continue
		}
		out := foldRune(nil, r)
		switch n := utf8.RuneCount(out); {
		case n == 0:
		case n == 1:
			c, _ := utf8.DecodeRune(out)
			f.bmp[r] = uint32(c)
		default:
			f.bmp[r] = multiBit | uint32(len(f.multi))
			f.multi = append(f.multi, string(out))
		}
		if r < utf8.RuneSelf && len(out) == 1 {
			f.ascii[r] = out[0]
		}
	}
	return f
}

// foldRune appends what r becomes: its compatibility decomposition (NFKD:
// full-width forms become ASCII, ligatures split, circled and styled
// letters become plain ones), lower-cased, with everything that is not a
// letter or a number dropped (spaces, punctuation, symbols, zero-width and
// other format characters, combining marks).
func foldRune(dst []byte, r rune) []byte {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	var it norm.Iter
	it.Init(norm.NFKD, buf[:n])
	for !it.Done() {
		seg := it.Next()
		for _, c := range string(seg) {
			c = unicode.ToLower(c)
			if unicode.IsLetter(c) || unicode.IsNumber(c) {
				dst = utf8.AppendRune(dst, c)
			}
		}
	}
	return dst
}

// Normalize appends to dst the form of src that keywords are matched
// against (SEC-5): per rune, compatibility decomposition (NFKD, which
// covers what NFKC maps: full-width to half-width, ligatures, circled
// letters), lower case, and only letters and numbers kept, so that spaces,
// punctuation, symbols, zero-width characters and combining marks put
// between the characters of a word do not hide it. Bytes that are not
// valid UTF-8 are dropped.
func Normalize(dst, src []byte) []byte {
	t := table()
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if m := t.ascii[c]; m != 0 {
				dst = append(dst, m)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n == 1 {
			i++
			continue
		}
		if r >= 0x10000 {
			dst = foldRune(dst, r)
			i += n
			continue
		}
		switch v := t.bmp[r]; {
		case v == 0:
		case v == uint32(r):
			dst = append(dst, src[i:i+n]...)
		case v&multiBit != 0:
			dst = append(dst, t.multi[v&^multiBit]...)
		default:
			dst = utf8.AppendRune(dst, rune(v))
		}
		i += n
	}
	return dst
}
