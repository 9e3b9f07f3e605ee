package pages

import (
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"google.golang.org/protobuf/proto"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// pageSize is how many tasks one "load more" fetches.
const pageSize = 20

// tasksPage lists tasks: a search box and filters, kept in the URL's
// query string so that a search can be shared, and the matching tasks.
type tasksPage struct {
	app.Compo
	env     *env
	f       filters
	tasks   []*tasksv1.Task
	next    string
	loading bool
	loaded  bool
	err     string
	s       session
	// uri is the page's path and query; served is the list the server
	// read for it, sent to the wasm as the snapshot (prerender.go).
	uri    string
	served *tasksv1.ListTasksResponse
	// recent are the offline copies offered when the list cannot load.
	recent []recentTask
}

// filters is the search form, as typed. Its fields are the query
// parameters of /tasks.
type filters struct {
	query, taskType, sort, city, skills, budgetMin, budgetMax string
	status, deliveryFrom, deliveryTo                          string
	remote, mine, allSkills                                   bool
}

// filtersFrom reads the search from a /tasks URL.
func filtersFrom(u *url.URL) filters {
	q := u.Query()
	return filters{
		query: q.Get("q"), taskType: q.Get("type"), sort: q.Get("sort"), city: q.Get("city"),
		skills: q.Get("skills"), budgetMin: q.Get("min"), budgetMax: q.Get("max"),
		status: q.Get("status"), deliveryFrom: q.Get("due_from"), deliveryTo: q.Get("due_to"),
		remote: q.Get("remote") == "1", mine: q.Get("mine") == "1", allSkills: q.Get("all") == "1",
	}
}

// url is the /tasks URL of the search.
func (f filters) url() string {
	q := url.Values{}
	for k, v := range map[string]string{"q": f.query, "type": f.taskType, "sort": f.sort, "city": f.city,
		"skills": f.skills, "min": f.budgetMin, "max": f.budgetMax, "status": f.status,
		"due_from": f.deliveryFrom, "due_to": f.deliveryTo} {
		if v = strings.TrimSpace(v); v != "" {
			q.Set(k, v)
		}
	}
	if f.remote {
		q.Set("remote", "1")
	}
	if f.mine {
		q.Set("mine", "1")
	}
	if f.allSkills {
		q.Set("all", "1")
	}
	if len(q) == 0 {
		return "/tasks"
	}
	return "/tasks?" + q.Encode()
}

// request is the ListTasksRequest of the search. Amounts that do not parse
// are left out.
func (f filters) request() *tasksv1.ListTasksRequest {
	req := &tasksv1.ListTasksRequest{
		PageSize:     pageSize,
		Query:        strings.TrimSpace(f.query),
		City:         strings.TrimSpace(f.city),
		RemoteOnly:   f.remote,
		Mine:         f.mine,
		SkillTags:    splitTags(f.skills),
		AllSkills:    f.allSkills,
		Sort:         tasksv1.TaskSort(tasksv1.TaskSort_value[f.sort]),
		DeliveryFrom: strings.TrimSpace(f.deliveryFrom),
		DeliveryTo:   strings.TrimSpace(f.deliveryTo),
	}
	if st := tasksv1.TaskStatus(tasksv1.TaskStatus_value[f.status]); st != tasksv1.TaskStatus_TASK_STATUS_UNSPECIFIED {
		req.Statuses = []tasksv1.TaskStatus{st}
	}
	if t := tasksv1.TaskType(tasksv1.TaskType_value[f.taskType]); t != tasksv1.TaskType_TASK_TYPE_UNSPECIFIED {
		req.TaskTypes = []tasksv1.TaskType{t}
	}
	if fen, ok := parseYuan(f.budgetMin); ok {
		req.BudgetMinFen = fen
	}
	if fen, ok := parseYuan(f.budgetMax); ok {
		req.BudgetMaxFen = fen
	}
	return req
}

// taskTypes are the catalogue's task types in the order the forms list them.
var taskTypes = func() []tasksv1.TaskType {
	var ts []tasksv1.TaskType
	for n := range len(tasksv1.TaskType_name) {
		if t := tasksv1.TaskType(n); t != tasksv1.TaskType_TASK_TYPE_UNSPECIFIED {
			ts = append(ts, t)
		}
	}
	return ts
}()

// listStatuses are the states the status filter offers (drafts are only
// under "my tasks", which lists every state).
var listStatuses = []tasksv1.TaskStatus{
	tasksv1.TaskStatus_TASK_STATUS_OPEN, tasksv1.TaskStatus_TASK_STATUS_AWARDED,
	tasksv1.TaskStatus_TASK_STATUS_IN_PROGRESS, tasksv1.TaskStatus_TASK_STATUS_DELIVERED,
	tasksv1.TaskStatus_TASK_STATUS_ACCEPTED, tasksv1.TaskStatus_TASK_STATUS_CLOSED,
	tasksv1.TaskStatus_TASK_STATUS_CANCELLED, tasksv1.TaskStatus_TASK_STATUS_DISPUTED,
}

// sorts are the orders of the list.
var sorts = []tasksv1.TaskSort{
	tasksv1.TaskSort_TASK_SORT_NEWEST, tasksv1.TaskSort_TASK_SORT_BUDGET_HIGH,
	tasksv1.TaskSort_TASK_SORT_BUDGET_LOW, tasksv1.TaskSort_TASK_SORT_DELIVERY_SOONEST,
}

// typeKey is the catalogue key of a task type, e.g. "type.back_end".
func typeKey(t tasksv1.TaskType) string {
	return "type." + strings.ToLower(strings.TrimPrefix(t.String(), "TASK_TYPE_"))
}

// sortKey is the catalogue key of a sort.
func sortKey(s tasksv1.TaskSort) string {
	return "sort." + strings.ToLower(strings.TrimPrefix(s.String(), "TASK_SORT_"))
}

// anyStatusKey names the status filter's default.
func (p *tasksPage) anyStatusKey() string {
	if p.f.mine {
		return "search.any_status"
	}
	return "search.open_default"
}

func (p *tasksPage) OnMount(ctx app.Context) {
	ctx.ObserveState(sessionState, &p.s)
}

func (p *tasksPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "tasks.title")
	u := ctx.Page().URL()
	p.f = filtersFrom(u)
	p.uri = u.RequestURI()
	// The server prerenders the public list; "my tasks" needs a session.
	if p.env.reader() == nil || (p.env.rpc == nil && p.f.mine) {
		return
	}
	p.tasks, p.next, p.loaded, p.err = nil, "", false, ""
	var snap tasksv1.ListTasksResponse
	if p.env.takeSnapshot(p.uri, map[string]proto.Message{"list": &snap}) {
		p.tasks, p.next, p.loaded = snap.GetTasks(), snap.GetNextPageToken(), true
		return
	}
	p.load(ctx, "")
}

func (p *tasksPage) load(ctx app.Context, token string) {
	p.loading = true
	req := p.f.request()
	req.PageToken = token
	ctx.Async(func() {
		resp, err := p.env.reader().Tasks.ListTasks(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			if err == nil && p.env.rpc == nil {
				p.served = resp.Msg
			}
			p.loading = false
			if err != nil {
				pr := rpc.Explain(err)
				p.err = p.env.lang.Code(pr.Code)
				if app.IsClient && rpc.IsCode(err, connect.CodeUnavailable) {
					p.recent = readRecent()
				}
				if len(pr.Violations) > 0 {
					p.err = p.env.lang.Reason(pr.Violations[0].Reason, pr.Violations[0].Description)
				}
				return
			}
			p.err = ""
			p.loaded = true
			p.tasks = append(p.tasks, resp.Msg.GetTasks()...)
			p.next = resp.Msg.GetNextPageToken()
		})
	})
}

func (p *tasksPage) loadMore(ctx app.Context, e app.Event) {
	if p.loading || p.env.rpc == nil {
		return
	}
	p.load(ctx, p.next)
}

func (p *tasksPage) search(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx.Navigate(p.f.url())
}

// searchForm is the search box and the filters.
func (p *tasksPage) searchForm() app.UI {
	l := p.env.lang
	input := func(typ, id, label, placeholder string, v *string) app.UI {
		return app.Div().Class("field").Body(
			app.Label().For(id).Text(label),
			app.Input().ID(id).Type(typ).Class("input").Placeholder(placeholder).Value(*v).
				OnInput(p.ValueTo(v)).OnChange(p.ValueTo(v)),
		)
	}
	text := func(id, label, placeholder string, v *string) app.UI { return input("text", id, label, placeholder, v) }
	check := func(id, label string, v *bool) app.UI {
		return app.Label().Class("check").Body(
			app.Input().ID(id).Type("checkbox").Checked(*v).
				OnChange(func(ctx app.Context, e app.Event) { *v = ctx.JSSrc().Get("checked").Bool() }),
			app.Text(" "+label),
		)
	}
	return app.Form().ID("search-form").Class("card search").Role("search").OnSubmit(p.search).Body(
		app.Div().Class("search-row").Body(
			app.Label().For("search-query").Class("visually-hidden").Text(l.T("search.label")),
			app.Input().ID("search-query").Type("search").Class("input").Placeholder(l.T("search.placeholder")).
				Value(p.f.query).OnInput(p.ValueTo(&p.f.query)),
			app.Button().ID("search-submit").Class("btn btn-primary").Type("submit").Text(l.T("search.submit")),
		),
		openIf(app.Details().Class("filters"), p.f != filters{query: p.f.query}).Body(
			app.Summary().Text(l.T("search.filters")),
			app.Div().Class("filter-grid").Body(
				app.Div().Class("field").Body(
					app.Label().For("filter-type").Text(l.T("task.type")),
					app.Select().ID("filter-type").Class("input").OnChange(p.ValueTo(&p.f.taskType)).Body(
						app.Option().Value("").Text(l.T("search.any_type")).Selected(p.f.taskType == ""),
						app.Range(taskTypes).Slice(func(i int) app.UI {
							v := taskTypes[i].String()
							return app.Option().Value(v).Text(l.T(typeKey(taskTypes[i]))).Selected(p.f.taskType == v)
						}),
					),
				),
				app.Div().Class("field").Body(
					app.Label().For("filter-sort").Text(l.T("search.sort")),
					app.Select().ID("filter-sort").Class("input").OnChange(p.ValueTo(&p.f.sort)).Body(
						app.Range(sorts).Slice(func(i int) app.UI {
							v := sorts[i].String()
							return app.Option().Value(v).Text(l.T(sortKey(sorts[i]))).
								Selected(p.f.sort == v || (p.f.sort == "" && i == 0))
						}),
					),
				),
				app.Div().Class("field").Body(
					app.Label().For("filter-status").Text(l.T("search.status")),
					app.Select().ID("filter-status").Class("input").OnChange(p.ValueTo(&p.f.status)).Body(
						// No status: open tasks, or every state of my tasks.
						app.Option().Value("").Text(l.T(p.anyStatusKey())).Selected(p.f.status == ""),
						app.Range(listStatuses).Slice(func(i int) app.UI {
							v := listStatuses[i].String()
							return app.Option().Value(v).Text(l.T(statusKey(listStatuses[i]))).Selected(p.f.status == v)
						}),
					),
				),
				text("filter-skills", l.T("tasks.skills"), "go, vue", &p.f.skills),
				input("date", "filter-delivery-from", l.T("search.due_from"), "", &p.f.deliveryFrom),
				input("date", "filter-delivery-to", l.T("search.due_to"), "", &p.f.deliveryTo),
				text("filter-city", l.T("task.city"), "上海", &p.f.city),
				text("filter-budget-min", l.T("search.budget_min"), "1000", &p.f.budgetMin),
				text("filter-budget-max", l.T("search.budget_max"), "50000", &p.f.budgetMax),
				app.Div().Class("field").Body(
					check("filter-all-skills", l.T("search.all_skills"), &p.f.allSkills),
					check("filter-remote", l.T("search.remote"), &p.f.remote),
					app.If(p.s.Client, func() app.UI { return check("filter-mine", l.T("search.mine"), &p.f.mine) }),
				),
			),
		),
	)
}

func (p *tasksPage) Render() app.UI {
	l := p.env.lang
	return p.env.layout(
		app.Div().Class("page-head").Body(
			app.Div().Body(
				app.H1().Text(l.T("tasks.title")),
				app.P().Class("muted").Text(l.T("tasks.lead")),
			),
			app.A().ID("tasks-post").Class("btn btn-primary").Href("/tasks/new").Text(l.T("nav.post")),
		),
		p.searchForm(),
		snapshotUI(p.uri, map[string]proto.Message{"list": p.served}),
		app.Ul().ID("task-list").Class("task-list").Aria("busy", p.loading).Body(
			app.Range(p.tasks).Slice(func(i int) app.UI { return taskItem(l, p.tasks[i]) }),
		),
		app.If(p.loaded && len(p.tasks) == 0, func() app.UI {
			if p.f != (filters{}) {
				return app.Div().ID("tasks-empty").Class("empty").Body(app.P().Text(l.T("search.none")))
			}
			return app.Div().ID("tasks-empty").Class("empty").Body(
				app.P().Text(l.T("tasks.empty")),
				app.A().Class("btn btn-primary").Href("/tasks/new").Text(l.T("nav.post")),
			)
		}),
		app.If(p.loading && p.next == "", func() app.UI {
			return app.P().Class("loading").Role("status").Text(l.T("common.loading"))
		}),
		app.If(p.err != "", func() app.UI {
			return app.Div().Class("form-error").Role("alert").Body(
				app.Span().Text(p.err+" "),
				app.Button().ID("tasks-retry").Class("btn btn-quiet").Type("button").Text(l.T("common.retry")).OnClick(p.loadMore),
			)
		}),
		app.If(p.err != "" && len(p.recent) > 0, func() app.UI {
			return app.Section().ID("recent-tasks").Class("card").Body(
				app.H2().Text(l.T("offline.recent")),
				app.Ul().Body(app.Range(p.recent).Slice(func(i int) app.UI {
					r := p.recent[i]
					return app.Li().Body(app.A().Href("/tasks/" + r.Ref).Text(r.Ref + " · " + r.Title))
				})),
			)
		}),
		app.If(p.next != "", func() app.UI {
			label := l.T("tasks.more")
			if p.loading {
				label = l.T("common.loading")
			}
			return app.Div().Class("more").Body(
				app.Button().ID("load-more").Class("btn btn-secondary").Type("button").
					Disabled(p.loading).Aria("busy", p.loading).Text(label).OnClick(p.loadMore),
			)
		}),
	)
}

// taskItem is one task in the list.
func taskItem(l ui.Lang, t *tasksv1.Task) app.UI {
	return app.Li().Class("task-item").Body(
		app.A().Class("task-link").Href("/tasks/"+t.GetRef()).Body(
			app.Div().Class("task-head").Body(
				app.H2().Class("task-title").Text(t.GetTitle()),
				app.Span().Class("task-ref").Text(t.GetRef()),
			),
			app.P().Class("task-meta").Body(
				statusBadge(l, t.GetStatus()),
				app.Span().Class("task-type").Text(l.T(typeKey(t.GetTaskType()))),
				app.Span().Class("task-place").Text(place(l, t)),
				app.Span().Class("task-budget").Text(budgetText(t)),
				app.Span().Class("task-due").Text(l.T("tasks.due")+" "+t.GetDeliveryDate()),
				app.If(t.GetClientDisplayName() != "", func() app.UI {
					return app.Span().Class("task-client").Text(l.T("tasks.by") + " " + t.GetClientDisplayName())
				}),
			),
			chips(t.GetSkillTags()),
		),
	)
}

func budgetText(t *tasksv1.Task) string {
	if t.GetBudgetMinFen() == t.GetBudgetMaxFen() {
		return ui.Yuan(t.GetBudgetMinFen())
	}
	return ui.Yuan(t.GetBudgetMinFen()) + " – " + ui.Yuan(t.GetBudgetMaxFen())
}

// chips renders skill tags.
func chips(tags []string) app.UI {
	return app.Ul().Class("chips").Body(
		app.Range(tags).Slice(func(i int) app.UI {
			return app.Li().Class("chip").Text(tags[i])
		}),
	)
}

// place is where the work is done: remote or a city.
func place(l ui.Lang, t *tasksv1.Task) string {
	if t.GetRemote() {
		return l.T("task.remote_short")
	}
	return t.GetCity()
}

// statusBadge shows a task status.
func statusBadge(l ui.Lang, s tasksv1.TaskStatus) app.UI {
	return app.Span().Class("status status-" + strings.TrimPrefix(statusKey(s), "status.")).Text(l.T(statusKey(s)))
}

// statusKey is the catalogue key of a task status.
func statusKey(s tasksv1.TaskStatus) string {
	name := strings.TrimPrefix(s.String(), "TASK_STATUS_")
	return "status." + strings.ToLower(name)
}

// taskPage shows one task by its reference: the rendered description, the
// status and timeline, and its client's actions.
type taskPage struct {
	app.Compo
	env     *env
	ref     string
	task    *tasksv1.Task
	events  []*tasksv1.TaskEvent
	loading bool
	busy    bool
	err     string
	// actionErr is why the last action failed.
	actionErr string
	s         session
	// m is the market's part of the page (market.go).
	m marketState
	// uri is the page's path and query; served is what the server read
	// for it, sent to the wasm as the snapshot (prerender.go).
	uri    string
	served map[string]proto.Message
	// offlineCopy is set while the page shows the saved copy (pwa.go).
	offlineCopy bool
	// dialog asks for the step-up cancelling the task needs (ID-4).
	dialog stepUpDialog
	// fetchSeq and marketSeq number the loads of the task and of its
	// market data: a live event, an action and a retry can each start one,
	// and their answers can come back out of order. Only the latest
	// load's answer is shown, so an older one cannot put back what a
	// newer one replaced (a review just written, gone from the list).
	fetchSeq, marketSeq uint64
}

// retry loads the task again after an error or from the offline copy.
func (p *taskPage) retry(ctx app.Context, e app.Event) {
	if p.loading || p.env.rpc == nil {
		return
	}
	p.loading = true
	if !p.offlineCopy {
		p.task, p.events = nil, nil
	}
	p.err = ""
	p.fetch(ctx)
}

func (p *taskPage) OnMount(ctx app.Context) {
	ctx.ObserveState(sessionState, &p.s)
	p.dialog.env, p.dialog.compo, p.dialog.mounted = p.env, &p.Compo, ctx
	p.handleLive(ctx)
}

func (p *taskPage) OnNav(ctx app.Context) {
	p.ref = strings.TrimPrefix(ctx.Page().URL().Path, "/tasks/")
	p.uri = ctx.Page().URL().RequestURI()
	ctx.Page().SetTitle(p.ref + " · " + p.env.lang.T("app.name"))
	if p.env.reader() == nil {
		return
	}
	p.task, p.events, p.err, p.actionErr, p.loading = nil, nil, "", "", true
	var task tasksv1.GetTaskResponse
	var events tasksv1.ListTaskEventsResponse
	if p.env.takeSnapshot(p.uri, map[string]proto.Message{"task": &task, "events": &events}) {
		p.task, p.events, p.loading = task.GetTask(), events.GetEvents(), false
		p.describe(ctx)
		p.fetchMarket(ctx)
		return
	}
	p.fetch(ctx)
}

// describe sets the page's title and description from the task, for
// browsers, sharing and search engines.
func (p *taskPage) describe(ctx app.Context) {
	t := p.task
	ctx.Page().SetTitle(t.GetTitle() + " · " + p.env.lang.T("app.name"))
	desc := []rune(strings.Join(strings.Fields(t.GetDescription()), " "))
	if len(desc) > 160 {
		desc = append(desc[:157], []rune("...")...)
	}
	ctx.Page().SetDescription(string(desc))
}

// fetch loads the task and its timeline.
func (p *taskPage) fetch(ctx app.Context) {
	ref := p.ref
	api := p.env.reader()
	p.fetchSeq++
	seq := p.fetchSeq
	ctx.Async(func() {
		resp, err := api.Tasks.GetTask(ctx, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: ref}))
		var events *tasksv1.ListTaskEventsResponse
		if err == nil {
			if ev, everr := api.Tasks.ListTaskEvents(ctx, connect.NewRequest(&tasksv1.ListTaskEventsRequest{IdOrRef: ref})); everr == nil {
				events = ev.Msg
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.fetchSeq {
				return // a newer load is on its way
			}
			if err == nil && events != nil && p.env.rpc == nil {
				p.served = map[string]proto.Message{"task": resp.Msg, "events": events}
			}
			p.loading = false
			p.offlineCopy = false
			switch {
			case rpc.IsCode(err, connect.CodeNotFound):
				p.err = p.env.lang.T("tasks.not_found")
			case err != nil:
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				// Offline (or the server is down): the copy saved when
				// the person last viewed it, marked as such.
				if t, ev, _, ok := loadRecent(ref); ok && rpc.IsCode(err, connect.CodeUnavailable) {
					p.task, p.events, p.offlineCopy = t, ev, true
				}
			default:
				p.task, p.events, p.err = resp.Msg.GetTask(), events.GetEvents(), ""
				p.describe(ctx)
				saveRecent(p.task, p.events, p.env.now())
				p.fetchMarket(ctx)
			}
		})
	})
}

// act runs one of the client's actions and reloads the task.
func (p *taskPage) act(call func(ctx app.Context, ref string) error) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if p.busy || p.env.rpc == nil {
			return
		}
		p.busy, p.actionErr = true, ""
		ref := p.ref
		// The pressed button: a step-up dialog gives focus back to it.
		var pressed app.Value
		if e.Value != nil {
			pressed = ctx.JSSrc()
		}
		ctx.Async(func() {
			err := call(ctx, ref)
			ctx.Dispatch(func(ctx app.Context) {
				p.busy = false
				if err != nil {
					pr := rpc.Explain(err)
					if pr.Reason == "STEP_UP_REQUIRED" && p.task != nil {
						// Cancelling deletes the project (ID-4): verify it's
						// the client, then try again.
						retry := p.act(call)
						p.dialog.opener = pressed
						p.dialog.run(ctx, identityv1.StepUpOperation_STEP_UP_OPERATION_DELETE_PROJECT, p.task.GetId(),
							func(ctx app.Context) { retry(ctx, app.Event{}) }, func(msg string) { p.actionErr = msg })
						return
					}
					p.actionErr = p.env.lang.Code(pr.Code)
					if len(pr.Violations) > 0 {
						p.actionErr = p.env.lang.Reason(pr.Violations[0].Reason, pr.Violations[0].Description)
					}
					return
				}
				p.fetch(ctx)
			})
		})
	}
}

func (p *taskPage) publish(ctx app.Context, ref string) error {
	_, err := p.env.rpc.Tasks.PublishTask(ctx, connect.NewRequest(&tasksv1.PublishTaskRequest{IdOrRef: ref}))
	return err
}

func (p *taskPage) close(ctx app.Context, ref string) error {
	_, err := p.env.rpc.Tasks.CloseTask(ctx, connect.NewRequest(&tasksv1.CloseTaskRequest{IdOrRef: ref}))
	return err
}

func (p *taskPage) cancel(ctx app.Context, ref string) error {
	_, err := p.env.rpc.Tasks.CancelTask(ctx, connect.NewRequest(&tasksv1.CancelTaskRequest{IdOrRef: ref}))
	return err
}

// actions are the buttons the task's client has in the task's state.
func (p *taskPage) actions(t *tasksv1.Task) app.UI {
	if !p.s.SignedIn || p.s.ID != t.GetClientId() {
		return placeholder() // see slot
	}
	l := p.env.lang
	st := t.GetStatus()
	draft, open := st == tasksv1.TaskStatus_TASK_STATUS_DRAFT, st == tasksv1.TaskStatus_TASK_STATUS_OPEN
	button := func(id, key, class string, h app.EventHandler) app.UI {
		return app.Button().ID(id).Class("btn " + class).Type("button").Disabled(p.busy).Text(l.T(key)).OnClick(h)
	}
	return app.Div().ID("task-actions").Class("actions").Body(
		app.If(draft || open, func() app.UI {
			return app.A().ID("task-edit").Class("btn btn-secondary").Href("/tasks/" + t.GetRef() + "/edit").Text(l.T("task.edit"))
		}),
		app.If(draft, func() app.UI { return button("task-publish", "task.publish", "btn-primary", p.act(p.publish)) }),
		app.If(open, func() app.UI { return button("task-close", "task.close", "btn-secondary", p.act(p.close)) }),
		app.If(draft || open || st == tasksv1.TaskStatus_TASK_STATUS_AWARDED, func() app.UI {
			return button("task-cancel", "task.cancel", "btn-quiet", p.act(p.cancel))
		}),
		app.If(p.actionErr != "", func() app.UI {
			return app.P().ID("action-error").Class("form-error").Role("alert").Text(p.actionErr)
		}),
	)
}

// timeline lists the task's status changes, oldest first.
func (p *taskPage) timeline() app.UI {
	l := p.env.lang
	return app.Section().Class("timeline").Body(
		app.H2().Text(l.T("task.timeline")),
		app.Ol().ID("task-timeline").Body(
			app.Range(p.events).Slice(func(i int) app.UI {
				e := p.events[i]
				return app.Li().Class("timeline-item").Body(
					app.Time().DateTime(e.GetCreateTime().AsTime().Format(time.RFC3339)).
						Text(e.GetCreateTime().AsTime().In(chinaTime).Format("2006-01-02 15:04")),
					app.Text(" "),
					statusBadge(l, e.GetToStatus()),
					app.Text(" "+e.GetActorDisplayName()),
					app.If(e.GetNote() != "", func() app.UI { return app.Span().Class("muted").Text(" — " + e.GetNote()) }),
				)
			}),
		),
	)
}

func (p *taskPage) Render() app.UI {
	l := p.env.lang
	var body app.UI
	switch t := p.task; {
	case t != nil:
		body = app.Article().ID("task-detail").Class("card task-detail").Body(
			app.Div().Class("task-head").Body(
				app.H1().Class("task-title").Text(t.GetTitle()),
				app.Span().Class("task-ref").Text(t.GetRef()),
			),
			statusBadge(l, t.GetStatus()),
			slot(t.GetSubStatus() != "", func() app.UI { return app.Span().Class("sub-status muted").Text(" " + t.GetSubStatus()) }),
			p.actions(t),
			slot(p.dialog.open, p.dialog.render),
			slot(p.s.SignedIn && p.s.ID == t.GetClientId(), func() app.UI {
				return &recommendedProviders{env: p.env, taskID: t.GetId()}
			}),
			app.Dl().Class("facts").Body(
				app.Dt().Text(l.T("task.type")), app.Dd().Class("task-type").Text(l.T(typeKey(t.GetTaskType()))),
				app.Dt().Text(l.T("task.where")), app.Dd().Class("task-place").Text(place(l, t)),
				app.Dt().Text(l.T("tasks.budget")), app.Dd().Class("task-budget").Text(budgetText(t)),
				app.Dt().Text(l.T("tasks.due")), app.Dd().Text(t.GetDeliveryDate()),
				app.Dt().Text(l.T("tasks.by")), app.Dd().Text(t.GetClientDisplayName()),
				app.Dt().Text(l.T("tasks.skills")), app.Dd().Body(chips(t.GetSkillTags())),
			),
			slot(t.GetDescription() != "", func() app.UI {
				return app.Div().Body(
					app.H2().Text(l.T("tasks.description")),
					markdown(t.GetDescription()),
				)
			}),
			p.market(t),
			p.timeline(),
			&repoPanel{env: p.env, Ref: t.GetRef()},
		)
	case p.err != "":
		body = app.Div().ID("form-error").Class("form-error").Role("alert").Body(
			app.Span().Text(p.err+" "),
			app.Button().ID("task-retry").Class("btn btn-quiet").Type("button").Text(l.T("common.retry")).OnClick(p.retry),
		)
	default:
		body = app.P().Class("loading").Role("status").Text(l.T("common.loading"))
	}
	return p.env.layout(
		app.P().Class("crumbs").Body(app.A().Href("/tasks").Text("← "+l.T("tasks.back"))),
		app.If(p.offlineCopy, func() app.UI {
			return app.Div().ID("offline-copy").Class("banner").Role("status").Body(
				app.Span().Text(l.T("offline.copy")+" "),
				app.Button().ID("task-retry").Class("btn btn-quiet").Type("button").Text(l.T("common.retry")).OnClick(p.retry),
			)
		}),
		body,
		snapshotUI(p.uri, p.served),
	)
}

// slot is elem when show, else an empty hidden placeholder. go-app matches
// children by position: an app.If that appears or goes before a component
// would shift it and mount a new one, losing what was typed in it (a
// repository address in the repositories panel) when a live event changes
// the task.
func slot(show bool, elem func() app.UI) app.UI {
	if show {
		return elem()
	}
	return placeholder()
}

// placeholder holds the place of an element not shown (see slot).
func placeholder() app.UI { return app.Span().Hidden(true) }

// openIf opens d when open. go-app prerenders Open(false) as open="false",
// which browsers read as open, so the attribute is only set when true.
func openIf(d app.HTMLDetails, open bool) app.HTMLDetails {
	if open {
		return d.Open(true)
	}
	return d
}
