package providers

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
)

// Sealer encrypts ID numbers at rest (SEC-1). Encrypt returns the id of the
// key it used, stored beside the ciphertext; Decrypt opens it with the key
// that id names. aad binds the ciphertext to its row (IDNumberAAD), so a
// value copied to another row or column does not open.
//
// The method set is that of the platform's field-encryption keyring
// (backend/fieldcrypt's *Keyring, built with step-up in parallel), so that
// keyring can be passed as it is; AESSealer is the same AES-256-GCM with
// the same ciphertext layout, for talentd until that package is on main.
type Sealer interface {
	Encrypt(plaintext, aad []byte) (keyID string, ciphertext []byte, err error)
	Decrypt(keyID string, ciphertext, aad []byte) ([]byte, error)
}

// IDNumberAAD is the additional authenticated data of the ID number of
// vetting submission id: the table, the column and the row, each
// length-prefixed (the layout of fieldcrypt.AAD), so a key rotation
// command can rebuild it from the row's primary key.
func IDNumberAAD(submissionID string) []byte {
	var b []byte
	for _, s := range []string{"vetting_submissions", "id_number_sealed", submissionID} {
		b = fmt.Appendf(b, "%d:%s;", len(s), s)
	}
	return b
}

// AESSealer seals with AES-256-GCM under versioned keys: new values under
// the current key, old values opened with whichever key sealed them. A
// ciphertext is the 12-byte random nonce, then the sealed bytes and tag.
type AESSealer struct {
	current string
	keys    map[string]cipher.AEAD
}

// NewAESSealer returns a sealer that seals under keys[current] and opens
// under any of keys. Each key is 32 bytes.
func NewAESSealer(current string, keys map[string][]byte) (*AESSealer, error) {
	s := &AESSealer{current: current, keys: map[string]cipher.AEAD{}}
	for id, k := range keys {
		if len(k) != 32 {
			return nil, fmt.Errorf("id number key %q: %d bytes, want 32", id, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("id number key %q: %w", id, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("id number key %q: %w", id, err)
		}
		s.keys[id] = aead
	}
	if _, ok := s.keys[current]; !ok || current == "" {
		return nil, fmt.Errorf("id number key %q: not among the keys", current)
	}
	return s, nil
}

// Encrypt seals plaintext under the current key.
func (s *AESSealer) Encrypt(plaintext, aad []byte) (string, []byte, error) {
	return s.current, s.keys[s.current].Seal(nil, nil, plaintext, aad), nil
}

// ErrUnsealable means a sealed value does not open: unknown key, or
// tampered or moved ciphertext.
var ErrUnsealable = errors.New("sealed value does not open")

// Decrypt opens what Encrypt returned.
func (s *AESSealer) Decrypt(keyID string, ciphertext, aad []byte) ([]byte, error) {
	aead, ok := s.keys[keyID]
	if !ok {
		return nil, ErrUnsealable
	}
	out, err := aead.Open(nil, nil, ciphertext, aad)
	if err != nil {
		return nil, ErrUnsealable
	}
	return out, nil
}
