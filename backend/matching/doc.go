// Package matching is the matching engine (requirements MATCH-1..MATCH-3):
// it ranks providers for a task and open tasks for a provider by a
// weighted score of skill (40 %), history and rating (30 %), location
// (20 %) and price (10 %), blended with a collaborative filter learned
// from invites, proposals and hires, and explains every result.
//
// The Engine is an in-memory index: providers in posting lists by skill
// tag (with the synonyms of backend/skills folded in and related skills
// looked up at query time), each list ordered by the best score its
// providers could reach, so a query reads a list only until nobody
// further down can enter its top k; bounded heaps keep the top k. Updates
// apply in place under a write lock and are seen by the next query.
//
// The Service (service.go) serves talent.matching.v1: it keeps the engine
// fed from Postgres through a Loader, stores administrators' corrections
// and the slates it served with their events, and exports click-through
// metrics. docs/matching.md is the operator's guide.
package matching
