package pages

import (
	"fmt"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	matchingv1 "github.com/talent-hub/talent/proto/talent/matching/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// fill replaces {name} placeholders in a catalogue text.
func fill(text string, kv ...string) string {
	return strings.NewReplacer(kv...).Replace(text)
}

// why renders a result's explanation as short facts (MATCH-1), e.g.
// "4 of 5 skills · 4.8 ★ over 12 jobs · Same city · Rate within budget".
func why(l ui.Lang, ex *matchingv1.Explanation) app.UI {
	var facts []string
	add := func(key string, kv ...string) { facts = append(facts, fill(l.T(key), kv...)) }
	add("match.why.skills", "{n}", strconv.Itoa(int(ex.GetSkillsMatched())), "{total}", strconv.Itoa(int(ex.GetSkillsTotal())))
	if ex.GetSkillsRelated() > 0 {
		add("match.why.related", "{n}", strconv.Itoa(int(ex.GetSkillsRelated())))
	}
	if ex.GetRatingCount() > 0 {
		add("match.why.rating", "{rating}", strconv.FormatFloat(ex.GetRating(), 'f', 1, 64), "{count}", strconv.Itoa(int(ex.GetCompletedJobs())))
	} else if ex.GetNewProvider() {
		add("match.why.new")
	}
	switch {
	case ex.GetRemote():
		add("match.why.tz", "{h}", strconv.Itoa(int(ex.GetTimeZoneOverlapHours())))
	case ex.GetSameCity():
		add("match.why.same_city")
	case ex.GetDistanceKm() > 0:
		add("match.why.distance", "{km}", strconv.Itoa(int(ex.GetDistanceKm())))
	}
	if ex.GetRateFen() > 0 {
		if ex.GetRateWithinBudget() {
			add("match.why.within")
		} else {
			add("match.why.above")
		}
	}
	for _, f := range []struct {
		on  bool
		key string
	}{{ex.GetSimilarHires(), "match.why.similar"}, {ex.GetPinned(), "match.why.pinned"}, {ex.GetDemoted(), "match.why.demoted"}, {ex.GetExploration(), "match.why.exploration"}} {
		if f.on {
			add(f.key)
		}
	}
	return app.Ul().Class("chips match-why").Body(
		app.Range(facts).Slice(func(i int) app.UI { return app.Li().Class("chip").Text(facts[i]) }),
	)
}

// recordEvent reports a slate event; failures only cost a count.
func (e *env) recordEvent(ctx app.Context, slate, item string, kind matchingv1.SlateEventKind) {
	if e.rpc == nil || slate == "" {
		return
	}
	ctx.Async(func() {
		_, _ = e.rpc.Matching.RecordSlateEvent(ctx, connect.NewRequest(&matchingv1.RecordSlateEventRequest{SlateId: slate, ItemId: item, Kind: kind}))
	})
}

// recommendedProviders is the panel on a task's page for its client:
// the ranked providers with why, and an invite button each.
type recommendedProviders struct {
	app.Compo
	env     *env
	taskID  string
	loaded  string // the task the slate is for
	slate   string
	matches []*matchingv1.ProviderMatch
	// invited, inviting and inviteErr are by provider id.
	invited   map[string]bool
	inviting  map[string]bool
	inviteErr map[string]string
	err       string
}

func (p *recommendedProviders) OnMount(ctx app.Context) { p.load(ctx) }
func (p *recommendedProviders) OnUpdate(ctx app.Context) {
	if p.loaded != p.taskID {
		p.load(ctx)
	}
}

func (p *recommendedProviders) load(ctx app.Context) {
	if p.env.rpc == nil || p.taskID == "" {
		return
	}
	p.loaded, p.err = p.taskID, ""
	id := p.taskID
	ctx.Async(func() {
		resp, err := p.env.rpc.Matching.RecommendProviders(ctx, connect.NewRequest(&matchingv1.RecommendProvidersRequest{TaskId: id}))
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.slate, p.matches = resp.Msg.GetSlateId(), resp.Msg.GetProviders()
			p.invited, p.inviting, p.inviteErr = map[string]bool{}, map[string]bool{}, map[string]string{}
			if len(p.matches) > 0 {
				// Rendered now: every item is an impression (docs/matching.md).
				p.env.recordEvent(ctx, p.slate, "", matchingv1.SlateEventKind_SLATE_EVENT_KIND_IMPRESSION)
			}
		})
	})
}

// invite invites the provider of the clicked button (its data-id: go-app
// keeps the closures of the first render, so none captures an id) through
// the market's InviteProvider, then logs the invite to the slate it was
// shown in, which attributes it there (MATCH-2, docs/matching.md).
func (p *recommendedProviders) invite(ctx app.Context, _ app.Event) {
	id := ctx.JSSrc().Get("dataset").Get("id").String()
	if id == "" || p.invited[id] || p.inviting[id] || p.env.rpc == nil {
		return
	}
	slate, task := p.slate, p.taskID
	p.inviting[id] = true
	delete(p.inviteErr, id)
	p.env.recordEvent(ctx, slate, id, matchingv1.SlateEventKind_SLATE_EVENT_KIND_CLICK)
	ctx.Async(func() {
		_, err := p.env.rpc.Market.InviteProvider(ctx, connect.NewRequest(&tasksv1.InviteProviderRequest{IdOrRef: task, ProviderId: id}))
		if err == nil {
			_, _ = p.env.rpc.Matching.RecordSlateEvent(ctx, connect.NewRequest(&matchingv1.RecordSlateEventRequest{
				SlateId: slate, ItemId: id, Kind: matchingv1.SlateEventKind_SLATE_EVENT_KIND_INVITE}))
		}
		ctx.Dispatch(func(ctx app.Context) {
			delete(p.inviting, id)
			if err != nil {
				p.inviteErr[id] = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.invited[id] = true
		})
	})
}

func (p *recommendedProviders) Render() app.UI {
	l := p.env.lang
	var body app.UI
	switch {
	case p.err != "":
		body = app.P().Class("form-error").Role("alert").Text(p.err)
	case p.slate == "":
		body = app.P().Class("loading").Role("status").Text(l.T("common.loading"))
	case len(p.matches) == 0:
		body = app.P().ID("recommended-empty").Class("muted").Text(l.T("match.providers.empty"))
	default:
		body = app.Ol().Class("match-list").Body(
			app.Range(p.matches).Slice(func(i int) app.UI {
				m := p.matches[i]
				id := m.GetProviderId()
				label := "match.invite"
				switch {
				case p.invited[id]:
					label = "match.invited"
				case p.inviting[id]:
					label = "match.inviting"
				}
				var problem app.UI = app.Text("")
				if msg := p.inviteErr[id]; msg != "" {
					problem = app.P().Class("form-error match-invite-error").Role("alert").Text(msg)
				}
				return app.Li().Class("match-item").DataSet("id", id).Body(
					app.Div().Class("match-head").Body(
						app.Strong().Class("match-name").Text(m.GetDisplayName()),
						app.Span().Class("muted").Text(fmt.Sprintf(" %.0f%%", 100*m.GetScore())),
						app.Button().Class("btn btn-secondary match-invite").Type("button").DataSet("id", id).
							Disabled(p.invited[id] || p.inviting[id]).
							Text(l.T(label)).
							OnClick(p.invite),
					),
					problem,
					why(l, m.GetExplanation()),
				)
			}),
		)
	}
	return app.Section().ID("recommended-providers").Class("recommended").Body(
		app.H2().Text(l.T("match.providers.title")),
		body,
	)
}

// recommendedTasksPage is a provider's feed of recommended open tasks.
type recommendedTasksPage struct {
	app.Compo
	env     *env
	s       session
	slate   string
	tasks   []*matchingv1.TaskMatch
	loading bool
	err     string
}

func (p *recommendedTasksPage) OnMount(ctx app.Context) {
	ctx.ObserveState(sessionState, &p.s)
}

func (p *recommendedTasksPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "match.tasks.title")
	if p.env.rpc == nil {
		return
	}
	p.loading, p.err = true, ""
	ctx.Async(func() {
		resp, err := p.env.rpc.Matching.RecommendTasks(ctx, connect.NewRequest(&matchingv1.RecommendTasksRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			p.loading = false
			switch {
			case rpc.IsCode(err, connect.CodeUnauthenticated), rpc.IsCode(err, connect.CodePermissionDenied):
				p.err = p.env.lang.T("match.tasks.signin")
			case err != nil:
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
			default:
				p.slate, p.tasks = resp.Msg.GetSlateId(), resp.Msg.GetTasks()
				if len(p.tasks) > 0 {
					p.env.recordEvent(ctx, p.slate, "", matchingv1.SlateEventKind_SLATE_EVENT_KIND_IMPRESSION)
				}
			}
		})
	})
}

// click logs a click on the feed's task of the clicked link (data-id).
func (p *recommendedTasksPage) click(ctx app.Context, _ app.Event) {
	p.env.recordEvent(ctx, p.slate, ctx.JSSrc().Get("dataset").Get("id").String(), matchingv1.SlateEventKind_SLATE_EVENT_KIND_CLICK)
}

func (p *recommendedTasksPage) Render() app.UI {
	l := p.env.lang
	var body app.UI
	switch {
	case p.err != "":
		body = app.P().ID("form-error").Class("form-error").Role("alert").Text(p.err)
	case p.loading || p.slate == "":
		body = app.P().Class("loading").Role("status").Text(l.T("common.loading"))
	case len(p.tasks) == 0:
		body = app.P().ID("recommended-empty").Class("muted").Text(l.T("match.tasks.empty"))
	default:
		body = app.Ol().ID("recommended-tasks").Class("match-list").Body(
			app.Range(p.tasks).Slice(func(i int) app.UI {
				t := p.tasks[i]
				budget := ui.Yuan(t.GetBudgetMinFen()) + " – " + ui.Yuan(t.GetBudgetMaxFen())
				where := t.GetCity()
				if t.GetRemote() {
					where = l.T("task.remote_short")
				}
				id := t.GetTaskId()
				return app.Li().Class("match-item card").DataSet("id", id).Body(
					app.Div().Class("match-head").Body(
						// The click reads the task from data-id and the slate
						// now: go-app keeps the first render's closures.
						app.A().Class("match-title").Href("/tasks/"+t.GetRef()).Text(t.GetTitle()).DataSet("id", id).
							OnClick(p.click),
						app.Span().Class("task-ref muted").Text(" "+t.GetRef()),
					),
					app.P().Class("muted").Text(budget+" · "+where),
					why(l, t.GetExplanation()),
				)
			}),
		)
	}
	return p.env.layout(
		app.H1().Text(l.T("match.tasks.title")),
		app.P().Class("lead").Text(l.T("match.tasks.lead")),
		body,
	)
}

// matchingAdminPage lets administrators correct the engine (MATCH-3) and
// see its click-through (MATCH-2).
type matchingAdminPage struct {
	app.Compo
	env                                 *env
	provider, note, skills, task, skill string
	result, err                         string
	stats                               []*matchingv1.SlateStats
	corrections                         []*matchingv1.Correction
	busy                                bool
}

func (p *matchingAdminPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "madmin.title")
	p.refresh(ctx)
}

// refresh loads the statistics and the latest corrections.
func (p *matchingAdminPage) refresh(ctx app.Context) {
	if p.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		st, err := p.env.rpc.Matching.GetMatchingStats(ctx, connect.NewRequest(&matchingv1.GetMatchingStatsRequest{Days: 7}))
		var list *connect.Response[matchingv1.ListCorrectionsResponse]
		if err == nil {
			list, err = p.env.rpc.Matching.ListCorrections(ctx, connect.NewRequest(&matchingv1.ListCorrectionsRequest{PageSize: 50}))
		}
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case rpc.IsCode(err, connect.CodeUnauthenticated), rpc.IsCode(err, connect.CodePermissionDenied):
				p.err = p.env.lang.T("madmin.forbidden")
			case err != nil:
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
			default:
				p.stats, p.corrections = st.Msg.GetStats(), list.Msg.GetCorrections()
			}
		})
	})
}

// do runs one correction and shows its outcome.
func (p *matchingAdminPage) do(call func(ctx app.Context) error) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if p.busy || p.env.rpc == nil {
			return
		}
		p.busy, p.result, p.err = true, "", ""
		ctx.Async(func() {
			err := call(ctx)
			ctx.Dispatch(func(ctx app.Context) {
				p.busy = false
				if err != nil {
					pr := rpc.Explain(err)
					p.err = p.env.lang.Code(pr.Code)
					if len(pr.Violations) > 0 {
						p.err = p.env.lang.Reason(pr.Violations[0].Reason, pr.Violations[0].Description)
					}
					return
				}
				p.result = p.env.lang.T("madmin.done")
				p.refresh(ctx)
			})
		})
	}
}

func (p *matchingAdminPage) flag(on bool) app.EventHandler {
	return p.do(func(ctx app.Context) error {
		_, err := p.env.rpc.Matching.FlagProvider(ctx, connect.NewRequest(&matchingv1.FlagProviderRequest{ProviderId: p.provider, Flagged: on, Note: p.note}))
		return err
	})
}

func (p *matchingAdminPage) setSkills(clear bool) app.EventHandler {
	return p.do(func(ctx app.Context) error {
		req := &matchingv1.SetProviderSkillsRequest{ProviderId: p.provider, Clear: clear, Note: p.note}
		if !clear {
			for f := range strings.SplitSeq(p.skills, ",") {
				tag, lvl, _ := strings.Cut(strings.TrimSpace(f), ":")
				if tag == "" {
					continue
				}
				n, err := strconv.Atoi(strings.TrimSpace(lvl))
				if err != nil {
					n = 3
				}
				req.Skills = append(req.Skills, &matchingv1.Skill{Tag: tag, Level: int32(n)})
			}
		}
		_, err := p.env.rpc.Matching.SetProviderSkills(ctx, connect.NewRequest(req))
		return err
	})
}

func (p *matchingAdminPage) place(pl matchingv1.Placement) app.EventHandler {
	return p.do(func(ctx app.Context) error {
		_, err := p.env.rpc.Matching.SetPlacement(ctx, connect.NewRequest(&matchingv1.SetPlacementRequest{
			ProviderId: p.provider, TaskId: strings.TrimSpace(p.task), Skill: p.skill, Placement: pl, Note: p.note,
		}))
		return err
	})
}

func (p *matchingAdminPage) Render() app.UI {
	l := p.env.lang
	input := func(id, label string, v *string) app.UI {
		return app.Label().Class("field").Body(
			app.Span().Text(l.T(label)),
			app.Input().ID(id).Type("text").Value(*v).OnInput(func(ctx app.Context, e app.Event) {
				*v = ctx.JSSrc().Get("value").String()
			}),
		)
	}
	button := func(id, key, class string, h app.EventHandler) app.UI {
		return app.Button().ID(id).Class("btn " + class).Type("button").Disabled(p.busy).Text(l.T(key)).OnClick(h)
	}
	row := func(s *matchingv1.SlateStats) app.UI {
		cell := func(n int64) app.UI { return app.Td().Text(strconv.FormatInt(n, 10)) }
		return app.Tr().Body(
			app.Th().Text(l.T("madmin.dir."+s.GetDirection())),
			cell(s.GetSlates()), cell(s.GetImpressions()), cell(s.GetClicks()), cell(s.GetInvites()),
			cell(s.GetProposals()), cell(s.GetHires()),
			app.Td().Text(fmt.Sprintf("%.1f%%", 100*s.GetCtr())), app.Td().Text(fmt.Sprintf("%.1f%%", 100*s.GetSlateCtr())),
		)
	}
	return p.env.layout(
		app.H1().Text(l.T("madmin.title")),
		app.Section().Class("card").Body(
			input("madmin-provider", "madmin.provider", &p.provider),
			input("madmin-note", "madmin.note", &p.note),
			app.Div().Class("actions").Body(
				button("madmin-flag", "madmin.flag", "btn-primary", p.flag(true)),
				button("madmin-unflag", "madmin.unflag", "btn-quiet", p.flag(false)),
			),
			input("madmin-skills", "madmin.skills", &p.skills),
			app.Div().Class("actions").Body(
				button("madmin-set-skills", "madmin.set_skills", "btn-secondary", p.setSkills(false)),
				button("madmin-clear-skills", "madmin.clear_skills", "btn-quiet", p.setSkills(true)),
			),
			input("madmin-task", "madmin.task", &p.task),
			input("madmin-skill", "madmin.skill", &p.skill),
			app.Div().Class("actions").Body(
				button("madmin-pin", "madmin.pin", "btn-secondary", p.place(matchingv1.Placement_PLACEMENT_PIN)),
				button("madmin-demote", "madmin.demote", "btn-secondary", p.place(matchingv1.Placement_PLACEMENT_DEMOTE)),
				button("madmin-unplace", "madmin.unplace", "btn-quiet", p.place(matchingv1.Placement_PLACEMENT_NONE)),
			),
			app.P().ID("madmin-result").Role("status").Text(p.result),
			app.P().ID("form-error").Class("form-error").Role("alert").Text(p.err),
		),
		app.H2().Text(l.T("madmin.stats")),
		app.Table().ID("madmin-stats").Class("table").Body(
			app.THead().Body(app.Tr().Body(
				app.Th(), app.Th().Text(l.T("madmin.direction")),
				app.Th().Text(l.T("madmin.impressions")), app.Th().Text(l.T("madmin.clicks")),
				app.Th().Text(l.T("madmin.invites")), app.Th().Text(l.T("madmin.proposals")),
				app.Th().Text(l.T("madmin.hires")), app.Th().Text(l.T("madmin.ctr")), app.Th().Text(l.T("madmin.slate_ctr")),
			)),
			app.TBody().Body(app.Range(p.stats).Slice(func(i int) app.UI { return row(p.stats[i]) })),
		),
		app.H2().Text(l.T("madmin.history")),
		app.Ul().ID("madmin-corrections").Body(
			app.Range(p.corrections).Slice(func(i int) app.UI {
				c := p.corrections[i]
				scope := c.GetTaskId() + c.GetSkill()
				return app.Li().Class("correction-item").Text(fmt.Sprintf("%s · %s · %s %s · %s",
					c.GetCreateTime().AsTime().In(chinaTime).Format("2006-01-02 15:04"), c.GetKind(), c.GetProviderName(), scope, c.GetNote()))
			}),
		),
	)
}
