package matching

import (
	"container/heap"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/skills"
)

// maxTaskTags bounds the tags of a task the engine scores (tasks allow 10).
const maxTaskTags = 16

// MaxResults bounds the k of one recommendation.
const MaxResults = 100

// Flags of an indexed provider.
const (
	fLive uint8 = 1 << iota
	fAvailable
	fVetted
	fFlagged   // flagged at the source
	fAdminFlag // flagged by an administrator (MATCH-3)
	fNew
)

// skillRef is a provider's skill as interned tag and level.
type skillRef struct {
	tag   uint32
	level uint8
}

// tagWeight is a tag the collaborative filter saw a provider engaged on.
type tagWeight struct {
	tag uint32
	w   float32
}

// prov is an indexed provider, kept small: a million of them stay in a
// few hundred megabytes.
type prov struct {
	id          uuid.UUID
	name        string
	skills      []skillRef
	hist        []tagWeight
	rateFen     int64
	ratingSum   float32
	ratingCount int32
	completed   int32
	abandoned   int32
	onTime      int32
	history     float32
	cfConf      float32
	city        uint32
	offset      int16
	flags       uint8
}

func (p *prov) eligible() bool {
	return p.flags&(fLive|fAvailable|fVetted|fFlagged|fAdminFlag) == fLive|fAvailable|fVetted
}

// hot is what a query reads of every candidate, kept apart from prov in
// one dense array so that scoring a candidate touches one cache line.
type hot struct {
	history float32
	cfConf  float32
	rateFen float32
	city    uint32
	offset  int16
	flags   uint8
}

func (h *hot) eligible() bool {
	return h.flags&(fLive|fAvailable|fVetted|fFlagged|fAdminFlag) == fLive|fAvailable|fVetted
}

// taskRec is a task compiled for scoring; open tasks are also indexed for
// providers' feeds.
type taskRec struct {
	id, clientID uuid.UUID
	title        string
	tags         []uint32
	minRate      float64
	maxRate      float64
	remote       bool
	city         uint32
	lat, lon     float32
	hasCoord     bool
	offset       int16
	open         bool
	created      time.Time
}

// Engine is the in-memory matching index (MATCH-1): providers and open
// tasks in inverted indexes by skill tag, corrections, and the learned
// collaborative filter. It is safe for concurrent use; updates apply in
// place and are seen by the next query.
type Engine struct {
	cfg Config
	now func() time.Time

	mu       sync.RWMutex
	tagIDs   map[string]uint32
	tagNames []string
	related  [][]uint32 // by tag id
	cityIDs  map[string]uint32
	cityPos  [][2]float32 // by city id; NaN when unknown
	provs    []prov
	hots     []hot // by slot, in step with provs
	byID     map[uuid.UUID]int32
	free     []int32
	// postings lists, by tag id, the providers with the skill and its
	// level.
	postings [][]posting

	tasks        []taskRec
	taskByID     map[uuid.UUID]int32
	taskFree     []int32
	taskPostings [][]int32

	// Corrections (MATCH-3), applied at query time or on every upsert.
	adminFlag     map[uuid.UUID]bool
	skillOverride map[uuid.UUID][]Skill
	srcSkills     map[uuid.UUID][]Skill // the source's skills of corrected providers
	pinTask       map[uuid.UUID][]uuid.UUID
	pinSkill      map[uint32][]uuid.UUID
	demoteTask    map[uuid.UUID]map[uuid.UUID]bool
	demoteSkill   map[uint32]map[uuid.UUID]bool

	cf *cfModel

	scratch sync.Pool
}

// NewEngine returns an empty engine. now is the clock (nil: time.Now).
func NewEngine(cfg Config, now func() time.Time) *Engine {
	if now == nil {
		now = time.Now
	}
	e := &Engine{
		cfg:           cfg.withDefaults(),
		now:           now,
		tagIDs:        map[string]uint32{},
		cityIDs:       map[string]uint32{"": 0},
		cityPos:       [][2]float32{{float32(math.NaN()), float32(math.NaN())}},
		byID:          map[uuid.UUID]int32{},
		taskByID:      map[uuid.UUID]int32{},
		adminFlag:     map[uuid.UUID]bool{},
		skillOverride: map[uuid.UUID][]Skill{},
		srcSkills:     map[uuid.UUID][]Skill{},
		pinTask:       map[uuid.UUID][]uuid.UUID{},
		pinSkill:      map[uint32][]uuid.UUID{},
		demoteTask:    map[uuid.UUID]map[uuid.UUID]bool{},
		demoteSkill:   map[uint32]map[uuid.UUID]bool{},
		cf:            &cfModel{},
	}
	for _, v := range skills.Vocabulary {
		e.tagLocked(v)
	}
	return e
}

// Config returns the engine's effective configuration.
func (e *Engine) Config() Config { return e.cfg }

// tagLocked interns a canonical tag, wiring its related tags. e.mu held
// (or e not yet shared).
func (e *Engine) tagLocked(tag string) uint32 {
	if id, ok := e.tagIDs[tag]; ok {
		return id
	}
	id := uint32(len(e.tagNames))
	e.tagIDs[tag] = id
	e.tagNames = append(e.tagNames, tag)
	e.related = append(e.related, nil)
	e.postings = append(e.postings, nil)
	e.taskPostings = append(e.taskPostings, nil)
	for _, r := range skills.Related(tag) {
		rid := e.tagLocked(r)
		if !slices.Contains(e.related[id], rid) {
			e.related[id] = append(e.related[id], rid)
		}
		if !slices.Contains(e.related[rid], id) {
			e.related[rid] = append(e.related[rid], id)
		}
	}
	return id
}

// cityLocked interns a city name with its coordinates.
func (e *Engine) cityLocked(name string) uint32 {
	k := cityKey(name)
	if id, ok := e.cityIDs[k]; ok {
		return id
	}
	id := uint32(len(e.cityPos))
	e.cityIDs[k] = id
	pos := [2]float32{float32(math.NaN()), float32(math.NaN())}
	if lat, lon, ok := cityCoords(k); ok {
		pos = [2]float32{float32(lat), float32(lon)}
	}
	e.cityPos = append(e.cityPos, pos)
	return id
}

// Len returns the number of indexed providers and open tasks.
func (e *Engine) Len() (providers, openTasks int) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.byID), len(e.taskByID)
}

// UpsertProvider adds or replaces a provider; the next query sees it.
func (e *Engine) UpsertProvider(p Provider) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.upsertProviderLocked(p)
}

// UpsertProviders applies many changes under one lock.
func (e *Engine) UpsertProviders(ps []Provider) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range ps {
		e.upsertProviderLocked(p)
	}
}

// upsertProviderLocked indexes p.
func (e *Engine) upsertProviderLocked(p Provider) {
	slot, ok := e.byID[p.ID]
	var old *prov
	if ok {
		old = &e.provs[slot]
	} else {
		if n := len(e.free); n > 0 {
			slot = e.free[n-1]
			e.free = e.free[:n-1]
		} else {
			slot = int32(len(e.provs))
			e.provs = append(e.provs, prov{})
			e.hots = append(e.hots, hot{})
		}
		e.byID[p.ID] = slot
	}
	if ov, ok := e.skillOverride[p.ID]; ok {
		e.srcSkills[p.ID] = p.Skills
		p.Skills = ov
	}
	np := prov{
		id:          p.ID,
		name:        p.Name,
		rateFen:     p.RateFen,
		ratingSum:   float32(p.RatingSum),
		ratingCount: int32(p.RatingCount),
		completed:   int32(p.Completed),
		abandoned:   int32(p.Abandoned),
		onTime:      int32(p.OnTime),
		city:        e.cityLocked(p.City),
		offset:      int16(p.UTCOffsetMin),
		flags:       fLive,
	}
	if p.Available {
		np.flags |= fAvailable
	}
	if p.Vetted {
		np.flags |= fVetted
	}
	if p.Flagged {
		np.flags |= fFlagged
	}
	if e.adminFlag[p.ID] {
		np.flags |= fAdminFlag
	}
	if p.Completed == 0 && p.RatingCount == 0 && (p.Joined.IsZero() || e.now().Sub(p.Joined) < e.cfg.NewFor) {
		np.flags |= fNew
	}
	if pos := &e.cityPos[np.city]; np.city != 0 && math.IsNaN(float64(pos[0])) && (p.Lat != 0 || p.Lon != 0) {
		// A city the table does not know, placed by its first provider.
		*pos = [2]float32{float32(p.Lat), float32(p.Lon)}
	}
	np.history = float32(e.historyScore(p.RatingSum, p.RatingCount, p.Completed, p.Abandoned, p.OnTime))
	for _, s := range p.Skills {
		t := skills.Normalise(s.Tag)
		if t == "" {
			continue
		}
		id := e.tagLocked(t)
		if slices.ContainsFunc(np.skills, func(r skillRef) bool { return r.tag == id }) {
			continue
		}
		np.skills = append(np.skills, skillRef{tag: id, level: uint8(min(max(s.Level, 1), 5))})
	}
	if old != nil && old.flags&fLive != 0 {
		np.hist, np.cfConf = old.hist, old.cfConf
		for _, s := range old.skills {
			e.postings[s.tag] = removePosting(e.postings[s.tag], slot)
		}
	}
	for _, s := range np.skills {
		e.postings[s.tag] = append(e.postings[s.tag], posting{slot: slot, level: s.level})
	}
	e.provs[slot] = np
	e.hots[slot] = np.hot()
}

// hot returns the query-time fields of p.
func (p *prov) hot() hot {
	return hot{history: p.history, cfConf: p.cfConf, rateFen: float32(p.rateFen), city: p.city, offset: p.offset, flags: p.flags}
}

// posting is one provider in a tag's list, with its level of the skill.
type posting struct {
	slot  int32
	level uint8
}

// removePosting removes slot from a list (order is not kept).
func removePosting(list []posting, slot int32) []posting {
	for i, p := range list {
		if p.slot == slot {
			list[i] = list[len(list)-1]
			return list[:len(list)-1]
		}
	}
	return list
}

// removeSlot removes slot from a posting list (order is not kept).
func removeSlot(list []int32, slot int32) []int32 {
	for i, s := range list {
		if s == slot {
			list[i] = list[len(list)-1]
			return list[:len(list)-1]
		}
	}
	return list
}

// RemoveProvider drops a provider from the index.
func (e *Engine) RemoveProvider(id uuid.UUID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	slot, ok := e.byID[id]
	if !ok {
		return
	}
	for _, s := range e.provs[slot].skills {
		e.postings[s.tag] = removePosting(e.postings[s.tag], slot)
	}
	e.provs[slot] = prov{}
	e.hots[slot] = hot{}
	delete(e.byID, id)
	e.free = append(e.free, slot)
}

// Provider returns the indexed view of one provider: its skills (after
// any correction) and whether it is recommended at all.
func (e *Engine) Provider(id uuid.UUID) (sk []Skill, eligible bool, ok bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	slot, ok := e.byID[id]
	if !ok {
		return nil, false, false
	}
	p := &e.provs[slot]
	for _, s := range p.skills {
		sk = append(sk, Skill{Tag: e.tagNames[s.tag], Level: int(s.level)})
	}
	return sk, p.eligible(), true
}

// historyScore is the history and rating part: a Bayesian-smoothed rating
// (one review does not dominate) with smoothed completion and on-time
// rates.
func (e *Engine) historyScore(ratingSum float64, ratingCount, completed, abandoned, onTime int) float64 {
	c := e.cfg.RatingPriorWeight
	r := (e.cfg.RatingPrior*c + ratingSum) / (c + float64(ratingCount))
	rn := min(max((r-1)/4, 0), 1)
	const prior, pw = 0.8, 2.0
	completion := (float64(completed) + prior*pw) / (float64(completed+abandoned) + pw)
	ontime := (float64(onTime) + prior*pw) / (float64(completed) + pw)
	return 0.6*rn + 0.2*completion + 0.2*ontime
}

// compileTask turns a task into its scoring form. e.mu held (write lock
// when intern is true, since new tags and cities are interned).
func (e *Engine) compileTask(t Task, intern bool) taskRec {
	effort := t.EffortHours
	if effort <= 0 {
		effort = e.cfg.DefaultEffortHours
	}
	r := taskRec{
		id: t.ID, clientID: t.ClientID, title: t.Title,
		minRate: float64(t.BudgetMinFen) / effort, maxRate: float64(t.BudgetMaxFen) / effort,
		remote: t.Remote, offset: int16(t.UTCOffsetMin), open: t.Open, created: t.CreateTime,
	}
	for _, tag := range t.Skills {
		n := skills.Normalise(tag)
		if n == "" {
			continue
		}
		id, ok := e.tagIDs[n]
		if !ok {
			if !intern {
				id = math.MaxUint32 // a tag nobody has
			} else {
				id = e.tagLocked(n)
			}
		}
		if !slices.Contains(r.tags, id) && len(r.tags) < maxTaskTags {
			r.tags = append(r.tags, id)
		}
	}
	if !t.Remote {
		k := cityKey(t.City)
		if id, ok := e.cityIDs[k]; ok {
			r.city = id
		} else if intern {
			r.city = e.cityLocked(t.City)
		} else {
			r.city = math.MaxUint32
		}
		if lat, lon, ok := cityCoords(k); ok {
			r.lat, r.lon, r.hasCoord = float32(lat), float32(lon), true
		}
	}
	return r
}

// HasTask reports whether an open task is in the feed index.
func (e *Engine) HasTask(id uuid.UUID) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, ok := e.taskByID[id]
	return ok
}

// UpsertTask adds, replaces or (when not open) removes a task from the
// feed index.
func (e *Engine) UpsertTask(t Task) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.upsertTaskLocked(t)
}

// UpsertTasks applies many task changes under one lock.
func (e *Engine) UpsertTasks(ts []Task) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range ts {
		e.upsertTaskLocked(t)
	}
}

func (e *Engine) upsertTaskLocked(t Task) {
	if slot, ok := e.taskByID[t.ID]; ok {
		for _, tag := range e.tasks[slot].tags {
			e.taskPostings[tag] = removeSlot(e.taskPostings[tag], slot)
		}
		e.tasks[slot] = taskRec{}
		delete(e.taskByID, t.ID)
		e.taskFree = append(e.taskFree, slot)
	}
	if !t.Open {
		return
	}
	r := e.compileTask(t, true)
	var slot int32
	if n := len(e.taskFree); n > 0 {
		slot = e.taskFree[n-1]
		e.taskFree = e.taskFree[:n-1]
	} else {
		slot = int32(len(e.tasks))
		e.tasks = append(e.tasks, taskRec{})
	}
	e.tasks[slot] = r
	e.taskByID[t.ID] = slot
	for _, tag := range r.tags {
		e.taskPostings[tag] = append(e.taskPostings[tag], slot)
	}
}

// scoreParts scores provider p for task t given the skill part already
// computed (best credit per task tag in best). It fills the explanation's
// non-skill facts.
func (e *Engine) scoreParts(p *prov, t *taskRec, skill float64, ex *Explanation) (weighted float64, parts Parts) {
	parts.Skill = skill
	parts.History = float64(p.history)
	// Location.
	if t.remote {
		d := math.Abs(float64(int(p.offset)-int(t.offset))) / 60
		overlap := max(0, 9-d)
		parts.Location = overlap / 9
		ex.Remote = true
		ex.TimeZoneOverlapHours = int(overlap)
	} else {
		ex.DistanceKM = -1
		switch {
		case p.city != 0 && p.city == t.city:
			parts.Location = 1
			ex.SameCity = true
			ex.DistanceKM = 0
		default:
			if d, ok := e.cityDistance(p.city, t); ok {
				parts.Location = 0.8 * math.Exp(-d/300)
				ex.DistanceKM = int(d)
			} else {
				parts.Location = 0.1
			}
		}
	}
	// Price: the hourly rate against the task's hourly budget.
	ex.RateFen = p.rateFen
	switch rate := float64(p.rateFen); {
	case rate <= 0 || t.maxRate <= 0:
		parts.Price = 0.5
	case rate <= t.maxRate:
		parts.Price = 1
		ex.RateWithinBudget = true
	default:
		parts.Price = max(0, 1-(rate-t.maxRate)/t.maxRate)
	}
	w := e.cfg.Weights
	weighted = w.Skill*parts.Skill + w.History*parts.History + w.Location*parts.Location + w.Price*parts.Price
	return weighted, parts
}

// cityDistance is the distance from city id to task t's place.
func (e *Engine) cityDistance(city uint32, t *taskRec) (float64, bool) {
	if !t.hasCoord || int(city) >= len(e.cityPos) {
		return 0, false
	}
	pos := e.cityPos[city]
	if math.IsNaN(float64(pos[0])) {
		return 0, false
	}
	return distanceKM(float64(pos[0]), float64(pos[1]), float64(t.lat), float64(t.lon)), true
}

// explainRecord fills the provider's record into ex.
func explainRecord(p *prov, ex *Explanation) {
	if p.ratingCount > 0 {
		ex.Rating = math.Round(float64(p.ratingSum)/float64(p.ratingCount)*10) / 10
	}
	ex.RatingCount = int(p.ratingCount)
	ex.CompletedJobs = int(p.completed)
	if p.completed > 0 {
		ex.OnTimePercent = int(math.Round(100 * float64(p.onTime) / float64(p.completed)))
	}
	ex.NewProvider = p.flags&fNew != 0
}

// scored is one candidate in a bounded heap.
type scored struct {
	slot  int32
	score float64
}

// minHeap keeps the best k: its root is the worst kept.
type minHeap []scored

func (h minHeap) Len() int { return len(h) }
func (h minHeap) Less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score < h[j].score
	}
	return h[i].slot > h[j].slot
}
func (h minHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)   { *h = append(*h, x.(scored)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// offer keeps c if it is among the best k.
func (h *minHeap) offer(c scored, k int) {
	if k <= 0 {
		return
	}
	if h.Len() < k {
		heap.Push(h, c)
		return
	}
	if (*h)[0].score < c.score || ((*h)[0].score == c.score && (*h)[0].slot > c.slot) {
		(*h)[0] = c
		heap.Fix(h, 0)
	}
}

// sorted returns the kept candidates best first.
func (h minHeap) sorted() []scored {
	out := slices.Clone(h)
	slices.SortFunc(out, func(a, b scored) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		default:
			return int(a.slot - b.slot)
		}
	})
	return out
}

// scratch is per-query working memory, pooled.
type scratch struct {
	epoch   uint32
	seen    []uint32 // by slot: epoch when last seen
	exact   []uint16 // by tag id: bit i set when the tag is task tag i
	rel     []uint16 // by tag id: bit i set when related to task tag i
	touched []uint32
	// Term-at-a-time accumulators by slot, zero between queries.
	acc        []float32
	cur        []float32
	curTouched []int32
	cands      []int32
	order      []int32
	client     []float32 // the client-history CF score by slot
}

func (e *Engine) getScratch(slots, tags int) *scratch {
	s, _ := e.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	if len(s.seen) < slots {
		s.seen = make([]uint32, slots+slots/8)
		s.acc = make([]float32, slots+slots/8)
		s.cur = make([]float32, slots+slots/8)
		s.client = make([]float32, slots+slots/8)
		s.epoch = 0
	}
	if len(s.exact) < tags {
		s.exact = make([]uint16, tags+64)
		s.rel = make([]uint16, tags+64)
	}
	s.epoch++
	if s.epoch == 0 {
		clear(s.seen)
		s.epoch = 1
	}
	return s
}

func (e *Engine) putScratch(s *scratch) {
	for _, t := range s.touched {
		s.exact[t], s.rel[t] = 0, 0
	}
	s.touched = s.touched[:0]
	e.scratch.Put(s)
}
