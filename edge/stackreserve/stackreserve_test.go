package stackreserve

import (
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"testing"
	"unsafe"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/talent-hub/talent/edge/internal/caddyfiletest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the adapted Caddyfiles")

// deep uses about n KB of stack in 1 KB frames.
//
//go:noinline
func deep(n int) byte {
	var buf [1 << 10]byte
	buf[n%len(buf)] = byte(n)
	if n > 1 {
		buf[0] += deep(n - 1)
	}
	return buf[(n*7)%len(buf)]
}

// TestReserveKeepsItsFrame checks that after reserve a request's worth of
// calls (10 KB of frames) runs without the runtime moving the goroutine's
// stack, which it does whenever the stack grows: so reserve really grew
// it (a compiler that dropped its array would fail this), once.
func TestReserveKeepsItsFrame(t *testing.T) {
	t.Parallel()
	moved := make(chan bool)
	go func() {
		var x byte
		reserve(3)
		before := uintptr(unsafe.Pointer(&x))
		x = deep(10)
		moved <- uintptr(unsafe.Pointer(&x)) != before
	}()
	if <-moved {
		t.Fatal("the stack grew after reserve: it did not make room for 10 KB of calls")
	}
	// Without reserve the same calls do move a new goroutine's stack:
	// the check above can fail.
	go func() {
		var x byte
		before := uintptr(unsafe.Pointer(&x))
		x = deep(10)
		moved <- uintptr(unsafe.Pointer(&x)) != before
	}()
	if !<-moved {
		t.Skip("a new goroutine's stack already had room for 10 KB (the runtime's adaptive start size): the check above proved nothing")
	}
}

// TestServeHTTP checks the handler passes the request, the writer and
// the next handler's error through.
func TestServeHTTP(t *testing.T) {
	t.Parallel()
	want := errors.New("from next")
	r := httptest.NewRequest(http.MethodGet, "/talent.tasks.v1.TaskService/GetTask", nil)
	w := httptest.NewRecorder()
	var gotW http.ResponseWriter
	var gotR *http.Request
	err := Handler{}.ServeHTTP(w, r, caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		gotW, gotR = w, r
		return want
	}))
	if err != want || gotW != w || gotR != r {
		t.Fatalf("next got %v %v and returned %v: want the same writer, request and error", gotW, gotR, err)
	}
}

func TestCaddyfileGolden(t *testing.T) {
	t.Parallel()
	caddyfiletest.Golden(t, *update)
}

func TestCaddyfileErrors(t *testing.T) {
	t.Parallel()
	caddyfiletest.Errors(t, []caddyfiletest.Case{
		{Name: "argument", Body: ":80 {\n\ttalent_stack_reserve 16k\n}\n"},
		{Name: "block", Body: ":80 {\n\ttalent_stack_reserve {\n\t\tsize 1\n\t}\n}\n"},
	})
}

// BenchmarkDeepRequest runs a request's worth of stack (24 KB of frames,
// 1 KB each) on a new goroutine, as the HTTP/2 server does for every
// request, with and without reserving first; cpu-ns/op is what stack
// growth costs either way (docs/ops/benchmarks.md).
func BenchmarkDeepRequest(b *testing.B) {
	for _, withReserve := range []bool{false, true} {
		name := "grow_as_needed"
		if withReserve {
			name = "reserve_first"
		}
		b.Run(name, func(b *testing.B) {
			done := make(chan byte)
			for b.Loop() {
				go func() {
					if withReserve {
						reserve(1)
					}
					done <- deep(12)
				}()
				<-done
			}
		})
	}
}
