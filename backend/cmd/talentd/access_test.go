package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/postgres"
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
)

// access is who the test expects may call one RPC. It is written here, apart
// from the services' Policies, so that the matrix checks the declarations
// against an independent expectation (ID-3).
type access struct {
	public   bool     // anyone, signed in or not
	signedIn bool     // every signed-in caller
	roles    []string // signed-in callers holding one of these roles
}

var (
	anyone      = access{public: true}
	anySignedIn = access{signedIn: true}
)

func onlyRoles(roles ...string) access { return access{roles: roles} }

// boardUsers may reach the board RPCs; the service then checks the task's
// parties.
var boardUsers = onlyRoles(auth.RoleClient, auth.RoleProvider, auth.RoleAdmin)

// allows reports whether a caller with role may call; "" (anonymous) and
// staleCaller are not signed in.
func (a access) allows(role string) bool {
	switch {
	case a.public:
		return true
	case role == "" || role == staleCaller:
		return false
	case a.signedIn:
		return true
	default:
		return slices.Contains(a.roles, role)
	}
}

// wantAccess is the expected access matrix: one entry per RPC of every
// talent.* service. A new RPC fails TestAccessMatrix until it is added here
// and declared in its service's Policies.
var wantAccess = map[string]access{
	identityv1connect.IdentityServiceSignUpProcedure: anyone,
	identityv1connect.IdentityServiceLogInProcedure:  anyone,
	identityv1connect.IdentityServiceLogOutProcedure: anySignedIn,
	identityv1connect.IdentityServiceGetMeProcedure:  anySignedIn,

	identityv1connect.IdentityServiceSendPhoneCodeProcedure:   anyone,
	identityv1connect.IdentityServiceLogInWithPhoneProcedure:  anyone,
	identityv1connect.IdentityServiceSignUpWithPhoneProcedure: anyone,

	identityv1connect.IdentityServiceListSessionsProcedure:     anySignedIn,
	identityv1connect.IdentityServiceEndSessionProcedure:       anySignedIn,
	identityv1connect.IdentityServiceLogOutEverywhereProcedure: anySignedIn,

	// Step-up, factors and sensitive fields (ID-4, SEC-1): every signed-in
	// person, on their own account only.
	identityv1connect.IdentityServiceGetSecuritySettingsProcedure:       anySignedIn,
	identityv1connect.IdentityServiceBeginStepUpProcedure:               anySignedIn,
	identityv1connect.IdentityServiceFinishStepUpProcedure:              anySignedIn,
	identityv1connect.IdentityServiceBeginTotpEnrollmentProcedure:       anySignedIn,
	identityv1connect.IdentityServiceConfirmTotpEnrollmentProcedure:     anySignedIn,
	identityv1connect.IdentityServiceRemoveTotpProcedure:                anySignedIn,
	identityv1connect.IdentityServiceBeginPasskeyRegistrationProcedure:  anySignedIn,
	identityv1connect.IdentityServiceFinishPasskeyRegistrationProcedure: anySignedIn,
	identityv1connect.IdentityServiceRemovePasskeyProcedure:             anySignedIn,
	identityv1connect.IdentityServiceChangePasswordProcedure:            anySignedIn,
	identityv1connect.IdentityServiceSendChangePhoneCodeProcedure:       anySignedIn,
	identityv1connect.IdentityServiceChangePhoneProcedure:               anySignedIn,
	identityv1connect.IdentityServiceSetSensitiveFieldProcedure:         anySignedIn,
	identityv1connect.IdentityServiceRevealSensitiveFieldProcedure:      anySignedIn,
	identityv1connect.IdentityServiceListLoginProvidersProcedure:        anyone,
	identityv1connect.IdentityServiceListLoginMethodsProcedure:          anySignedIn,
	identityv1connect.IdentityServiceUnlinkLoginMethodProcedure:         anySignedIn,
	identityv1connect.IdentityServiceGetPrivacySettingsProcedure:        anySignedIn,
	identityv1connect.IdentityServiceUpdatePrivacySettingsProcedure:     anySignedIn,
	identityv1connect.IdentityServiceAcceptConsentProcedure:             anySignedIn,
	identityv1connect.IdentityServiceExportMyDataProcedure:              anySignedIn,
	identityv1connect.IdentityServiceDeleteAccountProcedure:             anySignedIn,
	// Role management is the admins' alone (ID-3).
	identityv1connect.IdentityServiceSearchUsersProcedure: onlyRoles(auth.RoleAdmin),
	identityv1connect.IdentityServiceGrantRoleProcedure:   onlyRoles(auth.RoleAdmin),
	identityv1connect.IdentityServiceRevokeRoleProcedure:  onlyRoles(auth.RoleAdmin),

	tasksv1connect.TaskServiceCreateTaskProcedure: onlyRoles(auth.RoleClient),
	tasksv1connect.TaskServiceGetTaskProcedure:    anyone,
	tasksv1connect.TaskServiceListTasksProcedure:  anyone,
	// Owner checks (only the task's client) are the service's, tested in
	// backend/tasks; here: only clients get past the access policy.
	tasksv1connect.TaskServiceUpdateTaskProcedure:  onlyRoles(auth.RoleClient),
	tasksv1connect.TaskServicePublishTaskProcedure: onlyRoles(auth.RoleClient),
	tasksv1connect.TaskServiceCloseTaskProcedure:   onlyRoles(auth.RoleClient),
	tasksv1connect.TaskServiceCancelTaskProcedure:  onlyRoles(auth.RoleClient),
	// A draft's timeline is hidden from all but its client by the service.
	tasksv1connect.TaskServiceListTaskEventsProcedure: anyone,

	// The market (issue 4): proposals by providers, awards and acceptance
	// by clients; whose task or proposal it is, the service checks.
	tasksv1connect.MarketServiceCreateProposalProcedure:           onlyRoles(auth.RoleProvider),
	tasksv1connect.MarketServiceUpdateProposalProcedure:           onlyRoles(auth.RoleProvider),
	tasksv1connect.MarketServiceWithdrawProposalProcedure:         onlyRoles(auth.RoleProvider),
	tasksv1connect.MarketServiceListTaskProposalsProcedure:        onlyRoles(auth.RoleClient, auth.RoleProvider),
	tasksv1connect.MarketServiceListMyWorkProcedure:               onlyRoles(auth.RoleProvider),
	tasksv1connect.MarketServiceShortlistProposalProcedure:        onlyRoles(auth.RoleClient),
	tasksv1connect.MarketServiceInviteProviderProcedure:           onlyRoles(auth.RoleClient),
	tasksv1connect.MarketServiceAwardProposalProcedure:            onlyRoles(auth.RoleClient),
	tasksv1connect.MarketServiceStartWorkProcedure:                onlyRoles(auth.RoleProvider),
	tasksv1connect.MarketServiceSetSubStatusProcedure:             onlyRoles(auth.RoleProvider),
	tasksv1connect.MarketServiceDeliverTaskProcedure:              onlyRoles(auth.RoleProvider),
	tasksv1connect.MarketServiceListDeliveriesProcedure:           onlyRoles(auth.RoleClient, auth.RoleProvider),
	tasksv1connect.MarketServiceAcceptDeliveryProcedure:           onlyRoles(auth.RoleClient),
	tasksv1connect.MarketServiceRequestChangesProcedure:           onlyRoles(auth.RoleClient),
	tasksv1connect.MarketServiceRaiseDisputeProcedure:             onlyRoles(auth.RoleClient, auth.RoleProvider),
	tasksv1connect.MarketServiceCreateAttachmentUploadProcedure:   onlyRoles(auth.RoleClient, auth.RoleProvider),
	tasksv1connect.MarketServiceCompleteAttachmentUploadProcedure: onlyRoles(auth.RoleClient, auth.RoleProvider),
	// Delivered files only reach the parties; the service decides.
	tasksv1connect.MarketServiceListAttachmentsProcedure: anyone,

	// Reviews: the parties write them; profiles and scores are public.
	reviewsv1connect.ReviewServiceSubmitReviewProcedure:     onlyRoles(auth.RoleClient, auth.RoleProvider),
	reviewsv1connect.ReviewServiceReplyToReviewProcedure:    onlyRoles(auth.RoleClient, auth.RoleProvider),
	reviewsv1connect.ReviewServiceSetReviewHiddenProcedure:  onlyRoles(auth.RoleClient, auth.RoleProvider),
	reviewsv1connect.ReviewServiceListTaskReviewsProcedure:  onlyRoles(auth.RoleClient, auth.RoleProvider),
	reviewsv1connect.ReviewServiceListUserReviewsProcedure:  anyone,
	reviewsv1connect.ReviewServiceGetRatingSummaryProcedure: anyone,

	// Boards: the engagement's two parties, and admins.
	boardsv1connect.BoardServiceGetBoardProcedure:             boardUsers,
	boardsv1connect.BoardServiceCreateColumnProcedure:         boardUsers,
	boardsv1connect.BoardServiceRenameColumnProcedure:         boardUsers,
	boardsv1connect.BoardServiceDeleteColumnProcedure:         boardUsers,
	boardsv1connect.BoardServiceCreateCardProcedure:           boardUsers,
	boardsv1connect.BoardServiceUpdateCardProcedure:           boardUsers,
	boardsv1connect.BoardServiceMoveCardProcedure:             boardUsers,
	boardsv1connect.BoardServiceDeleteCardProcedure:           boardUsers,
	boardsv1connect.BoardServiceAddChecklistItemProcedure:     boardUsers,
	boardsv1connect.BoardServiceSetChecklistItemDoneProcedure: boardUsers,

	notificationsv1connect.NotificationServiceListNotificationsProcedure:     anySignedIn,
	notificationsv1connect.NotificationServiceMarkNotificationsReadProcedure: anySignedIn,

	eventsv1connect.EventServiceSubscribeProcedure: anySignedIn,
	// Only the task's parties get further: the service's check, tested in
	// backend/repositories.
	repositoriesv1connect.RepositoryServiceLinkRepositoryProcedure:         anySignedIn,
	repositoriesv1connect.RepositoryServiceListRepositoryLinksProcedure:    anySignedIn,
	repositoriesv1connect.RepositoryServiceUnlinkRepositoryProcedure:       anySignedIn,
	repositoriesv1connect.RepositoryServiceListRepositoryActivityProcedure: anySignedIn,

	auditv1connect.AuditServiceListAuditEntriesProcedure: onlyRoles(auth.RoleAuditor, auth.RoleAdmin),
	auditv1connect.AuditServiceVerifyAuditLogProcedure:   onlyRoles(auth.RoleAuditor, auth.RoleAdmin, auth.RoleOps),

	// The keyword lists and the patrol queue are the admins' (SEC-5).
	moderationv1connect.ModerationServiceListKeywordsProcedure:      onlyRoles(auth.RoleAdmin),
	moderationv1connect.ModerationServiceAddKeywordsProcedure:       onlyRoles(auth.RoleAdmin),
	moderationv1connect.ModerationServiceRemoveKeywordsProcedure:    onlyRoles(auth.RoleAdmin),
	moderationv1connect.ModerationServiceListPatrolItemsProcedure:   onlyRoles(auth.RoleAdmin),
	moderationv1connect.ModerationServiceResolvePatrolItemProcedure: onlyRoles(auth.RoleAdmin),
	// The task's client and the slate's viewer are checked by the service,
	// tested in backend/matching.
	matchingv1connect.MatchingServiceRecommendProvidersProcedure: onlyRoles(auth.RoleClient),
	matchingv1connect.MatchingServiceRecommendTasksProcedure:     onlyRoles(auth.RoleProvider),
	matchingv1connect.MatchingServiceRecordSlateEventProcedure:   onlyRoles(auth.RoleClient, auth.RoleProvider),
	matchingv1connect.MatchingServiceFlagProviderProcedure:       onlyRoles(auth.RoleAdmin),
	matchingv1connect.MatchingServiceSetProviderSkillsProcedure:  onlyRoles(auth.RoleAdmin),
	matchingv1connect.MatchingServiceSetPlacementProcedure:       onlyRoles(auth.RoleAdmin),
	matchingv1connect.MatchingServiceListCorrectionsProcedure:    onlyRoles(auth.RoleAdmin),
	matchingv1connect.MatchingServiceGetMatchingStatsProcedure:   onlyRoles(auth.RoleAdmin, auth.RoleOps),
	// Any client may become a provider by saving a profile (ID-2).
	providersv1connect.ProviderServiceSaveProfileProcedure:  onlyRoles(auth.RoleClient, auth.RoleProvider),
	providersv1connect.ProviderServiceGetMyProfileProcedure: onlyRoles(auth.RoleClient, auth.RoleProvider),
	providersv1connect.ProviderServiceGetProfileProcedure:   anyone,
	// Uploads and vetting are the provider's own; the queue, the documents
	// and the decisions are admins' only.
	providersv1connect.ProviderServiceCreateUploadProcedure:         onlyRoles(auth.RoleProvider),
	providersv1connect.ProviderServiceCompleteUploadProcedure:       onlyRoles(auth.RoleProvider),
	providersv1connect.ProviderServiceSubmitVettingProcedure:        onlyRoles(auth.RoleProvider),
	providersv1connect.ProviderServiceGetMyVettingProcedure:         onlyRoles(auth.RoleProvider),
	providersv1connect.ProviderServiceListVettingQueueProcedure:     onlyRoles(auth.RoleAdmin),
	providersv1connect.ProviderServiceGetVettingSubmissionProcedure: onlyRoles(auth.RoleAdmin),
	providersv1connect.ProviderServiceDecideVettingProcedure:        onlyRoles(auth.RoleAdmin),
	providersv1connect.ProviderServiceSuspendProviderProcedure:      onlyRoles(auth.RoleAdmin),
}

// staleCaller sends a well-formed token that names no session.
const staleCaller = "stale"

// callers are who the matrix calls every RPC as: "" is anonymous, "stale"
// carries a well-formed token of no session (it must fare like anonymous),
// the rest hold exactly that role.
var callers = []string{"", staleCaller,
	auth.RoleClient, auth.RoleProvider, auth.RoleAdmin, auth.RoleOps, auth.RoleAuditor}

// talentProcedures returns the full procedure name ("/pkg.Service/Method")
// of every method of every service in the talent.* proto packages linked
// into talentd, from the generated descriptors.
func talentProcedures(t *testing.T) []protoreflect.MethodDescriptor {
	t.Helper()
	var methods []protoreflect.MethodDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(f.Package()), "talent.") {
			return true
		}
		for i := range f.Services().Len() {
			svc := f.Services().Get(i)
			for j := range svc.Methods().Len() {
				methods = append(methods, svc.Methods().Get(j))
			}
		}
		return true
	})
	if len(methods) == 0 {
		t.Fatal("no talent.* services in the proto registry")
	}
	return methods
}

func procedureName(m protoreflect.MethodDescriptor) string {
	return fmt.Sprintf("/%s/%s", m.Parent().FullName(), m.Name())
}

// TestAccessMatrix enumerates every RPC of every service (ID-3). It fails
// on an RPC without a declared policy or without an expectation here, and
// calls each RPC through a running talentd anonymously, with a stale token
// and as each role: a caller the expectation excludes must be refused with
// UNAUTHENTICATED or PERMISSION_DENIED, and one it includes must not be.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	methods := talentProcedures(t)
	declared := accessPolicies()
	seen := map[string]bool{}
	for _, m := range methods {
		proc := procedureName(m)
		seen[proc] = true
		if _, ok := declared[proc]; !ok {
			t.Errorf("%s has no access policy: declare one in its service's Policies()", proc)
		}
		if _, ok := wantAccess[proc]; !ok {
			t.Errorf("%s has no entry in wantAccess: add who may call it", proc)
		}
		if m.IsStreamingClient() {
			t.Errorf("%s streams from the client: extend TestAccessMatrix to call it", proc)
		}
	}
	for proc := range declared {
		if !seen[proc] {
			t.Errorf("policy declared for %s, which no service defines", proc)
		}
	}
	for proc := range wantAccess {
		if !seen[proc] {
			t.Errorf("wantAccess names %s, which no service defines", proc)
		}
	}
	if t.Failed() {
		return
	}

	args := testArgs(t)
	dbURL := args[slices.Index(args, "--database-url")+1]
	srv := startServer(t, args)
	db, err := postgres.Open(t.Context(), dbURL, "")
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(db.Close)

	// newToken starts a session for a new user holding role, so that an RPC
	// such as LogOut or LogOutEverywhere, which ends sessions, cannot affect
	// the other calls running in parallel.
	newToken := func(t *testing.T, role string) string {
		t.Helper()
		b := make([]byte, 32)
		rand.Read(b)
		token := base64.RawURLEncoding.EncodeToString(b)
		if role == staleCaller {
			return token
		}
		var userID string
		err := db.Primary.QueryRow(t.Context(), `
			INSERT INTO users (email, password_hash, display_name, roles, consent_version)
			VALUES ($1, 'not-a-hash', $2, ARRAY[$2]::text[], 'test') RETURNING id`,
			role+"-"+hex.EncodeToString(b[:6])+"@access.example.com", role).Scan(&userID)
		if err != nil {
			t.Fatalf("create %s user: %v", role, err)
		}
		hash := sha256.Sum256([]byte(token))
		_, err = db.Primary.Exec(t.Context(), `
			INSERT INTO sessions (token_hash, user_id, expire_time)
			VALUES ($1, $2, now() + interval '1 hour')`, hash[:], userID)
		if err != nil {
			t.Fatalf("create %s session: %v", role, err)
		}
		return token
	}

	httpClient := http1Client()
	for _, m := range methods {
		proc := procedureName(m)
		want := wantAccess[proc]
		t.Run(strings.TrimPrefix(proc, "/"), func(t *testing.T) {
			t.Parallel()
			// An empty message is a valid binary encoding of every request
			// type; an allowed call then fails validation, if anything.
			client := connect.NewClient[emptypb.Empty, emptypb.Empty](httpClient, srv.baseURL+proc)
			for _, role := range callers {
				name := role
				if name == "" {
					name = "anonymous"
				}
				req := connect.NewRequest(&emptypb.Empty{})
				if role != "" {
					req.Header().Set("Authorization", "Bearer "+newToken(t, role))
				}
				var err error
				if m.IsStreamingServer() {
					err = firstMessage(t, client, req)
				} else {
					_, err = client.CallUnary(t.Context(), req)
				}
				code := connect.CodeOf(err)
				denied := err != nil && (code == connect.CodeUnauthenticated || code == connect.CodePermissionDenied)
				switch {
				case err != nil && code == connect.CodeUnimplemented:
					t.Errorf("as %s: %v: is the service mounted in routes.go?", name, err)
				case want.allows(role) && denied:
					t.Errorf("as %s: refused (%v), want allowed", name, err)
				case !want.allows(role) && !denied:
					t.Errorf("as %s: allowed (err %v), want UNAUTHENTICATED or PERMISSION_DENIED", name, err)
				}
			}
		})
	}
}

// firstMessage opens a server stream with req and returns the error of its
// first message, nil if one arrived; the stream is then closed.
func firstMessage(t *testing.T, client *connect.Client[emptypb.Empty, emptypb.Empty], req *connect.Request[emptypb.Empty]) error {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stream, err := client.CallServerStream(ctx, req)
	if err != nil {
		return err
	}
	defer stream.Close()
	if stream.Receive() {
		return nil
	}
	return stream.Err()
}
