package providers

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Sealer encrypts ID numbers at rest (SEC-1). Seal returns the sealed bytes
// and the id of the key it used, stored beside them; Open reverses it with
// the key that id names. aad binds the ciphertext to its row (the user id),
// so a sealed value copied to another row does not open.
//
// It is the seam to the platform's field encryption (versioned keys and a
// rotation command, built in parallel by the step-up work); until that
// lands, AESSealer is the implementation talentd uses.
type Sealer interface {
	Seal(plaintext, aad []byte) (sealed []byte, keyID string, err error)
	Open(sealed []byte, keyID string, aad []byte) ([]byte, error)
}

// AESSealer seals with AES-256-GCM under versioned keys: new values under
// the current key, old values opened with whichever key sealed them. The
// sealed form is the 12-byte random nonce followed by the ciphertext and
// tag.
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
		aead, err := cipher.NewGCM(block)
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

// Seal encrypts plaintext under the current key.
func (s *AESSealer) Seal(plaintext, aad []byte) ([]byte, string, error) {
	aead := s.keys[s.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, "", fmt.Errorf("seal: %w", err)
	}
	return aead.Seal(nonce, nonce, plaintext, aad), s.current, nil
}

// ErrUnsealable means a sealed value does not open: unknown key, or
// tampered or moved ciphertext.
var ErrUnsealable = errors.New("sealed value does not open")

// Open decrypts what Seal returned.
func (s *AESSealer) Open(sealed []byte, keyID string, aad []byte) ([]byte, error) {
	aead, ok := s.keys[keyID]
	if !ok || len(sealed) < aead.NonceSize() {
		return nil, ErrUnsealable
	}
	n := aead.NonceSize()
	out, err := aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrUnsealable
	}
	return out, nil
}
