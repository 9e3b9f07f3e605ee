package tasks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/notifications"
	"github.com/talent-hub/talent/backend/tasks/internal/db"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// Interface guard.
var _ tasksv1connect.MarketServiceHandler = (*Service)(nil)

// Limits of the market's fields.
const (
	minPriceFen      = 100
	maxPriceFen      = 100_000_000_00 // 100 million yuan
	maxTimelineDays  = 365
	maxCoverNoteLen  = 5000
	maxDeliveryNote  = 5000
	maxLinks         = 10
	maxLinkLen       = 500
	maxSubStatusLen  = 40
	maxMatchNotified = 50
)

// MarketPolicies declares who may call each RPC of MarketService. The
// handlers check the finer rules: the task's client, its provider, the
// proposal's author.
func MarketPolicies() auth.Policies {
	provider := auth.Policy{Roles: []string{auth.RoleProvider}}
	client := auth.Policy{Roles: []string{auth.RoleClient}}
	parties := auth.Policy{Roles: []string{auth.RoleClient, auth.RoleProvider}}
	return auth.Policies{
		tasksv1connect.MarketServiceCreateProposalProcedure:    provider,
		tasksv1connect.MarketServiceUpdateProposalProcedure:    provider,
		tasksv1connect.MarketServiceWithdrawProposalProcedure:  provider,
		tasksv1connect.MarketServiceListTaskProposalsProcedure: parties,
		tasksv1connect.MarketServiceListMyWorkProcedure:        provider,
		tasksv1connect.MarketServiceShortlistProposalProcedure: client,
		tasksv1connect.MarketServiceInviteProviderProcedure:    client,
		tasksv1connect.MarketServiceAwardProposalProcedure:     client,
		tasksv1connect.MarketServiceStartWorkProcedure:         provider,
		tasksv1connect.MarketServiceSetSubStatusProcedure:      provider,
		tasksv1connect.MarketServiceDeliverTaskProcedure:       provider,
		tasksv1connect.MarketServiceListDeliveriesProcedure:    parties,
		tasksv1connect.MarketServiceAcceptDeliveryProcedure:    client,
		tasksv1connect.MarketServiceRequestChangesProcedure:    client,
		tasksv1connect.MarketServiceRaiseDisputeProcedure:      parties,
		// Uploads: a client for their task, a provider for a delivery.
		tasksv1connect.MarketServiceCreateAttachmentUploadProcedure:   parties,
		tasksv1connect.MarketServiceCompleteAttachmentUploadProcedure: parties,
		// Files are as public as their task; delivered files go to the
		// parties only (the handler decides).
		tasksv1connect.MarketServiceListAttachmentsProcedure: {Public: true},
	}
}

// callingUser returns the signed-in caller's id.
func callingUser(ctx context.Context) (uuid.UUID, error) {
	id, ok := principalID(ctx)
	if !ok {
		return uuid.Nil, ErrUnauthenticated
	}
	return id, nil
}

// Vetting says whether a provider's vetting is approved (ID-2): only then
// may they send proposals, be invited or be awarded work. It is
// (*providers.Service).MayTakeWork, injected by cmd/talentd.
type Vetting interface {
	MayTakeWork(ctx context.Context, userID uuid.UUID) (bool, error)
}

// mayTakeWork returns nil when user may send proposals and be awarded work
// (ID-2, TASK-2): they hold the provider role (else ErrNotApproved) and
// their vetting is approved and not suspended (else ErrNotVetted). Without
// a Vetting nobody's vetting counts as approved.
func (s *Service) mayTakeWork(ctx context.Context, userID uuid.UUID) error {
	roles, err := db.New(s.db.Primary).GetUserRoles(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotApproved
	}
	if err != nil {
		return fmt.Errorf("read user roles: %w", err)
	}
	if !slices.Contains(roles, auth.RoleProvider) {
		return ErrNotApproved
	}
	if s.vetting == nil {
		return ErrNotVetted
	}
	ok, err := s.vetting.MayTakeWork(ctx, userID)
	if err != nil {
		return fmt.Errorf("check vetting: %w", err)
	}
	if !ok {
		return ErrNotVetted
	}
	return nil
}

// taskLink is the app page of a task.
func taskLink(ref int64) string { return "/tasks/" + formatRef(ref) }

// notify sends n in tx, filling in the task's reference and title.
func notify(ctx context.Context, tx pgx.Tx, t db.Task, user uuid.UUID, kind string, params map[string]string) error {
	p := map[string]string{"task": formatRef(t.RefNo), "title": t.Title}
	for k, v := range params {
		p[k] = v
	}
	_, err := notifications.Send(ctx, tx, notifications.Notification{UserID: user, Kind: kind, Params: p, Link: taskLink(t.RefNo)})
	return err
}

// proposalFields are the validated fields of a proposal.
type proposalFields struct {
	priceFen     int64
	timelineDays int32
	coverNote    string
}

func validateProposal(price int64, days int32, note string) (proposalFields, error) {
	var vs badrequest.List
	note = strings.TrimSpace(note)
	switch {
	case price < minPriceFen:
		vs.Add("price_fen", "PRICE_TOO_LOW", "The price must be at least 1 yuan.")
	case price > maxPriceFen:
		vs.Add("price_fen", "PRICE_TOO_HIGH", "The price must be at most 100 million yuan.")
	}
	if days < 1 || days > maxTimelineDays {
		vs.Add("timeline_days", "TIMELINE_INVALID", fmt.Sprintf("The timeline must be 1 to %d days.", maxTimelineDays))
	}
	switch n := utf8.RuneCountInString(note); {
	case n == 0:
		vs.Add("cover_note", "REQUIRED", "Write a cover note.")
	case n > maxCoverNoteLen:
		vs.Add("cover_note", "TOO_LONG", fmt.Sprintf("The cover note must be at most %d characters long.", maxCoverNoteLen))
	}
	return proposalFields{price, days, note}, vs.Err()
}

func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		var vs badrequest.List
		vs.Add(field, "ID_INVALID", "This is not a valid id.")
		return uuid.Nil, vs.Err()
	}
	return id, nil
}

func proposalToProto(p db.Proposal, taskRef int64, taskTitle, providerName string) *tasksv1.Proposal {
	return &tasksv1.Proposal{
		Id:                  p.ID.String(),
		TaskId:              p.TaskID.String(),
		TaskRef:             formatRef(taskRef),
		TaskTitle:           taskTitle,
		ProviderId:          p.ProviderID.String(),
		ProviderDisplayName: providerName,
		PriceFen:            p.PriceFen,
		TimelineDays:        p.TimelineDays,
		CoverNote:           p.CoverNote,
		Status:              proposalStatusToProto(p.Status),
		Shortlisted:         p.Shortlisted,
		CreateTime:          timestamppb.New(p.CreateTime),
		UpdateTime:          timestamppb.New(p.UpdateTime),
	}
}

func proposalStatusToProto(s string) tasksv1.ProposalStatus {
	switch s {
	case "pending":
		return tasksv1.ProposalStatus_PROPOSAL_STATUS_PENDING
	case "withdrawn":
		return tasksv1.ProposalStatus_PROPOSAL_STATUS_WITHDRAWN
	case "awarded":
		return tasksv1.ProposalStatus_PROPOSAL_STATUS_AWARDED
	case "declined":
		return tasksv1.ProposalStatus_PROPOSAL_STATUS_DECLINED
	default:
		return tasksv1.ProposalStatus_PROPOSAL_STATUS_UNSPECIFIED
	}
}

func getProposal(ctx context.Context, q *db.Queries, id uuid.UUID) (*tasksv1.Proposal, db.GetProposalRow, error) {
	row, err := q.GetProposal(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, row, ErrProposalNotFound
	}
	if err != nil {
		return nil, row, fmt.Errorf("get proposal: %w", err)
	}
	p := db.Proposal{ID: row.ID, TaskID: row.TaskID, ProviderID: row.ProviderID, PriceFen: row.PriceFen,
		TimelineDays: row.TimelineDays, CoverNote: row.CoverNote, Status: row.Status, Shortlisted: row.Shortlisted,
		CreateTime: row.CreateTime, UpdateTime: row.UpdateTime}
	return proposalToProto(p, row.TaskRefNo, row.TaskTitle, row.ProviderDisplayName), row, nil
}

// CreateProposal sends the caller's proposal for an open task (TASK-2).
func (s *Service) CreateProposal(ctx context.Context, req *connect.Request[tasksv1.CreateProposalRequest]) (*connect.Response[tasksv1.CreateProposalResponse], error) {
	providerID, err := callingUser(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	id, refNo, err := idOrRef(req.Msg.GetIdOrRef())
	if err != nil {
		return nil, connectError(err)
	}
	in, err := validateProposal(req.Msg.GetPriceFen(), req.Msg.GetTimelineDays(), req.Msg.GetCoverNote())
	if err != nil {
		return nil, connectError(err)
	}
	// SEC-5: the cover note is checked like every text a person writes.
	verdict, err := s.mod.CheckText(ctx, "cover_note", in.coverNote)
	if err != nil {
		return nil, connectError(err)
	}
	if err := s.mayTakeWork(ctx, providerID); err != nil {
		return nil, connectError(err)
	}
	var out *tasksv1.Proposal
	_, err = s.changeTx(ctx, id, refNo, func(tx pgx.Tx, q *db.Queries, t db.Task) error {
		if t.ClientID == providerID {
			return ErrOwnTask
		}
		if t.Status != statusOpen {
			return ErrTaskNotOpen
		}
		pid, err := q.CreateProposal(ctx, db.CreateProposalParams{
			TaskID: t.ID, ProviderID: providerID, PriceFen: in.priceFen,
			TimelineDays: in.timelineDays, CoverNote: in.coverNote,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrProposalExists
		}
		if err != nil {
			return fmt.Errorf("create proposal: %w", err)
		}
		out, _, err = getProposal(ctx, q, pid)
		if err != nil {
			return err
		}
		if err := moderation.Queue(ctx, tx, proposalItem(pid, t.RefNo, providerID), verdict); err != nil {
			return err
		}
		return notify(ctx, tx, t, t.ClientID, "proposal.received", map[string]string{"provider": out.GetProviderDisplayName()})
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.CreateProposalResponse{Proposal: out}), nil
}

// changeProposal runs fn on the caller's own pending proposal under its
// task's row lock and returns the proposal as it is then.
func (s *Service) changeProposal(ctx context.Context, idText string, fn func(tx pgx.Tx, q *db.Queries, t db.Task, p db.Proposal) error) (*tasksv1.Proposal, error) {
	if _, err := callingUser(ctx); err != nil {
		return nil, err
	}
	pid, err := parseID("proposal_id", idText)
	if err != nil {
		return nil, err
	}
	_, row, err := getProposal(ctx, db.New(s.db.Primary), pid)
	if err != nil {
		return nil, err
	}
	var out *tasksv1.Proposal
	_, err = s.changeTx(ctx, row.TaskID, 0, func(tx pgx.Tx, q *db.Queries, t db.Task) error {
		p, err := q.LockProposal(ctx, pid)
		if err != nil {
			return fmt.Errorf("lock proposal: %w", err)
		}
		if p.TakedownReason != nil && !seesHidden(ctx, p.ProviderID) {
			return ErrProposalNotFound // taken down (SEC-5)
		}
		if err := fn(tx, q, t, p); err != nil {
			return err
		}
		out, _, err = getProposal(ctx, q, pid)
		return err
	})
	return out, err
}

// ownPendingProposal is the check of the provider's own changes.
func ownPendingProposal(ctx context.Context, p db.Proposal) error {
	caller, _ := principalID(ctx)
	if p.ProviderID != caller {
		return ErrNotYourProposal
	}
	if p.Status != "pending" {
		return ErrProposalNotPending
	}
	return nil
}

// UpdateProposal changes the caller's pending proposal.
func (s *Service) UpdateProposal(ctx context.Context, req *connect.Request[tasksv1.UpdateProposalRequest]) (*connect.Response[tasksv1.UpdateProposalResponse], error) {
	in, err := validateProposal(req.Msg.GetPriceFen(), req.Msg.GetTimelineDays(), req.Msg.GetCoverNote())
	if err != nil {
		return nil, connectError(err)
	}
	verdict, err := s.mod.CheckText(ctx, "cover_note", in.coverNote)
	if err != nil {
		return nil, connectError(err)
	}
	out, err := s.changeProposal(ctx, req.Msg.GetProposalId(), func(tx pgx.Tx, q *db.Queries, t db.Task, p db.Proposal) error {
		if err := ownPendingProposal(ctx, p); err != nil {
			return err
		}
		if err := q.UpdateProposal(ctx, db.UpdateProposalParams{ID: p.ID, PriceFen: in.priceFen, TimelineDays: in.timelineDays, CoverNote: in.coverNote}); err != nil {
			return err
		}
		return moderation.Queue(ctx, tx, proposalItem(p.ID, t.RefNo, p.ProviderID), verdict)
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.UpdateProposalResponse{Proposal: out}), nil
}

// WithdrawProposal withdraws the caller's pending proposal.
func (s *Service) WithdrawProposal(ctx context.Context, req *connect.Request[tasksv1.WithdrawProposalRequest]) (*connect.Response[tasksv1.WithdrawProposalResponse], error) {
	out, err := s.changeProposal(ctx, req.Msg.GetProposalId(), func(tx pgx.Tx, q *db.Queries, t db.Task, p db.Proposal) error {
		if err := ownPendingProposal(ctx, p); err != nil {
			return err
		}
		if err := q.SetProposalStatus(ctx, db.SetProposalStatusParams{ID: p.ID, Status: "withdrawn"}); err != nil {
			return err
		}
		return notify(ctx, tx, t, t.ClientID, "proposal.withdrawn", nil)
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.WithdrawProposalResponse{Proposal: out}), nil
}

// ShortlistProposal puts a proposal on, or takes it off, the client's shortlist.
func (s *Service) ShortlistProposal(ctx context.Context, req *connect.Request[tasksv1.ShortlistProposalRequest]) (*connect.Response[tasksv1.ShortlistProposalResponse], error) {
	out, err := s.changeProposal(ctx, req.Msg.GetProposalId(), func(_ pgx.Tx, q *db.Queries, t db.Task, p db.Proposal) error {
		caller, _ := principalID(ctx)
		if t.ClientID != caller {
			return &NotOwnerError{Action: "shortlist proposals for"}
		}
		if p.Status != "pending" {
			return ErrProposalNotPending
		}
		return q.SetProposalShortlisted(ctx, db.SetProposalShortlistedParams{ID: p.ID, Shortlisted: req.Msg.GetShortlisted()})
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.ShortlistProposalResponse{Proposal: out}), nil
}

// AwardProposal awards the task to a pending proposal (TASK-2): the task
// becomes awarded with the proposal's provider, an engagement is created,
// and the winner and the other proposers are told. The task's row lock
// makes concurrent awards apply one after another: the second finds the
// task awarded and is refused.
func (s *Service) AwardProposal(ctx context.Context, req *connect.Request[tasksv1.AwardProposalRequest]) (*connect.Response[tasksv1.AwardProposalResponse], error) {
	var task *tasksv1.Task
	_, err := s.changeProposal(ctx, req.Msg.GetProposalId(), func(tx pgx.Tx, q *db.Queries, t db.Task, p db.Proposal) error {
		caller, _ := principalID(ctx)
		if t.ClientID != caller {
			return &NotOwnerError{Action: "award"}
		}
		if t.Status == statusOpen && p.Status != "pending" {
			return ErrProposalNotPending
		}
		if err := transitionTask(ctx, q, t, partyClient, caller, statusAwarded, ""); err != nil {
			return err
		}
		if err := s.mayTakeWork(ctx, p.ProviderID); err != nil {
			return err
		}
		if err := q.SetTaskProvider(ctx, db.SetTaskProviderParams{ID: t.ID, ProviderID: &p.ProviderID}); err != nil {
			return fmt.Errorf("set task provider: %w", err)
		}
		if err := q.SetProposalStatus(ctx, db.SetProposalStatusParams{ID: p.ID, Status: "awarded"}); err != nil {
			return fmt.Errorf("award proposal: %w", err)
		}
		if err := q.InsertEngagement(ctx, db.InsertEngagementParams{
			TaskID: t.ID, ProposalID: p.ID, ClientID: t.ClientID, ProviderID: p.ProviderID, PriceFen: p.PriceFen,
		}); err != nil {
			return fmt.Errorf("create engagement: %w", err)
		}
		others, err := q.DeclineOtherProposals(ctx, db.DeclineOtherProposalsParams{TaskID: t.ID, AwardedID: p.ID})
		if err != nil {
			return fmt.Errorf("decline other proposals: %w", err)
		}
		for _, o := range others {
			if err := notify(ctx, tx, t, o, "proposal.declined", nil); err != nil {
				return err
			}
		}
		if err := notify(ctx, tx, t, p.ProviderID, "proposal.awarded", nil); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{
			ActorID: caller.String(), Action: "task.award", Target: "task:" + formatRef(t.RefNo),
			Detail: map[string]any{"proposal": p.ID.String(), "provider": p.ProviderID.String(), "price_fen": p.PriceFen},
		}); err != nil {
			return err
		}
		row, err := q.GetTask(ctx, t.ID)
		if err != nil {
			return fmt.Errorf("get awarded task: %w", err)
		}
		task = taskToProto(row.Task, row.ClientDisplayName)
		return nil
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.AwardProposalResponse{Task: task}), nil
}

// InviteProvider asks a provider to propose for the client's open task.
func (s *Service) InviteProvider(ctx context.Context, req *connect.Request[tasksv1.InviteProviderRequest]) (*connect.Response[tasksv1.InviteProviderResponse], error) {
	caller, err := callingUser(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	id, refNo, err := idOrRef(req.Msg.GetIdOrRef())
	if err != nil {
		return nil, connectError(err)
	}
	providerID, err := parseID("provider_id", req.Msg.GetProviderId())
	if err != nil {
		return nil, connectError(err)
	}
	if err := s.mayTakeWork(ctx, providerID); err != nil {
		return nil, connectError(err)
	}
	_, err = s.changeTx(ctx, id, refNo, func(tx pgx.Tx, q *db.Queries, t db.Task) error {
		if t.ClientID != caller {
			return &NotOwnerError{Action: "invite providers to"}
		}
		if t.Status != statusOpen {
			return ErrTaskNotOpen
		}
		if providerID == caller {
			return ErrOwnTask
		}
		n, err := q.InsertInvitation(ctx, db.InsertInvitationParams{TaskID: t.ID, ProviderID: providerID, InvitedBy: caller})
		if err != nil {
			return fmt.Errorf("invite provider: %w", err)
		}
		if n == 0 {
			return nil // invited before: nothing new to tell
		}
		return notify(ctx, tx, t, providerID, "task.invited", nil)
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.InviteProviderResponse{}), nil
}

// ListTaskProposals lists a task's proposals: all to its client, their own
// to a provider.
func (s *Service) ListTaskProposals(ctx context.Context, req *connect.Request[tasksv1.ListTaskProposalsRequest]) (*connect.Response[tasksv1.ListTaskProposalsResponse], error) {
	caller, err := callingUser(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	id, refNo, err := idOrRef(req.Msg.GetIdOrRef())
	if err != nil {
		return nil, connectError(err)
	}
	q := db.New(s.db.Primary)
	row, err := getTask(ctx, q, id, refNo)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !visible(ctx, row.Task)) {
		return nil, connectError(ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get task: %w", err)
	}
	filter := caller
	isClient := row.Task.ClientID == caller
	if isClient {
		filter = uuid.Nil
	}
	rows, err := q.ListTaskProposals(ctx, db.ListTaskProposalsParams{TaskID: row.Task.ID, ProviderID: filter})
	if err != nil {
		return nil, fmt.Errorf("list proposals: %w", err)
	}
	resp := &tasksv1.ListTaskProposalsResponse{}
	for _, r := range rows {
		p := db.Proposal{ID: r.ID, TaskID: r.TaskID, ProviderID: r.ProviderID, PriceFen: r.PriceFen,
			TimelineDays: r.TimelineDays, CoverNote: r.CoverNote, Status: r.Status, Shortlisted: r.Shortlisted,
			CreateTime: r.CreateTime, UpdateTime: r.UpdateTime}
		if r.TakedownReason != nil && !seesHidden(ctx, r.ProviderID) {
			// Taken down (SEC-5): gone for the client, but an awarded
			// proposal stays as the engagement's record, without its note.
			if r.Status != "awarded" {
				continue
			}
			p.CoverNote = ""
		}
		resp.Proposals = append(resp.Proposals, proposalToProto(p, r.TaskRefNo, r.TaskTitle, r.ProviderDisplayName))
	}
	if isClient {
		invited, err := q.ListTaskInvitations(ctx, row.Task.ID)
		if err != nil {
			return nil, fmt.Errorf("list invitations: %w", err)
		}
		for _, i := range invited {
			resp.InvitedProviderIds = append(resp.InvitedProviderIds, i.String())
		}
	}
	return connect.NewResponse(resp), nil
}

// ListMyWork lists the caller's proposals, invitations and engagements.
func (s *Service) ListMyWork(ctx context.Context, _ *connect.Request[tasksv1.ListMyWorkRequest]) (*connect.Response[tasksv1.ListMyWorkResponse], error) {
	caller, err := callingUser(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	q := db.New(s.db.Primary)
	resp := &tasksv1.ListMyWorkResponse{}
	props, err := q.ListProviderProposals(ctx, caller)
	if err != nil {
		return nil, fmt.Errorf("list my proposals: %w", err)
	}
	for _, r := range props {
		p := db.Proposal{ID: r.ID, TaskID: r.TaskID, ProviderID: r.ProviderID, PriceFen: r.PriceFen,
			TimelineDays: r.TimelineDays, CoverNote: r.CoverNote, Status: r.Status, Shortlisted: r.Shortlisted,
			CreateTime: r.CreateTime, UpdateTime: r.UpdateTime}
		resp.Proposals = append(resp.Proposals, proposalToProto(p, r.TaskRefNo, r.TaskTitle, r.ProviderDisplayName))
	}
	invs, err := q.ListProviderInvitations(ctx, caller)
	if err != nil {
		return nil, fmt.Errorf("list my invitations: %w", err)
	}
	for _, r := range invs {
		resp.Invitations = append(resp.Invitations, &tasksv1.Invitation{
			TaskId: r.TaskID.String(), TaskRef: formatRef(r.RefNo), TaskTitle: r.Title,
			ClientDisplayName: r.ClientDisplayName, CreateTime: timestamppb.New(r.CreateTime),
		})
	}
	engs, err := q.ListProviderEngagements(ctx, &caller)
	if err != nil {
		return nil, fmt.Errorf("list my engagements: %w", err)
	}
	for _, r := range engs {
		resp.Engagements = append(resp.Engagements, taskToProto(r.Task, r.ClientDisplayName))
	}
	return connect.NewResponse(resp), nil
}

// partyChange runs fn on the task under its row lock after checking that
// the caller is its provider (who == partyProvider), its client
// (partyClient), or either (""); fn gets the caller's party.
func (s *Service) partyChange(ctx context.Context, idOrRefText string, who party, fn func(tx pgx.Tx, q *db.Queries, t db.Task, caller uuid.UUID, as party) error) (*tasksv1.Task, error) {
	caller, err := callingUser(ctx)
	if err != nil {
		return nil, err
	}
	id, refNo, err := idOrRef(idOrRefText)
	if err != nil {
		return nil, err
	}
	return s.changeTx(ctx, id, refNo, func(tx pgx.Tx, q *db.Queries, t db.Task) error {
		isProvider := t.ProviderID != nil && *t.ProviderID == caller
		isClient := t.ClientID == caller
		var as party
		switch {
		case who == partyProvider && !isProvider:
			return ErrNotProvider
		case who == partyClient && !isClient:
			return &NotOwnerError{Action: "do this to"}
		case who == "" && !isProvider && !isClient:
			return ErrNotParty
		case isProvider && who != partyClient:
			as = partyProvider
		default:
			as = partyClient
		}
		return fn(tx, q, t, caller, as)
	})
}

// other returns the party of t who is not as.
func other(t db.Task, as party) uuid.UUID {
	if as == partyClient && t.ProviderID != nil {
		return *t.ProviderID
	}
	return t.ClientID
}

// note checks an optional (or, when required, mandatory) note or reason.
func checkNote(field, note string, required bool) (string, error) {
	note = strings.TrimSpace(note)
	var vs badrequest.List
	switch n := utf8.RuneCountInString(note); {
	case n == 0 && required:
		vs.Add(field, "REQUIRED", "Give a reason.")
	case n > maxNoteLen:
		vs.Add(field, "TOO_LONG", fmt.Sprintf("The text must be at most %d characters long.", maxNoteLen))
	}
	return note, vs.Err()
}

// StartWork moves an awarded task to in progress (the provider).
func (s *Service) StartWork(ctx context.Context, req *connect.Request[tasksv1.StartWorkRequest]) (*connect.Response[tasksv1.StartWorkResponse], error) {
	task, err := s.partyChange(ctx, req.Msg.GetIdOrRef(), partyProvider, func(tx pgx.Tx, q *db.Queries, t db.Task, caller uuid.UUID, as party) error {
		if err := transitionTask(ctx, q, t, as, caller, statusInProgress, ""); err != nil {
			return err
		}
		return notify(ctx, tx, t, t.ClientID, "task.started", nil)
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.StartWorkResponse{Task: task}), nil
}

// SetSubStatus sets the provider's progress note while in progress; the
// change is on the timeline as an in-progress → in-progress event.
func (s *Service) SetSubStatus(ctx context.Context, req *connect.Request[tasksv1.SetSubStatusRequest]) (*connect.Response[tasksv1.SetSubStatusResponse], error) {
	sub := strings.TrimSpace(req.Msg.GetSubStatus())
	var vs badrequest.List
	switch n := utf8.RuneCountInString(sub); {
	case n == 0:
		vs.Add("sub_status", "REQUIRED", "Say how the work is going.")
	case n > maxSubStatusLen:
		vs.Add("sub_status", "TOO_LONG", fmt.Sprintf("The status must be at most %d characters long.", maxSubStatusLen))
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	verdict, err := s.mod.CheckText(ctx, "sub_status", sub) // SEC-5
	if err != nil {
		return nil, connectError(err)
	}
	task, err := s.partyChange(ctx, req.Msg.GetIdOrRef(), partyProvider, func(tx pgx.Tx, q *db.Queries, t db.Task, caller uuid.UUID, _ party) error {
		if t.Status != statusInProgress {
			return ErrNotInProgress
		}
		if err := q.SetTaskSubStatus(ctx, db.SetTaskSubStatusParams{ID: t.ID, SubStatus: sub}); err != nil {
			return fmt.Errorf("set sub-status: %w", err)
		}
		if err := q.InsertTaskEvent(ctx, db.InsertTaskEventParams{
			TaskID: t.ID, ActorID: caller, FromStatus: statusInProgress, ToStatus: statusInProgress, Note: sub,
		}); err != nil {
			return fmt.Errorf("record sub-status: %w", err)
		}
		if err := queueNote(ctx, tx, q, t, caller, verdict); err != nil {
			return err
		}
		return notify(ctx, tx, t, t.ClientID, "task.sub_status", map[string]string{"sub_status": sub})
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.SetSubStatusResponse{Task: task}), nil
}

// validateDelivery checks a delivery's note, links and file ids.
func validateDelivery(m *tasksv1.DeliverTaskRequest) (string, []string, []uuid.UUID, error) {
	var vs badrequest.List
	note := strings.TrimSpace(m.GetNote())
	switch n := utf8.RuneCountInString(note); {
	case n == 0:
		vs.Add("note", "REQUIRED", "Describe what you deliver.")
	case n > maxDeliveryNote:
		vs.Add("note", "TOO_LONG", fmt.Sprintf("The note must be at most %d characters long.", maxDeliveryNote))
	}
	var links []string
	if len(m.GetLinks()) > maxLinks {
		vs.Add("links", "TOO_MANY_LINKS", fmt.Sprintf("Give at most %d links.", maxLinks))
	}
	for _, l := range m.GetLinks() {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		u, err := url.Parse(l)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(l) > maxLinkLen {
			vs.Add("links", "LINK_INVALID", "Each link must be a web address starting with http:// or https://.")
			break
		}
		links = append(links, l)
	}
	var ids []uuid.UUID
	for _, s := range m.GetAttachmentIds() {
		id, err := uuid.Parse(s)
		if err != nil {
			vs.Add("attachment_ids", "ATTACHMENT_INVALID", "A file is not an uploaded file of yours for this task.")
			break
		}
		ids = append(ids, id)
	}
	if links == nil {
		links = []string{}
	}
	return note, links, ids, vs.Err()
}

// DeliverTask hands the work over (the provider).
func (s *Service) DeliverTask(ctx context.Context, req *connect.Request[tasksv1.DeliverTaskRequest]) (*connect.Response[tasksv1.DeliverTaskResponse], error) {
	note, links, ids, err := validateDelivery(req.Msg)
	if err != nil {
		return nil, connectError(err)
	}
	verdict, err := s.mod.CheckText(ctx, "note", note) // SEC-5
	if err != nil {
		return nil, connectError(err)
	}
	var delivery db.Delivery
	task, err := s.partyChange(ctx, req.Msg.GetIdOrRef(), partyProvider, func(tx pgx.Tx, q *db.Queries, t db.Task, caller uuid.UUID, as party) error {
		if err := transitionTask(ctx, q, t, as, caller, statusDelivered, ""); err != nil {
			return err
		}
		delivery, err = q.InsertDelivery(ctx, db.InsertDeliveryParams{TaskID: t.ID, ProviderID: caller, Note: note, Links: links})
		if err != nil {
			return fmt.Errorf("record delivery: %w", err)
		}
		if len(ids) > 0 {
			n, err := q.AttachToDelivery(ctx, db.AttachToDeliveryParams{DeliveryID: &delivery.ID, Ids: ids, TaskID: t.ID, UploaderID: caller})
			if err != nil {
				return fmt.Errorf("attach delivered files: %w", err)
			}
			if n != int64(len(ids)) {
				return ErrAttachmentInvalid
			}
		}
		if err := moderation.Queue(ctx, tx, deliveryItem(delivery.ID, t.RefNo, caller), verdict); err != nil {
			return err
		}
		return notify(ctx, tx, t, t.ClientID, "task.delivered", nil)
	})
	if err != nil {
		return nil, connectError(err)
	}
	out := &tasksv1.Delivery{Id: delivery.ID.String(), Note: delivery.Note, Links: delivery.Links, CreateTime: timestamppb.New(delivery.CreateTime)}
	return connect.NewResponse(&tasksv1.DeliverTaskResponse{Task: task, Delivery: out}), nil
}

// AcceptDelivery accepts the delivered work (the client).
func (s *Service) AcceptDelivery(ctx context.Context, req *connect.Request[tasksv1.AcceptDeliveryRequest]) (*connect.Response[tasksv1.AcceptDeliveryResponse], error) {
	note, err := checkNote("note", req.Msg.GetNote(), false)
	if err != nil {
		return nil, connectError(err)
	}
	verdict, err := s.mod.CheckText(ctx, "note", note) // SEC-5
	if err != nil {
		return nil, connectError(err)
	}
	task, err := s.partyChange(ctx, req.Msg.GetIdOrRef(), partyClient, func(tx pgx.Tx, q *db.Queries, t db.Task, caller uuid.UUID, as party) error {
		if err := transitionTask(ctx, q, t, as, caller, statusAccepted, note); err != nil {
			return err
		}
		if err := queueNote(ctx, tx, q, t, caller, verdict); err != nil {
			return err
		}
		return notify(ctx, tx, t, other(t, as), "task.accepted", nil)
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.AcceptDeliveryResponse{Task: task}), nil
}

// RequestChanges sends delivered work back with a reason (the client).
func (s *Service) RequestChanges(ctx context.Context, req *connect.Request[tasksv1.RequestChangesRequest]) (*connect.Response[tasksv1.RequestChangesResponse], error) {
	reason, err := checkNote("reason", req.Msg.GetReason(), true)
	if err != nil {
		return nil, connectError(err)
	}
	verdict, err := s.mod.CheckText(ctx, "reason", reason) // SEC-5
	if err != nil {
		return nil, connectError(err)
	}
	task, err := s.partyChange(ctx, req.Msg.GetIdOrRef(), partyClient, func(tx pgx.Tx, q *db.Queries, t db.Task, caller uuid.UUID, as party) error {
		if t.Status != statusDelivered {
			return &TransitionError{From: t.Status, To: statusInProgress}
		}
		if err := transitionTask(ctx, q, t, as, caller, statusInProgress, reason); err != nil {
			return err
		}
		if err := queueNote(ctx, tx, q, t, caller, verdict); err != nil {
			return err
		}
		return notify(ctx, tx, t, other(t, as), "task.changes_requested", map[string]string{"reason": reason})
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.RequestChangesResponse{Task: task}), nil
}

// RaiseDispute disputes an in-progress or delivered task (either party).
func (s *Service) RaiseDispute(ctx context.Context, req *connect.Request[tasksv1.RaiseDisputeRequest]) (*connect.Response[tasksv1.RaiseDisputeResponse], error) {
	reason, err := checkNote("reason", req.Msg.GetReason(), true)
	if err != nil {
		return nil, connectError(err)
	}
	verdict, err := s.mod.CheckText(ctx, "reason", reason) // SEC-5
	if err != nil {
		return nil, connectError(err)
	}
	task, err := s.partyChange(ctx, req.Msg.GetIdOrRef(), "", func(tx pgx.Tx, q *db.Queries, t db.Task, caller uuid.UUID, as party) error {
		if err := transitionTask(ctx, q, t, as, caller, statusDisputed, reason); err != nil {
			return err
		}
		if err := queueNote(ctx, tx, q, t, caller, verdict); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: caller.String(), Action: "task.dispute", Target: "task:" + formatRef(t.RefNo),
			Detail: map[string]any{"reason": reason}}); err != nil {
			return err
		}
		return notify(ctx, tx, t, other(t, as), "task.disputed", map[string]string{"reason": reason})
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.RaiseDisputeResponse{Task: task}), nil
}

// ListDeliveries lists a task's deliveries, with their files, to its parties.
func (s *Service) ListDeliveries(ctx context.Context, req *connect.Request[tasksv1.ListDeliveriesRequest]) (*connect.Response[tasksv1.ListDeliveriesResponse], error) {
	caller, err := callingUser(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	p, err := s.Parties(ctx, req.Msg.GetIdOrRef())
	if err != nil {
		return nil, connectError(err)
	}
	if !p.IsParty(caller) {
		return nil, connectError(ErrNotParty)
	}
	q := db.New(s.db.Primary)
	rows, err := q.ListDeliveries(ctx, p.TaskID)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	files, err := s.attachments(ctx, q, p.TaskID, true)
	if err != nil {
		return nil, err
	}
	resp := &tasksv1.ListDeliveriesResponse{}
	for _, d := range rows {
		out := &tasksv1.Delivery{Id: d.ID.String(), Note: d.Note, Links: d.Links, CreateTime: timestamppb.New(d.CreateTime)}
		if d.TakedownReason != nil && !seesHidden(ctx, d.ProviderID) {
			out.Note = "" // taken down (SEC-5)
		}
		for _, f := range files {
			if f.GetDeliveryId() == out.Id {
				out.Attachments = append(out.Attachments, f)
			}
		}
		resp.Deliveries = append(resp.Deliveries, out)
	}
	return connect.NewResponse(resp), nil
}
