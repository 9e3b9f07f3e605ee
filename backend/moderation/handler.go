package moderation

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/talent-hub/talent/internal/keywordmatch"
)

// KeywordsHandler serves the lists in force to the edges on talentd's ops
// listener: GET /keywords/block.txt and /keywords/review.txt, text/plain
// UTF-8, one keyword per line after '#' comment lines, with a strong ETag
// naming the list's version; a request whose If-None-Match holds it gets
// 304 Not Modified. Each request first asks the database whether the list
// changed, so an edge sees a change on its next poll.
func KeywordsHandler(c *Checker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var list string
		switch r.URL.Path {
		case "/keywords/block.txt":
			list = listBlock
		case "/keywords/review.txt":
			list = listReview
		default:
			http.NotFound(w, r)
			return
		}
		s, err := c.Refresh(r.Context())
		if err != nil {
			c.logger.ErrorContext(r.Context(), "serve keyword list", "list", list, "error", err)
			if s == nil {
				http.Error(w, "keyword lists unavailable", http.StatusServiceUnavailable)
				return
			}
			// Serve the lists in force: an edge keeps working with them.
		}
		words, version := s.block, s.blockVersion
		if list == listReview {
			words, version = s.review, s.reviewVersion
		}
		// The version names the change; the content hash keeps a list
		// from a re-created database from passing for the one an edge has.
		etag := `"` + list + "-" + strconv.FormatInt(version, 10) + "-" + keywordmatch.ListsKey(words, nil)[:16] + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-cache")
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "# Talent %s list, version %d, from talentd (SEC-5): one keyword per line.\n", list, version)
		for _, word := range words {
			b.WriteString(word)
			b.WriteByte('\n')
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(b.Bytes())
	})
}

// etagMatch reports whether an If-None-Match header value names etag
// (strong comparison; "*" matches any).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
