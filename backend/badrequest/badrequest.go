// Package badrequest collects the invalid fields of a request and turns them
// into the error clients see: INVALID_ARGUMENT with one google.rpc.BadRequest
// field violation per field. Field is the proto field name; Reason is a
// stable UPPER_SNAKE code that the web app translates (webapp/ui);
// Description is an English sentence for API users.
package badrequest

import (
	"errors"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
)

// Violation is one invalid request field.
type Violation struct {
	Field       string
	Reason      string
	Description string
}

// Error lists every invalid field of a request.
type Error struct {
	Violations []Violation
}

// Error returns "invalid fields: " and the names of the invalid fields.
func (e *Error) Error() string {
	fields := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		fields[i] = v.Field
	}
	return "invalid fields: " + strings.Join(fields, ", ")
}

// List collects violations while a request is checked, so that a client
// learns about every bad field at once.
type List []Violation

// Add records that field is invalid for reason.
func (l *List) Add(field, reason, description string) {
	*l = append(*l, Violation{Field: field, Reason: reason, Description: description})
}

// Err returns an *Error, or nil when nothing was added.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return &Error{Violations: l}
}

// ConnectError returns the INVALID_ARGUMENT error for e, with its details.
func ConnectError(e *Error) *connect.Error {
	return WithDetail(connect.NewError(connect.CodeInvalidArgument, errors.New(e.Error())), Detail(e.Violations...))
}

// Detail builds the google.rpc.BadRequest detail for vs.
func Detail(vs ...Violation) *errdetails.BadRequest {
	br := &errdetails.BadRequest{}
	for _, v := range vs {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Reason:      v.Reason,
			Description: v.Description,
		})
	}
	return br
}

// WithDetail attaches detail to ce. Building a detail from a well-formed
// message cannot fail; if it did, the error is still sent without it.
func WithDetail(ce *connect.Error, detail proto.Message) *connect.Error {
	if d, err := connect.NewErrorDetail(detail); err == nil {
		ce.AddDetail(d)
	}
	return ce
}

// FromError returns the field violations of the google.rpc.BadRequest
// details in err, a Connect error as a client receives it; nil when there
// are none.
func FromError(err error) []Violation {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil
	}
	var vs []Violation
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if br, ok := v.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				vs = append(vs, Violation{Field: fv.GetField(), Reason: fv.GetReason(), Description: fv.GetDescription()})
			}
		}
	}
	return vs
}
