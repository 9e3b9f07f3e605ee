package pages

import (
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"google.golang.org/protobuf/proto"

	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// reviewQueuePage lists vetting submissions awaiting review, oldest first,
// for admins, at /admin/vetting.
type reviewQueuePage struct {
	app.Compo
	env    *env
	subs   []*providersv1.VettingSubmission
	next   string
	loaded bool
	err    string
}

func (p *reviewQueuePage) OnNav(ctx app.Context) {
	p.env.title(ctx, "vetting.queue_title")
	p.subs, p.next, p.loaded = nil, "", false
	p.load(ctx, "")
}

func (p *reviewQueuePage) load(ctx app.Context, token string) {
	if p.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		resp, err := p.env.rpc.Providers.ListVettingQueue(ctx, connect.NewRequest(&providersv1.ListVettingQueueRequest{PageToken: token}))
		ctx.Dispatch(func(ctx app.Context) {
			p.loaded = true
			if err != nil {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.err = ""
			p.subs = append(p.subs, resp.Msg.GetSubmissions()...)
			p.next = resp.Msg.GetNextPageToken()
		})
	})
}

func (p *reviewQueuePage) Render() app.UI {
	l := p.env.lang
	return p.env.layout(
		app.Section().Class("card").Body(
			app.H1().Text(l.T("vetting.queue_title")),
			app.P().Class("muted").Text(l.T("review.lead")),
			app.P().ID("form-error").Class("form-error").Role("alert").Text(p.err),
			app.If(p.loaded && p.err == "" && len(p.subs) == 0, func() app.UI {
				return app.P().ID("queue-empty").Class("muted").Text(l.T("review.empty"))
			}),
			app.Ul().ID("vetting-queue").Class("task-list").Body(
				app.Range(p.subs).Slice(func(i int) app.UI {
					s := p.subs[i]
					return app.Li().Class("task-item queue-item").DataSet("id", s.GetId()).Body(
						app.A().Class("task-title queue-open queue-name").Href("/admin/vetting/"+s.GetId()).Text(s.GetDisplayName()),
						app.P().Class("muted").Body(
							app.Span().Class("queue-time").Text(l.T("vetting.submitted_at")+" "+shortTime(s.GetSubmitTime().AsTime())),
							app.Text(" · "),
							app.Span().Class("queue-id").Text(s.GetIdNumberMasked()),
							app.Text(" · "+strconv.Itoa(len(s.GetCertificates()))+" "+l.T("vetting.certificates")),
						),
					)
				}),
			),
			app.If(p.next != "", func() app.UI {
				return app.Button().ID("load-more").Class("btn btn-secondary").Type("button").Text(l.T("tasks.more")).
					OnClick(func(ctx app.Context, e app.Event) { p.load(ctx, p.next) })
			}),
		),
	)
}

// reviewPage shows one submission with its documents and the approve and
// reject form, at /admin/vetting/{id}.
type reviewPage struct {
	app.Compo
	env     *env
	id      string
	sub     *providersv1.VettingSubmission
	err     string
	reason  string
	decided bool
	form    formState
}

func (p *reviewPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "vetting.queue_title")
	p.id = strings.TrimPrefix(ctx.Page().URL().Path, "/admin/vetting/")
	p.sub, p.err, p.decided, p.reason = nil, "", false, ""
	p.fetch(ctx)
}

func (p *reviewPage) fetch(ctx app.Context) {
	if p.env.rpc == nil {
		return
	}
	id := p.id
	ctx.Async(func() {
		resp, err := p.env.rpc.Providers.GetVettingSubmission(ctx, connect.NewRequest(&providersv1.GetVettingSubmissionRequest{Id: id}))
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case rpc.IsCode(err, connect.CodeNotFound), rpc.IsCode(err, connect.CodeInvalidArgument):
				p.err = p.env.lang.T("review.not_found")
			case err != nil:
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
			default:
				p.sub = resp.Msg.GetSubmission()
			}
		})
	})
}

// document shows one file: an image inline, anything else as a link.
func document(l ui.Lang, id string, f *providersv1.File) app.UI {
	if f == nil {
		return app.Span().Class("muted").Text("—")
	}
	if strings.HasPrefix(f.GetContentType(), "image/") {
		return app.A().Href(f.GetUrl()).Target("_blank").Rel("noopener noreferrer").Body(
			app.Img().ID(id).Class("document").Src(f.GetUrl()).Alt(f.GetFilename()),
		)
	}
	return app.A().ID(id).Class("document-link").Href(f.GetUrl()).Target("_blank").Rel("noopener noreferrer").
		Text(l.T("review.open") + ": " + f.GetFilename())
}

func (p *reviewPage) Render() app.UI {
	l := p.env.lang
	var body app.UI
	switch s := p.sub; {
	case s != nil:
		pr := s.GetProfile()
		body = app.Article().ID("submission").Class("card").DataSet("status", s.GetStatus().String()).Body(
			app.H1().Text(s.GetDisplayName()),
			app.Span().Class("badge").Text(l.T(vettingStatusKey(s.GetStatus()))),
			app.Dl().Class("facts").Body(
				app.Dt().Text(l.T("review.id_number")), app.Dd().Class("masked-id").Text(s.GetIdNumberMasked()),
				app.Dt().Text(l.T("vetting.submitted_at")), app.Dd().Text(shortTime(s.GetSubmitTime().AsTime())),
			),
			app.H2().Text(l.T("review.documents")),
			app.P().Class("hint").Text(l.T("review.links_note")),
			app.Div().Class("documents").Body(
				app.Figure().Body(document(l, "doc-id-front", s.GetIdFront()), app.FigCaption().Text(l.T("vetting.id_front"))),
				app.Figure().Body(document(l, "doc-id-back", s.GetIdBack()), app.FigCaption().Text(l.T("vetting.id_back"))),
			),
			app.Ul().ID("certificate-list").Body(
				app.Range(s.GetCertificates()).Slice(func(i int) app.UI {
					c := s.GetCertificates()[i]
					return app.Li().Class("certificate").Body(
						app.Strong().Text(c.GetName()),
						app.Text(" "+strings.Join(nonEmpty(c.GetIssuer(), c.GetNumber(), c.GetExpiryDate()), " · ")+" "),
						document(l, "doc-cert-"+strconv.Itoa(i), c.GetFile()),
					)
				}),
			),
			app.If(pr != nil, func() app.UI {
				return app.Section().Body(
					app.H2().Text(l.T("review.profile")),
					profileBody(l, pr),
				)
			}),
			p.decideForm(),
		)
	case p.err != "":
		body = app.P().ID("form-error").Class("form-error").Role("alert").Text(p.err)
	default:
		body = app.P().Class("loading").Role("status").Text(l.T("common.loading"))
	}
	return p.env.layout(
		app.P().Class("crumbs").Body(app.A().Href("/admin/vetting").Text("← "+l.T("review.back"))),
		body,
	)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *reviewPage) decideForm() app.UI {
	l := p.env.lang
	f := &p.form
	if p.decided {
		return app.P().ID("decided").Class("notice").Role("status").Text(l.T("review.decided"))
	}
	if p.sub.GetStatus() != providersv1.VettingStatus_VETTING_STATUS_SUBMITTED {
		return nil
	}
	return app.Form().ID("decide-form").Class("form").NoValidate(true).
		OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault() }).Body(
		f.fieldBox("decision-reason", "reason", l.T("review.reason"), "",
			app.Textarea().ID("decision-reason").Class("input").Rows(3).Text(p.reason).
				Aria("invalid", f.has("reason")).Aria("describedby", describedBy("reason", "")).
				OnInput(f.bind(&p.Compo, "reason", &p.reason)),
		),
		f.formError(),
		app.Div().Class("actions").Body(
			app.Button().ID("approve").Class("btn btn-primary").Type("button").Disabled(f.busy).Text(l.T("review.approve")).
				OnClick(p.decide(providersv1.Decision_DECISION_APPROVE)),
			app.Button().ID("reject").Class("btn btn-secondary").Type("button").Disabled(f.busy).Text(l.T("review.reject")).
				OnClick(p.decide(providersv1.Decision_DECISION_REJECT)),
		),
	)
}

func (p *reviewPage) decide(d providersv1.Decision) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if p.form.busy || p.env.rpc == nil {
			return
		}
		if d == providersv1.Decision_DECISION_REJECT && strings.TrimSpace(p.reason) == "" {
			p.form.setReasons(p.env.lang, map[string]string{"reason": "REQUIRED"})
			focus(ctx, "decision-reason")
			return
		}
		p.form.reset()
		p.form.busy = true
		req := &providersv1.DecideVettingRequest{Id: p.id, Decision: d, Reason: p.reason}
		ctx.Async(func() {
			_, err := p.env.rpc.Providers.DecideVetting(ctx, connect.NewRequest(req))
			ctx.Dispatch(func(ctx app.Context) {
				p.form.busy = false
				if err != nil {
					p.form.fail(p.env.lang, rpc.Explain(err), "reason")
					return
				}
				p.decided = true
				p.fetch(ctx)
			})
		})
	}
}

// profilePage is a provider's public profile, at /providers/{user id}.
type profilePage struct {
	app.Compo
	env     *env
	profile *providersv1.Profile
	err     string
	// uri is the page's path and query; served is what the server read
	// for it, sent to the wasm as the snapshot (prerender.go).
	uri    string
	served *providersv1.GetProfileResponse
}

func (p *profilePage) OnNav(ctx app.Context) {
	id := strings.TrimPrefix(ctx.Page().URL().Path, "/providers/")
	p.uri = ctx.Page().URL().RequestURI()
	p.profile, p.err, p.served = nil, "", nil
	// The server prerenders the public profile with its data (prerender.go).
	api := p.env.reader()
	if api == nil {
		return
	}
	var snap providersv1.GetProfileResponse
	if p.env.takeSnapshot(p.uri, map[string]proto.Message{"profile": &snap}) {
		p.show(ctx, snap.GetProfile())
		return
	}
	ctx.Async(func() {
		resp, err := api.Providers.GetProfile(ctx, connect.NewRequest(&providersv1.GetProfileRequest{UserId: id}))
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case rpc.IsCode(err, connect.CodeNotFound), rpc.IsCode(err, connect.CodeInvalidArgument):
				p.err = p.env.lang.T("profile.not_found")
			case err != nil:
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
			default:
				if p.env.rpc == nil {
					p.served = resp.Msg
				}
				p.show(ctx, resp.Msg.GetProfile())
			}
		})
	})
}

// show shows a profile and names the page after it, for browsers, sharing
// and search engines.
func (p *profilePage) show(ctx app.Context, pr *providersv1.Profile) {
	p.profile = pr
	ctx.Page().SetTitle(pr.GetDisplayName() + " · " + p.env.lang.T("app.name"))
	desc := []rune(strings.Join(strings.Fields(pr.GetBio()), " "))
	if len(desc) > 160 {
		desc = append(desc[:157], []rune("...")...)
	}
	if len(desc) > 0 {
		ctx.Page().SetDescription(string(desc))
	}
}

func (p *profilePage) Render() app.UI {
	l := p.env.lang
	var body app.UI
	switch {
	case p.profile != nil:
		body = app.Article().ID("provider-profile").Class("card").Body(
			app.H1().Class("provider-name").Text(p.profile.GetDisplayName()),
			profileBody(l, p.profile),
		)

	case p.err != "":
		body = app.P().ID("form-error").Class("form-error").Role("alert").Text(p.err)
	default:
		body = app.P().Class("loading").Role("status").Text(l.T("common.loading"))
	}
	if p.served != nil {
		return p.env.layout(body, snapshotUI(p.uri, map[string]proto.Message{"profile": p.served}))
	}
	return p.env.layout(body)
}

// profileBody shows a profile: badge, skills, rates, place, bio and
// portfolio (the service leaves hidden items out of public profiles).
func profileBody(l ui.Lang, pr *providersv1.Profile) app.UI {
	var skills []string
	for _, s := range pr.GetSkills() {
		skills = append(skills, s.GetTag()+" ·"+strconv.Itoa(int(s.GetLevel())))
	}
	place := strings.Join(nonEmpty(pr.GetCity(), pr.GetTimeZone()), " · ")
	return app.Div().Class("provider-body").Body(
		app.If(pr.GetVettingStatus() == providersv1.VettingStatus_VETTING_STATUS_APPROVED && !pr.GetSuspended(), func() app.UI {
			return app.Span().ID("vetting-badge").Class("badge badge-verified").Text("✓ " + l.T("profile.verified"))
		}),
		app.Dl().Class("facts").Body(
			app.Dt().Text(l.T("provider.skills")), app.Dd().ID("provider-skills").Body(chips(skills)),
			app.Dt().Text(l.T("profile.rate")), app.Dd().ID("provider-rate").Text(rates(l, pr)),
			app.Dt().Text(l.T("profile.location")), app.Dd().ID("provider-city").Text(place),
			app.Dt().Text(l.T("provider.availability")), app.Dd().Text(l.T(availabilityKey(pr.GetAvailability()))),
		),
		app.If(pr.GetBio() != "", func() app.UI { return markdown(pr.GetBio()) }),
		app.H2().Text(l.T("provider.portfolio")),
		app.Ul().ID("portfolio-list").Class("task-list").Body(
			app.Range(pr.GetPortfolio()).Slice(func(i int) app.UI {
				it := pr.GetPortfolio()[i]
				return app.Li().Class("task-item portfolio-item").Body(
					app.Div().Class("task-title").Text(it.GetTitle()),
					app.If(it.GetDescription() != "", func() app.UI { return markdown(it.GetDescription()) }),
					app.Range(it.GetLinks()).Slice(func(j int) app.UI {
						return app.P().Body(app.A().Href(it.GetLinks()[j]).Rel("nofollow noopener noreferrer").Target("_blank").Text(it.GetLinks()[j]))
					}),
					app.Range(it.GetFiles()).Slice(func(j int) app.UI {
						return document(l, "", it.GetFiles()[j])
					}),
				)
			}),
		),
	)
}
