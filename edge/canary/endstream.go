package canary

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxEndFrame bounds the end-of-stream frame kept for inspection; a longer
// one is not inspected.
const maxEndFrame = 16 << 10

// endStream finds the status that Connect streaming and gRPC-Web responses
// carry in their last frame, inside the body rather than in headers or
// trailers. It reads the length-prefixed envelopes as they stream past and
// keeps only the bytes of the end-of-stream frame; data frames are skipped
// without copying.
type endStream struct {
	flag     byte // 0x02 for Connect, 0x80 for gRPC-Web
	hdr      [5]byte
	hdrN     int
	left     uint32 // bytes of the current frame's payload still to come
	keep     bool   // the current frame is the end-of-stream frame
	frame    []byte
	frameFlg byte
	done     bool
}

// newEndStream returns a parser for responses of contentType, or nil when
// the protocol reports its status in headers or trailers.
func newEndStream(contentType string) *endStream {
	switch {
	case strings.HasPrefix(contentType, "application/connect+"):
		return &endStream{flag: 0x02}
	case strings.HasPrefix(contentType, "application/grpc-web+"), contentType == "application/grpc-web":
		return &endStream{flag: 0x80}
	}
	return nil
}

func (e *endStream) write(p []byte) {
	for len(p) > 0 && !e.done {
		if e.left == 0 && e.hdrN < 5 {
			n := copy(e.hdr[e.hdrN:], p)
			e.hdrN += n
			p = p[n:]
			if e.hdrN < 5 {
				return
			}
			e.left = binary.BigEndian.Uint32(e.hdr[1:])
			e.keep = e.hdr[0]&e.flag != 0
			e.frameFlg = e.hdr[0]
			if e.keep && e.left > maxEndFrame {
				e.done = true // too long to inspect
				return
			}
			if e.left == 0 {
				e.endFrame()
			}
			continue
		}
		n := min(uint32(len(p)), e.left)
		if e.keep {
			e.frame = append(e.frame, p[:n]...)
		}
		e.left -= n
		p = p[n:]
		if e.left == 0 {
			e.endFrame()
		}
	}
}

func (e *endStream) endFrame() {
	e.hdrN = 0
	if e.keep {
		e.done = true
	}
}

// status returns the gRPC status code the end-of-stream frame reported, as
// a decimal string ("0" for success), or "" when there was none to read.
// contentEncoding is the stream's message encoding for a compressed frame.
func (e *endStream) status(contentEncoding string) string {
	if e == nil || !e.done || !e.keep || e.left != 0 {
		return ""
	}
	frame := e.frame
	if e.frameFlg&0x01 != 0 {
		if contentEncoding != "gzip" {
			return ""
		}
		zr, err := gzip.NewReader(bytes.NewReader(frame))
		if err != nil {
			return ""
		}
		frame, err = io.ReadAll(io.LimitReader(zr, maxEndFrame))
		if err != nil {
			return ""
		}
	}
	if e.flag == 0x80 {
		// gRPC-Web trailers: HTTP/1 header lines.
		for line := range strings.Lines(string(frame)) {
			name, value, ok := strings.Cut(line, ":")
			if ok && strings.EqualFold(strings.TrimSpace(name), "grpc-status") {
				return strings.TrimSpace(value)
			}
		}
		return ""
	}
	var end struct {
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(frame, &end); err != nil {
		return ""
	}
	if end.Error == nil {
		return "0"
	}
	for i, name := range grpcCodeNames {
		if name == end.Error.Code {
			return strconv.Itoa(i)
		}
	}
	return strconv.Itoa(2) // an unknown code string: unknown
}

// encodingOf returns the message encoding of a streaming response.
func encodingOf(h http.Header) string {
	if v := h.Get("Connect-Content-Encoding"); v != "" {
		return v
	}
	return h.Get("Grpc-Encoding")
}
