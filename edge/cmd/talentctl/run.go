package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const usage = `usage: talentctl [--admin host:port] [--id admin-id] canary status|set <percent>|rollback`

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("talentctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	admin := fs.String("admin", "", "admin API address (default $TALENT_EDGE_ADMIN or localhost:12019)")
	id := fs.String("id", "canary", "the canary handler's @id in the edge config")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w\n%s", err, usage)
	}
	if *admin == "" {
		*admin = getenv("TALENT_EDGE_ADMIN")
	}
	if *admin == "" {
		*admin = "localhost:12019"
	}
	rest := fs.Args()
	if len(rest) < 2 || rest[0] != "canary" {
		return errors.New(usage)
	}
	c := &client{base: "http://" + *admin, id: *id, http: &http.Client{Timeout: 30 * time.Second}}
	switch rest[1] {
	case "status":
		if len(rest) != 2 {
			return errors.New(usage)
		}
		st, err := c.status(ctx)
		if err != nil {
			return err
		}
		st.print(stdout)
		return nil
	case "set":
		if len(rest) != 3 {
			return errors.New(usage)
		}
		w, err := strconv.ParseFloat(rest[2], 64)
		if err != nil || w < 0 || w > 100 {
			return fmt.Errorf("parse weight %q: want a percentage from 0 to 100", rest[2])
		}
		return c.set(ctx, w, stdout)
	case "rollback":
		if len(rest) != 2 {
			return errors.New(usage)
		}
		return c.set(ctx, 0, stdout)
	}
	return errors.New(usage)
}

type client struct {
	base, id string
	http     *http.Client
}

// status is what the edge reports about its canary.
type status struct {
	Name       string
	Configured float64 // weight in the config
	Effective  float64 // weight in effect
	RolledBack bool
	Rollbacks  float64
	Requests   map[string]float64 // by side
	Errors     map[string]float64 // by side: 5xx and gRPC unknown/internal/unavailable
}

func (st status) print(w io.Writer) {
	fmt.Fprintf(w, "canary %q\n", st.Name)
	fmt.Fprintf(w, "configured weight: %v%%\n", st.Configured)
	state := ""
	if st.RolledBack {
		state = " (rolled back automatically; `talentctl canary set <percent>` resumes)"
	}
	fmt.Fprintf(w, "effective weight:  %v%%%s\n", st.Effective, state)
	fmt.Fprintf(w, "rollbacks:         %v\n", st.Rollbacks)
	fmt.Fprintf(w, "requests:          stable %v, canary %v\n", st.Requests["stable"], st.Requests["canary"])
	fmt.Fprintf(w, "server failures:   stable %v, canary %v\n", st.Errors["stable"], st.Errors["canary"])
}

func (c *client) status(ctx context.Context) (status, error) {
	var handler struct {
		Name   string   `json:"name"`
		Weight *float64 `json:"weight"`
	}
	if err := c.do(ctx, http.MethodGet, "/id/"+c.id, nil, &handler); err != nil {
		return status{}, err
	}
	st := status{Name: handler.Name, Requests: map[string]float64{}, Errors: map[string]float64{}}
	if st.Name == "" {
		st.Name = "default"
	}
	st.Configured = 10
	if handler.Weight != nil {
		st.Configured = *handler.Weight
	}
	st.Effective = st.Configured
	// After a restart the weight in force may come from the edge's state
	// file rather than the config: the metrics say which.
	var metrics bytes.Buffer
	if err := c.do(ctx, http.MethodGet, "/metrics", nil, &metrics); err != nil {
		return status{}, err
	}
	nameLabel := `name="` + st.Name + `"`
	sc := bufio.NewScanner(&metrics)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "talent_canary_") || !strings.Contains(line, nameLabel) {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		metric, labels, _ := strings.Cut(line[:sp], "{")
		side := "stable"
		if strings.Contains(labels, `side="canary"`) {
			side = "canary"
		}
		switch metric {
		case "talent_canary_weight_percent":
			st.Effective = v
		case "talent_canary_configured_weight_percent":
			st.Configured = v
		case "talent_canary_rolled_back":
			st.RolledBack = v == 1
		case "talent_canary_rollbacks_total":
			st.Rollbacks = v
		case "talent_canary_requests_total":
			st.Requests[side] += v
		case "talent_canary_errors_total":
			for _, class := range []string{`class="5xx"`, `class="grpc_unknown"`, `class="grpc_internal"`, `class="grpc_unavailable"`} {
				if strings.Contains(labels, class) {
					st.Errors[side] += v
				}
			}
		}
	}
	return st, sc.Err()
}

// set changes the configured weight. After an automatic rollback the edge
// holds the canary at 0 until the weight changes; setting the weight it
// rolled back from passes through 0 so that it counts as a change.
func (c *client) set(ctx context.Context, weight float64, stdout io.Writer) error {
	st, err := c.status(ctx)
	if err != nil {
		return err
	}
	if st.RolledBack && weight == st.Configured && weight != 0 {
		if err := c.patchWeight(ctx, 0); err != nil {
			return err
		}
	}
	if err := c.patchWeight(ctx, weight); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "canary %q weight: %v%% -> %v%%\n", st.Name, st.Effective, weight)
	return nil
}

func (c *client) patchWeight(ctx context.Context, weight float64) error {
	body := strconv.FormatFloat(weight, 'f', -1, 64)
	return c.do(ctx, http.MethodPatch, "/id/"+c.id+"/weight", strings.NewReader(body), nil)
}

// do sends one admin API request; out is a JSON target or a *bytes.Buffer.
func (c *client) do(ctx context.Context, method, path string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("build admin request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		// Reload even when the config's JSON does not change: after a
		// restart that restored a weight from the state file, setting
		// the config's own weight must still apply.
		req.Header.Set("Cache-Control", "must-revalidate")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("read %s %s: %w", method, path, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, path, res.Status, bytes.TrimSpace(data))
	}
	switch out := out.(type) {
	case nil:
	case *bytes.Buffer:
		out.Write(data)
	default:
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode %s: %w", path, err)
		}
	}
	return nil
}
