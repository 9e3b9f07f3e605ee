package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/talent-hub/talent/backend/audit/internal/db"
	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/postgres"
	auditv1 "github.com/talent-hub/talent/proto/talent/audit/v1"
	"github.com/talent-hub/talent/proto/talent/audit/v1/auditv1connect"
)

// Page sizes of ListAuditEntries.
const (
	defaultPageSize = 50
	maxPageSize     = 500
)

// Service serves talent.audit.v1: auditors read the log and check it.
type Service struct {
	db *postgres.DB
}

// Interface guard.
var _ auditv1connect.AuditServiceHandler = (*Service)(nil)

// New returns the audit service reading the log in db.
func New(db *postgres.DB) *Service { return &Service{db: db} }

// Policies declares who may call each RPC of the audit service (ID-3):
// auditors and admins read the log; ops may also check the chain.
func Policies() auth.Policies {
	return auth.Policies{
		auditv1connect.AuditServiceListAuditEntriesProcedure: {Roles: []string{auth.RoleAuditor, auth.RoleAdmin}},
		auditv1connect.AuditServiceVerifyAuditLogProcedure:   {Roles: []string{auth.RoleAuditor, auth.RoleAdmin, auth.RoleOps}},
	}
}

// ListAuditEntries returns entries newest first.
func (s *Service) ListAuditEntries(ctx context.Context, req *connect.Request[auditv1.ListAuditEntriesRequest]) (*connect.Response[auditv1.ListAuditEntriesResponse], error) {
	var bad badrequest.List
	params := db.ListEntriesParams{BeforeID: 1<<63 - 1, PageSize: defaultPageSize, ActionPrefix: req.Msg.GetActionPrefix()}
	if a := req.Msg.GetActorId(); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			bad.Add("actor_id", "ID_INVALID", "actor_id is not a user id")
		} else {
			params.ActorID = &id
		}
	}
	if !actionPrefixOK(params.ActionPrefix) || len(params.ActionPrefix) > 80 {
		bad.Add("action_prefix", "VALUE_INVALID", "an action prefix is lower-case letters, digits, '.' and '_'")
	}
	switch n := req.Msg.GetPageSize(); {
	case n < 0:
		bad.Add("page_size", "VALUE_INVALID", "page_size must not be negative")
	case n > maxPageSize:
		params.PageSize = maxPageSize
	case n > 0:
		params.PageSize = n
	}
	if t := req.Msg.GetPageToken(); t != "" {
		id, err := strconv.ParseInt(t, 10, 64)
		if err != nil || id <= 0 {
			bad.Add("page_token", "PAGE_TOKEN_INVALID", "page_token is not one this service returned")
		} else {
			params.BeforeID = id
		}
	}
	if err := bad.Err(); err != nil {
		var be *badrequest.Error
		errors.As(err, &be)
		return nil, badrequest.ConnectError(be)
	}
	rows, err := db.New(s.db.Replica).ListEntries(ctx, params)
	if err != nil {
		return nil, err
	}
	res := &auditv1.ListAuditEntriesResponse{}
	for _, r := range rows {
		e := &auditv1.AuditEntry{
			Id: r.ID, CreateTime: timestamppb.New(r.CreateTime), Action: r.Action,
			Target: r.Target, Ip: r.Ip, DetailJson: r.Detail, Hash: hex.EncodeToString(r.Hash),
		}
		if r.ActorID != nil {
			e.ActorId = r.ActorID.String()
		}
		res.Entries = append(res.Entries, e)
	}
	if len(rows) == int(params.PageSize) {
		res.NextPageToken = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	return connect.NewResponse(res), nil
}

// VerifyAuditLog checks the whole chain in one consistent snapshot.
func (s *Service) VerifyAuditLog(ctx context.Context, _ *connect.Request[auditv1.VerifyAuditLogRequest]) (*connect.Response[auditv1.VerifyAuditLogResponse], error) {
	res, err := VerifySnapshot(ctx, s.db.Primary)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&auditv1.VerifyAuditLogResponse{
		Checked: res.Checked, Intact: res.Intact(), FirstBrokenId: res.FirstBrokenID,
	}), nil
}
