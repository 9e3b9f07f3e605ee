package reviews

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/providers"
	"github.com/talent-hub/talent/backend/tasks"
	"github.com/talent-hub/talent/backend/testenv"
	reviewsv1 "github.com/talent-hub/talent/proto/talent/reviews/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

func TestMain(m *testing.M) { testenv.Run(m) }

// clock is the tests' injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type bundle struct {
	db    *postgres.DB
	tasks *tasks.Service
	svc   *Service
	clock *clock
}

func setup(t *testing.T) bundle {
	t.Helper()
	d := testenv.DB(t)
	c := &clock{t: time.Date(2030, 6, 1, 8, 0, 0, 0, time.UTC)}
	ts := tasks.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)), tasks.Options{
		Now: c.now, Vetting: providers.New(d, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), providers.Options{}),
	})
	return bundle{db: d, tasks: ts, svc: New(d, ts, Options{Now: c.now}), clock: c}
}

func (b bundle) user(t *testing.T, name string, roles ...string) (context.Context, string) {
	t.Helper()
	var id string
	err := b.db.Primary.QueryRow(t.Context(), `
		INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		VALUES ($1, 'x', $2, $3, '1') RETURNING id::text`,
		strings.ToLower(name)+"-"+uuid.NewString()[:8]+"@example.com", name, roles).Scan(&id)
	if err != nil {
		t.Fatalf("insert user: %v", err)
	}
	if slices.Contains(roles, auth.RoleProvider) {
		// Only an approved provider takes work (ID-2).
		if _, err := b.db.Primary.Exec(t.Context(), `
			INSERT INTO provider_profiles (user_id, time_zone, availability, vetting_status)
			VALUES ($1, 'Asia/Shanghai', 'full_time', 'approved')`, id); err != nil {
			t.Fatalf("approve provider %s: %v", name, err)
		}
	}
	return auth.WithPrincipal(t.Context(), auth.Principal{UserID: id, Roles: roles}), id
}

// engagement walks a task through the market until status, returning its ref.
func (b bundle) engagement(t *testing.T, client, provider context.Context, accept bool) string {
	t.Helper()
	m := b.tasks
	task, err := m.CreateTask(client, connect.NewRequest(&tasksv1.CreateTaskRequest{
		Title: "Reviewable work", Description: "x", BudgetMinFen: 100000, BudgetMaxFen: 200000,
		DeliveryDate: "2030-12-01", SkillTags: []string{"go"}, TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true,
	}))
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	ref := task.Msg.GetTask().GetRef()
	p, err := m.CreateProposal(provider, connect.NewRequest(&tasksv1.CreateProposalRequest{IdOrRef: ref, PriceFen: 150000, TimelineDays: 5, CoverNote: "ok"}))
	if err != nil {
		t.Fatalf("CreateProposal: %v", err)
	}
	steps := []func() error{
		func() error {
			_, err := m.AwardProposal(client, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: p.Msg.GetProposal().GetId()}))
			return err
		},
		func() error {
			_, err := m.StartWork(provider, connect.NewRequest(&tasksv1.StartWorkRequest{IdOrRef: ref}))
			return err
		},
		func() error {
			_, err := m.DeliverTask(provider, connect.NewRequest(&tasksv1.DeliverTaskRequest{IdOrRef: ref, Note: "done"}))
			return err
		},
	}
	if accept {
		steps = append(steps, func() error {
			_, err := m.AcceptDelivery(client, connect.NewRequest(&tasksv1.AcceptDeliveryRequest{IdOrRef: ref}))
			return err
		})
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	return ref
}

func (b bundle) review(ctx context.Context, ref string, stars int32) (*reviewsv1.Review, error) {
	resp, err := b.svc.SubmitReview(ctx, connect.NewRequest(&reviewsv1.SubmitReviewRequest{IdOrRef: ref, Stars: stars, Body: "Good work"}))
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetReview(), nil
}

func (b bundle) taskReviews(t *testing.T, ctx context.Context, ref string) []*reviewsv1.Review {
	t.Helper()
	resp, err := b.svc.ListTaskReviews(ctx, connect.NewRequest(&reviewsv1.ListTaskReviewsRequest{IdOrRef: ref}))
	if err != nil {
		t.Fatalf("ListTaskReviews: %v", err)
	}
	return resp.Msg.GetReviews()
}

func wantReason(t *testing.T, err error, code connect.Code, reason string) {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != code {
		t.Fatalf("err = %v, want code %v", err, code)
	}
	vs := badrequest.FromError(err)
	if len(vs) != 1 || vs[0].Reason != reason {
		t.Fatalf("violations = %v, want %s", vs, reason)
	}
}

// TestDoubleBlind: a review stays hidden from the reviewee until they
// review too; scores count only revealed reviews (issue 4 item 8).
func TestDoubleBlind(t *testing.T) {
	t.Parallel()
	b := setup(t)
	client, clientID := b.user(t, "Cleo", auth.RoleClient)
	provider, providerID := b.user(t, "Pat", auth.RoleProvider)
	stranger, _ := b.user(t, "Sam", auth.RoleClient, auth.RoleProvider)

	notYet := b.engagement(t, client, provider, false)
	_, err := b.review(client, notYet, 5)
	wantReason(t, err, connect.CodeFailedPrecondition, "REVIEW_NOT_YET")

	ref := b.engagement(t, client, provider, true)
	_, err = b.review(stranger, ref, 5)
	wantReason(t, err, connect.CodePermissionDenied, "NOT_TASK_PARTY")
	_, err = b.svc.SubmitReview(client, connect.NewRequest(&reviewsv1.SubmitReviewRequest{IdOrRef: ref, Stars: 6}))
	wantReason(t, err, connect.CodeInvalidArgument, "STARS_INVALID")

	byClient, err := b.review(client, ref, 4)
	if err != nil {
		t.Fatalf("client's review: %v", err)
	}
	if byClient.GetRevealed() || byClient.GetRevieweeId() != providerID {
		t.Fatalf("client's review = %v, want blind, of the provider", byClient)
	}
	_, err = b.review(client, ref, 4)
	wantReason(t, err, connect.CodeAlreadyExists, "REVIEW_EXISTS")
	if got := b.taskReviews(t, provider, ref); len(got) != 0 {
		t.Fatalf("provider sees %v before reviewing", got)
	}
	if sum, _ := b.svc.RatingSummary(t.Context(), uuid.MustParse(providerID)); sum.Count != 0 {
		t.Fatalf("blind review counted: %+v", sum)
	}
	_, err = b.svc.ReplyToReview(provider, connect.NewRequest(&reviewsv1.ReplyToReviewRequest{ReviewId: byClient.GetId(), Reply: "Thanks"}))
	wantReason(t, err, connect.CodeFailedPrecondition, "REVIEW_NOT_REVEALED")

	if _, err := b.review(provider, ref, 5); err != nil {
		t.Fatalf("provider's review: %v", err)
	}
	for _, ctx := range []context.Context{client, provider} {
		got := b.taskReviews(t, ctx, ref)
		if len(got) != 2 || !got[0].GetRevealed() || !got[1].GetRevealed() {
			t.Fatalf("after both reviewed: %v", got)
		}
	}
	sum, err := b.svc.RatingSummary(t.Context(), uuid.MustParse(providerID))
	if err != nil || sum.Count != 1 || sum.Average != 4 {
		t.Fatalf("provider summary = %+v, %v", sum, err)
	}
	if want := (3.5*5 + 4) / 6; sum.Bayesian != want {
		t.Fatalf("bayesian = %v, want %v", sum.Bayesian, want)
	}
	_ = clientID
}

// TestBlindPeriodEnds: a review the other party never answers is revealed
// after 14 days on the injected clock.
func TestBlindPeriodEnds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	client, _ := b.user(t, "Cleo", auth.RoleClient)
	provider, providerID := b.user(t, "Pat", auth.RoleProvider)
	ref := b.engagement(t, client, provider, true)
	if _, err := b.review(client, ref, 2); err != nil {
		t.Fatal(err)
	}
	public := func() int {
		resp, err := b.svc.ListUserReviews(t.Context(), connect.NewRequest(&reviewsv1.ListUserReviewsRequest{UserId: providerID}))
		if err != nil {
			t.Fatalf("ListUserReviews: %v", err)
		}
		return len(resp.Msg.GetReviews())
	}
	b.clock.advance(BlindPeriod - time.Minute)
	if n := public(); n != 0 {
		t.Fatalf("revealed before 14 days: %d", n)
	}
	b.clock.advance(time.Minute)
	if n := public(); n != 1 {
		t.Fatalf("public reviews after 14 days = %d, want 1", n)
	}
	if got := b.taskReviews(t, provider, ref); len(got) != 1 || !got[0].GetRevealed() {
		t.Fatalf("provider sees %v", got)
	}
}

// TestReplyAndPrivacy: the reviewee replies once; hiding keeps a review
// off the public profile but in the score.
func TestReplyAndPrivacy(t *testing.T) {
	t.Parallel()
	b := setup(t)
	client, clientID := b.user(t, "Cleo", auth.RoleClient)
	provider, providerID := b.user(t, "Pat", auth.RoleProvider)
	ref := b.engagement(t, client, provider, true)
	r, err := b.review(client, ref, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.review(provider, ref, 5); err != nil {
		t.Fatal(err)
	}
	reply := func(ctx context.Context) error {
		_, err := b.svc.ReplyToReview(ctx, connect.NewRequest(&reviewsv1.ReplyToReviewRequest{ReviewId: r.GetId(), Reply: "Thank you"}))
		return err
	}
	wantReason(t, reply(client), connect.CodePermissionDenied, "NOT_REVIEWEE")
	if err := reply(provider); err != nil {
		t.Fatalf("reply: %v", err)
	}
	wantReason(t, reply(provider), connect.CodeAlreadyExists, "REPLY_EXISTS")

	if _, err := b.svc.SetReviewHidden(provider, connect.NewRequest(&reviewsv1.SetReviewHiddenRequest{ReviewId: r.GetId(), Hidden: true})); err != nil {
		t.Fatalf("SetReviewHidden: %v", err)
	}
	resp, err := b.svc.ListUserReviews(t.Context(), connect.NewRequest(&reviewsv1.ListUserReviewsRequest{UserId: providerID}))
	if err != nil || len(resp.Msg.GetReviews()) != 0 {
		t.Fatalf("public reviews = %v, %v; want none", resp, err)
	}
	sum, err := b.svc.GetRatingSummary(t.Context(), connect.NewRequest(&reviewsv1.GetRatingSummaryRequest{UserId: providerID}))
	if err != nil || sum.Msg.GetSummary().GetCount() != 1 || sum.Msg.GetSummary().GetAverage() != 3 {
		t.Fatalf("summary = %v, %v; want the hidden review counted", sum, err)
	}
	// The client's received review is public.
	resp, err = b.svc.ListUserReviews(t.Context(), connect.NewRequest(&reviewsv1.ListUserReviewsRequest{UserId: clientID}))
	if err != nil || len(resp.Msg.GetReviews()) != 1 || resp.Msg.GetReviews()[0].GetStars() != 5 {
		t.Fatalf("client's public reviews = %v, %v", resp, err)
	}
}

// TestReviewTextIsChecked: a review's text is judged against the keyword
// lists like every text a person writes (SEC-5): a block word refuses it
// and nothing is saved; a review word saves it and queues it for patrol.
func TestReviewTextIsChecked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.svc.mod = moderation.NewChecker(b.db, slog.New(slog.NewTextHandler(io.Discard, nil)), moderation.CheckerOptions{})
	client, _ := b.user(t, "Checked Client", auth.RoleClient)
	provider, providerID := b.user(t, "Checked Provider", auth.RoleProvider)
	ref := b.engagement(t, client, provider, true)
	_, err := b.svc.SubmitReview(provider, connect.NewRequest(&reviewsv1.SubmitReviewRequest{IdOrRef: ref, Stars: 5, Body: "Great client, 赌 博 fan"}))
	wantReason(t, err, connect.CodeInvalidArgument, "CONTENT_BLOCKED")
	var n int
	if err := b.db.Primary.QueryRow(t.Context(), `SELECT count(*) FROM reviews WHERE reviewer_id = $1`, providerID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("reviews saved after a refusal = %d, %v", n, err)
	}
	if _, err := b.svc.SubmitReview(provider, connect.NewRequest(&reviewsv1.SubmitReviewRequest{IdOrRef: ref, Stars: 5, Body: "Great client; 加 微 信 to talk"})); err != nil {
		t.Fatalf("SubmitReview with a review word: %v", err)
	}
	if err := b.db.Primary.QueryRow(t.Context(), `SELECT count(*) FROM moderation_patrol_items WHERE kind = 'review' AND author_id = $1`, providerID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("patrol items for the review = %d, %v; want 1", n, err)
	}
}
