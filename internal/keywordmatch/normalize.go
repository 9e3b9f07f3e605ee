package keywordmatch

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
	var m marker
	return normalize(dst, src, &m)
}

// marker notes, while text is normalized, the output offsets where the
// prefilter says a keyword may start. With no prefilter it does nothing.
type marker struct {
	p       *prefilter
	prev    rune
	prevOff int
	cands   []int
}

func (m *marker) reset(p *prefilter) {
	m.p, m.prevOff, m.cands = p, -1, m.cands[:0]
}

// see notes rune r written at output offset off.
func (m *marker) see(r rune, off int) {
	if m.p == nil {
		return
	}
	if m.prevOff >= 0 {
		h := pairHash(m.prev, r)
		if m.p.pairs[h>>6]&(1<<(h&63)) != 0 {
			m.cands = append(m.cands, m.prevOff)
		}
	}
	if m.p.hasSingles && m.p.single(r) {
		m.cands = append(m.cands, off)
	}
	m.prev, m.prevOff = r, off
}

// seeAll notes every rune of b, written at output offset off.
func (m *marker) seeAll(b []byte, off int) {
	for i, r := range string(b) {
		m.see(r, off+i)
	}
}

func normalize(dst, src []byte, m *marker) []byte {
	t := table()
	// Runs of runes that stay as they are (most of a Chinese text) are
	// copied at once; copied is where the pending run starts, and
	// base+i is where src[i] of the run lands in dst.
	copied := 0
	base := len(dst)
	i := 0
	for i < len(src) {
		c := src[i]
		var r rune
		n := 0
		switch {
		case c < utf8.RuneSelf:
			if t.ascii[c] == c && c != 0 {
				m.see(rune(c), base+i)
				i++
				continue
			}
			dst = append(dst, src[copied:i]...)
			if a := t.ascii[c]; a != 0 {
				m.see(rune(a), len(dst))
				dst = append(dst, a)
			}
			i++
			copied, base = i, len(dst)-i
			continue
		case c >= 0xE0 && c < 0xF0 && i+2 < len(src) && src[i+1]&0xC0 == 0x80 && src[i+2]&0xC0 == 0x80:
			// Three-byte sequences, decoded inline: CJK lives here.
			r = rune(c&0x0F)<<12 | rune(src[i+1]&0x3F)<<6 | rune(src[i+2]&0x3F)
			n = 3
			if r < 0x800 || (0xD800 <= r && r <= 0xDFFF) {
				r, n = utf8.RuneError, 1 // overlong or surrogate: invalid
			}
		default:
			r, n = utf8.DecodeRune(src[i:])
		}
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, src[copied:i]...)
			i++
			copied, base = i, len(dst)-i
			continue
		}
		if r < 0x10000 && t.bmp[r] == uint32(r) {
			m.see(r, base+i)
			i += n
			continue
		}
		dst = append(dst, src[copied:i]...)
		off := len(dst)
		switch {
		case r >= 0x10000:
			dst = foldRune(dst, r)
		case t.bmp[r] == 0:
		case t.bmp[r]&multiBit != 0:
			dst = append(dst, t.multi[t.bmp[r]&^multiBit]...)
		default:
			dst = utf8.AppendRune(dst, rune(t.bmp[r]))
		}
		m.seeAll(dst[off:], off)
		i += n
		copied, base = i, len(dst)-i
	}
	return append(dst, src[copied:]...)
}
