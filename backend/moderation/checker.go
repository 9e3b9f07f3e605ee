package moderation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/moderation/internal/db"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/internal/keywordmatch"
)

// ReasonContentBlocked is the field violation reason of a text that holds
// a block keyword; the edge sends the same reason in its ErrorInfo, and the
// web app translates it (webapp/ui).
const ReasonContentBlocked = "CONTENT_BLOCKED"

// errorDomain is the google.rpc.ErrorInfo domain of the backend's refusal.
const errorDomain = "moderation.talent"

// DefaultPollInterval is how often a Checker asks the database whether a
// list changed: the bound on how long a change made through another
// talentd process takes to reach this one.
const DefaultPollInterval = time.Second

// maxWords caps the words one field reports.
const maxWords = 20

// Field is one text a user wrote, named by the request's proto field
// ("title", "description", "cover_note").
type Field struct {
	Name string
	Text string
}

// FieldVerdict is what one field was found to hold.
type FieldVerdict struct {
	Field string
	// Block and Review are the keywords found, as written in their lists.
	Block, Review []string
	// Excerpt is the text around the review words, for the patrol queue.
	Excerpt []Segment
}

// Segment is a piece of an excerpt; Matched pieces are a keyword as the
// author wrote it.
type Segment struct {
	Text    string `json:"text"`
	Matched bool   `json:"matched"`
}

// Verdict is the judgement of the texts of one write. Fields lists only
// the fields that matched something.
type Verdict struct {
	Fields []FieldVerdict
}

// Blocked reports whether any field holds a block keyword: the write must
// be refused with Err.
func (v Verdict) Blocked() bool {
	for _, f := range v.Fields {
		if len(f.Block) > 0 {
			return true
		}
	}
	return false
}

// NeedsReview reports whether any field holds a review keyword (and none
// a block keyword): the write goes through and Queue puts it in the
// patrol queue.
func (v Verdict) NeedsReview() bool {
	if v.Blocked() {
		return false
	}
	for _, f := range v.Fields {
		if len(f.Review) > 0 {
			return true
		}
	}
	return false
}

// Err returns nil unless a field holds a block keyword, and then the error
// to answer the RPC with: INVALID_ARGUMENT with a google.rpc.BadRequest
// field violation CONTENT_BLOCKED per field, naming its words, and a
// google.rpc.ErrorInfo with reason CONTENT_BLOCKED, metadata "words" (all
// of them, comma-separated, as the edge sends) and "words.<field>" (each
// field's), so the web app shows the words next to each field.
func (v Verdict) Err() error {
	if !v.Blocked() {
		return nil
	}
	var vs []badrequest.Violation
	var all []string
	meta := map[string]string{}
	for _, f := range v.Fields {
		if len(f.Block) == 0 {
			continue
		}
		words := strings.Join(f.Block, ", ")
		vs = append(vs, badrequest.Violation{
			Field:       f.Field,
			Reason:      ReasonContentBlocked,
			Description: "The text contains words that are not allowed on Talent: " + words,
		})
		meta["words."+f.Field] = words
		for _, w := range f.Block {
			if !contains(all, w) {
				all = append(all, w)
			}
		}
	}
	meta["words"] = strings.Join(all, ", ")
	ce := connect.NewError(connect.CodeInvalidArgument,
		errors.New("the text contains words that are not allowed on Talent: "+meta["words"]))
	ce = badrequest.WithDetail(ce, badrequest.Detail(vs...))
	return badrequest.WithDetail(ce, &errdetails.ErrorInfo{Reason: ReasonContentBlocked, Domain: errorDomain, Metadata: meta})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CheckerOptions tune a Checker.
type CheckerOptions struct {
	// PollInterval is how often Run asks whether a list changed. Default:
	// DefaultPollInterval.
	PollInterval time.Duration
}

// Checker judges texts against the keyword lists (SEC-5). It keeps the
// compiled lists in memory and refreshes them when their version in the
// database changes (Run polls it; a change made through this process's
// Service is picked up at once). It is safe for concurrent use.
type Checker struct {
	db       *postgres.DB
	logger   *slog.Logger
	interval time.Duration

	mu      sync.Mutex // serializes loads
	current atomic.Pointer[snapshot]
	scans   sync.Pool // *keywordmatch.Scanner
}

// snapshot is the lists at one pair of versions.
type snapshot struct {
	matcher       *keywordmatch.Matcher
	block, review []string
	blockVersion  int64
	reviewVersion int64
}

// NewChecker returns a Checker over the lists in db. It loads them on
// first use; call Run to keep them current.
func NewChecker(db *postgres.DB, logger *slog.Logger, opts CheckerOptions) *Checker {
	c := &Checker{db: db, logger: logger, interval: opts.PollInterval}
	if c.interval <= 0 {
		c.interval = DefaultPollInterval
	}
	c.scans.New = func() any { return new(keywordmatch.Scanner) }
	return c
}

// Run refreshes the lists every poll interval until ctx ends. A failed
// refresh keeps the lists in force and is logged.
func (c *Checker) Run(ctx context.Context) {
	t := time.NewTicker(c.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
			c.logger.ErrorContext(ctx, "refresh keyword lists; keeping the lists in force", "error", err)
		}
	}
}

// Refresh reloads the lists when their version in the database differs
// from the one in memory, and returns the lists in force.
func (c *Checker) Refresh(ctx context.Context) (*snapshot, error) {
	vs, err := db.New(c.db.Primary).ListVersions(ctx)
	if err != nil {
		return c.current.Load(), fmt.Errorf("read keyword list versions: %w", err)
	}
	if cur := c.current.Load(); cur != nil && versionsMatch(cur, vs) {
		return cur, nil
	}
	return c.load(ctx)
}

func versionsMatch(s *snapshot, vs []db.ModerationListVersion) bool {
	for _, v := range vs {
		switch {
		case v.List == listBlock && v.Version != s.blockVersion:
			return false
		case v.List == listReview && v.Version != s.reviewVersion:
			return false
		}
	}
	return true
}

// load reads both lists and their versions in one snapshot of the
// database and compiles them.
func (c *Checker) load(ctx context.Context) (*snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tx, err := c.db.Primary.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return c.current.Load(), fmt.Errorf("begin load keyword lists: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	q := db.New(tx)
	vs, err := q.ListVersions(ctx)
	if err != nil {
		return c.current.Load(), fmt.Errorf("read keyword list versions: %w", err)
	}
	if cur := c.current.Load(); cur != nil && versionsMatch(cur, vs) {
		return cur, nil // another caller loaded them meanwhile
	}
	rows, err := q.AllKeywords(ctx)
	if err != nil {
		return c.current.Load(), fmt.Errorf("read keyword lists: %w", err)
	}
	s := &snapshot{}
	for _, v := range vs {
		if v.List == listBlock {
			s.blockVersion = v.Version
		} else {
			s.reviewVersion = v.Version
		}
	}
	for _, r := range rows {
		if r.List == listBlock {
			s.block = append(s.block, r.Word)
		} else {
			s.review = append(s.review, r.Word)
		}
	}
	m, err := keywordmatch.Compile(s.block, s.review)
	if err != nil {
		return c.current.Load(), fmt.Errorf("compile keyword lists: %w", err)
	}
	s.matcher = m
	c.current.Store(s)
	c.logger.InfoContext(ctx, "keyword lists loaded", "block", len(s.block), "review", len(s.review),
		"block_version", s.blockVersion, "review_version", s.reviewVersion)
	return s, nil
}

// lists returns the lists in force, loading them on first use.
func (c *Checker) lists(ctx context.Context) (*snapshot, error) {
	if s := c.current.Load(); s != nil {
		return s, nil
	}
	return c.load(ctx)
}

// Versions returns the versions of the block and review lists in force
// in this process.
func (c *Checker) Versions(ctx context.Context) (block, review int64, err error) {
	s, err := c.lists(ctx)
	if err != nil {
		return 0, 0, err
	}
	return s.blockVersion, s.reviewVersion, nil
}

// CheckText judges one text a person wrote (a note, a cover note, a
// review) like Check, with the refusal applied: a block word returns
// v.Err(). A nil Checker or an empty text checks nothing.
func (c *Checker) CheckText(ctx context.Context, field, text string) (Verdict, error) {
	if c == nil || text == "" {
		return Verdict{}, nil
	}
	v, err := c.Check(ctx, Field{Name: field, Text: text})
	if err != nil {
		return v, fmt.Errorf("check %s: %w", field, err)
	}
	return v, v.Err()
}

// Check judges the texts of one write against the lists in force, with
// the edge's normalization and matching (internal/keywordmatch). Call it
// before writing; refuse the write with v.Err() when v.Blocked(), and
// when v.NeedsReview() call Queue in the write's transaction.
func (c *Checker) Check(ctx context.Context, fields ...Field) (Verdict, error) {
	s, err := c.lists(ctx)
	if err != nil {
		return Verdict{}, err
	}
	sc := c.scans.Get().(*keywordmatch.Scanner)
	defer c.scans.Put(sc)
	var v Verdict
	for _, f := range fields {
		block, review := sc.All(s.matcher, []byte(f.Text), nil, nil, maxWords)
		if len(block) == 0 && len(review) == 0 {
			continue
		}
		fv := FieldVerdict{Field: f.Name, Block: block, Review: review}
		if len(block) == 0 {
			fv.Excerpt = excerpt(f.Text, s.matcher.Locate(f.Text))
		}
		v.Fields = append(v.Fields, fv)
	}
	return v, nil
}
