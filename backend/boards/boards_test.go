package boards

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/providers"
	"github.com/talent-hub/talent/backend/tasks"
	"github.com/talent-hub/talent/backend/testenv"
	boardsv1 "github.com/talent-hub/talent/proto/talent/boards/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

func TestMain(m *testing.M) { testenv.Run(m) }

type bundle struct {
	db    *postgres.DB
	tasks *tasks.Service
	svc   *Service
}

func setup(t *testing.T) bundle {
	t.Helper()
	d := testenv.DB(t)
	ts := tasks.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)), tasks.Options{
		Vetting: providers.New(d, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), providers.Options{}),
	})
	return bundle{db: d, tasks: ts, svc: New(d, ts, Options{})}
}

func (b bundle) user(t *testing.T, name string, roles ...string) (context.Context, string) {
	t.Helper()
	var id string
	err := b.db.Primary.QueryRow(t.Context(), `
		INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		VALUES ($1, 'x', $2, $3, '1') RETURNING id::text`,
		strings.ToLower(name)+"-"+uuid.NewString()[:8]+"@example.com", name, roles).Scan(&id)
	if err != nil {
		t.Fatalf("insert user: %v", err)
	}
	if slices.Contains(roles, auth.RoleProvider) {
		// Only an approved provider takes work (ID-2).
		if _, err := b.db.Primary.Exec(t.Context(), `
			INSERT INTO provider_profiles (user_id, time_zone, availability, vetting_status)
			VALUES ($1, 'Asia/Shanghai', 'full_time', 'approved')`, id); err != nil {
			t.Fatalf("approve provider %s: %v", name, err)
		}
	}
	return auth.WithPrincipal(t.Context(), auth.Principal{UserID: id, Roles: roles}), id
}

// task posts a task as client and, with provider, awards it to them.
func (b bundle) task(t *testing.T, client, provider context.Context) string {
	t.Helper()
	resp, err := b.tasks.CreateTask(client, connect.NewRequest(&tasksv1.CreateTaskRequest{
		Title: "Board work", Description: "x", BudgetMinFen: 100000, BudgetMaxFen: 200000,
		DeliveryDate: "2099-12-01", SkillTags: []string{"go"}, TaskType: tasksv1.TaskType_TASK_TYPE_BACK_END, Remote: true,
	}))
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	ref := resp.Msg.GetTask().GetRef()
	if provider == nil {
		return ref
	}
	p, err := b.tasks.CreateProposal(provider, connect.NewRequest(&tasksv1.CreateProposalRequest{IdOrRef: ref, PriceFen: 150000, TimelineDays: 5, CoverNote: "ok"}))
	if err != nil {
		t.Fatalf("CreateProposal: %v", err)
	}
	if _, err := b.tasks.AwardProposal(client, connect.NewRequest(&tasksv1.AwardProposalRequest{ProposalId: p.Msg.GetProposal().GetId()})); err != nil {
		t.Fatalf("AwardProposal: %v", err)
	}
	return ref
}

func (b bundle) board(t *testing.T, ctx context.Context, ref string) *boardsv1.Board {
	t.Helper()
	resp, err := b.svc.GetBoard(ctx, connect.NewRequest(&boardsv1.GetBoardRequest{IdOrRef: ref}))
	if err != nil {
		t.Fatalf("GetBoard: %v", err)
	}
	return resp.Msg.GetBoard()
}

func (b bundle) card(t *testing.T, ctx context.Context, column, title string) *boardsv1.Board {
	t.Helper()
	resp, err := b.svc.CreateCard(ctx, connect.NewRequest(&boardsv1.CreateCardRequest{ColumnId: column, Title: title}))
	if err != nil {
		t.Fatalf("CreateCard(%s): %v", title, err)
	}
	return resp.Msg.GetBoard()
}

// titles returns each column's card titles.
func titles(board *boardsv1.Board) [][]string {
	var out [][]string
	for _, c := range board.GetColumns() {
		var ts []string
		for _, card := range c.GetCards() {
			ts = append(ts, card.GetTitle())
		}
		out = append(out, ts)
	}
	return out
}

func find(board *boardsv1.Board, title string) *boardsv1.Card {
	for _, c := range board.GetColumns() {
		for _, card := range c.GetCards() {
			if card.GetTitle() == title {
				return card
			}
		}
	}
	return nil
}

func wantReason(t *testing.T, err error, code connect.Code, reason string) {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != code {
		t.Fatalf("err = %v, want code %v", err, code)
	}
	if vs := badrequest.FromError(err); len(vs) != 1 || vs[0].Reason != reason {
		t.Fatalf("violations = %v, want %s", vs, reason)
	}
}

// TestBoardAccess: the two parties and admins use the board, nobody
// else; it opens once the task is awarded (TASK-3).
func TestBoardAccess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	client, _ := b.user(t, "Cleo", auth.RoleClient)
	provider, _ := b.user(t, "Pat", auth.RoleProvider)
	stranger, _ := b.user(t, "Sam", auth.RoleProvider)
	admin, _ := b.user(t, "Ada", auth.RoleAdmin)
	open := b.task(t, client, nil)
	ref := b.task(t, client, provider)

	_, err := b.svc.GetBoard(client, connect.NewRequest(&boardsv1.GetBoardRequest{IdOrRef: open}))
	wantReason(t, err, connect.CodeFailedPrecondition, "BOARD_NOT_READY")
	_, err = b.svc.GetBoard(stranger, connect.NewRequest(&boardsv1.GetBoardRequest{IdOrRef: ref}))
	wantReason(t, err, connect.CodePermissionDenied, "NOT_TASK_PARTY")
	for _, ctx := range []context.Context{client, provider, admin} {
		board := b.board(t, ctx, ref)
		var names []string
		for _, c := range board.GetColumns() {
			names = append(names, c.GetName())
		}
		if !slices.Equal(names, DefaultColumns) {
			t.Fatalf("columns = %v, want %v", names, DefaultColumns)
		}
	}
	todo := b.board(t, client, ref).GetColumns()[0].GetId()
	_, err = b.svc.CreateCard(stranger, connect.NewRequest(&boardsv1.CreateCardRequest{ColumnId: todo, Title: "sneak"}))
	wantReason(t, err, connect.CodePermissionDenied, "NOT_TASK_PARTY")
	_, err = b.svc.CreateCard(client, connect.NewRequest(&boardsv1.CreateCardRequest{ColumnId: todo, Title: "x", AssigneeId: uuid.NewString()}))
	wantReason(t, err, connect.CodeInvalidArgument, "ASSIGNEE_INVALID")
}

// TestBoardMoves: cards keep their order through moves, a stale version
// is refused, concurrent moves all land, and a column runs out of gap
// without losing order.
func TestBoardMoves(t *testing.T) {
	t.Parallel()
	b := setup(t)
	client, clientID := b.user(t, "Cleo", auth.RoleClient)
	provider, providerID := b.user(t, "Pat", auth.RoleProvider)
	ref := b.task(t, client, provider)
	board := b.board(t, client, ref)
	todo, doing := board.GetColumns()[0].GetId(), board.GetColumns()[1].GetId()
	for _, title := range []string{"a", "b", "c"} {
		board = b.card(t, client, todo, title)
	}

	move := func(ctx context.Context, card *boardsv1.Card, column, before string) (*boardsv1.Board, error) {
		resp, err := b.svc.MoveCard(ctx, connect.NewRequest(&boardsv1.MoveCardRequest{
			CardId: card.GetId(), Version: card.GetVersion(), ToColumnId: column, BeforeCardId: before,
		}))
		if err != nil {
			return nil, err
		}
		return resp.Msg.GetBoard(), nil
	}

	t.Run("order", func(t *testing.T) {
		c := find(board, "c")
		got, err := move(provider, c, todo, find(board, "a").GetId())
		if err != nil {
			t.Fatalf("MoveCard: %v", err)
		}
		if want := [][]string{{"c", "a", "b"}, nil, nil, nil}; !slices.EqualFunc(titles(got), want, slices.Equal) {
			t.Fatalf("board = %v, want %v", titles(got), want)
		}
		got, err = move(provider, find(got, "a"), doing, "")
		if err != nil {
			t.Fatalf("MoveCard: %v", err)
		}
		if want := [][]string{{"c", "b"}, {"a"}, nil, nil}; !slices.EqualFunc(titles(got), want, slices.Equal) {
			t.Fatalf("board = %v, want %v", titles(got), want)
		}
		board = got
	})
	t.Run("stale version refused", func(t *testing.T) {
		stale := find(board, "b")
		if _, err := move(client, stale, doing, ""); err != nil {
			t.Fatalf("first move: %v", err)
		}
		_, err := move(provider, stale, todo, "")
		wantReason(t, err, connect.CodeAborted, "CARD_CONFLICT")
		board = b.board(t, client, ref)
		if want := [][]string{{"c"}, {"a", "b"}, nil, nil}; !slices.EqualFunc(titles(board), want, slices.Equal) {
			t.Fatalf("board = %v, want %v", titles(board), want)
		}
	})
	t.Run("concurrent moves of one card: one wins", func(t *testing.T) {
		c := find(board, "c")
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, ctx := range []context.Context{client, provider} {
			wg.Go(func() { _, errs[i] = move(ctx, c, doing, "") })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("errors = %v, want exactly one conflict", errs)
		}
		board = b.board(t, client, ref)
	})
	t.Run("concurrent moves of different cards all land", func(t *testing.T) {
		var fresh []*boardsv1.Card
		for i := range 6 {
			board = b.card(t, client, todo, "n"+string(rune('0'+i)))
			fresh = append(fresh, find(board, "n"+string(rune('0'+i))))
		}
		var wg sync.WaitGroup
		errs := make([]error, len(fresh))
		for i, c := range fresh {
			wg.Go(func() { _, errs[i] = move(provider, c, doing, find(board, "a").GetId()) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("move: %v", err)
			}
		}
		board = b.board(t, client, ref)
		col := titles(board)[1]
		if len(col) != 9 || col[6] != "a" {
			t.Fatalf("doing = %v, want the six new cards before a", col)
		}
	})
	t.Run("gap runs out", func(t *testing.T) {
		// Moving the last card between the first two, over and over,
		// halves the gap each time until the column is renumbered.
		for range 80 {
			col := board.GetColumns()[1].GetCards()
			last := col[len(col)-1]
			var err error
			board, err = move(client, last, doing, col[1].GetId())
			if err != nil {
				t.Fatalf("move: %v", err)
			}
			if got := board.GetColumns()[1].GetCards()[1].GetTitle(); got != last.GetTitle() {
				t.Fatalf("second card = %s, want %s", got, last.GetTitle())
			}
		}
		if n := len(board.GetColumns()[1].GetCards()); n != 9 {
			t.Fatalf("doing has %d cards, want 9", n)
		}
	})
	t.Run("assignee and checklist", func(t *testing.T) {
		a := find(board, "a")
		resp, err := b.svc.UpdateCard(client, connect.NewRequest(&boardsv1.UpdateCardRequest{CardId: a.GetId(), Version: a.GetVersion(), Title: "a!", AssigneeId: providerID}))
		if err != nil {
			t.Fatalf("UpdateCard: %v", err)
		}
		if got := find(resp.Msg.GetBoard(), "a!"); got.GetAssigneeId() != providerID {
			t.Fatalf("card = %v", got)
		}
		add, err := b.svc.AddChecklistItem(provider, connect.NewRequest(&boardsv1.AddChecklistItemRequest{CardId: a.GetId(), Text: "tests"}))
		if err != nil {
			t.Fatalf("AddChecklistItem: %v", err)
		}
		item := find(add.Msg.GetBoard(), "a!").GetChecklist()[0]
		tick, err := b.svc.SetChecklistItemDone(client, connect.NewRequest(&boardsv1.SetChecklistItemDoneRequest{ItemId: item.GetId(), Done: true}))
		if err != nil || !find(tick.Msg.GetBoard(), "a!").GetChecklist()[0].GetDone() {
			t.Fatalf("SetChecklistItemDone = %v, %v", tick, err)
		}
		_ = clientID
	})
	t.Run("columns", func(t *testing.T) {
		resp, err := b.svc.CreateColumn(client, connect.NewRequest(&boardsv1.CreateColumnRequest{IdOrRef: ref, Name: "Blocked"}))
		if err != nil {
			t.Fatalf("CreateColumn: %v", err)
		}
		cols := resp.Msg.GetBoard().GetColumns()
		if cols[len(cols)-1].GetName() != "Blocked" {
			t.Fatalf("columns = %v", cols)
		}
		_, err = b.svc.DeleteColumn(client, connect.NewRequest(&boardsv1.DeleteColumnRequest{ColumnId: doing}))
		wantReason(t, err, connect.CodeFailedPrecondition, "COLUMN_NOT_EMPTY")
		ren, err := b.svc.RenameColumn(provider, connect.NewRequest(&boardsv1.RenameColumnRequest{ColumnId: cols[len(cols)-1].GetId(), Name: "Waiting"}))
		if err != nil {
			t.Fatalf("RenameColumn: %v", err)
		}
		cols = ren.Msg.GetBoard().GetColumns()
		del, err := b.svc.DeleteColumn(client, connect.NewRequest(&boardsv1.DeleteColumnRequest{ColumnId: cols[len(cols)-1].GetId()}))
		if err != nil || len(del.Msg.GetBoard().GetColumns()) != 4 {
			t.Fatalf("DeleteColumn = %v, %v", del, err)
		}
	})
}
