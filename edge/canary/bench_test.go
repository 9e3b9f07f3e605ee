package canary_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/talent-hub/talent/edge/canary"
)

// BenchmarkSplit sends 100,000 synthetic signed-in users through the
// handler at weights 10, 20 and 10 again (OPS-4) and reports the canary's
// share at 10 % (goal: 10 ± 0.5) and the share of users whose bucket no
// change crossed that kept their side throughout (goal: 100). Run it with
// `make bench-canary`.
func BenchmarkSplit(b *testing.B) {
	const users = 100_000
	weights := []float64{10, 20, 10}
	var share, sticky float64
	for b.Loop() {
		sides := make([][]bool, len(weights)) // canary?
		for k, weight := range weights {
			h := newHandler(b, "bench-split-"+strconv.Itoa(k), weight, nil)
			sides[k] = make([]bool, users)
			for i := range users {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.AddCookie(&http.Cookie{Name: canary.DefaultUserCookie, Value: userID(i)})
				sides[k][i] = side(b, h, r) == canary.Canary
			}
		}
		n, kept, uncrossed := 0, 0, 0
		for i := range users {
			if sides[0][i] {
				n++
			}
			if bkt := canary.UserBucket(userID(i)); bkt < 1000 || bkt >= 2000 {
				uncrossed++
				if sides[0][i] == sides[1][i] && sides[1][i] == sides[2][i] {
					kept++
				}
			}
		}
		share = 100 * float64(n) / users
		sticky = 100 * float64(kept) / float64(uncrossed)
	}
	b.ReportMetric(share, "canary_%_at_10")
	b.ReportMetric(sticky, "sticky_%")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*users*len(weights)), "ns/request")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkBucket measures the hash that places a user.
func BenchmarkBucket(b *testing.B) {
	id := userID(12345)
	for b.Loop() {
		canary.UserBucket(id)
	}
}

func side(b *testing.B, h *canary.Handler, r *http.Request) string {
	_, s := serve(b, h, r, http.StatusOK)
	return s
}
