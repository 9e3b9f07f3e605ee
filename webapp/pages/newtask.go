package pages

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// taskFields are the task form's fields in display order.
var taskFields = []string{"title", "task_type", "description", "budget_min_fen", "budget_max_fen", "delivery_date", "skill_tags", "city"}

// taskFocus maps a field to the control that receives focus for it.
var taskFocus = map[string]string{
	"title": "title", "description": "description", "budget_min_fen": "budget-min",
	"budget_max_fen": "budget-max", "delivery_date": "delivery-date", "skill_tags": "skill-tags",
	"task_type": "task-type", "city": "city",
}

// newTaskPage is the post-a-task form, and the edit form of a draft or
// open task at /tasks/{ref}/edit.
type newTaskPage struct {
	app.Compo
	env *env
	in  taskInput
	// ref is the task being edited; "" when posting a new one.
	ref string
	// draft is set while "save as draft" is being submitted.
	draft bool
	form  formState
	s     session
	// requestID makes retries of one submission idempotent; a new one is
	// drawn after a success.
	requestID string
	// path is the page's path; ended is set when a submission found the
	// session ended (resume.go).
	path  string
	ended bool
}

func (p *newTaskPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "task.title")
	path := ctx.Page().URL().Path
	p.path, p.ended = path, false
	var kept savedTask
	resumed := takeForm(path, &kept)
	if resumed {
		// Back from logging in again: the form as it was.
		p.in = kept.input()
	}
	if !strings.HasSuffix(path, "/edit") {
		p.ref = ""
		return
	}
	p.ref = strings.TrimSuffix(strings.TrimPrefix(path, "/tasks/"), "/edit")
	p.env.title(ctx, "task.edit_title")
	if p.env.rpc == nil || resumed {
		return
	}
	ref := p.ref
	ctx.Async(func() {
		resp, err := p.env.rpc.Tasks.GetTask(ctx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: ref}))
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.form.fail(p.env.lang, rpc.Explain(err), taskFields...)
				return
			}
			p.in = inputFor(resp.Msg.GetTask())
		})
	})
}

func (p *newTaskPage) OnMount(ctx app.Context) {
	ctx.ObserveState(sessionState, &p.s)
}

func (p *newTaskPage) Render() app.UI {
	l := p.env.lang
	f := &p.form
	today := chinaToday(p.env.now())
	return p.env.layout(
		app.Section().Class("card").Body(
			app.H1().Text(l.T(p.titleKey())),
			app.P().Class("muted").Text(l.T("task.lead")),
			app.If(p.s.Loaded && (!p.s.SignedIn || !p.s.Client), func() app.UI {
				return app.P().ID("task-login-needed").Class("notice").Body(
					app.Text(l.T("task.login_needed")+" "),
					app.If(!p.s.SignedIn, func() app.UI {
						return app.Span().Body(
							app.A().Href("/login").Text(l.T("nav.login")),
							app.Text(" · "),
							app.A().Href("/signup").Text(l.T("nav.signup")),
						)
					}),
				)
			}),
			app.Form().ID("task-form").Class("form").Method("post").NoValidate(true).OnSubmit(p.submit).Body(
				f.textInput(&p.Compo, "title", "title", "text", l.T("task.field_title"), l.T("task.title_hint"), "off", &p.in.title),
				f.fieldBox("task-type", "task_type", l.T("task.type"), "",
					app.Select().ID("task-type").Name("task_type").Class("input").
						Aria("invalid", f.has("task_type")).
						Aria("describedby", describedBy("task_type", "")).
						OnChange(f.bind(&p.Compo, "task_type", &p.in.taskType)).
						Body(
							app.Option().Value("").Text(l.T("task.type_choose")).Selected(p.in.taskType == ""),
							app.Range(taskTypes).Slice(func(i int) app.UI {
								v := taskTypes[i].String()
								return app.Option().Value(v).Text(l.T(typeKey(taskTypes[i]))).Selected(p.in.taskType == v)
							}),
						),
				),
				app.Div().Class("field").Body(
					app.Label().Class("check").Body(
						app.Input().ID("remote").Name("remote").Type("checkbox").Checked(p.in.remote).
							OnChange(func(ctx app.Context, e app.Event) { p.in.remote = ctx.JSSrc().Get("checked").Bool() }),
						app.Text(" "+l.T("task.remote")),
					),
				),
				app.If(!p.in.remote, func() app.UI {
					return f.textInput(&p.Compo, "city", "city", "text", l.T("task.city"), l.T("task.city_hint"), "address-level2", &p.in.city)
				}),
				f.fieldBox("description", "description", l.T("task.field_desc"), l.T("task.desc_hint"),
					app.Textarea().ID("description").Name("description").Class("input").Rows(8).
						Text(p.in.description).
						Aria("invalid", f.has("description")).
						Aria("describedby", describedBy("description", "hint-description")).
						OnInput(f.bind(&p.Compo, "description", &p.in.description)),
				),
				app.FieldSet().Class("budget").Body(
					app.Legend().Text(l.T("task.budget")),
					app.Div().Class("row").Body(
						p.money("budget-min", "budget_min_fen", l.T("task.budget_min"), &p.in.budgetMin),
						p.money("budget-max", "budget_max_fen", l.T("task.budget_max"), &p.in.budgetMax),
					),
					app.P().Class("hint").Text(l.T("task.budget_hint")),
				),
				f.fieldBox("delivery-date", "delivery_date", l.T("task.delivery"), l.T("task.delivery_hint"),
					app.Input().ID("delivery-date").Name("delivery_date").Type("date").Class("input").
						Min(today).Value(p.in.deliveryDate).
						Aria("invalid", f.has("delivery_date")).
						Aria("describedby", describedBy("delivery_date", "hint-delivery-date")).
						OnInput(f.bind(&p.Compo, "delivery_date", &p.in.deliveryDate)).
						OnChange(f.bind(&p.Compo, "delivery_date", &p.in.deliveryDate)),
				),
				f.textInput(&p.Compo, "skill-tags", "skill_tags", "text", l.T("task.tags"), l.T("task.tags_hint"), "off", &p.in.skillTags),
				app.Div().ID("skill-chips").Class("chip-preview").Aria("live", "polite").Body(
					chips(splitTags(p.in.skillTags)),
				),
				app.If(p.ended, func() app.UI { return p.env.sessionEnded(p.path) }).Else(f.formError),
				app.Div().Class("actions").Body(
					f.submitButton("task-submit", l.T(p.submitKey()), l.T("common.working")),
					app.If(p.ref == "", func() app.UI {
						return app.Button().ID("task-draft").Class("btn btn-secondary").Type("button").
							Disabled(f.busy).Text(l.T("task.save_draft")).OnClick(p.saveDraft)
					}),
				),
			),
		),
	)
}

// money is a yuan amount input.
func (p *newTaskPage) money(id, field, label string, v *string) app.UI {
	f := &p.form
	return f.fieldBox(id, field, label, "",
		app.Div().Class("money").Body(
			app.Span().Class("money-sign").Aria("hidden", "true").Text("¥"),
			app.Input().ID(id).Name(field).Type("text").Class("input").
				Attr("inputmode", "decimal").Attr("autocomplete", "off").
				Placeholder("5000").Value(*v).
				Aria("invalid", f.has(field)).
				Aria("describedby", describedBy(field, "")).
				OnInput(f.bind(&p.Compo, field, v)),
		),
	)
}

func (p *newTaskPage) titleKey() string {
	if p.ref != "" {
		return "task.edit_title"
	}
	return "task.title"
}

func (p *newTaskPage) submitKey() string {
	if p.ref != "" {
		return "task.save"
	}
	return "task.submit"
}

// saveDraft saves the task without publishing it.
func (p *newTaskPage) saveDraft(ctx app.Context, e app.Event) {
	p.draft = true
	p.send(ctx)
}

func (p *newTaskPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.draft = false
	p.send(ctx)
}

func (p *newTaskPage) send(ctx app.Context) {
	if p.form.busy {
		return
	}
	req, errs := p.in.request(chinaToday(p.env.now()))
	if len(errs) > 0 {
		p.form.setReasons(p.env.lang, errs)
		p.focusFirstError(ctx)
		return
	}
	p.form.reset()
	if p.env.rpc == nil {
		return
	}
	if p.requestID == "" {
		p.requestID = newRequestID()
	}
	req.RequestId = p.requestID
	req.Draft = p.draft
	p.form.busy = true
	ref := p.ref
	ctx.Async(func() {
		var err error
		next := "/tasks"
		if ref != "" {
			_, err = p.env.rpc.Tasks.UpdateTask(ctx, connect.NewRequest(update(ref, req)))
			next = "/tasks/" + ref
		} else {
			var resp *connect.Response[tasksv1.CreateTaskResponse]
			resp, err = p.env.rpc.Tasks.CreateTask(ctx, connect.NewRequest(req))
			if err == nil && req.Draft {
				// A draft is only on its own page (and under "my tasks").
				next = "/tasks/" + resp.Msg.GetTask().GetRef()
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.form.busy = false
			if err != nil {
				prob := rpc.Explain(err)
				p.form.fail(p.env.lang, prob, taskFields...)
				if p.ended = prob.Code == connect.CodeUnauthenticated.String(); p.ended {
					keepForm(p.path, p.in.saved())
				}
				p.focusFirstError(ctx)
				return
			}
			p.requestID = ""
			p.in = taskInput{remote: true}
			ctx.Navigate(next)
		})
	})
}

func (p *newTaskPage) focusFirstError(ctx app.Context) {
	if fl, ok := p.form.firstErr(taskFields...); ok {
		focus(ctx, taskFocus[fl])
	}
}

// newRequestID returns a random idempotency key.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b)
}
