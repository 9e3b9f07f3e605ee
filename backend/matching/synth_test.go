package matching

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/skills"
)

// The synthetic market of the benchmark and the offline evaluation: skills
// with a long tail (Zipf over the vocabulary and 400 rarer tags), cities
// weighted like China's tech hubs, ratings and rates that follow a hidden
// quality, and taste groups of clients and providers that only the
// market's history reveals. Every provider and task is a pure function of
// (seed, index), so a million providers can be generated twice (for the
// engine and for Postgres) without being held in memory twice.

// synthGroups is the number of hidden taste groups.
const synthGroups = 8

// synth generates a market.
type synth struct {
	seed     uint64
	tags     []string
	tagZipf  func(r *rand.Rand) int
	cityZipf func(r *rand.Rand) int
	now      time.Time
}

func newSynth(seed uint64) *synth {
	s := &synth{seed: seed, now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	s.tags = append(s.tags, skills.Vocabulary...)
	for i := range 400 {
		s.tags = append(s.tags, fmt.Sprintf("niche-%03d", i))
	}
	// The most common tag is in about a fifth of profiles; the vocabulary
	// takes 56 % of all skills and the 400 rarer tags the rest.
	s.tagZipf = zipf(len(s.tags), 5, 1.1)
	s.cityZipf = zipf(len(cityTable), 0, 0.9)
	return s
}

// zipf returns a sampler of 0..n-1 with P(i) proportional to
// 1/(i+1+q)^exp (Zipf-Mandelbrot).
func zipf(n int, q, exp float64) func(r *rand.Rand) int {
	cdf := make([]float64, n)
	sum := 0.0
	for i := range n {
		sum += 1 / math.Pow(float64(i+1)+q, exp)
		cdf[i] = sum
	}
	for i := range cdf {
		cdf[i] /= sum
	}
	return func(r *rand.Rand) int {
		u := r.Float64()
		lo, hi := 0, n-1
		for lo < hi {
			mid := (lo + hi) / 2
			if cdf[mid] < u {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return lo
	}
}

func (s *synth) rng(kind, i uint64) *rand.Rand {
	return rand.New(rand.NewPCG(s.seed^kind*0x9e3779b97f4a7c15, i))
}

func idFrom(r *rand.Rand) uuid.UUID {
	var id uuid.UUID
	for i := range 2 {
		v := r.Uint64()
		for j := range 8 {
			id[i*8+j] = byte(v >> (8 * j))
		}
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// synthProvider is a provider with its hidden truth.
type synthProvider struct {
	Provider
	group   int
	quality float64 // 0..1, what ratings are noisy evidence of
}

func (s *synth) provider(i int) synthProvider {
	r := s.rng(1, uint64(i))
	p := synthProvider{group: i % synthGroups, quality: r.Float64()}
	p.ID = idFrom(r)
	p.Name = fmt.Sprintf("Provider %d", i)
	n := 2 + r.IntN(6)
	for len(p.Skills) < n {
		tag := s.tags[s.tagZipf(r)]
		dup := false
		for _, sk := range p.Skills {
			dup = dup || sk.Tag == tag
		}
		if !dup {
			p.Skills = append(p.Skills, Skill{Tag: tag, Level: 1 + min(4, int(r.NormFloat64()*1.0+3+p.quality))})
		}
	}
	for j := range p.Skills {
		p.Skills[j].Level = min(max(p.Skills[j].Level, 1), 5)
	}
	if r.Float64() < 0.25 { // new: no reviews yet
		p.Joined = s.now.Add(-time.Duration(r.IntN(50*24)) * time.Hour)
	} else {
		p.Joined = s.now.Add(-time.Duration(100*24+r.IntN(1000*24)) * time.Hour)
		p.Completed = 1 + int(r.ExpFloat64()*12)
		p.RatingCount = max(1, p.Completed-r.IntN(2))
		for range p.RatingCount {
			p.RatingSum += min(5, max(1, math.Round(2.5+2.5*p.quality+r.NormFloat64()*0.8)))
		}
		p.Abandoned = int(float64(p.Completed) * (1 - p.quality) * 0.3 * r.Float64())
		p.OnTime = int(math.Round(float64(p.Completed) * (0.6 + 0.4*p.quality) * (0.85 + 0.15*r.Float64())))
		p.OnTime = min(p.OnTime, p.Completed)
	}
	p.RateFen = int64(math.Exp(math.Log(15000)+r.NormFloat64()*0.5+0.3*p.quality)) / 100 * 100
	p.City = cityTable[s.cityZipf(r)].en
	p.UTCOffsetMin = 480
	if r.Float64() < 0.1 {
		p.UTCOffsetMin = []int{540, 420, 0, 60, -300, -480, 330}[r.IntN(7)]
	}
	p.Available = r.Float64() < 0.9
	p.Vetted = r.Float64() < 0.92
	p.Flagged = r.Float64() < 0.01
	return p
}

// synthTask is a task with its client's hidden taste group.
type synthTask struct {
	Task
	group int
}

func (s *synth) task(i int, clients int) synthTask {
	r := s.rng(2, uint64(i))
	client := r.IntN(clients)
	t := synthTask{group: client % synthGroups}
	t.ID = idFrom(r)
	t.ClientID = s.clientID(client)
	t.Title = fmt.Sprintf("Task %d", i)
	n := 1 + r.IntN(4)
	for len(t.Skills) < n {
		tag := s.tags[s.tagZipf(r)]
		dup := false
		for _, x := range t.Skills {
			dup = dup || x == tag
		}
		if !dup {
			t.Skills = append(t.Skills, tag)
		}
	}
	t.BudgetMinFen = int64(200000 + r.IntN(800000))
	t.BudgetMaxFen = t.BudgetMinFen + int64(r.IntN(800000))
	t.Remote = r.Float64() < 0.6
	if !t.Remote {
		t.City = cityTable[s.cityZipf(r)].en
	}
	t.UTCOffsetMin = 480
	t.Open = true
	t.CreateTime = s.now
	return t
}

// taskOfClient is task i of a given client (for history and evaluation).
func (s *synth) taskOfClient(i, client int) synthTask {
	t := s.task(i, 1<<30)
	t.ClientID = s.clientID(client)
	t.group = client % synthGroups
	return t
}

func (s *synth) clientID(c int) uuid.UUID {
	return idFrom(s.rng(3, uint64(c)))
}

// trueUtility is how much the client of t truly wants p: the observable
// fit with true quality in place of the ratings, and the taste of the
// client's group for the provider's group, which only history shows.
func trueUtility(e *Engine, p synthProvider, t synthTask) float64 {
	fit := e.plainFit(p.Provider, t.Task, p.quality)
	aff := 0.0
	switch d := (p.group - t.group + synthGroups) % synthGroups; d {
	case 0:
		aff = 1
	case 1, synthGroups - 1:
		aff = 0.3
	}
	return 0.6*fit + 0.4*aff*fit
}

// history simulates past engagement: for each past task of each client,
// the client invites the providers they truly like best among those with
// a tag in common, takes proposals from some and hires one.
func (s *synth) history(e *Engine, provs []synthProvider, clients, tasksPerClient int) []Interaction {
	var out []Interaction
	byTag := map[string][]int{}
	for i, p := range provs {
		for _, sk := range p.Skills {
			byTag[skills.Normalise(sk.Tag)] = append(byTag[skills.Normalise(sk.Tag)], i)
		}
	}
	for c := range clients {
		for j := range tasksPerClient {
			t := s.taskOfClient(1_000_000+c*tasksPerClient+j, c)
			r := s.rng(4, uint64(c*tasksPerClient+j))
			type cand struct {
				i int
				u float64
			}
			var cands []cand
			seen := map[int]bool{}
			for _, tag := range t.Skills {
				for _, i := range byTag[skills.Normalise(tag)] {
					if !seen[i] && provs[i].Available && provs[i].Vetted && !provs[i].Flagged {
						seen[i] = true
						cands = append(cands, cand{i, trueUtility(e, provs[i], t) + r.NormFloat64()*0.03})
					}
				}
			}
			sortDesc(cands, func(c cand) float64 { return c.u })
			for rank, cd := range cands[:min(len(cands), 8)] {
				kind := Invited
				switch {
				case rank == 0:
					kind = Hired
				case rank < 3:
					kind = Proposed
				}
				out = append(out, Interaction{ClientID: t.ClientID, TaskID: t.ID, ProviderID: provs[cd.i].ID, Kind: kind, Tags: t.Skills})
			}
		}
	}
	return out
}

func sortDesc[T any](xs []T, key func(T) float64) {
	slices.SortStableFunc(xs, func(a, b T) int { return cmp.Compare(key(b), key(a)) })
}

// plainFit is the weighted score of p for t computed from first
// principles, with quality standing in for the history part: the truth
// the synthetic market's preferences are built on.
func (e *Engine) plainFit(p Provider, t Task, quality float64) float64 {
	// The synthetic market's tags are canonical already.
	var skill float64
	for _, tn := range t.Skills {
		rel := skills.Related(tn)
		best := 0.0
		for _, sk := range p.Skills {
			switch {
			case sk.Tag == tn:
				best = max(best, float64(sk.Level)/5)
			case slices.Contains(rel, sk.Tag):
				best = max(best, e.cfg.RelatedCredit*float64(sk.Level)/5)
			}
		}
		skill += best
	}
	skill /= float64(len(t.Skills))
	var loc float64
	if t.Remote {
		loc = max(0, 9-math.Abs(float64(p.UTCOffsetMin-t.UTCOffsetMin))/60) / 9
	} else if p.City == t.City { // canonical names in the synthetic market
		loc = 1
	} else {
		la1, lo1, _ := cityCoords(p.City)
		la2, lo2, _ := cityCoords(t.City)
		loc = 0.8 * math.Exp(-distanceKM(la1, lo1, la2, lo2)/300)
	}
	maxRate := float64(t.BudgetMaxFen) / e.cfg.DefaultEffortHours
	price := 1.0
	if r := float64(p.RateFen); r > maxRate {
		price = max(0, 1-(r-maxRate)/maxRate)
	}
	w := e.cfg.Weights
	return w.Skill*skill + w.History*quality + w.Location*loc + w.Price*price
}
