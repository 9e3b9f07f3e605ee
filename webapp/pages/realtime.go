package pages

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	eventsv1 "github.com/talent-hub/talent/proto/talent/events/v1"
	notificationsv1 "github.com/talent-hub/talent/proto/talent/notifications/v1"
	"github.com/talent-hub/talent/webapp/rpc"
)

// Actions the event stream posts; components handle the ones they show
// (ctx.Handle), on the UI goroutine.
const (
	// actionEvent carries one *eventsv1.Event for the signed-in person.
	actionEvent = "talent.event"
	// actionLive carries a bool: the stream is (true) or is not live.
	actionLive = "talent.live"
	// actionReload says events were missed beyond catching up: every view
	// reloads what it shows.
	actionReload = "talent.reload"
)

// Reconnect delays of the event stream after it drops.
const (
	streamMinBackoff = time.Second
	streamMaxBackoff = 30 * time.Second
)

// liveStream is the app's one event stream (TASK-4), open while someone is
// signed in. It outlives pages: every page's header asks it to run.
type liveStream struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	// cursor is the last event seen; a reconnect catches up from it.
	cursor int64
	live   bool
	// drop ends the current attempt (the browser went offline); retry
	// skips the wait before the next one (it came back online).
	drop  context.CancelFunc
	retry chan struct{}
	// listening is set once the online/offline listeners are added.
	listening bool
}

// silenceLimit is how long a stream may stay silent before the app takes
// it for dead and reconnects: the server sends a heartbeat every 15 s, and
// a dropped network does not always end a connection by itself.
const silenceLimit = 40 * time.Second

// watchNetwork ends the stream when the browser goes offline and
// reconnects at once when it is back online, instead of waiting for the
// connection to time out and for the backoff.
func (s *liveStream) watchNetwork() {
	if s.listening {
		return
	}
	s.listening = true
	s.retry = make(chan struct{}, 1)
	app.Window().Call("addEventListener", "offline", app.FuncOf(func(app.Value, []app.Value) any {
		s.mu.Lock()
		if s.drop != nil {
			s.drop()
		}
		s.mu.Unlock()
		return nil
	}))
	app.Window().Call("addEventListener", "online", app.FuncOf(func(app.Value, []app.Value) any {
		select {
		case s.retry <- struct{}{}:
		default:
		}
		return nil
	}))
}

// syncStream opens the stream when signedIn and closes it when not.
// ctx posts the stream's actions.
func (e *env) syncStream(ctx app.Context, signedIn bool) {
	if e.rpc == nil || !app.IsClient {
		return
	}
	s := e.live
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case signedIn && s.cancel == nil:
		s.watchNetwork()
		c, cancel := context.WithCancel(context.Background())
		s.cancel = cancel
		go s.run(c, e.rpc, ctx)
	case !signedIn && s.cancel != nil:
		s.cancel()
		s.cancel, s.cursor, s.live = nil, 0, false
	}
}

// isLive reports whether the stream is open and caught up.
func (s *liveStream) isLive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live
}

func (s *liveStream) setLive(post app.Context, live bool) {
	s.mu.Lock()
	changed := s.live != live
	s.live = live
	s.mu.Unlock()
	if changed {
		post.NewActionWithValue(actionLive, live)
	}
}

// run keeps the stream open until c is cancelled, reconnecting with
// exponential backoff and jitter after a drop, from the last cursor.
func (s *liveStream) run(c context.Context, clients *rpc.Clients, post app.Context) {
	backoff := streamMinBackoff
	for c.Err() == nil {
		ready, err := s.once(c, clients, post)
		if c.Err() != nil {
			// Signed out: the stream of whoever signs in next may already
			// be live; this one must not mark it down.
			return
		}
		s.setLive(post, false)
		if rpc.IsCode(err, connect.CodeUnauthenticated) {
			// Signed out elsewhere: the session check stops the stream.
			backoff = streamMaxBackoff
		} else if ready {
			backoff = streamMinBackoff
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-c.Done():
			return
		case <-s.retry:
			backoff = streamMinBackoff
		case <-time.After(wait):
		}
		backoff = min(backoff*2, streamMaxBackoff)
	}
}

// once subscribes after the cursor and posts what arrives until the stream
// ends. It reports whether the stream got live.
func (s *liveStream) once(c context.Context, clients *rpc.Clients, post app.Context) (bool, error) {
	c, drop := context.WithCancel(c)
	defer drop()
	s.mu.Lock()
	after := s.cursor
	s.drop = drop
	s.mu.Unlock()
	stream, err := clients.Events.Subscribe(c, connect.NewRequest(&eventsv1.SubscribeRequest{AfterCursor: after}))
	if err != nil {
		return false, err
	}
	defer stream.Close()
	// A stream silent for longer than the heartbeat allows is dead.
	watchdog := time.AfterFunc(silenceLimit, drop)
	defer watchdog.Stop()
	ready := false
	for stream.Receive() {
		if c.Err() != nil {
			// Dropped or signed out: a browser may still deliver what
			// was in flight (WebKit does); none of it is for this page.
			break
		}
		watchdog.Reset(silenceLimit)
		m := stream.Msg()
		var cursor int64
		switch {
		case m.GetEvent() != nil:
			cursor = m.GetEvent().GetCursor()
			post.NewActionWithValue(actionEvent, m.GetEvent())
		case m.GetReady() != nil:
			cursor, ready = m.GetReady().GetCursor(), true
			s.setLive(post, true)
		case m.GetReload() != nil:
			cursor = m.GetReload().GetCursor()
			post.NewAction(actionReload)
		case m.GetHeartbeat() != nil:
			cursor = m.GetHeartbeat().GetCursor()
		default:
			continue
		}
		s.mu.Lock()
		if cursor > s.cursor {
			s.cursor = cursor
		}
		s.mu.Unlock()
	}
	return ready, stream.Err()
}

// eventFor returns the event of action a if it is about task ref (a
// readable reference) and its kind starts with prefix.
func eventFor(a app.Action, ref, prefix string) (*eventsv1.Event, bool) {
	ev, ok := a.Value.(*eventsv1.Event)
	if !ok || ref == "" || !strings.EqualFold(ev.GetTask(), ref) || !strings.HasPrefix(ev.GetKind(), prefix) {
		return nil, false
	}
	return ev, true
}

// bell is the header's notification bell with the unread count, kept
// current by the stream.
type bell struct {
	app.Compo
	env    *env
	unread int64
	live   bool
}

func (b *bell) OnMount(ctx app.Context) {
	b.live = b.env.live.isLive()
	ctx.Handle(actionEvent, func(ctx app.Context, a app.Action) {
		if ev, ok := a.Value.(*eventsv1.Event); ok && strings.HasPrefix(ev.GetKind(), "notification") {
			b.load(ctx)
		}
	})
	ctx.Handle(actionReload, func(ctx app.Context, _ app.Action) { b.load(ctx) })
	ctx.Handle(actionLive, func(ctx app.Context, a app.Action) {
		b.live, _ = a.Value.(bool)
		if b.live {
			b.load(ctx)
		}
	})
	b.load(ctx)
}

// load asks for the unread count.
func (b *bell) load(ctx app.Context) {
	if b.env.rpc == nil {
		return
	}
	ctx.Async(func() {
		res, err := b.env.rpc.Notifications.ListNotifications(ctx, connect.NewRequest(&notificationsv1.ListNotificationsRequest{PageSize: 1}))
		if err != nil {
			return
		}
		ctx.Dispatch(func(ctx app.Context) { b.unread = res.Msg.GetUnreadCount() })
	})
}

func (b *bell) Render() app.UI {
	l := b.env.lang
	label := l.T("nav.notifications")
	if b.unread > 0 {
		label += ", " + strings.ReplaceAll(l.T("notifications.unread"), "{n}", strconv.FormatInt(b.unread, 10))
	}
	liveKey, liveClass := "live.off", "live-dot live-off"
	if b.live {
		liveKey, liveClass = "live.on", "live-dot live-on"
	}
	return app.Span().Class("bell-wrap").Body(
		app.Span().ID("live-indicator").Class(liveClass).DataSet("live", b.live).
			Title(l.T(liveKey)).Aria("label", l.T(liveKey)).Role("status"),
		app.A().ID("nav-notifications").Class("bell").Href("/notifications").Title(label).Aria("label", label).Body(
			app.Span().Aria("hidden", "true").Text("🔔"),
			app.If(b.unread > 0, func() app.UI {
				return app.Span().ID("unread-count").Class("bell-count").Text(strconv.FormatInt(b.unread, 10))
			}),
		),
	)
}

// handleLive refreshes the task page when the stream tells of a change to
// its task (TASK-4): status, sub-status, a timeline entry, and what other
// areas record on the task.
func (p *taskPage) handleLive(ctx app.Context) {
	ctx.Handle(actionEvent, func(ctx app.Context, a app.Action) {
		if p.task == nil || p.env.rpc == nil {
			return
		}
		if _, ok := eventFor(a, p.task.GetRef(), "task."); ok {
			p.fetch(ctx)
		}
	})
	ctx.Handle(actionReload, func(ctx app.Context, _ app.Action) {
		if p.task != nil && p.env.rpc != nil {
			p.fetch(ctx)
		}
	})
}
