package matching

import (
	"math"
	"math/bits"
	"slices"

	"github.com/google/uuid"
)

// Options change one query.
type Options struct {
	// NoCF ranks by the weighted score alone; NoExplore fills every slot
	// by rank (offline evaluation, tests).
	NoCF      bool
	NoExplore bool
}

// clampK bounds the number of results asked for.
func clampK(k int) int {
	return min(max(k, 1), MaxResults)
}

// skillScore is the skill part of p for a query whose tag masks are in s:
// the mean over the task's m tags of the best credit the provider's
// skills give it (level/5 for the skill itself or a synonym,
// RelatedCredit times that for a related skill).
func (e *Engine) skillScore(p *prov, s *scratch, m int) (score float64, matched, related int) {
	if m == 0 {
		return 0, 0, 0
	}
	var best [maxTaskTags]float32
	var exactHit, relHit uint16
	rc := float32(e.cfg.RelatedCredit)
	for _, sk := range p.skills {
		lv := float32(sk.level) / 5
		for em := s.exact[sk.tag]; em != 0; em &= em - 1 {
			i := bits.TrailingZeros16(em)
			best[i] = max(best[i], lv)
			exactHit |= 1 << i
		}
		for rm := s.rel[sk.tag]; rm != 0; rm &= rm - 1 {
			i := bits.TrailingZeros16(rm)
			best[i] = max(best[i], lv*rc)
			relHit |= 1 << i
		}
	}
	var sum float32
	for i := range m {
		sum += best[i]
	}
	return float64(sum) / float64(m), bits.OnesCount16(exactHit), bits.OnesCount16(relHit &^ exactHit)
}

// blend mixes the CF score into the weighted score with p's confidence.
func (e *Engine) blend(p *prov, weighted, cf float64) float64 {
	c := e.cfg.CFBlend * float64(p.cfConf)
	return (1-c)*weighted + c*cf
}

// RecommendProviders returns the best k providers for task t, best first
// (MATCH-1): candidates come from the inverted index of t's tags, their
// synonyms and related tags; unvetted, flagged and unavailable providers
// are left out; pins come first, demoted providers sink, and up to
// Config.ExploreSlots slots go to new providers (MATCH-2).
func (e *Engine) RecommendProviders(t Task, k int, opt Options) []Match {
	k = clampK(k)
	e.mu.RLock()
	defer e.mu.RUnlock()
	tr := e.compileTask(t, false)
	m := len(tr.tags)
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
	var client map[uuid.UUID]float32
	if !opt.NoCF {
		client = e.cf.clientScores(t.ClientID)
	}
	demoted := e.demotedFor(tr.id, tr.tags)
	exploreK := e.cfg.ExploreSlots
	if opt.NoExplore {
		exploreK = 0
	}

	top := make(minHeap, 0, k)
	explore := make(minHeap, 0, exploreK)
	score := func(p *prov, skill float64) (final, weighted float64) {
		var ex Explanation
		weighted, _ = e.scoreParts(p, &tr, skill, &ex)
		final = weighted
		if !opt.NoCF && p.cfConf > 0 {
			final = e.blend(p, weighted, cfScore(p, tr.tags, client))
		}
		if demoted != nil && demoted[p.id] {
			final *= e.cfg.DemoteFactor
		}
		return final, weighted
	}
	// Exact tags first: they fill the heap with good candidates, so the
	// related lists are cut short sooner.
	relPenalty := float32(e.cfg.Weights.Skill * (1 - e.cfg.RelatedCredit) * (1 - e.cfg.CFBlend))
	visit := func(tag uint32, penalty float32) {
		for _, post := range e.postings[tag] {
			if len(top) == k && float64(post.ub-penalty) < top[0].score && len(explore) == exploreK {
				return // nobody further down can enter the slate
			}
			if s.seen[post.slot] == s.epoch {
				continue
			}
			s.seen[post.slot] = s.epoch
			p := &e.provs[post.slot]
			if !p.eligible() {
				continue
			}
			skill, _, _ := e.skillScore(p, s, m)
			final, weighted := score(p, skill)
			top.offer(scored{post.slot, final}, k)
			if p.flags&fNew != 0 {
				explore.offer(scored{post.slot, weighted}, exploreK)
			}
		}
	}
	for _, tag := range tr.tags {
		if tag != math.MaxUint32 {
			visit(tag, 0)
		}
	}
	for _, tag := range tr.tags {
		if tag == math.MaxUint32 {
			continue
		}
		for _, r := range e.related[tag] {
			visit(r, relPenalty)
		}
	}

	ranked := top.sorted()
	// Pins first, in the order given; a pinned provider appears once.
	var pinned []int32
	for _, id := range e.pinnedFor(tr.id, tr.tags) {
		slot, ok := e.byID[id]
		if !ok || !e.provs[slot].eligible() || slices.Contains(pinned, slot) {
			continue
		}
		pinned = append(pinned, slot)
	}
	slots := make([]int32, 0, k)
	slots = append(slots, pinned...)
	for _, c := range ranked {
		if !slices.Contains(pinned, c.slot) {
			slots = append(slots, c.slot)
		}
	}
	// Exploration: the best new providers not already shown take fixed
	// positions.
	exploring := map[int32]bool{}
	pos := e.cfg.ExploreEvery - 1
	for _, c := range explore.sorted() {
		if slices.Contains(slots[:min(len(slots), k)], c.slot) {
			continue
		}
		at := min(pos, len(slots))
		slots = slices.Insert(slots, at, c.slot)
		exploring[c.slot] = true
		pos += e.cfg.ExploreEvery
	}
	if len(slots) > k {
		slots = slots[:k]
	}

	out := make([]Match, 0, len(slots))
	for _, slot := range slots {
		p := &e.provs[slot]
		skill, matched, related := e.skillScore(p, s, m)
		var ex Explanation
		weighted, parts := e.scoreParts(p, &tr, skill, &ex)
		final := weighted
		if !opt.NoCF && p.cfConf > 0 {
			parts.CF = cfScore(p, tr.tags, client)
			final = e.blend(p, weighted, parts.CF)
			ex.SimilarHires = parts.CF*e.cfg.CFBlend*float64(p.cfConf) >= 0.02
		}
		if demoted != nil && demoted[p.id] {
			final *= e.cfg.DemoteFactor
			ex.Demoted = true
		}
		ex.SkillsMatched, ex.SkillsRelated, ex.SkillsTotal = matched, related, m
		explainRecord(p, &ex)
		ex.Pinned = slices.Contains(pinned, slot)
		ex.Exploration = exploring[slot]
		out = append(out, Match{ProviderID: p.id, TaskID: tr.id, Name: p.name, Score: final, Parts: parts, Explanation: ex})
	}
	return out
}

// RecommendTasks returns the best k open tasks for a provider, ranked by
// the same score (MATCH-1, the reverse direction). ok is false for a
// provider the index does not know. A flagged provider gets none.
func (e *Engine) RecommendTasks(providerID uuid.UUID, k int, opt Options) (out []Match, ok bool) {
	k = clampK(k)
	e.mu.RLock()
	defer e.mu.RUnlock()
	slot, ok := e.byID[providerID]
	if !ok {
		return nil, false
	}
	p := &e.provs[slot]
	if p.flags&(fFlagged|fAdminFlag) != 0 {
		return []Match{}, true
	}
	s := e.getScratch(len(e.tasks), len(e.tagNames))
	defer e.putScratch(s)
	top := make(minHeap, 0, k)
	visit := func(tag uint32) {
		for _, ts := range e.taskPostings[tag] {
			if s.seen[ts] == s.epoch {
				continue
			}
			s.seen[ts] = s.epoch
			t := &e.tasks[ts]
			final, _, _, _ := e.scoreTask(p, t, s, opt)
			top.offer(scored{ts, final}, k)
		}
	}
	for _, sk := range p.skills {
		visit(sk.tag)
		for _, r := range e.related[sk.tag] {
			visit(r)
		}
	}
	for _, c := range top.sorted() {
		t := &e.tasks[c.slot]
		final, parts, ex, _ := e.scoreTask(p, t, s, opt)
		out = append(out, Match{ProviderID: p.id, TaskID: t.id, Name: t.title, Score: final, Parts: parts, Explanation: ex})
	}
	return out, true
}

// scoreTask scores task t for provider p, setting the tag masks in s for
// t's tags and clearing them after.
func (e *Engine) scoreTask(p *prov, t *taskRec, s *scratch, opt Options) (float64, Parts, Explanation, bool) {
	for i, tag := range t.tags {
		s.exact[tag] |= 1 << i
		for _, r := range e.related[tag] {
			s.rel[r] |= 1 << i
		}
	}
	skill, matched, related := e.skillScore(p, s, len(t.tags))
	for _, tag := range t.tags {
		s.exact[tag] = 0
		for _, r := range e.related[tag] {
			s.rel[r] = 0
		}
	}
	var ex Explanation
	weighted, parts := e.scoreParts(p, t, skill, &ex)
	final := weighted
	if !opt.NoCF && p.cfConf > 0 {
		parts.CF = cfScore(p, t.tags, nil)
		final = e.blend(p, weighted, parts.CF)
	}
	demoted := false
	if d := e.demotedFor(t.id, t.tags); d != nil && d[p.id] {
		final *= e.cfg.DemoteFactor
		demoted = true
	}
	ex.SkillsMatched, ex.SkillsRelated, ex.SkillsTotal = matched, related, len(t.tags)
	ex.Demoted = demoted
	explainRecord(p, &ex)
	return final, parts, ex, demoted
}
