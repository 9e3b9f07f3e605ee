package logbuffer

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/talent-hub/talent/edge/internal/caddyfiletest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the adapted Caddyfiles")

// recorder is an output that keeps every write(2) apart.
type recorder struct {
	mu     sync.Mutex
	writes [][]byte
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

func (r *recorder) snapshot() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.writes...)
}

func line(i int) []byte {
	return fmt.Appendf(nil, `{"msg":"handled request","n":%d,"pad":"%s"}`+"\n", i, strings.Repeat("x", i%300))
}

// TestBatchesWholeLines writes many lines: they arrive complete, in order,
// in far fewer writes than lines, none longer than a pipe's atomic write
// unless a single line is.
func TestBatchesWholeLines(t *testing.T) {
	t.Parallel()
	out := new(recorder)
	b := newBuffer(out, nil, 16<<10, time.Hour)
	var want bytes.Buffer
	const lines = 2000
	for i := range lines {
		l := line(i)
		want.Write(l)
		if _, err := b.Write(l); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	long := append(bytes.Repeat([]byte("y"), 3*pipeAtomic), '\n')
	want.Write(long)
	b.Write(long)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	writes := out.snapshot()
	var got bytes.Buffer
	for _, w := range writes {
		if len(w) == 0 || w[len(w)-1] != '\n' {
			t.Fatalf("a write ends inside a line: %q", w[max(0, len(w)-40):])
		}
		if len(w) > pipeAtomic && bytes.Count(w, []byte("\n")) > 1 {
			t.Fatalf("a write of %d bytes holds several lines: more than a pipe writes atomically", len(w))
		}
		got.Write(w)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("output differs from the lines written (%d vs %d bytes)", got.Len(), want.Len())
	}
	if len(writes) > lines/5 {
		t.Fatalf("%d writes for %d lines: not batched", len(writes), lines)
	}
}

// TestFlushInterval: a line written alone reaches the output without a
// Close, by the flusher.
func TestFlushInterval(t *testing.T) {
	t.Parallel()
	out := new(recorder)
	b := newBuffer(out, nil, DefaultSize, 10*time.Millisecond)
	defer b.Close()
	b.Write(line(1))
	deadline := time.Now().Add(10 * time.Second)
	for len(out.snapshot()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the line was not flushed by the interval")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := out.snapshot()[0]; !bytes.Equal(got, line(1)) {
		t.Fatalf("flushed %q, want %q", got, line(1))
	}
}

// TestCaddyfileGolden adapts testdata/*.caddyfile (go test -update
// rewrites the golden JSON).
func TestCaddyfileGolden(t *testing.T) {
	t.Parallel()
	caddyfiletest.Golden(t, *update)
}

func TestCaddyfileErrors(t *testing.T) {
	t.Parallel()
	caddyfiletest.Errors(t, []caddyfiletest.Case{
		{Name: "unknown option", Body: ":80 {\n\tlog {\n\t\toutput talent_buffered {\n\t\t\tsoon 1\n\t\t}\n\t}\n}\n"},
		{Name: "two outputs", Body: ":80 {\n\tlog {\n\t\toutput talent_buffered stderr stdout\n\t}\n}\n"},
		{Name: "bad interval", Body: ":80 {\n\tlog {\n\t\toutput talent_buffered {\n\t\t\tflush_interval soon\n\t\t}\n\t}\n}\n"},
	})
}

// TestFlushAllAtExit: the exit hook writes out what an open writer holds
// (Caddy closes log writers on a config change, not when it exits), and
// Close writes the rest.
func TestFlushAllAtExit(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "access.log")
	w := &Writer{Target: path, FlushInterval: caddy.Duration(time.Hour)}
	if err := w.Provision(caddy.Context{}); err != nil {
		t.Fatal(err)
	}
	wc, err := w.OpenWriter()
	if err != nil {
		t.Fatalf("OpenWriter: %v", err)
	}
	wc.Write(line(1))
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("file holds %q before any flush, want nothing yet", b)
	}
	flushAll()
	if b, _ := os.ReadFile(path); !bytes.Equal(b, line(1)) {
		t.Fatalf("after the exit flush the file holds %q, want %q", b, line(1))
	}
	wc.Write(line(2))
	if err := wc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, append(line(1), line(2)...)) {
		t.Fatalf("after Close the file holds %q", b)
	}
}
