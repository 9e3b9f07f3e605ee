package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// Passkeys (WebAuthn) as the second factor of a step-up (ID-4): the
// device's biometrics or PIN (user verification is required) stand in for
// the face recognition the standard asks for. Built on go-webauthn.

// WebAuthnConfig names the relying party: the site's registrable domain
// (RPID, e.g. "talent.example.cn" or "localhost") and the origins pages
// are served from (e.g. "https://talent.example.cn").
type WebAuthnConfig struct {
	RPID    string
	Origins []string
}

// Errors of passkeys.
var (
	// ErrPasskeyNotFound means the passkey names none of the caller's.
	ErrPasskeyNotFound = errors.New("no such passkey")
	// ErrPasskeyRejected means a new credential did not verify.
	ErrPasskeyRejected = errors.New("the passkey could not be verified")
)

func newWebAuthn(c WebAuthnConfig) (*webauthn.WebAuthn, error) {
	if c.RPID == "" {
		return nil, nil
	}
	return webauthn.New(&webauthn.Config{
		RPID:          c.RPID,
		RPDisplayName: "Talent",
		RPOrigins:     c.Origins,
	})
}

// passkeyUser is a person as go-webauthn sees them.
type passkeyUser struct {
	id          uuid.UUID
	name        string
	displayName string
	creds       []webauthn.Credential
}

func (u *passkeyUser) WebAuthnID() []byte                         { return u.id[:] }
func (u *passkeyUser) WebAuthnName() string                       { return u.name }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.displayName }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// webAuthnUser loads user's passkeys.
func (s *Service) webAuthnUser(ctx context.Context, q *db.Queries, user db.User) (*passkeyUser, error) {
	rows, err := q.ListPasskeys(ctx, user.ID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	name := deref(user.Email)
	if name == "" {
		name = deref(user.Phone)
	}
	u := &passkeyUser{id: user.ID, name: name, displayName: user.DisplayName}
	for _, r := range rows {
		var c webauthn.Credential
		if err := json.Unmarshal(r.Credential, &c); err != nil {
			return nil, fmt.Errorf("decode passkey %s: %w", r.ID, err)
		}
		u.creds = append(u.creds, c)
	}
	return u, nil
}

func passkeyRegKey(userID uuid.UUID) string { return "identity:passkey-reg:" + userID.String() }

// BeginPasskeyRegistration returns creation options and keeps the
// ceremony's session data in Redis.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, _ *connect.Request[identityv1.BeginPasskeyRegistrationRequest]) (*connect.Response[identityv1.BeginPasskeyRegistrationResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	if s.webauthn == nil || s.codes == nil {
		return nil, errStepUpNotConfigured
	}
	q := db.New(s.db.Primary)
	user, err := q.GetUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	u, err := s.webAuthnUser(ctx, q, user)
	if err != nil {
		return nil, err
	}
	exclude := make([]protocol.CredentialDescriptor, len(u.creds))
	for i, c := range u.creds {
		exclude[i] = c.Descriptor()
	}
	options, session, err := s.webauthn.BeginRegistration(u,
		webauthn.WithExclusions(exclude),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationRequired,
		}))
	if err != nil {
		return nil, fmt.Errorf("begin passkey registration: %w", err)
	}
	sb, err := json.Marshal(session)
	if err != nil {
		return nil, fmt.Errorf("encode passkey session: %w", err)
	}
	if err := s.codes.rdb.Set(ctx, passkeyRegKey(userID), sb, StepUpTTL).Err(); err != nil {
		return nil, fmt.Errorf("store passkey session: %w", err)
	}
	ob, err := json.Marshal(options.Response)
	if err != nil {
		return nil, fmt.Errorf("encode passkey options: %w", err)
	}
	return connect.NewResponse(&identityv1.BeginPasskeyRegistrationResponse{CreationOptionsJson: string(ob)}), nil
}

// FinishPasskeyRegistration verifies and stores a new passkey.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, req *connect.Request[identityv1.FinishPasskeyRegistrationRequest]) (*connect.Response[identityv1.FinishPasskeyRegistrationResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	var vs badrequest.List
	name := strings.TrimSpace(req.Msg.GetName())
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		vs.Add("name", "REQUIRED", "Name the passkey, e.g. My phone.")
	case n > 60:
		vs.Add("name", "TOO_LONG", "The name must be at most 60 characters long.")
	}
	if c := req.Msg.GetCredentialJson(); c == "" || len(c) > 64<<10 {
		vs.Add("credential_json", "PASSKEY_FAILED", "The passkey could not be verified.")
	}
	if err := vs.Err(); err != nil {
		return nil, stepUpError(err)
	}
	ctx = s.withCaller(ctx, req.Peer(), req.Header())
	pk, err := s.finishPasskeyRegistration(ctx, userID, name, req.Msg.GetCredentialJson())
	if err != nil {
		return nil, stepUpError(err)
	}
	return connect.NewResponse(&identityv1.FinishPasskeyRegistrationResponse{Passkey: pk}), nil
}

func (s *Service) finishPasskeyRegistration(ctx context.Context, userID uuid.UUID, name, credentialJSON string) (*identityv1.Passkey, error) {
	if s.webauthn == nil || s.codes == nil {
		return nil, errStepUpNotConfigured
	}
	sb, err := s.codes.rdb.GetDel(ctx, passkeyRegKey(userID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrEnrollmentExpired
	}
	if err != nil {
		return nil, fmt.Errorf("read passkey session: %w", err)
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(sb, &session); err != nil {
		return nil, fmt.Errorf("decode passkey session: %w", err)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(credentialJSON))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPasskeyRejected, err)
	}
	q := db.New(s.db.Primary)
	user, err := q.GetUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	u, err := s.webAuthnUser(ctx, q, user)
	if err != nil {
		return nil, err
	}
	cred, err := s.webauthn.CreateCredential(u, session, parsed)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPasskeyRejected, err)
	}
	if err := s.requireStepUpIfFactors(ctx, userID); err != nil {
		return nil, err
	}
	cb, err := json.Marshal(cred)
	if err != nil {
		return nil, fmt.Errorf("encode passkey: %w", err)
	}
	now := s.now()
	id, err := q.CreatePasskey(ctx, db.CreatePasskeyParams{
		UserID: userID, CredentialID: cred.ID, Name: name, Credential: cb, CreateTime: now,
	})
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "23505" {
		return nil, fmt.Errorf("%w: already registered", ErrPasskeyRejected)
	}
	if err != nil {
		return nil, fmt.Errorf("store passkey: %w", err)
	}
	s.logger.InfoContext(ctx, "passkey enrolled", "user_id", userID, "passkey_id", id)
	s.auditUser(ctx, userID, "identity.passkey_enrol", map[string]any{"passkey_id": id.String()})
	return &identityv1.Passkey{Id: id.String(), Name: name, CreateTime: timestamppb.New(now)}, nil
}

// checkPasskey verifies an assertion against the challenge's session and
// the caller's passkeys; when use is true it records the new sign count.
func (s *Service) checkPasskey(ctx context.Context, userID uuid.UUID, session *webauthn.SessionData, assertionJSON string, use bool) error {
	if s.webauthn == nil || session == nil {
		return ErrSecondFactorWrong
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(assertionJSON))
	if err != nil {
		return ErrSecondFactorWrong
	}
	q := db.New(s.db.Primary)
	user, err := q.GetUser(ctx, userID)
	if err != nil {
		return fmt.Errorf("get user: %w", err)
	}
	u, err := s.webAuthnUser(ctx, q, user)
	if err != nil {
		return err
	}
	cred, err := s.webauthn.ValidateLogin(u, *session, parsed)
	if err != nil {
		s.logger.InfoContext(ctx, "passkey assertion refused", "user_id", userID, "err", err)
		return ErrSecondFactorWrong
	}
	if cred.Authenticator.CloneWarning {
		s.logger.WarnContext(ctx, "passkey sign count went back: possible clone", "user_id", userID)
		return ErrSecondFactorWrong
	}
	if !use {
		return nil
	}
	cb, err := json.Marshal(cred)
	if err != nil {
		return fmt.Errorf("encode passkey: %w", err)
	}
	err = q.UpdatePasskeyCredential(ctx, db.UpdatePasskeyCredentialParams{
		UserID: userID, CredentialID: cred.ID, Credential: cb, LastUsedTime: timestamptz(s.now()),
	})
	if err != nil {
		return fmt.Errorf("update passkey: %w", err)
	}
	return nil
}

// RemovePasskey removes one of the caller's passkeys, after a step-up.
func (s *Service) RemovePasskey(ctx context.Context, req *connect.Request[identityv1.RemovePasskeyRequest]) (*connect.Response[identityv1.RemovePasskeyResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	id, err := uuid.Parse(req.Msg.GetPasskeyId())
	if err != nil {
		return nil, stepUpError(ErrPasskeyNotFound)
	}
	if err := s.RequireStepUp(ctx, userID, OpManageFactors, ""); err != nil {
		return nil, stepUpError(err)
	}
	n, err := db.New(s.db.Primary).DeletePasskey(ctx, db.DeletePasskeyParams{UserID: userID, ID: id})
	if err != nil {
		return nil, fmt.Errorf("delete passkey: %w", err)
	}
	if n == 0 {
		return nil, stepUpError(ErrPasskeyNotFound)
	}
	s.logger.InfoContext(ctx, "passkey removed", "user_id", userID, "passkey_id", id)
	s.auditUser(s.withCaller(ctx, req.Peer(), req.Header()), userID, "identity.passkey_remove", map[string]any{"passkey_id": id.String()})
	return connect.NewResponse(&identityv1.RemovePasskeyResponse{}), nil
}
