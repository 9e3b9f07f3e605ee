package pages

import (
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// vettingFields are the vetting form's fields in display order.
var vettingFields = []string{"id_number", "id_front_file_id", "id_back_file_id", "certificates"}

type certRow struct {
	name, issuer, number, expiry string
	up                           *upload
}

// vettingPage shows the provider's vetting status and history and, when
// they may (never submitted, or rejected), the submission form with
// uploads, at /provider/vetting.
type vettingPage struct {
	app.Compo
	env       *env
	status    providersv1.VettingStatus
	suspended bool
	history   []*providersv1.VettingSubmission
	loaded    bool
	noProfile bool
	loadErr   string
	idNumber  string
	front     *upload
	back      *upload
	certs     []*certRow
	form      formState
}

func newVettingPage(e *env) *vettingPage {
	return &vettingPage{env: e, front: &upload{}, back: &upload{}}
}

func (p *vettingPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "vetting.title")
	p.load(ctx)
}

func (p *vettingPage) load(ctx app.Context) {
	if p.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		resp, err := p.env.rpc.Providers.GetMyVetting(ctx, connect.NewRequest(&providersv1.GetMyVettingRequest{}))
		ctx.Dispatch(func(ctx app.Context) {
			p.loaded = true
			switch {
			case rpc.IsCode(err, connect.CodeNotFound), rpc.IsCode(err, connect.CodePermissionDenied):
				// Not a provider yet, or no profile: a profile comes first.
				p.noProfile = true
			case err != nil:
				p.loadErr = p.env.lang.Code(rpc.Explain(err).Code)
			default:
				p.noProfile, p.loadErr = false, ""
				p.status, p.suspended, p.history = resp.Msg.GetStatus(), resp.Msg.GetSuspended(), resp.Msg.GetSubmissions()
			}
		})
	})
}

func vettingStatusKey(s providersv1.VettingStatus) string {
	return "vetting.status." + strings.ToLower(strings.TrimPrefix(s.String(), "VETTING_STATUS_"))
}

// canSubmit reports whether the form is shown.
func (p *vettingPage) canSubmit() bool {
	return p.loaded && !p.noProfile && p.loadErr == "" &&
		(p.status == providersv1.VettingStatus_VETTING_STATUS_NOT_SUBMITTED || p.status == providersv1.VettingStatus_VETTING_STATUS_REJECTED)
}

func (p *vettingPage) Render() app.UI {
	l := p.env.lang
	var latestReason string
	if len(p.history) > 0 && p.status == providersv1.VettingStatus_VETTING_STATUS_REJECTED {
		latestReason = p.history[0].GetReason()
	}
	return p.env.layout(
		app.Section().Class("card").Body(
			app.H1().Text(l.T("vetting.title")),
			app.P().Class("muted").Text(l.T("vetting.lead")),
			app.If(!p.loaded, func() app.UI {
				return app.P().Class("loading").Role("status").Text(l.T("common.loading"))
			}),
			app.If(p.loadErr != "", func() app.UI {
				return app.P().ID("form-error").Class("form-error").Role("alert").Text(p.loadErr)
			}),
			app.If(p.noProfile, func() app.UI {
				return app.P().ID("vetting-no-profile").Class("notice").Body(
					app.Text(l.T("vetting.no_profile")+" "),
					app.A().Href("/provider/profile").Text(l.T("provider.title")),
				)
			}),
			app.If(p.loaded && !p.noProfile && p.loadErr == "", func() app.UI {
				return app.Div().Body(
					app.P().Body(
						app.Text(l.T("vetting.status")+": "),
						app.Span().ID("vetting-status").Class("badge status-"+strings.ToLower(p.status.String())).
							DataSet("status", p.status.String()).Text(l.T(vettingStatusKey(p.status))),
					),
					app.If(p.suspended, func() app.UI {
						return app.P().ID("vetting-suspended").Class("notice").Text(l.T("vetting.suspended"))
					}),
					app.If(latestReason != "", func() app.UI {
						return app.Div().Class("notice").Body(
							app.P().Body(app.Strong().Text(l.T("vetting.reason")+": "), app.Span().ID("vetting-reason").Text(latestReason)),
							app.P().Text(l.T("vetting.resubmit")),
						)
					}),
				)
			}),
			app.If(p.canSubmit(), func() app.UI { return p.submissionForm() }),
			app.If(len(p.history) > 0, func() app.UI { return p.historyList() }),
		),
	)
}

func (p *vettingPage) submissionForm() app.UI {
	l := p.env.lang
	f := &p.form
	images := "image/jpeg,image/png,image/webp"
	return app.Form().ID("vetting-form").Class("form").Method("post").NoValidate(true).OnSubmit(p.submit).Body(
		f.textInput(&p.Compo, "id-number", "id_number", "text", l.T("vetting.id_number"), l.T("vetting.id_number_hint"), "off", &p.idNumber),
		p.env.fileInput("id-front", "id_front_file_id", l.T("vetting.id_front"), l.T("vetting.image_hint"), images, providersv1.FileKind_FILE_KIND_ID_FRONT, p.front, f),
		p.env.fileInput("id-back", "id_back_file_id", l.T("vetting.id_back"), l.T("vetting.image_hint"), images, providersv1.FileKind_FILE_KIND_ID_BACK, p.back, f),
		app.FieldSet().Class("certificates").Body(
			app.Legend().Text(l.T("vetting.certificates")),
			app.P().Class("hint").Text(l.T("vetting.certificates_hint")),
			app.Range(p.certs).Slice(func(i int) app.UI { return p.certRow(i) }),
			app.Button().ID("add-cert").Class("btn btn-quiet").Type("button").Text("+ "+l.T("vetting.add_certificate")).
				OnClick(func(ctx app.Context, e app.Event) { p.certs = append(p.certs, &certRow{up: &upload{}}) }),
			f.errorFor("certificates"),
		),
		f.formError(),
		app.Div().Class("actions").Body(
			f.submitButton("vetting-submit", l.T("vetting.submit"), l.T("common.working")),
		),
	)
}

func (p *vettingPage) certRow(i int) app.UI {
	l := p.env.lang
	n := strconv.Itoa(i)
	c := p.certs[i]
	input := func(id, typ, label string, v *string) app.UI {
		return app.Div().Class("field").Body(
			app.Label().For(id).Text(label),
			app.Input().ID(id).Class("input").Type(typ).Value(*v).
				OnInput(func(ctx app.Context, e app.Event) {
					*v = ctx.JSSrc().Get("value").String()
					delete(p.form.errs, "certificates")
				}),
		)
	}
	return app.Div().Class("certificate-edit card").Body(
		input("cert-name-"+n, "text", l.T("vetting.cert_name"), &c.name),
		input("cert-issuer-"+n, "text", l.T("vetting.cert_issuer"), &c.issuer),
		input("cert-number-"+n, "text", l.T("vetting.cert_number"), &c.number),
		input("cert-expiry-"+n, "date", l.T("vetting.cert_expiry"), &c.expiry),
		p.env.fileInput("cert-file-"+n, "certificates", l.T("vetting.cert_file"), l.T("vetting.certificates_hint"),
			"image/jpeg,image/png,image/webp,application/pdf", providersv1.FileKind_FILE_KIND_CERTIFICATE, c.up, &formState{}),
		app.Button().Class("btn btn-quiet remove-cert").Type("button").Text(l.T("provider.remove")).
			OnClick(func(ctx app.Context, e app.Event) { p.certs = append(p.certs[:i:i], p.certs[i+1:]...) }),
	)
}

func (p *vettingPage) historyList() app.UI {
	l := p.env.lang
	return app.Section().Class("timeline").Body(
		app.H2().Text(l.T("vetting.history")),
		app.Ol().ID("vetting-history").Body(
			app.Range(p.history).Slice(func(i int) app.UI {
				s := p.history[i]
				return app.Li().Class("vetting-item timeline-item").Body(
					app.Span().Class("badge").Text(l.T(vettingStatusKey(s.GetStatus()))),
					app.Text(" "+l.T("vetting.submitted_at")+" "+shortTime(s.GetSubmitTime().AsTime())),
					app.Text(" · "+s.GetIdNumberMasked()),
					app.If(s.GetReason() != "", func() app.UI {
						return app.Span().Class("muted").Text(" — " + s.GetReason())
					}),
				)
			}),
		),
	)
}

// shortTime shows t in China Standard Time to the minute.
func shortTime(t time.Time) string {
	return t.In(chinaTime).Format("2006-01-02 15:04")
}

// request builds SubmitVettingRequest, or returns field → reason for what
// is wrong before sending.
func (p *vettingPage) request() (*providersv1.SubmitVettingRequest, map[string]string) {
	errs := map[string]string{}
	id := strings.ToUpper(strings.Join(strings.Fields(p.idNumber), ""))
	switch {
	case id == "":
		errs["id_number"] = "REQUIRED"
	case len(id) != 18:
		errs["id_number"] = "ID_NUMBER_INVALID"
	}
	if p.front.FileID == "" {
		errs["id_front_file_id"] = "REQUIRED"
	}
	if p.back.FileID == "" {
		errs["id_back_file_id"] = "REQUIRED"
	}
	req := &providersv1.SubmitVettingRequest{IdNumber: id, IdFrontFileId: p.front.FileID, IdBackFileId: p.back.FileID}
	for _, c := range p.certs {
		if strings.TrimSpace(c.name) == "" || c.up.FileID == "" {
			errs["certificates"] = "REQUIRED"
		}
		req.Certificates = append(req.Certificates, &providersv1.Certificate{
			Name: c.name, Issuer: c.issuer, Number: c.number, ExpiryDate: c.expiry, FileId: c.up.FileID,
		})
	}
	return req, errs
}

func (p *vettingPage) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.form.busy || p.front.Busy || p.back.Busy {
		return
	}
	req, errs := p.request()
	if len(errs) > 0 {
		p.form.setReasons(p.env.lang, errs)
		return
	}
	p.form.reset()
	if p.env.rpc == nil {
		return
	}
	p.form.busy = true
	ctx.Async(func() {
		_, err := p.env.rpc.Providers.SubmitVetting(ctx, connect.NewRequest(req))
		ctx.Dispatch(func(ctx app.Context) {
			p.form.busy = false
			if err != nil {
				p.form.fail(p.env.lang, rpc.Explain(err), vettingFields...)
				return
			}
			// The number is not kept in the page once sent.
			p.idNumber, p.front, p.back, p.certs = "", &upload{}, &upload{}, nil
			p.load(ctx)
		})
	})
}

// rates is a provider's rates as text, e.g. "¥300 / hour · ¥2,000 / day".
func rates(l ui.Lang, pr *providersv1.Profile) string {
	var parts []string
	if pr.GetHourlyRateFen() > 0 {
		parts = append(parts, ui.Yuan(pr.GetHourlyRateFen())+" "+l.T("profile.per_hour"))
	}
	if pr.GetDailyRateFen() > 0 {
		parts = append(parts, ui.Yuan(pr.GetDailyRateFen())+" "+l.T("profile.per_day"))
	}
	return strings.Join(parts, " · ")
}
