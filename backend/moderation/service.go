// Package moderation is the content rules of the platform (requirement
// SEC-5, issue 4 part 9, issue 6 part 3): the block and review keyword
// lists admins manage, the check every text a user writes goes through,
// and the patrol queue of published texts that matched a review keyword.
//
// The lists live in Postgres (moderation_keywords), seeded by the
// migration with the development examples of deploy/edge/keywords. Every
// change is audited and bumps the list's version (moderation_list_versions)
// in the same transaction. A Checker keeps the compiled lists in memory and
// polls the versions every second (Run), so a change made through any
// talentd process reaches every process within about a second; the
// process that made it reloads at once. Edges fetch the same lists from
// talentd's ops listener (KeywordsHandler: /keywords/block.txt and
// /keywords/review.txt, strong ETag from the version, If-None-Match → 304).
//
// Checking uses internal/keywordmatch, the edge's own normalization and
// Aho-Corasick matching, so the backend and the edge judge a text alike.
// Services call Checker.Check with the fields of a write: a block keyword
// refuses it (Verdict.Err: INVALID_ARGUMENT, field violations
// CONTENT_BLOCKED naming the words); a review keyword lets it through, and
// Queue puts it in the patrol queue inside the write's transaction. See
// docs/moderation.md.
//
// Admins work the queue: keep an item, take it down (through the Target
// its kind registers, e.g. the task service cancels and hides a task) or
// warn its author; the author is told (backend/notifications) and every
// decision is audited (backend/audit).
package moderation

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/moderation/internal/db"
	"github.com/talent-hub/talent/backend/notifications"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/internal/keywordmatch"
	moderationv1 "github.com/talent-hub/talent/proto/talent/moderation/v1"
	"github.com/talent-hub/talent/proto/talent/moderation/v1/moderationv1connect"
)

// The lists, as stored.
const (
	listBlock  = "block"
	listReview = "review"
)

// Limits of the RPCs.
const (
	defaultPageSize = 50
	maxPageSize     = 500
	maxAddWords     = 1000
	maxWordChars    = 100
	maxNoteChars    = 500
)

// Service serves talent.moderation.v1 to admins.
type Service struct {
	db      *postgres.DB
	logger  *slog.Logger
	checker *Checker
	targets map[string]Target
}

// Interface guard.
var _ moderationv1connect.ModerationServiceHandler = (*Service)(nil)

// Options tune a Service.
type Options struct {
	// Targets take down items of their kind (KindTask → the task
	// service). A kind without one can be kept or warned about only.
	Targets map[string]Target
}

// New returns the moderation service over db; checker is told at once of
// the changes made here.
func New(db *postgres.DB, logger *slog.Logger, checker *Checker, opts Options) *Service {
	return &Service{db: db, logger: logger, checker: checker, targets: opts.Targets}
}

// Policies declares who may call each RPC (ID-3): admins only.
func Policies() auth.Policies {
	admin := auth.Policy{Roles: []string{auth.RoleAdmin}}
	return auth.Policies{
		moderationv1connect.ModerationServiceListKeywordsProcedure:      admin,
		moderationv1connect.ModerationServiceAddKeywordsProcedure:       admin,
		moderationv1connect.ModerationServiceRemoveKeywordsProcedure:    admin,
		moderationv1connect.ModerationServiceListPatrolItemsProcedure:   admin,
		moderationv1connect.ModerationServiceResolvePatrolItemProcedure: admin,
	}
}

// caller returns the signed-in admin's id.
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

func listName(l moderationv1.KeywordList, vs *badrequest.List) string {
	switch l {
	case moderationv1.KeywordList_KEYWORD_LIST_BLOCK:
		return listBlock
	case moderationv1.KeywordList_KEYWORD_LIST_REVIEW:
		return listReview
	case moderationv1.KeywordList_KEYWORD_LIST_UNSPECIFIED:
		vs.Add("list", "REQUIRED", "Name the list: block or review.")
	default:
		vs.Add("list", "VALUE_INVALID", "The list is block or review.")
	}
	return ""
}

func listEnum(l string) moderationv1.KeywordList {
	if l == listBlock {
		return moderationv1.KeywordList_KEYWORD_LIST_BLOCK
	}
	return moderationv1.KeywordList_KEYWORD_LIST_REVIEW
}

func pageSize(n int32, vs *badrequest.List) int32 {
	switch {
	case n < 0:
		vs.Add("page_size", "VALUE_INVALID", "page_size must not be negative")
	case n == 0:
		return defaultPageSize
	case n > maxPageSize:
		return maxPageSize
	}
	return n
}

// ListKeywords returns one list's keywords, alphabetically.
func (s *Service) ListKeywords(ctx context.Context, req *connect.Request[moderationv1.ListKeywordsRequest]) (*connect.Response[moderationv1.ListKeywordsResponse], error) {
	var vs badrequest.List
	list := listName(req.Msg.GetList(), &vs)
	size := pageSize(req.Msg.GetPageSize(), &vs)
	if utf8.RuneCountInString(req.Msg.GetQuery()) > maxWordChars {
		vs.Add("query", "VALUE_INVALID", "The search is at most 100 characters.")
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	q := db.New(s.db.Primary)
	rows, err := q.ListKeywords(ctx, db.ListKeywordsParams{
		List: list, Query: strings.TrimSpace(req.Msg.GetQuery()), After: req.Msg.GetPageToken(), PageSize: size + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("list keywords: %w", err)
	}
	version, err := q.ListVersion(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("list version: %w", err)
	}
	total, err := q.CountKeywords(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("count keywords: %w", err)
	}
	res := &moderationv1.ListKeywordsResponse{Version: version, Total: total}
	if len(rows) > int(size) {
		rows = rows[:size]
		res.NextPageToken = rows[len(rows)-1].Word
	}
	for _, r := range rows {
		k := &moderationv1.Keyword{List: listEnum(r.List), Word: r.Word, Note: r.Note, CreateTime: timestamppb.New(r.CreateTime)}
		if r.AddedBy != nil {
			k.AddedBy = r.AddedBy.String()
		}
		res.Keywords = append(res.Keywords, k)
	}
	return connect.NewResponse(res), nil
}

// cleanWords trims the words given, skips blank lines and '#' comments
// (so a pasted list file works) and duplicates, and checks each one.
func cleanWords(in []string, vs *badrequest.List) []string {
	var out []string
	for i, w := range in {
		// A pasted block of lines may arrive as one entry.
		for _, line := range strings.Split(w, "\n") {
			line = strings.TrimSpace(line)
			switch {
			case line == "" || strings.HasPrefix(line, "#"):
				continue
			case utf8.RuneCountInString(line) > maxWordChars:
				vs.Add(fmt.Sprintf("words[%d]", i), "KEYWORD_TOO_LONG", "A keyword is at most 100 characters.")
				continue
			case len(keywordmatch.Normalize(nil, []byte(line))) == 0:
				vs.Add(fmt.Sprintf("words[%d]", i), "KEYWORD_EMPTY", "A keyword needs at least one letter or digit: punctuation and spaces are ignored when matching.")
				continue
			}
			if !slices.Contains(out, line) {
				out = append(out, line)
			}
		}
	}
	if len(out) > maxAddWords {
		vs.Add("words", "TOO_MANY", "Send at most 1,000 keywords at once.")
	}
	return out
}

// AddKeywords adds keywords to a list.
func (s *Service) AddKeywords(ctx context.Context, req *connect.Request[moderationv1.AddKeywordsRequest]) (*connect.Response[moderationv1.AddKeywordsResponse], error) {
	admin, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	var vs badrequest.List
	list := listName(req.Msg.GetList(), &vs)
	words := cleanWords(req.Msg.GetWords(), &vs)
	note := strings.TrimSpace(req.Msg.GetNote())
	if len(words) == 0 && len(vs) == 0 {
		vs.Add("words", "REQUIRED", "Give at least one keyword.")
	}
	if utf8.RuneCountInString(note) > maxNoteChars {
		vs.Add("note", "NOTE_TOO_LONG", "The note is at most 500 characters.")
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	res := &moderationv1.AddKeywordsResponse{}
	err = s.changeList(ctx, list, func(q *db.Queries) (string, map[string]any, error) {
		for _, w := range words {
			n, err := q.InsertKeyword(ctx, db.InsertKeywordParams{List: list, Word: w, Note: note, AddedBy: &admin})
			if err != nil {
				return "", nil, fmt.Errorf("insert keyword: %w", err)
			}
			if n == 1 {
				res.Added = append(res.Added, w)
			} else {
				res.Existing = append(res.Existing, w)
			}
		}
		if len(res.Added) == 0 {
			return "", nil, nil
		}
		return "moderation.keyword_add", map[string]any{"list": list, "words": res.Added, "note": note}, nil
	}, admin, req.Peer().Addr, &res.Version)
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(res), nil
}

// RemoveKeywords removes keywords from a list.
func (s *Service) RemoveKeywords(ctx context.Context, req *connect.Request[moderationv1.RemoveKeywordsRequest]) (*connect.Response[moderationv1.RemoveKeywordsResponse], error) {
	admin, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	var vs badrequest.List
	list := listName(req.Msg.GetList(), &vs)
	var words []string
	for _, w := range req.Msg.GetWords() {
		if w = strings.TrimSpace(w); w != "" && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	switch {
	case len(words) == 0:
		vs.Add("words", "REQUIRED", "Give at least one keyword.")
	case len(words) > maxAddWords:
		vs.Add("words", "TOO_MANY", "Send at most 1,000 keywords at once.")
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	res := &moderationv1.RemoveKeywordsResponse{}
	err = s.changeList(ctx, list, func(q *db.Queries) (string, map[string]any, error) {
		for _, w := range words {
			n, err := q.DeleteKeyword(ctx, db.DeleteKeywordParams{List: list, Word: w})
			if err != nil {
				return "", nil, fmt.Errorf("delete keyword: %w", err)
			}
			if n == 1 {
				res.Removed = append(res.Removed, w)
			} else {
				res.Missing = append(res.Missing, w)
			}
		}
		if len(res.Removed) == 0 {
			return "", nil, nil
		}
		return "moderation.keyword_remove", map[string]any{"list": list, "words": res.Removed}, nil
	}, admin, req.Peer().Addr, &res.Version)
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(res), nil
}

// changeList runs change in a transaction holding the list's version row;
// when change returns an audit action (something changed), the version
// goes up and the change is audited in the same transaction. The new (or
// unchanged) version is stored in *version, and this process's checker
// reloads at once.
func (s *Service) changeList(ctx context.Context, list string, change func(*db.Queries) (string, map[string]any, error), admin uuid.UUID, ip string, version *int64) error {
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin list change: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	v, err := q.LockListVersion(ctx, list)
	if err != nil {
		return fmt.Errorf("lock list version: %w", err)
	}
	action, detail, err := change(q)
	if err != nil {
		return err
	}
	if action != "" {
		if v, err = q.BumpListVersion(ctx, list); err != nil {
			return fmt.Errorf("bump list version: %w", err)
		}
		detail["version"] = v
		if err := audit.Record(ctx, tx, audit.Entry{
			ActorID: admin.String(), Action: action, Target: "keywords:" + list, IP: ip, Detail: detail,
		}); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit list change: %w", err)
	}
	*version = v
	if action != "" && s.checker != nil {
		if _, err := s.checker.Refresh(ctx); err != nil {
			// Run picks it up on its next poll.
			s.logger.WarnContext(ctx, "reload keyword lists after a change", "error", err)
		}
	}
	return nil
}

// patrolStatuses maps the API's statuses to the stored ones.
var patrolStatuses = map[moderationv1.PatrolStatus]string{
	moderationv1.PatrolStatus_PATROL_STATUS_UNSPECIFIED: "pending",
	moderationv1.PatrolStatus_PATROL_STATUS_PENDING:     "pending",
	moderationv1.PatrolStatus_PATROL_STATUS_KEPT:        "kept",
	moderationv1.PatrolStatus_PATROL_STATUS_TAKEN_DOWN:  "taken_down",
	moderationv1.PatrolStatus_PATROL_STATUS_WARNED:      "warned",
}

func statusEnum(s string) moderationv1.PatrolStatus {
	for k, v := range patrolStatuses {
		if v == s && k != moderationv1.PatrolStatus_PATROL_STATUS_UNSPECIFIED {
			return k
		}
	}
	return moderationv1.PatrolStatus_PATROL_STATUS_UNSPECIFIED
}

// ListPatrolItems returns items of the patrol queue, oldest first.
func (s *Service) ListPatrolItems(ctx context.Context, req *connect.Request[moderationv1.ListPatrolItemsRequest]) (*connect.Response[moderationv1.ListPatrolItemsResponse], error) {
	var vs badrequest.List
	status, ok := patrolStatuses[req.Msg.GetStatus()]
	if !ok {
		vs.Add("status", "VALUE_INVALID", "Filter by pending, kept, taken down or warned.")
	}
	size := pageSize(req.Msg.GetPageSize(), &vs)
	var after int64
	if t := req.Msg.GetPageToken(); t != "" {
		id, err := strconv.ParseInt(t, 10, 64)
		if err != nil || id <= 0 {
			vs.Add("page_token", "PAGE_TOKEN_INVALID", "page_token is not one this service returned")
		}
		after = id
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	rows, err := db.New(s.db.Primary).ListPatrolItems(ctx, db.ListPatrolItemsParams{Status: status, AfterID: after, PageSize: size + 1})
	if err != nil {
		return nil, fmt.Errorf("list patrol items: %w", err)
	}
	res := &moderationv1.ListPatrolItemsResponse{}
	if len(rows) > int(size) {
		rows = rows[:size]
		res.NextPageToken = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	for _, r := range rows {
		res.Items = append(res.Items, patrolToProto(db.GetPatrolItemRow(r)))
	}
	return connect.NewResponse(res), nil
}

func patrolToProto(r db.GetPatrolItemRow) *moderationv1.PatrolItem {
	p := &moderationv1.PatrolItem{
		Id: r.ID, Kind: r.Kind, ItemId: r.ItemID, Link: r.Link, Field: r.Field, Words: r.Words,
		AuthorName: r.AuthorName, CreateTime: timestamppb.New(r.CreateTime), Status: statusEnum(r.Status),
		ResolutionNote: r.ResolutionNote,
	}
	var segs []Segment
	if err := json.Unmarshal(r.Excerpt, &segs); err == nil {
		for _, sg := range segs {
			p.Excerpt = append(p.Excerpt, &moderationv1.Segment{Text: sg.Text, Matched: sg.Matched})
		}
	}
	if r.AuthorID != nil {
		p.AuthorId = r.AuthorID.String()
	}
	if r.ResolverID != nil {
		p.ResolverId = r.ResolverID.String()
	}
	if r.ResolveTime.Valid {
		p.ResolveTime = timestamppb.New(r.ResolveTime.Time)
	}
	return p
}

// resolutions maps an action to the stored status, the audit action and
// the notification the author gets ("" for none).
var resolutions = map[moderationv1.PatrolAction]struct{ status, action, notification string }{
	moderationv1.PatrolAction_PATROL_ACTION_KEEP:      {"kept", "moderation.patrol_keep", ""},
	moderationv1.PatrolAction_PATROL_ACTION_TAKE_DOWN: {"taken_down", "moderation.patrol_take_down", "moderation.taken_down"},
	moderationv1.PatrolAction_PATROL_ACTION_WARN:      {"warned", "moderation.patrol_warn", "moderation.warning"},
}

// ResolvePatrolItem decides a pending item. Taking down goes through the
// item kind's Target; the author is told of a take-down or a warning; the
// other pending items of the same item get the same decision; all in one
// audited transaction.
func (s *Service) ResolvePatrolItem(ctx context.Context, req *connect.Request[moderationv1.ResolvePatrolItemRequest]) (*connect.Response[moderationv1.ResolvePatrolItemResponse], error) {
	admin, err := caller(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	var vs badrequest.List
	res, ok := resolutions[req.Msg.GetAction()]
	if !ok {
		vs.Add("action", "REQUIRED", "Choose keep, take down or warn.")
	}
	note := strings.TrimSpace(req.Msg.GetNote())
	switch {
	case utf8.RuneCountInString(note) > maxNoteChars:
		vs.Add("note", "NOTE_TOO_LONG", "The note is at most 500 characters.")
	case note == "" && res.notification != "":
		vs.Add("note", "REASON_REQUIRED", "Say why: the author is told.")
	}
	if req.Msg.GetId() <= 0 {
		vs.Add("id", "ID_INVALID", "Name a patrol item.")
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	item, err := s.resolve(ctx, req.Msg.GetId(), admin, res.status, res.action, res.notification, note, req.Peer().Addr)
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&moderationv1.ResolvePatrolItemResponse{Item: patrolToProto(item)}), nil
}

func (s *Service) resolve(ctx context.Context, id int64, admin uuid.UUID, status, action, notification, note, ip string) (db.GetPatrolItemRow, error) {
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return db.GetPatrolItemRow{}, fmt.Errorf("begin resolve: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	cur, err := q.LockPatrolItem(ctx, id)
	if err == pgx.ErrNoRows {
		return db.GetPatrolItemRow{}, ErrNotFound
	}
	if err != nil {
		return db.GetPatrolItemRow{}, fmt.Errorf("lock patrol item: %w", err)
	}
	if cur != "pending" {
		return db.GetPatrolItemRow{}, ErrResolved
	}
	item, err := q.GetPatrolItem(ctx, id)
	if err != nil {
		return db.GetPatrolItemRow{}, fmt.Errorf("get patrol item: %w", err)
	}
	if status == "taken_down" {
		target, ok := s.targets[item.Kind]
		if !ok {
			return db.GetPatrolItemRow{}, ErrTakeDownUnsupported
		}
		if err := target.TakeDown(ctx, tx, item.ItemID, admin, note); err != nil {
			return db.GetPatrolItemRow{}, fmt.Errorf("take down %s %s: %w", item.Kind, item.ItemID, err)
		}
	}
	p := db.ResolvePatrolItemParams{ID: id, Status: status, ResolverID: &admin, ResolutionNote: note}
	if err := q.ResolvePatrolItem(ctx, p); err != nil {
		return db.GetPatrolItemRow{}, fmt.Errorf("resolve patrol item: %w", err)
	}
	siblings, err := q.ResolveSiblingItems(ctx, db.ResolveSiblingItemsParams{
		ID: id, Kind: item.Kind, ItemID: item.ItemID, Status: status, ResolverID: &admin, ResolutionNote: note,
	})
	if err != nil {
		return db.GetPatrolItemRow{}, fmt.Errorf("resolve sibling patrol items: %w", err)
	}
	if notification != "" && item.AuthorID != nil {
		if _, err := notifications.Send(ctx, tx, notifications.Notification{
			UserID: *item.AuthorID, Kind: notification, Link: item.Link,
			Params: noticeParams(item.Kind, item.ItemID, item.Link, note),
		}); err != nil {
			return db.GetPatrolItemRow{}, err
		}
	}
	if err := audit.Record(ctx, tx, audit.Entry{
		ActorID: admin.String(), Action: action, Target: "patrol:" + strconv.FormatInt(id, 10), IP: ip,
		Detail: map[string]any{"kind": item.Kind, "item_id": item.ItemID, "note": note, "words": item.Words, "also_resolved": siblings},
	}); err != nil {
		return db.GetPatrolItemRow{}, err
	}
	if item, err = q.GetPatrolItem(ctx, id); err != nil {
		return db.GetPatrolItemRow{}, fmt.Errorf("get patrol item: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return db.GetPatrolItemRow{}, fmt.Errorf("commit resolve: %w", err)
	}
	return item, nil
}

// noticeParams are the params of the notice an author gets about an item:
// "item_label" and "ref" name it in words (ItemLabel), "item_id" is its
// raw id, "reason" the admin's note. "item" holds the label in English
// for a client that does not know "item_label".
func noticeParams(kind, itemID, link, note string) map[string]string {
	label, ref := ItemLabel(kind, itemID, link)
	p := map[string]string{"item_label": label, "item_id": itemID, "reason": note, "item": englishLabels[label]}
	if ref != "" {
		p["ref"] = ref
		p["item"] = strings.ReplaceAll(p["item"], "{ref}", ref)
	}
	return p
}
