package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"connectrpc.com/connect"
)

// Policy says who may call one procedure.
type Policy struct {
	// Public procedures may be called by anyone, signed in or not.
	Public bool
	// Roles, when not empty, limits a non-public procedure to callers holding
	// at least one of them. A non-public procedure with no Roles is open to
	// every signed-in caller.
	Roles []string
}

// Policies maps full procedure names, such as
// identityv1connect.IdentityServiceSignUpProcedure, to their Policy.
type Policies map[string]Policy

// NewInterceptor returns a Connect interceptor that authenticates the caller
// with a, puts the Principal into the handler's context and enforces p.
// A procedure without a policy is refused, so forgetting to declare one
// fails closed.
func NewInterceptor(a Authenticator, p Policies) connect.Interceptor {
	return &interceptor{authn: a, policies: p}
}

type interceptor struct {
	authn    Authenticator
	policies Policies
}

func (i *interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		ctx, err := i.authorize(ctx, req.Spec().Procedure, req.Header())
		if err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

func (i *interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i *interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		ctx, err := i.authorize(ctx, conn.Spec().Procedure, conn.RequestHeader())
		if err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

// authorize returns ctx with the caller's Principal, if any, or the error to
// send the caller.
func (i *interceptor) authorize(ctx context.Context, procedure string, h http.Header) (context.Context, error) {
	policy, ok := i.policies[procedure]
	if !ok {
		return ctx, connect.NewError(connect.CodePermissionDenied, errors.New("no access policy declared"))
	}
	principal, signedIn := Principal{}, false
	if token := TokenFromHeader(h); token != "" {
		p, err := i.authn.Authenticate(ctx, token)
		switch {
		case err == nil:
			principal, signedIn = p, true
			ctx = WithPrincipal(ctx, p)
		case errors.Is(err, ErrNoSession):
			// A stale token is treated like none: public procedures still work.
		default:
			return ctx, fmt.Errorf("authenticate caller: %w", err)
		}
	}
	if policy.Public {
		return ctx, nil
	}
	if !signedIn {
		return ctx, connect.NewError(connect.CodeUnauthenticated, errors.New("please log in"))
	}
	if len(policy.Roles) == 0 {
		return ctx, nil
	}
	for _, role := range policy.Roles {
		if principal.HasRole(role) {
			return ctx, nil
		}
	}
	return ctx, connect.NewError(connect.CodePermissionDenied,
		fmt.Errorf("this needs one of the roles: %s", strings.Join(policy.Roles, ", ")))
}
