package identity

import (
	"context"
	"net/http"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/audit"
)

// Audit entries of step-up, factors and sensitive fields (SEC-3): who did
// what, from where; never a code, a secret or a full number.

// withCaller returns ctx carrying the request's client address and
// User-Agent, for the audit entries.
func (s *Service) withCaller(ctx context.Context, peer connect.Peer, h http.Header) context.Context {
	return withClient(ctx, h.Get("User-Agent"), s.clientIP(peer, h))
}

// auditUser records action by userID on their own account. A failure to
// write is logged: the action itself already happened.
func (s *Service) auditUser(ctx context.Context, userID uuid.UUID, action string, detail map[string]any) {
	err := audit.RecordNow(ctx, s.db.Primary, audit.Entry{
		ActorID: userID.String(),
		Action:  action,
		Target:  "user:" + userID.String(),
		IP:      clientFrom(ctx).ip,
		Detail:  detail,
	})
	if err != nil {
		s.logger.ErrorContext(ctx, "write audit entry", "action", action, "user_id", userID, "err", err)
	}
}
