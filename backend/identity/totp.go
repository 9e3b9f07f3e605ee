package identity

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/redis/go-redis/v9"

	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// TOTP second factor (ID-4, RFC 6238): 6 digits, 30-second steps, SHA-1,
// as every authenticator app supports. A code of the step before or after
// the current one is accepted for clock drift; a code of a step at or
// before the last accepted one is refused, so an overheard code cannot be
// replayed.

const (
	totpPeriod     = 30
	totpIssuer     = "Talent"
	totpPendingTTL = 10 * time.Minute
	qrSize         = 200
)

var totpOptions = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Errors of the factors.
var (
	// ErrEnrollmentExpired means there is no pending enrolment to confirm.
	ErrEnrollmentExpired = errors.New("the setup has expired: start again")
	// ErrFactorNotFound means the caller has no TOTP factor.
	ErrFactorNotFound = errors.New("no authenticator app is set up")
)

func totpPendingKey(userID uuid.UUID) string { return "identity:totp-pending:" + userID.String() }

func totpAAD(userID uuid.UUID) []byte {
	return fieldcrypt.AAD("totp_factors", "secret", userID.String())
}

func totpPendingAAD(userID uuid.UUID) []byte {
	return fieldcrypt.AAD("redis", "totp-pending", userID.String())
}

// BeginTotpEnrollment makes a new secret, kept encrypted in Redis until
// confirmed.
func (s *Service) BeginTotpEnrollment(ctx context.Context, _ *connect.Request[identityv1.BeginTotpEnrollmentRequest]) (*connect.Response[identityv1.BeginTotpEnrollmentResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	keys, err := s.fieldKeys()
	if err != nil || s.codes == nil {
		return nil, errStepUpNotConfigured
	}
	user, err := db.New(s.db.Primary).GetUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	account := deref(user.Email)
	if account == "" {
		account = deref(user.Phone)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: account, Period: totpPeriod})
	if err != nil {
		return nil, fmt.Errorf("generate totp secret: %w", err)
	}
	keyID, ct, err := keys.Encrypt([]byte(key.Secret()), totpPendingAAD(userID))
	if err != nil {
		return nil, err
	}
	err = s.codes.rdb.Set(ctx, totpPendingKey(userID), keyID+":"+base64.StdEncoding.EncodeToString(ct), totpPendingTTL).Err()
	if err != nil {
		return nil, fmt.Errorf("store pending totp: %w", err)
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return nil, fmt.Errorf("draw totp qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode totp qr code: %w", err)
	}
	return connect.NewResponse(&identityv1.BeginTotpEnrollmentResponse{
		Secret:       key.Secret(),
		OtpauthUri:   key.URL(),
		QrPngDataUrl: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
	}), nil
}

// ConfirmTotpEnrollment checks a code from the pending secret and enrols it.
func (s *Service) ConfirmTotpEnrollment(ctx context.Context, req *connect.Request[identityv1.ConfirmTotpEnrollmentRequest]) (*connect.Response[identityv1.ConfirmTotpEnrollmentResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	var vs badrequest.List
	checkCode(&vs, req.Msg.GetCode())
	if err := vs.Err(); err != nil {
		return nil, stepUpError(err)
	}
	ctx = s.withCaller(ctx, req.Peer(), req.Header())
	if err := s.confirmTOTP(ctx, userID, req.Msg.GetCode()); err != nil {
		return nil, stepUpError(err)
	}
	return connect.NewResponse(&identityv1.ConfirmTotpEnrollmentResponse{}), nil
}

func (s *Service) confirmTOTP(ctx context.Context, userID uuid.UUID, code string) error {
	keys, err := s.fieldKeys()
	if err != nil || s.codes == nil {
		return errStepUpNotConfigured
	}
	if err := s.limits.checkLock(ctx, "stepup", userID.String()); err != nil {
		return err
	}
	v, err := s.codes.rdb.Get(ctx, totpPendingKey(userID)).Result()
	if errors.Is(err, redis.Nil) {
		return ErrEnrollmentExpired
	}
	if err != nil {
		return fmt.Errorf("read pending totp: %w", err)
	}
	keyID, b64, _ := strings.Cut(v, ":")
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fmt.Errorf("decode pending totp: %w", err)
	}
	secret, err := keys.Decrypt(keyID, ct, totpPendingAAD(userID))
	if err != nil {
		return fmt.Errorf("decrypt pending totp: %w", err)
	}
	step, ok := matchTOTP(string(secret), code, s.now())
	if !ok {
		if lockErr := s.limits.fail(ctx, "stepup", userID.String(), stepUpLockout); lockErr != nil {
			return lockErr
		}
		return ErrSecondFactorWrong
	}
	if err := s.requireStepUpIfFactors(ctx, userID); err != nil {
		return err
	}
	keyID, ct, err = keys.Encrypt(secret, totpAAD(userID))
	if err != nil {
		return err
	}
	err = db.New(s.db.Primary).UpsertTOTP(ctx, db.UpsertTOTPParams{
		UserID: userID, KeyID: keyID, Secret: ct, LastStep: step, CreateTime: s.now(),
	})
	if err != nil {
		return fmt.Errorf("store totp: %w", err)
	}
	s.codes.rdb.Del(ctx, totpPendingKey(userID))
	s.logger.InfoContext(ctx, "totp enrolled", "user_id", userID)
	s.auditUser(ctx, userID, "identity.totp_enrol", nil)
	return nil
}

// matchTOTP returns the time step whose code is code, trying the current
// step and one on either side.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	step := now.Unix() / totpPeriod
	for _, st := range []int64{step, step - 1, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*totpPeriod, 0).UTC(), totpOptions)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// checkTOTP checks code against userID's TOTP factor and, when it matches
// and use is true, records its step as used. A code of a used step is
// ErrTOTPReplayed; a wrong one, or no factor, ErrSecondFactorWrong.
func (s *Service) checkTOTP(ctx context.Context, userID uuid.UUID, code string, use bool) error {
	keys, err := s.fieldKeys()
	if err != nil {
		return err
	}
	q := db.New(s.db.Primary)
	f, err := q.GetTOTP(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrSecondFactorWrong
	}
	if err != nil {
		return fmt.Errorf("get totp: %w", err)
	}
	secret, err := keys.DecryptString(f.KeyID, f.Secret, totpAAD(userID))
	if err != nil {
		return fmt.Errorf("decrypt totp secret of %s: %w", userID, err)
	}
	step, ok := matchTOTP(secret.Reveal(), code, s.now())
	if !ok {
		return ErrSecondFactorWrong
	}
	if step <= f.LastStep {
		return ErrTOTPReplayed
	}
	if !use {
		return nil
	}
	n, err := q.AdvanceTOTPStep(ctx, db.AdvanceTOTPStepParams{UserID: userID, Step: step})
	if err != nil {
		return fmt.Errorf("use totp step: %w", err)
	}
	if n == 0 {
		return ErrTOTPReplayed // another request used it meanwhile
	}
	return nil
}

// RemoveTotp removes the caller's TOTP factor, after a step-up.
func (s *Service) RemoveTotp(ctx context.Context, req *connect.Request[identityv1.RemoveTotpRequest]) (*connect.Response[identityv1.RemoveTotpResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	if err := s.RequireStepUp(ctx, userID, OpManageFactors, ""); err != nil {
		return nil, stepUpError(err)
	}
	n, err := db.New(s.db.Primary).DeleteTOTP(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("delete totp: %w", err)
	}
	if n == 0 {
		return nil, stepUpError(ErrFactorNotFound)
	}
	s.logger.InfoContext(ctx, "totp removed", "user_id", userID)
	s.auditUser(s.withCaller(ctx, req.Peer(), req.Header()), userID, "identity.totp_remove", nil)
	return connect.NewResponse(&identityv1.RemoveTotpResponse{}), nil
}
