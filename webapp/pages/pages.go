// Package pages holds the web app's pages as go-app components and
// registers their routes.
//
// Routes: "/" (home), "/signup", "/login", "/signup/phone" and
// "/login/phone" (mobile number and SMS code), "/account/security"
// (sessions), "/account/logins" (login methods), "/account/privacy"
// (privacy mode, data export, account deletion), "/account/consent" (accept
// a new privacy notice), "/tasks" (newest first, "load more" by page token, search and
// filters in the query string), "/tasks/new" (post a task), "/tasks/{ref}"
// (one task), "/tasks/{ref}/edit" (edit one task), "/notifications",
// "/recommended" (a provider's recommended tasks), and for admins
// "/admin/keywords" (the keyword lists), "/admin/patrol" (the patrol queue;
// SEC-5) and "/admin/matching" (matching corrections and click-through).
//
// Stable element ids and classes, kept for the end-to-end browser test:
//
//	header:   #current-user (the signed-in display name), #logout (button),
//	          #nav-login, #nav-signup (links shown when signed out)
//	sign-up:  form #signup-form; inputs #display-name, #email, #password,
//	          #role-client, #role-provider (checkboxes, client checked by
//	          default), #consent (checkbox); submit #signup-submit
//	log-in:   form #login-form; inputs #email, #password; submit #login-submit;
//	          link #use-phone (to /login/phone); on /signup, #use-phone too
//	phone:    form #phone-form; inputs #phone, #code; button #send-code
//	          (disabled during the resend countdown), #code-sent (shown once a
//	          code went out); sign-up adds #display-name, #role-client,
//	          #role-provider, #consent; submit #phone-login-submit or
//	          #phone-signup-submit; links #use-phone-login, #use-phone-signup,
//	          #use-email; errors #error-phone, #error-code
//	new task: form #task-form; inputs #title, #task-type (select of the
//	          TaskType enum names), #description, #budget-min,
//	          #budget-max (yuan), #delivery-date (type=date), #skill-tags
//	          (comma-separated; chips in #skill-chips), #remote (checkbox,
//	          checked by default), #city (shown when not remote); submit
//	          #task-submit, button #task-draft (save as draft). The same
//	          form edits a task at /tasks/{ref}/edit.
//	security: list #session-list of li.session-item (data-id = session id)
//	          with .session-device, .session-meta, and .session-current on
//	          this device or a button #end-session-<id> (.end-session) on
//	          the others; button #logout-everywhere; #security-error
//	header:   #nav-security (link to /account/security, signed in only)
//	account:  tabs #tab-security, #tab-logins, #tab-privacy
//	providers: on /login and /signup, #oauth-providers with a button
//	          #oauth-github / #oauth-wechat per enabled provider, and
//	          #oauth-error (why a provider sign-in failed)
//	logins:   /account/logins: list #login-methods of li.login-method
//	          (data-kind = password, phone, github, wechat) with
//	          .login-label and #unlink-<kind>; buttons #link-<kind>;
//	          #logins-notice, #logins-error
//	privacy:  /account/privacy: form #privacy-form with #hide-reviews,
//	          #hide-city, #privacy-save; #export-data; form #delete-form
//	          with #delete-password, #delete-confirm, #delete-account;
//	          #privacy-notice, #privacy-error
//	consent:  /account/consent: #consent (checkbox), #consent-accept
//	errors:   one element per field, #error-<proto field name>, always in the
//	          DOM and empty (hidden) when the field is fine:
//	          #error-display_name, #error-email, #error-password,
//	          #error-roles, #error-consent_version, #error-title,
//	          #error-description, #error-budget_min_fen, #error-budget_max_fen,
//	          #error-delivery_date, #error-skill_tags; and a form-level
//	          #form-error (role=alert) for errors not tied to one field, such
//	          as BAD_CREDENTIALS or an unreachable service.
//	tasks:    search form #search-form with #search-query, #filter-type,
//	          #filter-sort, #filter-status, #filter-remote, #filter-city,
//	          #filter-skills, #filter-all-skills, #filter-budget-min,
//	          #filter-budget-max, #filter-delivery-from, #filter-delivery-to
//	          (type=date), #filter-mine (clients only) and submit
//	          #search-submit; the search lives in the URL (/tasks?q=...).
//	          List #task-list, items .task-item with .task-title, .task-ref,
//	          .task-budget, .status; button #load-more while more pages
//	          exist; #tasks-empty when there are none.
//	task:     #task-detail with .task-title, .task-ref, .status, the
//	          rendered Markdown in .markdown, the timeline #task-timeline
//	          (.timeline-item), and for its client the actions #task-edit,
//	          #task-publish, #task-close, #task-cancel. For its parties,
//	          #task-repositories: #repo-links (li.repo-link with .repo-name,
//	          .repo-vscode, .repo-codesandbox, .repo-unlink,
//	          .repo-webhook-url, .repo-webhook-secret), form #repo-form
//	          (#repo-url, #repo-link, #error-url), #repo-checks
//	          (li.repo-check[data-state]), #repo-prs (li.repo-pr[data-state]),
//	          #repo-pushes (li.repo-push, li.repo-commit). It reloads on the
//	          stream's events for the task.
//	live:     header #live-indicator (data-live="true" once the event
//	          stream is caught up), bell #nav-notifications with
//	          #unread-count (absent at 0); /notifications lists
//	          #notification-list (li.notification-item, .unread) or
//	          #notifications-empty, button #mark-all-read.
//	keywords: select #kw-list (block|review); form #kw-add-form with
//	          textarea #kw-words, input #kw-note, submit #kw-add-submit,
//	          #kw-result; search #kw-search-form, #kw-search; #kw-meta
//	          (version and count); list #kw-items of li.kw-item (data-word)
//	          with .kw-word and button .kw-remove; #kw-load-more, #kw-empty.
//	patrol:   select #patrol-status; list #patrol-list of
//	          li.patrol-item#patrol-item-<id> with .patrol-link,
//	          .patrol-excerpt (matched words in <mark>), input
//	          #patrol-note-<id>, buttons #patrol-keep-<id>,
//	          #patrol-warn-<id>, #patrol-take-down-<id>, error
//	          #patrol-error-<id>; #patrol-empty.
//	header:   #nav-admin-keywords, #nav-admin-patrol (admins only)
//	recommendations: on a task, for its client the
//	          panel #recommended-providers with li.match-item (data-id =
//	          provider id), .match-name, .match-why chips and an invite
//	          button .match-invite.
//	feed:     /recommended: #recommended-tasks, li.match-item (data-id =
//	          task id) with a link .match-title; #recommended-empty.
//	matching admin: #madmin-provider, #madmin-note, #madmin-flag,
//	          #madmin-unflag, #madmin-skills, #madmin-set-skills,
//	          #madmin-clear-skills, #madmin-task, #madmin-skill, #madmin-pin,
//	          #madmin-demote, #madmin-unplace, #madmin-result,
//	          #madmin-stats (table), #madmin-corrections (list).
//	market:   on the task page (market.go): #proposal-form with
//	          #proposal-price, #proposal-days, #proposal-note,
//	          #proposal-submit; #my-proposal (#my-proposal-status,
//	          #proposal-edit, #proposal-withdraw); #proposal-list of
//	          .proposal-item (data-id) with .proposal-shortlist,
//	          .proposal-award; #work with #board-link, #work-start,
//	          #sub-status and #sub-status-save, #dispute-reason and
//	          #raise-dispute; #delivery-form (#delivery-note,
//	          #delivery-links, #delivery-file, #deliver-submit);
//	          #delivery-list; #accept-delivery, #changes-reason,
//	          #request-changes; #review-form (#review-stars, #review-body,
//	          #review-submit), #review-list of .review-item (.review-blind
//	          while blind); #task-files; #market-error. The board page is
//	          described in board.go; "/work" lists #invitation-list,
//	          #engagement-list, #my-proposals.
//	provider: "/provider/profile": form #profile-form; skill rows
//	          #skill-tag-<i>, #skill-level-<i> (select 1..5), #add-skill;
//	          #hourly-rate, #daily-rate (yuan), #city, #time-zone,
//	          #availability (select of Availability enum names), #bio;
//	          portfolio rows #item-title-<i>, #item-desc-<i>,
//	          #item-links-<i>, #item-file-<i>, #item-hidden-<i>, #add-item;
//	          submit #profile-submit; #profile-saved with #to-vetting and
//	          #to-public once saved.
//	vetting:  "/provider/vetting": #vetting-status (data-status = the
//	          VettingStatus name), #vetting-reason, list #vetting-history
//	          (.vetting-item); form #vetting-form with #id-number, file
//	          inputs #id-front, #id-back (status #status-id-front with
//	          data-file-id once uploaded, progress #progress-id-front),
//	          #add-cert, #cert-name-<i>, #cert-issuer-<i>, #cert-number-<i>,
//	          #cert-expiry-<i>, #cert-file-<i>; submit #vetting-submit;
//	          errors #error-id_number, #error-id_front_file_id,
//	          #error-id_back_file_id, #error-certificates.
//	review:   "/admin/vetting": list #vetting-queue of li.queue-item with
//	          a.queue-open, .queue-name, .queue-id; #queue-empty.
//	          "/admin/vetting/<id>": #submission with .masked-id, images
//	          #doc-id-front, #doc-id-back, #certificate-list; form
//	          #decide-form with #decision-reason, buttons #approve,
//	          #reject; #decided once done; #error-reason.
//	profile:  "/providers/<user id>": #provider-profile with
//	          .provider-name, #vetting-badge (approved only),
//	          #provider-skills (.chip), #provider-rate, #provider-city,
//	          #portfolio-list (.portfolio-item).
//	header:   #nav-provider (signed in), #nav-review (admins).
//	users:    "/admin/users" (admins): see usersPage in users.go;
//	          header #nav-admin-users.
//
// Pages never call the services while being prerendered on the server: the
// calls start in OnMount/OnNav only when the app runs in the browser.
package pages

import (
	"time"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// ConsentVersion is the version of the privacy notice the sign-up form
// shows and sends (SEC-4).
const ConsentVersion = "2026-11"

// env is what every page needs, built once by Register.
type env struct {
	// rpc is the browser's API client; nil on the server, where pages
	// make no calls on anyone's behalf.
	rpc *rpc.Clients
	// server reads public data while prerendering, signed out (see
	// prerender.go); nil on the client.
	server *rpc.Clients
	// snap is the data the server prerendered the first page with.
	snap *snapshot
	lang ui.Lang
	now  func() time.Time
	// live is the app's one event stream (realtime.go).
	live *liveStream
	// signedOut: nobody is signed in as far as the first render knows (no
	// session cookie on the server, no signed-in hint in the browser), so
	// the header offers "log in" before the session is loaded.
	signedOut bool
}

// Register declares the app's routes. It is called by the wasm entry point
// (server nil) and by the server-side handler that prerenders the pages,
// with server reading the API in-process for the public pages' data.
func Register(server *rpc.Clients) {
	e := &env{lang: ui.English, now: time.Now, server: server, live: &liveStream{}}
	if app.IsClient {
		e.server = nil
		e.snap = readSnapshot()
		e.rpc = rpc.ForPage()
		e.lang = chosenLang()
		e.signedOut = !signedInHint()
		app.Window().Get("document").Get("documentElement").Set("lang", string(e.lang))
	} else {
		serverPages.mu.Lock()
		serverPages.e = e
		serverPages.mu.Unlock()
	}
	app.Route("/", func() app.Composer { return &homePage{env: e} })
	app.Route("/signup", func() app.Composer { return newSignUpPage(e) })
	app.Route("/login", func() app.Composer { return &logInPage{env: e} })
	app.Route("/login/phone", func() app.Composer { return newPhonePage(e, false) })
	app.Route("/signup/phone", func() app.Composer { return newPhonePage(e, true) })
	app.Route("/account/security", func() app.Composer { return &securityPage{env: e} })
	app.Route("/account/logins", func() app.Composer { return &loginsPage{env: e} })
	app.Route("/account/privacy", func() app.Composer { return &privacyPage{env: e} })
	app.Route("/account/consent", func() app.Composer { return &consentPage{env: e} })
	app.Route("/tasks", func() app.Composer { return &tasksPage{env: e} })
	app.Route("/notifications", func() app.Composer { return &notificationsPage{env: e} })
	app.Route("/tasks/new", func() app.Composer { return &newTaskPage{env: e, in: taskInput{remote: true}} })
	app.RouteWithRegexp(`^/tasks/[A-Za-z0-9-]+$`, func() app.Composer { return &taskPage{env: e} })
	app.RouteWithRegexp(`^/tasks/[A-Za-z0-9-]+/edit$`, func() app.Composer { return &newTaskPage{env: e} })
	app.Route("/admin/keywords", func() app.Composer { return &keywordsPage{env: e} })
	app.Route("/admin/patrol", func() app.Composer { return &patrolPage{env: e} })
	app.Route("/recommended", func() app.Composer { return &recommendedTasksPage{env: e} })
	app.Route("/admin/matching", func() app.Composer { return &matchingAdminPage{env: e} })
	app.RouteWithRegexp(`^/tasks/[A-Za-z0-9-]+/board$`, func() app.Composer { return &boardPage{env: e} })
	app.Route("/work", func() app.Composer { return &workPage{env: e} })
	// Providers and vetting (ID-2).
	app.Route("/provider/profile", func() app.Composer { return newProviderPage(e) })
	app.Route("/provider/vetting", func() app.Composer { return newVettingPage(e) })
	app.RouteWithRegexp(`^/providers/[0-9a-f-]+$`, func() app.Composer { return &profilePage{env: e} })
	app.Route("/admin/vetting", func() app.Composer { return &reviewQueuePage{env: e} })
	app.RouteWithRegexp(`^/admin/vetting/[0-9a-f-]+$`, func() app.Composer { return &reviewPage{env: e} })
	// Users and roles (ID-3).
	app.Route("/admin/users", func() app.Composer { return &usersPage{env: e} })
}

// sessionState is the go-app state key holding the current session.
const sessionState = "talent.session"

// session is who is signed in, as far as the app knows.
type session struct {
	// Loaded is false until GetMe has answered.
	Loaded   bool
	SignedIn bool
	// ID is the signed-in user's id, to tell their own tasks.
	ID     string
	Name   string
	Client bool
	// Provider: the caller may send proposals and take work.
	Provider bool
	// Admin shows the admin pages (keywords, patrol, matching, the vetting
	// queue) in the navigation.
	Admin bool
}

func sessionFor(u *identityv1.User) session {
	s := session{Loaded: true, SignedIn: u != nil, ID: u.GetId(), Name: u.GetDisplayName()}
	for _, r := range u.GetRoles() {
		switch r {
		case identityv1.Role_ROLE_CLIENT:
			s.Client = true
		case identityv1.Role_ROLE_PROVIDER:
			s.Provider = true
		case identityv1.Role_ROLE_ADMIN:
			s.Admin = true
		}
	}
	return s
}

// loadSession asks the identity service who is signed in, once per page
// load; the answer is shared through the session state. The session
// cookie is HttpOnly, so this call is the only way to know.
func (e *env) loadSession(ctx app.Context) {
	var s session
	ctx.GetState(sessionState, &s)
	if s.Loaded || e.rpc == nil {
		return
	}
	ctx.Async(func() {
		resp, err := e.rpc.Identity.GetMe(ctx, connect.NewRequest(&identityv1.GetMeRequest{}))
		s := session{Loaded: true}
		if err == nil {
			s = sessionFor(resp.Msg.GetUser())
			e.checkConsent(ctx)
		}
		ctx.Dispatch(func(ctx app.Context) { ctx.SetState(sessionState, s) })
	})
}

// title sets the document title for a page.
func (e *env) title(ctx app.Context, key string) {
	name := e.lang.T("app.name")
	if key == "" {
		ctx.Page().SetTitle(name + " · " + e.lang.T("app.tagline"))
		return
	}
	ctx.Page().SetTitle(e.lang.T(key) + " · " + name)
}
