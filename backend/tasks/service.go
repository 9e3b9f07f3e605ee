// Package tasks is the task service (requirements TASK-1, TASK-2): clients
// post IT work with a type from the catalogue, a budget range, a delivery
// date, skill tags from the shared vocabulary (backend/skills), remote or a
// city, and everyone finds it. It implements
// tasksv1connect.TaskServiceHandler.
//
// Every task gets a readable reference ("T-000123") from a sequence.
// Posting is idempotent per client through the request's request_id; a
// task may be saved as a draft, which only its client sees.
//
// The life of a task is one table, transitions in lifecycle.go; every
// change is checked against it (a refused one is FAILED_PRECONDITION with
// the reason TRANSITION_NOT_ALLOWED) and recorded in task_events, the
// timeline ListTaskEvents returns.
//
// Search (search.go) matches each query word as a substring of a
// lower-cased search_text column (title, tags, description), so Chinese,
// which has no spaces, is found by any two-character word; a pg_trgm GIN
// index serves words of three characters or more. Filters and four sorts
// are built into one query; page tokens carry the sort's key and the id,
// so pages stay correct for each sort. Reads go to the read replica except
// where the caller must see their own writes.
package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	_ "time/tzdata" // China Standard Time without the system's zoneinfo

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/blob"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/tasks/internal/db"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// Page sizes of ListTasks.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// Options tune a Service.
type Options struct {
	// Now is the clock; nil means time.Now. It decides what "today" is for
	// delivery dates.
	Now func() time.Time
	// Moderation checks titles, descriptions and notes against the
	// keyword lists (SEC-5); nil checks nothing.
	Moderation *moderation.Checker
	// Blob stores attachments; nil turns uploads off.
	Blob *blob.Store
	// FilesURLPrefix, when set (e.g. "/files"), makes presigned URLs
	// relative to the edge's route to the object store instead of the
	// store's own address.
	FilesURLPrefix string
	// Matcher finds the providers told about a published task; nil means
	// SkillOverlap.
	Matcher Matcher
}

// Service is the task service.
type Service struct {
	db     *postgres.DB
	logger *slog.Logger
	now    func() time.Time
	mod    *moderation.Checker
	// cst is China Standard Time, in which delivery dates are given.
	cst         *time.Location
	blob        *blob.Store
	filesPrefix string
	matcher     Matcher
}

// Interface guard.
var _ tasksv1connect.TaskServiceHandler = (*Service)(nil)

// New returns the task service storing its data in db.
func New(db *postgres.DB, logger *slog.Logger, opts Options) *Service {
	s := &Service{db: db, logger: logger, now: opts.Now, mod: opts.Moderation, blob: opts.Blob,
		filesPrefix: strings.TrimSuffix(opts.FilesURLPrefix, "/"), matcher: opts.Matcher}
	if s.now == nil {
		s.now = time.Now
	}
	if s.matcher == nil {
		s.matcher = SkillOverlap{DB: db}
	}
	cst, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// Unreachable with time/tzdata linked in; China has no DST.
		cst = time.FixedZone("CST", 8*60*60)
	}
	s.cst = cst
	return s
}

// Policies declares who may call each RPC of the service. ListTasks is
// public; with mine=true the handler itself asks for a signed-in caller.
func Policies() auth.Policies {
	return auth.Policies{
		tasksv1connect.TaskServiceCreateTaskProcedure: {Roles: []string{auth.RoleClient}},
		tasksv1connect.TaskServiceGetTaskProcedure:    {Public: true},
		tasksv1connect.TaskServiceListTasksProcedure:  {Public: true},
		// The client's own changes; the handlers check ownership.
		tasksv1connect.TaskServiceUpdateTaskProcedure:  {Roles: []string{auth.RoleClient}},
		tasksv1connect.TaskServicePublishTaskProcedure: {Roles: []string{auth.RoleClient}},
		tasksv1connect.TaskServiceCloseTaskProcedure:   {Roles: []string{auth.RoleClient}},
		tasksv1connect.TaskServiceCancelTaskProcedure:  {Roles: []string{auth.RoleClient}},
		// The timeline is as public as the task; drafts only to their client.
		tasksv1connect.TaskServiceListTaskEventsProcedure: {Public: true},
	}
}

// CreateTask posts a new open task for the signed-in client.
func (s *Service) CreateTask(ctx context.Context, req *connect.Request[tasksv1.CreateTaskRequest]) (*connect.Response[tasksv1.CreateTaskResponse], error) {
	clientID, err := callingClient(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	in, err := validateCreateTask(req.Msg, dayOf(s.now(), s.cst))
	if err != nil {
		return nil, connectError(err)
	}
	verdict, err := s.checkContent(ctx, in.title, in.description)
	if err != nil {
		return nil, connectError(err)
	}
	task, err := s.createTask(ctx, clientID, in, verdict)
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.CreateTaskResponse{Task: task}), nil
}

// callingClient returns the user id of the signed-in caller, who must hold
// the client role.
func callingClient(ctx context.Context) (uuid.UUID, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return uuid.Nil, ErrUnauthenticated
	}
	if !p.HasRole(auth.RoleClient) {
		return uuid.Nil, ErrNotClient
	}
	id, err := uuid.Parse(p.UserID)
	if err != nil {
		return uuid.Nil, ErrUnauthenticated
	}
	return id, nil
}

func (s *Service) createTask(ctx context.Context, clientID uuid.UUID, in newTask, verdict moderation.Verdict) (*tasksv1.Task, error) {
	var requestID *string
	if in.requestID != "" {
		requestID = &in.requestID
	}
	status := statusOpen
	if in.draft {
		status = statusDraft
	}
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin create task: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	row, err := q.CreateTask(ctx, db.CreateTaskParams{
		ClientID:     clientID,
		Title:        in.title,
		Description:  in.description,
		BudgetMinFen: in.budgetMinFen,
		BudgetMaxFen: in.budgetMaxFen,
		DeliveryDate: in.deliveryDate,
		SkillTags:    in.skillTags,
		RequestID:    requestID,
		TaskType:     in.taskType,
		Remote:       in.remote,
		City:         in.city,
		Status:       status,
		SearchText:   in.searchText(),
	})
	if err == nil {
		if err := q.InsertTaskEvent(ctx, db.InsertTaskEventParams{
			TaskID: row.ID, ActorID: clientID, FromStatus: "", ToStatus: status,
		}); err != nil {
			return nil, fmt.Errorf("record task creation: %w", err)
		}
		if err := moderation.Queue(ctx, tx, taskItem(row.RefNo, clientID), verdict); err != nil {
			return nil, err
		}
		if status == statusOpen {
			// Posted straight away: matched providers are told (issue 4 item 1).
			if err := s.notifyMatched(ctx, tx, db.Task{ID: row.ID, RefNo: row.RefNo, ClientID: row.ClientID,
				Title: row.Title, TaskType: row.TaskType, SkillTags: row.SkillTags,
				BudgetMinFen: row.BudgetMinFen, BudgetMaxFen: row.BudgetMaxFen, Remote: row.Remote, City: row.City}); err != nil {
				return nil, err
			}
		}
		if err := tx.Commit(ctx); err != nil {
			return nil, fmt.Errorf("commit create task: %w", err)
		}
		return taskToProto(db.Task{
			ID:           row.ID,
			RefNo:        row.RefNo,
			ClientID:     row.ClientID,
			Title:        row.Title,
			Description:  row.Description,
			BudgetMinFen: row.BudgetMinFen,
			BudgetMaxFen: row.BudgetMaxFen,
			DeliveryDate: row.DeliveryDate,
			SkillTags:    row.SkillTags,
			Status:       row.Status,
			RequestID:    row.RequestID,
			Demo:         row.Demo,
			CreateTime:   row.CreateTime,
			TaskType:     row.TaskType,
			Remote:       row.Remote,
			City:         row.City,
			SubStatus:    row.SubStatus,
			UpdateTime:   row.UpdateTime,
		}, row.ClientDisplayName), nil
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "23503" {
		// The caller's account no longer exists.
		return nil, ErrUnauthenticated
	}
	if !errors.Is(err, pgx.ErrNoRows) || requestID == nil {
		return nil, fmt.Errorf("create task: %w", err)
	}
	// A retry: the client already created a task with this request_id.
	prev, err := db.New(s.db.Primary).GetTaskByRequestID(ctx, db.GetTaskByRequestIDParams{ClientID: clientID, RequestID: requestID})
	if err != nil {
		return nil, fmt.Errorf("get task by request id: %w", err)
	}
	return taskToProto(prev.Task, prev.ClientDisplayName), nil
}

// GetTask returns one task by id or reference.
func (s *Service) GetTask(ctx context.Context, req *connect.Request[tasksv1.GetTaskRequest]) (*connect.Response[tasksv1.GetTaskResponse], error) {
	var vs badrequest.List
	id, refNo, ok := parseIDOrRef(req.Msg.GetIdOrRef())
	switch {
	case req.Msg.GetIdOrRef() == "":
		vs.Add("id_or_ref", "REQUIRED", "Give a task id or a reference like T-000123.")
	case !ok:
		vs.Add("id_or_ref", "ID_OR_REF_INVALID", "A task is named by its id or a reference like T-000123.")
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	row, err := getTask(ctx, db.New(s.db.Replica), id, refNo)
	if errors.Is(err, pgx.ErrNoRows) && s.db.Replica != s.db.Primary {
		// The task may be too new to have reached the replica yet.
		row, err = getTask(ctx, db.New(s.db.Primary), id, refNo)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, connectError(ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get task: %w", err)
	}
	if !visible(ctx, row.Task) {
		return nil, connectError(ErrNotFound)
	}
	return connect.NewResponse(&tasksv1.GetTaskResponse{Task: taskToProto(row.Task, row.ClientDisplayName)}), nil
}

// visible reports whether the caller may see t: drafts and tasks taken
// down by moderation only their client (and, taken down, admins).
func visible(ctx context.Context, t db.Task) bool {
	if t.Status != statusDraft && t.TakedownReason == nil {
		return true
	}
	p, ok := auth.FromContext(ctx)
	if ok && t.TakedownReason != nil && t.Status != statusDraft && p.HasRole(auth.RoleAdmin) {
		return true
	}
	return ok && p.UserID == t.ClientID.String()
}

func getTask(ctx context.Context, q *db.Queries, id uuid.UUID, refNo int64) (db.GetTaskRow, error) {
	if refNo != 0 {
		row, err := q.GetTaskByRef(ctx, refNo)
		return db.GetTaskRow(row), err
	}
	return q.GetTask(ctx, id)
}

func taskToProto(t db.Task, clientDisplayName string) *tasksv1.Task {
	return &tasksv1.Task{
		Id:                t.ID.String(),
		Ref:               formatRef(t.RefNo),
		Title:             t.Title,
		Description:       t.Description,
		BudgetMinFen:      t.BudgetMinFen,
		BudgetMaxFen:      t.BudgetMaxFen,
		DeliveryDate:      t.DeliveryDate.Format(dateLayout),
		SkillTags:         t.SkillTags,
		Status:            statusToProto(t.Status),
		ClientId:          t.ClientID.String(),
		ClientDisplayName: clientDisplayName,
		CreateTime:        timestamppb.New(t.CreateTime),
		Demo:              t.Demo,
		TaskType:          taskTypeToProto(t.TaskType),
		Remote:            t.Remote,
		City:              t.City,
		SubStatus:         t.SubStatus,
		UpdateTime:        timestamppb.New(t.UpdateTime),
	}
}
