package identity

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/audit"
)

// Audited actions of the identity service (SEC-3).
const (
	auditLogin       = "identity.login"
	auditLoginFailed = "identity.login_failed"
	auditLogout      = "identity.logout"
	auditSessionEnd  = "identity.session_end"
	auditLogoutAll   = "identity.logout_everywhere"
	auditLink        = "identity.login_method_link"
	auditUnlink      = "identity.login_method_unlink"
	auditDelete      = "identity.account_delete"
	auditExport      = "identity.data_export"
	auditConsent     = "identity.consent_accept"
	auditPrivacy     = "identity.privacy_update"
)

// auditEntry is one action to write to the audit log. Detail must never
// hold a password, code or token.
type auditEntry struct {
	// actor is who acted; uuid.Nil when unknown (a failed login).
	actor  uuid.UUID
	action string
	detail map[string]any
	ip     string
}

// audit records e inside tx, so it commits or rolls back with the change
// it records.
func (s *Service) audit(ctx context.Context, tx pgx.Tx, e auditEntry) error {
	if err := audit.Record(ctx, tx, e.entry()); err != nil {
		return fmt.Errorf("audit %s: %w", e.action, err)
	}
	return nil
}

// auditAlone records e in a transaction of its own; a failure is logged,
// not returned: it is for events that change nothing else (a failed
// login) or whose change is already made (a logout).
func (s *Service) auditAlone(ctx context.Context, e auditEntry) {
	if err := audit.RecordNow(ctx, s.db.Primary, e.entry()); err != nil {
		s.logger.WarnContext(ctx, "record audit entry", "action", e.action, "err", err)
	}
}

func (e auditEntry) entry() audit.Entry {
	a := audit.Entry{Action: e.action, IP: e.ip, Detail: e.detail}
	if e.actor != uuid.Nil {
		a.ActorID = e.actor.String()
		a.Target = "user:" + a.ActorID
	}
	return a
}

// auditLogIn records a sign-in attempt with method ("password", "phone")
// for login (the email or phone typed); err nil means it succeeded. The
// password or code is never recorded.
func (s *Service) auditLogIn(ctx context.Context, method, login string, userID uuid.UUID, ip string, err error) {
	if err == nil {
		s.auditAlone(ctx, auditEntry{actor: userID, action: auditLogin, ip: ip, detail: map[string]any{"method": method}})
		return
	}
	s.auditAlone(ctx, auditEntry{action: auditLoginFailed, ip: ip, detail: map[string]any{"method": method, "login": login, "reason": err.Error()}})
}

// auditCaller records an action of the signed-in caller on their own
// account, after it was made.
func (s *Service) auditCaller(ctx context.Context, action, ip string, detail map[string]any) {
	if id, err := callerID(ctx); err == nil {
		s.auditAlone(ctx, auditEntry{actor: id, action: action, ip: ip, detail: detail})
	}
}
