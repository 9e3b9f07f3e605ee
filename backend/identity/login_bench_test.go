package identity

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/testenv"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
)

// BenchmarkLogIn50Concurrent measures password login as a person does it
// (Argon2id verification, the Redis abuse counters, a session row) with 50
// logins in flight at once, 50 accounts from one address (the per-IP limit
// raised as for a company NAT). It reports the latency's p50 and p99: the
// figure the identity issue asks for (`make bench`).
func BenchmarkLogIn50Concurrent(b *testing.B) {
	const workers = 50
	db := testenv.DB(b)
	_, rdb := testenv.Redis(b)
	svc := New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{
		Redis: rdb, Limits: DefaultLimits().ScalePerIP(1_000_000),
	})
	emails := make([]string, workers)
	for i := range emails {
		emails[i] = fmt.Sprintf("bench-%d@example.com", i)
		if _, err := svc.SignUp(b.Context(), connect.NewRequest(validSignUp(emails[i]))); err != nil {
			b.Fatalf("SignUp: %v", err)
		}
	}
	password := validSignUp("").GetPassword()

	var (
		mu   sync.Mutex
		lat  = make([]time.Duration, 0, b.N)
		next atomic.Int64
		wg   sync.WaitGroup
	)
	b.ResetTimer()
	for w := range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				start := time.Now()
				_, err := svc.LogIn(b.Context(), connect.NewRequest(&identityv1.LogInRequest{
					Email: emails[w], Password: password, WantBearerToken: true,
				}))
				d := time.Since(start)
				if err != nil {
					b.Errorf("LogIn: %v", err)
					return
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op") // per-op time is meaningless with 50 in flight
}
