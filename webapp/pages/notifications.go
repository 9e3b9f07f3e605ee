package pages

import (
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	eventsv1 "github.com/talent-hub/talent/proto/talent/events/v1"
	notificationsv1 "github.com/talent-hub/talent/proto/talent/notifications/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// notificationsPage lists the signed-in person's notifications, newest
// first, updated live by the event stream.
type notificationsPage struct {
	app.Compo
	env     *env
	items   []*notificationsv1.Notification
	next    string
	unread  int64
	loading bool
	err     string
}

func (p *notificationsPage) OnMount(ctx app.Context) {
	ctx.Handle(actionEvent, func(ctx app.Context, a app.Action) {
		if ev, ok := a.Value.(*eventsv1.Event); ok && strings.HasPrefix(ev.GetKind(), "notification") {
			p.load(ctx, "")
		}
	})
	ctx.Handle(actionReload, func(ctx app.Context, _ app.Action) { p.load(ctx, "") })
}

func (p *notificationsPage) OnNav(ctx app.Context) {
	p.env.title(ctx, "notifications.title")
	if p.env.rpc == nil {
		return
	}
	p.loading = true
	p.load(ctx, "")
}

// load fetches the first page (token "") or the page after token.
func (p *notificationsPage) load(ctx app.Context, token string) {
	ctx.Async(func() {
		res, err := p.env.rpc.Notifications.ListNotifications(ctx, connect.NewRequest(&notificationsv1.ListNotificationsRequest{PageSize: 20, PageToken: token}))
		ctx.Dispatch(func(ctx app.Context) {
			p.loading = false
			if err != nil {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
				return
			}
			p.err = ""
			if token == "" {
				p.items = nil
			}
			p.items = append(p.items, res.Msg.GetNotifications()...)
			p.next, p.unread = res.Msg.GetNextPageToken(), res.Msg.GetUnreadCount()
		})
	})
}

func (p *notificationsPage) markAllRead(ctx app.Context, _ app.Event) {
	if len(p.items) == 0 || p.env.rpc == nil {
		return
	}
	upTo := p.items[0].GetId()
	ctx.Async(func() {
		_, err := p.env.rpc.Notifications.MarkNotificationsRead(ctx, connect.NewRequest(&notificationsv1.MarkNotificationsReadRequest{UpToId: upTo}))
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.err = p.env.lang.Code(rpc.Explain(err).Code)
			}
			// The stream's notification.read event reloads the list.
		})
	})
}

func (p *notificationsPage) Render() app.UI {
	l := p.env.lang
	var body app.UI
	switch {
	case p.err != "":
		body = app.P().ID("form-error").Class("form-error").Role("alert").Text(p.err)
	case p.loading:
		body = app.P().Class("loading").Role("status").Text(l.T("common.loading"))
	case len(p.items) == 0:
		body = app.P().ID("notifications-empty").Class("muted").Text(l.T("notifications.empty"))
	default:
		body = app.Ul().ID("notification-list").Class("notification-list").Body(
			app.Range(p.items).Slice(func(i int) app.UI {
				n := p.items[i]
				class := "notification-item"
				if !n.GetRead() {
					class += " unread"
				}
				text := l.Notification(n.GetKind(), n.GetParams())
				var content app.UI = app.Span().Class("notification-text").Text(text)
				if strings.HasPrefix(n.GetLink(), "/") {
					content = app.A().Class("notification-text").Href(n.GetLink()).Text(text)
				}
				t := n.GetCreateTime().AsTime()
				return app.Li().Class(class).DataSet("id", strconv.FormatInt(n.GetId(), 10)).Body(
					content,
					app.Time().Class("muted").DateTime(t.Format(time.RFC3339)).Text(t.In(chinaTime).Format("2006-01-02 15:04")),
				)
			}),
		)
	}
	return p.env.layout(
		app.Div().Class("page-head").Body(
			app.H1().Text(l.T("notifications.title")),
			app.If(p.unread > 0, func() app.UI {
				return app.Button().ID("mark-all-read").Class("btn btn-secondary").Type("button").
					Text(l.T("notifications.mark_all_read")).OnClick(p.markAllRead)
			}),
		),
		body,
		app.If(p.next != "", func() app.UI {
			return app.Button().ID("notifications-more").Class("btn btn-quiet").Type("button").
				Text(l.T("notifications.more")).OnClick(func(ctx app.Context, _ app.Event) { p.load(ctx, p.next) })
		}),
	)
}
