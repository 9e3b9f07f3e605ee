package telemetry

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"
)

// errInternal is all a client learns about an unexpected failure.
var errInternal = errors.New("internal error")

// NewErrorInterceptor returns a Connect interceptor for handlers that keeps
// internal details out of responses. A *connect.Error passes through
// unchanged: services return those for everything a caller may know about.
// Any other error is logged to logger with the procedure and its full text,
// and the client gets CodeInternal "internal error". Context cancellation
// and deadline errors, which only mean the caller went away or ran out of
// time, become CodeCanceled and CodeDeadlineExceeded and are not logged as
// errors.
func NewErrorInterceptor(logger *slog.Logger) connect.Interceptor {
	return &errorInterceptor{logger: logger}
}

type errorInterceptor struct {
	logger *slog.Logger
}

func (i *errorInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		res, err := next(ctx, req)
		if err != nil {
			return nil, i.convert(ctx, req.Spec().Procedure, req.Header().Get(RequestIDHeader), err)
		}
		return res, nil
	}
}

func (i *errorInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i *errorInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := next(ctx, conn); err != nil {
			return i.convert(ctx, conn.Spec().Procedure, conn.RequestHeader().Get(RequestIDHeader), err)
		}
		return nil
	}
}

// RequestIDHeader carries the request ID the edge assigns to every request
// (edge/requestid); logs name it so one request can be followed from the edge
// to the backend.
const RequestIDHeader = "X-Request-Id"

func (i *errorInterceptor) convert(ctx context.Context, procedure, requestID string, err error) error {
	if _, ok := errors.AsType[*connect.Error](err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		i.logger.DebugContext(ctx, "rpc canceled", "procedure", procedure, "request_id", requestID, "error", err)
		return connect.NewError(connect.CodeCanceled, context.Canceled)
	case errors.Is(err, context.DeadlineExceeded):
		i.logger.WarnContext(ctx, "rpc deadline exceeded", "procedure", procedure, "request_id", requestID, "error", err)
		return connect.NewError(connect.CodeDeadlineExceeded, context.DeadlineExceeded)
	}
	i.logger.ErrorContext(ctx, "internal error", "procedure", procedure, "request_id", requestID, "error", err)
	return connect.NewError(connect.CodeInternal, errInternal)
}
