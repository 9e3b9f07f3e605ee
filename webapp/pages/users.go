package pages

import (
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// allRoles are the roles an admin grants and revokes, in the order shown.
var allRoles = []identityv1.Role{
	identityv1.Role_ROLE_CLIENT, identityv1.Role_ROLE_PROVIDER, identityv1.Role_ROLE_ADMIN,
	identityv1.Role_ROLE_OPS, identityv1.Role_ROLE_AUDITOR,
}

// roleName is a role's lower-case name ("ops"), used in ids and the
// catalogue ("role.ops").
func roleName(r identityv1.Role) string {
	return strings.ToLower(strings.TrimPrefix(r.String(), "ROLE_"))
}

// staffRole reports whether granting r needs the admin's step-up.
func staffRole(r identityv1.Role) bool {
	return r == identityv1.Role_ROLE_ADMIN || r == identityv1.Role_ROLE_OPS || r == identityv1.Role_ROLE_AUDITOR
}

// roleChange is a grant or revoke waiting for the admin's confirmation.
type roleChange struct {
	userID string
	name   string
	role   identityv1.Role
	grant  bool
}

// usersPage is the admins' user list, /admin/users (ID-3): search
// accounts, see their roles and status, grant and revoke roles after a
// confirmation, with a step-up for staff roles (ID-4). Ids: form
// #users-form with #users-query, #users-role (select: "" or a role name),
// #users-search; #users-error, #users-notice; list #user-list of
// li.user-item (data-id) with .user-name, .user-contact, .user-status
// (data-status = active|deleted), .user-roles (.chip per role), buttons
// #grant-<role>-<id> (.role-grant) and #revoke-<role>-<id> (.role-revoke);
// #users-empty; #users-more. The confirmation: the modal dialog
// (modal.go) #role-confirm with #role-confirm-text, #role-confirm-yes,
// #role-confirm-no; Escape cancels it. The step-up dialog: see
// stepUpDialog.
type usersPage struct {
	app.Compo
	env     *env
	mounted app.Context
	dialog  stepUpDialog
	query   string
	role    string
	users   []*identityv1.UserSummary
	next    string
	loading bool
	gen     int
	loadErr string
	notice  string
	err     string
	busy    bool
	pending *roleChange
	// confirm is the confirmation dialog's opener.
	confirm modal
}

func (p *usersPage) OnMount(ctx app.Context) {
	p.dialog.env, p.dialog.compo, p.dialog.mounted = p.env, &p.Compo, ctx
	p.mounted = ctx
}

func (p *usersPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "users.title")
	p.load(ctx, false)
}

// load fetches the first page (or, with more, the next one); only the
// latest load's answer is shown.
func (p *usersPage) load(ctx app.Context, more bool) {
	if p.env.rpc == nil || (more && p.loading) {
		return
	}
	p.loading = true
	p.gen++
	gen := p.gen
	req := &identityv1.SearchUsersRequest{Query: strings.TrimSpace(p.query), PageSize: 20}
	for _, r := range allRoles {
		if roleName(r) == p.role {
			req.Role = r
		}
	}
	if more {
		req.PageToken = p.next
	}
	ctx.Async(func() {
		resp, err := p.env.rpc.Identity.SearchUsers(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			if gen != p.gen {
				return
			}
			p.loading = false
			if err != nil {
				p.loadErr = p.explain(err)
				return
			}
			p.loadErr = ""
			if !more {
				p.users = nil
			}
			p.users = append(p.users, resp.Msg.GetUsers()...)
			p.next = resp.Msg.GetNextPageToken()
		})
	})
}

// explain turns an error into one translated sentence.
func (p *usersPage) explain(err error) string {
	if rpc.IsCode(err, connect.CodePermissionDenied) {
		return p.env.lang.T("admin.only")
	}
	return p.dialog.explain(err)
}

func (p *usersPage) search(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.notice, p.err = "", ""
	p.load(ctx, false)
}

func (p *usersPage) more(ctx app.Context, e app.Event) { p.load(ctx, true) }

// changeClicked asks to confirm the grant or revoke the button names.
func (p *usersPage) changeClicked(ctx app.Context, e app.Event) {
	// Read from the button: go-app may keep a list item's first handler
	// when the list changes under it.
	ds := ctx.JSSrc().Get("dataset")
	id, role, grant := ds.Get("id").String(), ds.Get("role").String(), ds.Get("grant").String() == "true"
	for _, u := range p.users {
		if u.GetUser().GetId() != id {
			continue
		}
		for _, r := range allRoles {
			if roleName(r) == role {
				p.pending = &roleChange{userID: id, name: u.GetUser().GetDisplayName(), role: r, grant: grant}
				p.notice, p.err = "", ""
				p.confirm.noteOpener(ctx.JSSrc())
				showModal(p.mounted, "role-confirm", "role-confirm-yes")
			}
		}
	}
}

func (p *usersPage) cancelChange(ctx app.Context, e app.Event) { p.closeConfirm(ctx) }

// closeConfirm closes the confirmation without a change (Cancel, Escape).
func (p *usersPage) closeConfirm(app.Context) {
	if p.pending == nil {
		return
	}
	p.pending = nil
	p.confirm.returnFocus(p.mounted)
}

// confirmChange makes the pending change, first asking for a step-up
// when a staff role is granted.
func (p *usersPage) confirmChange(ctx app.Context, e app.Event) {
	c := p.pending
	if c == nil || p.busy {
		return
	}
	p.pending = nil
	// The confirmation, whose button started this, goes away: go on with
	// the page's own context.
	if c.grant && staffRole(c.role) {
		// The step-up dialog, when it closes, gives focus back to the
		// button that asked for the change.
		p.dialog.opener, p.confirm.opener = p.confirm.opener, nil
		p.withStepUp(p.mounted, c)
		return
	}
	p.confirm.returnFocus(p.mounted)
	p.apply(p.mounted, c)
}

// withStepUp runs the step-up dialog for c, then applies it.
func (p *usersPage) withStepUp(ctx app.Context, c *roleChange) {
	p.dialog.run(ctx, identityv1.StepUpOperation_STEP_UP_OPERATION_CHANGE_ROLES, c.userID,
		func(app.Context) { p.apply(p.mounted, c) },
		func(msg string) { p.err = msg })
}

// apply sends c. A step-up that lapsed in between is told as an error:
// confirming again asks for a new one.
func (p *usersPage) apply(ctx app.Context, c *roleChange) {
	if p.env.rpc == nil {
		return
	}
	p.busy = true
	ctx.Async(func() {
		var (
			user    *identityv1.UserSummary
			changed bool
			err     error
		)
		if c.grant {
			var resp *connect.Response[identityv1.GrantRoleResponse]
			resp, err = p.env.rpc.Identity.GrantRole(ctx, connect.NewRequest(&identityv1.GrantRoleRequest{UserId: c.userID, Role: c.role}))
			if err == nil {
				user, changed = resp.Msg.GetUser(), resp.Msg.GetChanged()
			}
		} else {
			var resp *connect.Response[identityv1.RevokeRoleResponse]
			resp, err = p.env.rpc.Identity.RevokeRole(ctx, connect.NewRequest(&identityv1.RevokeRoleRequest{UserId: c.userID, Role: c.role}))
			if err == nil {
				user, changed = resp.Msg.GetUser(), resp.Msg.GetChanged()
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = p.explain(err)
				return
			}
			for i, u := range p.users {
				if u.GetUser().GetId() == user.GetUser().GetId() {
					p.users[i] = user
				}
			}
			switch {
			case !changed:
				p.notice = p.env.lang.T("users.unchanged")
			case c.grant:
				p.notice = p.env.lang.T("users.granted")
			default:
				p.notice = p.env.lang.T("users.revoked")
			}
		})
	})
}

func (p *usersPage) Render() app.UI {
	l := p.env.lang
	return p.env.layout(
		app.Section().Class("card").Body(
			app.H1().Text(l.T("users.title")),
			app.P().Class("muted").Text(l.T("users.lead")),
			app.P().Class("muted").Text(l.T("users.staff_note")),
			app.Form().ID("users-form").Class("form row").OnSubmit(p.search).Body(
				app.Input().ID("users-query").Type("search").Class("input").Value(p.query).
					Aria("label", l.T("users.query")).Placeholder(l.T("users.query")).
					OnInput(p.ValueTo(&p.query)),
				app.Select().ID("users-role").Class("input").Aria("label", l.T("users.any_role")).
					OnChange(p.ValueTo(&p.role)).Body(
					app.Option().Value("").Text(l.T("users.any_role")).Selected(p.role == ""),
					app.Range(allRoles).Slice(func(i int) app.UI {
						n := roleName(allRoles[i])
						return app.Option().Value(n).Text(l.T("role." + n)).Selected(p.role == n)
					}),
				),
				app.Button().ID("users-search").Class("btn btn-secondary").Type("submit").Text(l.T("users.search")),
			),
			app.P().ID("users-notice").Class(resultClass(p.notice)).Role("status").Text(p.notice),
			app.P().ID("users-error").Class("form-error").Role("alert").Text(p.err),
			p.renderConfirm(),
		),
		app.Section().Class("card").Body(
			app.P().ID("users-load-error").Class("form-error").Role("alert").Text(p.loadErr),
			app.If(len(p.users) == 0 && !p.loading && p.loadErr == "", func() app.UI {
				return app.P().ID("users-empty").Class("empty").Text(l.T("users.none"))
			}),
			app.Ul().ID("user-list").Class("task-list").Aria("busy", p.loading).Body(
				app.Range(p.users).Slice(func(i int) app.UI { return p.renderUser(p.users[i]) }),
			),
			app.If(p.next != "", func() app.UI {
				return app.Button().ID("users-more").Class("btn btn-secondary").Type("button").
					Disabled(p.loading).Text(l.T("users.more")).OnClick(p.more)
			}),
		),
		p.dialog.render(),
	)
}

// renderConfirm asks to confirm the pending change, or is empty.
func (p *usersPage) renderConfirm() app.UI {
	c := p.pending
	if c == nil {
		return app.Div().ID("role-confirm-closed").Hidden(true)
	}
	l := p.env.lang
	role := l.T("role." + roleName(c.role))
	text := fmt.Sprintf(l.T("users.confirm_grant"), c.name, role)
	if !c.grant {
		text = fmt.Sprintf(l.T("users.confirm_revoke"), role, c.name)
	}
	return modalDialog("role-confirm", "alertdialog", "role-confirm-text", p.closeConfirm).Body(
		app.P().ID("role-confirm-text").Text(text),
		app.Div().Class("actions").Body(
			app.Button().ID("role-confirm-yes").Class("btn btn-primary").Type("button").Disabled(p.busy).
				Text(l.T("users.confirm")).OnClick(p.confirmChange),
			app.Button().ID("role-confirm-no").Class("btn btn-quiet").Type("button").
				Text(l.T("users.cancel")).OnClick(p.cancelChange),
		),
	)
}

func (p *usersPage) renderUser(s *identityv1.UserSummary) app.UI {
	l := p.env.lang
	u := s.GetUser()
	id := u.GetId()
	held := map[identityv1.Role]bool{}
	for _, r := range u.GetRoles() {
		held[r] = true
	}
	deleted := s.GetStatus() == identityv1.UserStatus_USER_STATUS_DELETED
	status, statusKey := "active", "users.active"
	if deleted {
		status, statusKey = "deleted", "users.deleted"
	}
	contact := strings.TrimSpace(u.GetEmail() + " " + u.GetPhone())
	seen := l.T("users.never")
	if t := s.GetLastSeenTime(); t != nil {
		seen = t.AsTime().Local().Format("2006-01-02 15:04")
	}
	var chips, buttons []app.UI
	for _, r := range allRoles {
		n := roleName(r)
		if held[r] {
			chips = append(chips, app.Span().Class("chip").DataSet("role", n).Text(l.T("role."+n)))
			buttons = append(buttons, app.Button().ID("revoke-"+n+"-"+id).Class("btn btn-quiet role-revoke").Type("button").
				DataSet("id", id).DataSet("role", n).DataSet("grant", "false").Disabled(p.busy).
				Text(l.T("users.revoke")+" "+l.T("role."+n)).OnClick(p.changeClicked))
		} else if !deleted {
			buttons = append(buttons, app.Button().ID("grant-"+n+"-"+id).Class("btn btn-secondary role-grant").Type("button").
				DataSet("id", id).DataSet("role", n).DataSet("grant", "true").Disabled(p.busy).
				Text(l.T("users.grant")+" "+l.T("role."+n)).OnClick(p.changeClicked))
		}
	}
	return app.Li().Class("task-item user-item").DataSet("id", id).Body(
		app.Span().Class("task-title user-name").Text(u.GetDisplayName()),
		app.Span().Class("muted user-contact").Text(" "+contact+" · "+id),
		app.Span().Class("status user-status").DataSet("status", status).Text(l.T(statusKey)),
		app.Span().Class("muted user-seen").Text(" "+l.T("users.last_seen")+": "+seen),
		app.Div().Class("chips user-roles").Body(chips...),
		app.Div().Class("row user-actions").Body(buttons...),
	)
}
