package pages

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/talent-hub/talent/webapp/ui"
)

// TestPrerenderViews: renders in different views (language, signed out)
// running at the same time each see their own view the whole time, and
// every render runs (none is left waiting).
func TestPrerenderViews(t *testing.T) {
	Register(nil)
	views := []ServerView{{Lang: ui.English}, {Lang: ui.Chinese}, {Lang: ui.Chinese, SignedOut: true}, {Lang: ui.English, SignedOut: true}}
	var wrong, ran atomic.Int64
	var wg sync.WaitGroup
	for i := range 200 {
		v := views[i%len(views)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			Prerender(v, func() {
				ran.Add(1)
				for range 100 {
					serverPages.mu.Lock()
					e := serverPages.e
					serverPages.mu.Unlock()
					if e.lang != v.Lang || e.signedOut != v.SignedOut {
						wrong.Add(1)
					}
				}
			})
		}()
	}
	wg.Wait()
	if wrong.Load() != 0 || ran.Load() != 200 {
		t.Fatalf("%d of %d renders ran, %d reads saw another view", ran.Load(), 200, wrong.Load())
	}
}
