package identity

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
)

// rolesBundle serves the identity service over HTTP behind the auth
// interceptor, as talentd does, so that each call is authenticated anew
// from its bearer token and the policies are enforced.
type rolesBundle struct {
	stepUpBundle
	client identityv1connect.IdentityServiceClient
}

func setupRoles(t *testing.T) rolesBundle {
	t.Helper()
	b := setupStepUp(t)
	policies := auth.Policies{}
	maps.Copy(policies, Policies())
	maps.Copy(policies, StepUpPolicies())
	maps.Copy(policies, RolePolicies())
	mux := http.NewServeMux()
	mux.Handle(identityv1connect.NewIdentityServiceHandler(b.svc, connect.WithInterceptors(auth.NewInterceptor(b.svc, policies))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return rolesBundle{stepUpBundle: b, client: identityv1connect.NewIdentityServiceClient(srv.Client(), srv.URL)}
}

// member is a signed-up person with a bearer token.
type member struct {
	*testUser
	token string
}

// newMember signs up a person by phone with roles; roles beyond client
// and provider are set in the database, as the first admin is made.
func (b rolesBundle) newMember(t *testing.T, name string, roles ...string) *member {
	t.Helper()
	phone := randomPhone()
	code := b.sendCode(t, phone)
	req := signUpPhone(phone, code)
	req.DisplayName, req.WantBearerToken = name, true
	resp, err := b.svc.SignUpWithPhone(t.Context(), connect.NewRequest(req))
	if err != nil {
		t.Fatalf("SignUpWithPhone: %v", err)
	}
	id := uuid.MustParse(resp.Msg.GetUser().GetId())
	if len(roles) > 0 {
		if _, err := b.db.Primary.Exec(t.Context(), `UPDATE users SET roles = $2 WHERE id = $1`, id, roles); err != nil {
			t.Fatal(err)
		}
	}
	ctx := auth.WithPrincipal(t.Context(), auth.Principal{UserID: id.String(), Roles: roles})
	return &member{testUser: &testUser{id: id, phone: phone, ctx: ctx}, token: resp.Msg.GetBearerToken()}
}

// as returns req sent with m's bearer token.
func as[T any](m *member, msg *T) *connect.Request[T] {
	req := connect.NewRequest(msg)
	req.Header().Set("Authorization", "Bearer "+m.token)
	return req
}

func (b rolesBundle) grant(m *member, target uuid.UUID, role identityv1.Role) (*identityv1.GrantRoleResponse, error) {
	resp, err := b.client.GrantRole(context.Background(), as(m, &identityv1.GrantRoleRequest{UserId: target.String(), Role: role}))
	if err != nil {
		return nil, err
	}
	return resp.Msg, nil
}

func (b rolesBundle) revoke(m *member, target uuid.UUID, role identityv1.Role) (*identityv1.RevokeRoleResponse, error) {
	resp, err := b.client.RevokeRole(context.Background(), as(m, &identityv1.RevokeRoleRequest{UserId: target.String(), Role: role}))
	if err != nil {
		return nil, err
	}
	return resp.Msg, nil
}

// rolesOf reads id's roles from the database.
func (b rolesBundle) rolesOf(t *testing.T, id uuid.UUID) []string {
	t.Helper()
	var roles []string
	if err := b.db.Primary.QueryRow(t.Context(), `SELECT roles FROM users WHERE id = $1`, id).Scan(&roles); err != nil {
		t.Fatal(err)
	}
	return roles
}

// roleEntry is an audit entry of a role change.
type roleEntry struct {
	actor, action, target, role string
	stepUp                      bool
}

func (b rolesBundle) roleEntries(t *testing.T) []roleEntry {
	t.Helper()
	rows, err := b.db.Primary.Query(t.Context(), `SELECT actor_id::text, action, target, detail::text FROM audit_log
		WHERE action LIKE 'role.%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []roleEntry
	for rows.Next() {
		var e roleEntry
		var detail string
		if err := rows.Scan(&e.actor, &e.action, &e.target, &detail); err != nil {
			t.Fatal(err)
		}
		var d struct {
			Role   string `json:"role"`
			StepUp bool   `json:"step_up"`
		}
		if err := json.Unmarshal([]byte(detail), &d); err != nil {
			t.Fatal(err)
		}
		e.role, e.stepUp = d.Role, d.StepUp
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// notificationKinds lists id's notifications, oldest first.
func (b rolesBundle) notificationKinds(t *testing.T, id uuid.UUID) []string {
	t.Helper()
	rows, err := b.db.Primary.Query(t.Context(), `SELECT kind FROM notifications WHERE user_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kinds []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k)
	}
	return kinds
}

func wantCode(t *testing.T, what string, err error, code connect.Code, reason string) {
	t.Helper()
	if connect.CodeOf(err) != code || (reason != "" && errorReason(err) != reason) {
		t.Fatalf("%s = %v, want %v %s", what, err, code, reason)
	}
}

// TestGrantAndRevokeRoles walks an admin through granting and revoking
// roles (ID-3): a staff role needs the admin's step-up bound to the
// account (ID-4), every change is audited in the hash chain and told to
// the person (SEC-3), and a revoked role is refused on the next call.
func TestGrantAndRevokeRoles(t *testing.T) {
	t.Parallel()
	b := setupRoles(t)
	admin := b.newMember(t, "Admin Ada", auth.RoleClient, auth.RoleAdmin)
	b.enrolTOTP(t, admin.testUser)
	carol := b.newMember(t, "Carol Chen")
	other := b.newMember(t, "Other Person")

	// A client may not list users.
	_, err := b.client.SearchUsers(t.Context(), as(carol, &identityv1.SearchUsersRequest{}))
	wantCode(t, "SearchUsers as client", err, connect.CodePermissionDenied, "")

	// The admin finds Carol by part of her phone number and by name.
	for _, q := range []string{carol.phone[3:], "carol", carol.id.String()} {
		resp, err := b.client.SearchUsers(t.Context(), as(admin, &identityv1.SearchUsersRequest{Query: q}))
		if err != nil {
			t.Fatalf("SearchUsers(%q): %v", q, err)
		}
		if len(resp.Msg.GetUsers()) != 1 || resp.Msg.GetUsers()[0].GetUser().GetId() != carol.id.String() {
			t.Fatalf("SearchUsers(%q) = %v, want Carol only", q, resp.Msg.GetUsers())
		}
		u := resp.Msg.GetUsers()[0]
		if u.GetStatus() != identityv1.UserStatus_USER_STATUS_ACTIVE || !slices.Equal(u.GetUser().GetRoles(), []identityv1.Role{identityv1.Role_ROLE_CLIENT}) {
			t.Errorf("Carol listed as %v", u)
		}
	}

	// Provider is not a staff role: no step-up.
	got, err := b.grant(admin, carol.id, identityv1.Role_ROLE_PROVIDER)
	if err != nil || !got.GetChanged() {
		t.Fatalf("grant provider = %v, %v", got, err)
	}
	// Granting it again changes nothing.
	if got, err := b.grant(admin, carol.id, identityv1.Role_ROLE_PROVIDER); err != nil || got.GetChanged() {
		t.Fatalf("grant provider again = %v, %v; want unchanged", got, err)
	}

	// Ops needs a step-up for this account.
	_, err = b.grant(admin, carol.id, identityv1.Role_ROLE_OPS)
	wantCode(t, "grant ops without step-up", err, connect.CodeFailedPrecondition, "STEP_UP_REQUIRED")
	b.stepUpTOTP(t, admin.testUser, identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_ROLES, other.id.String())
	_, err = b.grant(admin, carol.id, identityv1.Role_ROLE_OPS)
	wantCode(t, "grant ops with a step-up for another account", err, connect.CodeFailedPrecondition, "STEP_UP_REQUIRED")
	b.stepUpTOTP(t, admin.testUser, identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_ROLES, carol.id.String())
	if got, err := b.grant(admin, carol.id, identityv1.Role_ROLE_OPS); err != nil || !got.GetChanged() {
		t.Fatalf("grant ops after step-up = %v, %v", got, err)
	}
	if r := b.rolesOf(t, carol.id); !slices.Equal(r, []string{auth.RoleClient, auth.RoleProvider, auth.RoleOps}) {
		t.Errorf("Carol's roles = %v", r)
	}
	// The step-up served one grant.
	_, err = b.grant(admin, carol.id, identityv1.Role_ROLE_AUDITOR)
	wantCode(t, "second grant on one step-up", err, connect.CodeFailedPrecondition, "STEP_UP_REQUIRED")

	// Admin: Carol may then list users, until it is revoked.
	b.stepUpTOTP(t, admin.testUser, identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_ROLES, carol.id.String())
	if _, err := b.grant(admin, carol.id, identityv1.Role_ROLE_ADMIN); err != nil {
		t.Fatalf("grant admin: %v", err)
	}
	if _, err := b.client.SearchUsers(t.Context(), as(carol, &identityv1.SearchUsersRequest{})); err != nil {
		t.Fatalf("SearchUsers as new admin: %v", err)
	}
	// Revoking needs no step-up, and holds from Carol's next request with
	// the same session.
	if got, err := b.revoke(admin, carol.id, identityv1.Role_ROLE_ADMIN); err != nil || !got.GetChanged() {
		t.Fatalf("revoke admin = %v, %v", got, err)
	}
	_, err = b.client.SearchUsers(t.Context(), as(carol, &identityv1.SearchUsersRequest{}))
	wantCode(t, "SearchUsers after revoke", err, connect.CodePermissionDenied, "")
	if _, err := b.revoke(admin, carol.id, identityv1.Role_ROLE_OPS); err != nil {
		t.Fatalf("revoke ops: %v", err)
	}
	if p, err := b.svc.Authenticate(t.Context(), carol.token); err != nil || !slices.Equal(p.Roles, []string{auth.RoleClient, auth.RoleProvider}) {
		t.Errorf("Carol's session after revokes: %v, %v", p, err)
	}
	// Revoking a role not held changes nothing.
	if got, err := b.revoke(admin, carol.id, identityv1.Role_ROLE_AUDITOR); err != nil || got.GetChanged() {
		t.Fatalf("revoke auditor not held = %v, %v", got, err)
	}

	// Audited, with actor, target and role, and the chain is intact.
	a, c := admin.id.String(), "user:"+carol.id.String()
	want := []roleEntry{
		{a, "role.grant", c, "provider", false},
		{a, "role.grant", c, "ops", true},
		{a, "role.grant", c, "admin", true},
		{a, "role.revoke", c, "admin", false},
		{a, "role.revoke", c, "ops", false},
	}
	if got := b.roleEntries(t); !slices.Equal(got, want) {
		t.Errorf("audit entries:\n got %v\nwant %v", got, want)
	}
	res, err := audit.VerifySnapshot(t.Context(), b.db.Primary)
	if err != nil || !res.Intact() {
		t.Errorf("audit chain: %+v, %v", res, err)
	}
	// Carol was told of each change.
	wantKinds := []string{"role.granted.provider", "role.granted.ops", "role.granted.admin", "role.revoked.admin", "role.revoked.ops"}
	if got := b.notificationKinds(t, carol.id); !slices.Equal(got, wantKinds) {
		t.Errorf("Carol's notifications = %v, want %v", got, wantKinds)
	}
}

// TestLastAdmin: the platform always keeps an admin (ID-3), also when two
// admins revoke each other at once, and an account keeps one role.
func TestLastAdmin(t *testing.T) {
	t.Parallel()
	b := setupRoles(t)
	ada := b.newMember(t, "Ada", auth.RoleClient, auth.RoleAdmin)
	b.enrolTOTP(t, ada.testUser)

	_, err := b.revoke(ada, ada.id, identityv1.Role_ROLE_ADMIN)
	wantCode(t, "last admin revokes own admin", err, connect.CodeFailedPrecondition, "LAST_ADMIN")
	if !strings.Contains(err.Error(), "last admin") {
		t.Errorf("error %q does not say why", err)
	}
	// Told before being asked for a step-up that would be wasted.
	_, err = b.client.DeleteAccount(t.Context(), as(ada, &identityv1.DeleteAccountRequest{}))
	wantCode(t, "last admin deletes account", err, connect.CodeFailedPrecondition, "LAST_ADMIN")

	bo := b.newMember(t, "Bo")
	b.stepUpTOTP(t, ada.testUser, identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_ROLES, bo.id.String())
	if _, err := b.grant(ada, bo.id, identityv1.Role_ROLE_ADMIN); err != nil {
		t.Fatalf("grant admin to Bo: %v", err)
	}
	// Two admins revoke each other at once: one of them stays.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, pair := range [][2]*member{{ada, bo}, {bo, ada}} {
		wg.Go(func() { _, errs[i] = b.revoke(pair[0], pair[1].id, identityv1.Role_ROLE_ADMIN) })
	}
	wg.Wait()
	var admins int
	if err := b.db.Primary.QueryRow(t.Context(), `SELECT count(*) FROM users WHERE 'admin' = ANY (roles)`).Scan(&admins); err != nil {
		t.Fatal(err)
	}
	if admins != 1 {
		t.Fatalf("after mutual revokes %d admins remain (errors %v)", admins, errs)
	}
	for _, err := range errs {
		if err != nil && errorReason(err) != "LAST_ADMIN" && connect.CodeOf(err) != connect.CodePermissionDenied {
			t.Errorf("mutual revoke failed otherwise: %v", err)
		}
	}
	// Whoever kept admin is the last one.
	last := ada
	if slices.Contains(b.rolesOf(t, bo.id), auth.RoleAdmin) {
		last = bo
	}
	_, err = b.revoke(last, last.id, identityv1.Role_ROLE_ADMIN)
	wantCode(t, "survivor revokes own admin", err, connect.CodeFailedPrecondition, "LAST_ADMIN")

	// An account keeps at least one role.
	cy := b.newMember(t, "Cy")
	_, err = b.revoke(last, cy.id, identityv1.Role_ROLE_CLIENT)
	wantCode(t, "revoke the only role", err, connect.CodeFailedPrecondition, "LAST_ROLE")
}

// TestRoleChangeBadInput: malformed, unknown and impossible requests are
// refused with a reason the app translates.
func TestRoleChangeBadInput(t *testing.T) {
	t.Parallel()
	b := setupRoles(t)
	admin := b.newMember(t, "Admin", auth.RoleAdmin)
	gone := b.newMember(t, "Gone")
	if _, err := b.client.DeleteAccount(t.Context(), as(gone, &identityv1.DeleteAccountRequest{})); err != nil {
		t.Fatalf("delete account: %v", err)
	}
	tests := []struct {
		name   string
		user   string
		role   identityv1.Role
		code   connect.Code
		field  string
		reason string
	}{
		{"no user", "", identityv1.Role_ROLE_PROVIDER, connect.CodeInvalidArgument, "user_id", "REQUIRED"},
		{"malformed id", "not-a-uuid", identityv1.Role_ROLE_PROVIDER, connect.CodeInvalidArgument, "user_id", "USER_ID_INVALID"},
		{"sql in id", "'; DROP TABLE users; --", identityv1.Role_ROLE_PROVIDER, connect.CodeInvalidArgument, "user_id", "USER_ID_INVALID"},
		{"unspecified role", gone.id.String(), identityv1.Role_ROLE_UNSPECIFIED, connect.CodeInvalidArgument, "role", "ROLE_UNKNOWN"},
		{"unknown role number", gone.id.String(), identityv1.Role(42), connect.CodeInvalidArgument, "role", "ROLE_UNKNOWN"},
		{"unknown user", uuid.NewString(), identityv1.Role_ROLE_PROVIDER, connect.CodeNotFound, "", ""},
		{"deleted user", gone.id.String(), identityv1.Role_ROLE_PROVIDER, connect.CodeFailedPrecondition, "", "USER_DELETED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := b.client.GrantRole(t.Context(), as(admin, &identityv1.GrantRoleRequest{UserId: tt.user, Role: tt.role}))
			if connect.CodeOf(err) != tt.code {
				t.Fatalf("GrantRole = %v, want %v", err, tt.code)
			}
			if tt.field != "" && violation(t, err, tt.field) != tt.reason {
				t.Errorf("GrantRole violations = %v, want %s on %s", fieldReasons(t, err), tt.reason, tt.field)
			}
			if tt.field == "" && tt.reason != "" && errorReason(err) != tt.reason {
				t.Errorf("GrantRole reason = %q, want %s", errorReason(err), tt.reason)
			}
			if tt.reason == "USER_DELETED" {
				return // revoking from a deleted account is allowed
			}
			_, err = b.client.RevokeRole(t.Context(), as(admin, &identityv1.RevokeRoleRequest{UserId: tt.user, Role: tt.role}))
			if connect.CodeOf(err) != tt.code {
				t.Fatalf("RevokeRole = %v, want %v", err, tt.code)
			}
		})
	}

	searches := []struct {
		name   string
		req    *identityv1.SearchUsersRequest
		field  string
		reason string
	}{
		{"query too long", &identityv1.SearchUsersRequest{Query: strings.Repeat("x", 101)}, "query", "USER_QUERY_TOO_LONG"},
		{"unknown role", &identityv1.SearchUsersRequest{Role: identityv1.Role(9)}, "role", "ROLE_UNKNOWN"},
		{"page too big", &identityv1.SearchUsersRequest{PageSize: 1000}, "page_size", "PAGE_SIZE_INVALID"},
		{"negative page", &identityv1.SearchUsersRequest{PageSize: -1}, "page_size", "PAGE_SIZE_INVALID"},
		{"forged token", &identityv1.SearchUsersRequest{PageToken: "bm90IGEgdG9rZW4"}, "page_token", "PAGE_TOKEN_INVALID"},
	}
	for _, tt := range searches {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := b.client.SearchUsers(t.Context(), as(admin, tt.req))
			if connect.CodeOf(err) != connect.CodeInvalidArgument || violation(t, err, tt.field) != tt.reason {
				t.Fatalf("SearchUsers = %v, want %s on %s", err, tt.reason, tt.field)
			}
		})
	}
	// A search with LIKE's wildcards matches them literally.
	resp, err := b.client.SearchUsers(t.Context(), as(admin, &identityv1.SearchUsersRequest{Query: "%"}))
	if err != nil || len(resp.Msg.GetUsers()) != 0 {
		t.Errorf("SearchUsers(%%) = %v, %v; want none", resp, err)
	}
}

// TestSearchUsersPages pages through every account once, newest first,
// and filters by role.
func TestSearchUsersPages(t *testing.T) {
	t.Parallel()
	b := setupRoles(t)
	admin := b.newMember(t, "Admin", auth.RoleAdmin)
	want := []string{admin.id.String()}
	for range 4 {
		want = append(want, b.newMember(t, "Pager").id.String())
	}
	slices.Reverse(want)
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		resp, err := b.client.SearchUsers(t.Context(), as(admin, &identityv1.SearchUsersRequest{PageSize: 2, PageToken: token}))
		if err != nil {
			t.Fatalf("SearchUsers: %v", err)
		}
		for _, u := range resp.Msg.GetUsers() {
			got = append(got, u.GetUser().GetId())
		}
		if token = resp.Msg.GetNextPageToken(); token == "" {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged ids = %v, want %v", got, want)
	}
	resp, err := b.client.SearchUsers(t.Context(), as(admin, &identityv1.SearchUsersRequest{Role: identityv1.Role_ROLE_ADMIN}))
	if err != nil || len(resp.Msg.GetUsers()) != 1 || resp.Msg.GetUsers()[0].GetUser().GetId() != admin.id.String() {
		t.Errorf("admins = %v, %v", resp, err)
	}
}

// TestDeleteAccountStepUp: an account that can do a step-up deletes
// itself only after a fresh one for the deletion (ID-4, SEC-4).
func TestDeleteAccountStepUp(t *testing.T) {
	t.Parallel()
	b := setupRoles(t)
	m := b.newMember(t, "Leaving Soon")
	b.enrolTOTP(t, m.testUser)
	del := func() error {
		_, err := b.client.DeleteAccount(t.Context(), as(m, &identityv1.DeleteAccountRequest{}))
		return err
	}
	wantCode(t, "delete without step-up", del(), connect.CodeFailedPrecondition, "STEP_UP_REQUIRED")
	// A step-up for another operation does not do.
	b.stepUpTOTP(t, m.testUser, identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_PASSWORD, "")
	wantCode(t, "delete with another step-up", del(), connect.CodeFailedPrecondition, "STEP_UP_REQUIRED")
	b.stepUpTOTP(t, m.testUser, identityv1.StepUpOperation_STEP_UP_OPERATION_DELETE_ACCOUNT, "")
	if err := del(); err != nil {
		t.Fatalf("delete after step-up: %v", err)
	}
	var (
		phone   *string
		name    string
		deleted bool
	)
	err := b.db.Primary.QueryRow(t.Context(), `SELECT phone, display_name, delete_time IS NOT NULL FROM users WHERE id = $1`, m.id).
		Scan(&phone, &name, &deleted)
	if err != nil {
		t.Fatal(err)
	}
	if phone != nil || name != "Deleted user" || !deleted {
		t.Errorf("after deletion: phone %v name %q deleted %v", phone, name, deleted)
	}
	// The session ended with the account.
	_, err = b.client.GetMe(t.Context(), as(m, &identityv1.GetMeRequest{}))
	wantCode(t, "GetMe after deletion", err, connect.CodeUnauthenticated, "")
	var n int
	if err := b.db.Primary.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'identity.account_delete'`, m.id).Scan(&n); err != nil || n != 1 {
		t.Errorf("account_delete entries = %d, %v", n, err)
	}
}
