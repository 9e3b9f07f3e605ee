package matching

import (
	"math"
	"math/bits"
	"slices"

	"github.com/google/uuid"
)

// RankOptions change one query.
type RankOptions struct {
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
	return blendScore(weighted, e.cfg.CFBlend*float64(p.cfConf), cf)
}

// blendScore lifts a weighted score w toward 1 by the CF score cf with
// share c: w + c*cf*(1-w). It never lowers w, so a provider without
// history (c = 0) keeps exactly the weighted score and one with history
// gains at most CFBlend of the way to 1.
func blendScore(w, c, cf float64) float64 {
	return w + c*cf*(1-w)
}

// RecommendProviders returns the best k providers for task t, best first
// (MATCH-1): candidates come from the inverted index of t's tags, their
// synonyms and related tags; unvetted, flagged and unavailable providers
// are left out; pins come first, demoted providers sink, and up to
// Config.ExploreSlots slots go to new providers (MATCH-2).
func (e *Engine) RecommendProviders(t Task, k int, opt RankOptions) []Match {
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
	var clientBySlot map[int32]float32
	if !opt.NoCF {
		clientBySlot = e.cf.clientScores(t.ClientID)
	}
	demoted := e.demotedFor(tr.id, tr.tags)
	var demotedSlots map[int32]bool
	for id := range demoted {
		if slot, ok := e.byID[id]; ok {
			if demotedSlots == nil {
				demotedSlots = map[int32]bool{}
			}
			demotedSlots[slot] = true
		}
	}
	exploreK := e.cfg.ExploreSlots
	if opt.NoExplore {
		exploreK = 0
	}

	// Term at a time: the skill credit of every provider with a tag, a
	// synonym or a related tag of the task, summed over the task's tags.
	rc := float32(e.cfg.RelatedCredit) / 5
	cands := s.cands[:0]
	for _, tag := range tr.tags {
		if tag == math.MaxUint32 {
			continue
		}
		cur := s.curTouched[:0]
		for _, po := range e.postings[tag] {
			if s.cur[po.slot] == 0 {
				cur = append(cur, po.slot)
			}
			s.cur[po.slot] = max(s.cur[po.slot], float32(po.level)/5)
		}
		for _, r := range e.related[tag] {
			for _, po := range e.postings[r] {
				if s.cur[po.slot] == 0 {
					cur = append(cur, po.slot)
				}
				s.cur[po.slot] = max(s.cur[po.slot], float32(po.level)*rc)
			}
		}
		for _, slot := range cur {
			if s.acc[slot] == 0 {
				cands = append(cands, slot)
			}
			s.acc[slot] += s.cur[slot]
			s.cur[slot] = 0
		}
		s.curTouched = cur
	}
	s.cands = cands

	// Where the task is, scored once per city.
	w := e.cfg.Weights
	var cityLoc []float64
	if !tr.remote {
		cityLoc = make([]float64, len(e.cityPos))
		for id := range cityLoc {
			switch d, ok := e.cityDistance(uint32(id), &tr); {
			case id != 0 && uint32(id) == tr.city:
				cityLoc[id] = 1
			case ok:
				cityLoc[id] = 0.8 * math.Exp(-d/300)
			default:
				cityLoc[id] = 0.1
			}
		}
	}
	// Candidates by skill, best first, in buckets: once a bucket's best
	// possible score cannot enter the slate (nor the exploration slots),
	// the rest is skipped.
	const nb = 32
	var counts [nb + 1]int
	bucket := func(skill float64) int { return nb - 1 - min(nb-1, int(skill*nb)) }
	for _, slot := range cands {
		counts[bucket(float64(s.acc[slot])/float64(m))+1]++
	}
	for b := 1; b <= nb; b++ {
		counts[b] += counts[b-1]
	}
	starts := counts
	order := slices.Grow(s.order[:0], len(cands))[:len(cands)]
	for _, slot := range cands {
		b := bucket(float64(s.acc[slot]) / float64(m))
		order[counts[b]] = slot
		counts[b]++
	}
	s.order = order
	for slot, v := range clientBySlot {
		s.client[slot] = v
	}
	top := make(minHeap, 0, k)
	explore := make(minHeap, 0, exploreK)
	rest := w.History + w.Location + w.Price
	for b := range nb {
		ubW := w.Skill*float64(nb-b)/nb + rest
		ubFinal := ubW + e.cfg.CFBlend*(1-ubW)
		if len(top) == k && ubFinal < top[0].score && (exploreK == 0 || (len(explore) == exploreK && ubW < explore[0].score)) {
			break
		}
		for _, slot := range order[starts[b]:starts[b+1]] {
			skill := float64(s.acc[slot]) / float64(m)
			h := &e.hots[slot]
			if !h.eligible() {
				continue
			}
			var loc float64
			if tr.remote {
				d := math.Abs(float64(int(h.offset)-int(tr.offset))) / 60
				loc = max(0, 9-d) / 9
			} else {
				loc = cityLoc[h.city]
			}
			price := 0.5
			if rate := float64(h.rateFen); rate > 0 && tr.maxRate > 0 {
				if rate <= tr.maxRate {
					price = 1
				} else {
					price = max(0, 1-(rate-tr.maxRate)/tr.maxRate)
				}
			}
			weighted := w.Skill*skill + w.History*float64(h.history) + w.Location*loc + w.Price*price
			final := weighted
			if !opt.NoCF && h.cfConf > 0 {
				c := e.cfg.CFBlend * float64(h.cfConf)
				final = blendScore(weighted, c, 1) // the best CF could do
				if len(top) < k || final >= top[0].score {
					final = blendScore(weighted, c, cfScore(e.provs[slot].hist, tr.tags, s.client[slot]))
				}
			}
			if demotedSlots != nil && demotedSlots[slot] {
				final *= e.cfg.DemoteFactor
			}
			if len(top) < k || final >= top[0].score {
				top.offer(scored{slot, final}, k)
			}
			if exploreK > 0 && h.flags&fNew != 0 {
				explore.offer(scored{slot, weighted}, exploreK)
			}
		}
	}
	for _, slot := range cands {
		s.acc[slot] = 0
	}
	for slot := range clientBySlot {
		s.client[slot] = 0
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
			parts.CF = cfScore(p.hist, tr.tags, clientBySlot[slot])
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
func (e *Engine) RecommendTasks(providerID uuid.UUID, k int, opt RankOptions) (out []Match, ok bool) {
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
func (e *Engine) scoreTask(p *prov, t *taskRec, s *scratch, opt RankOptions) (float64, Parts, Explanation, bool) {
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
		parts.CF = cfScore(p.hist, t.tags, 0)
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
