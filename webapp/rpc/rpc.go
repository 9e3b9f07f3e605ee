// Package rpc builds the web app's Connect clients for the Talent services
// and turns their errors into something a form can show.
//
// The clients speak the Connect protocol (binary Protobuf) to the page's own
// origin. In the browser the default net/http transport is the Fetch API,
// which Go's js/wasm port calls with credentials "same-origin" (see
// net/http/roundtrip_js.go), so the HttpOnly session cookie goes with every
// call and Set-Cookie on SignUp/LogIn/LogOut is honoured; no token is ever
// visible to the app.
package rpc

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/proto/talent/boards/v1/boardsv1connect"
	"github.com/talent-hub/talent/proto/talent/events/v1/eventsv1connect"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	"github.com/talent-hub/talent/proto/talent/matching/v1/matchingv1connect"
	"github.com/talent-hub/talent/proto/talent/moderation/v1/moderationv1connect"
	"github.com/talent-hub/talent/proto/talent/notifications/v1/notificationsv1connect"
	"github.com/talent-hub/talent/proto/talent/providers/v1/providersv1connect"
	"github.com/talent-hub/talent/proto/talent/repositories/v1/repositoriesv1connect"
	"github.com/talent-hub/talent/proto/talent/reviews/v1/reviewsv1connect"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

// Clients holds one client per service.
type Clients struct {
	Identity      identityv1connect.IdentityServiceClient
	Tasks         tasksv1connect.TaskServiceClient
	Notifications notificationsv1connect.NotificationServiceClient
	Repositories  repositoriesv1connect.RepositoryServiceClient
	Moderation    moderationv1connect.ModerationServiceClient
	// Events streams; its transport has no overall timeout (ForPage).
	Events   eventsv1connect.EventServiceClient
	Matching matchingv1connect.MatchingServiceClient
	// Market, Reviews and Boards are the marketplace after posting.
	Market  tasksv1connect.MarketServiceClient
	Reviews reviewsv1connect.ReviewServiceClient
	Boards  boardsv1connect.BoardServiceClient
	// Providers: profiles, uploads and vetting (ID-2).
	Providers providersv1connect.ProviderServiceClient
}

// New returns clients that call the services at baseURL (scheme and host,
// e.g. "https://localhost:8443") through hc.
func New(hc connect.HTTPClient, baseURL string) *Clients {
	return &Clients{
		Identity:      identityv1connect.NewIdentityServiceClient(hc, baseURL),
		Tasks:         tasksv1connect.NewTaskServiceClient(hc, baseURL),
		Notifications: notificationsv1connect.NewNotificationServiceClient(hc, baseURL),
		Repositories:  repositoriesv1connect.NewRepositoryServiceClient(hc, baseURL),
		Moderation:    moderationv1connect.NewModerationServiceClient(hc, baseURL),
		Events:        eventsv1connect.NewEventServiceClient(hc, baseURL),
		Matching:      matchingv1connect.NewMatchingServiceClient(hc, baseURL),
		Market:        tasksv1connect.NewMarketServiceClient(hc, baseURL),
		Reviews:       reviewsv1connect.NewReviewServiceClient(hc, baseURL),
		Boards:        boardsv1connect.NewBoardServiceClient(hc, baseURL),
		// Providers: profiles, uploads and vetting.
		Providers: providersv1connect.NewProviderServiceClient(hc, baseURL),
	}
}

// ForPage returns clients for the page the app runs in: same origin, the
// browser's Fetch-based transport, and a timeout so a lost connection ends
// in an error the page can show.
func ForPage() *Clients {
	u := app.Window().URL()
	c := New(&http.Client{Timeout: 30 * time.Second}, Origin(u.Scheme, u.Host))
	// The event stream stays open for as long as the server keeps it; the
	// server's heartbeats show it is alive.
	c.Events = eventsv1connect.NewEventServiceClient(&http.Client{}, Origin(u.Scheme, u.Host))
	return c
}

// Origin returns scheme://host, the base URL of a same-origin client.
func Origin(scheme, host string) string {
	if scheme == "" {
		scheme = "https"
	}
	return scheme + "://" + host
}

// Problem is a failed call explained for a form.
type Problem struct {
	// Code is the Connect code as a string ("invalid_argument", ...).
	Code string
	// Violations are the google.rpc.BadRequest field violations, in order.
	Violations []Violation
	// RetryAfter is how long to wait before trying again, from a
	// google.rpc.RetryInfo detail; 0 without one.
	RetryAfter time.Duration
	// Reason is the google.rpc.ErrorInfo reason of an error about the
	// request as a whole, such as BAD_CREDENTIALS, LOCKED_OUT or the edge's
	// CONTENT_BLOCKED; empty without one.
	Reason string
	// Metadata is that ErrorInfo's metadata ("words" for CONTENT_BLOCKED).
	Metadata map[string]string
}

// Violation is one bad field.
type Violation struct {
	// Field is the request's proto field name, with any index or sub-path
	// removed ("skill_tags[2]" becomes "skill_tags"). Empty for an error
	// about the request as a whole.
	Field string
	// Reason is the stable UPPER_SNAKE code the UI translates.
	Reason string
	// Description is the service's English sentence.
	Description string
}

// Explain unpacks err, typically a *connect.Error, into a Problem. Errors
// that did not come from a service (a broken connection, a cancelled
// context) are reported with Code "unavailable".
func Explain(err error) Problem {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return Problem{Code: connect.CodeUnavailable.String()}
	}
	p := Problem{Code: ce.Code().String()}
	for _, d := range ce.Details() {
		v, err := d.Value()
		if err != nil {
			continue
		}
		switch d := v.(type) {
		case *errdetails.ErrorInfo:
			if p.Reason == "" {
				p.Reason, p.Metadata = d.GetReason(), d.GetMetadata()
			}
			continue
		case *errdetails.RetryInfo:
			p.RetryAfter = d.GetRetryDelay().AsDuration()
			continue
		}
		br, ok := v.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, fv := range br.GetFieldViolations() {
			p.Violations = append(p.Violations, Violation{
				Field:       baseField(fv.GetField()),
				Reason:      fv.GetReason(),
				Description: fv.GetDescription(),
			})
		}
	}
	return p
}

// IsCode reports whether err is a Connect error with code c.
func IsCode(err error, c connect.Code) bool {
	return connect.CodeOf(err) == c
}

// baseField strips an index or nested path from a field path:
// "skill_tags[2]" and "skill_tags.3" both become "skill_tags".
func baseField(f string) string {
	if i := strings.IndexAny(f, "[."); i >= 0 {
		return f[:i]
	}
	return f
}
