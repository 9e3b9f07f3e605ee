package matching

import (
	"time"

	"github.com/google/uuid"
)

// Skill is one skill of a provider: a tag from the shared vocabulary
// (backend/skills) and a level from 1 (beginner) to 5 (expert).
type Skill struct {
	Tag   string
	Level int
}

// Provider is the engine's read model of a provider: what ranking needs,
// nothing more. A Loader fills it from wherever profiles, ratings and
// vetting live.
type Provider struct {
	ID   uuid.UUID
	Name string
	// Skills with levels 1..5; tags are normalised by the engine.
	Skills []Skill
	// RatingSum is the sum of the star ratings (1..5) of RatingCount reviews.
	RatingSum   float64
	RatingCount int
	// Completed jobs, Abandoned ones (cancelled or lost in a dispute after
	// the award), and OnTime: completed jobs delivered by the agreed date.
	Completed int
	Abandoned int
	OnTime    int
	// RateFen is the hourly rate in CNY fen.
	RateFen int64
	// City is where the provider works from; Lat and Lon place it (both 0:
	// looked up in the city table by name).
	City     string
	Lat, Lon float64
	// UTCOffsetMin is the provider's time zone as minutes east of UTC
	// (480 for China Standard Time).
	UTCOffsetMin int
	// Available, Vetted and Flagged: only available, vetted, unflagged
	// providers are recommended (MATCH-1, MATCH-3).
	Available bool
	Vetted    bool
	Flagged   bool
	// Joined is when the provider joined; new providers get exploration
	// slots (MATCH-2).
	Joined time.Time
}

// Task is the engine's query model of a task.
type Task struct {
	ID       uuid.UUID
	ClientID uuid.UUID
	Title    string
	// Ref is the readable reference, "T-000123".
	Ref string
	// Skills are the task's tags, at most 10 (TASK-1).
	Skills []string
	// The task's budget range in fen; EffortHours turns it into an hourly
	// range (0: Config.DefaultEffortHours).
	BudgetMinFen int64
	BudgetMaxFen int64
	EffortHours  float64
	// Remote work is scored by time-zone overlap, on-site work by city.
	Remote       bool
	City         string
	UTCOffsetMin int
	// Open tasks are in providers' feeds.
	Open       bool
	CreateTime time.Time
}

// Interaction is one event of the market's history the collaborative
// filter learns from.
type Interaction struct {
	ClientID   uuid.UUID
	TaskID     uuid.UUID
	ProviderID uuid.UUID
	Kind       InteractionKind
	// Tags are the task's skill tags.
	Tags []string
}

// InteractionKind is what happened between a client's task and a provider.
type InteractionKind int

// Interaction kinds, weakest signal first.
const (
	Invited InteractionKind = iota + 1
	Proposed
	Hired
)

// weight is how much an interaction of kind k says about a preference.
func (k InteractionKind) weight() float32 {
	switch k {
	case Hired:
		return 3
	case Proposed:
		return 1
	default:
		return 0.5
	}
}

// Weights are the shares of the four parts of the weighted score
// (MATCH-1). They need not sum to 1; they are normalised.
type Weights struct {
	Skill, History, Location, Price float64
}

// DefaultWeights is the 40/30/20/10 split of MATCH-1.
var DefaultWeights = Weights{Skill: 0.4, History: 0.3, Location: 0.2, Price: 0.1}

// Config tunes the engine. The zero value of a field means its default.
type Config struct {
	Weights Weights
	// CFBlend is the most the collaborative-filtering score may lift a
	// provider's score, as a share of the way to 1 (0..1); a provider's
	// share grows with their history as n/(n+CFConfidence), and the lift
	// never lowers anyone, so new providers keep their weighted score.
	// Negative disables CF.
	CFBlend      float64
	CFConfidence float64
	// RelatedCredit is what a related skill counts for against an exact one.
	RelatedCredit float64
	// RatingPrior and RatingPriorWeight smooth ratings: a provider's
	// rating is pulled toward RatingPrior as if they had RatingPriorWeight
	// reviews of it.
	RatingPrior       float64
	RatingPriorWeight float64
	// DefaultEffortHours turns a task's budget into an hourly rate.
	DefaultEffortHours float64
	// DemoteFactor multiplies a demoted provider's score.
	DemoteFactor float64
	// ExploreSlots of every slate go to new providers (MATCH-2); negative
	// disables exploration. ExploreEvery places them: positions
	// ExploreEvery-1, 2*ExploreEvery-1, ...
	ExploreSlots int
	ExploreEvery int
	// NewFor is how long after joining a provider with no completed job
	// counts as new.
	NewFor time.Duration
}

func (c Config) withDefaults() Config {
	if c.Weights == (Weights{}) {
		c.Weights = DefaultWeights
	}
	sum := c.Weights.Skill + c.Weights.History + c.Weights.Location + c.Weights.Price
	if sum > 0 {
		c.Weights = Weights{c.Weights.Skill / sum, c.Weights.History / sum, c.Weights.Location / sum, c.Weights.Price / sum}
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.CFBlend, 0.3)
	if c.CFBlend < 0 {
		c.CFBlend = 0
	}
	def(&c.CFConfidence, 5)
	def(&c.RelatedCredit, 0.5)
	def(&c.RatingPrior, 4.0)
	def(&c.RatingPriorWeight, 5)
	def(&c.DefaultEffortHours, 40)
	def(&c.DemoteFactor, 0.25)
	if c.ExploreSlots == 0 {
		c.ExploreSlots = 2
	}
	if c.ExploreSlots < 0 {
		c.ExploreSlots = 0
	}
	if c.ExploreEvery == 0 {
		c.ExploreEvery = 5
	}
	if c.NewFor == 0 {
		c.NewFor = 60 * 24 * time.Hour
	}
	return c
}

// Parts are the four weighted parts of a score, each 0..1, and the
// collaborative-filtering score blended in.
type Parts struct {
	Skill, History, Location, Price, CF float64
}

// Explanation says why a result ranks where it does, in facts a page can
// render in any language (MATCH-1 "explains itself").
type Explanation struct {
	// SkillsMatched of SkillsTotal task tags are among the provider's
	// skills (exactly or by synonym); SkillsRelated more by a related skill.
	SkillsMatched int
	SkillsRelated int
	SkillsTotal   int
	// Rating is the plain average over RatingCount reviews (0 when none);
	// CompletedJobs and OnTimePercent are the provider's record.
	Rating        float64
	RatingCount   int
	CompletedJobs int
	OnTimePercent int
	// Remote work: TimeZoneOverlapHours of a 9-to-6 working day shared.
	// On-site work: SameCity, or DistanceKM (-1 when unknown).
	Remote               bool
	TimeZoneOverlapHours int
	SameCity             bool
	DistanceKM           int
	// RateFen against the task's hourly budget: RateWithinBudget or not.
	RateFen          int64
	RateWithinBudget bool
	// SimilarHires: the collaborative filter found the provider like ones
	// this client engaged before, or often hired for these skills.
	SimilarHires bool
	// NewProvider, Exploration (an exploration slot), Pinned and Demoted by
	// an administrator (MATCH-3).
	NewProvider bool
	Exploration bool
	Pinned      bool
	Demoted     bool
}

// Match is one ranked result: a provider for a task or a task for a
// provider.
type Match struct {
	ProviderID  uuid.UUID
	TaskID      uuid.UUID
	Name        string
	Score       float64
	Parts       Parts
	Explanation Explanation
}
