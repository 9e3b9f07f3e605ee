package pages

import (
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	reviewsv1 "github.com/talent-hub/talent/proto/talent/reviews/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// marketState is the market's part of the task page (issue 4): the
// proposal form or the proposals, the provider's work, delivery and
// acceptance, files and reviews. Typed values live here so that an error
// loses nothing.
type marketState struct {
	proposals  []*tasksv1.Proposal
	deliveries []*tasksv1.Delivery
	files      []*tasksv1.Attachment
	reviews    []*reviewsv1.Review
	form       formState

	price, days, note string // the proposal form, in yuan and days
	editing           bool   // the provider is editing their proposal
	subStatus         string
	deliveryNote      string
	deliveryLinks     string // one link per line
	uploaded          []*tasksv1.Attachment
	reason            string // for changes or a dispute
	// target is the data-id of the list item whose button was pressed:
	// go-app keeps a handler's first-render closure, so list buttons
	// read their item from the element, not from captured values.
	target            string
	stars, reviewBody string
	reply             string
}

// Fields of the market forms, for their error elements.
var marketFields = []string{"price_fen", "timeline_days", "cover_note", "sub_status", "note", "links",
	"attachment_ids", "reason", "stars", "body", "reply", "file"}

// is reports whether t is in one of statuses.
func is(t *tasksv1.Task, statuses ...tasksv1.TaskStatus) bool {
	for _, s := range statuses {
		if t.GetStatus() == s {
			return true
		}
	}
	return false
}

// isClient reports whether the caller is the task's client.
func (p *taskPage) isClient(t *tasksv1.Task) bool { return p.s.SignedIn && p.s.ID == t.GetClientId() }

// isProvider: the caller is the awarded provider (their proposal won).
func (p *taskPage) isProvider() bool {
	for _, pr := range p.m.proposals {
		if pr.GetProviderId() == p.s.ID && pr.GetStatus() == tasksv1.ProposalStatus_PROPOSAL_STATUS_AWARDED {
			return true
		}
	}
	return false
}

// ownProposal is the caller's own proposal, if any.
func (p *taskPage) ownProposal() *tasksv1.Proposal {
	for _, pr := range p.m.proposals {
		if pr.GetProviderId() == p.s.ID {
			return pr
		}
	}
	return nil
}

// fetchMarket loads the proposals, deliveries, files and reviews the
// caller may see. Errors leave a part empty: the task itself is shown.
func (p *taskPage) fetchMarket(ctx app.Context) {
	if p.env.rpc == nil {
		return
	}
	ref := p.ref
	c := p.env.rpc
	p.marketSeq++
	seq := p.marketSeq
	ctx.Async(func() {
		var m marketState
		// Asked whether or not the session is known yet: the cookie goes
		// with every call, and a signed-out caller is simply refused.
		if r, err := c.Market.ListTaskProposals(ctx, connect.NewRequest(&tasksv1.ListTaskProposalsRequest{IdOrRef: ref})); err == nil {
			m.proposals = r.Msg.GetProposals()
		}
		if r, err := c.Market.ListDeliveries(ctx, connect.NewRequest(&tasksv1.ListDeliveriesRequest{IdOrRef: ref})); err == nil {
			m.deliveries = r.Msg.GetDeliveries()
		}
		if r, err := c.Reviews.ListTaskReviews(ctx, connect.NewRequest(&reviewsv1.ListTaskReviewsRequest{IdOrRef: ref})); err == nil {
			m.reviews = r.Msg.GetReviews()
		}
		if r, err := c.Market.ListAttachments(ctx, connect.NewRequest(&tasksv1.ListAttachmentsRequest{IdOrRef: ref})); err == nil {
			m.files = r.Msg.GetAttachments()
		}
		ctx.Dispatch(func(ctx app.Context) {
			if seq != p.marketSeq {
				return // a newer load is on its way (see taskPage.marketSeq)
			}
			p.m.proposals, p.m.deliveries, p.m.reviews, p.m.files = m.proposals, m.deliveries, m.reviews, m.files
		})
	})
}

// marketAct runs a market call; on success it clears the typed values
// clear names and reloads the page's data, on failure it shows why next
// to the fields.
func (p *taskPage) marketAct(call func(ctx app.Context, ref string) error, after func()) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		e.PreventDefault()
		if p.m.form.busy || p.env.rpc == nil {
			return
		}
		p.m.form.busy = true
		p.m.form.reset()
		p.m.target = ""
		if el := ctx.JSSrc().Call("closest", "[data-id]"); el.Truthy() {
			p.m.target = el.Get("dataset").Get("id").String()
		}
		ref := p.ref
		ctx.Async(func() {
			err := call(ctx, ref)
			ctx.Dispatch(func(ctx app.Context) {
				p.m.form.busy = false
				if err != nil {
					p.m.form.fail(p.env.lang, rpc.Explain(err), marketFields...)
					return
				}
				if after != nil {
					after()
				}
				p.fetch(ctx)
			})
		})
	}
}

// marketError is the market section's error not tied to one field.
// When the caller's vetting is not approved yet (PROVIDER_NOT_VETTED,
// ID-2) it links to the vetting page.
func (p *taskPage) marketError() app.UI {
	l := p.env.lang
	notVetted := p.m.form.formErr != "" && p.m.form.formErr == l.Reason("PROVIDER_NOT_VETTED", "")
	return app.Div().Class("market-error").Body(
		app.P().ID("market-error").Class("form-error").Role("alert").Text(p.m.form.formErr),
		app.If(notVetted, func() app.UI {
			return app.A().ID("to-vetting-link").Class("btn btn-secondary").Href("/provider/vetting").Text(l.T("market.to_vetting"))
		}),
	)
}

func (p *taskPage) button(id, key, class string, h app.EventHandler) app.UI {
	return app.Button().ID(id).Class("btn " + class).Type("button").Disabled(p.m.form.busy).Text(p.env.lang.T(key)).OnClick(h)
}

// market renders the market's part of the task page.
func (p *taskPage) market(t *tasksv1.Task) app.UI {
	if !p.s.SignedIn {
		return app.Section().Class("market").Body(p.filesList())
	}
	// Each part sits in its own fixed box, so that a part appearing or
	// going away does not shift the others and go-app does not replace a
	// form someone is filling in.
	return app.Section().ID("market").Class("market").Body(
		p.marketError(),
		app.Div().Class("market-part").Body(p.proposalSection(t)),
		app.Div().Class("market-part").Body(p.workSection(t)),
		app.Div().Class("market-part").Body(p.deliverySection(t)),
		app.Div().Class("market-part").Body(p.reviewSection(t)),
		app.Div().Class("market-part").Body(p.filesList()),
	)
}

// proposalSection: the provider's form or proposal; the client's list.
func (p *taskPage) proposalSection(t *tasksv1.Task) app.UI {
	l := p.env.lang
	if p.isClient(t) {
		if len(p.m.proposals) == 0 {
			if is(t, tasksv1.TaskStatus_TASK_STATUS_OPEN) {
				return app.P().ID("proposals-empty").Class("muted").Text(l.T("market.no_proposals"))
			}
			return nil
		}
		open := is(t, tasksv1.TaskStatus_TASK_STATUS_OPEN)
		return app.Div().Class("proposals").Body(
			app.H2().Text(l.T("market.proposals")),
			app.Ul().ID("proposal-list").Class("list").Body(
				app.Range(p.m.proposals).Slice(func(i int) app.UI {
					pr := p.m.proposals[i]
					pending := pr.GetStatus() == tasksv1.ProposalStatus_PROPOSAL_STATUS_PENDING
					shortKey := "market.shortlist"
					if pr.GetShortlisted() {
						shortKey = "market.unshortlist"
					}
					return app.Li().Class("proposal-item card").DataSet("id", pr.GetId()).Body(
						app.Strong().Class("proposal-provider").Text(pr.GetProviderDisplayName()),
						app.Span().Class("proposal-price").Text(" "+ui.Yuan(pr.GetPriceFen())),
						app.Span().Class("proposal-days muted").Text(" · "+strconv.Itoa(int(pr.GetTimelineDays()))+" "+l.T("market.days")),
						app.Span().Class("proposal-status muted").Text(" · "+l.T(proposalKey(pr.GetStatus()))),
						app.If(pr.GetShortlisted(), func() app.UI { return app.Span().Class("chip").Text(l.T("market.shortlisted")) }),
						app.P().Class("proposal-note").Text(pr.GetCoverNote()),
						app.If(open && pending, func() app.UI {
							return app.Div().Class("actions").Body(
								p.button("shortlist-"+pr.GetId(), shortKey, "btn-secondary proposal-shortlist", p.marketAct(func(ctx app.Context, _ string) error {
									pr := p.proposal(p.m.target)
									_, err := p.env.rpc.Market.ShortlistProposal(ctx, connect.NewRequest(&tasksv1.ShortlistProposalRequest{ProposalId: pr.GetId(), Shortlisted: !pr.GetShortlisted()}))
									return err
								}, nil)),
								p.button("award-"+pr.GetId(), "market.award", "btn-primary proposal-award", p.marketAct(func(ctx app.Context, _ string) error {
									_, err := p.env.rpc.Market.AwardProposal(ctx, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: p.m.target}))
									return err
								}, nil)),
							)
						}),
					)
				}),
			),
		)
	}
	if !p.s.Provider {
		return nil
	}
	own := p.ownProposal()
	open := is(t, tasksv1.TaskStatus_TASK_STATUS_OPEN)
	if own != nil && !p.m.editing {
		pending := own.GetStatus() == tasksv1.ProposalStatus_PROPOSAL_STATUS_PENDING
		return app.Div().ID("my-proposal").Class("card").Body(
			app.H2().Text(l.T("market.my_proposal")),
			app.P().Body(
				app.Span().Class("proposal-price").Text(ui.Yuan(own.GetPriceFen())),
				app.Span().Class("muted").Text(" · "+strconv.Itoa(int(own.GetTimelineDays()))+" "+l.T("market.days")+" · "),
				app.Span().ID("my-proposal-status").Class("proposal-status").Text(l.T(proposalKey(own.GetStatus()))),
			),
			app.P().Class("proposal-note").Text(own.GetCoverNote()),
			app.If(open && pending, func() app.UI {
				return app.Div().Class("actions").Body(
					p.button("proposal-edit", "task.edit", "btn-secondary", func(ctx app.Context, e app.Event) {
						p.m.editing = true
						p.m.price = strconv.FormatFloat(float64(own.GetPriceFen())/100, 'f', -1, 64)
						p.m.days = strconv.Itoa(int(own.GetTimelineDays()))
						p.m.note = own.GetCoverNote()
					}),
					p.button("proposal-withdraw", "market.withdraw", "btn-quiet", p.marketAct(func(ctx app.Context, _ string) error {
						_, err := p.env.rpc.Market.WithdrawProposal(ctx, connect.NewRequest(&tasksv1.WithdrawProposalRequest{ProposalId: own.GetId()}))
						return err
					}, nil)),
				)
			}),
			app.If(open && own.GetStatus() == tasksv1.ProposalStatus_PROPOSAL_STATUS_WITHDRAWN, func() app.UI {
				return p.button("proposal-resend", "market.resend", "btn-secondary", func(ctx app.Context, e app.Event) { p.m.editing = true })
			}),
		)
	}
	if !open {
		return nil
	}
	f := &p.m.form
	return app.Form().ID("proposal-form").Class("form card").NoValidate(true).OnSubmit(p.sendProposal(own)).Body(
		app.H2().Text(l.T("market.propose")),
		f.textInput(&p.Compo, "proposal-price", "price_fen", "text", l.T("market.price"), l.T("market.price_hint"), "off", &p.m.price),
		f.textInput(&p.Compo, "proposal-days", "timeline_days", "number", l.T("market.timeline"), "", "off", &p.m.days),
		f.fieldBox("proposal-note", "cover_note", l.T("market.cover_note"), "",
			app.Textarea().ID("proposal-note").Class("input").Rows(4).Text(p.m.note).
				Aria("describedby", "error-cover_note").OnInput(f.bind(&p.Compo, "cover_note", &p.m.note))),
		f.submitButton("proposal-submit", l.T("market.send_proposal"), l.T("market.sending")),
	)
}

// sendProposal creates the proposal, or updates the caller's own.
func (p *taskPage) sendProposal(own *tasksv1.Proposal) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		e.PreventDefault()
		fen, ok := parseYuan(p.m.price)
		if !ok {
			p.m.form.setReasons(p.env.lang, map[string]string{"price_fen": "PRICE_TOO_LOW"})
			return
		}
		days, err := strconv.Atoi(strings.TrimSpace(p.m.days))
		if err != nil {
			p.m.form.setReasons(p.env.lang, map[string]string{"timeline_days": "TIMELINE_INVALID"})
			return
		}
		note := p.m.note
		p.marketAct(func(ctx app.Context, ref string) error {
			if own != nil && own.GetStatus() == tasksv1.ProposalStatus_PROPOSAL_STATUS_PENDING {
				_, err := p.env.rpc.Market.UpdateProposal(ctx, connect.NewRequest(&tasksv1.UpdateProposalRequest{
					ProposalId: own.GetId(), PriceFen: fen, TimelineDays: int32(days), CoverNote: note}))
				return err
			}
			_, err := p.env.rpc.Market.CreateProposal(ctx, connect.NewRequest(&tasksv1.CreateProposalRequest{
				IdOrRef: ref, PriceFen: fen, TimelineDays: int32(days), CoverNote: note}))
			return err
		}, func() { p.m.editing = false })(ctx, e)
	}
}

// proposalKey is the catalogue key of a proposal status.
func proposalKey(s tasksv1.ProposalStatus) string {
	return "proposal." + strings.ToLower(strings.TrimPrefix(s.String(), "PROPOSAL_STATUS_"))
}

// workSection: the provider starts, reports progress; either party opens
// the board or raises a dispute.
func (p *taskPage) workSection(t *tasksv1.Task) app.UI {
	l := p.env.lang
	provider, client := p.isProvider(), p.isClient(t)
	if !provider && !client {
		return nil
	}
	engaged := !is(t, tasksv1.TaskStatus_TASK_STATUS_DRAFT, tasksv1.TaskStatus_TASK_STATUS_OPEN) &&
		(provider || len(p.m.proposals) > 0 && p.awarded() != nil)
	if !engaged {
		return nil
	}
	f := &p.m.form
	inProgress := is(t, tasksv1.TaskStatus_TASK_STATUS_IN_PROGRESS)
	disputable := is(t, tasksv1.TaskStatus_TASK_STATUS_IN_PROGRESS, tasksv1.TaskStatus_TASK_STATUS_DELIVERED)
	return app.Div().ID("work").Class("work card").Body(
		app.H2().Text(l.T("market.work")),
		app.A().ID("board-link").Class("btn btn-secondary").Href("/tasks/"+t.GetRef()+"/board").Text(l.T("board.open")),
		app.If(provider && is(t, tasksv1.TaskStatus_TASK_STATUS_AWARDED), func() app.UI {
			return p.button("work-start", "market.start", "btn-primary", p.marketAct(func(ctx app.Context, ref string) error {
				_, err := p.env.rpc.Market.StartWork(ctx, connect.NewRequest(&tasksv1.StartWorkRequest{IdOrRef: ref}))
				return err
			}, nil))
		}),
		app.If(provider && inProgress, func() app.UI {
			return app.Form().ID("sub-status-form").Class("form inline").NoValidate(true).OnSubmit(p.marketAct(func(ctx app.Context, ref string) error {
				_, err := p.env.rpc.Market.SetSubStatus(ctx, connect.NewRequest(&tasksv1.SetSubStatusRequest{IdOrRef: ref, SubStatus: p.m.subStatus}))
				return err
			}, func() { p.m.subStatus = "" })).Body(
				f.fieldBox("sub-status", "sub_status", l.T("market.sub_status"), l.T("market.sub_status_hint"),
					app.Input().ID("sub-status").Class("input").Attr("list", "sub-statuses").Value(p.m.subStatus).
						Aria("describedby", "error-sub_status").OnInput(f.bind(&p.Compo, "sub_status", &p.m.subStatus))),
				app.DataList().ID("sub-statuses").Body(
					app.Range(subStatuses).Slice(func(i int) app.UI {
						return app.Option().Value(l.T("substatus." + subStatuses[i]))
					}),
				),
				app.Button().ID("sub-status-save").Class("btn btn-secondary").Type("submit").Disabled(f.busy).Text(l.T("market.update")),
			)
		}),
		app.If(disputable, func() app.UI {
			return app.Details().Class("dispute").Body(
				app.Summary().Text(l.T("market.dispute")),
				f.fieldBox("dispute-reason", "reason", l.T("market.reason"), "",
					app.Textarea().ID("dispute-reason").Class("input").Rows(2).Text(p.m.reason).
						OnInput(f.bind(&p.Compo, "reason", &p.m.reason))),
				p.button("raise-dispute", "market.raise_dispute", "btn-quiet", p.marketAct(func(ctx app.Context, ref string) error {
					_, err := p.env.rpc.Market.RaiseDispute(ctx, connect.NewRequest(&tasksv1.RaiseDisputeRequest{IdOrRef: ref, Reason: p.m.reason}))
					return err
				}, func() { p.m.reason = "" })),
			)
		}),
	)
}

// subStatuses are the suggested progress notes (catalogue "substatus.*").
var subStatuses = []string{"developing", "testing", "deploying", "waiting", "fixing"}

// awarded is the winning proposal, as the client sees it.
func (p *taskPage) awarded() *tasksv1.Proposal {
	for _, pr := range p.m.proposals {
		if pr.GetStatus() == tasksv1.ProposalStatus_PROPOSAL_STATUS_AWARDED {
			return pr
		}
	}
	return nil
}

// deliverySection: the provider's delivery form; the deliveries and the
// client's accept / request changes.
func (p *taskPage) deliverySection(t *tasksv1.Task) app.UI {
	l := p.env.lang
	provider, client := p.isProvider(), p.isClient(t)
	if !provider && !client {
		return nil
	}
	f := &p.m.form
	return app.Div().Class("deliveries").Body(
		app.If(len(p.m.deliveries) > 0, func() app.UI {
			return app.Div().Body(
				app.H2().Text(l.T("market.deliveries")),
				app.Ol().ID("delivery-list").Class("list").Body(
					app.Range(p.m.deliveries).Slice(func(i int) app.UI {
						d := p.m.deliveries[i]
						return app.Li().Class("delivery-item card").Body(
							app.P().Class("delivery-note").Text(d.GetNote()),
							app.Ul().Body(app.Range(d.GetLinks()).Slice(func(j int) app.UI {
								return app.Li().Body(app.A().Href(d.GetLinks()[j]).Attr("rel", "noopener noreferrer").Text(d.GetLinks()[j]))
							})),
							fileLinks(d.GetAttachments()),
						)
					}),
				),
			)
		}),
		app.If(provider && is(t, tasksv1.TaskStatus_TASK_STATUS_IN_PROGRESS), func() app.UI {
			return app.Form().ID("delivery-form").Class("form card").NoValidate(true).OnSubmit(p.deliver).Body(
				app.H2().Text(l.T("market.deliver")),
				f.fieldBox("delivery-note", "note", l.T("market.delivery_note"), "",
					app.Textarea().ID("delivery-note").Class("input").Rows(3).Text(p.m.deliveryNote).
						Aria("describedby", "error-note").OnInput(f.bind(&p.Compo, "note", &p.m.deliveryNote))),
				f.fieldBox("delivery-links", "links", l.T("market.links"), l.T("market.links_hint"),
					app.Textarea().ID("delivery-links").Class("input").Rows(2).Text(p.m.deliveryLinks).
						Aria("describedby", "error-links").OnInput(f.bind(&p.Compo, "links", &p.m.deliveryLinks))),
				p.fileInput("delivery-file"),
				fileLinks(p.m.uploaded),
				f.submitButton("deliver-submit", l.T("market.deliver"), l.T("market.sending")),
			)
		}),
		app.If(client && is(t, tasksv1.TaskStatus_TASK_STATUS_DELIVERED), func() app.UI {
			return app.Div().ID("acceptance").Class("card").Body(
				p.button("accept-delivery", "market.accept", "btn-primary", p.marketAct(func(ctx app.Context, ref string) error {
					_, err := p.env.rpc.Market.AcceptDelivery(ctx, connect.NewRequest(&tasksv1.AcceptDeliveryRequest{IdOrRef: ref}))
					return err
				}, nil)),
				f.fieldBox("changes-reason", "reason", l.T("market.reason"), "",
					app.Textarea().ID("changes-reason").Class("input").Rows(2).Text(p.m.reason).
						Aria("describedby", "error-reason").OnInput(f.bind(&p.Compo, "reason", &p.m.reason))),
				p.button("request-changes", "market.request_changes", "btn-secondary", p.marketAct(func(ctx app.Context, ref string) error {
					_, err := p.env.rpc.Market.RequestChanges(ctx, connect.NewRequest(&tasksv1.RequestChangesRequest{IdOrRef: ref, Reason: p.m.reason}))
					return err
				}, func() { p.m.reason = "" })),
			)
		}),
	)
}

// deliver sends the delivery with the files uploaded so far.
func (p *taskPage) deliver(ctx app.Context, e app.Event) {
	var links, ids []string
	for _, line := range strings.Split(p.m.deliveryLinks, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			links = append(links, line)
		}
	}
	for _, a := range p.m.uploaded {
		ids = append(ids, a.GetId())
	}
	note := p.m.deliveryNote
	p.marketAct(func(ctx app.Context, ref string) error {
		_, err := p.env.rpc.Market.DeliverTask(ctx, connect.NewRequest(&tasksv1.DeliverTaskRequest{IdOrRef: ref, Note: note, Links: links, AttachmentIds: ids}))
		return err
	}, func() { p.m.deliveryNote, p.m.deliveryLinks, p.m.uploaded = "", "", nil })(ctx, e)
}

// fileLinks lists files with their download links.
func fileLinks(files []*tasksv1.Attachment) app.UI {
	if len(files) == 0 {
		return nil
	}
	return app.Ul().Class("files").Body(app.Range(files).Slice(func(i int) app.UI {
		a := files[i]
		return app.Li().Class("file-item").Body(
			app.A().Href(a.GetDownloadUrl()).Attr("download", a.GetFileName()).Text(a.GetFileName()),
			app.Span().Class("muted").Text(" "+sizeText(a.GetSizeBytes())),
		)
	}))
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KB"
	default:
		return strconv.FormatInt(n, 10) + " B"
	}
}

// filesList shows the task's own files (not delivered ones), and to its
// parties the upload control.
func (p *taskPage) filesList() app.UI {
	var own []*tasksv1.Attachment
	for _, a := range p.m.files {
		if a.GetDeliveryId() == "" {
			own = append(own, a)
		}
	}
	client := p.task != nil && p.isClient(p.task)
	if len(own) == 0 && !client {
		return nil
	}
	return app.Div().ID("task-files").Class("files-box").Body(
		app.H2().Text(p.env.lang.T("market.files")),
		fileLinks(own),
		app.If(client, func() app.UI { return p.fileInput("task-file") }),
	)
}

// reviewSection: after acceptance, the review form and the reviews.
func (p *taskPage) reviewSection(t *tasksv1.Task) app.UI {
	l := p.env.lang
	provider, client := p.isProvider(), p.isClient(t)
	if (!provider && !client) || !is(t, tasksv1.TaskStatus_TASK_STATUS_ACCEPTED, tasksv1.TaskStatus_TASK_STATUS_CLOSED) {
		return nil
	}
	wrote := false
	for _, r := range p.m.reviews {
		if r.GetReviewerId() == p.s.ID {
			wrote = true
		}
	}
	f := &p.m.form
	return app.Div().ID("reviews").Class("reviews").Body(
		app.H2().Text(l.T("review.title")),
		app.Ul().ID("review-list").Class("list").Body(app.Range(p.m.reviews).Slice(func(i int) app.UI {
			r := p.m.reviews[i]
			mine := r.GetReviewerId() == p.s.ID
			return app.Li().Class("review-item card").DataSet("id", r.GetId()).Body(
				app.Span().Class("review-stars").Aria("label", strconv.Itoa(int(r.GetStars()))+" / 5").
					Text(strings.Repeat("★", int(r.GetStars()))+strings.Repeat("☆", 5-int(r.GetStars()))),
				app.Span().Class("review-by muted").Text(" "+r.GetReviewerDisplayName()),
				app.If(mine && !r.GetRevealed(), func() app.UI { return app.Span().Class("chip review-blind").Text(l.T("review.blind")) }),
				app.P().Class("review-body").Text(r.GetBody()),
				app.If(r.GetReply() != "", func() app.UI {
					return app.P().Class("review-reply muted").Text(l.T("review.reply") + ": " + r.GetReply())
				}),
				app.If(!mine && r.GetReply() == "", func() app.UI {
					return app.Div().Class("inline").Body(
						app.Input().ID("reply-"+r.GetId()).Class("input").Value(p.m.reply).
							Aria("label", l.T("review.reply")).OnInput(f.bind(&p.Compo, "reply", &p.m.reply)),
						p.button("reply-submit-"+r.GetId(), "review.reply", "btn-secondary", p.marketAct(func(ctx app.Context, _ string) error {
							_, err := p.env.rpc.Reviews.ReplyToReview(ctx, connect.NewRequest(&reviewsv1.ReplyToReviewRequest{ReviewId: p.m.target, Reply: p.m.reply}))
							return err
						}, func() { p.m.reply = "" })),
					)
				}),
				app.If(!mine, func() app.UI {
					key := "review.hide"
					if r.GetHidden() {
						key = "review.show"
					}
					return p.button("hide-"+r.GetId(), key, "btn-quiet", p.marketAct(func(ctx app.Context, _ string) error {
						hidden := false
						for _, r := range p.m.reviews {
							if r.GetId() == p.m.target {
								hidden = r.GetHidden()
							}
						}
						_, err := p.env.rpc.Reviews.SetReviewHidden(ctx, connect.NewRequest(&reviewsv1.SetReviewHiddenRequest{ReviewId: p.m.target, Hidden: !hidden}))
						return err
					}, nil))
				}),
			)
		})),
		app.If(!wrote, func() app.UI {
			return app.Form().ID("review-form").Class("form card").NoValidate(true).OnSubmit(p.marketAct(func(ctx app.Context, ref string) error {
				n, _ := strconv.Atoi(p.m.stars)
				_, err := p.env.rpc.Reviews.SubmitReview(ctx, connect.NewRequest(&reviewsv1.SubmitReviewRequest{IdOrRef: ref, Stars: int32(n), Body: p.m.reviewBody}))
				return err
			}, func() { p.m.stars, p.m.reviewBody = "", "" })).Body(
				app.P().Class("hint").Text(l.T("review.blind_hint")),
				f.textInput(&p.Compo, "review-stars", "stars", "number", l.T("review.stars"), l.T("review.stars_hint"), "off", &p.m.stars),
				f.fieldBox("review-body", "body", l.T("review.body"), "",
					app.Textarea().ID("review-body").Class("input").Rows(3).Text(p.m.reviewBody).
						Aria("describedby", "error-body").OnInput(f.bind(&p.Compo, "body", &p.m.reviewBody))),
				f.submitButton("review-submit", l.T("review.submit"), l.T("market.sending")),
			)
		}),
	)
}

// proposal is the listed proposal with id, or nil.
func (p *taskPage) proposal(id string) *tasksv1.Proposal {
	for _, pr := range p.m.proposals {
		if pr.GetId() == id {
			return pr
		}
	}
	return nil
}
