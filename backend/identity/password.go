package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argonParams are the Argon2id cost parameters. They are stored in every
// hash (PHC string format), so the defaults can be raised later: a login
// with a hash made under older parameters re-hashes the password.
type argonParams struct {
	memoryKiB uint32
	time      uint32
	threads   uint8
	saltLen   uint32
	keyLen    uint32
}

// defaultArgonParams returns OWASP's recommended Argon2id setting
// (m=19 MiB, t=2, p=1) with a 16-byte salt and a 32-byte key.
func defaultArgonParams() argonParams {
	return argonParams{memoryKiB: 19456, time: 2, threads: 1, saltLen: 16, keyLen: 32}
}

// errMalformedHash reports a stored password hash that cannot be parsed.
var errMalformedHash = errors.New("malformed password hash")

// hashPassword hashes password with Argon2id under p and a random salt read
// from random, and returns the PHC string
// "$argon2id$v=19$m=...,t=...,p=...$<salt>$<key>" (unpadded standard base64).
func hashPassword(p argonParams, password string, random io.Reader) (string, error) {
	salt := make([]byte, p.saltLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.time, p.memoryKiB, p.threads, p.keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memoryKiB, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key)), nil
}

// parsePasswordHash splits a PHC string made by hashPassword into its
// parameters, salt and key.
func parsePasswordHash(encoded string) (argonParams, []byte, []byte, error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return argonParams{}, nil, nil, errMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return argonParams{}, nil, nil, fmt.Errorf("%w: unsupported version %q", errMalformedHash, parts[2])
	}
	var p argonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memoryKiB, &p.time, &p.threads); err != nil {
		return argonParams{}, nil, nil, fmt.Errorf("%w: parameters %q", errMalformedHash, parts[3])
	}
	params := fmt.Sprintf("m=%d,t=%d,p=%d", p.memoryKiB, p.time, p.threads)
	if params != parts[3] || p.memoryKiB == 0 || p.time == 0 || p.threads == 0 {
		return argonParams{}, nil, nil, fmt.Errorf("%w: parameters %q", errMalformedHash, parts[3])
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(salt) == 0 {
		return argonParams{}, nil, nil, fmt.Errorf("%w: salt", errMalformedHash)
	}
	key, err := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return argonParams{}, nil, nil, fmt.Errorf("%w: key", errMalformedHash)
	}
	p.saltLen = uint32(len(salt))
	p.keyLen = uint32(len(key))
	return p, salt, key, nil
}

// verifyPassword reports whether password matches the PHC string encoded,
// comparing in constant time, and whether the hash was made under parameters
// other than want and so should be replaced.
func verifyPassword(encoded, password string, want argonParams) (ok, rehash bool, err error) {
	p, salt, key, err := parsePasswordHash(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memoryKiB, p.threads, p.keyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p != want, nil
}

// newDummyHash returns a hash of a random password under p. Logins for
// unknown emails verify against it, so they take as long as real ones.
func newDummyHash(p argonParams) (string, error) {
	return hashPassword(p, rand.Text(), rand.Reader)
}
