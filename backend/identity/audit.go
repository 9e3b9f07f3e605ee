package identity

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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

// audit records e inside tx (TODO: backend/audit once it lands).
func (s *Service) audit(ctx context.Context, tx pgx.Tx, e auditEntry) error {
	_, _, _ = ctx, tx, e
	return nil
}

// auditAlone records e in a transaction of its own; a failure is logged,
// not returned: it is for events, like failed logins, that change nothing.
func (s *Service) auditAlone(ctx context.Context, e auditEntry) {
	tx, err := s.db.Primary.Begin(ctx)
	if err == nil {
		defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
		if err = s.audit(ctx, tx, e); err == nil {
			err = tx.Commit(ctx)
		}
	}
	if err != nil {
		s.logger.WarnContext(ctx, "record audit entry", "action", e.action, "err", err)
	}
}
