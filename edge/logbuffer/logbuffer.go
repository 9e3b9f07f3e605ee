// Package logbuffer is a Caddy log writer module, talent_buffered, that
// batches log lines before they reach stderr, stdout or a file.
//
// Caddy's own stderr writer makes one write(2) per log line. The access log
// writes a line per request, so on a busy edge that system call is a
// noticeable part of the per-request cost (about 5 µs of CPU in
// `make bench-edge`). talent_buffered collects lines in memory and writes
// them in batches: when the batch would pass Size, and at least every
// FlushInterval, and on Close (config unload and shutdown). Each write(2)
// carries whole lines and at most pipeAtomic bytes, so lines from this
// writer and from other writers on the same pipe never interleave inside a
// line.
//
// The cost: a line reaches the output up to FlushInterval late, and a crash
// (not a graceful stop) loses at most one FlushInterval of lines.
//
//	log {
//		output talent_buffered stderr {
//			flush_interval 200ms
//		}
//	}
package logbuffer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// Defaults of the configuration.
const (
	DefaultFlushInterval = 200 * time.Millisecond
	DefaultSize          = 64 << 10
)

// pipeAtomic is PIPE_BUF on Linux: writes up to this size to a pipe are
// atomic.
const pipeAtomic = 4096

func init() {
	caddy.RegisterModule(Writer{})
}

// Writer batches log lines for stderr, stdout or a file. See the package
// documentation.
type Writer struct {
	// Target is "stderr", "stdout" or the path of a file to append to.
	Target string `json:"target,omitempty"`
	// Size is how many bytes are held at most before a write.
	// Default: 64 KiB.
	Size int `json:"size,omitempty"`
	// FlushInterval is the longest a line is held. Default: 200ms.
	FlushInterval caddy.Duration `json:"flush_interval,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (Writer) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "caddy.logging.writers.talent_buffered",
		New: func() caddy.Module { return new(Writer) },
	}
}

// Provision fills in the defaults.
func (w *Writer) Provision(caddy.Context) error {
	if w.Target == "" {
		w.Target = "stderr"
	}
	if w.Size == 0 {
		w.Size = DefaultSize
	}
	if w.FlushInterval == 0 {
		w.FlushInterval = caddy.Duration(DefaultFlushInterval)
	}
	return w.Validate()
}

// Validate checks the configuration.
func (w *Writer) Validate() error {
	if w.Size < 0 || w.Size > 16<<20 {
		return fmt.Errorf("validate size %d: want up to 16 MiB", w.Size)
	}
	if w.FlushInterval < 0 {
		return fmt.Errorf("validate flush_interval %s: must be positive", time.Duration(w.FlushInterval))
	}
	return nil
}

func (w Writer) String() string { return "buffered " + w.Target }

// WriterKey identifies the underlying output, so that a config reload
// keeps the same buffer and goroutine.
func (w Writer) WriterKey() string { return "talent_buffered:" + w.Target }

// OpenWriter starts the buffer and its flusher.
func (w Writer) OpenWriter() (io.WriteCloser, error) {
	var out io.Writer
	var closeOut func() error
	switch w.Target {
	case "stderr", "":
		out = os.Stderr
	case "stdout":
		out = os.Stdout
	default:
		f, err := os.OpenFile(w.Target, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, fmt.Errorf("open log file: %w", err)
		}
		out, closeOut = f, f.Close
	}
	size := w.Size
	if size == 0 {
		size = DefaultSize
	}
	interval := time.Duration(w.FlushInterval)
	if interval == 0 {
		interval = DefaultFlushInterval
	}
	b := newBuffer(out, closeOut, size, interval)
	// Caddy closes a log writer when a config that no longer uses it
	// replaces the one that did, but not when the process exits: flush
	// then too, so a graceful stop loses no line.
	exitHook.Do(func() { caddy.OnExit(func(context.Context) { flushAll() }) })
	open.Store(b, struct{}{})
	return b, nil
}

// open holds the buffers not yet closed, for the exit hook: like Caddy's
// own writer pool, it has to be reachable from outside any one config.
var (
	open     sync.Map // *buffer -> struct{}
	exitHook sync.Once
)

// flushAll writes out every open buffer.
func flushAll() {
	open.Range(func(k, _ any) bool {
		b := k.(*buffer)
		b.mu.Lock()
		b.flushLocked()
		b.mu.Unlock()
		return true
	})
}

// buffer holds lines until a flush.
type buffer struct {
	out      io.Writer
	closeOut func() error
	size     int

	mu  sync.Mutex
	buf []byte
	err error // the last write error, returned by the next Write

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func newBuffer(out io.Writer, closeOut func() error, size int, interval time.Duration) *buffer {
	b := &buffer{out: out, closeOut: closeOut, size: size, buf: make([]byte, 0, size),
		stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushLoop(interval)
	return b
}

// Write appends p (zap writes one whole entry per call) and writes the
// batch out first if p would not fit.
func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > b.size {
		b.flushLocked()
	}
	if len(p) > b.size {
		b.writeLocked(p)
	} else {
		b.buf = append(b.buf, p...)
	}
	err := b.err
	b.err = nil
	return len(p), err
}

func (b *buffer) flushLoop(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.mu.Lock()
			b.flushLocked()
			b.mu.Unlock()
		}
	}
}

func (b *buffer) flushLocked() {
	b.writeLocked(b.buf)
	b.buf = b.buf[:0]
}

// writeLocked writes p in pieces of whole lines of at most pipeAtomic
// bytes (a longer line goes alone).
func (b *buffer) writeLocked(p []byte) {
	for len(p) > 0 {
		n := len(p)
		if n > pipeAtomic {
			n = bytes.LastIndexByte(p[:pipeAtomic], '\n') + 1
			if n == 0 { // one line longer than pipeAtomic
				if n = bytes.IndexByte(p, '\n') + 1; n == 0 {
					n = len(p)
				}
			}
		}
		if _, err := b.out.Write(p[:n]); err != nil {
			b.err = err
		}
		p = p[n:]
	}
}

// Close writes what is held and stops the flusher.
func (b *buffer) Close() error {
	var err error
	b.once.Do(func() {
		open.Delete(b)
		close(b.stop)
		<-b.done
		b.mu.Lock()
		b.flushLocked()
		err = b.err
		b.mu.Unlock()
		if b.closeOut != nil {
			err = closeOutErr(err, b.closeOut())
		}
	})
	return err
}

func closeOutErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// UnmarshalCaddyfile sets up the writer from Caddyfile tokens:
//
//	output talent_buffered [stderr|stdout|<file>] {
//		size           <bytes>
//		flush_interval <duration>
//	}
func (w *Writer) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the module name
	if d.NextArg() {
		w.Target = d.Val()
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "size":
			if !d.NextArg() {
				return d.ArgErr()
			}
			var n int
			if _, err := fmt.Sscan(d.Val(), &n); err != nil {
				return d.Errf("parse size %q: %v", d.Val(), err)
			}
			w.Size = n
		case "flush_interval":
			if !d.NextArg() {
				return d.ArgErr()
			}
			dur, err := caddy.ParseDuration(d.Val())
			if err != nil {
				return d.Errf("parse flush_interval %q: %v", d.Val(), err)
			}
			w.FlushInterval = caddy.Duration(dur)
		default:
			return d.Errf("unknown subdirective %q", d.Val())
		}
		if d.NextArg() {
			return d.ArgErr()
		}
	}
	return nil
}

// Interface guards.
var (
	_ caddy.Provisioner     = (*Writer)(nil)
	_ caddy.Validator       = (*Writer)(nil)
	_ caddy.WriterOpener    = (*Writer)(nil)
	_ caddyfile.Unmarshaler = (*Writer)(nil)
	_ io.WriteCloser        = (*buffer)(nil)
)
