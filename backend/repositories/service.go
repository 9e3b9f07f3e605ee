// Package repositories links GitHub and GitLab repositories to a task
// (TASK-3): the task's parties link one, paste the link's webhook URL and
// secret into the host, and the task shows the pushes, pull/merge request
// states and CI status the webhooks report, live through the event stream
// (backend/events: "repo.push", "repo.pull_request", "repo.ci",
// "repo.linked", "repo.unlinked"). Webhooks serves the receiving end.
package repositories

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/events"
	"github.com/talent-hub/talent/backend/notifications"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/repositories/internal/db"
	"github.com/talent-hub/talent/backend/tasks"
	repositoriesv1 "github.com/talent-hub/talent/proto/talent/repositories/v1"
	"github.com/talent-hub/talent/proto/talent/repositories/v1/repositoriesv1connect"
)

// maxLinks is how many repositories one task may link.
const maxLinks = 5

// Errors the service returns, mapped to Connect codes by connectError.
var (
	ErrUnauthenticated = errors.New("please log in")
	ErrNotParty        = errors.New("only the task's client and provider can see and link its repositories")
	ErrLinkNotFound    = errors.New("repository link not found")
)

// Service serves talent.repositories.v1 and the webhooks.
type Service struct {
	db     *postgres.DB
	tasks  *tasks.Service
	logger *slog.Logger
}

// Interface guard.
var _ repositoriesv1connect.RepositoryServiceHandler = (*Service)(nil)

// New returns the repository service over db; tasks answers who a task's
// parties are.
func New(db *postgres.DB, tasks *tasks.Service, logger *slog.Logger) *Service {
	return &Service{db: db, tasks: tasks, logger: logger}
}

// Policies declares who may call each RPC (ID-3): signed-in callers; the
// service lets only the task's parties through.
func Policies() auth.Policies {
	return auth.Policies{
		repositoriesv1connect.RepositoryServiceLinkRepositoryProcedure:         {},
		repositoriesv1connect.RepositoryServiceListRepositoryLinksProcedure:    {},
		repositoriesv1connect.RepositoryServiceUnlinkRepositoryProcedure:       {},
		repositoriesv1connect.RepositoryServiceListRepositoryActivityProcedure: {},
	}
}

func connectError(err error) error {
	var be *badrequest.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &be):
		return badrequest.ConnectError(be)
	case errors.Is(err, ErrUnauthenticated):
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	case errors.Is(err, ErrNotParty):
		return connect.NewError(connect.CodePermissionDenied, ErrNotParty)
	case errors.Is(err, ErrLinkNotFound):
		return connect.NewError(connect.CodeNotFound, ErrLinkNotFound)
	case errors.Is(err, tasks.ErrNotFound):
		return connect.NewError(connect.CodeNotFound, tasks.ErrNotFound)
	}
	return err
}

// party returns the caller and the task's parties, or an error if the
// caller is not one of them.
func (s *Service) party(ctx context.Context, task string) (uuid.UUID, tasks.Parties, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return uuid.Nil, tasks.Parties{}, ErrUnauthenticated
	}
	user, err := uuid.Parse(p.UserID)
	if err != nil {
		return uuid.Nil, tasks.Parties{}, ErrUnauthenticated
	}
	if task == "" {
		return uuid.Nil, tasks.Parties{}, &badrequest.Error{Violations: []badrequest.Violation{{Field: "task", Reason: "REQUIRED", Description: "task is required"}}}
	}
	parties, err := s.tasks.Parties(ctx, task)
	if err != nil {
		return uuid.Nil, tasks.Parties{}, err
	}
	if !parties.IsParty(user) {
		return uuid.Nil, tasks.Parties{}, ErrNotParty
	}
	return user, parties, nil
}

func toProto(l db.RepositoryLink, ref string) *repositoriesv1.RepositoryLink {
	id := l.ID.String()
	return &repositoriesv1.RepositoryLink{
		Id: id, Task: ref, Host: l.Host, Path: l.Path,
		WebUrl:         webURL(l.Host, l.Path),
		WebhookPath:    webhookPath(l.Host, id),
		WebhookSecret:  l.Secret,
		VscodeUrl:      vscodeURL(l.Host, l.Path),
		CodesandboxUrl: codesandboxURL(l.Host, l.Path),
		CreateTime:     timestamppb.New(l.CreateTime),
	}
}

func newSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// LinkRepository links a repository to a task its caller is party to.
func (s *Service) LinkRepository(ctx context.Context, req *connect.Request[repositoriesv1.LinkRepositoryRequest]) (*connect.Response[repositoriesv1.LinkRepositoryResponse], error) {
	user, parties, err := s.party(ctx, req.Msg.GetTask())
	if err != nil {
		return nil, connectError(err)
	}
	host, path, reason := parseRepositoryURL(req.Msg.GetUrl())
	if reason != "" {
		desc := "the URL is not a repository on github.com or gitlab.com"
		if reason == reasonHostUnsupported {
			desc = "only repositories on github.com and gitlab.com can be linked"
		}
		return nil, connectError(&badrequest.Error{Violations: []badrequest.Violation{{Field: "url", Reason: reason, Description: desc}}})
	}
	var link db.RepositoryLink
	err = pgx.BeginFunc(ctx, s.db.Primary, func(tx pgx.Tx) error {
		q := db.New(tx)
		n, err := q.CountLinks(ctx, parties.TaskID)
		if err != nil {
			return err
		}
		if n >= maxLinks {
			return &badrequest.Error{Violations: []badrequest.Violation{{Field: "url", Reason: "TOO_MANY_REPOSITORIES", Description: fmt.Sprintf("a task can link at most %d repositories", maxLinks)}}}
		}
		link, err = q.InsertLink(ctx, db.InsertLinkParams{TaskID: parties.TaskID, Host: host, Path: path, Secret: newSecret(), CreatedBy: user})
		if errors.Is(err, pgx.ErrNoRows) {
			return &badrequest.Error{Violations: []badrequest.Violation{{Field: "url", Reason: "REPOSITORY_ALREADY_LINKED", Description: "this repository is already linked to the task"}}}
		}
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{
			ActorID: user.String(), Action: "repository.link", Target: "task:" + parties.Ref,
			Detail: map[string]any{"link": link.ID, "host": host, "path": path},
		}); err != nil {
			return err
		}
		if err := events.EmitToTaskParties(ctx, tx, parties.TaskID, "repo.linked", map[string]any{"link_id": link.ID, "repository": path}); err != nil {
			return err
		}
		// Tell the other party, if the task has one yet.
		other := parties.ClientID
		if user == parties.ClientID {
			other = parties.ProviderID
		}
		if other == uuid.Nil {
			return nil
		}
		name, err := q.DisplayName(ctx, user)
		if err != nil {
			return err
		}
		_, err = notifications.Send(ctx, tx, notifications.Notification{
			UserID: other, Kind: "repo.linked", Link: "/tasks/" + parties.Ref,
			Params: map[string]string{"actor": name, "repository": path, "task": parties.Ref},
		})
		return err
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&repositoriesv1.LinkRepositoryResponse{Link: toProto(link, parties.Ref)}), nil
}

// ListRepositoryLinks returns the task's links, with their secrets, to its
// parties.
func (s *Service) ListRepositoryLinks(ctx context.Context, req *connect.Request[repositoriesv1.ListRepositoryLinksRequest]) (*connect.Response[repositoriesv1.ListRepositoryLinksResponse], error) {
	_, parties, err := s.party(ctx, req.Msg.GetTask())
	if err != nil {
		return nil, connectError(err)
	}
	rows, err := db.New(s.db.Primary).ListLinks(ctx, parties.TaskID)
	if err != nil {
		return nil, fmt.Errorf("list repository links: %w", err)
	}
	res := &repositoriesv1.ListRepositoryLinksResponse{}
	for _, l := range rows {
		res.Links = append(res.Links, toProto(l, parties.Ref))
	}
	return connect.NewResponse(res), nil
}

// UnlinkRepository removes a link its caller's task has.
func (s *Service) UnlinkRepository(ctx context.Context, req *connect.Request[repositoriesv1.UnlinkRepositoryRequest]) (*connect.Response[repositoriesv1.UnlinkRepositoryResponse], error) {
	id, err := uuid.Parse(req.Msg.GetLinkId())
	if err != nil {
		return nil, connectError(&badrequest.Error{Violations: []badrequest.Violation{{Field: "link_id", Reason: "VALUE_INVALID", Description: "link_id is not a link id"}}})
	}
	link, err := db.New(s.db.Primary).GetLink(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, connectError(ErrLinkNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read repository link: %w", err)
	}
	user, parties, err := s.party(ctx, link.TaskID.String())
	if err != nil {
		return nil, connectError(err)
	}
	err = pgx.BeginFunc(ctx, s.db.Primary, func(tx pgx.Tx) error {
		if err := db.New(tx).DeleteLink(ctx, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{
			ActorID: user.String(), Action: "repository.unlink", Target: "task:" + parties.Ref,
			Detail: map[string]any{"link": id, "host": link.Host, "path": link.Path},
		}); err != nil {
			return err
		}
		return events.EmitToTaskParties(ctx, tx, parties.TaskID, "repo.unlinked", map[string]any{"link_id": id, "repository": link.Path})
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&repositoriesv1.UnlinkRepositoryResponse{}), nil
}

// Sizes of ListRepositoryActivity's lists.
const (
	maxPushes = 10
	maxLatest = 20
)

// ListRepositoryActivity returns what the task's webhooks reported.
func (s *Service) ListRepositoryActivity(ctx context.Context, req *connect.Request[repositoriesv1.ListRepositoryActivityRequest]) (*connect.Response[repositoriesv1.ListRepositoryActivityResponse], error) {
	_, parties, err := s.party(ctx, req.Msg.GetTask())
	if err != nil {
		return nil, connectError(err)
	}
	q := db.New(s.db.Primary)
	res := &repositoriesv1.ListRepositoryActivityResponse{}
	pushes, err := q.ListPushes(ctx, db.ListPushesParams{TaskID: parties.TaskID, MaxRows: maxPushes})
	if err != nil {
		return nil, fmt.Errorf("list pushes: %w", err)
	}
	for _, r := range pushes {
		var p pushSummary
		if err := decodeSummary(r.Summary, &p); err != nil {
			return nil, err
		}
		m := &repositoriesv1.Push{
			LinkId: r.LinkID.String(), Repository: r.Path, Branch: p.Branch, Pusher: p.Pusher,
			CommitCount: int32(p.CommitCount), CompareUrl: p.CompareURL, Time: timestamppb.New(r.CreateTime),
		}
		for _, c := range p.Commits {
			m.Commits = append(m.Commits, &repositoriesv1.Commit{Sha: c.SHA, Message: c.Message, Author: c.Author, Url: c.URL})
		}
		res.Pushes = append(res.Pushes, m)
	}
	prs, err := q.ListLatest(ctx, db.ListLatestParams{TaskID: parties.TaskID, Kind: kindPullRequest, MaxRows: maxLatest})
	if err != nil {
		return nil, fmt.Errorf("list pull requests: %w", err)
	}
	for _, r := range prs {
		var p pullRequestSummary
		if err := decodeSummary(r.Summary, &p); err != nil {
			return nil, err
		}
		res.PullRequests = append(res.PullRequests, &repositoriesv1.PullRequest{
			LinkId: r.LinkID.String(), Repository: r.Path, Number: p.Number, Title: p.Title, State: p.State,
			Author: p.Author, Url: p.URL, SourceBranch: p.SourceBranch, TargetBranch: p.TargetBranch,
			Time: timestamppb.New(r.CreateTime),
		})
	}
	checks, err := q.ListLatest(ctx, db.ListLatestParams{TaskID: parties.TaskID, Kind: kindCI, MaxRows: maxLatest})
	if err != nil {
		return nil, fmt.Errorf("list checks: %w", err)
	}
	for _, r := range checks {
		var c checkSummary
		if err := decodeSummary(r.Summary, &c); err != nil {
			return nil, err
		}
		res.Checks = append(res.Checks, &repositoriesv1.Check{
			LinkId: r.LinkID.String(), Repository: r.Path, Name: c.Name, State: c.State, Branch: c.Branch,
			Sha: c.SHA, Url: c.URL, Time: timestamppb.New(r.CreateTime),
		})
	}
	return connect.NewResponse(res), nil
}

func jsonObject(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode summary: %w", err)
	}
	return raw, nil
}
