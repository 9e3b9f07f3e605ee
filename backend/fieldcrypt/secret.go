package fieldcrypt

import (
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// Secret is a sensitive plaintext: an ID number, a bank card number. Every
// way of printing it masks it (Mask), so a Secret put into a log line, an
// error or a JSON document by mistake does not leak; Reveal is the one way
// to the full value.
type Secret string

// Reveal returns the full value.
func (s Secret) Reveal() string { return string(s) }

// String returns the masked value.
func (s Secret) String() string { return Mask(string(s)) }

// GoString returns the masked value, for %#v.
func (s Secret) GoString() string { return `fieldcrypt.Secret("` + Mask(string(s)) + `")` }

// Format masks the value for every verb, %x and %q included.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprint(f, Mask(string(s)))
}

// LogValue implements slog.LogValuer: the masked value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Mask(string(s))) }

// MarshalJSON writes the masked value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Mask(string(s)) + `"`), nil }

// MarshalText writes the masked value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Mask(string(s))), nil }

// Mask shows the first 3 and the last 4 characters of s and stars in
// between, one per hidden character (SEC-2): "110***********1234" for an
// 18-digit ID number. Values of 8 characters or fewer, which would show too
// much, are all stars.
func Mask(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 8 {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:3]) + strings.Repeat("*", n-7) + string(r[n-4:])
}
