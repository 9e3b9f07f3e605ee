package pages

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	matchingv1 "github.com/talent-hub/talent/proto/talent/matching/v1"
	"github.com/talent-hub/talent/webapp/ui"
)

// whyCompo renders why() for a test.
type whyCompo struct {
	app.Compo
	lang ui.Lang
	ex   *matchingv1.Explanation
}

func (c *whyCompo) Render() app.UI { return app.Div().ID("why").Body(why(c.lang, c.ex)) }

// TestWhyExplains checks that a recommendation explains itself in English
// and Chinese (MATCH-1): skills, rating over jobs, place, budget, flags.
func TestWhyExplains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lang ui.Lang
		ex   *matchingv1.Explanation
		want string
	}{
		{"veteran on site", ui.English, &matchingv1.Explanation{
			SkillsMatched: 4, SkillsTotal: 5, Rating: 4.8, RatingCount: 12, CompletedJobs: 12,
			SameCity: true, RateFen: 20000, RateWithinBudget: true,
		}, "4 of 5 skills | 4.8 ★ over 12 jobs | Same city | Rate within budget"},
		{"newcomer remote, in Chinese", ui.Chinese, &matchingv1.Explanation{
			SkillsMatched: 1, SkillsRelated: 1, SkillsTotal: 2, NewProvider: true, Remote: true,
			TimeZoneOverlapHours: 8, RateFen: 90000, Exploration: true,
		}, "匹配 2 项技能中的 1 项 | 另有 1 项相关技能 | 新加入 | 工作时间重叠 8 小时 | 报价高于预算 | 新人推荐位"},
		{"far, pinned, like past hires", ui.English, &matchingv1.Explanation{
			SkillsMatched: 2, SkillsTotal: 2, Rating: 4.5, RatingCount: 3, CompletedJobs: 4,
			DistanceKm: 1068, SimilarHires: true, Pinned: true,
		}, "2 of 2 skills | 4.5 ★ over 4 jobs | 1068 km away | Like providers you engaged | Pinned"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := render(t, &whyCompo{lang: tt.lang, ex: tt.ex})
			var facts []string
			for line := range strings.SplitSeq(textOf(byID(doc, "why")), "\n") {
				facts = append(facts, strings.TrimSpace(line))
			}
			if got := strings.Join(facts, " | "); got != tt.want {
				t.Fatalf("why = %q, want %q", got, tt.want)
			}
		})
	}
}
