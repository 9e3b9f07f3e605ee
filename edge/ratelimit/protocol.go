package ratelimit

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// writeError refuses the request in the protocol the client spoke, with the
// code resource_exhausted (gRPC status 8).
func writeError(w http.ResponseWriter, r *http.Request, msg string) {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	switch {
	case strings.HasPrefix(ct, "application/grpc-web"):
		// Trailers-only: the status travels in the headers, no body.
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Grpc-Status", "8")
		w.Header().Set("Grpc-Message", grpcMessage(msg))
		w.WriteHeader(http.StatusOK)
	case strings.HasPrefix(ct, "application/grpc"):
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Grpc-Status", "8")
		w.Header().Set("Grpc-Message", grpcMessage(msg))
		w.WriteHeader(http.StatusOK)
	case strings.HasPrefix(ct, "application/connect+"):
		// A Connect stream: HTTP 200 and an end-of-stream message (flag
		// 0x02) carrying the error as JSON, whatever the codec.
		end, _ := json.Marshal(map[string]any{"error": connectError(msg)})
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		var prefix [5]byte
		prefix[0] = 0x02
		binary.BigEndian.PutUint32(prefix[1:], uint32(len(end)))
		w.Write(prefix[:])
		w.Write(end)
	case isConnectUnary(r, ct):
		body, _ := json.Marshal(connectError(msg))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write(body)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(msg + "\n"))
	}
}

func connectError(msg string) map[string]string {
	return map[string]string{"code": "resource_exhausted", "message": msg}
}

// isConnectUnary reports whether r is a Connect unary call: a POST with a
// Connect codec's content type, or a GET with the connect=v1 query.
func isConnectUnary(r *http.Request, ct string) bool {
	if r.Header.Get("Connect-Protocol-Version") != "" {
		return true
	}
	if r.Method == http.MethodGet {
		return r.URL.Query().Get("connect") == "v1"
	}
	base, _, _ := strings.Cut(ct, ";")
	base = strings.TrimSpace(base)
	return r.Method == http.MethodPost && (base == "application/json" || base == "application/proto")
}

// grpcMessage percent-encodes a grpc-message value as the gRPC spec asks.
func grpcMessage(msg string) string {
	var b strings.Builder
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c < 0x20 || c > 0x7e || c == '%' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
