package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/identity/internal/db"
)

// operatorRoles are the roles an operator may grant from the command line
// (talentd grant-role): every role the platform knows.
var operatorRoles = []string{auth.RoleClient, auth.RoleProvider, auth.RoleAdmin, auth.RoleOps, auth.RoleAuditor}

// GrantRoleAsOperator gives the account with email the role, on behalf of
// an operator with database access (talentd grant-role). It is how the
// first admin is appointed (ID-3). Unlike GrantRole there is no step-up:
// whoever runs it already holds the database credentials. The change is
// written to the audit log with no actor account and the operator's name
// in its detail, and the person
// is notified, like an admin's grant (SEC-3). changed is false when the
// account already had the role.
func GrantRoleAsOperator(ctx context.Context, pool *pgxpool.Pool, email, role, operator string) (changed bool, err error) {
	if !slices.Contains(operatorRoles, role) {
		return false, fmt.Errorf("unknown role %q: use one of %v", role, operatorRoles)
	}
	if operator == "" {
		return false, errors.New("name the operator making the change")
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		q := db.New(tx)
		u, err := q.GetUserByEmail(ctx, email)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: no account has the email %q", ErrUserNotFound, email)
		}
		if err != nil {
			return fmt.Errorf("find account: %w", err)
		}
		if u, err = q.LockUser(ctx, u.ID); err != nil {
			return fmt.Errorf("lock account: %w", err)
		}
		if u.DeleteTime.Valid {
			return ErrUserDeleted
		}
		if slices.Contains(u.Roles, role) {
			return nil
		}
		roles := append(slices.Clone(u.Roles), role)
		if _, err := q.SetRoles(ctx, db.SetRolesParams{ID: u.ID, Roles: roles}); err != nil {
			return fmt.Errorf("set roles: %w", err)
		}
		changed = true
		detail := map[string]any{"role": role, "roles": roles, "operator": operator, "command": "talentd grant-role"}
		return recordRoleChange(ctx, tx, audit.Entry{Detail: detail}, u.ID, role, true, true)
	})
	return changed, err
}
