// Package logfield adds a field to the request's line of Caddy's own
// access log (the `log` directive), for the edge modules that say
// something there (the request ID, the canary side).
package logfield

import (
	"net/http"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

// Set sets f on the request's Caddy access log line. It does nothing when
// the request's server writes no Caddy access log (the edge writes its
// own with talent_access_log, which reads variables instead): a field
// costs an allocation per request. Requests from no server, as in tests,
// get the field.
func Set(r *http.Request, f zap.Field) {
	extra, ok := r.Context().Value(caddyhttp.ExtraLogFieldsCtxKey).(*caddyhttp.ExtraLogFields)
	if !ok {
		return
	}
	if srv, _ := r.Context().Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server); srv != nil && srv.Logs == nil {
		return
	}
	extra.Set(f)
}
