package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// evalResult is one ranker's quality over a set of tasks.
type evalResult struct {
	ranker       string
	clients      string
	ndcg, recall float64
}

// TestOfflineEval measures ranking quality on a synthetic market with
// known true preferences (MATCH-1, MATCH-2): 5,000 providers, 300 clients
// with 6 past tasks each whose invites, proposals and hires follow the
// true preferences, then 2 new tasks per client. The truth for a task is
// its 20 providers of highest true utility (graded 3 for ranks 1-5, 2 for
// 6-10, 1 for 11-20). It reports NDCG@10 and recall@20 for the blended
// ranker, the plain 40/30/20/10 score and a uniform random slate, for
// returning clients and for clients new to the platform, and fails unless
// blended beats plain and plain beats random for returning clients.
// docs/matching.md shows its table: go test -run TestOfflineEval -v ./backend/matching/
func TestOfflineEval(t *testing.T) {
	t.Parallel()
	const (
		nProviders     = 5000
		nClients       = 300
		tasksPerClient = 6
		evalPerClient  = 2
	)
	s := newSynth(42)
	e := NewEngine(Config{ExploreSlots: -1}, func() time.Time { return s.now })
	provs := make([]synthProvider, nProviders)
	ps := make([]Provider, nProviders)
	for i := range provs {
		provs[i] = s.provider(i)
		ps[i] = provs[i].Provider
	}
	e.UpsertProviders(ps)
	e.LearnCF(s.history(e, provs, nClients, tasksPerClient))

	var eligible []int
	for i, p := range provs {
		if p.Available && p.Vetted && !p.Flagged {
			eligible = append(eligible, i)
		}
	}
	index := map[uuid.UUID]int{}
	for i, p := range provs {
		index[p.ID] = i
	}
	rng := rand.New(rand.NewPCG(7, 7))
	type acc struct{ ndcg, recall float64 }
	sums := map[[2]string]*acc{}
	counts := map[string]int{}
	for _, group := range []string{"returning", "new"} {
		for c := range nClients {
			for j := range evalPerClient {
				client := c
				if group == "new" {
					client = 10_000 + c // never seen in history
				}
				task := s.taskOfClient(2_000_000+c*evalPerClient+j+len(group)*100_000, client)
				// The truth: the top 20 by true utility.
				type cand struct {
					i int
					u float64
				}
				truth := make([]cand, 0, len(eligible))
				for _, i := range eligible {
					truth = append(truth, cand{i, trueUtility(e, provs[i], task)})
				}
				sortDesc(truth, func(c cand) float64 { return c.u })
				grade := map[int]float64{}
				for r, cd := range truth[:20] {
					switch {
					case r < 5:
						grade[cd.i] = 3
					case r < 10:
						grade[cd.i] = 2
					default:
						grade[cd.i] = 1
					}
				}
				rankers := map[string][]int{}
				for name, opt := range map[string]RankOptions{"blended": {NoExplore: true}, "plain 40/30/20/10": {NoExplore: true, NoCF: true}} {
					for _, m := range e.RecommendProviders(task.Task, 20, opt) {
						rankers[name] = append(rankers[name], index[m.ProviderID])
					}
				}
				perm := rng.Perm(len(eligible))[:20]
				for _, k := range perm {
					rankers["random"] = append(rankers["random"], eligible[k])
				}
				for name, ranked := range rankers {
					k := [2]string{name, group}
					if sums[k] == nil {
						sums[k] = &acc{}
					}
					sums[k].ndcg += ndcgAt(ranked, grade, 10)
					sums[k].recall += recallAt(ranked, grade, 20)
				}
				counts[group]++
			}
		}
	}
	var results []evalResult
	for k, a := range sums {
		n := float64(counts[k[1]])
		results = append(results, evalResult{ranker: k[0], clients: k[1], ndcg: a.ndcg / n, recall: a.recall / n})
	}
	slices.SortFunc(results, func(a, b evalResult) int {
		return strings.Compare(b.clients+a.ranker, a.clients+b.ranker)
	})
	var b strings.Builder
	fmt.Fprintf(&b, "\n| Ranker | Clients | NDCG@10 | Recall@20 |\n|---|---|---|---|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %s | %.3f | %.3f |\n", r.ranker, r.clients, r.ndcg, r.recall)
	}
	t.Log(b.String())

	get := func(ranker, clients string) evalResult {
		for _, r := range results {
			if r.ranker == ranker && r.clients == clients {
				return r
			}
		}
		t.Fatalf("no result for %s/%s", ranker, clients)
		return evalResult{}
	}
	blended, plain, random := get("blended", "returning"), get("plain 40/30/20/10", "returning"), get("random", "returning")
	if blended.ndcg <= plain.ndcg || blended.recall <= plain.recall {
		t.Errorf("returning clients: blended %+v does not beat plain %+v", blended, plain)
	}
	if plain.ndcg <= random.ndcg || plain.recall <= random.recall {
		t.Errorf("returning clients: plain %+v does not beat random %+v", plain, random)
	}
}

// ndcgAt is the normalised discounted cumulative gain of the first k of
// ranked against graded relevance (gain 2^g - 1).
func ndcgAt(ranked []int, grade map[int]float64, k int) float64 {
	dcg := 0.0
	for r, i := range ranked[:min(k, len(ranked))] {
		dcg += (math.Pow(2, grade[i]) - 1) / math.Log2(float64(r)+2)
	}
	ideal := make([]float64, 0, len(grade))
	for _, g := range grade {
		ideal = append(ideal, g)
	}
	slices.SortFunc(ideal, func(a, b float64) int { return int(b - a) })
	idcg := 0.0
	for r, g := range ideal[:min(k, len(ideal))] {
		idcg += (math.Pow(2, g) - 1) / math.Log2(float64(r)+2)
	}
	if idcg == 0 {
		return 0
	}
	return dcg / idcg
}

// recallAt is the share of the relevant items found in the first k.
func recallAt(ranked []int, grade map[int]float64, k int) float64 {
	hit := 0
	for _, i := range ranked[:min(k, len(ranked))] {
		if grade[i] > 0 {
			hit++
		}
	}
	return float64(hit) / float64(len(grade))
}
