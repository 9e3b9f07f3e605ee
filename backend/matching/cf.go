package matching

import (
	"cmp"
	"math"
	"slices"

	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/skills"
)

// The collaborative filter (MATCH-1) is item- and user-based: two
// providers are alike when the same clients invited, received proposals
// from or hired both, and two clients are alike when they engaged the same
// providers (cosine over weighted interactions). For a task, a provider's
// CF score combines
//
//   - the client's history: the providers the client engaged, the
//     providers most like them (item-CF) and the providers that the most
//     similar clients engaged (user-CF), scaled so the best scores 1, and
//   - the market's history for the task's tags: how much the provider was
//     engaged on tasks with these tags,
//
// as 1 - (1-client)(1-tags). It lifts the weighted score w to
// w + c*cf*(1-w), with c = CFBlend*n/(n+CFConfidence) growing with the
// provider's own history n: the lift never lowers anyone, and a provider
// with no history keeps exactly the weighted score (blendScore).

// maxNeighbours bounds the similar providers kept per provider, and
// maxClientItems the providers per client the similarity counts.
const (
	maxNeighbours  = 10
	maxClientItems = 30
)

// neighbour is a provider with a weight: a similarity or a share.
type neighbour struct {
	id uuid.UUID
	w  float32
}

// provHist is what the filter learned about one provider.
type provHist struct {
	tags []tagWeight
	conf float32
}

// slotWeight is an indexed provider with a weight.
type slotWeight struct {
	slot int32
	w    float32
}

// cfModel is a learned collaborative filter, replaced whole by LearnCF.
// Providers are held by index slot, which stays a provider's while it is
// indexed; providers indexed later get history at the next LearnCF.
type cfModel struct {
	sim     map[int32][]slotWeight     // similar providers (item-CF)
	client  map[uuid.UUID][]slotWeight // each client's providers, shares summing to 1
	similar map[uuid.UUID][]neighbour  // similar clients (user-CF)
}

// LearnCF learns the collaborative filter from the market's history and
// applies it to the index. It replaces what was learned before.
func (e *Engine) LearnCF(history []Interaction) {
	// Weighted interactions per client and per provider.
	type key struct{ c, p uuid.UUID }
	byPair := map[key]float32{}
	provN := map[uuid.UUID]float32{}
	provTags := map[uuid.UUID]map[string]float32{}
	for _, in := range history {
		w := in.Kind.weight()
		k := key{in.ClientID, in.ProviderID}
		byPair[k] = max(byPair[k], w)
		provN[in.ProviderID] += w
		m := provTags[in.ProviderID]
		if m == nil {
			m = map[string]float32{}
			provTags[in.ProviderID] = m
		}
		for _, t := range in.Tags {
			if n := skills.Normalise(t); n != "" {
				m[n] += w
			}
		}
	}
	clients := map[uuid.UUID][]neighbour{}
	norm := map[uuid.UUID]float64{}
	for k, w := range byPair {
		clients[k.c] = append(clients[k.c], neighbour{k.p, w})
		norm[k.p] += float64(w) * float64(w)
	}
	dot := map[[2]uuid.UUID]float32{}
	for c, items := range clients {
		slices.SortFunc(items, func(a, b neighbour) int {
			return cmp.Or(cmp.Compare(b.w, a.w), slices.Compare(a.id[:], b.id[:]))
		})
		if len(items) > maxClientItems {
			items = items[:maxClientItems]
		}
		clients[c] = items
		for i := range items {
			for j := i + 1; j < len(items); j++ {
				a, b := items[i], items[j]
				dot[[2]uuid.UUID{a.id, b.id}] += a.w * b.w
				dot[[2]uuid.UUID{b.id, a.id}] += a.w * b.w
			}
		}
	}
	m := &cfModel{sim: map[int32][]slotWeight{}, client: map[uuid.UUID][]slotWeight{}, similar: map[uuid.UUID][]neighbour{}}
	sim := map[uuid.UUID][]neighbour{}
	// Clients are alike when they engaged the same providers.
	byProv := map[uuid.UUID][]neighbour{}
	clientNorm := map[uuid.UUID]float64{}
	for k, w := range byPair {
		byProv[k.p] = append(byProv[k.p], neighbour{k.c, w})
		clientNorm[k.c] += float64(w) * float64(w)
	}
	cdot := map[[2]uuid.UUID]float32{}
	for _, cs := range byProv {
		if len(cs) > maxClientItems {
			continue // a provider everyone engages says little about taste
		}
		for i := range cs {
			for j := i + 1; j < len(cs); j++ {
				a, b := cs[i], cs[j]
				cdot[[2]uuid.UUID{a.id, b.id}] += a.w * b.w
				cdot[[2]uuid.UUID{b.id, a.id}] += a.w * b.w
			}
		}
	}
	for pair, d := range cdot {
		s := float32(float64(d) / math.Sqrt(clientNorm[pair[0]]*clientNorm[pair[1]]))
		m.similar[pair[0]] = append(m.similar[pair[0]], neighbour{pair[1], s})
	}
	for c, ns := range m.similar {
		slices.SortFunc(ns, func(a, b neighbour) int {
			return cmp.Or(cmp.Compare(b.w, a.w), slices.Compare(a.id[:], b.id[:]))
		})
		if len(ns) > maxNeighbours {
			ns = slices.Clip(ns[:maxNeighbours])
		}
		m.similar[c] = ns
	}
	for pair, d := range dot {
		s := float32(float64(d) / math.Sqrt(norm[pair[0]]*norm[pair[1]]))
		sim[pair[0]] = append(sim[pair[0]], neighbour{pair[1], s})
	}
	for p, ns := range sim {
		slices.SortFunc(ns, func(a, b neighbour) int {
			return cmp.Or(cmp.Compare(b.w, a.w), slices.Compare(a.id[:], b.id[:]))
		})
		if len(ns) > maxNeighbours {
			ns = slices.Clip(ns[:maxNeighbours])
		}
		sim[p] = ns
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	slots := func(ns []neighbour) []slotWeight {
		out := make([]slotWeight, 0, len(ns))
		for _, n := range ns {
			if slot, ok := e.byID[n.id]; ok {
				out = append(out, slotWeight{slot, n.w})
			}
		}
		return out
	}
	for p, ns := range sim {
		if slot, ok := e.byID[p]; ok {
			m.sim[slot] = slots(ns)
		}
	}
	for c, items := range clients {
		var sum float32
		for _, it := range items {
			sum += it.w
		}
		out := slots(items)
		for i := range out {
			out[i].w /= sum
		}
		m.client[c] = out
	}
	hists := map[int32]provHist{}
	for p, tags := range provTags {
		slot, ok := e.byID[p]
		if !ok {
			continue
		}
		h := provHist{conf: float32(float64(provN[p]) / (float64(provN[p]) + e.cfg.CFConfidence))}
		for t, w := range tags {
			h.tags = append(h.tags, tagWeight{tag: e.tagLocked(t), w: w})
		}
		hists[slot] = h
	}
	e.cf = m
	for slot := range e.provs {
		p := &e.provs[slot]
		if p.flags&fLive == 0 {
			continue
		}
		h := hists[int32(slot)]
		p.hist, p.cfConf = h.tags, h.conf
		e.hots[slot].cfConf = h.conf
	}
}

// clientScores returns the client-history part of the CF score of every
// provider it is not zero for, or nil for a client without history.
func (m *cfModel) clientScores(client uuid.UUID) map[int32]float32 {
	items := m.client[client]
	if len(items) == 0 {
		return nil
	}
	out := make(map[int32]float32, len(items)*(maxNeighbours+1))
	for _, it := range items {
		out[it.slot] += it.w
		for _, n := range m.sim[it.slot] {
			out[n.slot] += it.w * n.w
		}
	}
	for _, sc := range m.similar[client] {
		for _, it := range m.client[sc.id] {
			out[it.slot] += sc.w * it.w
		}
	}
	var top float32
	for _, v := range out {
		top = max(top, v)
	}
	// Scaled so the client's closest provider scores 1.
	for id, v := range out {
		out[id] = v / top
	}
	return out
}

// cfScore is the CF score of a provider with history hist for a task
// with the given tags, where client is the client-history part from
// clientScores.
func cfScore(hist []tagWeight, tags []uint32, client float32) float64 {
	c := min(float64(client), 1)
	var h float32
	for _, tw := range hist {
		if slices.Contains(tags, tw.tag) {
			h += tw.w
		}
	}
	t := float64(h) / (float64(h) + 2*float64(max(len(tags), 1)))
	return 1 - (1-c)*(1-t)
}
