package identity

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	"github.com/talent-hub/talent/backend/notifications"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
)

// Role management by admins (ID-3, SEC-3): list accounts, grant and
// revoke roles. Roles are read from the users table on every request
// (Authenticate), so a change holds from the account's next request.

// OpChangeRoles is the step-up an admin makes before granting a staff
// role; its target is the account's ID.
const OpChangeRoles Operation = "change_roles"

// Audited actions of role changes.
const (
	auditRoleGrant  = "role.grant"
	auditRoleRevoke = "role.revoke"
)

// Errors of role management.
var (
	// ErrUserNotFound means no account has the ID.
	ErrUserNotFound = errors.New("no such account")
	// ErrLastAdmin means the change would leave the platform without an
	// admin.
	ErrLastAdmin = errors.New("this is the last admin: make someone else an admin first")
	// ErrLastRole means the change would leave the account without a role.
	ErrLastRole = errors.New("an account keeps at least one role: grant another first")
	// ErrUserDeleted means the account was deleted.
	ErrUserDeleted = errors.New("the account was deleted")
)

// Page sizes of SearchUsers.
const (
	defaultUsersPage = 20
	maxUsersPage     = 100
	maxUserQueryLen  = 100
)

// staffRoles are the roles whose grant needs the admin's step-up.
var staffRoles = []string{auth.RoleAdmin, auth.RoleOps, auth.RoleAuditor}

// RolePolicies declares who may call the role management RPCs: admins.
// talentd merges them with Policies.
func RolePolicies() auth.Policies {
	admins := auth.Policy{Roles: []string{auth.RoleAdmin}}
	return auth.Policies{
		identityv1connect.IdentityServiceSearchUsersProcedure: admins,
		identityv1connect.IdentityServiceGrantRoleProcedure:   admins,
		identityv1connect.IdentityServiceRevokeRoleProcedure:  admins,
	}
}

// roleError maps this file's errors, then the step-up ones; it serves
// DeleteAccount too.
func roleError(err error) error {
	switch {
	case errors.Is(err, ErrUserNotFound):
		return connect.NewError(connect.CodeNotFound, err)
	case errors.Is(err, ErrLastAdmin):
		return infoError(connect.CodeFailedPrecondition, err, "LAST_ADMIN")
	case errors.Is(err, ErrLastRole):
		return infoError(connect.CodeFailedPrecondition, err, "LAST_ROLE")
	case errors.Is(err, ErrUserDeleted):
		return infoError(connect.CodeFailedPrecondition, err, "USER_DELETED")
	case errors.Is(err, ErrReauthenticate):
		return accessError(err)
	default:
		return stepUpError(err)
	}
}

// roleFromProto maps the API enum to a stored role name, "" for none.
func roleFromProto(r identityv1.Role) string {
	switch r {
	case identityv1.Role_ROLE_CLIENT:
		return auth.RoleClient
	case identityv1.Role_ROLE_PROVIDER:
		return auth.RoleProvider
	case identityv1.Role_ROLE_ADMIN:
		return auth.RoleAdmin
	case identityv1.Role_ROLE_OPS:
		return auth.RoleOps
	case identityv1.Role_ROLE_AUDITOR:
		return auth.RoleAuditor
	default:
		return ""
	}
}

// SearchUsers lists accounts for admins.
func (s *Service) SearchUsers(ctx context.Context, req *connect.Request[identityv1.SearchUsersRequest]) (*connect.Response[identityv1.SearchUsersResponse], error) {
	m := req.Msg
	var vs badrequest.List
	query := strings.TrimSpace(m.GetQuery())
	if utf8.RuneCountInString(query) > maxUserQueryLen || strings.ContainsRune(query, 0) {
		vs.Add("query", "USER_QUERY_TOO_LONG", fmt.Sprintf("Search with at most %d characters.", maxUserQueryLen))
	}
	role := ""
	if m.GetRole() != identityv1.Role_ROLE_UNSPECIFIED {
		if role = roleFromProto(m.GetRole()); role == "" {
			vs.Add("role", "ROLE_UNKNOWN", "Choose one of the roles.")
		}
	}
	size := m.GetPageSize()
	switch {
	case size < 0 || size > maxUsersPage:
		vs.Add("page_size", "PAGE_SIZE_INVALID", fmt.Sprintf("The page size is 1 to %d.", maxUsersPage))
	case size == 0:
		size = defaultUsersPage
	}
	afterTime, afterID, ok := parseUsersPageToken(m.GetPageToken())
	if !ok {
		vs.Add("page_token", "PAGE_TOKEN_INVALID", "Start the list again from the first page.")
	}
	if err := vs.Err(); err != nil {
		return nil, roleError(err)
	}
	rows, err := db.New(s.db.Replica).SearchUsers(ctx, db.SearchUsersParams{
		Query: query, Role: role, AfterTime: afterTime, AfterID: afterID, PageLimit: size + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("search users: %w", err)
	}
	resp := &identityv1.SearchUsersResponse{}
	for i, r := range rows {
		if i == int(size) {
			last := rows[i-1].User
			resp.NextPageToken = usersPageToken(last.CreateTime, last.ID)
			break
		}
		resp.Users = append(resp.Users, userSummary(r.User, r.LastSeen))
	}
	return connect.NewResponse(resp), nil
}

// userSummary is u as the admins' list shows it; lastSeen is the epoch
// when u has no session.
func userSummary(u db.User, lastSeen time.Time) *identityv1.UserSummary {
	sum := &identityv1.UserSummary{User: userToProto(u), Status: identityv1.UserStatus_USER_STATUS_ACTIVE}
	if u.DeleteTime.Valid {
		sum.Status = identityv1.UserStatus_USER_STATUS_DELETED
	}
	if lastSeen.After(time.Unix(0, 0)) {
		sum.LastSeenTime = timestamppb.New(lastSeen)
	}
	return sum
}

// usersPageToken encodes the list position after which the next page
// starts.
func usersPageToken(t time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "/" + id.String()))
}

// parseUsersPageToken decodes a usersPageToken; "" is the start of the
// list, which is newest first.
func parseUsersPageToken(tok string) (time.Time, uuid.UUID, bool) {
	if tok == "" {
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), uuid.Max, true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return time.Time{}, uuid.Nil, false
	}
	ts, idStr, ok := strings.Cut(string(b), "/")
	micros, err1 := strconv.ParseInt(ts, 10, 64)
	id, err2 := uuid.Parse(idStr)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, uuid.Nil, false
	}
	return time.UnixMicro(micros), id, true
}

// roleChange is a validated GrantRole or RevokeRole.
type roleChange struct {
	target uuid.UUID
	role   string
}

func validateRoleChange(userID string, role identityv1.Role) (roleChange, error) {
	var vs badrequest.List
	var c roleChange
	if userID == "" {
		vs.Add("user_id", "REQUIRED", "Choose an account.")
	} else if id, err := uuid.Parse(userID); err != nil {
		vs.Add("user_id", "USER_ID_INVALID", "The account ID is not valid.")
	} else {
		c.target = id
	}
	if c.role = roleFromProto(role); c.role == "" {
		vs.Add("role", "ROLE_UNKNOWN", "Choose one of the roles.")
	}
	return c, vs.Err()
}

// GrantRole gives an account a role.
func (s *Service) GrantRole(ctx context.Context, req *connect.Request[identityv1.GrantRoleRequest]) (*connect.Response[identityv1.GrantRoleResponse], error) {
	admin, err := callerID(ctx)
	if err != nil {
		return nil, roleError(err)
	}
	c, err := validateRoleChange(req.Msg.GetUserId(), req.Msg.GetRole())
	if err != nil {
		return nil, roleError(err)
	}
	ip := s.clientIP(req.Peer(), req.Header())
	user, changed, err := s.changeRole(ctx, admin, c, true, ip)
	if err != nil {
		return nil, roleError(err)
	}
	return connect.NewResponse(&identityv1.GrantRoleResponse{User: user, Changed: changed}), nil
}

// RevokeRole takes a role from an account.
func (s *Service) RevokeRole(ctx context.Context, req *connect.Request[identityv1.RevokeRoleRequest]) (*connect.Response[identityv1.RevokeRoleResponse], error) {
	admin, err := callerID(ctx)
	if err != nil {
		return nil, roleError(err)
	}
	c, err := validateRoleChange(req.Msg.GetUserId(), req.Msg.GetRole())
	if err != nil {
		return nil, roleError(err)
	}
	ip := s.clientIP(req.Peer(), req.Header())
	user, changed, err := s.changeRole(ctx, admin, c, false, ip)
	if err != nil {
		return nil, roleError(err)
	}
	return connect.NewResponse(&identityv1.RevokeRoleResponse{User: user, Changed: changed}), nil
}

// changeRole grants (grant true) or revokes c.role on c.target on behalf
// of admin, with its audit entry and notification in one transaction.
func (s *Service) changeRole(ctx context.Context, admin uuid.UUID, c roleChange, grant bool, ip string) (*identityv1.UserSummary, bool, error) {
	var (
		user    db.User
		changed bool
	)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		q := db.New(tx)
		if !grant && c.role == auth.RoleAdmin {
			// Before locking the account: always the same lock order.
			if err := q.LockAdminRoles(ctx); err != nil {
				return fmt.Errorf("lock admin roles: %w", err)
			}
		}
		var err error
		user, err = q.LockUser(ctx, c.target)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrUserNotFound
		}
		if err != nil {
			return fmt.Errorf("lock user: %w", err)
		}
		held := slices.Contains(user.Roles, c.role)
		if held == grant {
			return nil // nothing to change
		}
		roles := slices.DeleteFunc(slices.Clone(user.Roles), func(r string) bool { return r == c.role })
		stepUp := false
		if grant {
			if user.DeleteTime.Valid {
				return ErrUserDeleted
			}
			if slices.Contains(staffRoles, c.role) {
				if err := s.RequireStepUp(ctx, admin, OpChangeRoles, c.target.String()); err != nil {
					return err
				}
				stepUp = true
			}
			roles = append(roles, c.role)
		} else {
			if len(roles) == 0 {
				return ErrLastRole
			}
			if c.role == auth.RoleAdmin && !user.DeleteTime.Valid {
				n, err := q.CountActiveAdmins(ctx)
				if err != nil {
					return fmt.Errorf("count admins: %w", err)
				}
				if n <= 1 {
					return ErrLastAdmin
				}
			}
		}
		if user, err = q.SetRoles(ctx, db.SetRolesParams{ID: c.target, Roles: roles}); err != nil {
			return fmt.Errorf("set roles: %w", err)
		}
		changed = true
		detail := map[string]any{"role": c.role, "roles": roles}
		if grant {
			detail["step_up"] = stepUp
		}
		return recordRoleChange(ctx, tx, audit.Entry{ActorID: admin.String(), IP: ip, Detail: detail},
			c.target, c.role, grant, !user.DeleteTime.Valid)
	})
	if err != nil {
		return nil, false, err
	}
	if changed {
		s.logger.InfoContext(ctx, "role changed", "admin_id", admin, "user_id", c.target, "role", c.role, "grant", grant)
	}
	lastSeen, err := db.New(s.db.Primary).UserLastSeen(ctx, c.target)
	if err != nil {
		return nil, false, fmt.Errorf("user last seen: %w", err)
	}
	return userSummary(user, lastSeen), changed, nil
}

// roleLink is where a role change's notification leads: to what the new
// role opens, else the home page.
func roleLink(role string, grant bool) string {
	switch {
	case grant && role == auth.RoleProvider:
		return "/provider/profile"
	case grant && role == auth.RoleAdmin:
		return "/admin/users"
	default:
		return "/"
	}
}

// checkNotLastAdmin returns ErrLastAdmin when user is the last active
// admin. It reads without locking: a quick answer before asking for a
// step-up; the deletion checks again under the lock.
func (s *Service) checkNotLastAdmin(ctx context.Context, q *db.Queries, user db.User) error {
	if !slices.Contains(user.Roles, auth.RoleAdmin) || user.DeleteTime.Valid {
		return nil
	}
	n, err := q.CountActiveAdmins(ctx)
	if err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if n <= 1 {
		return ErrLastAdmin
	}
	return nil
}

// recordRoleChange writes a role change to the audit log (e carries the
// actor, IP and detail; the action and target are filled in) and, when
// notify, tells the person, both in tx (SEC-3). GrantRole, RevokeRole and
// GrantRoleAsOperator share it.
func recordRoleChange(ctx context.Context, tx pgx.Tx, e audit.Entry, target uuid.UUID, role string, grant, notify bool) error {
	action, kind := auditRoleRevoke, "role.revoked."+role
	if grant {
		action, kind = auditRoleGrant, "role.granted."+role
	}
	e.Action, e.Target = action, "user:"+target.String()
	if err := audit.Record(ctx, tx, e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if !notify {
		return nil
	}
	n := notifications.Notification{UserID: target, Kind: kind, Link: roleLink(role, grant)}
	_, err := notifications.Send(ctx, tx, n)
	return err
}
