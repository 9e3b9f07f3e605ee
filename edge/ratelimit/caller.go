package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// callerKey identifies the caller by a hash of its bearer token or session
// cookie, so raw credentials are never kept in memory longer than the
// request. It returns "" for an anonymous request. The edge does not verify
// the credential: a per-caller zone only stops one caller from hogging a
// shared budget, and needs a per-IP zone beside it against callers that
// make up tokens.
func callerKey(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); auth != "" {
		if scheme, tok, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(tok) != "" {
			return "caller:" + digest(strings.TrimSpace(tok))
		}
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return "caller:" + digest(c.Value)
	}
	return ""
}

func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:16])
}
