package identity

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/fieldcrypt"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

func TestNormaliseIDNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"11010519491231002X", "11010519491231002X", true},
		{"11010519491231002x", "11010519491231002X", true},
		{" 110105 19491231 002X ", "11010519491231002X", true},
		{"110105194912310021", "110105194912310021", false}, // wrong check digit
		{"11010519491331002X", "11010519491331002X", false}, // month 13
		{"1101051949123100", "1101051949123100", false},
		{"A1010519491231002X", "A1010519491231002X", false},
	}
	for _, tt := range tests {
		got, ok := NormaliseIDNumber(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("NormaliseIDNumber(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestSensitiveFields stores an ID number and a bank card encrypted, shows
// them masked, and in full only after a step-up for that field (SEC-1,
// SEC-2); neither ever reaches the log.
func TestSensitiveFields(t *testing.T) {
	t.Parallel()
	b := setupStepUp(t)
	u := b.newUser(t)
	b.enrolTOTP(t, u)
	const idNumber, card = "11010519491231002X", "6222021234567890123"
	set := func(kind identityv1.SensitiveFieldKind, v string) (*connect.Response[identityv1.SetSensitiveFieldResponse], error) {
		return b.svc.SetSensitiveField(u.ctx, connect.NewRequest(&identityv1.SetSensitiveFieldRequest{Kind: kind, Value: v}))
	}
	reveal := func(kind identityv1.SensitiveFieldKind) (string, error) {
		resp, err := b.svc.RevealSensitiveField(u.ctx, connect.NewRequest(&identityv1.RevealSensitiveFieldRequest{Kind: kind}))
		if err != nil {
			return "", err
		}
		return resp.Msg.GetValue(), nil
	}
	idKind := identityv1.SensitiveFieldKind_SENSITIVE_FIELD_KIND_ID_NUMBER
	cardKind := identityv1.SensitiveFieldKind_SENSITIVE_FIELD_KIND_BANK_CARD

	bad := []struct {
		kind   identityv1.SensitiveFieldKind
		value  string
		reason string
	}{
		{idKind, "110105194912310021", "ID_NUMBER_INVALID"},
		{cardKind, "6222-0212", "BANK_CARD_INVALID"},
		{cardKind, "", "REQUIRED"},
		{identityv1.SensitiveFieldKind_SENSITIVE_FIELD_KIND_UNSPECIFIED, "1", ""},
	}
	for _, tt := range bad {
		_, err := set(tt.kind, tt.value)
		if tt.reason == "" {
			if violation(t, err, "kind") != "KIND_INVALID" {
				t.Errorf("set without kind = %v", err)
			}
			continue
		}
		if got := violation(t, err, "value"); got != tt.reason {
			t.Errorf("set %v %q = %v, want %s", tt.kind, tt.value, err, tt.reason)
		}
	}

	resp, err := set(idKind, "11010519491231002x")
	if err != nil || resp.Msg.GetField().GetMasked() != "110***********002X" {
		t.Fatalf("set ID number = %v, %v", resp, err)
	}
	if _, err := set(cardKind, "6222 0212 3456 7890 123"); err != nil {
		t.Fatalf("set bank card: %v", err)
	}
	settings, err := b.svc.GetSecuritySettings(u.ctx, connect.NewRequest(&identityv1.GetSecuritySettingsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[identityv1.SensitiveFieldKind]string{}
	for _, f := range settings.Msg.GetSensitiveFields() {
		got[f.GetKind()] = f.GetMasked()
	}
	if got[idKind] != "110***********002X" || got[cardKind] != "622************0123" || !settings.Msg.GetTotpEnrolled() {
		t.Fatalf("GetSecuritySettings = %v", settings.Msg)
	}

	// Stored encrypted, under the key named beside it.
	var keyID string
	var ct []byte
	if err := b.db.Primary.QueryRow(t.Context(), `SELECT key_id, ciphertext FROM user_sensitive_fields WHERE user_id = $1 AND kind = 'id_number'`,
		u.id).Scan(&keyID, &ct); err != nil {
		t.Fatal(err)
	}
	if keyID != "t1" || bytes.Contains(ct, []byte(idNumber)) || bytes.Contains(ct, []byte("1949")) {
		t.Fatalf("stored %s %x: not encrypted under t1", keyID, ct)
	}
	// The ciphertext is bound to its row: as another person's it does not
	// decrypt, as this person's it does.
	other := b.newUser(t)
	if _, err := b.keys.Decrypt(keyID, ct, sensitiveAAD(other.id.String(), KindIDNumber)); !errors.Is(err, fieldcrypt.ErrDecrypt) {
		t.Fatalf("decrypt as another user's = %v, want ErrDecrypt", err)
	}
	if _, err := b.keys.Decrypt(keyID, ct, sensitiveAAD(u.id.String(), KindBankCard)); !errors.Is(err, fieldcrypt.ErrDecrypt) {
		t.Fatalf("decrypt as the bank card = %v, want ErrDecrypt", err)
	}
	if v, err := b.keys.Decrypt(keyID, ct, sensitiveAAD(u.id.String(), KindIDNumber)); err != nil || string(v) != idNumber {
		t.Fatalf("decrypt = %q, %v", v, err)
	}

	if _, err := reveal(idKind); errorReason(err) != "STEP_UP_REQUIRED" {
		t.Fatalf("reveal without step-up = %v", err)
	}
	b.stepUpTOTP(t, u, identityv1.StepUpOperation_STEP_UP_OPERATION_VIEW_SENSITIVE, KindBankCard)
	if _, err := reveal(idKind); errorReason(err) != "STEP_UP_REQUIRED" {
		t.Fatalf("reveal ID number with a bank card step-up = %v", err)
	}
	if v, err := reveal(cardKind); err != nil || v != card {
		t.Fatalf("reveal bank card = %q, %v", v, err)
	}
	b.stepUpTOTP(t, u, identityv1.StepUpOperation_STEP_UP_OPERATION_VIEW_SENSITIVE, KindIDNumber)
	if v, err := reveal(idKind); err != nil || v != idNumber {
		t.Fatalf("reveal ID number = %q, %v", v, err)
	}

	// Replacing the payout account needs its own step-up.
	if _, err := set(cardKind, "6222020000000000"); errorReason(err) != "STEP_UP_REQUIRED" {
		t.Fatalf("replace bank card without step-up = %v", err)
	}
	b.stepUpTOTP(t, u, identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PAYOUT_ACCOUNT, "")
	if _, err := set(cardKind, "6222020000000000"); err != nil {
		t.Fatalf("replace bank card after step-up: %v", err)
	}

	// Never logged, however the flows went.
	log := b.log.String()
	for _, secret := range []string{idNumber, card, "6222020000000000", "19491231", u.secret} {
		if strings.Contains(log, secret) {
			t.Errorf("the log shows %q:\n%s", secret, log)
		}
	}
	if !strings.Contains(log, "sensitive field revealed") || !strings.Contains(log, "110***********002X") {
		t.Errorf("the log lacks the masked audit lines:\n%s", log)
	}
}
