// Package providers is the provider service (requirement ID-2): a person
// becomes a provider by saving a profile (skills with levels 1–5 from the
// shared vocabulary in backend/skills, hourly and daily rates in fen, city,
// IANA time zone, availability, a Markdown bio and portfolio items), then
// submits vetting: their ID number, ID card images, certificates and
// portfolio. Admins review the queue, oldest first, and approve or reject
// with a reason; only an approved provider who is not suspended may take
// work (MayTakeWork). It implements providersv1connect.ProviderServiceHandler.
//
// Files (portfolio, ID card images, certificates) go straight from the
// browser to the private documents bucket through presigned POST policies
// that fix the key, the content type and a content-length range
// (files.go); CompleteUpload then checks the stored object's size and type
// and sniffs its first bytes before the file may be used. Admins and
// profile viewers get short-lived presigned GET links; nothing in the
// bucket is public.
//
// ID numbers are sealed by a Sealer (AES-256-GCM, key id stored beside the
// ciphertext, SEC-1) and only ever returned masked: first 3, last 4
// (SEC-2). They are never logged and never written to the audit log.
//
// Every vetting decision and suspension is audited ("vetting.approve",
// "vetting.reject", "vetting.suspend", "vetting.reinstate") and the
// provider is notified ("vetting.approved", "vetting.rejected" with the
// reason) in the same transaction.
//
// Other services read providers through LoadProviders, the read model of
// the matching engine: per provider the skills with levels, the rates,
// city, time zone, availability, vetting status and whether they are
// suspended (the "flagged" bit: a suspended provider must not be
// recommended); and through (*Service).MayTakeWork, which the market asks
// before a provider proposes or is awarded work.
package providers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	_ "time/tzdata" // IANA time zones without the system's zoneinfo

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/blob"
	"github.com/talent-hub/talent/backend/identity"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/providers/internal/db"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	"github.com/talent-hub/talent/proto/talent/providers/v1/providersv1connect"
)

// Options tune a Service.
type Options struct {
	// Sealer encrypts ID numbers. Required.
	Sealer Sealer
	// Bucket holds the uploaded files; empty means blob.DocumentsBucket.
	Bucket string
	// FilesURLPrefix is the path under which the edge proxies the object
	// store for browsers ("/files"): presigned URLs are given as
	// FilesURLPrefix + the store's path and query, on the app's own origin
	// (its Content-Security-Policy allows no other). Empty gives the
	// store's own URLs, for clients that reach it directly.
	FilesURLPrefix string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Privacy returns what a person's privacy mode hides from their public
	// profile (SEC-4): (*identity.Service).PrivacyMode. Nil hides only the
	// items marked hidden.
	Privacy func(ctx context.Context, userID uuid.UUID) (identity.PrivacyMode, error)
}

// Service is the provider service.
type Service struct {
	db      *postgres.DB
	store   *blob.Store
	logger  *slog.Logger
	sealer  Sealer
	bucket  string
	prefix  string
	now     func() time.Time
	privacy func(ctx context.Context, userID uuid.UUID) (identity.PrivacyMode, error)
}

// Interface guard.
var _ providersv1connect.ProviderServiceHandler = (*Service)(nil)

// New returns the provider service keeping its rows in db and its files in
// store.
func New(db *postgres.DB, store *blob.Store, logger *slog.Logger, opts Options) *Service {
	s := &Service{db: db, store: store, logger: logger, sealer: opts.Sealer, bucket: opts.Bucket, prefix: opts.FilesURLPrefix, now: opts.Now, privacy: opts.Privacy}
	if s.bucket == "" {
		s.bucket = blob.DocumentsBucket
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Policies declares who may call each RPC of the service (ID-3).
func Policies() auth.Policies {
	people := []string{auth.RoleClient, auth.RoleProvider}
	providers := []string{auth.RoleProvider}
	admins := []string{auth.RoleAdmin}
	return auth.Policies{
		// Any client may become a provider by saving a profile.
		providersv1connect.ProviderServiceSaveProfileProcedure:  {Roles: people},
		providersv1connect.ProviderServiceGetMyProfileProcedure: {Roles: people},
		providersv1connect.ProviderServiceGetProfileProcedure:   {Public: true},

		providersv1connect.ProviderServiceCreateUploadProcedure:   {Roles: providers},
		providersv1connect.ProviderServiceCompleteUploadProcedure: {Roles: providers},
		providersv1connect.ProviderServiceSubmitVettingProcedure:  {Roles: providers},
		providersv1connect.ProviderServiceGetMyVettingProcedure:   {Roles: providers},

		providersv1connect.ProviderServiceListVettingQueueProcedure:     {Roles: admins},
		providersv1connect.ProviderServiceGetVettingSubmissionProcedure: {Roles: admins},
		providersv1connect.ProviderServiceDecideVettingProcedure:        {Roles: admins},
		providersv1connect.ProviderServiceSuspendProviderProcedure:      {Roles: admins},
	}
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

// SaveProfile creates or replaces the caller's profile, skills and
// portfolio, and gives them the provider role.
func (s *Service) SaveProfile(ctx context.Context, req *connect.Request[providersv1.SaveProfileRequest]) (*connect.Response[providersv1.SaveProfileResponse], error) {
	userID, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	in, err := validateProfile(req.Msg)
	if err != nil {
		return nil, connectError(err)
	}
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin save profile: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	if err := s.checkFiles(ctx, q, userID, in.portfolioFileIDs(), "portfolio", kindPortfolio); err != nil {
		return nil, connectError(err)
	}
	if _, err := q.UpsertProfile(ctx, db.UpsertProfileParams{
		UserID: userID, HourlyRateFen: in.hourlyRateFen, DailyRateFen: in.dailyRateFen,
		City: in.city, TimeZone: in.timeZone, Availability: in.availability, Bio: in.bio,
	}); err != nil {
		return nil, fmt.Errorf("upsert profile: %w", err)
	}
	added, err := q.AddProviderRole(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("add provider role: %w", err)
	}
	if added > 0 {
		// Becoming a provider is self-service, and audited like every role
		// change (ID-3, SEC-3).
		err := audit.Record(ctx, tx, audit.Entry{
			ActorID: userID.String(), Action: "role.grant", Target: "user:" + userID.String(),
			Detail: map[string]any{"role": auth.RoleProvider, "self_service": true},
		})
		if err != nil {
			return nil, fmt.Errorf("audit provider role: %w", err)
		}
	}
	if err := q.DeleteSkills(ctx, userID); err != nil {
		return nil, fmt.Errorf("delete skills: %w", err)
	}
	for _, sk := range in.skills {
		if err := q.InsertSkill(ctx, db.InsertSkillParams{UserID: userID, Tag: sk.tag, Level: int16(sk.level)}); err != nil {
			return nil, fmt.Errorf("insert skill: %w", err)
		}
	}
	if err := q.DeletePortfolio(ctx, userID); err != nil {
		return nil, fmt.Errorf("delete portfolio: %w", err)
	}
	for i, it := range in.portfolio {
		if err := q.InsertPortfolioItem(ctx, db.InsertPortfolioItemParams{
			ID: it.id, UserID: userID, Position: int32(i), Title: it.title, Description: it.description,
			Links: it.links, FileIds: it.fileIDs, Hidden: it.hidden,
		}); err != nil {
			return nil, fmt.Errorf("insert portfolio item: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit save profile: %w", err)
	}
	p, err := s.profile(ctx, db.New(s.db.Primary), userID, true)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&providersv1.SaveProfileResponse{Profile: p}), nil
}

// GetMyProfile returns the caller's own profile with hidden items.
func (s *Service) GetMyProfile(ctx context.Context, _ *connect.Request[providersv1.GetMyProfileRequest]) (*connect.Response[providersv1.GetMyProfileResponse], error) {
	userID, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	p, err := s.profile(ctx, db.New(s.db.Primary), userID, true)
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&providersv1.GetMyProfileResponse{Profile: p}), nil
}

// GetProfile returns a provider's public profile, without hidden items.
func (s *Service) GetProfile(ctx context.Context, req *connect.Request[providersv1.GetProfileRequest]) (*connect.Response[providersv1.GetProfileResponse], error) {
	id, err := parseID("user_id", req.Msg.GetUserId())
	if err != nil {
		return nil, connectError(err)
	}
	p, err := s.profile(ctx, db.New(s.db.Replica), id, false)
	if errors.Is(err, ErrNoProfile) && s.db.Replica != s.db.Primary {
		p, err = s.profile(ctx, db.New(s.db.Primary), id, false)
	}
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&providersv1.GetProfileResponse{Profile: p}), nil
}

// profile loads a profile; withHidden includes hidden portfolio items.
// Portfolio files come with short-lived download links.
func (s *Service) profile(ctx context.Context, q *db.Queries, userID uuid.UUID, withHidden bool) (*providersv1.Profile, error) {
	row, err := q.GetProfile(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoProfile
	}
	if err != nil {
		return nil, fmt.Errorf("get profile: %w", err)
	}
	skills, err := q.ListSkills(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list skills: %w", err)
	}
	items, err := q.ListPortfolio(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list portfolio: %w", err)
	}
	var mode identity.PrivacyMode
	if !withHidden && s.privacy != nil {
		if mode, err = s.privacy(ctx, userID); err != nil {
			return nil, fmt.Errorf("privacy mode: %w", err)
		}
	}
	// hidden: off the public profile, by the item's flag or the privacy
	// settings naming it.
	hidden := func(it db.PortfolioItem) bool {
		return !withHidden && (it.Hidden || mode.HiddenPortfolioItems[it.ID.String()])
	}
	var fileIDs []uuid.UUID
	for _, it := range items {
		if hidden(it) {
			continue
		}
		fileIDs = append(fileIDs, it.FileIds...)
	}
	files, err := s.filesByID(ctx, q, fileIDs)
	if err != nil {
		return nil, err
	}
	p := profileToProto(row.ProviderProfile, row.DisplayName)
	for _, sk := range skills {
		p.Skills = append(p.Skills, &providersv1.Skill{Tag: sk.Tag, Level: int32(sk.Level)})
	}
	if mode.HideCity {
		p.City = ""
	}
	for _, it := range items {
		if hidden(it) {
			continue
		}
		pi := &providersv1.PortfolioItem{
			Id: it.ID.String(), Title: it.Title, Description: it.Description, Links: it.Links, Hidden: it.Hidden,
		}
		for _, fid := range it.FileIds {
			pi.FileIds = append(pi.FileIds, fid.String())
			if f, ok := files[fid]; ok {
				pi.Files = append(pi.Files, f)
			}
		}
		p.Portfolio = append(p.Portfolio, pi)
	}
	return p, nil
}

func profileToProto(p db.ProviderProfile, displayName string) *providersv1.Profile {
	return &providersv1.Profile{
		UserId:        p.UserID.String(),
		DisplayName:   displayName,
		HourlyRateFen: p.HourlyRateFen,
		DailyRateFen:  p.DailyRateFen,
		City:          p.City,
		TimeZone:      p.TimeZone,
		Availability:  availabilityToProto[p.Availability],
		Bio:           p.Bio,
		VettingStatus: vettingStatusToProto[p.VettingStatus],
		Suspended:     p.Suspended,
		UpdateTime:    timestamppb.New(p.UpdateTime),
	}
}

// Stored names of the proto enums.
var (
	availabilityToProto = map[string]providersv1.Availability{
		"full_time":   providersv1.Availability_AVAILABILITY_FULL_TIME,
		"part_time":   providersv1.Availability_AVAILABILITY_PART_TIME,
		"weekends":    providersv1.Availability_AVAILABILITY_WEEKENDS,
		"unavailable": providersv1.Availability_AVAILABILITY_UNAVAILABLE,
	}
	vettingStatusToProto = map[string]providersv1.VettingStatus{
		statusNotSubmitted: providersv1.VettingStatus_VETTING_STATUS_NOT_SUBMITTED,
		statusSubmitted:    providersv1.VettingStatus_VETTING_STATUS_SUBMITTED,
		statusApproved:     providersv1.VettingStatus_VETTING_STATUS_APPROVED,
		statusRejected:     providersv1.VettingStatus_VETTING_STATUS_REJECTED,
	}
)

// Vetting states, as stored.
const (
	statusNotSubmitted = "not_submitted"
	statusSubmitted    = "submitted"
	statusApproved     = "approved"
	statusRejected     = "rejected"
)

// parseID parses a uuid field, or returns a violation for it.
func parseID(field, v string) (uuid.UUID, error) {
	if v == "" {
		return uuid.Nil, violation(field, "REQUIRED", field+" is required.")
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, violation(field, "ID_INVALID", field+" is not a valid id.")
	}
	return id, nil
}
