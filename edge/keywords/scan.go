package keywords

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/talent-hub/talent/internal/keywordmatch"
)

// maxReviewWords caps how many review keywords one request reports.
const maxReviewWords = 10

// maxProtoDepth caps how deep the schema-less protobuf walk recurses.
const maxProtoDepth = 32

// errTooLarge is returned when a body, or a message once decompressed, is
// larger than the limit.
var errTooLarge = errors.New("request too large")

// unsupportedEncodingError is returned for a compression the backend does
// not accept (it accepts identity and gzip only).
type unsupportedEncodingError struct{ encoding string }

func (e *unsupportedEncodingError) Error() string {
	return fmt.Sprintf("compression %q is not supported; send gzip or uncompressed", e.encoding)
}

// scan is the judgement of one request: the text pieces found in it are
// normalized and matched one by one. It stops at the first block keyword.
type scan struct {
	m        *Matcher
	max      int64
	sc       keywordmatch.Scanner
	blocked  string
	review   []string
	bytesIn  int64 // text bytes matched, before normalization
	inflated int64 // bytes produced by decompression so far
	maxDepth int
}

func newScan(m *Matcher, max int64) *scan {
	s := new(scan)
	s.reset(m, max)
	return s
}

// reset readies s for a new request, keeping its buffers.
func (s *scan) reset(m *Matcher, max int64) {
	*s = scan{m: m, max: max, maxDepth: maxProtoDepth, sc: s.sc, review: s.review[:0]}
}

// done reports whether a block keyword has been found.
func (s *scan) done() bool { return s.blocked != "" }

// text matches one piece of text. Pieces are matched separately, so a
// keyword split across two fields is not found.
func (s *scan) text(b []byte) {
	if s.done() || len(b) == 0 {
		return
	}
	s.bytesIn += int64(len(b))
	s.blocked, s.review = s.sc.First(s.m, b, s.review, maxReviewWords)
}

// query judges a URL query: every key and value, and a Connect GET
// request's message (base64, compression and encoding parameters).
func (s *scan) query(raw string) error {
	if raw == "" {
		return nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		// The backend would reject it; judge the raw form anyway.
		s.text([]byte(raw))
		return nil
	}
	for k, vs := range q {
		s.text([]byte(k))
		for _, v := range vs {
			s.text([]byte(v))
		}
	}
	msg, enc := q.Get("message"), q.Get("encoding")
	if msg == "" || (enc != "json" && enc != "proto") {
		return nil
	}
	data := []byte(msg)
	if q.Get("base64") == "1" {
		data, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(msg, "="))
		if err != nil {
			return nil // rejected by the backend
		}
	}
	if c := q.Get("compression"); c != "" && c != "identity" {
		data, err = s.decompress(c, data)
		if err != nil {
			return err
		}
	}
	s.message(enc == "json", data)
	return nil
}

// body judges a request body as the backend would read it, by its
// Content-Type and compression headers.
func (s *scan) body(h http.Header, body []byte) error {
	ct := mediaType(h.Get("Content-Type"))
	switch {
	case strings.HasPrefix(ct, "application/grpc-web"):
		if strings.HasPrefix(ct, "application/grpc-web-text") {
			dec, err := base64.StdEncoding.DecodeString(string(body))
			if err != nil {
				s.text(body)
				return nil
			}
			body = dec
		}
		return s.frames(body, strings.HasSuffix(ct, "+json"), h.Get("Grpc-Encoding"))
	case strings.HasPrefix(ct, "application/grpc"):
		return s.frames(body, strings.HasSuffix(ct, "+json"), h.Get("Grpc-Encoding"))
	case strings.HasPrefix(ct, "application/connect+"):
		return s.frames(body, strings.HasSuffix(ct, "+json"), h.Get("Connect-Content-Encoding"))
	}
	if ce := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding"))); ce != "" && ce != "identity" {
		dec, err := s.decompress(ce, body)
		if err != nil {
			return err
		}
		body = dec
	}
	switch {
	case ct == "application/json" || strings.HasSuffix(ct, "+json"):
		s.message(true, body)
	case ct == "application/proto" || ct == "application/protobuf" || ct == "application/x-protobuf":
		s.message(false, body)
	case ct == "application/x-www-form-urlencoded":
		return s.query(string(body))
	default:
		s.text(body)
	}
	return nil
}

// mediaType returns a Content-Type's media type in lower case, or "" when
// it is malformed. The Content-Types of Connect, gRPC and gRPC-Web RPCs as
// their clients send them are returned as they are, without parsing them
// (mime.ParseMediaType allocates a map of parameters per request).
func mediaType(contentType string) string {
	switch contentType {
	case "application/json", "application/proto", "application/connect+json", "application/connect+proto",
		"application/grpc", "application/grpc+proto", "application/grpc+json",
		"application/grpc-web", "application/grpc-web+proto", "application/grpc-web+json",
		"application/grpc-web-text", "application/grpc-web-text+proto":
		return contentType
	}
	ct, _, _ := mime.ParseMediaType(contentType)
	return strings.ToLower(ct)
}

// frames judges a body of length-prefixed messages: gRPC, gRPC-Web and
// Connect streaming all use a flags byte (bit 0: compressed) and a 4-byte
// big-endian length. A malformed rest is judged as raw text; the backend
// rejects it anyway.
func (s *scan) frames(body []byte, isJSON bool, encoding string) error {
	encoding = strings.ToLower(strings.TrimSpace(encoding))
	for len(body) > 0 && !s.done() {
		if len(body) < 5 {
			s.text(body)
			return nil
		}
		flags, n := body[0], binary.BigEndian.Uint32(body[1:5])
		if uint64(n) > uint64(len(body)-5) {
			s.text(body)
			return nil
		}
		msg := body[5 : 5+n]
		body = body[5+n:]
		if flags&1 != 0 && encoding != "" && encoding != "identity" {
			dec, err := s.decompress(encoding, msg)
			if err != nil {
				return err
			}
			msg = dec
		}
		s.message(isJSON, msg)
	}
	return nil
}

// message judges one message in the JSON or the binary protobuf encoding.
func (s *scan) message(isJSON bool, data []byte) {
	if isJSON {
		s.json(data)
		return
	}
	s.proto(data, 0)
}

// json judges every string in a JSON document, keys too, with escapes
// such as \u8d4c decoded. It does not validate the document: the backend
// rejects a broken one, and an unterminated string is judged as text.
func (s *scan) json(data []byte) {
	for i := 0; i < len(data) && !s.done(); i++ {
		if data[i] != '"' {
			continue
		}
		escaped := false
		end := -1
		for j := i + 1; j < len(data); j++ {
			if c := data[j]; c == '\\' {
				escaped = true
				j++
			} else if c == '"' {
				end = j
				break
			}
		}
		if end < 0 {
			s.text(data[i+1:])
			return
		}
		if !escaped {
			s.text(data[i+1 : end])
		} else {
			var str string
			if err := json.Unmarshal(data[i:end+1], &str); err != nil {
				s.text(data[i+1 : end])
			} else {
				s.text([]byte(str))
			}
		}
		i = end
	}
}

// proto walks the protobuf wire format without a schema: every
// length-delimited field that is valid UTF-8 is judged as text, and every
// one is also walked as a message in case it is one.
func (s *scan) proto(b []byte, depth int) {
	for len(b) > 0 && !s.done() {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return
		}
		b = b[n:]
		if typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return
		}
		b = b[n:]
		if utf8.Valid(v) {
			s.text(v)
		}
		if depth < s.maxDepth && len(v) > 1 {
			s.proto(v, depth+1)
		}
	}
}

// decompress undoes one compression. What all messages of a request
// decompress to together may not exceed the limit: Talent's RPCs are unary,
// and a stream of small frames that each inflate to the limit must not
// cost gigabytes.
func (s *scan) decompress(encoding string, data []byte) ([]byte, error) {
	if encoding != "gzip" {
		return nil, &unsupportedEncodingError{encoding: encoding}
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("read gzip header: %w", err)
	}
	budget := s.max - s.inflated
	out, err := io.ReadAll(io.LimitReader(zr, budget+1))
	if err != nil {
		return nil, fmt.Errorf("decompress gzip: %w", err)
	}
	if int64(len(out)) > budget {
		return nil, errTooLarge
	}
	s.inflated += int64(len(out))
	return out, nil
}
