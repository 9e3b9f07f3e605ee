package identity

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// DefaultConsentVersion is the privacy notice version in force unless
// Options.ConsentVersion says otherwise. Raising it asks every person to
// accept the new notice at their next visit.
const DefaultConsentVersion = "2026-11"

// Privacy (SEC-4) and login methods (ID-1): errors of this file.
var (
	// ErrLastLoginMethod means unlinking would leave no way to sign in.
	ErrLastLoginMethod = errors.New("this is the last way to sign in to the account: add another first")
	// ErrNotLinked means the provider is not linked to the account.
	ErrNotLinked = errors.New("no such login method is linked")
	// ErrReauthenticate means a sensitive action needs a fresh sign-in.
	ErrReauthenticate = errors.New("sign in again to confirm, then retry within 5 minutes")
)

// recentSignIn is how fresh a session must be to delete an account that
// has no password.
const recentSignIn = 5 * time.Minute

// Limits of privacy settings.
const (
	maxHiddenItems  = 500
	maxHiddenItemID = 64
)

// accessError maps this file's errors, then the package's.
func accessError(err error) error {
	switch {
	case errors.Is(err, ErrLastLoginMethod):
		return badrequest.WithDetail(connect.NewError(connect.CodeFailedPrecondition, err),
			&errdetails.ErrorInfo{Reason: "LAST_LOGIN_METHOD", Domain: errorDomain})
	case errors.Is(err, ErrReauthenticate):
		return badrequest.WithDetail(connect.NewError(connect.CodeFailedPrecondition, err),
			&errdetails.ErrorInfo{Reason: "REAUTHENTICATE", Domain: errorDomain})
	case errors.Is(err, ErrNotLinked):
		return connect.NewError(connect.CodeNotFound, err)
	default:
		return connectError(err)
	}
}

// ListLoginMethods lists the caller's ways to sign in.
func (s *Service) ListLoginMethods(ctx context.Context, _ *connect.Request[identityv1.ListLoginMethodsRequest]) (*connect.Response[identityv1.ListLoginMethodsResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, accessError(err)
	}
	q := db.New(s.db.Primary)
	user, err := q.GetUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	ids, err := q.ListLoginIdentities(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list login identities: %w", err)
	}
	methods := loginMethods(user, ids)
	for _, m := range methods {
		m.Unlinkable = len(methods) > 1 && providerOf(m.GetKind()) != ""
	}
	return connect.NewResponse(&identityv1.ListLoginMethodsResponse{Methods: methods}), nil
}

// loginMethods returns the ways user can sign in.
func loginMethods(user db.User, ids []db.ListLoginIdentitiesRow) []*identityv1.LoginMethod {
	var ms []*identityv1.LoginMethod
	if hasPassword(user) {
		ms = append(ms, &identityv1.LoginMethod{Kind: identityv1.LoginMethodKind_LOGIN_METHOD_KIND_PASSWORD, Label: *user.Email})
	}
	if user.Phone != nil {
		ms = append(ms, &identityv1.LoginMethod{Kind: identityv1.LoginMethodKind_LOGIN_METHOD_KIND_PHONE, Label: *user.Phone})
	}
	for _, id := range ids {
		ms = append(ms, &identityv1.LoginMethod{Kind: loginKind(id.Provider), Label: id.Login, CreateTime: timestamppb.New(id.CreateTime)})
	}
	return ms
}

// UnlinkLoginMethod removes a linked provider account, unless it is the
// last way to sign in.
func (s *Service) UnlinkLoginMethod(ctx context.Context, req *connect.Request[identityv1.UnlinkLoginMethodRequest]) (*connect.Response[identityv1.UnlinkLoginMethodResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, accessError(err)
	}
	provider := providerOf(req.Msg.GetKind())
	if provider == "" {
		var l badrequest.List
		l.Add("kind", "LOGIN_METHOD_NOT_UNLINKABLE", "Only GitHub and WeChat can be unlinked.")
		return nil, accessError(l.Err())
	}
	ip := s.clientIP(req.Peer(), req.Header())
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		q := db.New(tx)
		user, err := q.LockUser(ctx, userID)
		if err != nil {
			return fmt.Errorf("lock user: %w", err)
		}
		ids, err := q.ListLoginIdentities(ctx, userID)
		if err != nil {
			return fmt.Errorf("list login identities: %w", err)
		}
		if !slices.ContainsFunc(ids, func(r db.ListLoginIdentitiesRow) bool { return r.Provider == provider }) {
			return ErrNotLinked
		}
		if len(loginMethods(user, ids)) <= 1 {
			return ErrLastLoginMethod
		}
		if _, err := q.DeleteLoginIdentity(ctx, db.DeleteLoginIdentityParams{UserID: userID, Provider: provider}); err != nil {
			return fmt.Errorf("delete login identity: %w", err)
		}
		return s.audit(ctx, tx, auditEntry{actor: userID, action: auditUnlink, detail: map[string]any{"provider": provider}, ip: ip})
	})
	if err != nil {
		return nil, accessError(err)
	}
	return connect.NewResponse(&identityv1.UnlinkLoginMethodResponse{}), nil
}

// inTx runs f in a transaction on the primary, committing when it returns
// nil.
func (s *Service) inTx(ctx context.Context, f func(pgx.Tx) error) error {
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// GetPrivacySettings returns the caller's privacy mode and consent state.
func (s *Service) GetPrivacySettings(ctx context.Context, _ *connect.Request[identityv1.GetPrivacySettingsRequest]) (*connect.Response[identityv1.GetPrivacySettingsResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, accessError(err)
	}
	q := db.New(s.db.Primary)
	user, err := q.GetUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	settings, err := s.privacySettings(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&identityv1.GetPrivacySettingsResponse{
		Settings:              settings,
		ConsentVersion:        user.ConsentVersion,
		ConsentTime:           timestamppb.New(user.ConsentTime),
		CurrentConsentVersion: s.consentVersion,
		ConsentRequired:       user.ConsentVersion != s.consentVersion,
	}), nil
}

func (s *Service) privacySettings(ctx context.Context, q *db.Queries, userID uuid.UUID) (*identityv1.PrivacySettings, error) {
	row, err := q.GetPrivacySettings(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return &identityv1.PrivacySettings{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get privacy settings: %w", err)
	}
	return privacyToProto(row), nil
}

func privacyToProto(row db.PrivacySetting) *identityv1.PrivacySettings {
	return &identityv1.PrivacySettings{
		HideReviews:            row.HideReviews,
		HiddenPortfolioItemIds: row.HiddenPortfolioItemIds,
		HideCity:               row.HideCity,
	}
}

// PrivacyMode is what a person's public profile hides, for the services
// that show profiles and reviews.
type PrivacyMode struct {
	HideReviews bool
	HideCity    bool
	// HiddenPortfolioItems holds the ids of hidden portfolio items.
	HiddenPortfolioItems map[string]bool
}

// PrivacyMode returns userID's privacy mode; nothing is hidden for a
// person who never changed it.
func (s *Service) PrivacyMode(ctx context.Context, userID uuid.UUID) (PrivacyMode, error) {
	p, err := s.privacySettings(ctx, db.New(s.db.Replica), userID)
	if err != nil {
		return PrivacyMode{}, err
	}
	m := PrivacyMode{HideReviews: p.GetHideReviews(), HideCity: p.GetHideCity(), HiddenPortfolioItems: map[string]bool{}}
	for _, id := range p.GetHiddenPortfolioItemIds() {
		m.HiddenPortfolioItems[id] = true
	}
	return m, nil
}

// UpdatePrivacySettings replaces the caller's privacy mode.
func (s *Service) UpdatePrivacySettings(ctx context.Context, req *connect.Request[identityv1.UpdatePrivacySettingsRequest]) (*connect.Response[identityv1.UpdatePrivacySettingsResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, accessError(err)
	}
	in := req.Msg.GetSettings()
	ids := []string{}
	var l badrequest.List
	for _, id := range in.GetHiddenPortfolioItemIds() {
		if id == "" || len(id) > maxHiddenItemID {
			l.Add("settings.hidden_portfolio_item_ids", "ITEM_ID_INVALID", "A portfolio item id is empty or too long.")
			break
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > maxHiddenItems {
		l.Add("settings.hidden_portfolio_item_ids", "TOO_MANY_ITEMS", fmt.Sprintf("At most %d portfolio items can be hidden.", maxHiddenItems))
	}
	if err := l.Err(); err != nil {
		return nil, accessError(err)
	}
	ip := s.clientIP(req.Peer(), req.Header())
	var row db.PrivacySetting
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		row, err = db.New(tx).UpsertPrivacySettings(ctx, db.UpsertPrivacySettingsParams{
			UserID:                 userID,
			HideReviews:            in.GetHideReviews(),
			HiddenPortfolioItemIds: ids,
			HideCity:               in.GetHideCity(),
			UpdateTime:             s.now(),
		})
		if err != nil {
			return fmt.Errorf("update privacy settings: %w", err)
		}
		return s.audit(ctx, tx, auditEntry{actor: userID, action: auditPrivacy, ip: ip, detail: map[string]any{
			"hide_reviews": row.HideReviews, "hide_city": row.HideCity, "hidden_portfolio_items": len(row.HiddenPortfolioItemIds),
		}})
	})
	if err != nil {
		return nil, accessError(err)
	}
	return connect.NewResponse(&identityv1.UpdatePrivacySettingsResponse{Settings: privacyToProto(row)}), nil
}

// AcceptConsent records the caller's acceptance of the notice in force.
func (s *Service) AcceptConsent(ctx context.Context, req *connect.Request[identityv1.AcceptConsentRequest]) (*connect.Response[identityv1.AcceptConsentResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, accessError(err)
	}
	if v := req.Msg.GetConsentVersion(); v != s.consentVersion {
		var l badrequest.List
		if v == "" {
			l.Add("consent_version", "REQUIRED", "Accept the privacy notice to continue.")
		} else {
			l.Add("consent_version", "CONSENT_OUTDATED", "This privacy notice has been replaced: reload the page and read the new one.")
		}
		return nil, accessError(l.Err())
	}
	ip := s.clientIP(req.Peer(), req.Header())
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		err := db.New(tx).AcceptConsent(ctx, db.AcceptConsentParams{ID: userID, ConsentVersion: s.consentVersion, ConsentTime: s.now()})
		if err != nil {
			return fmt.Errorf("accept consent: %w", err)
		}
		return s.audit(ctx, tx, auditEntry{actor: userID, action: auditConsent, ip: ip, detail: map[string]any{"version": s.consentVersion}})
	})
	if err != nil {
		return nil, accessError(err)
	}
	return connect.NewResponse(&identityv1.AcceptConsentResponse{}), nil
}

// DeleteAccount erases the caller's personal data (SEC-4). See
// docs/privacy.md for what is kept.
func (s *Service) DeleteAccount(ctx context.Context, req *connect.Request[identityv1.DeleteAccountRequest]) (*connect.Response[identityv1.DeleteAccountResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, accessError(err)
	}
	ip := s.clientIP(req.Peer(), req.Header())
	q := db.New(s.db.Primary)
	user, err := q.GetUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	if err := s.checkNotLastAdmin(ctx, q, user); err != nil {
		return nil, roleError(err)
	}
	if err := s.confirmDeletion(ctx, q, user, req); err != nil {
		return nil, roleError(err)
	}
	hash, err := hashPassword(s.params, rand.Text(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		q := db.New(tx)
		if slices.Contains(user.Roles, auth.RoleAdmin) {
			// Before locking the account: the order RevokeRole uses.
			if err := q.LockAdminRoles(ctx); err != nil {
				return fmt.Errorf("lock admin roles: %w", err)
			}
			n, err := q.CountActiveAdmins(ctx)
			if err != nil {
				return fmt.Errorf("count admins: %w", err)
			}
			if n <= 1 {
				return ErrLastAdmin
			}
		}
		if _, err := q.LockUser(ctx, userID); err != nil {
			return fmt.Errorf("lock user: %w", err)
		}
		if err := q.EraseUser(ctx, db.EraseUserParams{ID: userID, PasswordHash: hash, DeleteTime: s.now()}); err != nil {
			return fmt.Errorf("erase user: %w", err)
		}
		if err := q.DeleteLoginIdentities(ctx, userID); err != nil {
			return fmt.Errorf("delete login identities: %w", err)
		}
		if err := q.DeletePrivacySettings(ctx, userID); err != nil {
			return fmt.Errorf("delete privacy settings: %w", err)
		}
		n, err := q.DeleteUserSessions(ctx, userID)
		if err != nil {
			return fmt.Errorf("delete sessions: %w", err)
		}
		return s.audit(ctx, tx, auditEntry{actor: userID, action: auditDelete, ip: ip, detail: map[string]any{"sessions_ended": n}})
	})
	if err != nil {
		return nil, roleError(err)
	}
	s.logger.InfoContext(ctx, "account deleted", "user_id", userID)
	resp := connect.NewResponse(&identityv1.DeleteAccountResponse{})
	s.clearSessionCookies(resp.Header())
	return resp, nil
}

// confirmDeletion uses up the caller's step-up for OpDeleteAccount when
// the account can do one (ID-4): it has a phone and a second factor.
// Otherwise it checks the caller's password, or for an account without
// one (made with a provider), that the current session began moments ago.
func (s *Service) confirmDeletion(ctx context.Context, q *db.Queries, user db.User, req *connect.Request[identityv1.DeleteAccountRequest]) error {
	if user.Phone != nil {
		n, err := q.CountFactors(ctx, user.ID)
		if err != nil {
			return fmt.Errorf("count factors: %w", err)
		}
		if n.Totp+n.Passkeys > 0 {
			return s.RequireStepUp(ctx, user.ID, OpDeleteAccount, "")
		}
	}
	if hasPassword(user) {
		ok, _, err := verifyPassword(user.PasswordHash, req.Msg.GetPassword(), s.params)
		if err != nil {
			return fmt.Errorf("verify password: %w", err)
		}
		if !ok {
			var l badrequest.List
			l.Add("password", "PASSWORD_WRONG", "The password is wrong.")
			return l.Err()
		}
		return nil
	}
	hash, ok := sessionTokenHash(auth.TokenFromHeader(req.Header()))
	if !ok {
		return ErrReauthenticate
	}
	sess, err := q.GetSessionStart(ctx, hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrReauthenticate
	}
	if err != nil {
		return fmt.Errorf("get session: %w", err)
	}
	if sess.UserID != user.ID || s.now().Sub(sess.CreateTime) > recentSignIn {
		return ErrReauthenticate
	}
	return nil
}

// Exporter adds one area's data about a person to their data export
// (SEC-4). Each area of the platform that keeps personal data passes one
// to the identity service.
type Exporter interface {
	// ExportName names the area's member of the export, e.g. "tasks".
	ExportName() string
	// ExportUserData returns what the area holds about userID, as a value
	// that marshals to JSON.
	ExportUserData(ctx context.Context, userID uuid.UUID) (any, error)
}

// ExportMyData returns everything the platform holds about the caller.
func (s *Service) ExportMyData(ctx context.Context, req *connect.Request[identityv1.ExportMyDataRequest]) (*connect.Response[identityv1.ExportMyDataResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, accessError(err)
	}
	export, err := s.exportIdentity(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, e := range s.exporters {
		name := e.ExportName()
		if _, dup := export[name]; dup {
			return nil, fmt.Errorf("export: two exporters named %q", name)
		}
		v, err := e.ExportUserData(ctx, userID)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", name, err)
		}
		export[name] = v
	}
	data, err := json.MarshalIndent(export, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal export: %w", err)
	}
	ip := s.clientIP(req.Peer(), req.Header())
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		return s.audit(ctx, tx, auditEntry{actor: userID, action: auditExport, ip: ip, detail: map[string]any{"bytes": len(data)}})
	})
	if err != nil {
		return nil, accessError(err)
	}
	return connect.NewResponse(&identityv1.ExportMyDataResponse{
		Json:     data,
		FileName: "talent-data-" + s.now().UTC().Format("2006-01-02") + ".json",
	}), nil
}

// exportIdentity is the identity service's part of an export.
func (s *Service) exportIdentity(ctx context.Context, userID uuid.UUID) (map[string]any, error) {
	q := db.New(s.db.Primary)
	user, err := q.GetUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	consents, err := q.ListConsents(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list consents: %w", err)
	}
	sessions, err := q.ListSessions(ctx, db.ListSessionsParams{UserID: userID, Now: s.now()})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	ids, err := q.ListLoginIdentities(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list login identities: %w", err)
	}
	settings, err := s.privacySettings(ctx, q, userID)
	if err != nil {
		return nil, err
	}
	type consent struct {
		Version    string    `json:"version"`
		AcceptTime time.Time `json:"accept_time"`
	}
	type session struct {
		CreateTime time.Time `json:"create_time"`
		LastSeen   time.Time `json:"last_seen_time"`
		ExpireTime time.Time `json:"expire_time"`
		UserAgent  string    `json:"user_agent"`
		IP         string    `json:"ip"`
	}
	type loginMethod struct {
		Kind       string     `json:"kind"`
		Label      string     `json:"label"`
		Subject    string     `json:"provider_id,omitempty"`
		CreateTime *time.Time `json:"create_time,omitempty"`
	}
	account := map[string]any{
		"id":              user.ID,
		"email":           user.Email,
		"phone":           user.Phone,
		"display_name":    user.DisplayName,
		"roles":           user.Roles,
		"create_time":     user.CreateTime,
		"consent_version": user.ConsentVersion,
		"consent_time":    user.ConsentTime,
	}
	out := map[string]any{
		"account": account,
		"privacy_settings": map[string]any{
			"hide_reviews":              settings.GetHideReviews(),
			"hide_city":                 settings.GetHideCity(),
			"hidden_portfolio_item_ids": settings.GetHiddenPortfolioItemIds(),
		},
	}
	cs := []consent{}
	for _, c := range consents {
		cs = append(cs, consent{Version: c.Version, AcceptTime: c.AcceptTime})
	}
	out["consents"] = cs
	ss := []session{}
	for _, r := range sessions {
		ss = append(ss, session{CreateTime: r.CreateTime, LastSeen: r.LastSeen, ExpireTime: r.ExpireTime, UserAgent: r.UserAgent, IP: r.Ip})
	}
	out["sessions"] = ss
	ms := []loginMethod{}
	if hasPassword(user) {
		ms = append(ms, loginMethod{Kind: "password", Label: *user.Email})
	}
	if user.Phone != nil {
		ms = append(ms, loginMethod{Kind: "phone", Label: *user.Phone})
	}
	for _, id := range ids {
		ms = append(ms, loginMethod{Kind: id.Provider, Label: id.Login, Subject: id.Subject, CreateTime: &id.CreateTime})
	}
	out["login_methods"] = ms
	return out, nil
}

// hasPassword reports whether user can sign in with email and password:
// phone and provider accounts have a random password nobody knows.
func hasPassword(user db.User) bool {
	return user.PasswordSet && user.Email != nil
}
