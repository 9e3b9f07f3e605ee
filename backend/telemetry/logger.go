// Package telemetry gives the backend its logger and its RPC instruments: a
// metrics interceptor (requests, errors by Connect code, latency per
// procedure, OPS-1) and an error interceptor that keeps internal error
// details in the log and out of responses.
package telemetry

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// NewLogger returns a logger writing to w. format is "json" or "text";
// level is "debug", "info", "warn" or "error". Values ValidateLogConfig
// refuses fall back to JSON at info level.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if strings.EqualFold(format, "text") {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// ValidateLogConfig reports whether NewLogger understands format and level.
func ValidateLogConfig(format, level string) error {
	switch strings.ToLower(format) {
	case "json", "text":
	default:
		return fmt.Errorf("log format %q: want json or text", format)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	return nil
}
