package matching

import (
	"slices"

	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/skills"
)

// Scope is what a pin or a demotion applies to: one task, or every task
// with a skill tag.
type Scope struct {
	TaskID uuid.UUID
	Skill  string
}

// SetFlagged flags a provider as fake (excluded everywhere from the next
// query on) or clears the flag (MATCH-3).
func (e *Engine) SetFlagged(id uuid.UUID, flagged bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if flagged {
		e.adminFlag[id] = true
	} else {
		delete(e.adminFlag, id)
	}
	if slot, ok := e.byID[id]; ok {
		if flagged {
			e.provs[slot].flags |= fAdminFlag
		} else {
			e.provs[slot].flags &^= fAdminFlag
		}
		e.hots[slot].flags = e.provs[slot].flags
	}
}

// SetSkills replaces a provider's skill tags by an administrator's
// correction (MATCH-3); it holds over later profile changes until cleared
// with nil, when the skills from the source return.
func (e *Engine) SetSkills(id uuid.UUID, sk []Skill) {
	e.mu.Lock()
	defer e.mu.Unlock()
	slot, indexed := e.byID[id]
	_, corrected := e.skillOverride[id]
	if sk == nil {
		if !corrected {
			return
		}
		delete(e.skillOverride, id)
		sk = e.srcSkills[id]
		delete(e.srcSkills, id)
	} else {
		if !corrected && indexed {
			for _, s := range e.provs[slot].skills {
				e.srcSkills[id] = append(e.srcSkills[id], Skill{Tag: e.tagNames[s.tag], Level: int(s.level)})
			}
		}
		e.skillOverride[id] = slices.Clone(sk)
	}
	if !indexed {
		return
	}
	p := e.provs[slot]
	src := e.srcSkills[id]
	e.upsertProviderLocked(Provider{
		ID: p.id, Name: p.name, Skills: sk,
		RatingSum: float64(p.ratingSum), RatingCount: int(p.ratingCount),
		Completed: int(p.completed), Abandoned: int(p.abandoned), OnTime: int(p.onTime),
		RateFen: p.rateFen, City: e.cityName(p.city),
		UTCOffsetMin: int(p.offset),
		Available:    p.flags&fAvailable != 0, Vetted: p.flags&fVetted != 0, Flagged: p.flags&fFlagged != 0,
	})
	// The upsert took the correction for the source's skills.
	if src == nil {
		delete(e.srcSkills, id)
	} else {
		e.srcSkills[id] = src
	}
	// Newness depends on the join time, which the index does not keep.
	np := &e.provs[slot]
	np.flags = (np.flags &^ fNew) | (p.flags & fNew)
	e.hots[slot] = np.hot()
}

// cityName returns the interned name of city id.
func (e *Engine) cityName(id uint32) string {
	for k, v := range e.cityIDs {
		if v == id {
			return k
		}
	}
	return ""
}

// Pin puts a provider at the top of every slate in scope, or (on false)
// removes the pin.
func (e *Engine) Pin(scope Scope, provider uuid.UUID, on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	edit := func(list []uuid.UUID) []uuid.UUID {
		list = slices.DeleteFunc(list, func(id uuid.UUID) bool { return id == provider })
		if on {
			list = append(list, provider)
		}
		return list
	}
	if scope.Skill != "" {
		tag := e.tagLocked(skills.Normalise(scope.Skill))
		e.pinSkill[tag] = edit(e.pinSkill[tag])
		return
	}
	e.pinTask[scope.TaskID] = edit(e.pinTask[scope.TaskID])
}

// Demote multiplies a provider's score by Config.DemoteFactor in scope, or
// (on false) lifts the demotion.
func (e *Engine) Demote(scope Scope, provider uuid.UUID, on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var set map[uuid.UUID]bool
	if scope.Skill != "" {
		tag := e.tagLocked(skills.Normalise(scope.Skill))
		if e.demoteSkill[tag] == nil {
			e.demoteSkill[tag] = map[uuid.UUID]bool{}
		}
		set = e.demoteSkill[tag]
	} else {
		if e.demoteTask[scope.TaskID] == nil {
			e.demoteTask[scope.TaskID] = map[uuid.UUID]bool{}
		}
		set = e.demoteTask[scope.TaskID]
	}
	if on {
		set[provider] = true
	} else {
		delete(set, provider)
	}
}

// pinnedFor lists the providers pinned for a task: its own pins, then
// those of its tags.
func (e *Engine) pinnedFor(task uuid.UUID, tags []uint32) []uuid.UUID {
	out := slices.Clone(e.pinTask[task])
	for _, t := range tags {
		out = append(out, e.pinSkill[t]...)
	}
	return out
}

// demotedFor returns the providers demoted for a task, nil when none.
func (e *Engine) demotedFor(task uuid.UUID, tags []uint32) map[uuid.UUID]bool {
	var out map[uuid.UUID]bool
	add := func(set map[uuid.UUID]bool) {
		if len(set) == 0 {
			return
		}
		if out == nil {
			out = map[uuid.UUID]bool{}
		}
		for id := range set {
			out[id] = true
		}
	}
	add(e.demoteTask[task])
	for _, t := range tags {
		add(e.demoteSkill[t])
	}
	return out
}
