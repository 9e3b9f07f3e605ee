// Package site is the server side of the web app: the go-app handler that
// prerenders the pages, serves the PWA files (app.js, app-worker.js,
// manifest.webmanifest) and points the browser at the content-hashed
// WebAssembly and CSS that buildweb wrote.
//
// The edge serves /web/* straight from the build directory; the handler
// serves it too (with the precompressed .br/.gz files), so talentd works on
// its own in development and tests.
package site

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/talent-hub/talent/webapp/pages"
	"github.com/talent-hub/talent/webapp/rpc"
)

// Config configures Handler.
type Config struct {
	// WebDir is the directory buildweb wrote: manifest.json and the hashed
	// assets, served under /web/.
	WebDir string
	// API, when set, serves the Connect RPCs in-process: public pages are
	// then prerendered with their real data, read signed out. Nil
	// prerenders them empty.
	API http.Handler
}

// ManifestFile is the name of the build manifest inside WebDir.
const ManifestFile = "manifest.json"

// Manifest describes one build of the web assets. buildweb writes it;
// Handler reads it.
type Manifest struct {
	// Wasm is the URL path of the app, e.g. "/web/app.3f2a….wasm".
	Wasm string `json:"wasm"`
	// CSS is the URL path of the style sheet, e.g. "/web/app.9c1d….css".
	CSS string `json:"css"`
	// Version changes whenever any asset changes; the service worker
	// updates the installed app when it does.
	Version string `json:"version"`
	// Files maps each source file name ("app.wasm", "app.css",
	// "icon.svg", ...) to its hashed URL path.
	Files map[string]string `json:"files"`
	// Sizes maps each source file name to its size, raw and compressed.
	Sizes map[string]Sizes `json:"sizes"`
}

// Sizes are one asset's sizes in bytes. Gzip and Brotli are 0 for files
// that are not compressed (images).
type Sizes struct {
	Raw    int64 `json:"raw"`
	Gzip   int64 `json:"gzip"`
	Brotli int64 `json:"brotli"`
}

// ReadManifest reads dir/manifest.json and checks it names the app.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, fmt.Errorf("read web manifest: %w (build it with `go run ./webapp/cmd/buildweb`)", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("decode web manifest %s: %w", filepath.Join(dir, ManifestFile), err)
	}
	for _, f := range []struct{ name, v string }{{"wasm", m.Wasm}, {"css", m.CSS}, {"version", m.Version}} {
		if f.v == "" {
			return m, fmt.Errorf("check web manifest: %q is empty", f.name)
		}
	}
	for _, p := range []string{m.Wasm, m.CSS} {
		if !strings.HasPrefix(p, "/web/") {
			return m, fmt.Errorf("check web manifest: %q is not under /web/", p)
		}
		if _, err := os.Stat(filepath.Join(dir, strings.TrimPrefix(p, "/web/"))); err != nil {
			return m, fmt.Errorf("check web manifest: %w", err)
		}
	}
	return m, nil
}

// Handler returns the web app's HTTP handler, to be mounted at "/".
func Handler(cfg Config) (http.Handler, error) {
	if cfg.WebDir == "" {
		return nil, errors.New("web dir is not set")
	}
	m, err := ReadManifest(cfg.WebDir)
	if err != nil {
		return nil, err
	}
	var server *rpc.Clients
	if cfg.API != nil {
		server = rpc.New(&http.Client{Transport: inProcess{cfg.API}, Timeout: prerenderTimeout}, "http://talentd.internal")
	}
	pages.Register(server)

	file := func(name, fallback string) string {
		if p := m.Files[name]; p != "" {
			return p
		}
		return fallback
	}
	svg := file("icon.svg", "")
	icon := file("icon-192.png", svg)
	wasmLen := ""
	if s := m.Sizes["app.wasm"]; s.Raw > 0 {
		// Progress counts decoded bytes, so the raw size even when the
		// wasm arrives brotli- or gzip-encoded.
		wasmLen = strconv.FormatInt(s.Raw, 10)
	}

	h := &app.Handler{
		Name:        "Talent",
		ShortName:   "Talent",
		Title:       "Talent · IT talent marketplace",
		Description: "Talent connects clients who need IT work done with freelancers, teams and companies who do it. Talent IT 人才共享平台。",
		Author:      "Talent",
		Keywords:    []string{"IT", "freelance", "outsourcing", "developers", "IT 外包", "自由职业", "人才"},
		Lang:        "en",
		Icon: app.Icon{
			Default:  icon,
			Large:    file("icon-512.png", icon),
			Maskable: file("icon-512.png", icon),
			SVG:      svg,
		},
		BackgroundColor:   "#f6f7fb",
		ThemeColor:        "#2457d6",
		LoadingLabel:      "{progress}%",
		Styles:            []string{m.CSS},
		Version:           m.Version,
		WasmContentLength: wasmLen,
		Resources:         &assets{dir: cfg.WebDir, wasm: m.Wasm},
	}
	h.ServiceWorkerTemplate, err = offlineWorker(app.DefaultAppWorkerJS)
	if err != nil {
		return nil, err
	}

	appJS, appJSHeader, err := patchedAppJS(h)
	if err != nil {
		return nil, err
	}

	fresh := freshPages(h)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/app.js":
			for k, v := range appJSHeader {
				w.Header()[k] = v
			}
			http.ServeContent(w, r, "app.js", time.Time{}, bytes.NewReader(appJS))
		case strings.HasPrefix(r.URL.Path, "/web/") || strings.Contains(path.Base(r.URL.Path), "."):
			// Assets and go-app's files (app-worker.js, manifest.webmanifest).
			h.ServeHTTP(w, r)
		default:
			servePage(w, r, fresh)
		}
	})
	// go-app would fetch these from its own Host header (an open proxy to
	// whatever Host a client sends); answer them here instead.
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("User-agent: *\nAllow: /\n"))
	})
	mux.Handle("/sitemap.xml", http.NotFoundHandler())
	mux.Handle("/ads.txt", http.NotFoundHandler())
	return mux, nil
}

// assets resolves go-app's resource paths to the hashed build and serves
// /web/* from the build directory.
type assets struct {
	dir  string
	wasm string
}

// Resolve implements app.ResourceResolver: "/web/app.wasm", the name go-app
// asks for, becomes the hashed wasm; other /web/ paths are already final.
func (a *assets) Resolve(location string) string {
	switch {
	case location == "" || location == "/":
		return "/"
	case strings.HasPrefix(location, "https://") || strings.HasPrefix(location, "http://"):
		return location
	case location == "/web/app.wasm" || location == "web/app.wasm":
		return a.wasm
	case location == "web" || location == "/web" || strings.HasPrefix(location, "web/") || strings.HasPrefix(location, "/web/"):
		return "/" + strings.Trim(location, "/")
	default:
		return location
	}
}

// ServeHTTP serves a file of the build directory, precompressed when the
// client accepts it. Hashed files never change, so they are cached for a
// year.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/web/")
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	full := filepath.Join(a.dir, name)
	info, err := os.Stat(full)
	if err != nil || !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}

	h := w.Header()
	h.Del("ETag") // go-app sets the app version; these files have their own.
	if name == ManifestFile {
		h.Set("Cache-Control", "no-cache")
	} else {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	}
	h.Add("Vary", "Accept-Encoding")

	for _, enc := range []struct{ token, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
		if !accepts(r.Header.Get("Accept-Encoding"), enc.token) {
			continue
		}
		f, err := os.Open(full + enc.ext)
		if err != nil {
			continue
		}
		defer f.Close()
		h.Set("Content-Encoding", enc.token)
		http.ServeContent(w, r, name, info.ModTime(), f)
		return
	}
	f, err := os.Open(full)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	http.ServeContent(w, r, name, info.ModTime(), f)
}

// accepts reports whether an Accept-Encoding header allows token.
func accepts(header, token string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), token) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// prerenderTimeout bounds the reads of one prerendered page: a slow
// database costs the page its prerendered data, not its answer.
const prerenderTimeout = 2 * time.Second

// inProcess is an http.RoundTripper that serves requests with a handler in
// this process, for the prerendering's RPCs: no socket, no TLS, and the
// same interceptors (access policies, metrics) as any other caller.
type inProcess struct{ h http.Handler }

// RoundTrip implements http.RoundTripper.
func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	w := &bufferedResponse{header: http.Header{}, code: http.StatusOK}
	// A request from the server itself: no client address to trust.
	r = r.Clone(r.Context())
	r.RemoteAddr = "127.0.0.1:0"
	r.RequestURI = r.URL.RequestURI()
	t.h.ServeHTTP(w, r)
	return &http.Response{
		Status:        strconv.Itoa(w.code) + " " + http.StatusText(w.code),
		StatusCode:    w.code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(&w.body),
		ContentLength: int64(w.body.Len()),
		Request:       r,
	}, nil
}

// bufferedResponse is an http.ResponseWriter that keeps the response.
type bufferedResponse struct {
	header http.Header
	code   int
	wrote  bool
	body   bytes.Buffer
}

func (w *bufferedResponse) Header() http.Header { return w.header }

func (w *bufferedResponse) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
}

func (w *bufferedResponse) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// workerFetch is go-app's service worker fetch: the cache, else the
// network.
const workerFetch = `async function fetchWithCache(request) {
  const cachedResponse = await caches.match(request);
  if (cachedResponse) {
    return cachedResponse;
  }
  return await fetch(request);
}`

// offlineWorkerFetch adds the offline shell (ARCH-1, issue 7): a page
// opened without a network gets the cached app, which routes itself to the
// URL and shows what it kept for offline reading. Online, pages come from
// the network: they are prerendered with fresh data in the visitor's
// language, while the assets (wasm, CSS, scripts) come from the cache.
const offlineWorkerFetch = `async function fetchWithCache(request) {
  if (request.mode === "navigate") {
    try {
      return await fetch(request);
    } catch (err) {
      const shell = await caches.match("/");
      if (shell) {
        return shell;
      }
      throw err;
    }
  }
  const cachedResponse = await caches.match(request);
  if (cachedResponse) {
    return cachedResponse;
  }
  return await fetch(request);
}`

// offlineWorker returns go-app's service worker with the offline shell. It
// fails when go-app's worker no longer has the fetch it replaces, so that
// an upgrade of go-app cannot silently drop the offline shell.
func offlineWorker(tmpl string) (string, error) {
	if strings.Count(tmpl, workerFetch) != 1 {
		return "", errors.New("go-app's app-worker.js changed: update the offline shell in webapp/site")
	}
	return strings.Replace(tmpl, workerFetch, offlineWorkerFetch, 1), nil
}
