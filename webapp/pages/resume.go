package pages

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// When a session ends while a person is filling in a form (it expired, or
// they logged out on another device), the call fails with unauthenticated.
// Nothing they typed is lost (issue 7): the form is kept in sessionStorage
// under its page's path, the error offers to log in again, the login page
// returns to the form, and the form is filled in again.

// resumeKey is the sessionStorage key of the kept form of path.
func resumeKey(path string) string { return "talent.form:" + path }

// keepForm stores v (a JSON-encodable copy of the form) for path.
func keepForm(path string, v any) {
	if !app.IsClient {
		return
	}
	if b, err := json.Marshal(v); err == nil {
		app.Window().Get("sessionStorage").Call("setItem", resumeKey(path), string(b))
	}
}

// takeForm fills v with the form kept for path, once.
func takeForm(path string, v any) bool {
	if !app.IsClient {
		return false
	}
	store := app.Window().Get("sessionStorage")
	s := store.Call("getItem", resumeKey(path))
	if !s.Truthy() {
		return false
	}
	store.Call("removeItem", resumeKey(path))
	return json.Unmarshal([]byte(s.String()), v) == nil
}

// loginToResume is the login page that comes back to path.
func loginToResume(path string) string {
	return "/login?" + url.Values{"next": {path}}.Encode()
}

// nextPath is where to go after logging in: the page's "next" parameter
// when it is a path on this site, else the task list.
func nextPath(u *url.URL) string {
	next := u.Query().Get("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/tasks"
	}
	return next
}

// sessionEnded is the form-level error shown when the session ended
// mid-form, with the way back.
func (e *env) sessionEnded(path string) app.UI {
	return app.Div().ID("form-error").Class("form-error").Role("alert").Body(
		app.Span().Text(e.lang.T("session.ended")+" "),
		app.A().ID("login-again").Href(loginToResume(path)).Text(e.lang.T("session.login_again")),
	)
}

// savedTask is taskInput in JSON, for keepForm.
type savedTask struct {
	Title, Description, BudgetMin, BudgetMax, DeliveryDate, SkillTags, TaskType, City string
	Remote                                                                            bool
}

func (in taskInput) saved() savedTask {
	return savedTask{in.title, in.description, in.budgetMin, in.budgetMax, in.deliveryDate, in.skillTags, in.taskType, in.city, in.remote}
}

func (s savedTask) input() taskInput {
	return taskInput{title: s.Title, description: s.Description, budgetMin: s.BudgetMin, budgetMax: s.BudgetMax,
		deliveryDate: s.DeliveryDate, skillTags: s.SkillTags, taskType: s.TaskType, remote: s.Remote, city: s.City}
}
