package pages

import (
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	moderationv1 "github.com/talent-hub/talent/proto/talent/moderation/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// keywordFields are the add form's fields.
var keywordFields = []string{"words", "note"}

// keywordsPage lets admins manage the keyword lists (SEC-5): pick a list,
// search it, add keywords in bulk (one per line, a pasted list file
// works) with a note, and remove them. Changes reach the backend's checks
// and every edge within seconds.
type keywordsPage struct {
	app.Compo
	env      *env
	list     moderationv1.KeywordList
	query    string
	words    string
	note     string
	keywords []*moderationv1.Keyword
	next     string
	version  int64
	total    int64
	result   string
	loadErr  string
	loading  bool
	gen      int // numbers the loads; only the latest one's answer is shown
	form     formState
}

func (p *keywordsPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "keywords.title")
	if p.list == moderationv1.KeywordList_KEYWORD_LIST_UNSPECIFIED {
		p.list = moderationv1.KeywordList_KEYWORD_LIST_BLOCK
	}
	if p.env.rpc != nil {
		p.load(ctx, false)
	}
}

// load fetches the first page of the list (or, with more, the next one).
// A newer load supersedes one still running (a search typed while the list
// reloads after an add): only the latest answer is shown.
func (p *keywordsPage) load(ctx app.Context, more bool) {
	if p.env.rpc == nil || (more && p.loading) {
		return
	}
	p.loading = true
	p.gen++
	gen := p.gen
	req := &moderationv1.ListKeywordsRequest{List: p.list, Query: strings.TrimSpace(p.query), PageSize: 100}
	if more {
		req.PageToken = p.next
	}
	ctx.Async(func() {
		resp, err := p.env.rpc.Moderation.ListKeywords(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			if gen != p.gen {
				return
			}
			p.loading = false
			if err != nil {
				p.loadErr = loadError(p.env.lang, err)
				return
			}
			p.loadErr = ""
			if !more {
				p.keywords = nil
			}
			p.keywords = append(p.keywords, resp.Msg.GetKeywords()...)
			p.next, p.version, p.total = resp.Msg.GetNextPageToken(), resp.Msg.GetVersion(), resp.Msg.GetTotal()
		})
	})
}

func (p *keywordsPage) Render() app.UI {
	l := p.env.lang
	f := &p.form
	return p.env.layout(
		app.Section().Class("card").Body(
			app.H1().Text(l.T("keywords.title")),
			app.P().Class("muted").Text(l.T("keywords.lead")),
			app.Div().Class("field").Body(
				app.Label().For("kw-list").Text(l.T("keywords.title")),
				app.Select().ID("kw-list").Class("input").OnChange(p.pickList).Body(
					app.Option().Value("block").Text(l.T("keywords.list_block")).Selected(p.list == moderationv1.KeywordList_KEYWORD_LIST_BLOCK),
					app.Option().Value("review").Text(l.T("keywords.list_review")).Selected(p.list == moderationv1.KeywordList_KEYWORD_LIST_REVIEW),
				),
			),
			app.Form().ID("kw-add-form").Class("form").Method("post").NoValidate(true).OnSubmit(p.add).Body(
				f.fieldBox("kw-words", "words", l.T("keywords.add_label"), "",
					app.Textarea().ID("kw-words").Name("words").Class("input").Rows(4).
						Text(p.words).
						Aria("invalid", f.has("words")).
						Aria("describedby", describedBy("words", "")).
						OnInput(f.bind(&p.Compo, "words", &p.words)),
				),
				f.textInput(&p.Compo, "kw-note", "note", "text", l.T("keywords.note_label"), "", "off", &p.note),
				f.formError(),
				f.submitButton("kw-add-submit", l.T("keywords.add"), l.T("keywords.working")),
				app.P().ID("kw-result").Class(resultClass(p.result)).Aria("live", "polite").Text(p.result),
			),
		),
		app.Section().Class("card").Body(
			app.Form().ID("kw-search-form").Class("form row").OnSubmit(p.search).Body(
				app.Input().ID("kw-search").Type("search").Class("input").Value(p.query).
					Aria("label", l.T("keywords.search")).Placeholder(l.T("keywords.search")).
					OnInput(p.ValueTo(&p.query)),
				app.Button().ID("kw-search-submit").Class("btn btn-secondary").Type("submit").Text(l.T("keywords.search_submit")),
			),
			app.P().ID("kw-meta").Class("muted").Text(l.T("keywords.version")+" "+itoa(p.version)+" · "+itoa(p.total)+" "+l.T("keywords.total")),
			app.P().ID("kw-error").Class("form-error").Role("alert").Text(p.loadErr),
			app.If(len(p.keywords) == 0 && !p.loading, func() app.UI {
				return app.P().ID("kw-empty").Class("empty").Text(l.T("keywords.empty"))
			}),
			app.Ul().ID("kw-items").Class("task-list").Aria("busy", p.loading).Body(
				app.Range(p.keywords).Slice(func(i int) app.UI {
					k := p.keywords[i]
					word := k.GetWord()
					return app.Li().Class("task-item kw-item").DataSet("word", word).Body(
						app.Span().Class("task-title kw-word").Text(word),
						app.Span().Class("muted kw-note").Text(" "+k.GetNote()),
						// The handler reads the word from the button: go-app
						// keeps a list item's first handler when the list
						// changes under it, so a closure could name another word.
						app.Button().Class("btn btn-quiet kw-remove").Type("button").
							DataSet("word", word).
							Aria("label", l.T("keywords.remove")+" "+word).
							Disabled(f.busy).Text(l.T("keywords.remove")).
							OnClick(p.removeClicked),
					)
				}),
			),
			app.If(p.next != "", func() app.UI {
				return app.Button().ID("kw-load-more").Class("btn btn-secondary more").Type("button").
					Text(l.T("keywords.load_more")).OnClick(func(ctx app.Context, e app.Event) { p.load(ctx, true) })
			}),
		),
	)
}

func (p *keywordsPage) pickList(ctx app.Context, e app.Event) {
	if ctx.JSSrc().Get("value").String() == "review" {
		p.list = moderationv1.KeywordList_KEYWORD_LIST_REVIEW
	} else {
		p.list = moderationv1.KeywordList_KEYWORD_LIST_BLOCK
	}
	p.result = ""
	p.load(ctx, false)
}

func (p *keywordsPage) search(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.load(ctx, false)
}

func (p *keywordsPage) add(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.form.busy || p.env.rpc == nil {
		return
	}
	p.form.reset()
	p.form.busy = true
	req := &moderationv1.AddKeywordsRequest{List: p.list, Words: strings.Split(p.words, "\n"), Note: p.note}
	ctx.Async(func() {
		resp, err := p.env.rpc.Moderation.AddKeywords(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			p.form.busy = false
			l := p.env.lang
			if err != nil {
				pr := rpc.Explain(err)
				for i := range pr.Violations {
					if strings.HasPrefix(pr.Violations[i].Field, "words") {
						pr.Violations[i].Field = "words"
					}
				}
				p.form.fail(l, pr, keywordFields...)
				return
			}
			var parts []string
			if a := resp.Msg.GetAdded(); len(a) > 0 {
				parts = append(parts, l.T("keywords.added")+strings.Join(a, ", "))
			}
			if x := resp.Msg.GetExisting(); len(x) > 0 {
				parts = append(parts, l.T("keywords.existing")+strings.Join(x, ", "))
			}
			p.result = strings.Join(parts, " · ")
			p.words, p.note = "", ""
			p.load(ctx, false)
		})
	})
}

func (p *keywordsPage) removeClicked(ctx app.Context, e app.Event) {
	p.remove(ctx, ctx.JSSrc().Get("dataset").Get("word").String())
}

func (p *keywordsPage) remove(ctx app.Context, word string) {
	if p.form.busy || p.env.rpc == nil {
		return
	}
	p.form.busy = true
	req := &moderationv1.RemoveKeywordsRequest{List: p.list, Words: []string{word}}
	ctx.Async(func() {
		resp, err := p.env.rpc.Moderation.RemoveKeywords(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			p.form.busy = false
			if err != nil {
				p.form.fail(p.env.lang, rpc.Explain(err), keywordFields...)
				return
			}
			p.result = p.env.lang.T("keywords.removed") + strings.Join(resp.Msg.GetRemoved(), ", ")
			p.load(ctx, false)
		})
	})
}

// patrolPage is the admins' patrol queue (SEC-5): published texts that
// matched a review keyword, with the words marked; each pending item can
// be kept, taken down or its author warned, with a reason.
type patrolPage struct {
	app.Compo
	env     *env
	status  moderationv1.PatrolStatus
	items   []*moderationv1.PatrolItem
	next    string
	notes   map[int64]string
	errs    map[int64]string
	loadErr string
	loading bool
	gen     int // numbers the loads; only the latest one's answer is shown
	busy    bool
}

func (p *patrolPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "patrol.title")
	if p.status == moderationv1.PatrolStatus_PATROL_STATUS_UNSPECIFIED {
		p.status = moderationv1.PatrolStatus_PATROL_STATUS_PENDING
	}
	p.notes, p.errs = map[int64]string{}, map[int64]string{}
	if p.env.rpc != nil {
		p.load(ctx, false)
	}
}

func (p *patrolPage) load(ctx app.Context, more bool) {
	if p.env.rpc == nil || (more && p.loading) {
		return
	}
	p.loading = true
	p.gen++
	gen := p.gen
	req := &moderationv1.ListPatrolItemsRequest{Status: p.status, PageSize: 50}
	if more {
		req.PageToken = p.next
	}
	ctx.Async(func() {
		resp, err := p.env.rpc.Moderation.ListPatrolItems(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			if gen != p.gen {
				return // a newer load (another status) is on its way
			}
			p.loading = false
			if err != nil {
				p.loadErr = loadError(p.env.lang, err)
				return
			}
			p.loadErr = ""
			if !more {
				p.items = nil
			}
			p.items = append(p.items, resp.Msg.GetItems()...)
			p.next = resp.Msg.GetNextPageToken()
		})
	})
}

// patrolStatusOptions are the statuses the filter offers.
var patrolStatusOptions = []struct {
	status moderationv1.PatrolStatus
	value  string
	key    string
}{
	{moderationv1.PatrolStatus_PATROL_STATUS_PENDING, "pending", "patrol.status_pending"},
	{moderationv1.PatrolStatus_PATROL_STATUS_KEPT, "kept", "patrol.resolved.kept"},
	{moderationv1.PatrolStatus_PATROL_STATUS_TAKEN_DOWN, "taken_down", "patrol.resolved.down"},
	{moderationv1.PatrolStatus_PATROL_STATUS_WARNED, "warned", "patrol.resolved.warned"},
}

func (p *patrolPage) Render() app.UI {
	l := p.env.lang
	return p.env.layout(
		app.Section().Class("card").Body(
			app.H1().Text(l.T("patrol.title")),
			app.P().Class("muted").Text(l.T("patrol.lead")),
			app.Select().ID("patrol-status").Class("input").Aria("label", l.T("patrol.title")).OnChange(p.pickStatus).Body(
				app.Range(patrolStatusOptions).Slice(func(i int) app.UI {
					o := patrolStatusOptions[i]
					return app.Option().Value(o.value).Text(l.T(o.key)).Selected(p.status == o.status)
				}),
			),
			app.P().ID("patrol-error").Class("form-error").Role("alert").Text(p.loadErr),
			app.If(len(p.items) == 0 && !p.loading, func() app.UI {
				return app.P().ID("patrol-empty").Class("empty").Text(l.T("patrol.empty"))
			}),
			app.Ul().ID("patrol-list").Class("task-list").Aria("busy", p.loading).Body(
				app.Range(p.items).Slice(func(i int) app.UI { return p.item(p.items[i]) }),
			),
			app.If(p.next != "", func() app.UI {
				return app.Button().ID("patrol-load-more").Class("btn btn-secondary more").Type("button").
					Text(l.T("keywords.load_more")).OnClick(func(ctx app.Context, e app.Event) { p.load(ctx, true) })
			}),
		),
	)
}

func (p *patrolPage) item(it *moderationv1.PatrolItem) app.UI {
	l := p.env.lang
	id := it.GetId()
	sid := itoa(id)
	author := it.GetAuthorName()
	pending := it.GetStatus() == moderationv1.PatrolStatus_PATROL_STATUS_PENDING
	return app.Li().ID("patrol-item-"+sid).Class("task-item patrol-item").DataSet("id", sid).Body(
		app.Div().Class("task-head").Body(
			app.Span().Class("badge patrol-kind").Text(l.T("patrol.kind."+it.GetKind())),
			app.A().Class("task-ref patrol-link").Href(it.GetLink()).Text(it.GetItemId()),
			app.Span().Class("muted patrol-field").Text(" · "+fieldName(l, it.GetField())),
		),
		app.P().Class("patrol-excerpt").Body(
			app.Range(it.GetExcerpt()).Slice(func(j int) app.UI {
				s := it.GetExcerpt()[j]
				if s.GetMatched() {
					return app.Mark().Text(s.GetText())
				}
				return app.Span().Text(s.GetText())
			}),
		),
		app.P().Class("muted patrol-meta").Text(
			l.T("patrol.words")+strings.Join(it.GetWords(), ", ")+" · "+l.T("patrol.by")+" "+author+" · "+
				it.GetCreateTime().AsTime().In(time.FixedZone("CST", chinaUTCOffsetS)).Format("2006-01-02 15:04")),
		app.If(pending, func() app.UI {
			return app.Div().Class("patrol-actions").Body(
				app.Label().For("patrol-note-"+sid).Class("visually-hidden").Text(l.T("patrol.note_label")),
				app.Input().ID("patrol-note-"+sid).Class("input patrol-note").Type("text").
					DataSet("id", sid).
					Placeholder(l.T("patrol.note_label")).Value(p.notes[id]).
					Aria("describedby", "patrol-error-"+sid).
					OnInput(p.noteInput),
				app.Div().Class("actions").Body(
					p.action(id, "keep", moderationv1.PatrolAction_PATROL_ACTION_KEEP, "patrol.keep", "btn-secondary"),
					p.action(id, "warn", moderationv1.PatrolAction_PATROL_ACTION_WARN, "patrol.warn", "btn-secondary"),
					p.action(id, "take-down", moderationv1.PatrolAction_PATROL_ACTION_TAKE_DOWN, "patrol.take_down", "btn-primary"),
				),
				app.P().ID("patrol-error-"+sid).Class("field-error").Aria("live", "polite").Text(p.errs[id]),
			)
		}).Else(func() app.UI {
			return app.P().Class("muted patrol-resolution").Text(it.GetResolutionNote())
		}),
	)
}

// action is one decision's button. Its handler reads the item and the
// action from the button's data attributes: go-app keeps a list item's
// first handler when the list changes under it, so a closure could name
// another item.
func (p *patrolPage) action(id int64, name string, a moderationv1.PatrolAction, key, class string) app.UI {
	return app.Button().ID("patrol-"+name+"-"+itoa(id)).Class("btn "+class+" patrol-"+name).Type("button").
		DataSet("id", itoa(id)).DataSet("action", strconv.Itoa(int(a))).
		Disabled(p.busy).Text(p.env.lang.T(key)).
		OnClick(p.actionClicked)
}

// dataID reads the data-id of the element an event came from.
func dataID(ctx app.Context) int64 {
	id, _ := strconv.ParseInt(ctx.JSSrc().Get("dataset").Get("id").String(), 10, 64)
	return id
}

func (p *patrolPage) noteInput(ctx app.Context, e app.Event) {
	id := dataID(ctx)
	p.notes[id] = ctx.JSSrc().Get("value").String()
	delete(p.errs, id)
}

func (p *patrolPage) actionClicked(ctx app.Context, e app.Event) {
	a, _ := strconv.Atoi(ctx.JSSrc().Get("dataset").Get("action").String())
	p.resolve(ctx, dataID(ctx), moderationv1.PatrolAction(a))
}

func (p *patrolPage) pickStatus(ctx app.Context, e app.Event) {
	v := ctx.JSSrc().Get("value").String()
	for _, o := range patrolStatusOptions {
		if o.value == v {
			p.status = o.status
		}
	}
	p.load(ctx, false)
}

func (p *patrolPage) resolve(ctx app.Context, id int64, a moderationv1.PatrolAction) {
	if p.busy || p.env.rpc == nil {
		return
	}
	p.busy = true
	req := &moderationv1.ResolvePatrolItemRequest{Id: id, Action: a, Note: p.notes[id]}
	ctx.Async(func() {
		_, err := p.env.rpc.Moderation.ResolvePatrolItem(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			l := p.env.lang
			if err != nil {
				pr := rpc.Explain(err)
				msg := l.Code(pr.Code)
				if len(pr.Violations) > 0 {
					msg = l.Reason(pr.Violations[0].Reason, pr.Violations[0].Description)
				}
				p.errs[id] = msg
				return
			}
			delete(p.notes, id)
			p.load(ctx, false)
		})
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// resultClass shows the result notice only when it has something to say.
func resultClass(result string) string {
	if result == "" {
		return "visually-hidden"
	}
	return "notice"
}

// fieldName translates the name of the field a patrol item's text is from,
// falling back to the name itself.
func fieldName(l ui.Lang, field string) string {
	if key := "patrol.field." + field; ui.Has(key) {
		return l.T(key)
	}
	return field
}

// loadError says why an admin list could not be loaded: not an admin, or
// the Connect code's sentence.
func loadError(l ui.Lang, err error) string {
	if rpc.IsCode(err, connect.CodePermissionDenied) {
		return l.T("admin.only")
	}
	return l.Code(rpc.Explain(err).Code)
}
