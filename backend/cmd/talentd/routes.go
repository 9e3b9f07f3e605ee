package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/talent-hub/talent/backend/audit"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/blob"
	"github.com/talent-hub/talent/backend/boards"
	"github.com/talent-hub/talent/backend/events"
	"github.com/talent-hub/talent/backend/identity"
	"github.com/talent-hub/talent/backend/matching"
	"github.com/talent-hub/talent/backend/moderation"
	"github.com/talent-hub/talent/backend/notifications"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/providers"
	"github.com/talent-hub/talent/backend/repositories"
	"github.com/talent-hub/talent/backend/reviews"
	"github.com/talent-hub/talent/backend/sms"
	"github.com/talent-hub/talent/backend/sms/aliyun"
	"github.com/talent-hub/talent/backend/tasks"
	"github.com/talent-hub/talent/backend/telemetry"
	"github.com/talent-hub/talent/proto/talent/audit/v1/auditv1connect"
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
	"github.com/talent-hub/talent/webapp/site"
)

// maxRequestBytes caps the size of one RPC message.
const maxRequestBytes = 4 << 20

// newHandler returns the main listener's handler: the services cfg selects,
// gRPC health and reflection for them, and the web app's pages at "/".
// Background work of a service (the matching index's change feed) runs
// until ctx ends; services' own metrics register with registry.
func newHandler(ctx context.Context, cfg config, logger *slog.Logger, db *postgres.DB, rdb *redis.Client, store *blob.Store, metrics *telemetry.Metrics, registry prometheus.Registerer, hub *events.Hub, checker *moderation.Checker) (http.Handler, error) {
	sender, err := newSMSSender(cfg, logger)
	if err != nil {
		return nil, err
	}
	// The identity service authenticates every caller, also in processes
	// that do not serve its API.
	identitySvc := identity.New(db, logger, identity.Options{
		CookieSecure:   cfg.CookieSecure,
		Redis:          rdb,
		SMS:            sender,
		TrustedProxies: cfg.TrustedProxies,
		Limits:         identity.DefaultLimits().ScalePerIP(cfg.PerIPLimitFactor),
		FieldKeys:      cfg.FieldKeys,
		WebAuthn:       identity.WebAuthnConfig{RPID: cfg.WebAuthnRPID, Origins: cfg.WebAuthnOrigins},
		OAuth:          cfg.Access.oauth(),
		ConsentVersion: cfg.Access.ConsentVersion,
		Exporters:      dataExporters(db, logger),
		Moderation:     checker,
	})
	policies := accessPolicies()

	// Interceptors run outermost first: metrics see the codes clients see,
	// and internal errors from auth are hidden too.
	opts := []connect.HandlerOption{
		connect.WithInterceptors(
			metrics,
			telemetry.NewErrorInterceptor(logger),
			auth.NewInterceptor(identitySvc, policies),
		),
		connect.WithRecover(recoverPanic(logger)),
		connect.WithReadMaxBytes(maxRequestBytes),
	}

	mux := http.NewServeMux()
	var served []string
	if cfg.serves(serviceIdentity) {
		mux.Handle(identityv1connect.NewIdentityServiceHandler(identitySvc, opts...))
		served = append(served, identityv1connect.IdentityServiceName)
		// Sign-in with GitHub and WeChat: browser redirects (ID-1).
		mux.Handle("/auth/", identitySvc.OAuthHandler())
	}
	// The task service checks texts (SEC-5) and is what the moderation
	// service takes tasks down through, in whichever process serves it.
	// ID numbers are sealed under the platform's field keys (SEC-1),
	// rotated by `talentd rotate-keys`. The task service asks the provider
	// service whose vetting is approved (ID-2), in every process.
	providersSvc := providers.New(db, store, logger, providers.Options{
		Sealer: cfg.FieldKeys, FilesURLPrefix: cfg.FilesURLPrefix, Privacy: identitySvc.PrivacyMode,
		Moderation: checker,
	})
	taskOpts := tasks.Options{Moderation: checker, Blob: store, FilesURLPrefix: cfg.FilesURLPrefix, Vetting: providersSvc,
		StepUp: identitySvc} // cancelling a task needs a step-up (ID-4)
	var matchingSvc *matching.Service
	if cfg.serves(serviceMatching) {
		// The matching engine is the task service's Matcher: publishing a
		// task tells its best providers (MATCH-1, push on publish).
		matchingSvc = matching.New(db, logger, matching.Options{Engine: matching.Config{Weights: cfg.MatchWeights}})
		taskOpts.Matcher = matchingSvc
	}
	tasksSvc := tasks.New(db, logger, taskOpts)
	reviewsSvc := reviews.New(db, tasksSvc, reviews.Options{Moderation: checker})
	boardsSvc := boards.New(db, tasksSvc, boards.Options{Moderation: checker})
	if cfg.serves(serviceTasks) {
		mux.Handle(tasksv1connect.NewTaskServiceHandler(tasksSvc, opts...))
		mux.Handle(tasksv1connect.NewMarketServiceHandler(tasksSvc, opts...))
		// Reviews and boards belong to the market and are served with it.
		mux.Handle(reviewsv1connect.NewReviewServiceHandler(reviewsSvc, opts...))
		mux.Handle(boardsv1connect.NewBoardServiceHandler(boardsSvc, opts...))
		served = append(served, tasksv1connect.TaskServiceName, tasksv1connect.MarketServiceName,
			reviewsv1connect.ReviewServiceName, boardsv1connect.BoardServiceName)
	}
	if cfg.serves(serviceNotifications) {
		mux.Handle(notificationsv1connect.NewNotificationServiceHandler(notifications.New(db), opts...))
		served = append(served, notificationsv1connect.NotificationServiceName)
	}
	if cfg.serves(serviceEvents) {
		mux.Handle(eventsv1connect.NewEventServiceHandler(events.New(db, hub, logger, events.Options{}),
			append(opts[:len(opts):len(opts)], events.HandlerOptions()...)...))
		served = append(served, eventsv1connect.EventServiceName)
	}
	if cfg.serves(serviceRepositories) {
		repos := repositories.New(db, tasks.New(db, logger, tasks.Options{}), logger)
		mux.Handle(repositoriesv1connect.NewRepositoryServiceHandler(repos, opts...))
		served = append(served, repositoriesv1connect.RepositoryServiceName)
		// GitHub and GitLab webhooks (TASK-3): signed, outside the RPC policies.
		mux.Handle("/hooks/", repos.Webhooks())
	}
	if cfg.serves(serviceAudit) {
		mux.Handle(auditv1connect.NewAuditServiceHandler(audit.New(db), opts...))
		served = append(served, auditv1connect.AuditServiceName)
	}
	if cfg.serves(serviceModeration) {
		modSvc := moderation.New(db, logger, checker, moderation.Options{
			// Every kind of text the patrol queue holds can be taken
			// down by the service that owns it (SEC-5).
			Targets: map[string]moderation.Target{
				moderation.KindTask:        tasksSvc,
				moderation.KindProposal:    moderation.TargetFunc(tasksSvc.TakeDownProposal),
				moderation.KindDelivery:    moderation.TargetFunc(tasksSvc.TakeDownDelivery),
				moderation.KindTaskNote:    moderation.TargetFunc(tasksSvc.TakeDownNote),
				moderation.KindReview:      moderation.TargetFunc(reviewsSvc.TakeDownReview),
				moderation.KindReviewReply: moderation.TargetFunc(reviewsSvc.TakeDownReply),
				moderation.KindBoard:       boardsSvc,
				moderation.KindProfile:     providersSvc,
				moderation.KindName:        moderation.TargetFunc(identitySvc.TakeDownName),
			},
		})
		mux.Handle(moderationv1connect.NewModerationServiceHandler(modSvc, opts...))
		served = append(served, moderationv1connect.ModerationServiceName)
	}
	if cfg.serves(serviceMatching) {
		svc := matchingSvc
		if err := registry.Register(svc); err != nil {
			return nil, fmt.Errorf("register matching metrics: %w", err)
		}
		go svc.Run(ctx) //nolint:errcheck // Run logs its own errors and ends with ctx
		mux.Handle(matchingv1connect.NewMatchingServiceHandler(svc, opts...))
		served = append(served, matchingv1connect.MatchingServiceName)
	}

	if cfg.serves(serviceProviders) {
		mux.Handle(providersv1connect.NewProviderServiceHandler(providersSvc, opts...))
		served = append(served, providersv1connect.ProviderServiceName)
	}

	// Health and reflection are open to all, outside the access policies.
	infraOpts := connect.WithInterceptors(metrics)
	mux.Handle(grpchealth.NewHandler(grpchealth.NewStaticChecker(served...), infraOpts))
	reflector := grpcreflect.NewStaticReflector(append(served,
		grpchealth.HealthV1ServiceName,
		grpcreflect.ReflectV1ServiceName,
		grpcreflect.ReflectV1AlphaServiceName)...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector, infraOpts))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector, infraOpts))

	if cfg.serves(serviceWeb) {
		// Public pages are prerendered with their data, read from mux
		// in-process.
		pages, err := site.Handler(site.Config{WebDir: cfg.WebDir, API: mux})
		if err != nil {
			return nil, fmt.Errorf("load web app: %w", err)
		}
		mux.Handle("/", pagesOnly(pages))
	}
	// Cookie-authenticated writes must come from the site itself.
	return auth.CSRF(cfg.Access.origins(), mux)
}

// newSMSSender returns the sender of login codes cfg chooses.
func newSMSSender(cfg config, logger *slog.Logger) (identity.SMSSender, error) {
	if cfg.SMSProvider != smsProviderAliyun {
		logger.Warn("SMS codes are written to this log and not sent: --sms-provider is log")
		return sms.LogSender{Logger: logger}, nil
	}
	ac, err := cfg.aliyunConfig()
	if err != nil {
		return nil, err
	}
	return aliyun.New(ac)
}

// accessPolicies returns who may call each RPC of every service, merged
// from the services' own declarations (ID-3). The interceptor refuses a
// procedure missing here; TestAccessMatrix checks every RPC against it.
func accessPolicies() auth.Policies {
	policies := auth.Policies{}
	maps.Copy(policies, identity.Policies())
	maps.Copy(policies, identity.StepUpPolicies())
	maps.Copy(policies, identity.RolePolicies())
	maps.Copy(policies, tasks.Policies())
	maps.Copy(policies, tasks.MarketPolicies())
	maps.Copy(policies, reviews.Policies())
	maps.Copy(policies, boards.Policies())
	maps.Copy(policies, notifications.Policies())
	maps.Copy(policies, audit.Policies())
	maps.Copy(policies, events.Policies())
	maps.Copy(policies, repositories.Policies())
	maps.Copy(policies, moderation.Policies())
	maps.Copy(policies, matching.Policies())
	maps.Copy(policies, providers.Policies())
	return policies
}

// pagesOnly passes GET and HEAD requests to pages and answers anything else
// with 404, so that an RPC to an unknown procedure is not served a web page.
func pagesOnly(pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.NotFound(w, r)
			return
		}
		pages.ServeHTTP(w, r)
	})
}

// recoverPanic logs a handler's panic with its stack and answers the client
// with "internal error".
func recoverPanic(logger *slog.Logger) func(context.Context, connect.Spec, http.Header, any) error {
	return func(ctx context.Context, spec connect.Spec, _ http.Header, v any) error {
		logger.ErrorContext(ctx, "panic in handler", "procedure", spec.Procedure, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return connect.NewError(connect.CodeInternal, errors.New("internal error"))
	}
}

// readyTimeout bounds one readiness check.
const readyTimeout = 3 * time.Second

// newOpsHandler returns the ops listener's handler: Prometheus metrics from
// registry, liveness, readiness as reported by ready, and the keyword lists
// the edges fetch (/keywords/block.txt, /keywords/review.txt; SEC-5) when
// keywords is not nil.
func newOpsHandler(logger *slog.Logger, registry *prometheus.Registry, ready func(context.Context) error, keywords http.Handler) http.Handler {
	mux := http.NewServeMux()
	if keywords != nil {
		mux.Handle("GET /keywords/", keywords)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{
		Registry:          registry,
		EnableOpenMetrics: true,
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := ready(ctx); err != nil {
			logger.WarnContext(ctx, "not ready", "error", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %v\n", err)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}
