package matching

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

var testNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// veteran returns an available, vetted provider with a record.
func veteran(name string, sk ...Skill) Provider {
	return Provider{
		ID: uuid.NewSHA1(uuid.NameSpaceOID, []byte(name)), Name: name, Skills: sk,
		RatingSum: 45, RatingCount: 10, Completed: 10, OnTime: 9,
		RateFen: 20000, City: "上海", UTCOffsetMin: 480,
		Available: true, Vetted: true, Joined: testNow.AddDate(-2, 0, 0),
	}
}

func newcomer(name string, sk ...Skill) Provider {
	p := veteran(name, sk...)
	p.RatingSum, p.RatingCount, p.Completed, p.OnTime = 0, 0, 0, 0
	p.Joined = testNow.AddDate(0, 0, -3)
	return p
}

func task(tags ...string) Task {
	return Task{
		ID: uuid.New(), ClientID: uuid.New(), Title: "t", Skills: tags,
		BudgetMinFen: 400000, BudgetMaxFen: 1000000, Remote: false, City: "Shanghai",
		UTCOffsetMin: 480, Open: true,
	}
}

func names(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func newTestEngine(ps ...Provider) *Engine {
	e := NewEngine(Config{ExploreSlots: -1}, func() time.Time { return testNow })
	e.UpsertProviders(ps)
	return e
}

// TestExclusions checks that unvetted, flagged and unavailable providers
// are never recommended, and that an administrator's flag applies to the
// next query (MATCH-1, MATCH-3).
func TestExclusions(t *testing.T) {
	t.Parallel()
	ok := veteran("ok", Skill{"go", 4})
	unvetted := veteran("unvetted", Skill{"go", 5})
	unvetted.Vetted = false
	flagged := veteran("flagged", Skill{"go", 5})
	flagged.Flagged = true
	away := veteran("away", Skill{"go", 5})
	away.Available = false
	e := newTestEngine(ok, unvetted, flagged, away)
	if got := names(e.RecommendProviders(task("golang"), 20, RankOptions{})); !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("recommended %q, want only ok", got)
	}
	e.SetFlagged(ok.ID, true)
	if got := e.RecommendProviders(task("go"), 20, RankOptions{}); len(got) != 0 {
		t.Fatalf("after the flag: recommended %q, want none", names(got))
	}
	if feed, _ := e.RecommendTasks(ok.ID, 10, RankOptions{}); len(feed) != 0 {
		t.Fatalf("a flagged provider's feed has %d tasks, want none", len(feed))
	}
	e.SetFlagged(ok.ID, false)
	if got := names(e.RecommendProviders(task("go"), 20, RankOptions{})); !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("after clearing the flag: recommended %q, want ok", got)
	}
}

// TestSkillMatching checks synonyms, levels and related skills in the
// skill part and its explanation (MATCH-1).
func TestSkillMatching(t *testing.T) {
	t.Parallel()
	e := newTestEngine(
		veteran("expert", Skill{"golang", 5}, Skill{"postgres", 5}),
		veteran("junior", Skill{"go", 2}, Skill{"postgresql", 2}),
		veteran("half", Skill{"go", 5}),
		veteran("related", Skill{"rust", 5}, Skill{"mysql", 5}),
		veteran("unrelated", Skill{"figma", 5}),
	)
	got := e.RecommendProviders(task("go", "PostgreSQL"), 20, RankOptions{})
	if want := []string{"expert", "half", "related", "junior"}; !slices.Equal(names(got), want) {
		t.Fatalf("ranked %q, want %q", names(got), want)
	}
	tests := []struct {
		name                    string
		matched, related, total int
	}{
		{"expert", 2, 0, 2}, {"half", 1, 0, 2}, {"related", 0, 2, 2}, {"junior", 2, 0, 2},
	}
	for _, tt := range tests {
		i := slices.Index(names(got), tt.name)
		ex := got[i].Explanation
		if ex.SkillsMatched != tt.matched || ex.SkillsRelated != tt.related || ex.SkillsTotal != tt.total {
			t.Errorf("%s: skills %d+%d related of %d, want %d+%d of %d", tt.name,
				ex.SkillsMatched, ex.SkillsRelated, ex.SkillsTotal, tt.matched, tt.related, tt.total)
		}
	}
}

// TestExplanation checks the facts a result carries (MATCH-1).
func TestExplanation(t *testing.T) {
	t.Parallel()
	near := veteran("near", Skill{"go", 4})
	far := veteran("far", Skill{"go", 4})
	far.City, far.RateFen = "Beijing", 90000
	e := newTestEngine(near, far)
	got := e.RecommendProviders(task("go", "redis"), 20, RankOptions{})
	if len(got) != 2 {
		t.Fatalf("got %d results, want 2", len(got))
	}
	n, f := got[0].Explanation, got[1].Explanation
	if got[0].Name != "near" || !n.SameCity || n.DistanceKM != 0 || !n.RateWithinBudget ||
		n.Rating != 4.5 || n.RatingCount != 10 || n.CompletedJobs != 10 || n.OnTimePercent != 90 ||
		n.SkillsMatched != 1 || n.SkillsTotal != 2 {
		t.Errorf("near: %+v", n)
	}
	if f.SameCity || f.DistanceKM < 1000 || f.DistanceKM > 1100 || f.RateWithinBudget {
		t.Errorf("far: %+v, want about 1,070 km and over budget", f)
	}
	remote := task("go")
	remote.Remote, remote.City, remote.UTCOffsetMin = true, "", 60 // seven hours behind
	r := e.RecommendProviders(remote, 20, RankOptions{})[0].Explanation
	if !r.Remote || r.TimeZoneOverlapHours != 2 {
		t.Errorf("remote: %+v, want 2 hours of overlap", r)
	}
}

// TestCorrections checks pins, demotions and skill corrections, per task
// and per skill, visible in the next query (MATCH-3).
func TestCorrections(t *testing.T) {
	t.Parallel()
	a := veteran("a", Skill{"go", 5})
	b := veteran("b", Skill{"go", 4})
	c := veteran("c", Skill{"go", 3})
	d := veteran("d", Skill{"figma", 5})
	e := newTestEngine(a, b, c, d)
	tk := task("go")
	other := task("go")
	if got := names(e.RecommendProviders(tk, 20, RankOptions{})); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("before: %q", got)
	}
	e.Pin(Scope{TaskID: tk.ID}, c.ID, true)
	e.Demote(Scope{Skill: "golang"}, a.ID, true)
	tests := []struct {
		task Task
		want []string
	}{
		{tk, []string{"c", "b", "a"}},    // pinned for this task, a demoted for go
		{other, []string{"b", "c", "a"}}, // only the demotion applies
	}
	for _, tt := range tests {
		got := e.RecommendProviders(tt.task, 20, RankOptions{})
		if !slices.Equal(names(got), tt.want) {
			t.Errorf("ranked %q, want %q", names(got), tt.want)
		}
	}
	if got := e.RecommendProviders(tk, 20, RankOptions{}); !got[0].Explanation.Pinned || !got[2].Explanation.Demoted {
		t.Errorf("explanations do not say pinned/demoted: %+v", got)
	}
	e.SetSkills(d.ID, []Skill{{"go", 5}})
	e.Pin(Scope{TaskID: tk.ID}, c.ID, false)
	e.Demote(Scope{Skill: "go"}, a.ID, false)
	if got := names(e.RecommendProviders(tk, 20, RankOptions{})); !slices.Equal(got, []string{"a", "d", "b", "c"}) {
		t.Errorf("after the skill correction: %q", got)
	}
	// A later profile change keeps the corrected skills.
	d.RateFen = 10000
	e.UpsertProvider(d)
	if sk, _, _ := e.Provider(d.ID); !slices.Equal(sk, []Skill{{"go", 5}}) {
		t.Errorf("after a profile change: skills %v, want the correction", sk)
	}
	// Clearing the correction brings the source's skills back.
	e.SetSkills(d.ID, nil)
	if sk, _, _ := e.Provider(d.ID); !slices.Equal(sk, []Skill{{"figma", 5}}) {
		t.Errorf("after clearing the correction: skills %v, want figma", sk)
	}
}

// TestExploration checks that new providers get exploration slots
// (MATCH-2) even when they rank below the slate.
func TestExploration(t *testing.T) {
	t.Parallel()
	var ps []Provider
	for i := range 12 {
		ps = append(ps, veteran(string(rune('a'+i)), Skill{"go", 5}))
	}
	rookie := newcomer("rookie", Skill{"go", 1})
	ps = append(ps, rookie)
	e := NewEngine(Config{ExploreSlots: 1, ExploreEvery: 4}, func() time.Time { return testNow })
	e.UpsertProviders(ps)
	got := e.RecommendProviders(task("go"), 10, RankOptions{})
	if len(got) != 10 || got[3].Name != "rookie" || !got[3].Explanation.Exploration || !got[3].Explanation.NewProvider {
		t.Fatalf("slate %q, want rookie in the exploration slot 4", names(got))
	}
	if got := e.RecommendProviders(task("go"), 10, RankOptions{NoExplore: true}); slices.Contains(names(got), "rookie") {
		t.Fatalf("without exploration the rookie ranks in the top 10: %q", names(got))
	}
}

// TestCFKeepsNewProviders checks the blend: a provider without history
// keeps exactly the weighted score, and the client's history lifts the
// providers it engaged and those like them (MATCH-1).
func TestCFKeepsNewProviders(t *testing.T) {
	t.Parallel()
	hired := veteran("hired", Skill{"go", 3})
	alike := veteran("alike", Skill{"go", 3})
	rookie := newcomer("rookie", Skill{"go", 5})
	e := newTestEngine(hired, alike, rookie)
	tk := task("go")
	before := e.RecommendProviders(tk, 20, RankOptions{})
	other := uuid.New()
	e.LearnCF([]Interaction{
		{ClientID: tk.ClientID, ProviderID: hired.ID, Kind: Hired, Tags: []string{"go"}},
		{ClientID: other, ProviderID: hired.ID, Kind: Hired, Tags: []string{"go"}},
		{ClientID: other, ProviderID: alike.ID, Kind: Hired, Tags: []string{"go"}},
	})
	after := e.RecommendProviders(tk, 20, RankOptions{})
	score := func(ms []Match, name string) Match {
		return ms[slices.Index(names(ms), name)]
	}
	if b, a := score(before, "rookie"), score(after, "rookie"); a.Score != b.Score || a.Parts.CF != 0 {
		t.Errorf("rookie: score %v before CF, %v after (CF %v): want unchanged", b.Score, a.Score, a.Parts.CF)
	}
	for _, name := range []string{"hired", "alike"} {
		b, a := score(before, name), score(after, name)
		if a.Score <= b.Score || !a.Explanation.SimilarHires {
			t.Errorf("%s: score %v before CF, %v after: want it lifted and explained", name, b.Score, a.Score)
		}
		if lift := a.Score - b.Score; lift > e.Config().CFBlend {
			t.Errorf("%s: lifted by %v, more than the blend %v", name, lift, e.Config().CFBlend)
		}
	}
}

// TestUpdatesInPlace checks that profile changes and removals are seen by
// the next query.
func TestUpdatesInPlace(t *testing.T) {
	t.Parallel()
	a := veteran("a", Skill{"go", 5})
	b := veteran("b", Skill{"go", 5})
	b.RatingSum = 30
	e := newTestEngine(a, b)
	if got := names(e.RecommendProviders(task("go"), 20, RankOptions{})); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("before: %q", got)
	}
	b.RatingSum = 50
	e.UpsertProvider(b)
	if got := names(e.RecommendProviders(task("go"), 20, RankOptions{})); !slices.Equal(got, []string{"b", "a"}) {
		t.Fatalf("after b's rating rose: %q", got)
	}
	b.Skills = []Skill{{"java", 5}}
	e.UpsertProvider(b)
	if got := names(e.RecommendProviders(task("go"), 20, RankOptions{})); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("after b changed skills: %q", got)
	}
	e.RemoveProvider(a.ID)
	if got := e.RecommendProviders(task("go"), 20, RankOptions{}); len(got) != 0 {
		t.Fatalf("after removing a: %q", names(got))
	}
}

// TestRecommendTasks checks the provider's feed: open tasks ranked by the
// same score, closed ones gone (MATCH-1).
func TestRecommendTasks(t *testing.T) {
	t.Parallel()
	p := veteran("p", Skill{"go", 5}, Skill{"postgresql", 4})
	e := newTestEngine(p)
	both, one, related, none := task("go", "postgresql"), task("go", "figma"), task("mysql"), task("figma")
	both.Title, one.Title, related.Title, none.Title = "both", "one", "related", "none"
	e.UpsertTasks([]Task{both, one, related, none})
	feed, ok := e.RecommendTasks(p.ID, 10, RankOptions{})
	if !ok || !slices.Equal(names(feed), []string{"both", "one", "related"}) {
		t.Fatalf("feed %q, want both, one, related", names(feed))
	}
	if feed[0].Explanation.SkillsMatched != 2 || feed[2].Explanation.SkillsRelated != 1 {
		t.Errorf("explanations: %+v", feed)
	}
	both.Open = false
	e.UpsertTask(both)
	if feed, _ := e.RecommendTasks(p.ID, 10, RankOptions{}); slices.Contains(names(feed), "both") {
		t.Fatalf("a closed task is in the feed: %q", names(feed))
	}
	if _, ok := e.RecommendTasks(uuid.New(), 10, RankOptions{}); ok {
		t.Fatal("an unknown provider has a feed")
	}
}

// TestPruningIsExact checks the early stop of the posting lists against
// scoring every provider, on a synthetic market with history: the top 20
// must be the same scores.
func TestPruningIsExact(t *testing.T) {
	t.Parallel()
	s := newSynth(9)
	e := NewEngine(Config{ExploreSlots: -1}, func() time.Time { return s.now })
	provs := make([]synthProvider, 3000)
	ps := make([]Provider, len(provs))
	for i := range provs {
		provs[i] = s.provider(i)
		ps[i] = provs[i].Provider
	}
	e.UpsertProviders(ps)
	e.LearnCF(s.history(e, provs, 100, 4))
	for i := range 100 {
		tk := s.taskOfClient(1_000_000+i*4, i).Task // a client's past task: its CF applies
		for _, opt := range []RankOptions{{}, {NoCF: true}} {
			got := e.RecommendProviders(tk, 20, opt)
			want := bruteForce(e, tk, 20, opt)
			if len(got) != len(want) {
				t.Fatalf("task %d: %d results, brute force %d", i, len(got), len(want))
			}
			for j := range got {
				if math.Abs(got[j].Score-want[j]) > 1e-9 {
					t.Fatalf("task %d %+v: result %d scores %v, brute force %v", i, opt, j, got[j].Score, want[j])
				}
			}
		}
	}
}

// bruteForce scores every eligible provider with any skill in common and
// returns the best k scores.
func bruteForce(e *Engine, t Task, k int, opt RankOptions) []float64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	tr := e.compileTask(t, false)
	s := e.getScratch(len(e.provs), len(e.tagNames))
	defer e.putScratch(s)
	for i, tag := range tr.tags {
		if tag == math.MaxUint32 {
			continue
		}
		s.exact[tag] |= 1 << i
		s.touched = append(s.touched, tag)
		for _, r := range e.related[tag] {
			s.rel[r] |= 1 << i
			s.touched = append(s.touched, r)
		}
	}
	var client map[int32]float32
	if !opt.NoCF {
		client = e.cf.clientScores(t.ClientID)
	}
	var scores []float64
	for i := range e.provs {
		p := &e.provs[i]
		if !p.eligible() {
			continue
		}
		skill, m, r := e.skillScore(p, s, len(tr.tags))
		if m+r == 0 {
			continue
		}
		var ex Explanation
		w, _ := e.scoreParts(p, &tr, skill, &ex)
		if !opt.NoCF && p.cfConf > 0 {
			w = e.blend(p, w, cfScore(p.hist, tr.tags, client[int32(i)]))
		}
		scores = append(scores, w)
	}
	slices.SortFunc(scores, func(a, b float64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	return scores[:min(k, len(scores))]
}

// TestHistorySmoothing checks the history part (MATCH-1): one review does
// not dominate, and missed deadlines and abandoned jobs cost.
func TestHistorySmoothing(t *testing.T) {
	t.Parallel()
	e := NewEngine(Config{}, nil)
	tests := []struct {
		name          string
		better, worse [5]int // rating sum, rating count, completed, abandoned, on time
	}{
		{"50 reviews at 4.8 beat one at 5", [5]int{240, 50, 50, 0, 48}, [5]int{5, 1, 1, 0, 1}},
		{"on time beats late", [5]int{45, 10, 10, 0, 10}, [5]int{45, 10, 10, 0, 2}},
		{"finished beats abandoned", [5]int{45, 10, 10, 0, 9}, [5]int{45, 10, 10, 5, 9}},
		{"a record beats none at 4.6", [5]int{46, 10, 10, 0, 9}, [5]int{0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		h := func(v [5]int) float64 { return e.historyScore(float64(v[0]), v[1], v[2], v[3], v[4]) }
		if b, w := h(tt.better), h(tt.worse); b <= w {
			t.Errorf("%s: %v scores %.3f, not above %v at %.3f", tt.name, tt.better, b, tt.worse, w)
		}
	}
}
