package tasks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// formatRef returns the readable reference of task number n, "T-000123".
func formatRef(n int64) string {
	return fmt.Sprintf("T-%06d", n)
}

// parseIDOrRef reads a task id (a UUID) or a reference ("T-000123", also
// "t-123"). Exactly one of id and refNo is set when ok.
func parseIDOrRef(s string) (id uuid.UUID, refNo int64, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "T-" || s[:2] == "t-") {
		digits := s[2:]
		if strings.HasPrefix(digits, "+") {
			return uuid.Nil, 0, false
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n <= 0 {
			return uuid.Nil, 0, false
		}
		return uuid.Nil, n, true
	}
	if len(s) != 36 {
		return uuid.Nil, 0, false
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, 0, false
	}
	return id, 0, true
}
