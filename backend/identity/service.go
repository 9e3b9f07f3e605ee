// Package identity is the identity service (requirements ID-1, ID-3, SEC-2,
// SEC-4): sign-up with email and password, login, logout and sessions. It
// implements identityv1connect.IdentityServiceHandler, and auth.Authenticator
// for the interceptor that tells every RPC who is calling.
//
// Passwords are hashed with Argon2id and stored in PHC string format.
// Sessions are random 32-byte tokens that reach browsers as an HttpOnly
// cookie and apps as a bearer token; only their SHA-256 is stored.
package identity

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"connectrpc.com/connect"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/postgres"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
)

// Options tune a Service. The zero value is ready for production except
// that cookies are sent without the Secure attribute.
type Options struct {
	// CookieSecure marks session cookies Secure (HTTPS only).
	CookieSecure bool
	// SessionTTL is how long a session lasts; 0 means 30 days.
	SessionTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Redis keeps SMS codes; with SMS, it enables phone login (ID-1).
	Redis *redis.Client
	// SMS sends the codes.
	SMS SMSSender
	// Limits are the abuse-control thresholds, enforced in Redis; the zero
	// value means DefaultLimits.
	Limits Limits
	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// (the edge); loopback is always trusted.
	TrustedProxies []netip.Prefix
	// FieldKeys encrypt sensitive fields and TOTP secrets (SEC-1); without
	// them step-up and sensitive fields are off.
	FieldKeys *fieldcrypt.Keyring
	// WebAuthn names the relying party for passkeys (ID-4); an empty RPID
	// turns passkeys off.
	WebAuthn WebAuthnConfig
	// OAuth enables sign-in with GitHub and WeChat (needs Redis).
	OAuth OAuthOptions
	// ConsentVersion is the privacy notice version in force (SEC-4);
	// empty means DefaultConsentVersion.
	ConsentVersion string
	// Exporters add other areas' data to ExportMyData, in order.
	Exporters []Exporter
	// Moderation checks display names against the keyword lists (SEC-5);
	// nil checks nothing.
	Moderation *moderation.Checker
}

// Service is the identity service.
type Service struct {
	db           *postgres.DB
	logger       *slog.Logger
	cookieSecure bool
	sessionTTL   time.Duration
	now          func() time.Time
	params       argonParams
	// dummyHash is verified for logins with an unknown email, so that they
	// take as long as logins with a wrong password.
	dummyHash string
	// codes and sms serve phone login; nil when not configured.
	codes *phoneCodes
	sms   SMSSender
	// limits is nil without Redis: no rate limits or lockouts.
	limits  *limiter
	trusted []netip.Prefix
	// keys and webauthn serve step-up (stepup.go); nil when not configured.
	keys     *fieldcrypt.Keyring
	webauthn *webauthn.WebAuthn
	// rdb keeps OAuth flows; nil without Redis.
	rdb            *redis.Client
	providers      map[string]oauthProvider
	publicURL      string
	consentVersion string
	exporters      []Exporter
	moderation     *moderation.Checker
}

// Interface guards.
var (
	_ identityv1connect.IdentityServiceHandler = (*Service)(nil)
	_ auth.Authenticator                       = (*Service)(nil)
)

// New returns the identity service storing its data in db.
func New(db *postgres.DB, logger *slog.Logger, opts Options) *Service {
	s := &Service{
		db:           db,
		logger:       logger,
		cookieSecure: opts.CookieSecure,
		sessionTTL:   opts.SessionTTL,
		now:          opts.Now,
		params:       defaultArgonParams(),
		sms:          opts.SMS,
		trusted:      opts.TrustedProxies,
		rdb:          opts.Redis,
		providers:    newProviders(opts.OAuth),
		publicURL:    opts.OAuth.PublicURL,
		exporters:    opts.Exporters,
		moderation:   opts.Moderation,
		keys:         opts.FieldKeys,
	}
	if wa, err := newWebAuthn(opts.WebAuthn); err != nil {
		logger.Error("passkeys are off: bad WebAuthn configuration", "err", err)
	} else {
		s.webauthn = wa
	}
	s.consentVersion = cmp.Or(opts.ConsentVersion, DefaultConsentVersion)
	if opts.Redis != nil {
		s.codes = &phoneCodes{rdb: opts.Redis}
		limits := opts.Limits
		if limits == (Limits{}) {
			limits = DefaultLimits()
		}
		s.limits = &limiter{rdb: opts.Redis, limits: limits}
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = defaultSessionTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	// Hashing from crypto/rand cannot fail.
	s.dummyHash, _ = newDummyHash(s.params)
	return s
}

// Policies declares who may call each RPC of the service.
func Policies() auth.Policies {
	return auth.Policies{
		identityv1connect.IdentityServiceSignUpProcedure: {Public: true},
		identityv1connect.IdentityServiceLogInProcedure:  {Public: true},
		identityv1connect.IdentityServiceLogOutProcedure: {},
		identityv1connect.IdentityServiceGetMeProcedure:  {},

		identityv1connect.IdentityServiceSendPhoneCodeProcedure:   {Public: true},
		identityv1connect.IdentityServiceLogInWithPhoneProcedure:  {Public: true},
		identityv1connect.IdentityServiceSignUpWithPhoneProcedure: {Public: true},

		identityv1connect.IdentityServiceListSessionsProcedure:     {},
		identityv1connect.IdentityServiceEndSessionProcedure:       {},
		identityv1connect.IdentityServiceLogOutEverywhereProcedure: {},

		identityv1connect.IdentityServiceListLoginProvidersProcedure:    {Public: true},
		identityv1connect.IdentityServiceListLoginMethodsProcedure:      {},
		identityv1connect.IdentityServiceUnlinkLoginMethodProcedure:     {},
		identityv1connect.IdentityServiceGetPrivacySettingsProcedure:    {},
		identityv1connect.IdentityServiceUpdatePrivacySettingsProcedure: {},
		identityv1connect.IdentityServiceAcceptConsentProcedure:         {},
		identityv1connect.IdentityServiceExportMyDataProcedure:          {},
		identityv1connect.IdentityServiceDeleteAccountProcedure:         {},
	}
}

// SignUp creates an account and starts a session for it.
func (s *Service) SignUp(ctx context.Context, req *connect.Request[identityv1.SignUpRequest]) (*connect.Response[identityv1.SignUpResponse], error) {
	in, err := validateSignUp(req.Msg)
	if err != nil {
		return nil, connectError(err)
	}
	ip := s.clientIP(req.Peer(), req.Header())
	if err := s.limits.allowSignUp(ctx, ip); err != nil {
		return nil, connectError(err)
	}
	ctx = withClient(ctx, req.Header().Get("User-Agent"), ip)
	user, token, expires, err := s.signUp(ctx, in)
	if err != nil {
		return nil, connectError(err)
	}
	s.auditLogIn(ctx, "password_sign_up", in.email, user.ID, ip, nil)
	resp := connect.NewResponse(&identityv1.SignUpResponse{User: userToProto(user)})
	s.setSessionCookies(resp.Header(), token, user.ID, expires)
	if req.Msg.GetWantBearerToken() {
		resp.Msg.BearerToken = token
	}
	return resp, nil
}

func (s *Service) signUp(ctx context.Context, in signUpInput) (db.User, string, time.Time, error) {
	name, err := s.checkName(ctx, in.displayName)
	if err != nil {
		return db.User{}, "", time.Time{}, err
	}
	hash, err := hashPassword(s.params, in.password, rand.Reader)
	if err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("hash password: %w", err)
	}
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("begin sign-up: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	user, err := q.CreateUser(ctx, db.CreateUserParams{
		Email:          in.email,
		PasswordHash:   hash,
		DisplayName:    in.displayName,
		Roles:          in.roles,
		ConsentVersion: in.consentVersion,
		ConsentTime:    s.now(),
	})
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "23505" && pgErr.ConstraintName == "users_email_key" {
		return db.User{}, "", time.Time{}, ErrEmailTaken
	}
	if err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("create user: %w", err)
	}
	if err := queueName(ctx, tx, user.ID, name); err != nil {
		return db.User{}, "", time.Time{}, err
	}
	token, expires, err := s.startSession(ctx, q, user.ID)
	if err != nil {
		return db.User{}, "", time.Time{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("commit sign-up: %w", err)
	}
	return user, token, expires, nil
}

// LogIn checks email and password and starts a session.
func (s *Service) LogIn(ctx context.Context, req *connect.Request[identityv1.LogInRequest]) (*connect.Response[identityv1.LogInResponse], error) {
	email, password, err := validateLogIn(req.Msg)
	if err != nil {
		return nil, connectError(err)
	}
	ip := s.clientIP(req.Peer(), req.Header())
	if err := s.limits.beforeLogIn(ctx, ip, email); err != nil {
		return nil, connectError(err)
	}
	ctx = withClient(ctx, req.Header().Get("User-Agent"), ip)
	user, token, expires, err := s.logIn(ctx, email, password)
	err = s.limits.afterLogIn(ctx, email, err)
	s.auditLogIn(ctx, "password", email, user.ID, ip, err)
	if err != nil {
		return nil, connectError(err)
	}
	resp := connect.NewResponse(&identityv1.LogInResponse{User: userToProto(user)})
	s.setSessionCookies(resp.Header(), token, user.ID, expires)
	if req.Msg.GetWantBearerToken() {
		resp.Msg.BearerToken = token
	}
	return resp, nil
}

func (s *Service) logIn(ctx context.Context, email, password string) (db.User, string, time.Time, error) {
	q := db.New(s.db.Primary)
	user, err := q.GetUserByEmail(ctx, email)
	if errors.Is(err, pgx.ErrNoRows) {
		// Spend the time a real check takes, then refuse the same way.
		_, _, _ = verifyPassword(s.dummyHash, password, s.params)
		return db.User{}, "", time.Time{}, ErrBadCredentials
	}
	if err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("get user by email: %w", err)
	}
	ok, rehash, err := verifyPassword(user.PasswordHash, password, s.params)
	if err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("verify password of user %s: %w", user.ID, err)
	}
	if !ok {
		return db.User{}, "", time.Time{}, ErrBadCredentials
	}
	if rehash {
		s.rehash(ctx, q, user.ID, password)
	}
	token, expires, err := s.startSession(ctx, q, user.ID)
	if err != nil {
		return db.User{}, "", time.Time{}, err
	}
	return user, token, expires, nil
}

// rehash replaces a password hash made under old parameters. A failure is
// logged only: the old hash still works.
func (s *Service) rehash(ctx context.Context, q *db.Queries, userID uuid.UUID, password string) {
	hash, err := hashPassword(s.params, password, rand.Reader)
	if err == nil {
		err = q.UpdatePasswordHash(ctx, db.UpdatePasswordHashParams{ID: userID, PasswordHash: hash})
	}
	if err != nil {
		s.logger.WarnContext(ctx, "rehash password", "user_id", userID, "err", err)
	}
}

// LogOut ends the session the request came with and clears the cookie.
func (s *Service) LogOut(ctx context.Context, req *connect.Request[identityv1.LogOutRequest]) (*connect.Response[identityv1.LogOutResponse], error) {
	if hash, ok := sessionTokenHash(auth.TokenFromHeader(req.Header())); ok {
		if err := db.New(s.db.Primary).DeleteSession(ctx, hash); err != nil {
			return nil, fmt.Errorf("delete session: %w", err)
		}
		s.auditCaller(ctx, auditLogout, s.clientIP(req.Peer(), req.Header()), nil)
	}
	resp := connect.NewResponse(&identityv1.LogOutResponse{})
	s.clearSessionCookies(resp.Header())
	return resp, nil
}

// GetMe returns the signed-in caller. It reads the primary: the caller may
// have signed up a moment ago.
func (s *Service) GetMe(ctx context.Context, _ *connect.Request[identityv1.GetMeRequest]) (*connect.Response[identityv1.GetMeResponse], error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil, connectError(ErrUnauthenticated)
	}
	id, err := uuid.Parse(p.UserID)
	if err != nil {
		return nil, connectError(ErrUnauthenticated)
	}
	user, err := db.New(s.db.Primary).GetUser(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, connectError(ErrUnauthenticated)
	}
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return connect.NewResponse(&identityv1.GetMeResponse{User: userToProto(user)}), nil
}

// UserIDCookieName names the cookie that tells the edge who is signed in:
// the user's UUID, set beside the session cookie with the same lifetime.
// The edge's canary (OPS-4) buckets signed-in users by it, so a person stays
// on the same side on every device. It grants nothing: the session cookie
// alone authenticates.
const UserIDCookieName = "talent_uid"

func (s *Service) setSessionCookies(h http.Header, token string, userID uuid.UUID, expires time.Time) {
	h.Add("Set-Cookie", auth.SessionCookie(token, expires, s.cookieSecure).String())
	h.Add("Set-Cookie", userIDCookie(userID.String(), expires, s.cookieSecure).String())
}

// clearSessionCookies tells the browser to drop the session and user ID
// cookies.
func (s *Service) clearSessionCookies(h http.Header) {
	h.Add("Set-Cookie", auth.ClearSessionCookie(s.cookieSecure).String())
	h.Add("Set-Cookie", userIDCookie("", time.Unix(0, 0), s.cookieSecure).String())
}

// userIDCookie returns the UserIDCookieName cookie; an empty value with a
// past expiry clears it.
func userIDCookie(value string, expires time.Time, secure bool) *http.Cookie {
	c := &http.Cookie{
		Name:     UserIDCookieName,
		Value:    value,
		Path:     "/",
		Expires:  expires.UTC(),
		Secure:   secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if value == "" {
		c.MaxAge = -1
	}
	return c
}

func userToProto(u db.User) *identityv1.User {
	roles := make([]identityv1.Role, 0, len(u.Roles))
	for _, r := range u.Roles {
		roles = append(roles, roleToProto(r))
	}
	return &identityv1.User{
		Id:          u.ID.String(),
		Email:       deref(u.Email),
		Phone:       deref(u.Phone),
		DisplayName: u.DisplayName,
		Roles:       roles,
		CreateTime:  timestamppb.New(u.CreateTime),
		Demo:        u.Demo,
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
