package repositories

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/events"
	"github.com/talent-hub/talent/backend/notifications"
	"github.com/talent-hub/talent/backend/repositories/internal/db"
)

// MaxWebhookBytes caps a webhook delivery's body. GitHub sends at most
// 25 MB, but a push lists at most 20 commits in full and the rest is
// trimmed by the host; 5 MiB leaves room for large pull request bodies.
const MaxWebhookBytes = 5 << 20

// Webhooks returns the receiver of the hosts' webhook deliveries, to mount
// at /hooks/: POST /hooks/github/{link} and POST /hooks/gitlab/{link}.
//
// GitHub deliveries must carry X-Hub-Signature-256, the HMAC-SHA256 of the
// body under the link's secret; GitLab ones X-Gitlab-Token, the secret
// itself (compared in constant time). Each delivery id (X-GitHub-Delivery;
// GitLab's Idempotency-Key or X-Gitlab-Event-UUID) is stored once: a
// redelivery or replay is acknowledged and ignored.
func (s *Service) Webhooks() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hooks/github/{link}", func(w http.ResponseWriter, r *http.Request) {
		s.receive(w, r, hostGitHub)
	})
	mux.HandleFunc("POST /hooks/gitlab/{link}", func(w http.ResponseWriter, r *http.Request) {
		s.receive(w, r, hostGitLab)
	})
	return mux
}

// delivery is one webhook request, verified.
type delivery struct {
	id    string
	event string
	body  []byte
}

func (s *Service) receive(w http.ResponseWriter, r *http.Request, host string) {
	ctx := r.Context()
	linkID, err := uuid.Parse(r.PathValue("link"))
	if err != nil {
		http.Error(w, "no such repository link", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, "delivery too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the delivery", http.StatusBadRequest)
		return
	}
	link, err := db.New(s.db.Primary).GetLink(ctx, linkID)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && link.Host != host) {
		http.Error(w, "no such repository link", http.StatusNotFound)
		return
	}
	if err != nil {
		s.logger.ErrorContext(ctx, "webhook: read link", "link", linkID, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	d := delivery{body: body}
	switch host {
	case hostGitHub:
		if !validGitHubSignature(link.Secret, r.Header.Get("X-Hub-Signature-256"), body) {
			s.logger.WarnContext(ctx, "webhook: bad signature", "host", host, "link", linkID)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		d.id, d.event = r.Header.Get("X-GitHub-Delivery"), r.Header.Get("X-GitHub-Event")
	case hostGitLab:
		token := r.Header.Get("X-Gitlab-Token")
		if subtle.ConstantTimeCompare([]byte(token), []byte(link.Secret)) != 1 {
			s.logger.WarnContext(ctx, "webhook: bad token", "host", host, "link", linkID)
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		d.id, d.event = r.Header.Get("Idempotency-Key"), r.Header.Get("X-Gitlab-Event")
		if d.id == "" {
			d.id = r.Header.Get("X-Gitlab-Event-UUID")
		}
	}
	if d.id == "" || len(d.id) > 200 || d.event == "" {
		http.Error(w, "a delivery id and an event name are required", http.StatusBadRequest)
		return
	}
	var act *activity
	if host == hostGitHub {
		act, err = parseGitHub(d.event, body)
	} else {
		act, err = parseGitLab(d.event, body)
	}
	if err != nil {
		http.Error(w, "could not read the delivery: "+err.Error(), http.StatusBadRequest)
		return
	}
	fresh, err := s.store(ctx, link, d, act)
	if err != nil {
		s.logger.ErrorContext(ctx, "webhook: store delivery", "link", linkID, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !fresh {
		fmt.Fprintln(w, "duplicate delivery: ignored")
		return
	}
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintln(w, "accepted")
}

// store records the delivery and its activity, and tells the task's
// parties, in one transaction. It reports false for a delivery id seen
// before.
func (s *Service) store(ctx context.Context, link db.RepositoryLink, d delivery, act *activity) (bool, error) {
	fresh := false
	err := pgx.BeginFunc(ctx, s.db.Primary, func(tx pgx.Tx) error {
		q := db.New(tx)
		n, err := q.InsertDelivery(ctx, db.InsertDeliveryParams{LinkID: link.ID, DeliveryID: d.id, Event: d.event})
		if err != nil {
			return err
		}
		if fresh = n == 1; !fresh || act == nil {
			return nil
		}
		raw, err := jsonObject(act.summary)
		if err != nil {
			return err
		}
		if _, err := q.InsertActivity(ctx, db.InsertActivityParams{LinkID: link.ID, Kind: act.kind, Key: act.key, Summary: raw}); err != nil {
			return err
		}
		if err := events.EmitToTaskParties(ctx, tx, link.TaskID, "repo."+act.kind, map[string]any{
			"link_id": link.ID, "repository": link.Path, "summary": act.summary,
		}); err != nil {
			return err
		}
		if c, ok := act.summary.(checkSummary); ok && c.State == "failure" {
			return s.notifyParties(ctx, tx, link, "repo.ci_failed", map[string]string{
				"repository": link.Path, "branch": c.Branch, "name": c.Name,
			})
		}
		return nil
	})
	return fresh, err
}

// notifyParties sends a notification of kind to both parties of the
// link's task, in tx.
func (s *Service) notifyParties(ctx context.Context, tx pgx.Tx, link db.RepositoryLink, kind string, params map[string]string) error {
	parties, err := s.tasks.Parties(ctx, link.TaskID.String())
	if err != nil {
		return err
	}
	params["task"] = parties.Ref
	for _, u := range []uuid.UUID{parties.ClientID, parties.ProviderID} {
		if u == uuid.Nil {
			continue
		}
		if _, err := notifications.Send(ctx, tx, notifications.Notification{UserID: u, Kind: kind, Params: params, Link: "/tasks/" + parties.Ref}); err != nil {
			return err
		}
	}
	return nil
}

// validGitHubSignature checks header ("sha256=<hex>") against the
// HMAC-SHA256 of body under secret.
func validGitHubSignature(secret, header string, body []byte) bool {
	sig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
