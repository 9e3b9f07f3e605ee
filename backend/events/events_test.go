package events

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/notifications"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/testenv"
	eventsv1 "github.com/talent-hub/talent/proto/talent/events/v1"
	"github.com/talent-hub/talent/proto/talent/events/v1/eventsv1connect"
)

func TestMain(m *testing.M) { testenv.Run(m) }

// tokenAuth takes the bearer token for the user id: the tests are about
// streams, not sessions (those are backend/identity's).
type tokenAuth struct{}

func (tokenAuth) Authenticate(_ context.Context, token string) (auth.Principal, error) {
	if _, err := uuid.Parse(token); err != nil {
		return auth.Principal{}, auth.ErrNoSession
	}
	return auth.Principal{UserID: token, Roles: []string{auth.RoleProvider}}, nil
}

// process is one talentd's worth of the event service: its own hub, its
// own LISTEN connection, its own HTTP server, over the shared database.
type process struct {
	hub    *Hub
	client eventsv1connect.EventServiceClient
	srv    *httptest.Server
}

func startProcess(t *testing.T, db *postgres.DB, opts Options) process {
	t.Helper()
	hub := NewHub(testLogger(t))
	before := listeners(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hub.Listen(ctx, db.Primary.Config().ConnConfig)
	}()
	t.Cleanup(func() { cancel(); <-done })
	svc := New(db, hub, testLogger(t), opts)
	mux := http.NewServeMux()
	mux.Handle(eventsv1connect.NewEventServiceHandler(svc, append(HandlerOptions(),
		connect.WithInterceptors(auth.NewInterceptor(tokenAuth{}, Policies())))...))
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	waitListening(t, db, before)
	return process{hub: hub, client: eventsv1connect.NewEventServiceClient(srv.Client(), srv.URL), srv: srv}
}

// listeners counts the hubs' LISTEN connections to the test database.
func listeners(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	err := db.Primary.QueryRow(t.Context(), `
		SELECT count(*) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database() AND query LIKE 'LISTEN%'`,
		ListenerApplicationName).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitListening waits until one more hub LISTENs than before, so an event
// committed next is announced to the new one too.
func waitListening(t *testing.T, db *postgres.DB, before int) {
	t.Helper()
	for range 1000 {
		if listeners(t, db) > before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the event listener never started LISTENing")
}

func newUser(t *testing.T, db *postgres.DB) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := db.Primary.QueryRow(t.Context(), `
		INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		VALUES ($1, 'x', 'Test', ARRAY['provider'], '1') RETURNING id`, uuid.NewString()+"@example.com").Scan(&id)
	if err != nil {
		t.Fatalf("insert user: %v", err)
	}
	return id
}

// stream is an open subscription read in the background.
type stream struct {
	msgs chan *eventsv1.SubscribeResponse
	err  chan error
}

func subscribe(t *testing.T, p process, user uuid.UUID, after int64) (*stream, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	req := connect.NewRequest(&eventsv1.SubscribeRequest{AfterCursor: after})
	if user != uuid.Nil {
		req.Header().Set("Authorization", "Bearer "+user.String())
	}
	s, err := p.client.Subscribe(ctx, req)
	if err != nil {
		cancel()
		t.Fatalf("Subscribe: %v", err)
	}
	st := &stream{msgs: make(chan *eventsv1.SubscribeResponse, 1000), err: make(chan error, 1)}
	go func() {
		for s.Receive() {
			st.msgs <- s.Msg()
		}
		st.err <- s.Err()
		close(st.msgs)
	}()
	t.Cleanup(cancel)
	return st, cancel
}

// next returns the next message that is not a heartbeat.
func (s *stream) next(t *testing.T) *eventsv1.SubscribeResponse {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				t.Fatalf("stream ended: %v", <-s.err)
			}
			if m.GetHeartbeat() != nil {
				continue
			}
			return m
		case <-timeout:
			t.Fatal("no message within 20 s")
		}
	}
}

func (s *stream) wantReady(t *testing.T) int64 {
	t.Helper()
	m := s.next(t)
	if m.GetReady() == nil {
		t.Fatalf("got %v, want ready", m)
	}
	return m.GetReady().GetCursor()
}

func (s *stream) wantEvent(t *testing.T) *eventsv1.Event {
	t.Helper()
	m := s.next(t)
	if m.GetEvent() == nil {
		t.Fatalf("got %v, want an event", m)
	}
	return m.GetEvent()
}

func notify(t *testing.T, db *postgres.DB, user uuid.UUID, marker string) {
	t.Helper()
	_, err := notifications.Send(t.Context(), db.Primary, notifications.Notification{
		UserID: user, Kind: "test.marker", Params: map[string]string{"marker": marker},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func marker(t *testing.T, ev *eventsv1.Event) string {
	t.Helper()
	var p struct {
		Params map[string]string `json:"params"`
	}
	if err := json.Unmarshal([]byte(ev.GetPayloadJson()), &p); err != nil {
		t.Fatalf("payload %q: %v", ev.GetPayloadJson(), err)
	}
	return p.Params["marker"]
}

// TestEventReachesOtherProcess: an event committed while a person has
// streams open on two processes reaches both, each through its own LISTEN
// connection (TASK-4: across backend replicas).
func TestEventReachesOtherProcess(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	a, b := startProcess(t, db, Options{}), startProcess(t, db, Options{})
	user := newUser(t, db)
	onA, _ := subscribe(t, a, user, 0)
	onB, _ := subscribe(t, b, user, 0)
	for _, st := range []*stream{onA, onB} {
		if c := st.wantReady(t); c != 0 {
			t.Fatalf("ready cursor = %d, want 0", c)
		}
	}
	for i := range 3 {
		notify(t, db, user, fmt.Sprint(i))
		for name, st := range map[string]*stream{"a": onA, "b": onB} {
			ev := st.wantEvent(t)
			if ev.GetKind() != "notification" || ev.GetCursor() != int64(i+1) || marker(t, ev) != fmt.Sprint(i) {
				t.Fatalf("process %s: event %d = %v", name, i, ev)
			}
		}
	}
}

// TestCatchUp: a client that reconnects with its last cursor gets exactly
// what it missed, then live events: no gaps, no duplicates.
func TestCatchUp(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	p := startProcess(t, db, Options{})
	user := newUser(t, db)
	st, cancel := subscribe(t, p, user, 0)
	st.wantReady(t)
	notify(t, db, user, "a")
	last := st.wantEvent(t).GetCursor()
	cancel()

	// Missed while away.
	for _, m := range []string{"b", "c", "d"} {
		notify(t, db, user, m)
	}
	st2, _ := subscribe(t, p, user, last)
	var got []string
	for range 3 {
		ev := st2.wantEvent(t)
		if ev.GetCursor() != last+1 {
			t.Fatalf("cursor %d after %d: a gap or a duplicate", ev.GetCursor(), last)
		}
		last = ev.GetCursor()
		got = append(got, marker(t, ev))
	}
	if c := st2.wantReady(t); c != last {
		t.Fatalf("ready cursor = %d, want %d", c, last)
	}
	notify(t, db, user, "e")
	ev := st2.wantEvent(t)
	got = append(got, marker(t, ev))
	if ev.GetCursor() != last+1 || fmt.Sprint(got) != "[b c d e]" {
		t.Fatalf("got %v ending at cursor %d", got, ev.GetCursor())
	}
}

// TestReload: a client too far behind, or with a cursor the server never
// gave this person, is told to reload and continues from the latest cursor.
func TestReload(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	p := startProcess(t, db, Options{MaxBacklog: 2})
	user := newUser(t, db)
	for _, m := range []string{"a", "b", "c", "d"} {
		notify(t, db, user, m)
	}
	tests := []struct {
		name   string
		after  int64
		reload bool
	}{
		{"caught up", 4, false},
		{"within the backlog", 2, false},
		{"too far behind", 1, true},
		{"unknown cursor", 99, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, _ := subscribe(t, p, user, tt.after)
			m := st.next(t)
			if got := m.GetReload() != nil; got != tt.reload {
				t.Fatalf("first message %v: reload = %t, want %t", m, got, tt.reload)
			}
			if tt.reload && m.GetReload().GetCursor() != 4 {
				t.Fatalf("reload cursor = %d, want 4", m.GetReload().GetCursor())
			}
			if !tt.reload && tt.after < 4 && m.GetEvent().GetCursor() != tt.after+1 {
				t.Fatalf("first message %v, want event %d", m, tt.after+1)
			}
		})
	}
}

// TestAccess: a person gets only their own events; without a session
// there is no stream.
func TestAccess(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	p := startProcess(t, db, Options{})
	alice, bob := newUser(t, db), newUser(t, db)
	st, _ := subscribe(t, p, alice, 0)
	st.wantReady(t)
	notify(t, db, bob, "for bob")
	notify(t, db, alice, "for alice")
	// Bob's committed first: had it leaked, it would arrive first.
	if ev := st.wantEvent(t); marker(t, ev) != "for alice" || ev.GetCursor() != 1 {
		t.Fatalf("alice got %v", ev)
	}

	anon, _ := subscribe(t, p, uuid.Nil, 0)
	select {
	case m, ok := <-anon.msgs:
		if ok {
			t.Fatalf("anonymous stream got %v", m)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("anonymous stream neither ended nor failed")
	}
	if err := <-anon.err; connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("anonymous: %v, want unauthenticated", err)
	}
}

// TestHeartbeat: an idle stream gets heartbeats carrying its cursor.
func TestHeartbeat(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	p := startProcess(t, db, Options{Heartbeat: 20 * time.Millisecond})
	user := newUser(t, db)
	notify(t, db, user, "a")
	st, _ := subscribe(t, p, user, 0)
	for {
		m, ok := <-st.msgs
		if !ok {
			t.Fatalf("stream ended: %v", <-st.err)
		}
		if hb := m.GetHeartbeat(); hb != nil {
			if hb.GetCursor() != 1 {
				t.Fatalf("heartbeat cursor = %d, want 1", hb.GetCursor())
			}
			return
		}
	}
}

// TestListenerReconnects: when the LISTEN connection is killed, the hub
// reconnects and wakes every stream, so events committed meanwhile arrive.
func TestListenerReconnects(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	p := startProcess(t, db, Options{})
	user := newUser(t, db)
	st, _ := subscribe(t, p, user, 0)
	st.wantReady(t)
	if _, err := db.Primary.Exec(t.Context(), `
		SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, ListenerApplicationName); err != nil {
		t.Fatal(err)
	}
	notify(t, db, user, "while away")
	if ev := st.wantEvent(t); marker(t, ev) != "while away" {
		t.Fatalf("got %v", ev)
	}
	waitListening(t, db, 0)
	notify(t, db, user, "after")
	if ev := st.wantEvent(t); marker(t, ev) != "after" {
		t.Fatalf("got %v", ev)
	}
}

// TestTaskEvents: changes of a task reach both its parties; a stranger
// gets nothing (TASK-4).
func TestTaskEvents(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	p := startProcess(t, db, Options{})
	client, provider, stranger := newUser(t, db), newUser(t, db), newUser(t, db)
	var task uuid.UUID
	var ref int64
	err := db.Primary.QueryRow(t.Context(), `
		INSERT INTO tasks (client_id, title, budget_min_fen, budget_max_fen, delivery_date, skill_tags, status)
		VALUES ($1, 'Build it', 100000, 200000, DATE '2030-01-01', ARRAY['go'], 'open') RETURNING id, ref_no`, client).Scan(&task, &ref)
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := subscribe(t, p, client, 0)
	ps, _ := subscribe(t, p, provider, 0)
	ss, _ := subscribe(t, p, stranger, 0)
	for _, s := range []*stream{cs, ps, ss} {
		s.wantReady(t)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Primary.Exec(t.Context(), sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE tasks SET status = 'awarded', provider_id = $2 WHERE id = $1`, task, provider)
	exec(`INSERT INTO task_events (task_id, actor_id, from_status, to_status, note) VALUES ($1, $2, 'awarded', 'in_progress', 'started')`, task, provider)
	exec(`UPDATE tasks SET sub_status = 'testing' WHERE id = $1`, task)
	exec(`UPDATE tasks SET title = 'Renamed' WHERE id = $1`, task) // not an event
	notify(t, db, stranger, "own")
	wantRef := fmt.Sprintf("T-%06d", ref)
	for name, s := range map[string]*stream{"client": cs, "provider": ps} {
		var got []string
		for range 3 {
			ev := s.wantEvent(t)
			var payload map[string]any
			if err := json.Unmarshal([]byte(ev.GetPayloadJson()), &payload); err != nil {
				t.Fatal(err)
			}
			if ev.GetTask() != wantRef || payload["task"] != wantRef {
				t.Fatalf("%s: event %v is not about %s", name, ev, wantRef)
			}
			got = append(got, fmt.Sprintf("%s:%v%v", ev.GetKind(), payload["status"], payload["to"]))
		}
		want := "[task.changed:awarded<nil> task.event:<nil>in_progress task.changed:awarded<nil>]"
		if fmt.Sprint(got) != want {
			t.Fatalf("%s got %v, want %s", name, got, want)
		}
	}
	if ev := ss.wantEvent(t); marker(t, ev) != "own" {
		t.Fatalf("stranger got %v", ev)
	}
}

// TestEmitPayload: Emit refuses a payload that is not a JSON object.
func TestEmitPayload(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	user := newUser(t, db)
	tests := []struct {
		payload any
		ok      bool
	}{
		{nil, true},
		{map[string]int{"n": 1}, true},
		{[]int{1}, false},
		{"text", false},
	}
	for _, tt := range tests {
		_, err := Emit(t.Context(), db.Primary, user, "test.kind", uuid.Nil, tt.payload)
		if (err == nil) != tt.ok {
			t.Errorf("Emit(%v): %v, want ok %t", tt.payload, err, tt.ok)
		}
	}
	if _, err := Emit(t.Context(), db.Primary, user, "Bad Kind", uuid.Nil, nil); err == nil {
		t.Error("Emit with a bad kind succeeded")
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// counter is the value of the hub's counter name.
func counter(t *testing.T, h *Hub, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(h)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("%s is not exported", name)
	return 0
}

// deliveries is how many live events the hub has timed into
// talent_events_delivery_seconds.
func deliveries(t *testing.T, h *Hub) uint64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(h)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "talent_events_delivery_seconds" {
			return mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	t.Fatal("talent_events_delivery_seconds is not exported")
	return 0
}

// TestDeliveryHistogram: every live event is timed from its commit to its
// write on the stream (TASK-4, for ops to watch); events a client catches
// up on are not, as their age is the client's absence, not our latency.
func TestDeliveryHistogram(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	p := startProcess(t, db, Options{})
	user := newUser(t, db)
	notify(t, db, user, "before")
	// Two streams from now (cursor 0: after "before").
	st, _ := subscribe(t, p, user, 0)
	st.wantReady(t)
	st2, _ := subscribe(t, p, user, 0)
	st2.wantReady(t)
	if n := deliveries(t, p.hub); n != 0 {
		t.Fatalf("%d deliveries timed before any live event", n)
	}
	notify(t, db, user, "live 1")
	notify(t, db, user, "live 2")
	for _, s := range []*stream{st, st2} {
		for _, want := range []string{"live 1", "live 2"} {
			if got := marker(t, s.wantEvent(t)); got != want {
				t.Fatalf("event %q, want %q", got, want)
			}
		}
	}
	// The server times an event after its write, which may come after
	// the client has read it: wait for the count to settle.
	var n uint64
	for range 200 {
		if n = deliveries(t, p.hub); n >= 4 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n != 4 {
		t.Fatalf("%d deliveries timed, want 4 (2 live events on 2 streams)", n)
	}
	// A third stream catches up on the two after "before" (cursor 1).
	st3, _ := subscribe(t, p, user, 1)
	for _, want := range []string{"live 1", "live 2"} {
		if got := marker(t, st3.wantEvent(t)); got != want {
			t.Fatalf("caught up on %q, want %q", got, want)
		}
	}
	st3.wantReady(t)
	if n := deliveries(t, p.hub); n != 4 {
		t.Fatalf("%d deliveries timed after a catch-up, want still 4", n)
	}
}

// TestSmallMessagesUncompressed: a client that accepts gzip (the Go and
// gRPC clients do by default) still gets small stream messages as they
// are: gzip set up per message costs CPU on the path TASK-4 times.
func TestSmallMessagesUncompressed(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	p := startProcess(t, db, Options{})
	user := newUser(t, db)
	// Connect's streaming protocol by hand: one enveloped, empty request
	// (flags, length, message), so the envelope flags of the answer show.
	body := []byte{0, 0, 0, 0, 0}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
		p.srv.URL+eventsv1connect.EventServiceSubscribeProcedure, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/connect+proto")
	req.Header.Set("Connect-Protocol-Version", "1")
	req.Header.Set("Connect-Accept-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+user.String())
	resp, err := p.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// Ready, then an event: neither compressed (flag bit 0).
	envelopes := make(chan byte, 2)
	go func() {
		defer close(envelopes)
		for range 2 {
			var head [5]byte
			if _, err := io.ReadFull(resp.Body, head[:]); err != nil {
				return
			}
			if _, err := io.CopyN(io.Discard, resp.Body, int64(binary.BigEndian.Uint32(head[1:]))); err != nil {
				return
			}
			envelopes <- head[0]
		}
	}()
	for i, what := range []string{"ready", "event"} {
		if i == 1 {
			notify(t, db, user, "small")
		}
		select {
		case flags, ok := <-envelopes:
			if !ok {
				t.Fatalf("stream ended before the %s message", what)
			}
			if flags&1 != 0 {
				t.Fatalf("%s message compressed (envelope flags %#x)", what, flags)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no %s message within 20 s", what)
		}
	}
}

// TestLiveEventAsStored: an event delivered live from its announcement
// (migration 00115: the NOTIFY carries it) is the same as the one a client
// catching up reads from the table.
func TestLiveEventAsStored(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	p := startProcess(t, db, Options{})
	user := newUser(t, db)
	notify(t, db, user, "before") // cursor 1: catching up from it gets what follows
	st, _ := subscribe(t, p, user, 0)
	st.wantReady(t)
	reads := counter(t, p.hub, "talent_events_reads_total")
	notify(t, db, user, "first")
	notify(t, db, user, "雪: \"quoted\" and {braces}")
	live := []*eventsv1.Event{st.wantEvent(t), st.wantEvent(t)}
	if n := counter(t, p.hub, "talent_events_reads_total"); n != reads {
		t.Fatalf("%v reads of the table for live events, want none: sent as announced", n-reads)
	}
	st2, _ := subscribe(t, p, user, live[0].GetCursor()-1)
	for _, want := range live {
		got := st2.wantEvent(t)
		if !proto.Equal(got, want) {
			t.Fatalf("caught up on %v, live %v", got, want)
		}
	}
}

// TestAnnouncementGap: a stream sends an announced event only if it
// directly follows the last one it sent; otherwise it reads the table, so
// an announcement out of order (or made up) never reaches the client.
func TestAnnouncementGap(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	p := startProcess(t, db, Options{})
	user := newUser(t, db)
	st, _ := subscribe(t, p, user, 0)
	st.wantReady(t)
	notify(t, db, user, "one")
	first := st.wantEvent(t)
	p.hub.announce(user, &eventsv1.Event{Cursor: first.GetCursor() + 5, Kind: "made.up"})
	notify(t, db, user, "two")
	ev := st.wantEvent(t)
	if ev.GetKind() != "notification" || ev.GetCursor() != first.GetCursor()+1 || marker(t, ev) != "two" {
		t.Fatalf("after a gap got %v, want the stored event %d", ev, first.GetCursor()+1)
	}
}

func TestParseAnnouncement(t *testing.T) {
	t.Parallel()
	user := uuid.New()
	for _, tc := range []struct {
		name, payload string
		ok, event     bool
	}{
		{"ids only", user.String() + ":7", true, false},
		{"with the event", user.String() + `:7:{"k":"task.changed","t":"T-000001","p":{"a": "b:c"},"c":"2026-11-28T11:25:57.123456+00:00"}`, true, true},
		{"event we do not understand", user.String() + `:7:{"x":1}`, true, false},
		{"broken JSON", user.String() + `:7:{"k":`, true, false},
		{"no seq", user.String(), false, false},
		{"bad user", "someone:7", false, false},
		{"bad seq", user.String() + ":x", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u, ev, ok := parseAnnouncement(tc.payload)
			if ok != tc.ok || (ev != nil) != tc.event || (ok && u != user) {
				t.Fatalf("parseAnnouncement(%q) = %v, %v, %v", tc.payload, u, ev, ok)
			}
			if ev != nil && (ev.GetCursor() != 7 || ev.GetKind() != "task.changed" || ev.GetTask() != "T-000001" || ev.GetPayloadJson() != `{"a": "b:c"}`) {
				t.Fatalf("event %v", ev)
			}
		})
	}
}
