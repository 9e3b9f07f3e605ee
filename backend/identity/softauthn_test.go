package identity

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// softAuthenticator is a software WebAuthn authenticator for tests: an
// ECDSA P-256 key pair that answers navigator.credentials.create() with a
// "none" attestation and navigator.credentials.get() with a signed
// assertion, built the way go-webauthn's own end-to-end tests build them.
// It always reports user presence and verification (the biometric check).
type softAuthenticator struct {
	key       *ecdsa.PrivateKey
	credID    []byte
	signCount uint32
	origin    string
}

func newSoftAuthenticator(t *testing.T, origin string) *softAuthenticator {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &softAuthenticator{key: key, credID: id, origin: origin}
}

func (a *softAuthenticator) authData(t *testing.T, rpID string, flags protocol.AuthenticatorFlags, attested []byte) []byte {
	t.Helper()
	h := sha256.Sum256([]byte(rpID))
	d := append([]byte{}, h[:]...)
	d = append(d, byte(flags))
	d = binary.BigEndian.AppendUint32(d, a.signCount)
	return append(d, attested...)
}

func (a *softAuthenticator) clientData(t *testing.T, typ, challenge string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (a *softAuthenticator) sign(t *testing.T, key *ecdsa.PrivateKey, authData, clientData []byte) []byte {
	t.Helper()
	cdh := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, authData...), cdh[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

var b64 = base64.RawURLEncoding

// create answers creation options (JSON) with a registration response.
func (a *softAuthenticator) create(t *testing.T, optionsJSON string) string {
	t.Helper()
	var opts struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
	}
	if err := json.Unmarshal([]byte(optionsJSON), &opts); err != nil {
		t.Fatalf("decode creation options: %v", err)
	}
	cose, err := webauthncbor.Marshal(map[int64]any{
		1:  int64(webauthncose.EllipticKey),
		3:  int64(webauthncose.AlgES256),
		-1: int64(webauthncose.P256),
		-2: a.key.X.FillBytes(make([]byte, 32)),
		-3: a.key.Y.FillBytes(make([]byte, 32)),
	})
	if err != nil {
		t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID: zero
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(a.credID)))
	attested = append(attested, a.credID...)
	attested = append(attested, cose...)
	authData := a.authData(t, opts.RP.ID, protocol.FlagUserPresent|protocol.FlagUserVerified|protocol.FlagAttestedCredentialData, attested)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID), "type": "public-key",
		"response": map[string]any{
			"attestationObject": b64.EncodeToString(att),
			"clientDataJSON":    b64.EncodeToString(a.clientData(t, "webauthn.create", opts.Challenge)),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// get answers request options (JSON) with an assertion signed by signer
// (the authenticator's own key unless another is given).
func (a *softAuthenticator) get(t *testing.T, optionsJSON string, signer *ecdsa.PrivateKey) string {
	t.Helper()
	var opts struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
	}
	if err := json.Unmarshal([]byte(optionsJSON), &opts); err != nil {
		t.Fatalf("decode request options: %v", err)
	}
	if signer == nil {
		signer = a.key
	}
	a.signCount++
	authData := a.authData(t, opts.RPID, protocol.FlagUserPresent|protocol.FlagUserVerified, nil)
	clientData := a.clientData(t, "webauthn.get", opts.Challenge)
	body, err := json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.credID), "rawId": b64.EncodeToString(a.credID), "type": "public-key",
		"response": map[string]any{
			"authenticatorData": b64.EncodeToString(authData),
			"clientDataJSON":    b64.EncodeToString(clientData),
			"signature":         b64.EncodeToString(a.sign(t, signer, authData, clientData)),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}
