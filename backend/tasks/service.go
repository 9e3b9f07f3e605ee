// Package tasks is the task service (requirements TASK-1, TASK-2): clients
// post IT work with a budget range, a delivery date and skill tags, and
// everyone browses it. It implements tasksv1connect.TaskServiceHandler.
//
// Every task gets a readable reference ("T-000123") from a sequence.
// Posting is idempotent per client through the request's request_id.
// Listing is newest first with opaque keyset page tokens. Reads go to the
// read replica except where the caller must see their own writes.
package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	_ "time/tzdata" // China Standard Time without the system's zoneinfo

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
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
}

// Service is the task service.
type Service struct {
	db     *postgres.DB
	logger *slog.Logger
	now    func() time.Time
	// cst is China Standard Time, in which delivery dates are given.
	cst *time.Location
}

// Interface guard.
var _ tasksv1connect.TaskServiceHandler = (*Service)(nil)

// New returns the task service storing its data in db.
func New(db *postgres.DB, logger *slog.Logger, opts Options) *Service {
	s := &Service{db: db, logger: logger, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
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
	task, err := s.createTask(ctx, clientID, in)
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

func (s *Service) createTask(ctx context.Context, clientID uuid.UUID, in newTask) (*tasksv1.Task, error) {
	var requestID *string
	if in.requestID != "" {
		requestID = &in.requestID
	}
	q := db.New(s.db.Primary)
	row, err := q.CreateTask(ctx, db.CreateTaskParams{
		ClientID:     clientID,
		Title:        in.title,
		Description:  in.description,
		BudgetMinFen: in.budgetMinFen,
		BudgetMaxFen: in.budgetMaxFen,
		DeliveryDate: in.deliveryDate,
		SkillTags:    in.skillTags,
		RequestID:    requestID,
	})
	if err == nil {
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
	prev, err := q.GetTaskByRequestID(ctx, db.GetTaskByRequestIDParams{ClientID: clientID, RequestID: requestID})
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
	return connect.NewResponse(&tasksv1.GetTaskResponse{Task: taskToProto(row.Task, row.ClientDisplayName)}), nil
}

func getTask(ctx context.Context, q *db.Queries, id uuid.UUID, refNo int64) (db.GetTaskRow, error) {
	if refNo != 0 {
		row, err := q.GetTaskByRef(ctx, refNo)
		return db.GetTaskRow(row), err
	}
	return q.GetTask(ctx, id)
}

// ListTasks lists tasks newest first, one page at a time.
func (s *Service) ListTasks(ctx context.Context, req *connect.Request[tasksv1.ListTasksRequest]) (*connect.Response[tasksv1.ListTasksResponse], error) {
	var vs badrequest.List
	size := int(req.Msg.GetPageSize())
	switch {
	case size < 0:
		vs.Add("page_size", "OUT_OF_RANGE", fmt.Sprintf("The page size must be between 1 and %d.", maxPageSize))
	case size == 0:
		size = defaultPageSize
	case size > maxPageSize:
		size = maxPageSize
	}
	after := startCursor()
	if t := req.Msg.GetPageToken(); t != "" {
		c, ok := decodePageToken(t)
		if !ok {
			vs.Add("page_token", "PAGE_TOKEN_INVALID", "The page token is not one this service returned.")
		}
		after = c
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}

	var rows []db.GetTaskRow
	if req.Msg.GetMine() {
		p, ok := auth.FromContext(ctx)
		if !ok {
			return nil, connectError(ErrUnauthenticated)
		}
		clientID, err := uuid.Parse(p.UserID)
		if err != nil {
			return nil, connectError(ErrUnauthenticated)
		}
		// The primary: a client looks at their tasks right after posting one.
		mine, err := db.New(s.db.Primary).ListClientTasks(ctx, db.ListClientTasksParams{
			ClientID:   clientID,
			BeforeTime: after.createTime,
			BeforeID:   after.id,
			RowLimit:   int32(size + 1),
		})
		if err != nil {
			return nil, fmt.Errorf("list client tasks: %w", err)
		}
		for _, r := range mine {
			rows = append(rows, db.GetTaskRow(r))
		}
	} else {
		all, err := db.New(s.db.Replica).ListTasks(ctx, db.ListTasksParams{
			BeforeTime: after.createTime,
			BeforeID:   after.id,
			RowLimit:   int32(size + 1),
		})
		if err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		for _, r := range all {
			rows = append(rows, db.GetTaskRow(r))
		}
	}

	resp := &tasksv1.ListTasksResponse{}
	if len(rows) > size {
		rows = rows[:size]
		last := rows[size-1].Task
		resp.NextPageToken = encodePageToken(cursor{createTime: last.CreateTime, id: last.ID})
	}
	resp.Tasks = make([]*tasksv1.Task, len(rows))
	for i, r := range rows {
		resp.Tasks[i] = taskToProto(r.Task, r.ClientDisplayName)
	}
	return connect.NewResponse(resp), nil
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
	}
}
