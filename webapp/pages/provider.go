package pages

import (
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// profileFields are the profile form's fields in display order.
var profileFields = []string{"skills", "hourly_rate_fen", "daily_rate_fen", "city", "time_zone", "availability", "bio", "portfolio"}

// profileFocus maps a field to the control that receives focus for it.
var profileFocus = map[string]string{
	"skills": "skill-tag-0", "hourly_rate_fen": "hourly-rate", "daily_rate_fen": "daily-rate", "city": "city",
	"time_zone": "time-zone", "availability": "availability", "bio": "bio", "portfolio": "add-item",
}

// availabilities are the choices of the availability select.
var availabilities = []providersv1.Availability{
	providersv1.Availability_AVAILABILITY_FULL_TIME,
	providersv1.Availability_AVAILABILITY_PART_TIME,
	providersv1.Availability_AVAILABILITY_WEEKENDS,
	providersv1.Availability_AVAILABILITY_UNAVAILABLE,
}

func availabilityKey(a providersv1.Availability) string {
	return "availability." + strings.ToLower(strings.TrimPrefix(a.String(), "AVAILABILITY_"))
}

// timeZones are offered in the time zone input; any IANA name is accepted.
var timeZones = []string{"Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"}

type skillRow struct{ tag, level string }

type itemRow struct {
	id                 string
	title, desc, links string
	hidden             bool
	fileIDs            []string
	up                 *upload
}

// providerPage creates and edits the signed-in user's provider profile
// ("Become a provider"), at /provider/profile.
type providerPage struct {
	app.Compo
	env    *env
	skills []skillRow
	hourly string
	daily  string
	city   string
	tz     string
	avail  string
	bio    string
	items  []*itemRow
	userID string
	saved  bool
	form   formState
	s      session
}

func newProviderPage(e *env) *providerPage {
	return &providerPage{env: e, skills: []skillRow{{level: "3"}}, tz: "Asia/Shanghai"}
}

func (p *providerPage) OnMount(ctx app.Context) {
	ctx.ObserveState(sessionState, &p.s)
}

func (p *providerPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "provider.title")
	if p.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		resp, err := p.env.rpc.Providers.GetMyProfile(ctx, connect.NewRequest(&providersv1.GetMyProfileRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case rpc.IsCode(err, connect.CodeNotFound):
				// No profile yet: the form starts empty.
			case err != nil:
				p.form.fail(p.env.lang, rpc.Explain(err), profileFields...)
			default:
				p.fill(resp.Msg.GetProfile())
			}
		})
	})
}

// fill loads a saved profile into the form.
func (p *providerPage) fill(pr *providersv1.Profile) {
	p.userID = pr.GetUserId()
	p.skills = nil
	for _, s := range pr.GetSkills() {
		p.skills = append(p.skills, skillRow{tag: s.GetTag(), level: strconv.Itoa(int(s.GetLevel()))})
	}
	p.hourly, p.daily = yuanInput(pr.GetHourlyRateFen()), yuanInput(pr.GetDailyRateFen())
	p.city, p.tz, p.bio = pr.GetCity(), pr.GetTimeZone(), pr.GetBio()
	p.avail = ""
	if pr.GetAvailability() != providersv1.Availability_AVAILABILITY_UNSPECIFIED {
		p.avail = pr.GetAvailability().String()
	}
	p.items = nil
	for _, it := range pr.GetPortfolio() {
		p.items = append(p.items, &itemRow{
			id: it.GetId(), title: it.GetTitle(), desc: it.GetDescription(), links: strings.Join(it.GetLinks(), "\n"),
			hidden: it.GetHidden(), fileIDs: it.GetFileIds(), up: &upload{},
		})
	}
}

// yuanInput shows fen as a yuan amount for an input; 0 as empty.
func yuanInput(fen int64) string {
	if fen == 0 {
		return ""
	}
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return strconv.FormatFloat(float64(fen)/100, 'f', 2, 64)
}

func (p *providerPage) Render() app.UI {
	l := p.env.lang
	f := &p.form
	return p.env.layout(
		app.Section().Class("card").Body(
			app.H1().Text(l.T("provider.title")),
			app.P().Class("muted").Text(l.T("provider.lead")),
			app.If(p.s.Loaded && !p.s.SignedIn, func() app.UI {
				return app.P().ID("provider-login-needed").Class("notice").Body(
					app.Text(l.T("provider.login_needed")+" "),
					app.A().Href("/login").Text(l.T("nav.login")),
				)
			}),
			app.If(p.saved, func() app.UI {
				return app.Div().ID("profile-saved").Class("notice").Role("status").Body(
					app.Text(l.T("provider.saved")+" "),
					app.A().ID("to-vetting").Href("/provider/vetting").Text(l.T("provider.to_vetting")),
					app.Text(" · "),
					app.A().ID("to-public").Href("/providers/"+p.userID).Text(l.T("provider.to_public")),
				)
			}),
			app.Form().ID("profile-form").Class("form").Method("post").NoValidate(true).OnSubmit(p.submit).Body(
				app.FieldSet().Class("skills").Body(
					app.Legend().Text(l.T("provider.skills")),
					app.P().ID("hint-skills").Class("hint").Text(l.T("provider.skills_hint")),
					app.Range(p.skills).Slice(func(i int) app.UI { return p.skillRow(i) }),
					app.Button().ID("add-skill").Class("btn btn-quiet").Type("button").Text("+ "+l.T("provider.add_skill")).
						OnClick(func(ctx app.Context, e app.Event) { p.skills = append(p.skills, skillRow{level: "3"}) }),
					f.errorFor("skills"),
				),
				app.Div().Class("row").Body(
					p.money("hourly-rate", "hourly_rate_fen", l.T("provider.hourly_rate"), &p.hourly),
					p.money("daily-rate", "daily_rate_fen", l.T("provider.daily_rate"), &p.daily),
				),
				f.textInput(&p.Compo, "city", "city", "text", l.T("provider.city"), "", "address-level2", &p.city),
				f.fieldBox("time-zone", "time_zone", l.T("provider.time_zone"), "",
					app.Div().Body(
						app.Input().ID("time-zone").Name("time_zone").Type("text").Class("input").
							Attr("list", "time-zones").Value(p.tz).Attr("autocomplete", "off").
							Aria("invalid", f.has("time_zone")).Aria("describedby", describedBy("time_zone", "")).
							OnInput(f.bind(&p.Compo, "time_zone", &p.tz)),
						app.DataList().ID("time-zones").Body(
							app.Range(timeZones).Slice(func(i int) app.UI { return app.Option().Value(timeZones[i]) }),
						),
					),
				),
				f.fieldBox("availability", "availability", l.T("provider.availability"), "",
					app.Select().ID("availability").Name("availability").Class("input").
						Aria("invalid", f.has("availability")).Aria("describedby", describedBy("availability", "")).
						OnChange(f.bind(&p.Compo, "availability", &p.avail)).Body(
						app.Option().Value("").Text(l.T("provider.choose")).Selected(p.avail == ""),
						app.Range(availabilities).Slice(func(i int) app.UI {
							v := availabilities[i].String()
							return app.Option().Value(v).Text(l.T(availabilityKey(availabilities[i]))).Selected(p.avail == v)
						}),
					),
				),
				f.fieldBox("bio", "bio", l.T("provider.bio"), l.T("provider.bio_hint"),
					app.Textarea().ID("bio").Name("bio").Class("input").Rows(6).Text(p.bio).
						Aria("invalid", f.has("bio")).Aria("describedby", describedBy("bio", "hint-bio")).
						OnInput(f.bind(&p.Compo, "bio", &p.bio)),
				),
				app.FieldSet().Class("portfolio").Body(
					app.Legend().Text(l.T("provider.portfolio")),
					app.Range(p.items).Slice(func(i int) app.UI { return p.itemRow(i) }),
					app.Button().ID("add-item").Class("btn btn-quiet").Type("button").Text("+ "+l.T("provider.add_item")).
						OnClick(func(ctx app.Context, e app.Event) { p.items = append(p.items, &itemRow{up: &upload{}}) }),
					f.errorFor("portfolio"),
				),
				f.formError(),
				app.Div().Class("actions").Body(
					f.submitButton("profile-submit", l.T("provider.save"), l.T("common.working")),
				),
			),
		),
	)
}

func (p *providerPage) skillRow(i int) app.UI {
	l := p.env.lang
	n := strconv.Itoa(i)
	levels := []string{"1", "2", "3", "4", "5"}
	return app.Div().Class("row skill-row").Body(
		app.Div().Class("field").Body(
			app.Label().For("skill-tag-"+n).Class("visually-hidden").Text(l.T("provider.skill")),
			app.Input().ID("skill-tag-"+n).Class("input").Type("text").Placeholder("go").Value(p.skills[i].tag).
				Aria("describedby", "hint-skills error-skills").Attr("autocomplete", "off").
				OnInput(func(ctx app.Context, e app.Event) {
					p.skills[i].tag = ctx.JSSrc().Get("value").String()
					delete(p.form.errs, "skills")
				}),
		),
		app.Div().Class("field").Body(
			app.Label().For("skill-level-"+n).Class("visually-hidden").Text(l.T("provider.level")),
			app.Select().ID("skill-level-"+n).Class("input").
				OnChange(func(ctx app.Context, e app.Event) { p.skills[i].level = ctx.JSSrc().Get("value").String() }).
				Body(app.Range(levels).Slice(func(j int) app.UI {
					return app.Option().Value(levels[j]).Text(l.T("provider.level") + " " + levels[j]).Selected(p.skills[i].level == levels[j])
				})),
		),
		app.Button().Class("btn btn-quiet remove-skill").Type("button").Text(l.T("provider.remove")).
			OnClick(func(ctx app.Context, e app.Event) { p.skills = append(p.skills[:i:i], p.skills[i+1:]...) }),
	)
}

func (p *providerPage) itemRow(i int) app.UI {
	l := p.env.lang
	n := strconv.Itoa(i)
	it := p.items[i]
	text := func(id, label string, v *string, area bool) app.UI {
		var control app.UI
		set := func(ctx app.Context, e app.Event) {
			*v = ctx.JSSrc().Get("value").String()
			delete(p.form.errs, "portfolio")
		}
		if area {
			control = app.Textarea().ID(id).Class("input").Rows(3).Text(*v).OnInput(set)
		} else {
			control = app.Input().ID(id).Class("input").Type("text").Value(*v).OnInput(set)
		}
		return app.Div().Class("field").Body(app.Label().For(id).Text(label), control)
	}
	return app.Div().Class("portfolio-edit card").Body(
		text("item-title-"+n, l.T("provider.item_title"), &it.title, false),
		text("item-desc-"+n, l.T("provider.item_desc"), &it.desc, true),
		text("item-links-"+n, l.T("provider.item_links"), &it.links, true),
		p.env.fileInput("item-file-"+n, "portfolio", l.T("provider.item_files"), l.T("vetting.certificates_hint"),
			"image/jpeg,image/png,image/webp,application/pdf", providersv1.FileKind_FILE_KIND_PORTFOLIO, it.up, &formState{}),
		app.If(len(it.fileIDs) > 0, func() app.UI {
			return app.P().Class("muted").Text(l.T("provider.item_files") + ": " + strconv.Itoa(len(it.fileIDs)))
		}),
		app.Div().Class("field").Body(
			app.Label().Class("check").Body(
				app.Input().ID("item-hidden-"+n).Type("checkbox").Checked(it.hidden).
					OnChange(func(ctx app.Context, e app.Event) { it.hidden = ctx.JSSrc().Get("checked").Bool() }),
				app.Text(" "+l.T("provider.item_hidden")),
			),
		),
		app.Button().Class("btn btn-quiet remove-item").Type("button").Text(l.T("provider.remove")).
			OnClick(func(ctx app.Context, e app.Event) { p.items = append(p.items[:i:i], p.items[i+1:]...) }),
	)
}

// money is a yuan amount input.
func (p *providerPage) money(id, field, label string, v *string) app.UI {
	f := &p.form
	return f.fieldBox(id, field, label, p.env.lang.T("provider.rate_hint"),
		app.Div().Class("money").Body(
			app.Span().Class("money-sign").Aria("hidden", "true").Text("¥"),
			app.Input().ID(id).Name(field).Type("text").Class("input").
				Attr("inputmode", "decimal").Attr("autocomplete", "off").Value(*v).
				Aria("invalid", f.has(field)).Aria("describedby", describedBy(field, "hint-"+id)).
				OnInput(f.bind(&p.Compo, field, v)),
		),
	)
}

// request builds SaveProfileRequest, or returns field → reason for what is
// wrong before sending.
func (p *providerPage) request() (*providersv1.SaveProfileRequest, map[string]string) {
	errs := map[string]string{}
	req := &providersv1.SaveProfileRequest{City: p.city, TimeZone: p.tz, Bio: p.bio}
	for _, s := range p.skills {
		if strings.TrimSpace(s.tag) == "" {
			continue
		}
		lv, _ := strconv.Atoi(s.level)
		req.Skills = append(req.Skills, &providersv1.Skill{Tag: s.tag, Level: int32(lv)})
	}
	if len(req.Skills) == 0 {
		errs["skills"] = "SKILLS_REQUIRED"
	}
	rate := func(s, field string) int64 {
		if strings.TrimSpace(s) == "" {
			return 0
		}
		fen, ok := parseYuan(s)
		if !ok {
			errs[field] = "RATE_INVALID"
		}
		return fen
	}
	req.HourlyRateFen = rate(p.hourly, "hourly_rate_fen")
	req.DailyRateFen = rate(p.daily, "daily_rate_fen")
	if v, ok := providersv1.Availability_value[p.avail]; ok && v != 0 {
		req.Availability = providersv1.Availability(v)
	} else {
		errs["availability"] = "REQUIRED"
	}
	for _, it := range p.items {
		item := &providersv1.PortfolioItem{Id: it.id, Title: it.title, Description: it.desc, Hidden: it.hidden, FileIds: it.fileIDs}
		for _, ln := range strings.Split(it.links, "\n") {
			if ln = strings.TrimSpace(ln); ln != "" {
				item.Links = append(item.Links, ln)
			}
		}
		if it.up != nil && it.up.FileID != "" {
			item.FileIds = append(item.FileIds, it.up.FileID)
		}
		if strings.TrimSpace(it.title) == "" {
			errs["portfolio"] = "REQUIRED"
		}
		req.Portfolio = append(req.Portfolio, item)
	}
	return req, errs
}

func (p *providerPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.form.busy {
		return
	}
	req, errs := p.request()
	if len(errs) > 0 {
		p.form.setReasons(p.env.lang, errs)
		if fl, ok := p.form.firstErr(profileFields...); ok {
			focus(ctx, profileFocus[fl])
		}
		return
	}
	p.form.reset()
	if p.env.rpc == nil {
		return
	}
	p.form.busy, p.saved = true, false
	ctx.Async(func() {
		resp, err := p.env.rpc.Providers.SaveProfile(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			p.form.busy = false
			if err != nil {
				p.form.fail(p.env.lang, rpc.Explain(err), profileFields...)
				if fl, ok := p.form.firstErr(profileFields...); ok {
					focus(ctx, profileFocus[fl])
				}
				return
			}
			p.fill(resp.Msg.GetProfile())
			p.saved = true
			// The session now holds the provider role.
			ctx.SetState(sessionState, session{})
			p.env.loadSession(ctx)
		})
	})
}
