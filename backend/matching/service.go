package matching

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/matching/internal/db"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/skills"
	"github.com/talent-hub/talent/backend/tasks"
	matchingv1 "github.com/talent-hub/talent/proto/talent/matching/v1"
	"github.com/talent-hub/talent/proto/talent/matching/v1/matchingv1connect"
)

// Defaults of the Service's options.
const (
	defaultPageSize     = 20
	defaultPollEvery    = 300 * time.Millisecond
	defaultRelearnEvery = 10 * time.Minute
	// defaultFallbackEvery polls while changes are announced by LISTEN.
	defaultFallbackEvery = 5 * time.Second
	// defaultAttributionDays is the funnel's attribution window.
	defaultAttributionDays = 30
	// defaultDebounce gathers the announcements of a burst into one sync.
	defaultDebounce = 100 * time.Millisecond
	// revealMargin wakes a little after a review's reveal time.
	revealMargin = 10 * time.Millisecond
	// feedOverlap re-reads changes this far behind the high-water mark, so
	// a transaction that committed late with an earlier time is not lost.
	feedOverlap = 2 * time.Second
)

// Options tune a Service.
type Options struct {
	// Engine configures ranking (weights, CF blend, exploration).
	Engine Config
	// Loader feeds providers, tasks and history; nil: PostgresLoader.
	Loader Loader
	// Changes are read when the database announces them (LISTEN, see
	// changefeed.go). PollEvery is how often they are read while the
	// listening connection is down, FallbackEvery how often while it is
	// up (a missed announcement costs at most that long); RelearnEvery
	// how often the CF is relearned and providers reloaded in full.
	PollEvery     time.Duration
	FallbackEvery time.Duration
	RelearnEvery  time.Duration
	// Debounce is how long after an announcement the sync waits for more
	// (0: 100 ms; negative: none): a burst of changes costs one batched
	// resync (one query per source for all the providers touched) rather
	// than one per change.
	Debounce time.Duration
	// PushTop is how many of a newly published task's best providers are
	// notified (0: 5; negative: none), through the task service's Matcher.
	PushTop int
	// AttributionDays is how long after a slate an invite, proposal or
	// hire counts for it (0: 30 days; docs/matching.md).
	AttributionDays int
}

// Service is the matching service, talent.matching.v1.
type Service struct {
	db     *postgres.DB
	logger *slog.Logger
	engine *Engine
	loader Loader
	opts   Options

	syncMu         sync.Mutex
	provMark       time.Time
	taskMark       time.Time
	funnelMark     time.Time
	lastCorrection int64
	loaded         atomic.Bool   // the first sync is done
	listening      atomic.Bool   // the change feed's LISTEN connection is up
	lastSync       atomic.Int64  // unix nanoseconds of the last complete sync
	dirty          atomic.Uint32 // parts announced since the last sync
	wake           chan struct{}

	slates      *prometheus.CounterVec
	events      *prometheus.CounterVec
	corrections *prometheus.CounterVec
	pushes      prometheus.Counter
	announced   prometheus.Counter
	latency     *prometheus.HistogramVec
	indexDesc   *prometheus.Desc
	ageDesc     *prometheus.Desc
}

// Interface guards.
var (
	_ matchingv1connect.MatchingServiceHandler = (*Service)(nil)
	_ prometheus.Collector                     = (*Service)(nil)
	_ tasks.Matcher                            = (*Service)(nil)
)

// New returns the matching service. Call Run to load and follow changes.
func New(database *postgres.DB, logger *slog.Logger, opts Options) *Service {
	if opts.Loader == nil {
		opts.Loader = &PostgresLoader{DB: database}
	}
	if opts.PollEvery <= 0 {
		opts.PollEvery = defaultPollEvery
	}
	if opts.FallbackEvery <= 0 {
		opts.FallbackEvery = defaultFallbackEvery
	}
	if opts.RelearnEvery <= 0 {
		opts.RelearnEvery = defaultRelearnEvery
	}
	if opts.Debounce == 0 {
		opts.Debounce = defaultDebounce
	}
	if opts.AttributionDays <= 0 {
		opts.AttributionDays = defaultAttributionDays
	}
	if opts.PushTop == 0 {
		opts.PushTop = 5
	}
	return &Service{
		db: database, logger: logger, engine: NewEngine(opts.Engine, nil), loader: opts.Loader, opts: opts,
		wake: make(chan struct{}, 1),
		slates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "talent_matching_slates_total",
			Help: "Recommendation slates served, by direction (providers for a task, tasks for a provider).",
		}, []string{"direction"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "talent_matching_slate_events_total",
			Help: "Slate items with a first event of a kind (impression, click, invite, proposal, hire), by direction.",
		}, []string{"direction", "kind"}),
		corrections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "talent_matching_corrections_total",
			Help: "Administrators' corrections recorded, by kind.",
		}, []string{"kind"}),
		pushes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "talent_matching_push_notifications_total",
			Help: "Providers named to the task service to notify of a newly published task that matches them.",
		}),
		announced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "talent_matching_change_notifications_total",
			Help: "Change announcements (Postgres NOTIFY on " + Channel + ") received.",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "talent_matching_rank_seconds",
			Help:    "Time the engine took to rank one slate, by direction.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5},
		}, []string{"direction"}),
		indexDesc: prometheus.NewDesc("talent_matching_index_size",
			"Providers and open tasks in the matching index.", []string{"kind"}, nil),
		ageDesc: prometheus.NewDesc("talent_matching_sync_age_seconds",
			"Seconds since the index last caught up with the database.", nil, nil),
	}
}

// Engine returns the service's engine.
func (s *Service) Engine() *Engine { return s.engine }

// Describe implements prometheus.Collector.
func (s *Service) Describe(ch chan<- *prometheus.Desc) {
	s.slates.Describe(ch)
	s.events.Describe(ch)
	s.corrections.Describe(ch)
	s.pushes.Describe(ch)
	s.announced.Describe(ch)
	s.latency.Describe(ch)
	ch <- s.indexDesc
	ch <- s.ageDesc
}

// Collect implements prometheus.Collector.
func (s *Service) Collect(ch chan<- prometheus.Metric) {
	s.slates.Collect(ch)
	s.events.Collect(ch)
	s.corrections.Collect(ch)
	s.pushes.Collect(ch)
	s.announced.Collect(ch)
	s.latency.Collect(ch)
	p, t := s.engine.Len()
	ch <- prometheus.MustNewConstMetric(s.indexDesc, prometheus.GaugeValue, float64(p), "providers")
	ch <- prometheus.MustNewConstMetric(s.indexDesc, prometheus.GaugeValue, float64(t), "open_tasks")
	age := 0.0
	if last := s.lastSync.Load(); last > 0 {
		age = time.Since(time.Unix(0, last)).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(s.ageDesc, prometheus.GaugeValue, age)
}

// Policies declares who may call each RPC (ID-3). Ownership of tasks and
// slates is checked by the handlers.
func Policies() auth.Policies {
	admins := auth.Policy{Roles: []string{auth.RoleAdmin}}
	return auth.Policies{
		matchingv1connect.MatchingServiceRecommendProvidersProcedure: {Roles: []string{auth.RoleClient}},
		matchingv1connect.MatchingServiceRecommendTasksProcedure:     {Roles: []string{auth.RoleProvider}},
		matchingv1connect.MatchingServiceRecordSlateEventProcedure:   {Roles: []string{auth.RoleClient, auth.RoleProvider}},
		matchingv1connect.MatchingServiceFlagProviderProcedure:       admins,
		matchingv1connect.MatchingServiceSetProviderSkillsProcedure:  admins,
		matchingv1connect.MatchingServiceSetPlacementProcedure:       admins,
		matchingv1connect.MatchingServiceListCorrectionsProcedure:    admins,
		matchingv1connect.MatchingServiceGetMatchingStatsProcedure:   {Roles: []string{auth.RoleAdmin, auth.RoleOps}},
	}
}

// Run loads the index and follows changes until ctx ends: when the
// database announces one (changefeed.go), else every FallbackEvery (every
// PollEvery while the announcements' connection is down), and every
// RelearnEvery relearns the collaborative filter and reloads providers in
// full.
func (s *Service) Run(ctx context.Context) error {
	go s.listen(ctx, s.db.Primary.Config().ConnConfig)
	for {
		if err := s.Relearn(ctx); err == nil {
			break
		} else if ctx.Err() != nil {
			return nil
		} else {
			s.logger.ErrorContext(ctx, "matching: first load failed; retrying", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
		}
	}
	poll := time.NewTicker(s.opts.PollEvery)
	defer poll.Stop()
	relearn := time.NewTicker(s.opts.RelearnEvery)
	defer relearn.Stop()
	var reveal *time.Timer
	defer func() {
		if reveal != nil {
			reveal.Stop()
		}
	}()
	// scheduleReveal wakes the loop when the next review is revealed by
	// the 14 days, so its reviewee's score is resynced then.
	scheduleReveal := func() {
		rs, ok := s.loader.(RevealScheduler)
		if !ok {
			return
		}
		in, ok, err := rs.NextReveal(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.logger.WarnContext(ctx, "matching: next review reveal", "error", err)
			}
			return
		}
		if reveal != nil {
			reveal.Stop()
			reveal = nil
		}
		if ok {
			reveal = time.AfterFunc(in+revealMargin, func() {
				s.dirty.Or(uint32(partProviders | partReveals))
				s.poke()
			})
		}
	}
	scheduleReveal()
	sync := func(parts part) {
		if err := s.syncParts(ctx, parts); err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "matching: sync failed", "error", err)
			s.dirty.Or(uint32(parts)) // retried at the next round
			return
		}
		if parts&partReveals != 0 {
			scheduleReveal()
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
			if s.opts.Debounce > 0 {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(s.opts.Debounce):
				}
				// Announcements meanwhile are read by this sync.
				select {
				case <-s.wake:
				default:
				}
			}
			if parts := part(s.dirty.Swap(0)); parts != 0 {
				sync(parts)
			}
		case <-poll.C:
			if s.listening.Load() && time.Since(time.Unix(0, s.lastSync.Load())) < s.opts.FallbackEvery {
				continue
			}
			s.dirty.Store(0)
			sync(partAll)
		case <-relearn.C:
			if err := s.Relearn(ctx); err != nil && ctx.Err() == nil {
				s.logger.WarnContext(ctx, "matching: relearn failed", "error", err)
			}
			scheduleReveal()
		}
	}
}

// Relearn reloads every provider, catches up and relearns the
// collaborative filter.
func (s *Service) Relearn(ctx context.Context) error {
	s.syncMu.Lock()
	s.provMark = time.Time{}
	s.syncMu.Unlock()
	if err := s.Sync(ctx); err != nil {
		return err
	}
	history, err := s.loader.Interactions(ctx)
	if err != nil {
		return err
	}
	s.engine.LearnCF(history)
	return nil
}

// part is a part of a sync, a bit set.
type part uint32

// The parts of a sync.
const (
	partProviders   part = 1 << iota // providers' read models
	partTasks                        // open tasks
	partCorrections                  // administrators' corrections
	partFunnel                       // invites, proposals and hires on slates
	partReveals                      // the next review reveal to wake for
	partAll         = partProviders | partTasks | partCorrections | partFunnel | partReveals
)

// tableParts are the parts a change of a table (the payload of an
// announcement, migrations 00110 and 00120) calls for; any other payload
// calls for all.
var tableParts = map[string]part{
	"provider_profiles":    partProviders,
	"provider_skills":      partProviders,
	"users":                partProviders,
	"reviews":              partProviders | partReveals,
	"tasks":                partProviders | partTasks,
	"task_invitations":     partFunnel,
	"proposals":            partFunnel,
	"engagements":          partFunnel,
	"matching_corrections": partCorrections,
}

// announce records what a change announcement calls for.
func (s *Service) announce(table string) {
	p, ok := tableParts[table]
	if !ok {
		p = partAll
	}
	s.dirty.Or(uint32(p))
}

// Sync applies what changed since the last round: providers, tasks and
// corrections, in that order.
func (s *Service) Sync(ctx context.Context) error {
	return s.syncParts(ctx, partAll)
}

// syncParts is Sync limited to some parts: those that the announcements
// since the last round call for. Each part keeps its own high-water mark,
// so a part skipped now reads all it missed the next time it runs.
func (s *Service) syncParts(ctx context.Context, parts part) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	since := func(mark time.Time) time.Time {
		if mark.IsZero() {
			return mark
		}
		return mark.Add(-feedOverlap)
	}
	var pmark, tmark time.Time
	if parts&partProviders != 0 {
		ps, mark, err := s.loader.ProvidersSince(ctx, since(s.provMark))
		if err != nil {
			return err
		}
		if len(ps) > 0 {
			s.engine.UpsertProviders(ps)
		}
		pmark = mark
	}
	if parts&partTasks != 0 {
		ts, mark, err := s.loader.TasksSince(ctx, since(s.taskMark))
		if err != nil {
			return err
		}
		if len(ts) > 0 {
			s.engine.UpsertTasks(ts)
		}
		tmark = mark
	}
	if parts&partCorrections != 0 {
		if err := s.applyCorrectionsLocked(ctx); err != nil {
			return err
		}
	}
	if parts&partFunnel != 0 {
		if err := s.attributeLocked(ctx); err != nil {
			return err
		}
	}
	s.provMark, s.taskMark = later(s.provMark, pmark), later(s.taskMark, tmark)
	if parts == partAll {
		s.loaded.Store(true)
		s.lastSync.Store(time.Now().UnixNano())
	}
	return nil
}

// MatchProviders implements tasks.Matcher: the task service asks it, as it
// publishes a task, whom to tell (push on publish, issue 5 item 4): the
// engine's best PushTop providers for the task, its client left out.
// Until the first load is done it falls back to tasks.SkillOverlap.
func (s *Service) MatchProviders(ctx context.Context, t tasks.MatchTask, limit int) ([]uuid.UUID, error) {
	if s.opts.PushTop < 0 {
		return nil, nil
	}
	limit = min(limit, s.opts.PushTop)
	if !s.loaded.Load() {
		return tasks.SkillOverlap{DB: s.db}.MatchProviders(ctx, t, limit)
	}
	task := Task{
		ID: t.ID, ClientID: t.ClientID, Title: t.Title, Ref: t.Ref, Skills: t.SkillTags,
		BudgetMinFen: t.BudgetMinFen, BudgetMaxFen: t.BudgetMaxFen, Remote: t.Remote, City: t.City,
		UTCOffsetMin: cstOffsetMin, Open: true, CreateTime: time.Now(),
	}
	matches := s.engine.RecommendProviders(task, limit+1, RankOptions{})
	ids := make([]uuid.UUID, 0, limit)
	for _, m := range matches {
		if m.ProviderID != t.ClientID && len(ids) < limit {
			ids = append(ids, m.ProviderID)
		}
	}
	s.pushes.Add(float64(len(ids)))
	return ids, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// applyCorrectionsLocked replays the corrections not applied yet; syncMu
// held.
func (s *Service) applyCorrectionsLocked(ctx context.Context) error {
	rows, err := db.New(s.db.Primary).CorrectionsAfter(ctx, s.lastCorrection)
	if err != nil {
		return fmt.Errorf("load corrections: %w", err)
	}
	for _, c := range rows {
		scope := Scope{Skill: c.Skill}
		if c.TaskID != nil {
			scope.TaskID = *c.TaskID
		}
		switch c.Kind {
		case "flag", "unflag":
			s.engine.SetFlagged(c.ProviderID, c.Kind == "flag")
		case "skills":
			var sk []Skill
			if err := json.Unmarshal(c.Skills, &sk); err != nil {
				return fmt.Errorf("correction %d: decode skills: %w", c.ID, err)
			}
			s.engine.SetSkills(c.ProviderID, sk)
		case "clear_skills":
			s.engine.SetSkills(c.ProviderID, nil)
		case "pin":
			s.engine.Demote(scope, c.ProviderID, false)
			s.engine.Pin(scope, c.ProviderID, true)
		case "demote":
			s.engine.Pin(scope, c.ProviderID, false)
			s.engine.Demote(scope, c.ProviderID, true)
		case "unplace":
			s.engine.Pin(scope, c.ProviderID, false)
			s.engine.Demote(scope, c.ProviderID, false)
		}
		s.lastCorrection = c.ID
	}
	return nil
}

// caller returns the signed-in caller's user id.
func caller(ctx context.Context) (uuid.UUID, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return uuid.Nil, ErrUnauthenticated
	}
	id, err := uuid.Parse(p.UserID)
	if err != nil {
		return uuid.Nil, ErrUnauthenticated
	}
	return id, nil
}

// pageSize applies the default and bound of page_size.
func pageSize(n int32, field string) (int, error) {
	switch {
	case n == 0:
		return defaultPageSize, nil
	case n < 0 || n > MaxResults:
		return 0, &badrequest.Error{Violations: []badrequest.Violation{{
			Field: field, Reason: "OUT_OF_RANGE", Description: fmt.Sprintf("%s must be between 1 and %d.", field, MaxResults)}}}
	}
	return int(n), nil
}

// parseID parses a uuid field, or returns a field violation.
func parseID(v, field string) (uuid.UUID, error) {
	if v == "" {
		return uuid.Nil, &badrequest.Error{Violations: []badrequest.Violation{{Field: field, Reason: "REQUIRED", Description: field + " is required."}}}
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, &badrequest.Error{Violations: []badrequest.Violation{{Field: field, Reason: "INVALID", Description: field + " is not a valid id."}}}
	}
	return id, nil
}

func explanationToProto(ex Explanation) *matchingv1.Explanation {
	return &matchingv1.Explanation{
		SkillsMatched: int32(ex.SkillsMatched), SkillsRelated: int32(ex.SkillsRelated), SkillsTotal: int32(ex.SkillsTotal),
		Rating: ex.Rating, RatingCount: int32(ex.RatingCount), CompletedJobs: int32(ex.CompletedJobs),
		OnTimePercent: int32(ex.OnTimePercent), Remote: ex.Remote, TimeZoneOverlapHours: int32(ex.TimeZoneOverlapHours),
		SameCity: ex.SameCity, DistanceKm: int32(ex.DistanceKM), RateFen: ex.RateFen, RateWithinBudget: ex.RateWithinBudget,
		SimilarHires: ex.SimilarHires, NewProvider: ex.NewProvider, Exploration: ex.Exploration,
		Pinned: ex.Pinned, Demoted: ex.Demoted,
	}
}

// RecommendProviders ranks providers for one of the caller's tasks.
func (s *Service) RecommendProviders(ctx context.Context, req *connect.Request[matchingv1.RecommendProvidersRequest]) (*connect.Response[matchingv1.RecommendProvidersResponse], error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	taskID, err := parseID(req.Msg.GetTaskId(), "task_id")
	if err != nil {
		return nil, connectError(err)
	}
	k, err := pageSize(req.Msg.GetPageSize(), "page_size")
	if err != nil {
		return nil, connectError(err)
	}
	row, err := db.New(s.db.Primary).GetTask(ctx, taskID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, connectError(ErrTaskNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get task: %w", err)
	}
	if row.ClientID != me {
		return nil, connectError(ErrNotTaskOwner)
	}
	start := time.Now()
	matches := s.engine.RecommendProviders(taskFromRow(row), k, RankOptions{})
	s.latency.WithLabelValues("providers").Observe(time.Since(start).Seconds())
	items, explore := make([]uuid.UUID, 0, len(matches)), []uuid.UUID{}
	out := &matchingv1.RecommendProvidersResponse{}
	for _, m := range matches {
		items = append(items, m.ProviderID)
		if m.Explanation.Exploration {
			explore = append(explore, m.ProviderID)
		}
		out.Providers = append(out.Providers, &matchingv1.ProviderMatch{
			ProviderId: m.ProviderID.String(), DisplayName: m.Name, Score: m.Score,
			Explanation: explanationToProto(m.Explanation),
		})
	}
	slate, err := db.New(s.db.Primary).InsertSlate(ctx, db.InsertSlateParams{
		Direction: "providers", ViewerID: me, TaskID: &taskID, Items: items, Explore: explore,
	})
	if err != nil {
		return nil, fmt.Errorf("record slate: %w", err)
	}
	s.slates.WithLabelValues("providers").Inc()
	out.SlateId = slate.String()
	return connect.NewResponse(out), nil
}

// RecommendTasks ranks open tasks for the calling provider.
func (s *Service) RecommendTasks(ctx context.Context, req *connect.Request[matchingv1.RecommendTasksRequest]) (*connect.Response[matchingv1.RecommendTasksResponse], error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	k, err := pageSize(req.Msg.GetPageSize(), "page_size")
	if err != nil {
		return nil, connectError(err)
	}
	start := time.Now()
	matches, _ := s.engine.RecommendTasks(me, k, RankOptions{})
	s.latency.WithLabelValues("tasks").Observe(time.Since(start).Seconds())
	ids := make([]uuid.UUID, 0, len(matches))
	for _, m := range matches {
		ids = append(ids, m.TaskID)
	}
	q := db.New(s.db.Primary)
	cards, err := q.TaskCards(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read task cards: %w", err)
	}
	byID := map[uuid.UUID]db.TaskCardsRow{}
	for _, c := range cards {
		byID[c.ID] = c
	}
	out := &matchingv1.RecommendTasksResponse{}
	items := make([]uuid.UUID, 0, len(matches))
	for _, m := range matches {
		c, ok := byID[m.TaskID]
		if !ok {
			continue
		}
		items = append(items, m.TaskID)
		out.Tasks = append(out.Tasks, &matchingv1.TaskMatch{
			TaskId: m.TaskID.String(), Ref: fmt.Sprintf("T-%06d", c.RefNo), Title: c.Title, Score: m.Score,
			Explanation: explanationToProto(m.Explanation), BudgetMinFen: c.BudgetMinFen, BudgetMaxFen: c.BudgetMaxFen,
			Remote: c.Remote, City: c.City,
		})
	}
	slate, err := q.InsertSlate(ctx, db.InsertSlateParams{
		Direction: "tasks", ViewerID: me, ProviderID: &me, Items: items, Explore: []uuid.UUID{},
	})
	if err != nil {
		return nil, fmt.Errorf("record slate: %w", err)
	}
	s.slates.WithLabelValues("tasks").Inc()
	out.SlateId = slate.String()
	return connect.NewResponse(out), nil
}

// eventKinds names the event kinds as stored.
var eventKinds = map[matchingv1.SlateEventKind]string{
	matchingv1.SlateEventKind_SLATE_EVENT_KIND_IMPRESSION: "impression",
	matchingv1.SlateEventKind_SLATE_EVENT_KIND_CLICK:      "click",
	matchingv1.SlateEventKind_SLATE_EVENT_KIND_INVITE:     "invite",
	matchingv1.SlateEventKind_SLATE_EVENT_KIND_PROPOSAL:   "proposal",
	matchingv1.SlateEventKind_SLATE_EVENT_KIND_HIRE:       "hire",
}

// RecordSlateEvent records an event on one of the caller's slates.
func (s *Service) RecordSlateEvent(ctx context.Context, req *connect.Request[matchingv1.RecordSlateEventRequest]) (*connect.Response[matchingv1.RecordSlateEventResponse], error) {
	me, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	slateID, err := parseID(req.Msg.GetSlateId(), "slate_id")
	if err != nil {
		return nil, connectError(err)
	}
	kind, ok := eventKinds[req.Msg.GetKind()]
	if !ok {
		return nil, connectError(&badrequest.Error{Violations: []badrequest.Violation{{Field: "kind", Reason: "INVALID", Description: "kind must be an event kind."}}})
	}
	q := db.New(s.db.Primary)
	slate, err := q.GetSlate(ctx, slateID)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && slate.ViewerID != me) {
		return nil, connectError(ErrSlateNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get slate: %w", err)
	}
	items := slate.Items
	if v := req.Msg.GetItemId(); v != "" || kind != "impression" {
		item, err := parseID(v, "item_id")
		if err != nil {
			return nil, connectError(err)
		}
		if !slices.Contains(slate.Items, item) {
			return nil, connectError(&badrequest.Error{Violations: []badrequest.Violation{{Field: "item_id", Reason: "ITEM_NOT_IN_SLATE", Description: "The item is not in this slate."}}})
		}
		items = []uuid.UUID{item}
	}
	var moved int64
	if kind == "invite" && slate.Direction == "providers" && slate.TaskID != nil {
		// The slate the client invited from wins over the one the funnel
		// attribution may have logged the invitation to already.
		if moved, err = q.MoveInvite(ctx, db.MoveInviteParams{TaskID: slate.TaskID, ItemID: items[0], SlateID: slateID}); err != nil {
			return nil, fmt.Errorf("move invite: %w", err)
		}
	}
	n, err := q.InsertSlateEvents(ctx, db.InsertSlateEventsParams{SlateID: slateID, Items: items, Kind: kind})
	if err != nil {
		return nil, fmt.Errorf("record slate event: %w", err)
	}
	s.events.WithLabelValues(slate.Direction, kind).Add(float64(max(n-moved, 0)))
	return connect.NewResponse(&matchingv1.RecordSlateEventResponse{}), nil
}

// correction records one correction with its audit entry, from the peer
// address ip, and applies every correction not yet applied, so the next
// request sees it.
func (s *Service) correction(ctx context.Context, ip string, p db.InsertCorrectionParams) error {
	actor, err := caller(ctx)
	if err != nil {
		return err
	}
	p.ActorID = actor
	if p.Skills == nil {
		p.Skills = []byte("[]")
	}
	if utf8Len(p.Note) > 500 {
		return &badrequest.Error{Violations: []badrequest.Violation{{Field: "note", Reason: "TOO_LONG", Description: "The note must be at most 500 characters long."}}}
	}
	q := db.New(s.db.Primary)
	isProvider, err := q.IsProvider(ctx, p.ProviderID)
	if err != nil {
		return fmt.Errorf("check provider: %w", err)
	}
	if !isProvider {
		return &badrequest.Error{Violations: []badrequest.Violation{{Field: "provider_id", Reason: "NOT_A_PROVIDER", Description: "No provider has this id."}}}
	}
	// The correction and its audit entry (SEC-3) commit together.
	err = pgx.BeginFunc(ctx, s.db.Primary, func(tx pgx.Tx) error {
		row, err := db.New(tx).InsertCorrection(ctx, p)
		if err != nil {
			return fmt.Errorf("record correction: %w", err)
		}
		detail := map[string]any{"correction_id": row.ID, "note": p.Note}
		if p.TaskID != nil {
			detail["task_id"] = p.TaskID.String()
		}
		if p.Skill != "" {
			detail["skill"] = p.Skill
		}
		if p.Kind == "skills" {
			detail["skills"] = json.RawMessage(p.Skills)
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.String(), Action: "matching." + p.Kind, Target: "user:" + p.ProviderID.String(),
			IP: ip, Detail: detail,
		})
	})
	if err != nil {
		return err
	}
	s.corrections.WithLabelValues(p.Kind).Inc()
	s.logger.InfoContext(ctx, "matching correction", "kind", p.Kind, "provider_id", p.ProviderID, "actor_id", actor)
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	return s.applyCorrectionsLocked(ctx)
}

func utf8Len(s string) int { return len([]rune(s)) }

// FlagProvider flags or unflags a provider (MATCH-3).
func (s *Service) FlagProvider(ctx context.Context, req *connect.Request[matchingv1.FlagProviderRequest]) (*connect.Response[matchingv1.FlagProviderResponse], error) {
	id, err := parseID(req.Msg.GetProviderId(), "provider_id")
	if err != nil {
		return nil, connectError(err)
	}
	kind := "unflag"
	if req.Msg.GetFlagged() {
		kind = "flag"
	}
	if err := s.correction(ctx, req.Peer().Addr, db.InsertCorrectionParams{Kind: kind, ProviderID: id, Note: req.Msg.GetNote()}); err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&matchingv1.FlagProviderResponse{}), nil
}

// SetProviderSkills replaces or clears a provider's skill correction.
func (s *Service) SetProviderSkills(ctx context.Context, req *connect.Request[matchingv1.SetProviderSkillsRequest]) (*connect.Response[matchingv1.SetProviderSkillsResponse], error) {
	id, err := parseID(req.Msg.GetProviderId(), "provider_id")
	if err != nil {
		return nil, connectError(err)
	}
	p := db.InsertCorrectionParams{Kind: "skills", ProviderID: id, Note: req.Msg.GetNote()}
	var vs badrequest.List
	switch {
	case req.Msg.GetClear() && len(req.Msg.GetSkills()) > 0:
		vs.Add("skills", "INVALID", "Clear the correction or give skills, not both.")
	case req.Msg.GetClear():
		p.Kind = "clear_skills"
	case len(req.Msg.GetSkills()) == 0:
		vs.Add("skills", "TAGS_REQUIRED", "Give at least one skill.")
	case len(req.Msg.GetSkills()) > 20:
		vs.Add("skills", "TOO_MANY_TAGS", "Give at most 20 skills.")
	default:
		var sk []Skill
		for _, x := range req.Msg.GetSkills() {
			tag := skills.Normalise(x.GetTag())
			switch {
			case tag == "" || utf8Len(tag) > 40:
				vs.Add("skills", "TAG_INVALID", "A skill tag must be 1 to 40 characters long.")
			case x.GetLevel() < 1 || x.GetLevel() > 5:
				vs.Add("skills", "OUT_OF_RANGE", "A skill level must be between 1 and 5.")
			default:
				sk = append(sk, Skill{Tag: tag, Level: int(x.GetLevel())})
			}
		}
		b, err := json.Marshal(sk)
		if err != nil {
			return nil, fmt.Errorf("encode skills: %w", err)
		}
		p.Skills = b
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	if err := s.correction(ctx, req.Peer().Addr, p); err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&matchingv1.SetProviderSkillsResponse{}), nil
}

// SetPlacement pins, demotes or unplaces a provider for a task or a skill.
func (s *Service) SetPlacement(ctx context.Context, req *connect.Request[matchingv1.SetPlacementRequest]) (*connect.Response[matchingv1.SetPlacementResponse], error) {
	id, err := parseID(req.Msg.GetProviderId(), "provider_id")
	if err != nil {
		return nil, connectError(err)
	}
	p := db.InsertCorrectionParams{ProviderID: id, Note: req.Msg.GetNote()}
	switch req.Msg.GetPlacement() {
	case matchingv1.Placement_PLACEMENT_PIN:
		p.Kind = "pin"
	case matchingv1.Placement_PLACEMENT_DEMOTE:
		p.Kind = "demote"
	case matchingv1.Placement_PLACEMENT_NONE:
		p.Kind = "unplace"
	default:
		return nil, connectError(&badrequest.Error{Violations: []badrequest.Violation{{Field: "placement", Reason: "REQUIRED", Description: "Choose pin, demote or none."}}})
	}
	skill := skills.Normalise(req.Msg.GetSkill())
	switch {
	case (req.Msg.GetTaskId() == "") == (skill == ""):
		return nil, connectError(&badrequest.Error{Violations: []badrequest.Violation{{Field: "task_id", Reason: "SCOPE_REQUIRED", Description: "Give a task or a skill, not both."}}})
	case skill != "":
		if utf8Len(skill) > 40 {
			return nil, connectError(&badrequest.Error{Violations: []badrequest.Violation{{Field: "skill", Reason: "TAG_INVALID", Description: "A skill tag must be 1 to 40 characters long."}}})
		}
		p.Skill = skill
	default:
		taskID, err := parseID(req.Msg.GetTaskId(), "task_id")
		if err != nil {
			return nil, connectError(err)
		}
		if _, err := db.New(s.db.Primary).GetTask(ctx, taskID); errors.Is(err, pgx.ErrNoRows) {
			return nil, connectError(ErrTaskNotFound)
		} else if err != nil {
			return nil, fmt.Errorf("get task: %w", err)
		}
		p.TaskID = &taskID
	}
	if err := s.correction(ctx, req.Peer().Addr, p); err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&matchingv1.SetPlacementResponse{}), nil
}

// ListCorrections lists corrections, newest first.
func (s *Service) ListCorrections(ctx context.Context, req *connect.Request[matchingv1.ListCorrectionsRequest]) (*connect.Response[matchingv1.ListCorrectionsResponse], error) {
	k, err := pageSize(req.Msg.GetPageSize(), "page_size")
	if err != nil {
		return nil, connectError(err)
	}
	rows, err := db.New(s.db.Primary).ListCorrections(ctx, int32(k))
	if err != nil {
		return nil, fmt.Errorf("list corrections: %w", err)
	}
	out := &matchingv1.ListCorrectionsResponse{}
	for _, r := range rows {
		c := &matchingv1.Correction{
			Id: r.ID, Kind: r.Kind, ProviderId: r.ProviderID.String(), ProviderName: r.ProviderName,
			Skill: r.Skill, Note: r.Note, ActorId: r.ActorID.String(), CreateTime: timestamppb.New(r.CreateTime),
		}
		if r.TaskID != nil {
			c.TaskId = r.TaskID.String()
		}
		var sk []Skill
		if err := json.Unmarshal(r.Skills, &sk); err == nil {
			for _, x := range sk {
				c.Skills = append(c.Skills, &matchingv1.Skill{Tag: x.Tag, Level: int32(x.Level)})
			}
		}
		out.Corrections = append(out.Corrections, c)
	}
	return connect.NewResponse(out), nil
}

// GetMatchingStats counts slates and events per direction (MATCH-2).
func (s *Service) GetMatchingStats(ctx context.Context, req *connect.Request[matchingv1.GetMatchingStatsRequest]) (*connect.Response[matchingv1.GetMatchingStatsResponse], error) {
	days := req.Msg.GetDays()
	switch {
	case days == 0:
		days = 7
	case days < 0 || days > 90:
		return nil, connectError(&badrequest.Error{Violations: []badrequest.Violation{{Field: "days", Reason: "OUT_OF_RANGE", Description: "days must be between 1 and 90."}}})
	}
	rows, err := db.New(s.db.Primary).SlateStats(ctx, time.Now().AddDate(0, 0, -int(days)))
	if err != nil {
		return nil, fmt.Errorf("slate stats: %w", err)
	}
	out := &matchingv1.GetMatchingStatsResponse{Days: days}
	for _, r := range rows {
		st := &matchingv1.SlateStats{
			Direction: strings.TrimSpace(r.Direction), Slates: r.Slates, SlatesImpressed: r.SlatesImpressed,
			Impressions: r.Impressions, Clicks: r.Clicks, Invites: r.Invites, Proposals: r.Proposals, Hires: r.Hires,
		}
		if r.Impressions > 0 {
			st.Ctr = float64(r.Clicks) / float64(r.Impressions)
		}
		if r.SlatesImpressed > 0 {
			st.SlateCtr = float64(r.SlatesClicked) / float64(r.SlatesImpressed)
		}
		out.Stats = append(out.Stats, st)
	}
	return connect.NewResponse(out), nil
}
