package tasks

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/tasks/internal/db"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// UpdateTask replaces the editable fields of a draft or open task (TASK-1).
func (s *Service) UpdateTask(ctx context.Context, req *connect.Request[tasksv1.UpdateTaskRequest]) (*connect.Response[tasksv1.UpdateTaskResponse], error) {
	clientID, err := callingClient(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	id, refNo, err := idOrRef(req.Msg.GetIdOrRef())
	if err != nil {
		return nil, connectError(err)
	}
	in, vs := validateFields(req.Msg, dayOf(s.now(), s.cst))
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}
	verdict, err := s.checkContent(ctx, in.title, in.description)
	if err != nil {
		return nil, connectError(err)
	}
	task, err := s.changeTx(ctx, id, refNo, func(tx pgx.Tx, q *db.Queries, t db.Task) error {
		if t.ClientID != clientID {
			return &NotOwnerError{Action: "edit"}
		}
		if t.Status != statusDraft && t.Status != statusOpen {
			return ErrNotEditable
		}
		if err := q.UpdateTask(ctx, db.UpdateTaskParams{
			ID:           t.ID,
			Title:        in.title,
			Description:  in.description,
			BudgetMinFen: in.budgetMinFen,
			BudgetMaxFen: in.budgetMaxFen,
			DeliveryDate: in.deliveryDate,
			SkillTags:    in.skillTags,
			TaskType:     in.taskType,
			Remote:       in.remote,
			City:         in.city,
			SearchText:   in.searchText(),
		}); err != nil {
			return err
		}
		return moderation.Queue(ctx, tx, taskItem(t.RefNo, clientID), verdict)
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.UpdateTaskResponse{Task: task}), nil
}

// PublishTask opens a draft to providers.
func (s *Service) PublishTask(ctx context.Context, req *connect.Request[tasksv1.PublishTaskRequest]) (*connect.Response[tasksv1.PublishTaskResponse], error) {
	clientID, err := callingClient(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	id, refNo, err := idOrRef(req.Msg.GetIdOrRef())
	if err != nil {
		return nil, connectError(err)
	}
	task, err := s.changeTx(ctx, id, refNo, func(tx pgx.Tx, q *db.Queries, t db.Task) error {
		if t.ClientID != clientID {
			return &NotOwnerError{Action: "publish"}
		}
		if err := transitionTask(ctx, q, t, partyClient, clientID, statusOpen, ""); err != nil {
			return err
		}
		// Matched providers are told on publication (issue 4 item 1).
		return s.notifyMatched(ctx, tx, t)
	})
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.PublishTaskResponse{Task: task}), nil
}

// CloseTask closes an open task without awarding it.
func (s *Service) CloseTask(ctx context.Context, req *connect.Request[tasksv1.CloseTaskRequest]) (*connect.Response[tasksv1.CloseTaskResponse], error) {
	task, err := s.clientTransition(ctx, req.Msg.GetIdOrRef(), "close", statusClosed, req.Msg.GetNote())
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.CloseTaskResponse{Task: task}), nil
}

// CancelTask cancels a draft, open or awarded task.
func (s *Service) CancelTask(ctx context.Context, req *connect.Request[tasksv1.CancelTaskRequest]) (*connect.Response[tasksv1.CancelTaskResponse], error) {
	task, err := s.clientTransition(ctx, req.Msg.GetIdOrRef(), "cancel", statusCancelled, req.Msg.GetNote())
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(&tasksv1.CancelTaskResponse{Task: task}), nil
}

// clientTransition makes a status change the signed-in client makes on
// their own task; action names it in the refusal of anyone else.
func (s *Service) clientTransition(ctx context.Context, idOrRefText, action, to, note string) (*tasksv1.Task, error) {
	clientID, err := callingClient(ctx)
	if err != nil {
		return nil, err
	}
	id, refNo, err := idOrRef(idOrRefText)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(note) > maxNoteLen {
		var vs badrequest.List
		vs.Add("note", "TOO_LONG", fmt.Sprintf("The note must be at most %d characters long.", maxNoteLen))
		return nil, vs.Err()
	}
	verdict, err := s.mod.CheckText(ctx, "note", note)
	if err != nil {
		return nil, err
	}
	return s.changeTx(ctx, id, refNo, func(tx pgx.Tx, q *db.Queries, t db.Task) error {
		if t.ClientID != clientID {
			return &NotOwnerError{Action: action}
		}
		if err := transitionTask(ctx, q, t, partyClient, clientID, to, note); err != nil {
			return err
		}
		if to == statusCancelled {
			// Cancelling deletes the project (ID-4): it uses up a fresh
			// step-up the client did for this task, once the change is
			// known to be allowed; a refusal rolls the change back.
			if err := s.requireStepUp(ctx, clientID, t); err != nil {
				return err
			}
		}
		return queueNote(ctx, tx, q, t, clientID, verdict)
	})
}

// transitionTask moves t to status to, if the life of a task lets party by
// do so, and records the change on the timeline. The caller holds t's row
// lock (see change).
func transitionTask(ctx context.Context, q *db.Queries, t db.Task, by party, actor uuid.UUID, to, note string) error {
	if err := checkTransition(t.Status, to, by); err != nil {
		return err
	}
	sub := ""
	if to == statusInProgress {
		sub = t.SubStatus
	}
	if err := q.SetTaskStatus(ctx, db.SetTaskStatusParams{ID: t.ID, Status: to, SubStatus: sub}); err != nil {
		return fmt.Errorf("set task status: %w", err)
	}
	if err := q.InsertTaskEvent(ctx, db.InsertTaskEventParams{
		TaskID: t.ID, ActorID: actor, FromStatus: t.Status, ToStatus: to, Note: note,
	}); err != nil {
		return fmt.Errorf("record task event: %w", err)
	}
	return nil
}

// change runs fn on the task named by id or refNo in a transaction that
// holds the task's row lock, commits, and returns the task as it is then.
// A draft that is not the caller's is reported as not found.
func (s *Service) change(ctx context.Context, id uuid.UUID, refNo int64, fn func(q *db.Queries, t db.Task) error) (*tasksv1.Task, error) {
	return s.changeTx(ctx, id, refNo, func(_ pgx.Tx, q *db.Queries, t db.Task) error { return fn(q, t) })
}

// changeTx is change for a fn that also needs the transaction itself, to
// queue text for moderation, send notifications or record audit entries
// in it.
//
// A change that touches both parties' event streams can deadlock with
// another change of the same two people (backend/events locks each
// person's stream until commit); Postgres then aborts one, which is run
// again, up to three times.
func (s *Service) changeTx(ctx context.Context, id uuid.UUID, refNo int64, fn func(tx pgx.Tx, q *db.Queries, t db.Task) error) (*tasksv1.Task, error) {
	for attempt := 1; ; attempt++ {
		task, err := s.changeTxOnce(ctx, id, refNo, fn)
		if err == nil || attempt == 3 || !postgres.Retryable(err) {
			return task, err
		}
		s.logger.WarnContext(ctx, "task change retried", "attempt", attempt, "error", err)
	}
}

func (s *Service) changeTxOnce(ctx context.Context, id uuid.UUID, refNo int64, fn func(tx pgx.Tx, q *db.Queries, t db.Task) error) (*tasksv1.Task, error) {
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin task change: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	if refNo != 0 {
		row, err := q.GetTaskByRef(ctx, refNo)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("get task by ref: %w", err)
		}
		id = row.Task.ID
	}
	t, err := q.LockTask(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("lock task: %w", err)
	}
	if !visible(ctx, t) {
		return nil, ErrNotFound
	}
	parties := []uuid.UUID{t.ClientID}
	if t.ProviderID != nil {
		parties = append(parties, *t.ProviderID)
	}
	if err := q.LockPartyEventCursors(ctx, parties); err != nil {
		return nil, fmt.Errorf("lock event cursors: %w", err)
	}
	if err := fn(tx, q, t); err != nil {
		return nil, err
	}
	row, err := q.GetTask(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get changed task: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit task change: %w", err)
	}
	return taskToProto(row.Task, row.ClientDisplayName), nil
}

// ListTaskEvents returns a task's timeline, oldest first.
func (s *Service) ListTaskEvents(ctx context.Context, req *connect.Request[tasksv1.ListTaskEventsRequest]) (*connect.Response[tasksv1.ListTaskEventsResponse], error) {
	id, refNo, err := idOrRef(req.Msg.GetIdOrRef())
	if err != nil {
		return nil, connectError(err)
	}
	// The primary: the timeline is read right after a change.
	q := db.New(s.db.Primary)
	row, err := getTask(ctx, q, id, refNo)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !visible(ctx, row.Task)) {
		return nil, connectError(ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get task: %w", err)
	}
	rows, err := q.ListTaskEvents(ctx, row.Task.ID)
	if err != nil {
		return nil, fmt.Errorf("list task events: %w", err)
	}
	resp := &tasksv1.ListTaskEventsResponse{Events: make([]*tasksv1.TaskEvent, len(rows))}
	for i, r := range rows {
		if r.NoteTakedownReason != nil && !seesHidden(ctx, r.ActorID) {
			r.Note = "" // taken down (SEC-5)
		}
		resp.Events[i] = &tasksv1.TaskEvent{
			FromStatus:       statusToProto(r.FromStatus),
			ToStatus:         statusToProto(r.ToStatus),
			ActorId:          r.ActorID.String(),
			ActorDisplayName: r.ActorDisplayName,
			Note:             r.Note,
			CreateTime:       timestamppb.New(r.CreateTime),
		}
	}
	return connect.NewResponse(resp), nil
}

// idOrRef reads a task id or reference, or returns the field violation.
func idOrRef(s string) (uuid.UUID, int64, error) {
	var vs badrequest.List
	id, refNo, ok := parseIDOrRef(s)
	switch {
	case s == "":
		vs.Add("id_or_ref", "REQUIRED", "Give a task id or a reference like T-000123.")
	case !ok:
		vs.Add("id_or_ref", "ID_OR_REF_INVALID", "A task is named by its id or a reference like T-000123.")
	}
	return id, refNo, vs.Err()
}

// principalID is the signed-in caller's user id, if any.
func principalID(ctx context.Context) (uuid.UUID, bool) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(p.UserID)
	return id, err == nil
}
