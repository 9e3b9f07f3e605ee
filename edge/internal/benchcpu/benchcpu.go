// Package benchcpu reports a benchmark's CPU time per operation. On a
// machine shared with other work, ns/op (wall time) grows with the load
// next door; the CPU time the process spent per operation does not, so the
// edge's module benchmarks report it as cpu-ns/op (docs/ops/benchmarks.md).
package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

// Now returns the CPU time (user and system) the process has used.
func Now(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Report reports the CPU time used since start per operation, as
// cpu-ns/op. Call it after the benchmark loop.
func Report(b *testing.B, start time.Duration) {
	if used := Now(b) - start; used > 0 && b.N > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
