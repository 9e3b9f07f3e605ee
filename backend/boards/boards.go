// Package boards is the Kanban board of an engagement (TASK-3, issue 4
// item 5): one board per awarded task, with columns (To do, Doing, Review,
// Done by default, editable), cards with an assignee (one of the two
// parties) and a checklist. Only the task's client and provider, and
// admins, see and change it. It implements
// boardsv1connect.BoardServiceHandler.
//
// Order is a fractional rank: a move writes one row, ranking the card
// halfway between its new neighbours (a column is renumbered in the rare
// case the gap runs out). Changes to one board are serialised by an
// advisory lock, and a change to a card names the card's version the
// caller saw: a card changed by someone else in the meantime is refused
// with ABORTED and the reason CARD_CONFLICT, so the other party's move is
// never silently undone.
package boards

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/boards/internal/db"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/tasks"
	boardsv1 "github.com/talent-hub/talent/proto/talent/boards/v1"
	"github.com/talent-hub/talent/proto/talent/boards/v1/boardsv1connect"
)

// DefaultColumns are a new board's columns, left to right.
var DefaultColumns = []string{"To do", "Doing", "Review", "Done"}

const (
	rankGap       = 1024.0
	minRankGap    = 1e-9
	maxColumns    = 12
	maxNameLen    = 40
	maxTitleLen   = 200
	maxItemLength = 200
)

// Errors of the board service, with the reasons the web app translates.
var (
	ErrNoAccess      = ruleError(connect.CodePermissionDenied, "id_or_ref", "NOT_TASK_PARTY", "only the task's client and provider can do this")
	ErrNotReady      = ruleError(connect.CodeFailedPrecondition, "id_or_ref", "BOARD_NOT_READY", "the board opens once the task is awarded")
	ErrConflict      = ruleError(connect.CodeAborted, "version", "CARD_CONFLICT", "someone else changed this card just now; the board shows their change")
	ErrNotFound      = ruleError(connect.CodeNotFound, "id", "BOARD_ITEM_NOT_FOUND", "this column, card or item no longer exists")
	ErrColumnInUse   = ruleError(connect.CodeFailedPrecondition, "column_id", "COLUMN_NOT_EMPTY", "move or delete the column's cards first")
	ErrTooMany       = ruleError(connect.CodeFailedPrecondition, "name", "TOO_MANY_COLUMNS", "a board has at most 12 columns")
	ErrBadAssignee   = ruleError(connect.CodeInvalidArgument, "assignee_id", "ASSIGNEE_INVALID", "a card is assigned to the client or the provider")
	errUnauthWrapped = connect.NewError(connect.CodeUnauthenticated, errors.New("please log in"))
)

func ruleError(code connect.Code, field, reason, msg string) *connect.Error {
	return badrequest.WithDetail(connect.NewError(code, errors.New(msg)),
		badrequest.Detail(badrequest.Violation{Field: field, Reason: reason, Description: msg}))
}

// Service is the board service.
type Service struct {
	db    *postgres.DB
	tasks *tasks.Service
	mod   *moderation.Checker
}

// Options tune a Service.
type Options struct {
	// Moderation checks column names, card titles and checklist items
	// against the keyword lists (SEC-5); nil checks nothing.
	Moderation *moderation.Checker
}

// Interface guard.
var _ boardsv1connect.BoardServiceHandler = (*Service)(nil)

// New returns the board service, asking taskSvc who a task's parties are.
func New(db *postgres.DB, taskSvc *tasks.Service, opts Options) *Service {
	return &Service{db: db, tasks: taskSvc, mod: opts.Moderation}
}

// Policies declares who may call each RPC: the parties' roles and admins;
// the handlers check that the caller is a party of the task.
func Policies() auth.Policies {
	p := auth.Policy{Roles: []string{auth.RoleClient, auth.RoleProvider, auth.RoleAdmin}}
	return auth.Policies{
		boardsv1connect.BoardServiceGetBoardProcedure:             p,
		boardsv1connect.BoardServiceCreateColumnProcedure:         p,
		boardsv1connect.BoardServiceRenameColumnProcedure:         p,
		boardsv1connect.BoardServiceDeleteColumnProcedure:         p,
		boardsv1connect.BoardServiceCreateCardProcedure:           p,
		boardsv1connect.BoardServiceUpdateCardProcedure:           p,
		boardsv1connect.BoardServiceMoveCardProcedure:             p,
		boardsv1connect.BoardServiceDeleteCardProcedure:           p,
		boardsv1connect.BoardServiceAddChecklistItemProcedure:     p,
		boardsv1connect.BoardServiceSetChecklistItemDoneProcedure: p,
	}
}

// text checks a name, title or item text.
func text(field, s string, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	var vs badrequest.List
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		vs.Add(field, "REQUIRED", "This field is required.")
	case n > maxLen:
		vs.Add(field, "TOO_LONG", fmt.Sprintf("At most %d characters.", maxLen))
	}
	if err := vs.Err(); err != nil {
		return "", badrequest.ConnectError(err.(*badrequest.Error))
	}
	return s, nil
}

func parseID(field, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, ruleError(connect.CodeInvalidArgument, field, "ID_INVALID", "This is not a valid id.")
	}
	return id, nil
}

// access checks that the caller may use the board of the task named by
// idOrRef and returns its parties.
func (s *Service) access(ctx context.Context, idOrRef string) (tasks.Parties, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return tasks.Parties{}, errUnauthWrapped
	}
	parties, err := s.tasks.Parties(ctx, idOrRef)
	if be, ok := errors.AsType[*badrequest.Error](err); ok {
		return parties, badrequest.ConnectError(be)
	}
	if errors.Is(err, tasks.ErrNotFound) {
		return parties, connect.NewError(connect.CodeNotFound, tasks.ErrNotFound)
	}
	if err != nil {
		return parties, err
	}
	me, _ := uuid.Parse(p.UserID)
	if !parties.IsParty(me) && !p.HasRole(auth.RoleAdmin) {
		return parties, ErrNoAccess
	}
	if parties.ProviderID == uuid.Nil {
		return parties, ErrNotReady
	}
	return parties, nil
}

// change runs fn in a transaction holding the board's lock, after making
// sure the default columns exist, and returns the board as it is then.
func (s *Service) change(ctx context.Context, p tasks.Parties, fn func(tx pgx.Tx, q *db.Queries) error) (*boardsv1.Board, error) {
	tx, err := s.db.Primary.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin board change: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := db.New(tx)
	if err := q.LockBoard(ctx, p.TaskID.String()); err != nil {
		return nil, fmt.Errorf("lock board: %w", err)
	}
	n, err := q.CountColumns(ctx, p.TaskID)
	if err != nil {
		return nil, fmt.Errorf("count columns: %w", err)
	}
	if n == 0 {
		for i, name := range DefaultColumns {
			if _, err := q.InsertColumn(ctx, db.InsertColumnParams{TaskID: p.TaskID, Name: name, Rank: float64(i+1) * rankGap}); err != nil {
				return nil, fmt.Errorf("create default columns: %w", err)
			}
		}
	}
	if fn != nil {
		if err := fn(tx, q); err != nil {
			return nil, err
		}
	}
	board, err := load(ctx, q, p)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit board change: %w", err)
	}
	return board, nil
}

// load reads the whole board.
func load(ctx context.Context, q *db.Queries, p tasks.Parties) (*boardsv1.Board, error) {
	cols, err := q.ListColumns(ctx, p.TaskID)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	cards, err := q.ListCards(ctx, p.TaskID)
	if err != nil {
		return nil, fmt.Errorf("list cards: %w", err)
	}
	items, err := q.ListChecklist(ctx, p.TaskID)
	if err != nil {
		return nil, fmt.Errorf("list checklist: %w", err)
	}
	board := &boardsv1.Board{TaskId: p.TaskID.String(), TaskRef: p.Ref, PartyIds: []string{p.ClientID.String(), p.ProviderID.String()}}
	byColumn := map[uuid.UUID]*boardsv1.Column{}
	for _, c := range cols {
		col := &boardsv1.Column{Id: c.ID.String(), Name: c.Name}
		if c.TakedownReason != nil && !seesHidden(ctx, c.WrittenBy) {
			col.Name = "" // taken down (SEC-5); the cards stay
		}
		byColumn[c.ID] = col
		board.Columns = append(board.Columns, col)
	}
	byCard := map[uuid.UUID]*boardsv1.Card{}
	for _, c := range cards {
		if c.TakedownReason != nil && !seesHidden(ctx, c.WrittenBy) {
			continue // taken down (SEC-5)
		}
		card := &boardsv1.Card{Id: c.ID.String(), Title: c.Title, Version: c.Version}
		if c.AssigneeID != nil {
			card.AssigneeId = c.AssigneeID.String()
		}
		byCard[c.ID] = card
		if col := byColumn[c.ColumnID]; col != nil {
			col.Cards = append(col.Cards, card)
		}
	}
	for _, i := range items {
		if i.TakedownReason != nil && !seesHidden(ctx, i.WrittenBy) {
			continue // taken down (SEC-5)
		}
		if card := byCard[i.CardID]; card != nil {
			card.Checklist = append(card.Checklist, &boardsv1.ChecklistItem{Id: i.ID.String(), Text: i.Text, Done: i.Done})
		}
	}
	return board, nil
}

// GetBoard returns the task's board.
func (s *Service) GetBoard(ctx context.Context, req *connect.Request[boardsv1.GetBoardRequest]) (*connect.Response[boardsv1.GetBoardResponse], error) {
	p, err := s.access(ctx, req.Msg.GetIdOrRef())
	if err != nil {
		return nil, err
	}
	board, err := s.change(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&boardsv1.GetBoardResponse{Board: board}), nil
}

// CreateColumn adds a column at the right end.
func (s *Service) CreateColumn(ctx context.Context, req *connect.Request[boardsv1.CreateColumnRequest]) (*connect.Response[boardsv1.CreateColumnResponse], error) {
	name, err := text("name", req.Msg.GetName(), maxNameLen)
	if err != nil {
		return nil, err
	}
	verdict, err := s.check(ctx, "name", name)
	if err != nil {
		return nil, err
	}
	p, err := s.access(ctx, req.Msg.GetIdOrRef())
	if err != nil {
		return nil, err
	}
	board, err := s.change(ctx, p, func(tx pgx.Tx, q *db.Queries) error {
		n, err := q.CountColumns(ctx, p.TaskID)
		if err != nil {
			return err
		}
		if n >= maxColumns {
			return ErrTooMany
		}
		last, err := q.MaxColumnRank(ctx, p.TaskID)
		if err != nil {
			return err
		}
		me := writer(ctx)
		col, err := q.InsertColumn(ctx, db.InsertColumnParams{TaskID: p.TaskID, Name: name, Rank: last + rankGap, WrittenBy: &me})
		if err != nil {
			return err
		}
		return moderation.Queue(ctx, tx, boardItem("column", col.ID, p, me), verdict)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&boardsv1.CreateColumnResponse{Board: board}), nil
}

// column finds a column and checks access to its board.
func (s *Service) column(ctx context.Context, idText string) (db.BoardColumn, tasks.Parties, error) {
	id, err := parseID("column_id", idText)
	if err != nil {
		return db.BoardColumn{}, tasks.Parties{}, err
	}
	c, err := db.New(s.db.Primary).GetColumn(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, tasks.Parties{}, ErrNotFound
	}
	if err != nil {
		return c, tasks.Parties{}, fmt.Errorf("get column: %w", err)
	}
	p, err := s.access(ctx, c.TaskID.String())
	return c, p, err
}

// RenameColumn renames a column.
func (s *Service) RenameColumn(ctx context.Context, req *connect.Request[boardsv1.RenameColumnRequest]) (*connect.Response[boardsv1.RenameColumnResponse], error) {
	name, err := text("name", req.Msg.GetName(), maxNameLen)
	if err != nil {
		return nil, err
	}
	verdict, err := s.check(ctx, "name", name)
	if err != nil {
		return nil, err
	}
	c, p, err := s.column(ctx, req.Msg.GetColumnId())
	if err != nil {
		return nil, err
	}
	board, err := s.change(ctx, p, func(tx pgx.Tx, q *db.Queries) error {
		me := writer(ctx)
		if err := q.RenameColumn(ctx, db.RenameColumnParams{ID: c.ID, Name: name, WrittenBy: &me}); err != nil {
			return err
		}
		return moderation.Queue(ctx, tx, boardItem("column", c.ID, p, me), verdict)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&boardsv1.RenameColumnResponse{Board: board}), nil
}

// DeleteColumn removes an empty column.
func (s *Service) DeleteColumn(ctx context.Context, req *connect.Request[boardsv1.DeleteColumnRequest]) (*connect.Response[boardsv1.DeleteColumnResponse], error) {
	c, p, err := s.column(ctx, req.Msg.GetColumnId())
	if err != nil {
		return nil, err
	}
	board, err := s.change(ctx, p, func(tx pgx.Tx, q *db.Queries) error {
		n, err := q.CountCardsInColumn(ctx, c.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return ErrColumnInUse
		}
		return q.DeleteColumn(ctx, c.ID)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&boardsv1.DeleteColumnResponse{Board: board}), nil
}

// assignee checks an assignee id: empty, or one of the parties.
func assignee(p tasks.Parties, s string) (*uuid.UUID, error) {
	if s == "" {
		return nil, nil
	}
	id, err := uuid.Parse(s)
	if err != nil || (id != p.ClientID && id != p.ProviderID) {
		return nil, ErrBadAssignee
	}
	return &id, nil
}

// CreateCard adds a card at the bottom of a column.
func (s *Service) CreateCard(ctx context.Context, req *connect.Request[boardsv1.CreateCardRequest]) (*connect.Response[boardsv1.CreateCardResponse], error) {
	title, err := text("title", req.Msg.GetTitle(), maxTitleLen)
	if err != nil {
		return nil, err
	}
	verdict, err := s.check(ctx, "title", title)
	if err != nil {
		return nil, err
	}
	c, p, err := s.column(ctx, req.Msg.GetColumnId())
	if err != nil {
		return nil, err
	}
	who, err := assignee(p, req.Msg.GetAssigneeId())
	if err != nil {
		return nil, err
	}
	board, err := s.change(ctx, p, func(tx pgx.Tx, q *db.Queries) error {
		rank, err := rankBefore(ctx, q, c.ID, uuid.Nil, uuid.Nil)
		if err != nil {
			return err
		}
		me := writer(ctx)
		card, err := q.InsertCard(ctx, db.InsertCardParams{TaskID: p.TaskID, ColumnID: c.ID, Title: title, AssigneeID: who, Rank: rank, WrittenBy: &me})
		if err != nil {
			return err
		}
		return moderation.Queue(ctx, tx, boardItem("card", card.ID, p, me), verdict)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&boardsv1.CreateCardResponse{Board: board}), nil
}

// rankBefore returns the rank for a card (moving, or uuid.Nil for a new
// one) placed in column before the card before (uuid.Nil: last),
// renumbering the column when the gap is used up.
func rankBefore(ctx context.Context, q *db.Queries, column, moving, before uuid.UUID) (float64, error) {
	for range 2 {
		rows, err := q.ColumnCardRanks(ctx, db.ColumnCardRanksParams{ColumnID: column, ExceptID: moving})
		if err != nil {
			return 0, fmt.Errorf("read column ranks: %w", err)
		}
		if before == uuid.Nil {
			if len(rows) == 0 {
				return rankGap, nil
			}
			return rows[len(rows)-1].Rank + rankGap, nil
		}
		i := -1
		for j, r := range rows {
			if r.ID == before {
				i = j
			}
		}
		if i < 0 {
			return 0, ErrNotFound
		}
		lo := rows[i].Rank - 2*rankGap
		if i > 0 {
			lo = rows[i-1].Rank
		}
		if rows[i].Rank-lo > minRankGap {
			return lo + (rows[i].Rank-lo)/2, nil
		}
		// The gap is used up: spread the column out and try again.
		for j, r := range rows {
			if err := q.SetCardRank(ctx, db.SetCardRankParams{ID: r.ID, Rank: float64(j+1) * rankGap}); err != nil {
				return 0, fmt.Errorf("renumber column: %w", err)
			}
		}
	}
	return 0, errors.New("rank cards: no gap after renumbering")
}

// card finds a card and checks access to its board.
func (s *Service) card(ctx context.Context, idText string) (db.BoardCard, tasks.Parties, error) {
	id, err := parseID("card_id", idText)
	if err != nil {
		return db.BoardCard{}, tasks.Parties{}, err
	}
	c, err := db.New(s.db.Primary).GetCard(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, tasks.Parties{}, ErrNotFound
	}
	if err != nil {
		return c, tasks.Parties{}, fmt.Errorf("get card: %w", err)
	}
	p, err := s.access(ctx, c.TaskID.String())
	return c, p, err
}

// checkVersion re-reads the card under the board lock and compares.
func checkVersion(ctx context.Context, q *db.Queries, id uuid.UUID, version int32) (db.BoardCard, error) {
	c, err := q.GetCard(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get card: %w", err)
	}
	if c.Version != version {
		return c, ErrConflict
	}
	return c, nil
}

// UpdateCard changes a card's title and assignee.
func (s *Service) UpdateCard(ctx context.Context, req *connect.Request[boardsv1.UpdateCardRequest]) (*connect.Response[boardsv1.UpdateCardResponse], error) {
	title, err := text("title", req.Msg.GetTitle(), maxTitleLen)
	if err != nil {
		return nil, err
	}
	verdict, err := s.check(ctx, "title", title)
	if err != nil {
		return nil, err
	}
	c, p, err := s.card(ctx, req.Msg.GetCardId())
	if err != nil {
		return nil, err
	}
	who, err := assignee(p, req.Msg.GetAssigneeId())
	if err != nil {
		return nil, err
	}
	board, err := s.change(ctx, p, func(tx pgx.Tx, q *db.Queries) error {
		if _, err := checkVersion(ctx, q, c.ID, req.Msg.GetVersion()); err != nil {
			return err
		}
		me := writer(ctx)
		if err := q.UpdateCard(ctx, db.UpdateCardParams{ID: c.ID, Title: title, AssigneeID: who, WrittenBy: me}); err != nil {
			return err
		}
		if title == c.Title {
			return nil // the title was checked when written
		}
		return moderation.Queue(ctx, tx, boardItem("card", c.ID, p, me), verdict)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&boardsv1.UpdateCardResponse{Board: board}), nil
}

// MoveCard moves a card into a column, before another card or last.
func (s *Service) MoveCard(ctx context.Context, req *connect.Request[boardsv1.MoveCardRequest]) (*connect.Response[boardsv1.MoveCardResponse], error) {
	c, p, err := s.card(ctx, req.Msg.GetCardId())
	if err != nil {
		return nil, err
	}
	to, err := parseID("to_column_id", req.Msg.GetToColumnId())
	if err != nil {
		return nil, err
	}
	before := uuid.Nil
	if b := req.Msg.GetBeforeCardId(); b != "" {
		if before, err = parseID("before_card_id", b); err != nil {
			return nil, err
		}
	}
	board, err := s.change(ctx, p, func(tx pgx.Tx, q *db.Queries) error {
		if _, err := checkVersion(ctx, q, c.ID, req.Msg.GetVersion()); err != nil {
			return err
		}
		col, err := q.GetColumn(ctx, to)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && col.TaskID != p.TaskID) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("get column: %w", err)
		}
		rank, err := rankBefore(ctx, q, to, c.ID, before)
		if err != nil {
			return err
		}
		return q.MoveCard(ctx, db.MoveCardParams{ID: c.ID, ColumnID: to, Rank: rank})
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&boardsv1.MoveCardResponse{Board: board}), nil
}

// DeleteCard removes a card.
func (s *Service) DeleteCard(ctx context.Context, req *connect.Request[boardsv1.DeleteCardRequest]) (*connect.Response[boardsv1.DeleteCardResponse], error) {
	c, p, err := s.card(ctx, req.Msg.GetCardId())
	if err != nil {
		return nil, err
	}
	board, err := s.change(ctx, p, func(tx pgx.Tx, q *db.Queries) error {
		if _, err := checkVersion(ctx, q, c.ID, req.Msg.GetVersion()); err != nil {
			return err
		}
		return q.DeleteCard(ctx, c.ID)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&boardsv1.DeleteCardResponse{Board: board}), nil
}

// AddChecklistItem adds an item to a card's checklist.
func (s *Service) AddChecklistItem(ctx context.Context, req *connect.Request[boardsv1.AddChecklistItemRequest]) (*connect.Response[boardsv1.AddChecklistItemResponse], error) {
	t, err := text("text", req.Msg.GetText(), maxItemLength)
	if err != nil {
		return nil, err
	}
	verdict, err := s.check(ctx, "text", t)
	if err != nil {
		return nil, err
	}
	c, p, err := s.card(ctx, req.Msg.GetCardId())
	if err != nil {
		return nil, err
	}
	board, err := s.change(ctx, p, func(tx pgx.Tx, q *db.Queries) error {
		me := writer(ctx)
		id, err := q.InsertChecklistItem(ctx, db.InsertChecklistItemParams{CardID: c.ID, Text: t, WrittenBy: &me})
		if err != nil {
			return err
		}
		if err := moderation.Queue(ctx, tx, boardItem("checklist", id, p, me), verdict); err != nil {
			return err
		}
		return q.BumpCard(ctx, c.ID)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&boardsv1.AddChecklistItemResponse{Board: board}), nil
}

// SetChecklistItemDone ticks or unticks a checklist item.
func (s *Service) SetChecklistItemDone(ctx context.Context, req *connect.Request[boardsv1.SetChecklistItemDoneRequest]) (*connect.Response[boardsv1.SetChecklistItemDoneResponse], error) {
	id, err := parseID("item_id", req.Msg.GetItemId())
	if err != nil {
		return nil, err
	}
	item, err := db.New(s.db.Primary).GetChecklistItem(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get checklist item: %w", err)
	}
	p, err := s.access(ctx, item.TaskID.String())
	if err != nil {
		return nil, err
	}
	board, err := s.change(ctx, p, func(tx pgx.Tx, q *db.Queries) error {
		if err := q.SetChecklistItemDone(ctx, db.SetChecklistItemDoneParams{ID: id, Done: req.Msg.GetDone()}); err != nil {
			return err
		}
		return q.BumpCard(ctx, item.CardID)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&boardsv1.SetChecklistItemDoneResponse{Board: board}), nil
}
