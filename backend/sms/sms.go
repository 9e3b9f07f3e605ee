// Package sms has the development text-message sender, which writes each
// message to the log instead of sending it. Adapters for real SMS providers
// are in its subpackages (aliyun).
package sms

import (
	"context"
	"fmt"
	"log/slog"
)

// LogSender writes login codes to its logger instead of texting them. It is
// for development and tests only: nothing reaches the phone.
type LogSender struct {
	Logger *slog.Logger
}

// DevLogMessage is the start of the log message LogSender writes; tests
// find the code in the line's "code" attribute.
const DevLogMessage = "dev SMS sender: code for "

// SendCode logs code for phone and says it was not sent.
func (s LogSender) SendCode(ctx context.Context, phone, code string) error {
	s.Logger.WarnContext(ctx, fmt.Sprintf("%s%s is %s — not sent", DevLogMessage, phone, code),
		"phone", phone, "code", code)
	return nil
}
