package identity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/identity/internal/db"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// ErrSessionNotFound means the session id names none of the caller's
// sessions.
var ErrSessionNotFound = errors.New("no such session")

// maxUserAgentLen is how much of a User-Agent a session keeps.
const maxUserAgentLen = 256

// clientInfo is what a new session records about the device it starts on.
type clientInfo struct {
	userAgent string
	ip        string
}

type clientInfoKey struct{}

// withClient returns ctx carrying the User-Agent and address of the
// request, for startSession to record.
func withClient(ctx context.Context, userAgent, ip string) context.Context {
	if len(userAgent) > maxUserAgentLen {
		userAgent = strings.ToValidUTF8(userAgent[:maxUserAgentLen], "")
	}
	return context.WithValue(ctx, clientInfoKey{}, clientInfo{userAgent: userAgent, ip: ip})
}

func clientFrom(ctx context.Context) clientInfo {
	c, _ := ctx.Value(clientInfoKey{}).(clientInfo)
	return c
}

// callerID returns the signed-in caller's user id.
func callerID(ctx context.Context) (uuid.UUID, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return uuid.Nil, ErrUnauthenticated
	}
	id, err := uuid.Parse(p.UserID)
	if err != nil {
		return uuid.Nil, ErrUnauthenticated
	}
	return id, nil
}

// ListSessions lists the caller's active sessions.
func (s *Service) ListSessions(ctx context.Context, req *connect.Request[identityv1.ListSessionsRequest]) (*connect.Response[identityv1.ListSessionsResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	current, _ := sessionTokenHash(auth.TokenFromHeader(req.Header()))
	rows, err := db.New(s.db.Primary).ListSessions(ctx, db.ListSessionsParams{UserID: userID, Now: s.now()})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	resp := &identityv1.ListSessionsResponse{}
	for _, r := range rows {
		resp.Sessions = append(resp.Sessions, &identityv1.Session{
			Id:           r.ID.String(),
			CreateTime:   timestamppb.New(r.CreateTime),
			LastSeenTime: timestamppb.New(r.LastSeen),
			ExpireTime:   timestamppb.New(r.ExpireTime),
			Device:       deviceSummary(r.UserAgent),
			Ip:           r.Ip,
			Current:      current != nil && bytes.Equal(current, r.TokenHash),
		})
	}
	return connect.NewResponse(resp), nil
}

// EndSession ends one of the caller's sessions. Ending the current one
// also clears the cookie.
func (s *Service) EndSession(ctx context.Context, req *connect.Request[identityv1.EndSessionRequest]) (*connect.Response[identityv1.EndSessionResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	id, err := uuid.Parse(req.Msg.GetSessionId())
	if err != nil {
		return nil, connectError(ErrSessionNotFound)
	}
	hash, err := db.New(s.db.Primary).DeleteUserSession(ctx, db.DeleteUserSessionParams{UserID: userID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, connectError(ErrSessionNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("delete session: %w", err)
	}
	s.auditCaller(ctx, auditSessionEnd, s.clientIP(req.Peer(), req.Header()), map[string]any{"session_id": id.String()})
	resp := connect.NewResponse(&identityv1.EndSessionResponse{})
	if current, ok := sessionTokenHash(auth.TokenFromHeader(req.Header())); ok && bytes.Equal(current, hash) {
		s.clearSessionCookies(resp.Header())
	}
	return resp, nil
}

// LogOutEverywhere ends all of the caller's sessions and clears the cookie.
func (s *Service) LogOutEverywhere(ctx context.Context, req *connect.Request[identityv1.LogOutEverywhereRequest]) (*connect.Response[identityv1.LogOutEverywhereResponse], error) {
	userID, err := callerID(ctx)
	if err != nil {
		return nil, connectError(err)
	}
	n, err := db.New(s.db.Primary).DeleteUserSessions(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("delete sessions: %w", err)
	}
	s.auditCaller(ctx, auditLogoutAll, s.clientIP(req.Peer(), req.Header()), map[string]any{"sessions_ended": n})
	resp := connect.NewResponse(&identityv1.LogOutEverywhereResponse{EndedCount: int32(n)})
	s.clearSessionCookies(resp.Header())
	return resp, nil
}

// deviceSummary names the browser or app and the system in a User-Agent,
// e.g. "Chrome on Windows" or "WeChat on iOS"; "" when it cannot tell.
func deviceSummary(ua string) string {
	has := func(s string) bool { return strings.Contains(ua, s) }
	var app string
	switch {
	case has("MicroMessenger"):
		app = "WeChat"
	case has("Edg/"):
		app = "Edge"
	case has("Firefox/"):
		app = "Firefox"
	case has("Chrome/") || has("Chromium/") || has("CriOS/"):
		app = "Chrome"
	case has("Safari/"):
		app = "Safari"
	case has("connect-go") || has("grpc-go"):
		app = "App"
	}
	var system string
	switch {
	case has("Android"):
		system = "Android"
	case has("iPhone") || has("iPad"):
		system = "iOS"
	case has("Windows"):
		system = "Windows"
	case has("Mac OS X") || has("Macintosh"):
		system = "macOS"
	case has("Linux"):
		system = "Linux"
	}
	switch {
	case app != "" && system != "":
		return app + " on " + system
	case app != "":
		return app
	default:
		return system
	}
}
