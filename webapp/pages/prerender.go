package pages

import (
	"encoding/base64"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/talent-hub/talent/webapp/rpc"
	"github.com/talent-hub/talent/webapp/ui"
)

// Public pages (the task list and a task's page) are prerendered on the
// server with their real data, so a person or a search engine sees the
// content before the wasm arrives (ARCH-1, issue 7). The server reads
// through env.server, the API called in-process, signed out.
//
// The data the server rendered travels to the wasm in a snapshot: a hidden
// element (#prerendered) whose data attributes hold the responses as base64 protobuf JSON
// and the URL they were read for. The wasm takes it once at start, so its
// first render shows the same content as the HTML (no layout shift) and it
// does not fetch it again.

// snapshotID is the id of the element holding the snapshot.
const snapshotID = "prerendered"

// snapshot is what the server read for the first page.
type snapshot struct {
	url  string
	data map[string]string
}

// reader returns the clients pages read public data with: the browser's
// on the client, the in-process API on the server (nil when the server
// has none).
func (e *env) reader() *rpc.Clients {
	if e.rpc != nil {
		return e.rpc
	}
	return e.server
}

// readSnapshot takes the server's snapshot out of the page, on the client.
func readSnapshot() *snapshot {
	el := app.Window().GetElementByID(snapshotID)
	if !el.Truthy() {
		return nil
	}
	s := &snapshot{url: el.Get("dataset").Get("url").String(), data: map[string]string{}}
	keys := app.Window().Get("Object").Call("keys", el.Get("dataset"))
	for i := range keys.Length() {
		k := keys.Index(i).String()
		if k != "url" {
			s.data[k] = el.Get("dataset").Get(k).String()
		}
	}
	el.Call("remove")
	return s
}

// takeSnapshot fills each message from the snapshot of the server's
// render of url, once: it reports false when there is none (a later
// navigation, another page, or the server could not read the data).
func (e *env) takeSnapshot(url string, msgs map[string]proto.Message) bool {
	s := e.snap
	if s == nil || s.url != url {
		return false
	}
	e.snap = nil
	for k, m := range msgs {
		raw, ok := s.data[k]
		if !ok {
			return false
		}
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil || protojson.Unmarshal(b, m) != nil {
			return false
		}
	}
	return true
}

// snapshotUI renders the snapshot element on the server; nothing on the
// client.
func snapshotUI(url string, msgs map[string]proto.Message) app.UI {
	if app.IsClient || len(msgs) == 0 {
		return nil
	}
	el := app.Div().ID(snapshotID).Hidden(true).DataSet("url", url)
	for k, m := range msgs {
		if m == nil || !m.ProtoReflect().IsValid() {
			return nil
		}
		b, err := protojson.Marshal(m)
		if err != nil {
			return nil
		}
		// Base64: go-app writes attribute values Go-quoted, which HTML
		// does not unquote; base64 needs no quoting at all.
		el = el.DataSet(k, base64.StdEncoding.EncodeToString(b))
	}
	return el
}

// ServerView is what a prerendered page depends on besides its URL: the
// language the visitor reads (ARCH-1: Chinese for Chinese browsers) and
// whether the request carries no session at all, so the header can offer
// "log in" and "sign up" instead of waiting for the app.
type ServerView struct {
	Lang      ui.Lang
	SignedOut bool
}

// serverPages is the env the server's pages render with, and a gate that
// lets any number of renders of one view run at once while a render of
// another view waits: go-app renders a page from its route's component with no
// access to the request, so the view lives in the shared env and changes
// only while no render reads it.
var serverPages struct {
	e       *env
	mu      sync.Mutex
	idle    *sync.Cond
	view    ServerView
	active  int
	waiting int
}

// Prerender runs render, which serves one page through go-app's handler,
// with the pages in view v. Register must have been called.
func Prerender(v ServerView, render func()) {
	if v.Lang == "" {
		v.Lang = ui.English
	}
	serverPages.mu.Lock()
	if serverPages.idle == nil {
		serverPages.idle = sync.NewCond(&serverPages.mu)
	}
	// Renders of the current view join while nobody waits; once someone
	// waits (for another view), newcomers wait too, so no view starves.
	for serverPages.active > 0 && (serverPages.view != v || serverPages.waiting > 0) {
		serverPages.waiting++
		serverPages.idle.Wait()
		serverPages.waiting--
	}
	// Only the first render of a view writes it: a render joining the
	// current view must not write the env under the renders reading it.
	if serverPages.active == 0 {
		serverPages.view = v
		if serverPages.e != nil {
			serverPages.e.lang, serverPages.e.signedOut = v.Lang, v.SignedOut
		}
	}
	serverPages.active++
	serverPages.mu.Unlock()
	defer func() {
		serverPages.mu.Lock()
		serverPages.active--
		if serverPages.active == 0 {
			serverPages.idle.Broadcast()
		}
		serverPages.mu.Unlock()
	}()
	render()
}
