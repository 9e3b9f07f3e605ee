// Package reviews is the review service (issue 4 item 8): after a task is
// accepted its client and provider review each other once (1 to 5 stars
// and a text). Reviews are double-blind: a review is revealed when the
// other party has reviewed too, or 14 days after it was written; until
// then only its author sees it. The reviewee may reply once and may hide
// a review from their public profile (privacy mode); it still counts in
// their score. RatingSummary is the score other services (matching) use.
// It implements reviewsv1connect.ReviewServiceHandler.
package reviews

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/notifications"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/reviews/internal/db"
	"github.com/talent-hub/talent/backend/tasks"
	reviewsv1 "github.com/talent-hub/talent/proto/talent/reviews/v1"
	"github.com/talent-hub/talent/proto/talent/reviews/v1/reviewsv1connect"
)

// Limits and the score's prior.
const (
	maxBodyLen = 2000
	// BlindPeriod is how long a review stays hidden when the other party
	// does not review.
	BlindPeriod = 14 * 24 * time.Hour
	// priorStars and priorWeight pull the Bayesian score of users with few
	// reviews toward the middle.
	priorStars  = 3.5
	priorWeight = 5
)

// Errors of the review service, each with the reason the web app translates.
var (
	ErrNotParty        = ruleError(connect.CodePermissionDenied, "id_or_ref", "NOT_TASK_PARTY", "only the task's client and provider can do this")
	ErrNotAccepted     = ruleError(connect.CodeFailedPrecondition, "status", "REVIEW_NOT_YET", "reviews open once the work is accepted")
	ErrReviewed        = ruleError(connect.CodeAlreadyExists, "review", "REVIEW_EXISTS", "you have already reviewed this task")
	ErrReviewNotFound  = ruleError(connect.CodeNotFound, "review_id", "REVIEW_NOT_FOUND", "review not found")
	ErrNotReviewee     = ruleError(connect.CodePermissionDenied, "review_id", "NOT_REVIEWEE", "only the person reviewed can do this")
	ErrReplied         = ruleError(connect.CodeAlreadyExists, "reply", "REPLY_EXISTS", "you have already replied to this review")
	ErrStillBlind      = ruleError(connect.CodeFailedPrecondition, "review_id", "REVIEW_NOT_REVEALED", "this review is not revealed yet")
	errUnauthenticated = connect.NewError(connect.CodeUnauthenticated, errors.New("please log in"))
)

func ruleError(code connect.Code, field, reason, msg string) *connect.Error {
	return badrequest.WithDetail(connect.NewError(code, errors.New(msg)),
		badrequest.Detail(badrequest.Violation{Field: field, Reason: reason, Description: msg}))
}

// Options tune a Service.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Moderation checks review texts and replies against the keyword
	// lists (SEC-5); nil checks nothing.
	Moderation *moderation.Checker
}

// Service is the review service.
type Service struct {
	db    *postgres.DB
	tasks *tasks.Service
	now   func() time.Time
	mod   *moderation.Checker
}

// Interface guard.
var _ reviewsv1connect.ReviewServiceHandler = (*Service)(nil)

// New returns the review service over db, asking taskSvc who a task's
// parties are.
func New(db *postgres.DB, taskSvc *tasks.Service, opts Options) *Service {
	s := &Service{db: db, tasks: taskSvc, now: opts.Now, mod: opts.Moderation}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Policies declares who may call each RPC; the handlers check the parties.
func Policies() auth.Policies {
	parties := auth.Policy{Roles: []string{auth.RoleClient, auth.RoleProvider}}
	return auth.Policies{
		reviewsv1connect.ReviewServiceSubmitReviewProcedure:    parties,
		reviewsv1connect.ReviewServiceReplyToReviewProcedure:   parties,
		reviewsv1connect.ReviewServiceSetReviewHiddenProcedure: parties,
		reviewsv1connect.ReviewServiceListTaskReviewsProcedure: parties,
		// Public profiles and scores.
		reviewsv1connect.ReviewServiceListUserReviewsProcedure:  {Public: true},
		reviewsv1connect.ReviewServiceGetRatingSummaryProcedure: {Public: true},
	}
}

func caller(ctx context.Context) (uuid.UUID, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return uuid.Nil, errUnauthenticated
	}
	id, err := uuid.Parse(p.UserID)
	if err != nil {
		return uuid.Nil, errUnauthenticated
	}
	return id, nil
}

func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		var vs badrequest.List
		vs.Add(field, "ID_INVALID", "This is not a valid id.")
		return uuid.Nil, badrequest.ConnectError(vs.Err().(*badrequest.Error))
	}
	return id, nil
}

// taskErr maps an error of tasks.Parties.
func taskErr(err error) error {
	if be, ok := errors.AsType[*badrequest.Error](err); ok {
		return badrequest.ConnectError(be)
	}
	if errors.Is(err, tasks.ErrNotFound) {
		return connect.NewError(connect.CodeNotFound, tasks.ErrNotFound)
	}
	return err
}

func toProto(r db.GetReviewRow) *reviewsv1.Review {
	out := &reviewsv1.Review{
		Id: r.ID.String(), TaskId: r.TaskID.String(), TaskRef: fmt.Sprintf("T-%06d", r.TaskRefNo),
		ReviewerId: r.ReviewerID.String(), ReviewerDisplayName: r.ReviewerDisplayName, RevieweeId: r.RevieweeID.String(),
		Stars: int32(r.Stars), Body: r.Body, Reply: r.Reply, Revealed: r.Revealed, Hidden: r.HiddenByReviewee,
		CreateTime: timestamppb.New(r.CreateTime),
	}
	if r.ReplyTime != nil {
		out.ReplyTime = timestamppb.New(*r.ReplyTime)
	}
	return out
}

// SubmitReview writes the caller's review of the other party of an
// accepted task.
func (s *Service) SubmitReview(ctx context.Context, req *connect.Request[reviewsv1.SubmitReviewRequest]) (*connect.Response[reviewsv1.SubmitReviewResponse], error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var vs badrequest.List
	body := strings.TrimSpace(req.Msg.GetBody())
	if st := req.Msg.GetStars(); st < 1 || st > 5 {
		vs.Add("stars", "STARS_INVALID", "Give 1 to 5 stars.")
	}
	if utf8.RuneCountInString(body) > maxBodyLen {
		vs.Add("body", "TOO_LONG", fmt.Sprintf("The review must be at most %d characters long.", maxBodyLen))
	}
	if err := vs.Err(); err != nil {
		return nil, badrequest.ConnectError(err.(*badrequest.Error))
	}
	verdict, err := s.mod.CheckText(ctx, "body", body)
	if err != nil {
		return nil, err
	}
	p, err := s.tasks.Parties(ctx, req.Msg.GetIdOrRef())
	if err != nil {
		return nil, taskErr(err)
	}
	if !p.IsParty(me) {
		return nil, ErrNotParty
	}
	if !p.Accepted() {
		return nil, ErrNotAccepted
	}
	reviewee := p.ClientID
	if me == p.ClientID {
		reviewee = p.ProviderID
	}
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin review: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	now := s.now()
	id, err := q.InsertReview(ctx, db.InsertReviewParams{
		TaskID: p.TaskID, ReviewerID: me, RevieweeID: reviewee, Stars: int16(req.Msg.GetStars()), Body: body, CreateTime: now,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrReviewed
	}
	if err != nil {
		return nil, fmt.Errorf("insert review: %w", err)
	}
	if err := moderation.Queue(ctx, tx, reviewItem(moderation.KindReview, id, p.Ref, me), verdict); err != nil {
		return nil, err
	}
	if _, err := notifications.Send(ctx, tx, notifications.Notification{
		UserID: reviewee, Kind: "review.received", Params: map[string]string{"task": p.Ref}, Link: "/tasks/" + p.Ref,
	}); err != nil {
		return nil, err
	}
	row, err := q.GetReview(ctx, db.GetReviewParams{ID: id, Now: now})
	if err != nil {
		return nil, fmt.Errorf("read review: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit review: %w", err)
	}
	return connect.NewResponse(&reviewsv1.SubmitReviewResponse{Review: toProto(row)}), nil
}

// received reads a review the caller received.
func (s *Service) received(ctx context.Context, idText string) (uuid.UUID, db.GetReviewRow, error) {
	me, err := caller(ctx)
	if err != nil {
		return uuid.Nil, db.GetReviewRow{}, err
	}
	id, err := parseID("review_id", idText)
	if err != nil {
		return uuid.Nil, db.GetReviewRow{}, err
	}
	row, err := db.New(s.db.Primary).GetReview(ctx, db.GetReviewParams{ID: id, Now: s.now()})
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, row, ErrReviewNotFound
	}
	if err != nil {
		return uuid.Nil, row, fmt.Errorf("read review: %w", err)
	}
	if row.RevieweeID != me {
		if row.ReviewerID == me || row.Revealed {
			return uuid.Nil, row, ErrNotReviewee
		}
		return uuid.Nil, row, ErrReviewNotFound
	}
	return me, row, nil
}

// ReplyToReview stores the reviewee's one reply to a revealed review.
func (s *Service) ReplyToReview(ctx context.Context, req *connect.Request[reviewsv1.ReplyToReviewRequest]) (*connect.Response[reviewsv1.ReplyToReviewResponse], error) {
	reply := strings.TrimSpace(req.Msg.GetReply())
	var vs badrequest.List
	switch n := utf8.RuneCountInString(reply); {
	case n == 0:
		vs.Add("reply", "REQUIRED", "Write a reply.")
	case n > maxBodyLen:
		vs.Add("reply", "TOO_LONG", fmt.Sprintf("The reply must be at most %d characters long.", maxBodyLen))
	}
	if err := vs.Err(); err != nil {
		return nil, badrequest.ConnectError(err.(*badrequest.Error))
	}
	me, row, err := s.received(ctx, req.Msg.GetReviewId())
	if err != nil {
		return nil, err
	}
	if !row.Revealed {
		return nil, ErrStillBlind
	}
	verdict, err := s.mod.CheckText(ctx, "reply", reply)
	if err != nil {
		return nil, err
	}
	now := s.now()
	n, err := db.New(s.db.Primary).SetReply(ctx, db.SetReplyParams{ID: row.ID, RevieweeID: me, Reply: reply, ReplyTime: &now})
	if err != nil {
		return nil, fmt.Errorf("reply to review: %w", err)
	}
	if n == 0 {
		return nil, ErrReplied
	}
	if verdict.NeedsReview() {
		ref := ""
		if p, err := s.tasks.Parties(ctx, row.TaskID.String()); err == nil {
			ref = p.Ref
		}
		if err := pgx.BeginFunc(ctx, s.db.Primary, func(tx pgx.Tx) error {
			return moderation.Queue(ctx, tx, reviewItem(moderation.KindReviewReply, row.ID, ref, me), verdict)
		}); err != nil {
			return nil, err
		}
	}
	row.Reply, row.ReplyTime = reply, &now
	return connect.NewResponse(&reviewsv1.ReplyToReviewResponse{Review: toProto(row)}), nil
}

// SetReviewHidden hides or shows a received review on the public profile.
func (s *Service) SetReviewHidden(ctx context.Context, req *connect.Request[reviewsv1.SetReviewHiddenRequest]) (*connect.Response[reviewsv1.SetReviewHiddenResponse], error) {
	me, row, err := s.received(ctx, req.Msg.GetReviewId())
	if err != nil {
		return nil, err
	}
	if _, err := db.New(s.db.Primary).SetHidden(ctx, db.SetHiddenParams{ID: row.ID, RevieweeID: me, Hidden: req.Msg.GetHidden()}); err != nil {
		return nil, fmt.Errorf("hide review: %w", err)
	}
	row.HiddenByReviewee = req.Msg.GetHidden()
	return connect.NewResponse(&reviewsv1.SetReviewHiddenResponse{Review: toProto(row)}), nil
}

// ListTaskReviews lists a task's reviews to its parties: their own
// always, the other's once revealed.
func (s *Service) ListTaskReviews(ctx context.Context, req *connect.Request[reviewsv1.ListTaskReviewsRequest]) (*connect.Response[reviewsv1.ListTaskReviewsResponse], error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.tasks.Parties(ctx, req.Msg.GetIdOrRef())
	if err != nil {
		return nil, taskErr(err)
	}
	if !p.IsParty(me) {
		return nil, ErrNotParty
	}
	rows, err := db.New(s.db.Primary).ListTaskReviews(ctx, db.ListTaskReviewsParams{TaskID: p.TaskID, Now: s.now()})
	if err != nil {
		return nil, fmt.Errorf("list task reviews: %w", err)
	}
	resp := &reviewsv1.ListTaskReviewsResponse{}
	for _, r := range rows {
		if r.ReviewerID == me || r.Revealed {
			if v, ok := visible(ctx, db.GetReviewRow(r)); ok {
				resp.Reviews = append(resp.Reviews, toProto(v))
			}
		}
	}
	return connect.NewResponse(resp), nil
}

// ListUserReviews lists the revealed reviews a user received and did not hide.
func (s *Service) ListUserReviews(ctx context.Context, req *connect.Request[reviewsv1.ListUserReviewsRequest]) (*connect.Response[reviewsv1.ListUserReviewsResponse], error) {
	id, err := parseID("user_id", req.Msg.GetUserId())
	if err != nil {
		return nil, err
	}
	rows, err := db.New(s.db.Replica).ListUserReviews(ctx, db.ListUserReviewsParams{RevieweeID: id, Now: s.now()})
	if err != nil {
		return nil, fmt.Errorf("list user reviews: %w", err)
	}
	resp := &reviewsv1.ListUserReviewsResponse{}
	for _, r := range rows {
		if v, ok := visible(ctx, db.GetReviewRow(r)); ok {
			resp.Reviews = append(resp.Reviews, toProto(v))
		}
	}
	return connect.NewResponse(resp), nil
}

// Summary is a user's rating over the revealed reviews they received.
type Summary struct {
	Count int
	// Average is the plain mean, 0 without reviews.
	Average float64
	// Bayesian is the mean with priorWeight reviews of priorStars added.
	Bayesian float64
}

// RatingSummary returns user's score: every revealed review counts,
// hidden ones too. The matching service ranks providers by it.
func (s *Service) RatingSummary(ctx context.Context, user uuid.UUID) (Summary, error) {
	sums, err := summaries(ctx, db.New(s.db.Replica), s.now(), []uuid.UUID{user})
	if err != nil {
		return Summary{}, err
	}
	if sum, ok := sums[user]; ok {
		return sum, nil
	}
	return summaryOf(0, 0), nil
}

// GetRatingSummary returns a user's score.
func (s *Service) GetRatingSummary(ctx context.Context, req *connect.Request[reviewsv1.GetRatingSummaryRequest]) (*connect.Response[reviewsv1.GetRatingSummaryResponse], error) {
	id, err := parseID("user_id", req.Msg.GetUserId())
	if err != nil {
		return nil, err
	}
	sum, err := s.RatingSummary(ctx, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&reviewsv1.GetRatingSummaryResponse{Summary: &reviewsv1.RatingSummary{
		UserId: id.String(), Count: int32(sum.Count), Average: sum.Average, Bayesian: sum.Bayesian,
	}}), nil
}

// reviewItem names a review (moderation.KindReview) or its reply
// (moderation.KindReviewReply) for the patrol queue.
func reviewItem(kind string, id uuid.UUID, ref string, author uuid.UUID) moderation.Item {
	link := ""
	if ref != "" {
		link = "/tasks/" + ref
	}
	return moderation.Item{Kind: kind, ID: id.String(), Link: link, AuthorID: author}
}

// visible is r as the caller may see it after moderation (SEC-5): a
// review taken down is seen by its reviewer and admins only (ok is false
// for anyone else), a reply taken down by the reviewee and admins only.
func visible(ctx context.Context, r db.GetReviewRow) (db.GetReviewRow, bool) {
	p, signedIn := auth.FromContext(ctx)
	admin := signedIn && p.HasRole(auth.RoleAdmin)
	is := func(id uuid.UUID) bool { return signedIn && p.UserID == id.String() }
	if r.TakedownReason != nil && !admin && !is(r.ReviewerID) {
		return r, false
	}
	if r.ReplyTakedownReason != nil && !admin && !is(r.RevieweeID) {
		r.Reply = ""
	}
	return r, true
}

// TakeDownReview hides a review (moderation.KindReview, id is its id)
// inside the moderation service's transaction tx (SEC-5). It still counts
// in the reviewee's score, as a review hidden by privacy mode does.
func (s *Service) TakeDownReview(ctx context.Context, tx pgx.Tx, idText string, _ uuid.UUID, reason string) error {
	id, err := uuid.Parse(idText)
	if err != nil {
		return ErrReviewNotFound
	}
	_, err = db.New(tx).TakeDownReview(ctx, db.TakeDownReviewParams{ID: id, Reason: &reason})
	return takeDownErr(err)
}

// TakeDownReply hides a review's reply (moderation.KindReviewReply, id is
// the review's id) inside tx (SEC-5).
func (s *Service) TakeDownReply(ctx context.Context, tx pgx.Tx, idText string, _ uuid.UUID, reason string) error {
	id, err := uuid.Parse(idText)
	if err != nil {
		return ErrReviewNotFound
	}
	_, err = db.New(tx).TakeDownReply(ctx, db.TakeDownReplyParams{ID: id, Reason: &reason})
	return takeDownErr(err)
}

func takeDownErr(err error) error {
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ErrReviewNotFound
	case err != nil:
		return fmt.Errorf("take down: %w", err)
	}
	return nil
}
