// Package fieldcrypt encrypts sensitive database fields (requirement SEC-1):
// ID numbers, bank card numbers, TOTP secrets. It wraps AES-256-GCM from
// crypto/aes and crypto/cipher under a Keyring of versioned keys.
//
// Every ciphertext is stored with the ID of the key that made it, in a
// column beside it, so keys can be rotated: a new key is put first in the
// keyring, new writes use it, and Rotate re-encrypts the old rows. The
// additional authenticated data (AAD) names the table, column and row a
// ciphertext belongs to, so a ciphertext copied into another row, or
// another column, does not decrypt.
//
// Plaintexts are wrapped in Secret, whose String, Format, JSON and slog
// forms are masked, so a secret put into a log line by mistake shows only
// its first 3 and last 4 characters (SEC-2).
package fieldcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// keySize is the length of an AES-256 key.
const keySize = 32

// Errors of Decrypt.
var (
	// ErrUnknownKey means a ciphertext names a key the keyring does not hold:
	// it was removed before Rotate re-encrypted every row under a newer one.
	ErrUnknownKey = errors.New("fieldcrypt: unknown key ID")
	// ErrDecrypt means a ciphertext does not decrypt under its key and AAD:
	// it was tampered with, or moved from another row or column.
	ErrDecrypt = errors.New("fieldcrypt: ciphertext does not decrypt")
)

// Keyring holds the field encryption keys by ID. The first is current:
// Encrypt uses it. The others only decrypt, until Rotate has moved every
// row off them and they can be removed from the configuration.
type Keyring struct {
	ids  []string // in configuration order; ids[0] is current
	keys map[string]cipher.AEAD
}

// ParseKeyring reads a keyring from its configuration form: comma-separated
// "id:base64key" entries, current key first, e.g. "k2:...,k1:...". Key IDs
// are 1 to 32 letters, digits, '-' or '_'; keys are 32 random bytes in
// standard or URL-safe base64. Errors name the key ID, never the key.
func ParseKeyring(spec string) (*Keyring, error) {
	r := &Keyring{keys: map[string]cipher.AEAD{}}
	for entry := range strings.SplitSeq(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		id, b64, ok := strings.Cut(entry, ":")
		if !ok || !validID(id) {
			return nil, fmt.Errorf("fieldcrypt: key entry %d: want id:base64key with an id of 1-32 letters, digits, - or _", len(r.ids)+1)
		}
		if _, dup := r.keys[id]; dup {
			return nil, fmt.Errorf("fieldcrypt: key %q is listed twice", id)
		}
		key, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("fieldcrypt: key %q: %w", id, err)
		}
		aead, err := newAEAD(key)
		if err != nil {
			return nil, fmt.Errorf("fieldcrypt: key %q: %w", id, err)
		}
		r.ids = append(r.ids, id)
		r.keys[id] = aead
	}
	if len(r.ids) == 0 {
		return nil, errors.New("fieldcrypt: no keys")
	}
	return r, nil
}

// GenerateKey returns a new keyring entry "id:base64key" with 32 random
// bytes, for development and for operators adding a key (docs/ops/keys.md).
func GenerateKey(id string) string {
	key := make([]byte, keySize)
	rand.Read(key) // crypto/rand never fails
	return id + ":" + base64.StdEncoding.EncodeToString(key)
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != keySize {
				return nil, fmt.Errorf("key is %d bytes: want %d", len(b), keySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("key is not base64")
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

func validID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// CurrentID is the ID of the key Encrypt uses.
func (r *Keyring) CurrentID() string { return r.ids[0] }

// IDs returns the key IDs, current first.
func (r *Keyring) IDs() []string { return slices.Clone(r.ids) }

// LogValue implements slog.LogValuer: key IDs only.
func (r *Keyring) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("")
	}
	return slog.GroupValue(
		slog.String("current", r.CurrentID()),
		slog.String("ids", strings.Join(r.ids, ",")),
	)
}

// String shows the key IDs only.
func (r *Keyring) String() string {
	if r == nil {
		return "fieldcrypt.Keyring[]"
	}
	return "fieldcrypt.Keyring[" + strings.Join(r.ids, ",") + "]"
}

// AAD returns the additional authenticated data binding a ciphertext to a
// table, a column and a row, e.g. AAD("user_secrets", "ciphertext", userID,
// "id_number"). Each part is length-prefixed, so no two different lists
// give the same bytes.
func AAD(table, column string, row ...string) []byte {
	var b []byte
	for _, s := range append([]string{table, column}, row...) {
		b = fmt.Appendf(b, "%d:%s;", len(s), s)
	}
	return b
}

// Encrypt seals plaintext under the current key, bound to aad (see AAD). It
// returns the key's ID, to be stored beside the ciphertext. The ciphertext
// holds a random 12-byte nonce, so encrypting the same value twice gives
// different ciphertexts.
func (r *Keyring) Encrypt(plaintext, aad []byte) (keyID string, ciphertext []byte, err error) {
	id := r.CurrentID()
	return id, r.keys[id].Seal(nil, nil, plaintext, aad), nil
}

// Decrypt opens a ciphertext made by Encrypt under the key keyID with the
// same aad. It returns ErrUnknownKey or ErrDecrypt.
func (r *Keyring) Decrypt(keyID string, ciphertext, aad []byte) ([]byte, error) {
	aead, ok := r.keys[keyID]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, keyID)
	}
	plain, err := aead.Open(nil, nil, ciphertext, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// EncryptString is Encrypt for a Secret.
func (r *Keyring) EncryptString(s Secret, aad []byte) (keyID string, ciphertext []byte, err error) {
	return r.Encrypt([]byte(s), aad)
}

// DecryptString is Decrypt returning a Secret.
func (r *Keyring) DecryptString(keyID string, ciphertext, aad []byte) (Secret, error) {
	b, err := r.Decrypt(keyID, ciphertext, aad)
	return Secret(b), err
}
