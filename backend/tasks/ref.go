package tasks

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

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

// cursor is a position in the newest-first task order: the next page
// holds tasks strictly after it.
type cursor struct {
	createTime time.Time
	id         uuid.UUID
}

// startCursor is before every task: later than any create_time and the
// largest id.
func startCursor() cursor {
	return cursor{createTime: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), id: uuid.Max}
}

// encodePageToken makes the opaque page token for c: unpadded base64url of
// the create time in Unix microseconds (Postgres' precision) followed by
// the 16 id bytes.
func encodePageToken(c cursor) string {
	b := make([]byte, 8, 24)
	binary.BigEndian.PutUint64(b, uint64(c.createTime.UnixMicro()))
	b = append(b, c.id[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken reads a token made by encodePageToken.
func decodePageToken(token string) (cursor, bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != 24 {
		return cursor{}, false
	}
	id, err := uuid.FromBytes(b[8:])
	if err != nil {
		return cursor{}, false
	}
	return cursor{createTime: time.UnixMicro(int64(binary.BigEndian.Uint64(b[:8]))).UTC(), id: id}, true
}
