package pages

import (
	"strings"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	boardsv1 "github.com/talent-hub/talent/proto/talent/boards/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// boardPage is an engagement's Kanban board (/tasks/{ref}/board, TASK-3).
// Cards move by drag and drop (HTML5 DnD) or, without a mouse, by the
// move buttons on each card (left, right, up, down). A move names the
// card's version; when the other party changed it first, the page shows
// why and reloads the board.
//
// Stable ids and classes: #board, .board-column (data-id) with
// .column-name, ul.board-cards, li.board-card (data-id, draggable) with
// .card-title and buttons .move-left, .move-right, .move-up, .move-down;
// .new-card-title and .add-card per column; #new-column-name,
// #add-column; #board-error.
type boardPage struct {
	app.Compo
	env      *env
	ref      string
	board    *boardsv1.Board
	err      string
	busy     bool
	dragging string // the id of the card being dragged
	newCard  map[string]string
	newItem  map[string]string
	newCol   string
}

func (p *boardPage) OnNav(ctx app.Context) {
	p.ref = strings.TrimSuffix(strings.TrimPrefix(ctx.Page().URL().Path, "/tasks/"), "/board")
	ctx.Page().SetTitle(p.env.lang.T("board.title") + " " + p.ref + " · " + p.env.lang.T("app.name"))
	p.newCard, p.newItem = map[string]string{}, map[string]string{}
	p.load(ctx)
}

func (p *boardPage) load(ctx app.Context) {
	if p.env.rpc == nil {
		return
	}
	ref := p.ref
	ctx.Async(func() {
		resp, err := p.env.rpc.Boards.GetBoard(ctx, connect.NewRequest(&boardsv1.GetBoardRequest{IdOrRef: ref}))
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.err = p.explain(err)
				return
			}
			p.board = resp.Msg.GetBoard()
		})
	})
}

// explain is a failed call in the reader's language.
func (p *boardPage) explain(err error) string {
	pr := rpc.Explain(err)
	if len(pr.Violations) > 0 {
		return p.env.lang.Reason(pr.Violations[0].Reason, pr.Violations[0].Description)
	}
	return p.env.lang.Code(pr.Code)
}

// do runs a change that answers with the whole board; after a refusal
// it reloads the board, so a conflict shows the other party's change.
func (p *boardPage) do(ctx app.Context, call func(ctx app.Context) (*boardsv1.Board, error)) {
	if p.busy || p.env.rpc == nil {
		return
	}
	p.busy, p.err = true, ""
	ctx.Async(func() {
		board, err := call(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = p.explain(err)
				p.load(ctx)
				return
			}
			p.board = board
		})
	})
}

// move moves card to column col, before the card before ("" = last).
func (p *boardPage) move(ctx app.Context, card *boardsv1.Card, col, before string) {
	p.do(ctx, func(ctx app.Context) (*boardsv1.Board, error) {
		resp, err := p.env.rpc.Boards.MoveCard(ctx, connect.NewRequest(&boardsv1.MoveCardRequest{
			CardId: card.GetId(), Version: card.GetVersion(), ToColumnId: col, BeforeCardId: before,
		}))
		return boardOf(resp, err)
	})
}

// find returns the column index and position of a card.
func (p *boardPage) find(id string) (int, int, *boardsv1.Card) {
	for i, c := range p.board.GetColumns() {
		for j, card := range c.GetCards() {
			if card.GetId() == id {
				return i, j, card
			}
		}
	}
	return -1, -1, nil
}

// keyMove is the move buttons' action: dx columns, dy places.
func (p *boardPage) keyMove(dx, dy int) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		ci, pos, card := p.find(idOf(ctx, ".board-card"))
		if card == nil {
			return
		}
		cols := p.board.GetColumns()
		if dx != 0 {
			if ci+dx < 0 || ci+dx >= len(cols) {
				return
			}
			p.move(ctx, card, cols[ci+dx].GetId(), "")
			return
		}
		cards := cols[ci].GetCards()
		switch {
		case dy < 0 && pos > 0:
			p.move(ctx, card, cols[ci].GetId(), cards[pos-1].GetId())
		case dy > 0 && pos+2 < len(cards):
			p.move(ctx, card, cols[ci].GetId(), cards[pos+2].GetId())
		case dy > 0 && pos+1 < len(cards):
			p.move(ctx, card, cols[ci].GetId(), "")
		}
	}
}

func (p *boardPage) Render() app.UI {
	l := p.env.lang
	var body app.UI
	switch b := p.board; {
	case b == nil && p.err != "":
		body = app.P().ID("board-error").Class("form-error").Role("alert").Text(p.err)
	case b == nil:
		body = app.P().Class("loading").Role("status").Text(l.T("common.loading"))
	default:
		body = app.Div().Body(
			app.P().ID("board-error").Class("form-error").Role("alert").Text(p.err),
			app.Div().ID("board").Class("board").Body(
				app.Range(b.GetColumns()).Slice(func(i int) app.UI { return p.column(b.GetColumns()[i]) }),
				app.Div().Class("board-column board-add").Body(
					app.Input().ID("new-column-name").Class("input").Value(p.newCol).Aria("label", l.T("board.new_column")).
						Placeholder(l.T("board.new_column")).OnInput(p.ValueTo(&p.newCol)),
					app.Button().ID("add-column").Class("btn btn-secondary").Type("button").Disabled(p.busy).Text(l.T("board.add_column")).
						OnClick(func(ctx app.Context, e app.Event) {
							name := p.newCol
							p.do(ctx, func(ctx app.Context) (*boardsv1.Board, error) {
								resp, err := p.env.rpc.Boards.CreateColumn(ctx, connect.NewRequest(&boardsv1.CreateColumnRequest{IdOrRef: p.ref, Name: name}))
								if err == nil {
									p.newCol = ""
								}
								return boardOf(resp, err)
							})
						}),
				),
			),
		)
	}
	return p.env.layout(
		app.P().Class("crumbs").Body(app.A().Href("/tasks/"+p.ref).Text("← "+p.ref)),
		app.H1().Text(l.T("board.title")),
		app.P().Class("hint").Text(l.T("board.hint")),
		body,
	)
}

// column renders one column, a drop target: dropped on the column a card
// goes last, dropped on a card it goes above that card.
func (p *boardPage) column(c *boardsv1.Column) app.UI {
	l := p.env.lang
	colID := c.GetId()
	return app.Section().Class("board-column").DataSet("id", colID).
		OnDragOver(func(ctx app.Context, e app.Event) { e.PreventDefault() }).
		OnDrop(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			if _, _, card := p.find(p.dragging); card != nil {
				p.move(ctx, card, idOf(ctx, ".board-column"), "")
			}
			p.dragging = ""
		}).Body(
		app.Div().Class("column-head").Body(
			app.Input().Class("input column-name").Value(c.GetName()).Placeholder(l.T("board.text_taken_down")).Aria("label", l.T("board.column_name")).
				OnChange(func(ctx app.Context, e app.Event) {
					name, col := ctx.JSSrc().Get("value").String(), idOf(ctx, ".board-column")
					p.do(ctx, func(ctx app.Context) (*boardsv1.Board, error) {
						resp, err := p.env.rpc.Boards.RenameColumn(ctx, connect.NewRequest(&boardsv1.RenameColumnRequest{ColumnId: col, Name: name}))
						return boardOf(resp, err)
					})
				}),
			app.If(len(c.GetCards()) == 0, func() app.UI {
				return app.Button().Class("btn btn-quiet delete-column").Type("button").Aria("label", l.T("board.delete_column")).Text("×").
					OnClick(func(ctx app.Context, e app.Event) {
						col := idOf(ctx, ".board-column")
						p.do(ctx, func(ctx app.Context) (*boardsv1.Board, error) {
							resp, err := p.env.rpc.Boards.DeleteColumn(ctx, connect.NewRequest(&boardsv1.DeleteColumnRequest{ColumnId: col}))
							return boardOf(resp, err)
						})
					})
			}),
		),
		app.Ul().Class("board-cards").Body(
			app.Range(c.GetCards()).Slice(func(i int) app.UI { return p.card(c.GetCards()[i]) }),
		),
		app.Div().Class("new-card").Body(
			app.Input().Class("input new-card-title").Value(p.newCard[colID]).Aria("label", l.T("board.new_card")).
				Placeholder(l.T("board.new_card")).
				OnInput(func(ctx app.Context, e app.Event) {
					p.newCard[idOf(ctx, ".board-column")] = ctx.JSSrc().Get("value").String()
				}),
			app.Button().Class("btn btn-secondary add-card").Type("button").Disabled(p.busy).Text(l.T("board.add_card")).
				OnClick(func(ctx app.Context, e app.Event) {
					col := idOf(ctx, ".board-column")
					title := p.newCard[col]
					p.do(ctx, func(ctx app.Context) (*boardsv1.Board, error) {
						resp, err := p.env.rpc.Boards.CreateCard(ctx, connect.NewRequest(&boardsv1.CreateCardRequest{ColumnId: col, Title: title}))
						if err == nil {
							p.newCard[col] = ""
						}
						return boardOf(resp, err)
					})
				}),
		),
	)
}

// card renders one card: draggable, with keyboard move buttons, its
// assignee and checklist.
func (p *boardPage) card(card *boardsv1.Card) app.UI {
	l := p.env.lang
	id := card.GetId()
	moveBtn := func(class, label, glyph string, dx, dy int) app.UI {
		return app.Button().Class("btn btn-quiet "+class).Type("button").Aria("label", l.T(label)+": "+card.GetTitle()).
			Disabled(p.busy).Text(glyph).OnClick(p.keyMove(dx, dy))
	}
	parties := p.board.GetPartyIds()
	return app.Li().Class("board-card card").DataSet("id", id).Draggable(true).
		OnDragStart(func(ctx app.Context, e app.Event) {
			p.dragging = idOf(ctx, ".board-card")
			if dt := e.Get("dataTransfer"); dt.Truthy() {
				dt.Call("setData", "text/plain", p.dragging)
			}
		}).
		OnDrop(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			e.StopImmediatePropagation()
			target := idOf(ctx, ".board-card")
			if _, _, dragged := p.find(p.dragging); dragged != nil && p.dragging != target {
				if ci, _, _ := p.find(target); ci >= 0 {
					p.move(ctx, dragged, p.board.GetColumns()[ci].GetId(), target)
				}
			}
			p.dragging = ""
		}).Body(
		app.P().Class("card-title").Text(card.GetTitle()),
		app.Select().Class("input card-assignee").Aria("label", l.T("board.assignee")).
			OnChange(func(ctx app.Context, e app.Event) {
				who, card := ctx.JSSrc().Get("value").String(), p.cardOf(ctx)
				if card == nil {
					return
				}
				p.do(ctx, func(ctx app.Context) (*boardsv1.Board, error) {
					resp, err := p.env.rpc.Boards.UpdateCard(ctx, connect.NewRequest(&boardsv1.UpdateCardRequest{
						CardId: card.GetId(), Version: card.GetVersion(), Title: card.GetTitle(), AssigneeId: who}))
					return boardOf(resp, err)
				})
			}).Body(
			app.Option().Value("").Selected(card.GetAssigneeId() == "").Text(l.T("board.unassigned")),
			app.If(len(parties) == 2, func() app.UI {
				return app.Option().Value(parties[0]).Selected(card.GetAssigneeId() == parties[0]).Text(l.T("board.client"))
			}),
			app.If(len(parties) == 2, func() app.UI {
				return app.Option().Value(parties[1]).Selected(card.GetAssigneeId() == parties[1]).Text(l.T("board.provider"))
			}),
		),
		app.Ul().Class("checklist").Body(app.Range(card.GetChecklist()).Slice(func(i int) app.UI {
			item := card.GetChecklist()[i]
			return app.Li().Body(app.Label().Body(
				app.Input().Type("checkbox").Class("checklist-done").Checked(item.GetDone()).DataSet("item", item.GetId()).
					OnChange(func(ctx app.Context, e app.Event) {
						done, itemID := ctx.JSSrc().Get("checked").Bool(), ctx.JSSrc().Get("dataset").Get("item").String()
						p.do(ctx, func(ctx app.Context) (*boardsv1.Board, error) {
							resp, err := p.env.rpc.Boards.SetChecklistItemDone(ctx, connect.NewRequest(&boardsv1.SetChecklistItemDoneRequest{ItemId: itemID, Done: done}))
							return boardOf(resp, err)
						})
					}),
				app.Text(" "+item.GetText()),
			))
		})),
		app.Div().Class("inline").Body(
			app.Input().Class("input new-item").Value(p.newItem[id]).Aria("label", l.T("board.new_item")).Placeholder(l.T("board.new_item")).
				OnInput(func(ctx app.Context, e app.Event) {
					p.newItem[idOf(ctx, ".board-card")] = ctx.JSSrc().Get("value").String()
				}),
			app.Button().Class("btn btn-quiet add-item").Type("button").Text("+").Aria("label", l.T("board.new_item")).
				OnClick(func(ctx app.Context, e app.Event) {
					cardID := idOf(ctx, ".board-card")
					text := p.newItem[cardID]
					p.do(ctx, func(ctx app.Context) (*boardsv1.Board, error) {
						resp, err := p.env.rpc.Boards.AddChecklistItem(ctx, connect.NewRequest(&boardsv1.AddChecklistItemRequest{CardId: cardID, Text: text}))
						if err == nil {
							p.newItem[cardID] = ""
						}
						return boardOf(resp, err)
					})
				}),
		),
		app.Div().Class("card-moves").Body(
			moveBtn("move-left", "board.move_left", "←", -1, 0),
			moveBtn("move-up", "board.move_up", "↑", 0, -1),
			moveBtn("move-down", "board.move_down", "↓", 0, 1),
			moveBtn("move-right", "board.move_right", "→", 1, 0),
		),
	)
}

// boardMsg is every board response: each carries the whole board.
type boardMsg interface{ GetBoard() *boardsv1.Board }

// boardOf returns the board of a board call's answer, or its error.
func boardOf[T any, PT interface {
	*T
	boardMsg
}](resp *connect.Response[T], err error) (*boardsv1.Board, error) {
	if err != nil {
		return nil, err
	}
	return PT(resp.Msg).GetBoard(), nil
}

// idOf is the data-id of the closest element matching sel around the
// event's element: go-app keeps a handler's first-render closure, so
// handlers find their card or column from the element, not from values
// they captured.
func idOf(ctx app.Context, sel string) string {
	el := ctx.JSSrc().Call("closest", sel)
	if !el.Truthy() {
		return ""
	}
	return el.Get("dataset").Get("id").String()
}

// cardOf is the card around the event's element, as the board is now.
func (p *boardPage) cardOf(ctx app.Context) *boardsv1.Card {
	_, _, card := p.find(idOf(ctx, ".board-card"))
	return card
}
