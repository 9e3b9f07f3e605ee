package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// engineHooks is the small HTTP service journeys.mjs calls for what a
// person does outside the browser, or an operator does to the platform:
// read an SMS code from the development sender's log, and make the edge
// answer one API path with 503 Service Unavailable for a while (through
// Caddy's admin API, as talentctl changes the canary weight). It listens on 127.0.0.1 only, for
// the length of the test.
//
//	GET    /sms-code?phone=+86…&not=123456,654321  the newest code, not one of not
//	POST   /edge-fail?path=/talent.…/Method          that path answers 503
//	DELETE /edge-fail                                the path works again
func engineHooks(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sms-code", func(w http.ResponseWriter, r *http.Request) {
		phone := r.URL.Query().Get("phone")
		not := strings.Split(r.URL.Query().Get("not"), ",")
		path := filepath.Join(platform.stack.LogDir, "talentd.log")
		deadline := time.Now().Add(20 * time.Second)
		for {
			code, err := readLastCode(path, phone)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			if code != "" && !contains(not, code) {
				_, _ = io.WriteString(w, code)
				return
			}
			if time.Now().After(deadline) {
				http.Error(w, "no new code for "+phone+" in talentd.log", http.StatusNotFound)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	mux.HandleFunc("POST /edge-fail", func(w http.ResponseWriter, r *http.Request) {
		if err := edgeFail(r.Context(), r.URL.Query().Get("path")); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /edge-fail", func(w http.ResponseWriter, r *http.Request) {
		if err := edgeRecover(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		_ = edgeRecover(context.Background())
		srv.Close()
	})
	return srv.URL
}

// makeAdmin gives the account with email the admin role, as operators do.
func makeAdmin(t *testing.T, email string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), platform.stack.Postgres.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), "UPDATE users SET roles = ARRAY['admin'] WHERE email = $1", email); err != nil {
		t.Fatalf("make admin: %v", err)
	}
}

// edgeFailID names the route edgeFail adds in Caddy's config.
const edgeFailID = "e2e-edge-fail"

// edgeFail puts a route first in the edge's HTTPS server that answers
// path with 503, as an overloaded or restarting backend would.
func edgeFail(ctx context.Context, path string) error {
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("edge-fail: path %q does not start with /", path)
	}
	server, err := edgeHTTPSServer(ctx)
	if err != nil {
		return err
	}
	route, err := json.Marshal(map[string]any{
		"@id":   edgeFailID,
		"match": []map[string]any{{"path": []string{path}}},
		"handle": []map[string]any{{
			"handler": "static_response", "status_code": 503, "body": "service unavailable (e2e)",
			"headers": map[string][]string{"Content-Type": {"text/plain"}},
		}},
		"terminal": true,
	})
	if err != nil {
		return err
	}
	return edgeAdmin(ctx, http.MethodPut, "/config/apps/http/servers/"+url.PathEscape(server)+"/routes/0", route)
}

// edgeRecover removes edgeFail's route, if there is one.
func edgeRecover(ctx context.Context) error {
	err := edgeAdmin(ctx, http.MethodDelete, "/id/"+edgeFailID, nil)
	if err != nil && strings.Contains(err.Error(), "unknown object ID") {
		return nil
	}
	return err
}

// edgeHTTPSServer names the Caddy server that listens on the edge's HTTPS
// port.
func edgeHTTPSServer(ctx context.Context) (string, error) {
	u, err := url.Parse(platform.url)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, platform.edgeAdmin+"/config/apps/http/servers", nil)
	if err != nil {
		return "", err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var servers map[string]struct {
		Listen []string `json:"listen"`
	}
	if err := json.NewDecoder(res.Body).Decode(&servers); err != nil {
		return "", fmt.Errorf("edge admin: servers: %w", err)
	}
	for name, s := range servers {
		for _, l := range s.Listen {
			if strings.HasSuffix(l, ":"+u.Port()) {
				return name, nil
			}
		}
	}
	return "", fmt.Errorf("edge admin: no server listens on :%s", u.Port())
}

func edgeAdmin(ctx context.Context, method, path string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, platform.edgeAdmin+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(res.Body)
		return fmt.Errorf("edge admin %s %s: %s: %s", method, path, res.Status, msg)
	}
	return nil
}
