package sms_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/talent-hub/talent/backend/sms"
)

// TestLogSender checks that the development sender logs the code and says
// it was not sent (ID-1).
func TestLogSender(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := sms.LogSender{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	if err := s.SendCode(t.Context(), "+8613812345678", "123456"); err != nil {
		t.Fatalf("SendCode: %v", err)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	want := map[string]any{
		"msg":   "dev SMS sender: code for +8613812345678 is 123456 — not sent",
		"level": "WARN",
		"phone": "+8613812345678",
		"code":  "123456",
	}
	for k, v := range want {
		if line[k] != v {
			t.Fatalf("log %s = %v, want %v", k, line[k], v)
		}
	}
}
