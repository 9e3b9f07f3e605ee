package providers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/notifications"
	"github.com/talent-hub/talent/backend/providers/internal/db"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
)

// vettingLink is the app page where a provider follows their vetting.
const vettingLink = "/provider/vetting"

// SubmitVetting records a submission for review: allowed when the caller
// has a profile and has not submitted yet, or was rejected. The ID number
// is sealed; only its masked form is ever read back.
func (s *Service) SubmitVetting(ctx context.Context, req *connect.Request[providersv1.SubmitVettingRequest]) (*connect.Response[providersv1.SubmitVettingResponse], error) {
	userID, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	in, err := validateSubmission(req.Msg)
	if err != nil {
		return nil, connectError(err)
	}
	subID := uuid.New()
	keyID, sealed, err := s.sealer.Encrypt([]byte(in.idNumber), IDNumberAAD(subID.String()))
	if err != nil {
		return nil, fmt.Errorf("seal id number: %w", err)
	}
	certs, err := json.Marshal(in.certificates)
	if err != nil {
		return nil, fmt.Errorf("marshal certificates: %w", err)
	}
	if in.certificates == nil {
		certs = []byte("[]")
	}
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin submit vetting: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	state, err := q.LockProfile(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, connectError(&PreconditionError{Field: "profile", Reason: "PROFILE_REQUIRED",
			Message: "Create your provider profile before submitting vetting."})
	}
	if err != nil {
		return nil, fmt.Errorf("lock profile: %w", err)
	}
	switch state.VettingStatus {
	case statusSubmitted:
		return nil, connectError(&PreconditionError{Field: "status", Reason: "VETTING_PENDING",
			Message: "Your submission is waiting for review."})
	case statusApproved:
		return nil, connectError(&PreconditionError{Field: "status", Reason: "VETTING_APPROVED",
			Message: "You are already approved."})
	}
	if err := s.checkFiles(ctx, q, userID, []uuid.UUID{in.idFront}, "id_front_file_id", kindIDFront); err != nil {
		return nil, connectError(err)
	}
	if err := s.checkFiles(ctx, q, userID, []uuid.UUID{in.idBack}, "id_back_file_id", kindIDBack); err != nil {
		return nil, connectError(err)
	}
	for i, c := range in.certificates {
		if err := s.checkFiles(ctx, q, userID, []uuid.UUID{c.FileID}, fmt.Sprintf("certificates[%d].file_id", i), kindCertificate); err != nil {
			return nil, connectError(err)
		}
	}
	row, err := q.InsertSubmission(ctx, db.InsertSubmissionParams{
		ID: subID, UserID: userID, IDNumberSealed: sealed, IDNumberKeyID: keyID,
		IDNumberMasked: maskIDNumber(in.idNumber),
		IDFrontFile:    in.idFront, IDBackFile: in.idBack, Certificates: certs,
	})
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "23505" {
		return nil, connectError(&PreconditionError{Field: "status", Reason: "VETTING_PENDING",
			Message: "Your submission is waiting for review."})
	}
	if err != nil {
		return nil, fmt.Errorf("insert submission: %w", err)
	}
	if err := q.SetVettingStatus(ctx, db.SetVettingStatusParams{UserID: userID, VettingStatus: statusSubmitted}); err != nil {
		return nil, fmt.Errorf("set vetting status: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit submit vetting: %w", err)
	}
	sub, err := s.submissionToProto(ctx, db.New(s.db.Primary), row, "", false)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&providersv1.SubmitVettingResponse{Submission: sub}), nil
}

// GetMyVetting returns the caller's vetting status and every submission,
// newest first.
func (s *Service) GetMyVetting(ctx context.Context, _ *connect.Request[providersv1.GetMyVettingRequest]) (*connect.Response[providersv1.GetMyVettingResponse], error) {
	userID, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	q := db.New(s.db.Primary)
	prof, err := q.GetProfile(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, connectError(ErrNoProfile)
	}
	if err != nil {
		return nil, fmt.Errorf("get profile: %w", err)
	}
	rows, err := q.ListMySubmissions(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list submissions: %w", err)
	}
	resp := &providersv1.GetMyVettingResponse{
		Status:    vettingStatusToProto[prof.ProviderProfile.VettingStatus],
		Suspended: prof.ProviderProfile.Suspended,
	}
	for _, r := range rows {
		sub, err := s.submissionToProto(ctx, q, r, prof.DisplayName, false)
		if err != nil {
			return nil, err
		}
		resp.Submissions = append(resp.Submissions, sub)
	}
	return connect.NewResponse(resp), nil
}

// ListVettingQueue lists submissions awaiting review, oldest first. The
// list carries the masked ID number only and no document links.
func (s *Service) ListVettingQueue(ctx context.Context, req *connect.Request[providersv1.ListVettingQueueRequest]) (*connect.Response[providersv1.ListVettingQueueResponse], error) {
	size := int(req.Msg.GetPageSize())
	switch {
	case size <= 0:
		size = defaultQueuePage
	case size > maxQueuePageSize:
		size = maxQueuePageSize
	}
	afterTime, afterID, ok := parsePageToken(req.Msg.GetPageToken())
	if !ok {
		return nil, connectError(violation("page_token", "PAGE_TOKEN_INVALID", "The page token is not one this service gave."))
	}
	q := db.New(s.db.Primary)
	rows, err := q.ListQueue(ctx, db.ListQueueParams{AfterTime: afterTime, AfterID: afterID, PageSize: int32(size + 1)})
	if err != nil {
		return nil, fmt.Errorf("list vetting queue: %w", err)
	}
	resp := &providersv1.ListVettingQueueResponse{}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[size-1].VettingSubmission
		resp.NextPageToken = pageToken(last.SubmitTime, last.ID)
	}
	for _, r := range rows {
		sub, err := s.submissionToProto(ctx, q, r.VettingSubmission, r.DisplayName, false)
		if err != nil {
			return nil, err
		}
		resp.Submissions = append(resp.Submissions, sub)
	}
	return connect.NewResponse(resp), nil
}

// GetVettingSubmission returns one submission for review: its documents
// with presigned links valid for a few minutes, and the provider's profile
// with the full portfolio.
func (s *Service) GetVettingSubmission(ctx context.Context, req *connect.Request[providersv1.GetVettingSubmissionRequest]) (*connect.Response[providersv1.GetVettingSubmissionResponse], error) {
	id, err := parseID("id", req.Msg.GetId())
	if err != nil {
		return nil, connectError(err)
	}
	q := db.New(s.db.Primary)
	row, err := q.GetSubmission(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, connectError(ErrSubmissionNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get submission: %w", err)
	}
	sub, err := s.submissionToProto(ctx, q, row.VettingSubmission, row.DisplayName, true)
	if err != nil {
		return nil, err
	}
	if sub.Profile, err = s.profile(ctx, q, row.VettingSubmission.UserID, true); err != nil {
		return nil, err
	}
	return connect.NewResponse(&providersv1.GetVettingSubmissionResponse{Submission: sub}), nil
}

// DecideVetting approves or rejects a submission awaiting review, audits
// the decision and notifies the provider, in one transaction.
func (s *Service) DecideVetting(ctx context.Context, req *connect.Request[providersv1.DecideVettingRequest]) (*connect.Response[providersv1.DecideVettingResponse], error) {
	adminID, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	id, err := parseID("id", req.Msg.GetId())
	if err != nil {
		return nil, connectError(err)
	}
	reason := strings.TrimSpace(req.Msg.GetReason())
	var status, action, kind string
	switch req.Msg.GetDecision() {
	case providersv1.Decision_DECISION_APPROVE:
		status, action, kind = statusApproved, "vetting.approve", "vetting.approved"
	case providersv1.Decision_DECISION_REJECT:
		status, action, kind = statusRejected, "vetting.reject", "vetting.rejected"
		if reason == "" {
			return nil, connectError(violation("reason", "REQUIRED", "Give the provider a reason for the rejection."))
		}
	default:
		return nil, connectError(violation("decision", "REQUIRED", "Approve or reject."))
	}
	if utf8.RuneCountInString(reason) > maxReasonLen {
		return nil, connectError(violation("reason", "TOO_LONG", fmt.Sprintf("At most %d characters.", maxReasonLen)))
	}
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin decide vetting: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	row, err := q.DecideSubmission(ctx, db.DecideSubmissionParams{ID: id, Status: status, DecidedBy: &adminID, Reason: reason})
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := q.GetSubmission(ctx, id); errors.Is(err, pgx.ErrNoRows) {
			return nil, connectError(ErrSubmissionNotFound)
		}
		return nil, connectError(&PreconditionError{Field: "status", Reason: "VETTING_DECIDED",
			Message: "This submission has already been decided."})
	}
	if err != nil {
		return nil, fmt.Errorf("decide submission: %w", err)
	}
	if err := q.SetVettingStatus(ctx, db.SetVettingStatusParams{UserID: row.UserID, VettingStatus: status}); err != nil {
		return nil, fmt.Errorf("set vetting status: %w", err)
	}
	detail := map[string]any{"submission": row.ID.String()}
	if reason != "" {
		detail["reason"] = reason
	}
	if err := audit.Record(ctx, tx, audit.Entry{
		ActorID: adminID.String(), Action: action, Target: "user:" + row.UserID.String(),
		IP: peerIP(req.Peer().Addr), Detail: detail,
	}); err != nil {
		return nil, err
	}
	params := map[string]string{}
	if reason != "" {
		params["reason"] = reason
	}
	if _, err := notifications.Send(ctx, tx, notifications.Notification{
		UserID: row.UserID, Kind: kind, Params: params, Link: vettingLink,
	}); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit decide vetting: %w", err)
	}
	sub, err := s.submissionToProto(ctx, db.New(s.db.Primary), row, "", false)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&providersv1.DecideVettingResponse{Submission: sub}), nil
}

// SuspendProvider suspends or reinstates a provider, audited.
func (s *Service) SuspendProvider(ctx context.Context, req *connect.Request[providersv1.SuspendProviderRequest]) (*connect.Response[providersv1.SuspendProviderResponse], error) {
	adminID, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	userID, err := parseID("user_id", req.Msg.GetUserId())
	if err != nil {
		return nil, connectError(err)
	}
	reason := strings.TrimSpace(req.Msg.GetReason())
	if req.Msg.GetSuspended() && reason == "" {
		return nil, connectError(violation("reason", "REQUIRED", "Give a reason for the suspension."))
	}
	if utf8.RuneCountInString(reason) > maxReasonLen {
		return nil, connectError(violation("reason", "TOO_LONG", fmt.Sprintf("At most %d characters.", maxReasonLen)))
	}
	action := "vetting.reinstate"
	if req.Msg.GetSuspended() {
		action = "vetting.suspend"
	}
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin suspend provider: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	if _, err := q.SetSuspended(ctx, db.SetSuspendedParams{UserID: userID, Suspended: req.Msg.GetSuspended()}); errors.Is(err, pgx.ErrNoRows) {
		return nil, connectError(ErrNoProfile)
	} else if err != nil {
		return nil, fmt.Errorf("set suspended: %w", err)
	}
	if err := audit.Record(ctx, tx, audit.Entry{
		ActorID: adminID.String(), Action: action, Target: "user:" + userID.String(),
		IP: peerIP(req.Peer().Addr), Detail: map[string]any{"reason": reason},
	}); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit suspend provider: %w", err)
	}
	p, err := s.profile(ctx, db.New(s.db.Primary), userID, true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&providersv1.SuspendProviderResponse{Profile: p}), nil
}

// MayTakeWork reports whether userID may propose for and be awarded work:
// their vetting is approved and they are not suspended (ID-2).
func (s *Service) MayTakeWork(ctx context.Context, userID uuid.UUID) (bool, error) {
	ok, err := db.New(s.db.Primary).MayTakeWork(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("may take work: %w", err)
	}
	return ok, nil
}

// submissionToProto describes a submission: the ID number masked, the
// documents with links when withLinks.
func (s *Service) submissionToProto(ctx context.Context, q *db.Queries, r db.VettingSubmission, displayName string, withLinks bool) (*providersv1.VettingSubmission, error) {
	var certs []certificateInput
	if err := json.Unmarshal(r.Certificates, &certs); err != nil {
		return nil, fmt.Errorf("decode certificates: %w", err)
	}
	ids := []uuid.UUID{r.IDFrontFile, r.IDBackFile}
	for _, c := range certs {
		ids = append(ids, c.FileID)
	}
	rows, err := q.ListFiles(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	files := map[uuid.UUID]*providersv1.File{}
	for _, f := range rows {
		files[f.ID] = s.fileToProto(ctx, f, withLinks)
	}
	sub := &providersv1.VettingSubmission{
		Id:             r.ID.String(),
		UserId:         r.UserID.String(),
		DisplayName:    displayName,
		Status:         vettingStatusToProto[r.Status],
		IdNumberMasked: r.IDNumberMasked,
		IdFront:        files[r.IDFrontFile],
		IdBack:         files[r.IDBackFile],
		SubmitTime:     timestamppb.New(r.SubmitTime),
		Reason:         r.Reason,
	}
	if r.DecideTime != nil {
		sub.DecideTime = timestamppb.New(*r.DecideTime)
	}
	for _, c := range certs {
		sub.Certificates = append(sub.Certificates, &providersv1.Certificate{
			Name: c.Name, Issuer: c.Issuer, Number: c.Number, ExpiryDate: c.ExpiryDate,
			FileId: c.FileID.String(), File: files[c.FileID],
		})
	}
	return sub, nil
}

// pageToken encodes the queue position after which the next page starts.
func pageToken(t time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMicro(), 10) + "/" + id.String()))
}

// parsePageToken decodes a pageToken; "" is the start of the queue.
func parsePageToken(tok string) (time.Time, uuid.UUID, bool) {
	if tok == "" {
		return time.Unix(0, 0), uuid.Nil, true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return time.Time{}, uuid.Nil, false
	}
	ts, idStr, ok := strings.Cut(string(b), "/")
	micros, err1 := strconv.ParseInt(ts, 10, 64)
	id, err2 := uuid.Parse(idStr)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, uuid.Nil, false
	}
	return time.UnixMicro(micros), id, true
}

// peerIP is the host of a peer address ("1.2.3.4:5678" → "1.2.3.4").
func peerIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
