package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/identity/internal/db"
)

const (
	// sessionTokenBytes is the amount of randomness in a session token.
	sessionTokenBytes = 32
	// defaultSessionTTL is how long a session lasts when Options.SessionTTL
	// is zero.
	defaultSessionTTL = 30 * 24 * time.Hour
	// touchInterval limits how often a session's last_seen is written.
	touchInterval = 10 * time.Minute
)

// newSessionToken returns a fresh random token (unpadded base64url) and the
// SHA-256 hash under which it is stored.
func newSessionToken() (token string, hash []byte) {
	b := make([]byte, sessionTokenBytes)
	rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	token = base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	return token, h[:]
}

// sessionTokenHash returns the stored hash of token, or false when token
// cannot be one this service issued.
func sessionTokenHash(token string) ([]byte, bool) {
	if base64.RawURLEncoding.DecodedLen(len(token)) != sessionTokenBytes {
		return nil, false
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(token); err != nil {
		return nil, false
	}
	h := sha256.Sum256([]byte(token))
	return h[:], true
}

// startSession stores a new session for userID with q and returns its token
// and expiry. The user's expired sessions are removed on the way.
func (s *Service) startSession(ctx context.Context, q *db.Queries, userID uuid.UUID) (string, time.Time, error) {
	now := s.now()
	if err := q.DeleteExpiredSessions(ctx, db.DeleteExpiredSessionsParams{UserID: userID, Now: now}); err != nil {
		return "", time.Time{}, fmt.Errorf("delete expired sessions: %w", err)
	}
	token, hash := newSessionToken()
	expires := now.Add(s.sessionTTL)
	client := clientFrom(ctx)
	err := q.CreateSession(ctx, db.CreateSessionParams{
		TokenHash:  hash,
		UserID:     userID,
		CreateTime: now,
		ExpireTime: expires,
		UserAgent:  client.userAgent,
		Ip:         client.ip,
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("create session: %w", err)
	}
	return token, expires, nil
}

// Authenticate returns who holds the session token, or auth.ErrNoSession
// when the token is unknown, malformed or expired. It implements
// auth.Authenticator. Sessions are read from the primary: a session is
// used right after it was created.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Principal, error) {
	hash, ok := sessionTokenHash(token)
	if !ok {
		return auth.Principal{}, auth.ErrNoSession
	}
	now := s.now()
	q := db.New(s.db.Primary)
	row, err := q.GetSession(ctx, db.GetSessionParams{TokenHash: hash, Now: now})
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Principal{}, auth.ErrNoSession
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("get session: %w", err)
	}
	if now.Sub(row.LastSeen) > touchInterval {
		// last_seen is informational; failing to write it must not fail
		// the caller's request.
		if err := q.TouchSession(ctx, db.TouchSessionParams{TokenHash: hash, Now: now}); err != nil {
			s.logger.WarnContext(ctx, "touch session", "err", err)
		}
	}
	return auth.Principal{UserID: row.UserID.String(), Roles: row.Roles}, nil
}
