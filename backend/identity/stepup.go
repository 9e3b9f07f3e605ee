package identity

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
)

// Step-up verification (ID-4). A sensitive operation asks RequireStepUp
// whether the caller proved, within the last StepUpTTL, that they hold
// both their phone (an SMS code) and a second factor (a passkey, whose
// device biometrics stand in for face recognition, or a TOTP app). A
// step-up names one operation and one target and is used up by the first
// RequireStepUp for them.
//
// In Redis: a challenge (BeginStepUp .. FinishStepUp) under
// identity:stepup:challenge:<id>, its SMS code under the phone-code keys
// with purpose "stepup:<id>", and a grant (FinishStepUp .. RequireStepUp)
// under identity:stepup:grant:<user>:<operation>:<target> holding the time
// it was made.

// Operation is a sensitive operation that needs a step-up.
type Operation string

// Operations. Withdraw and DeleteProject are for other services, which
// call RequireStepUp with the withdrawal's or project's ID as target; the
// others act on the caller's own account and have an empty target, except
// OpViewSensitive, whose target is the field's kind ("id_number",
// "bank_card").
const (
	OpWithdraw            Operation = "withdraw"
	OpDeleteProject       Operation = "delete_project"
	OpChangePayoutAccount Operation = "change_payout_account"
	OpChangePassword      Operation = "change_password"
	OpChangePhone         Operation = "change_phone"
	OpViewSensitive       Operation = "view_sensitive"
	OpManageFactors       Operation = "manage_factors"
	OpChangeIDNumber      Operation = "change_id_number"
	OpDeleteAccount       Operation = "delete_account"
)

var operationsByProto = map[identityv1.StepUpOperation]Operation{
	identityv1.StepUpOperation_STEP_UP_OPERATION_WITHDRAW:              OpWithdraw,
	identityv1.StepUpOperation_STEP_UP_OPERATION_DELETE_PROJECT:        OpDeleteProject,
	identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PAYOUT_ACCOUNT: OpChangePayoutAccount,
	identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PASSWORD:       OpChangePassword,
	identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PHONE:          OpChangePhone,
	identityv1.StepUpOperation_STEP_UP_OPERATION_VIEW_SENSITIVE:        OpViewSensitive,
	identityv1.StepUpOperation_STEP_UP_OPERATION_MANAGE_FACTORS:        OpManageFactors,
	identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_ID_NUMBER:      OpChangeIDNumber,
	identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_ROLES:          OpChangeRoles,
	identityv1.StepUpOperation_STEP_UP_OPERATION_DELETE_ACCOUNT:        OpDeleteAccount,
}

const (
	// StepUpTTL is how long a step-up, and a challenge, stays good.
	StepUpTTL = 5 * time.Minute
	// maxTargetLen bounds a step-up target.
	maxTargetLen = 128
)

// Step-up abuse limits, per user: challenges begun (each texts a code),
// and failed finishes before a lockout.
var (
	stepUpBeginsPerUser = rateRule{Max: 10, Window: time.Hour}
	stepUpLockout       = lockRule{Failures: 5, Window: 15 * time.Minute, Lock: 15 * time.Minute}
)

// Errors of step-up.
var (
	// ErrStepUpRequired means the operation needs a fresh step-up for it:
	// none was done, it lapsed, was used, or was for another operation or
	// target.
	ErrStepUpRequired = errors.New("verify it's you first: this needs a fresh step-up verification")
	// ErrStepUpNeedsPhone means the account has no phone for the SMS code.
	ErrStepUpNeedsPhone = errors.New("add a mobile number to your account first")
	// ErrStepUpNeedsFactor means the account has no second factor.
	ErrStepUpNeedsFactor = errors.New("set up a passkey or an authenticator app first")
	// ErrChallengeNotFound means the step-up challenge is unknown, expired,
	// used or someone else's.
	ErrChallengeNotFound = errors.New("the verification has expired: start again")
	// ErrSecondFactorWrong means the TOTP code or the passkey did not check.
	ErrSecondFactorWrong = errors.New("the second factor did not check")
	// ErrTOTPReplayed means a TOTP code of an already-used time step.
	ErrTOTPReplayed = errors.New("this authenticator code was already used: wait for the next one")
	// errStepUpNotConfigured means the Service has no Redis or keys.
	errStepUpNotConfigured = errors.New("step-up is not configured: no Redis, field keys or SMS sender")
)

// stepUpChallenge is a begun step-up, kept in Redis until finished.
type stepUpChallenge struct {
	UserID    uuid.UUID             `json:"user_id"`
	Operation Operation             `json:"operation"`
	Target    string                `json:"target"`
	Phone     string                `json:"phone"`
	Passkey   *webauthn.SessionData `json:"passkey,omitempty"`
}

func challengeKey(id string) string { return "identity:stepup:challenge:" + id }
func grantKey(userID uuid.UUID, op Operation, target string) string {
	return "identity:stepup:grant:" + userID.String() + ":" + string(op) + ":" + target
}

// stepUpReady reports whether step-up can work in this Service.
func (s *Service) stepUpReady() bool {
	return s.codes != nil && s.sms != nil && s.keys != nil && s.limits != nil
}

// RequireStepUp uses up the step-up that userID completed for operation on
// target, and returns ErrStepUpRequired when there is none, or it is older
// than StepUpTTL. Services call it right before doing the operation, e.g.
// payments with OpWithdraw and the withdrawal's ID. A step-up serves one
// call: a second one needs a new step-up.
func (s *Service) RequireStepUp(ctx context.Context, userID uuid.UUID, op Operation, target string) error {
	if !s.stepUpReady() {
		return errStepUpNotConfigured
	}
	v, err := s.codes.rdb.GetDel(ctx, grantKey(userID, op, target)).Result()
	if errors.Is(err, redis.Nil) {
		return ErrStepUpRequired
	}
	if err != nil {
		return fmt.Errorf("use step-up: %w", err)
	}
	nanos, err := strconv.ParseInt(v, 10, 64)
	if err != nil || s.now().Sub(time.Unix(0, nanos)) > StepUpTTL {
		return ErrStepUpRequired
	}
	return nil
}

// requireStepUpIfFactors is RequireStepUp for enrolling factors: free
// until the account has a first factor.
func (s *Service) requireStepUpIfFactors(ctx context.Context, userID uuid.UUID) error {
	n, err := db.New(s.db.Primary).CountFactors(ctx, userID)
	if err != nil {
		return fmt.Errorf("count factors: %w", err)
	}
	if n.Totp+n.Passkeys == 0 {
		return nil
	}
	return s.RequireStepUp(ctx, userID, OpManageFactors, "")
}

// BeginStepUp starts a step-up: it texts a code and returns the factors.
func (s *Service) BeginStepUp(ctx context.Context, req *connect.Request[identityv1.BeginStepUpRequest]) (*connect.Response[identityv1.BeginStepUpResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	var vs badrequest.List
	op, ok := operationsByProto[req.Msg.GetOperation()]
	if !ok {
		vs.Add("operation", "OPERATION_INVALID", "Say which operation to verify.")
	}
	target := req.Msg.GetTarget()
	if len(target) > maxTargetLen || strings.ContainsAny(target, "\x00\n") {
		vs.Add("target", "TARGET_INVALID", "The target is not valid.")
	}
	if err := vs.Err(); err != nil {
		return nil, stepUpError(err)
	}
	ctx = s.withCaller(ctx, req.Peer(), req.Header())
	resp, err := s.beginStepUp(ctx, userID, op, target)
	if err != nil {
		return nil, stepUpError(err)
	}
	return connect.NewResponse(resp), nil
}

func (s *Service) beginStepUp(ctx context.Context, userID uuid.UUID, op Operation, target string) (*identityv1.BeginStepUpResponse, error) {
	if !s.stepUpReady() {
		return nil, errStepUpNotConfigured
	}
	q := db.New(s.db.Primary)
	user, err := q.GetUser(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	if user.Phone == nil {
		return nil, ErrStepUpNeedsPhone
	}
	passkeys, err := s.webAuthnUser(ctx, q, user)
	if err != nil {
		return nil, err
	}
	n, err := q.CountFactors(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("count factors: %w", err)
	}
	if n.Totp+n.Passkeys == 0 {
		return nil, ErrStepUpNeedsFactor
	}
	if err := s.limits.allow(ctx, "stepup-begin-user", userID.String(), stepUpBeginsPerUser); err != nil {
		return nil, err
	}
	if err := s.limits.checkLock(ctx, "stepup", userID.String()); err != nil {
		return nil, err
	}

	id := rand.Text()
	ch := stepUpChallenge{UserID: userID, Operation: op, Target: target, Phone: *user.Phone}
	resp := &identityv1.BeginStepUpResponse{
		ChallengeId: id,
		MaskedPhone: maskPhone(*user.Phone),
		ExpireTime:  timestamppb.New(s.now().Add(StepUpTTL)),
	}
	if n.Totp > 0 {
		resp.Factors = append(resp.Factors, identityv1.StepUpFactor_STEP_UP_FACTOR_TOTP)
	}
	if n.Passkeys > 0 && s.webauthn != nil {
		options, session, err := s.webauthn.BeginLogin(passkeys, webauthn.WithUserVerification("required"))
		if err != nil {
			return nil, fmt.Errorf("begin passkey assertion: %w", err)
		}
		b, err := json.Marshal(options.Response)
		if err != nil {
			return nil, fmt.Errorf("encode passkey options: %w", err)
		}
		ch.Passkey = session
		resp.PasskeyRequestOptionsJson = string(b)
		resp.Factors = append(resp.Factors, identityv1.StepUpFactor_STEP_UP_FACTOR_PASSKEY)
	}
	b, err := json.Marshal(ch)
	if err != nil {
		return nil, fmt.Errorf("encode challenge: %w", err)
	}
	if err := s.codes.rdb.Set(ctx, challengeKey(id), b, StepUpTTL).Err(); err != nil {
		return nil, fmt.Errorf("store challenge: %w", err)
	}
	if err := s.sendPhoneCode(ctx, "stepup:"+id, *user.Phone); err != nil {
		s.codes.rdb.Del(ctx, challengeKey(id))
		return nil, err
	}
	return resp, nil
}

// FinishStepUp checks the code and the second factor and grants the step-up.
func (s *Service) FinishStepUp(ctx context.Context, req *connect.Request[identityv1.FinishStepUpRequest]) (*connect.Response[identityv1.FinishStepUpResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	m := req.Msg
	var vs badrequest.List
	if m.GetChallengeId() == "" {
		vs.Add("challenge_id", "REQUIRED", "Start the verification again.")
	}
	switch {
	case m.GetSmsCode() == "":
		vs.Add("sms_code", "REQUIRED", "Enter the code from the text message.")
	case len(m.GetSmsCode()) != codeDigits || strings.Trim(m.GetSmsCode(), "0123456789") != "":
		vs.Add("sms_code", "CODE_FORMAT", fmt.Sprintf("The code has %d digits.", codeDigits))
	}
	switch f := m.GetSecondFactor().(type) {
	case *identityv1.FinishStepUpRequest_TotpCode:
		if len(f.TotpCode) != codeDigits || strings.Trim(f.TotpCode, "0123456789") != "" {
			vs.Add("totp_code", "CODE_FORMAT", fmt.Sprintf("The code has %d digits.", codeDigits))
		}
	case *identityv1.FinishStepUpRequest_PasskeyAssertionJson:
		if f.PasskeyAssertionJson == "" || len(f.PasskeyAssertionJson) > 64<<10 {
			vs.Add("passkey_assertion_json", "PASSKEY_INVALID", "The passkey's answer is not valid.")
		}
	default:
		vs.Add("second_factor", "REQUIRED", "Use your passkey or enter the code from your authenticator app.")
	}
	if err := vs.Err(); err != nil {
		return nil, stepUpError(err)
	}
	ctx = s.withCaller(ctx, req.Peer(), req.Header())
	expires, err := s.finishStepUp(ctx, userID, m)
	if err != nil {
		return nil, stepUpError(err)
	}
	return connect.NewResponse(&identityv1.FinishStepUpResponse{ExpireTime: timestamppb.New(expires)}), nil
}

func (s *Service) finishStepUp(ctx context.Context, userID uuid.UUID, m *identityv1.FinishStepUpRequest) (time.Time, error) {
	if !s.stepUpReady() {
		return time.Time{}, errStepUpNotConfigured
	}
	id := m.GetChallengeId()
	b, err := s.codes.rdb.Get(ctx, challengeKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, ErrChallengeNotFound
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read challenge: %w", err)
	}
	var ch stepUpChallenge
	if err := json.Unmarshal(b, &ch); err != nil {
		return time.Time{}, fmt.Errorf("decode challenge: %w", err)
	}
	if ch.UserID != userID {
		return time.Time{}, ErrChallengeNotFound
	}
	who := userID.String()
	if err := s.limits.checkLock(ctx, "stepup", who); err != nil {
		return time.Time{}, err
	}
	purpose := "stepup:" + id
	// Both factors are checked, whatever the first answers, so a failure
	// does not tell which one was wrong.
	codeErr := s.codes.check(ctx, purpose, ch.Phone, m.GetSmsCode())
	var factorErr error
	switch f := m.GetSecondFactor().(type) {
	case *identityv1.FinishStepUpRequest_TotpCode:
		factorErr = s.checkTOTP(ctx, userID, f.TotpCode, codeErr == nil)
	case *identityv1.FinishStepUpRequest_PasskeyAssertionJson:
		factorErr = s.checkPasskey(ctx, userID, ch.Passkey, f.PasskeyAssertionJson, codeErr == nil)
	}
	if codeErr != nil || factorErr != nil {
		for _, e := range []error{codeErr, factorErr} {
			if e != nil && !isWrongAnswer(e) {
				return time.Time{}, e
			}
		}
		lockErr := s.limits.fail(ctx, "stepup", who, stepUpLockout)
		s.auditUser(ctx, userID, "identity.stepup_failed", map[string]any{
			"operation": ch.Operation, "target": ch.Target, "locked": lockErr != nil,
		})
		if lockErr != nil {
			return time.Time{}, lockErr
		}
		factorField := "totp_code"
		if _, ok := m.GetSecondFactor().(*identityv1.FinishStepUpRequest_PasskeyAssertionJson); ok {
			factorField = "passkey_assertion_json"
		}
		return time.Time{}, newWrongAnswers(codeErr, factorErr, factorField)
	}
	// Only one finish wins the challenge.
	if n, err := s.codes.rdb.Del(ctx, challengeKey(id)).Result(); err != nil || n == 0 {
		return time.Time{}, ErrChallengeNotFound
	}
	if err := s.codes.consume(ctx, purpose, ch.Phone); err != nil {
		return time.Time{}, err
	}
	s.limits.succeed(ctx, "stepup", who)
	now := s.now()
	err = s.codes.rdb.Set(ctx, grantKey(userID, ch.Operation, ch.Target),
		strconv.FormatInt(now.UnixNano(), 10), StepUpTTL+time.Minute).Err()
	if err != nil {
		return time.Time{}, fmt.Errorf("store step-up: %w", err)
	}
	factor := "totp"
	if _, ok := m.GetSecondFactor().(*identityv1.FinishStepUpRequest_PasskeyAssertionJson); ok {
		factor = "passkey"
	}
	s.logger.InfoContext(ctx, "step-up verified", "user_id", userID, "operation", ch.Operation, "target", ch.Target)
	s.auditUser(ctx, userID, "identity.stepup", map[string]any{"operation": ch.Operation, "target": ch.Target, "factor": factor})
	return now.Add(StepUpTTL), nil
}

// isWrongAnswer reports whether err is a wrong code or factor, which counts
// towards the lockout, rather than a failure of the system.
func isWrongAnswer(err error) bool {
	for _, e := range []error{ErrCodeWrong, ErrCodeUsedUp, ErrCodeExpired, ErrSecondFactorWrong, ErrTOTPReplayed} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// fieldKeys returns the keyring or errStepUpNotConfigured.
func (s *Service) fieldKeys() (*fieldcrypt.Keyring, error) {
	if s.keys == nil {
		return nil, errStepUpNotConfigured
	}
	return s.keys, nil
}

// StepUpPolicies declares who may call the step-up, factor and
// sensitive-field RPCs: every signed-in person, for their own account.
// talentd merges them with Policies.
func StepUpPolicies() auth.Policies {
	return auth.Policies{
		identityv1connect.IdentityServiceGetSecuritySettingsProcedure:       {},
		identityv1connect.IdentityServiceBeginStepUpProcedure:               {},
		identityv1connect.IdentityServiceFinishStepUpProcedure:              {},
		identityv1connect.IdentityServiceBeginTotpEnrollmentProcedure:       {},
		identityv1connect.IdentityServiceConfirmTotpEnrollmentProcedure:     {},
		identityv1connect.IdentityServiceRemoveTotpProcedure:                {},
		identityv1connect.IdentityServiceBeginPasskeyRegistrationProcedure:  {},
		identityv1connect.IdentityServiceFinishPasskeyRegistrationProcedure: {},
		identityv1connect.IdentityServiceRemovePasskeyProcedure:             {},
		identityv1connect.IdentityServiceChangePasswordProcedure:            {},
		identityv1connect.IdentityServiceSendChangePhoneCodeProcedure:       {},
		identityv1connect.IdentityServiceChangePhoneProcedure:               {},
		identityv1connect.IdentityServiceSetSensitiveFieldProcedure:         {},
		identityv1connect.IdentityServiceRevealSensitiveFieldProcedure:      {},
	}
}
