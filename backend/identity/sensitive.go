package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// Sensitive fields (SEC-1, SEC-2): a person's resident ID number and payout
// bank card number, encrypted with fieldcrypt, shown masked, and in full
// only to their owner after a step-up for OpViewSensitive.

// Kind names of sensitive fields, as stored and as step-up targets.
const (
	KindIDNumber = "id_number"
	KindBankCard = "bank_card"
)

var kindsByProto = map[identityv1.SensitiveFieldKind]string{
	identityv1.SensitiveFieldKind_SENSITIVE_FIELD_KIND_ID_NUMBER: KindIDNumber,
	identityv1.SensitiveFieldKind_SENSITIVE_FIELD_KIND_BANK_CARD: KindBankCard,
}

func kindToProto(kind string) identityv1.SensitiveFieldKind {
	for k, v := range kindsByProto {
		if v == kind {
			return k
		}
	}
	return identityv1.SensitiveFieldKind_SENSITIVE_FIELD_KIND_UNSPECIFIED
}

// ErrSensitiveFieldNotSet means the caller has not stored that field.
var ErrSensitiveFieldNotSet = errors.New("this field is not set")

// sensitiveAAD binds a sensitive field's ciphertext to its row.
func sensitiveAAD(userID, kind string) []byte {
	return fieldcrypt.AAD("user_sensitive_fields", "ciphertext", userID, kind)
}

// EncryptedColumns lists the identity service's encrypted columns, for
// `talentd rotate-keys`.
func EncryptedColumns() []fieldcrypt.Column {
	return []fieldcrypt.Column{
		{
			Table: "user_sensitive_fields", Key: []string{"user_id", "kind"},
			KeyIDCol: "key_id", Ciphertext: "ciphertext",
			AAD: func(k []string) []byte { return sensitiveAAD(k[0], k[1]) },
		},
		{
			Table: "totp_factors", Key: []string{"user_id"},
			KeyIDCol: "key_id", Ciphertext: "secret",
			AAD: func(k []string) []byte { return fieldcrypt.AAD("totp_factors", "secret", k[0]) },
		},
	}
}

// idNumberWeights and idNumberCheck are the GB 11643-1999 checksum of a
// resident ID number.
var (
	idNumberWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	idNumberCheck   = "10X98765432"
)

// NormaliseIDNumber returns an 18-character resident ID number without
// spaces and with an upper-case X, and whether it is well formed: 17
// digits, a check character that matches them, and a plausible birth date.
func NormaliseIDNumber(s string) (string, bool) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if len(s) != 18 || strings.Trim(s[:17], "0123456789") != "" {
		return s, false
	}
	sum := 0
	for i := range 17 {
		sum += int(s[i]-'0') * idNumberWeights[i]
	}
	if s[17] != idNumberCheck[sum%11] {
		return s, false
	}
	if _, err := time.Parse("20060102", s[6:14]); err != nil {
		return s, false
	}
	return s, true
}

// normaliseBankCard strips spaces and dashes from a card number and checks
// it has 12 to 19 digits.
func normaliseBankCard(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	return s, len(s) >= 12 && len(s) <= 19 && strings.Trim(s, "0123456789") == ""
}

// SetSensitiveField stores the caller's ID number or bank card, encrypted.
func (s *Service) SetSensitiveField(ctx context.Context, req *connect.Request[identityv1.SetSensitiveFieldRequest]) (*connect.Response[identityv1.SetSensitiveFieldResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	var vs badrequest.List
	kind, ok := kindsByProto[req.Msg.GetKind()]
	var value string
	switch {
	case !ok:
		vs.Add("kind", "KIND_INVALID", "Say which field to set.")
	case strings.TrimSpace(req.Msg.GetValue()) == "":
		vs.Add("value", "REQUIRED", "Enter the number.")
	case kind == KindIDNumber:
		if value, ok = NormaliseIDNumber(req.Msg.GetValue()); !ok {
			vs.Add("value", "ID_NUMBER_INVALID", "Enter the 18-character number on your resident ID card.")
		}
	case kind == KindBankCard:
		if value, ok = normaliseBankCard(req.Msg.GetValue()); !ok {
			vs.Add("value", "BANK_CARD_INVALID", "Enter the card number: 12 to 19 digits.")
		}
	}
	if err := vs.Err(); err != nil {
		return nil, stepUpError(err)
	}
	ctx = s.withCaller(ctx, req.Peer(), req.Header())
	f, err := s.setSensitiveField(ctx, userID, kind, fieldcrypt.Secret(value))
	if err != nil {
		return nil, stepUpError(err)
	}
	return connect.NewResponse(&identityv1.SetSensitiveFieldResponse{Field: f}), nil
}

func (s *Service) setSensitiveField(ctx context.Context, userID uuid.UUID, kind string, value fieldcrypt.Secret) (*identityv1.SensitiveField, error) {
	keys, err := s.fieldKeys()
	if err != nil {
		return nil, err
	}
	q := db.New(s.db.Primary)
	_, err = q.GetSensitiveField(ctx, db.GetSensitiveFieldParams{UserID: userID, Kind: kind})
	switch {
	case err == nil:
		op := OpChangeIDNumber
		if kind == KindBankCard {
			op = OpChangePayoutAccount
		}
		if err := s.RequireStepUp(ctx, userID, op, ""); err != nil {
			return nil, err
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("get sensitive field: %w", err)
	}
	keyID, ct, err := keys.EncryptString(value, sensitiveAAD(userID.String(), kind))
	if err != nil {
		return nil, err
	}
	now := s.now()
	masked := value.String()
	err = q.UpsertSensitiveField(ctx, db.UpsertSensitiveFieldParams{
		UserID: userID, Kind: kind, KeyID: keyID, Ciphertext: ct, Masked: masked, UpdateTime: now,
	})
	if err != nil {
		return nil, fmt.Errorf("store sensitive field: %w", err)
	}
	s.logger.InfoContext(ctx, "sensitive field set", "user_id", userID, "kind", kind, "value", value)
	s.auditUser(ctx, userID, "identity.sensitive_set", map[string]any{"kind": kind, "masked": masked})
	return &identityv1.SensitiveField{Kind: kindToProto(kind), Masked: masked, UpdateTime: timestamppb.New(now)}, nil
}

// RevealSensitiveField returns a field in full, after a step-up.
func (s *Service) RevealSensitiveField(ctx context.Context, req *connect.Request[identityv1.RevealSensitiveFieldRequest]) (*connect.Response[identityv1.RevealSensitiveFieldResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	kind, ok := kindsByProto[req.Msg.GetKind()]
	if !ok {
		var vs badrequest.List
		vs.Add("kind", "KIND_INVALID", "Say which field to show.")
		return nil, stepUpError(vs.Err())
	}
	ctx = s.withCaller(ctx, req.Peer(), req.Header())
	v, err := s.revealSensitiveField(ctx, userID, kind)
	if err != nil {
		return nil, stepUpError(err)
	}
	return connect.NewResponse(&identityv1.RevealSensitiveFieldResponse{Value: v.Reveal()}), nil
}

func (s *Service) revealSensitiveField(ctx context.Context, userID uuid.UUID, kind string) (fieldcrypt.Secret, error) {
	keys, err := s.fieldKeys()
	if err != nil {
		return "", err
	}
	f, err := db.New(s.db.Primary).GetSensitiveField(ctx, db.GetSensitiveFieldParams{UserID: userID, Kind: kind})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrSensitiveFieldNotSet
	}
	if err != nil {
		return "", fmt.Errorf("get sensitive field: %w", err)
	}
	if err := s.RequireStepUp(ctx, userID, OpViewSensitive, kind); err != nil {
		return "", err
	}
	v, err := keys.DecryptString(f.KeyID, f.Ciphertext, sensitiveAAD(userID.String(), kind))
	if err != nil {
		return "", fmt.Errorf("decrypt %s of %s: %w", kind, userID, err)
	}
	s.logger.InfoContext(ctx, "sensitive field revealed", "user_id", userID, "kind", kind)
	s.auditUser(ctx, userID, "identity.sensitive_reveal", map[string]any{"kind": kind})
	return v, nil
}

// GetSecuritySettings returns the caller's factors and masked fields.
func (s *Service) GetSecuritySettings(ctx context.Context, _ *connect.Request[identityv1.GetSecuritySettingsRequest]) (*connect.Response[identityv1.GetSecuritySettingsResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, stepUpError(err)
	}
	q := db.New(s.db.Primary)
	user, err := q.GetUser(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, stepUpError(ErrUnauthenticated)
	}
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	resp := &identityv1.GetSecuritySettingsResponse{}
	if user.Phone != nil {
		resp.MaskedPhone = maskPhone(*user.Phone)
	}
	n, err := q.CountFactors(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("count factors: %w", err)
	}
	resp.TotpEnrolled = n.Totp > 0
	pks, err := q.ListPasskeys(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list passkeys: %w", err)
	}
	for _, p := range pks {
		pk := &identityv1.Passkey{Id: p.ID.String(), Name: p.Name, CreateTime: timestamppb.New(p.CreateTime)}
		if p.LastUsedTime.Valid {
			pk.LastUsedTime = timestamppb.New(p.LastUsedTime.Time)
		}
		resp.Passkeys = append(resp.Passkeys, pk)
	}
	fields, err := q.ListSensitiveFields(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list sensitive fields: %w", err)
	}
	for _, f := range fields {
		resp.SensitiveFields = append(resp.SensitiveFields, &identityv1.SensitiveField{
			Kind: kindToProto(f.Kind), Masked: f.Masked, UpdateTime: timestamppb.New(f.UpdateTime),
		})
	}
	return connect.NewResponse(resp), nil
}

func timestamptz(t time.Time) pgtype.Timestamptz { return pgtype.Timestamptz{Time: t, Valid: true} }
