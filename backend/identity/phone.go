package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// SMSSender sends a login code to a mobile number by text message. talentd
// chooses the implementation: one that writes the code to the log in
// development, an SMS provider's adapter in production.
type SMSSender interface {
	// SendCode texts code to phone, given in E.164 form ("+8613812345678").
	SendCode(ctx context.Context, phone, code string) error
}

// normalisePhone turns a mainland China mobile number as people type it
// ("138 1234 5678", "+86-138-1234-5678", "008613812345678") into E.164
// ("+8613812345678"). ok is false for anything else.
func normalisePhone(s string) (phone string, ok bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	digits := b.String()
	switch {
	case strings.HasPrefix(digits, "+86"):
		digits = digits[3:]
	case strings.HasPrefix(digits, "0086"):
		digits = digits[4:]
	case strings.HasPrefix(digits, "86") && len(digits) == 13:
		digits = digits[2:]
	case strings.HasPrefix(digits, "+"):
		return "", false
	}
	if len(digits) != 11 || digits[0] != '1' || digits[1] < '3' {
		return "", false
	}
	return "+86" + digits, true
}

// checkPhone adds a violation for a missing or malformed phone number and
// returns the normalised number.
func checkPhone(vs *badrequest.List, s string) string {
	phone, ok := normalisePhone(s)
	switch {
	case strings.TrimSpace(s) == "":
		vs.Add("phone", "REQUIRED", "Enter your mobile number.")
	case !ok:
		vs.Add("phone", "PHONE_INVALID", "Enter a mainland China mobile number, like 138 1234 5678.")
	}
	return phone
}

// checkCode adds a violation for a code that cannot be a 6-digit code.
func checkCode(vs *badrequest.List, code string) {
	switch {
	case code == "":
		vs.Add("code", "REQUIRED", "Enter the code from the text message.")
	case len(code) != codeDigits || strings.Trim(code, "0123456789") != "":
		vs.Add("code", "CODE_FORMAT", fmt.Sprintf("The code has %d digits.", codeDigits))
	}
}

// SendPhoneCode texts a login code to a mobile number. It answers the same
// whether or not an account uses the number.
func (s *Service) SendPhoneCode(ctx context.Context, req *connect.Request[identityv1.SendPhoneCodeRequest]) (*connect.Response[identityv1.SendPhoneCodeResponse], error) {
	var vs badrequest.List
	phone := checkPhone(&vs, req.Msg.GetPhone())
	if req.Msg.GetPurpose() != identityv1.PhoneCodePurpose_PHONE_CODE_PURPOSE_LOG_IN {
		vs.Add("purpose", "PURPOSE_INVALID", "Say what the code is for.")
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	if err := s.limits.beforeCodeSend(ctx, s.clientIP(req.Peer(), req.Header())); err != nil {
		return nil, connectError(err)
	}
	if err := s.sendPhoneCode(ctx, purposeLogIn, phone); err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&identityv1.SendPhoneCodeResponse{
		Phone:       phone,
		ResendAfter: durationpb.New(codeResendAfter),
		ExpireAfter: durationpb.New(codeTTL),
	}), nil
}

func (s *Service) sendPhoneCode(ctx context.Context, purpose, phone string) error {
	if s.codes == nil || s.sms == nil {
		return errPhoneNotConfigured
	}
	code, err := s.codes.issue(ctx, purpose, phone)
	if err != nil {
		return err
	}
	if err := s.limits.codeSendForPhone(ctx, phone); err != nil {
		s.codes.forgetCode(ctx, purpose, phone)
		return err
	}
	if err := s.sms.SendCode(ctx, phone, code); err != nil {
		s.logger.ErrorContext(ctx, "send sms code", "phone", maskPhone(phone), "err", err)
		// Let the person ask again at once: nothing reached them.
		s.codes.forget(ctx, purpose, phone)
		return ErrSMSUnavailable
	}
	return nil
}

// LogInWithPhone checks a code and starts a session for the account using
// the phone number.
func (s *Service) LogInWithPhone(ctx context.Context, req *connect.Request[identityv1.LogInWithPhoneRequest]) (*connect.Response[identityv1.LogInWithPhoneResponse], error) {
	var vs badrequest.List
	phone := checkPhone(&vs, req.Msg.GetPhone())
	checkCode(&vs, req.Msg.GetCode())
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	ip := s.clientIP(req.Peer(), req.Header())
	if err := s.limits.beforeCodeCheck(ctx, ip, phone); err != nil {
		return nil, connectError(err)
	}
	ctx = withClient(ctx, req.Header().Get("User-Agent"), ip)
	user, token, expires, err := s.logInWithPhone(ctx, phone, req.Msg.GetCode())
	s.auditLogIn(ctx, "phone", phone, user.ID, ip, err)
	if err != nil {
		return nil, connectError(err)
	}
	resp := connect.NewResponse(&identityv1.LogInWithPhoneResponse{User: userToProto(user)})
	s.setSessionCookies(resp.Header(), token, user.ID, expires)
	if req.Msg.GetWantBearerToken() {
		resp.Msg.BearerToken = token
	}
	return resp, nil
}

func (s *Service) logInWithPhone(ctx context.Context, phone, code string) (db.User, string, time.Time, error) {
	if s.codes == nil {
		return db.User{}, "", time.Time{}, errPhoneNotConfigured
	}
	if err := s.limits.afterCodeCheck(ctx, phone, s.codes.check(ctx, purposeLogIn, phone, code)); err != nil {
		return db.User{}, "", time.Time{}, err
	}
	q := db.New(s.db.Primary)
	user, err := q.GetUserByPhone(ctx, phone)
	if errors.Is(err, pgx.ErrNoRows) {
		// The caller holds the phone, so may learn that it has no account;
		// the code stays good for SignUpWithPhone.
		return db.User{}, "", time.Time{}, ErrPhoneNotRegistered
	}
	if err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("get user by phone: %w", err)
	}
	if err := s.codes.consume(ctx, purposeLogIn, phone); err != nil {
		return db.User{}, "", time.Time{}, err
	}
	token, expires, err := s.startSession(ctx, q, user.ID)
	if err != nil {
		return db.User{}, "", time.Time{}, err
	}
	return user, token, expires, nil
}

// SignUpWithPhone creates an account for a phone number proved by a code
// and starts a session for it.
func (s *Service) SignUpWithPhone(ctx context.Context, req *connect.Request[identityv1.SignUpWithPhoneRequest]) (*connect.Response[identityv1.SignUpWithPhoneResponse], error) {
	in, code, err := validateSignUpWithPhone(req.Msg)
	if err != nil {
		return nil, connectError(err)
	}
	ip := s.clientIP(req.Peer(), req.Header())
	if err := s.limits.beforeCodeCheck(ctx, ip, in.phone); err != nil {
		return nil, connectError(err)
	}
	if err := s.limits.allowSignUp(ctx, ip); err != nil {
		return nil, connectError(err)
	}
	ctx = withClient(ctx, req.Header().Get("User-Agent"), ip)
	user, token, expires, err := s.signUpWithPhone(ctx, in, code)
	if err != nil {
		return nil, connectError(err)
	}
	s.auditLogIn(ctx, "phone_sign_up", in.phone, user.ID, ip, nil)
	resp := connect.NewResponse(&identityv1.SignUpWithPhoneResponse{User: userToProto(user)})
	s.setSessionCookies(resp.Header(), token, user.ID, expires)
	if req.Msg.GetWantBearerToken() {
		resp.Msg.BearerToken = token
	}
	return resp, nil
}

// phoneSignUpInput is a checked and normalised SignUpWithPhone request.
type phoneSignUpInput struct {
	phone          string
	displayName    string
	roles          []string
	consentVersion string
}

func validateSignUpWithPhone(m *identityv1.SignUpWithPhoneRequest) (phoneSignUpInput, string, error) {
	var vs badrequest.List
	in := phoneSignUpInput{phone: checkPhone(&vs, m.GetPhone())}
	checkCode(&vs, m.GetCode())
	in.displayName, in.roles, in.consentVersion = checkProfile(&vs, m.GetDisplayName(), m.GetRoles(), m.GetConsentVersion())
	return in, m.GetCode(), vs.Err()
}

func (s *Service) signUpWithPhone(ctx context.Context, in phoneSignUpInput, code string) (db.User, string, time.Time, error) {
	if s.codes == nil {
		return db.User{}, "", time.Time{}, errPhoneNotConfigured
	}
	// Before the code is used up: a refused name keeps it valid.
	name, err := s.checkName(ctx, in.displayName)
	if err != nil {
		return db.User{}, "", time.Time{}, err
	}
	if err := s.limits.afterCodeCheck(ctx, in.phone, s.codes.check(ctx, purposeLogIn, in.phone, code)); err != nil {
		return db.User{}, "", time.Time{}, err
	}
	if err := s.codes.consume(ctx, purposeLogIn, in.phone); err != nil {
		return db.User{}, "", time.Time{}, err
	}
	// The account has no password until its owner chooses one: it keeps
	// the hash of a random one nobody knows.
	hash, err := hashPassword(s.params, rand.Text(), rand.Reader)
	if err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("hash password: %w", err)
	}
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("begin phone sign-up: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	user, err := q.CreatePhoneUser(ctx, db.CreatePhoneUserParams{
		Phone:          in.phone,
		PasswordHash:   hash,
		DisplayName:    in.displayName,
		Roles:          in.roles,
		ConsentVersion: in.consentVersion,
		ConsentTime:    s.now(),
	})
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "23505" && pgErr.ConstraintName == "users_phone_key" {
		return db.User{}, "", time.Time{}, ErrPhoneTaken
	}
	if err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("create phone user: %w", err)
	}
	if err := queueName(ctx, tx, user.ID, name); err != nil {
		return db.User{}, "", time.Time{}, err
	}
	token, expires, err := s.startSession(ctx, q, user.ID)
	if err != nil {
		return db.User{}, "", time.Time{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return db.User{}, "", time.Time{}, fmt.Errorf("commit phone sign-up: %w", err)
	}
	return user, token, expires, nil
}

// maskPhone shows the first 3 and last 4 digits of a number for logs
// (SEC-2): "+86138****5678".
func maskPhone(phone string) string {
	if len(phone) < 10 {
		return "****"
	}
	return phone[:6] + "****" + phone[len(phone)-4:]
}
