package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// Changing the password and the phone number, behind step-up (ID-4).

// ChangePassword sets a new password after a step-up and ends the
// caller's other sessions.
func (s *Service) ChangePassword(ctx context.Context, req *connect.Request[identityv1.ChangePasswordRequest]) (*connect.Response[identityv1.ChangePasswordResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	var vs badrequest.List
	switch n := utf8.RuneCountInString(req.Msg.GetNewPassword()); {
	case n == 0:
		vs.Add("new_password", "REQUIRED", "Choose a password.")
	case n < minPasswordLen:
		vs.Add("new_password", "PASSWORD_TOO_SHORT",
			fmt.Sprintf("The password must be at least %d characters long.", minPasswordLen))
	case n > maxPasswordLen:
		vs.Add("new_password", "TOO_LONG",
			fmt.Sprintf("The password must be at most %d characters long.", maxPasswordLen))
	}
	if err := vs.Err(); err != nil {
		return nil, stepUpError(err)
	}
	if err := s.RequireStepUp(ctx, userID, OpChangePassword, ""); err != nil {
		return nil, stepUpError(err)
	}
	hash, err := hashPassword(s.params, req.Msg.GetNewPassword(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin change password: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	if err := q.UpdatePasswordHash(ctx, db.UpdatePasswordHashParams{ID: userID, PasswordHash: hash}); err != nil {
		return nil, fmt.Errorf("update password: %w", err)
	}
	current, _ := sessionTokenHash(auth.TokenFromHeader(req.Header()))
	if current == nil {
		current = []byte{}
	}
	ended, err := q.DeleteOtherSessions(ctx, db.DeleteOtherSessionsParams{UserID: userID, TokenHash: current})
	if err != nil {
		return nil, fmt.Errorf("end other sessions: %w", err)
	}
	err = audit.Record(ctx, tx, audit.Entry{
		ActorID: userID.String(), Action: "identity.password_change", Target: "user:" + userID.String(),
		IP: s.clientIP(req.Peer(), req.Header()), Detail: map[string]any{"ended_sessions": ended},
	})
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit change password: %w", err)
	}
	s.logger.InfoContext(ctx, "password changed", "user_id", userID, "ended_sessions", ended)
	return connect.NewResponse(&identityv1.ChangePasswordResponse{EndedSessionCount: int32(ended)}), nil
}

func changePhonePurpose(userID uuid.UUID) string { return "change-phone:" + userID.String() }

// SendChangePhoneCode texts a code to the new number.
func (s *Service) SendChangePhoneCode(ctx context.Context, req *connect.Request[identityv1.SendChangePhoneCodeRequest]) (*connect.Response[identityv1.SendChangePhoneCodeResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	var vs badrequest.List
	phone := checkPhone(&vs, req.Msg.GetPhone())
	if err := vs.Err(); err != nil {
		return nil, stepUpError(err)
	}
	if err := s.limits.beforeCodeSend(ctx, s.clientIP(req.Peer(), req.Header())); err != nil {
		return nil, stepUpError(err)
	}
	if err := s.sendPhoneCode(ctx, changePhonePurpose(userID), phone); err != nil {
		return nil, stepUpError(err)
	}
	return connect.NewResponse(&identityv1.SendChangePhoneCodeResponse{
		Phone:       phone,
		ResendAfter: durationpb.New(codeResendAfter),
		ExpireAfter: durationpb.New(codeTTL),
	}), nil
}

// ChangePhone sets a new number proved by a code; replacing one needs a
// step-up.
func (s *Service) ChangePhone(ctx context.Context, req *connect.Request[identityv1.ChangePhoneRequest]) (*connect.Response[identityv1.ChangePhoneResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	var vs badrequest.List
	phone := checkPhone(&vs, req.Msg.GetPhone())
	checkCode(&vs, req.Msg.GetCode())
	if err := vs.Err(); err != nil {
		return nil, stepUpError(err)
	}
	ctx = s.withCaller(ctx, req.Peer(), req.Header())
	user, err := s.changePhone(ctx, userID, phone, req.Msg.GetCode())
	if err != nil {
		return nil, stepUpError(err)
	}
	return connect.NewResponse(&identityv1.ChangePhoneResponse{User: userToProto(user)}), nil
}

func (s *Service) changePhone(ctx context.Context, userID uuid.UUID, phone, code string) (db.User, error) {
	if s.codes == nil {
		return db.User{}, errPhoneNotConfigured
	}
	if err := s.limits.checkLock(ctx, "code", phone); err != nil {
		return db.User{}, err
	}
	purpose := changePhonePurpose(userID)
	if err := s.limits.afterCodeCheck(ctx, phone, s.codes.check(ctx, purpose, phone, code)); err != nil {
		return db.User{}, err
	}
	q := db.New(s.db.Primary)
	user, err := q.GetUser(ctx, userID)
	if err != nil {
		return db.User{}, fmt.Errorf("get user: %w", err)
	}
	if user.Phone != nil {
		if err := s.RequireStepUp(ctx, userID, OpChangePhone, ""); err != nil {
			return db.User{}, err
		}
	}
	if err := s.codes.consume(ctx, purpose, phone); err != nil {
		return db.User{}, err
	}
	err = q.UpdatePhone(ctx, db.UpdatePhoneParams{ID: userID, Phone: phone})
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "23505" {
		return db.User{}, ErrPhoneTaken
	}
	if err != nil {
		return db.User{}, fmt.Errorf("update phone: %w", err)
	}
	s.logger.InfoContext(ctx, "phone changed", "user_id", userID, "phone", maskPhone(phone))
	s.auditUser(ctx, userID, "identity.phone_change", map[string]any{"phone": maskPhone(phone)})
	user.Phone = &phone
	return user, nil
}
