package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/skills"
	"github.com/talent-hub/talent/backend/testenv"
)

// BenchmarkMatch is `make bench-match` (MATCH-2): the top 20 providers for
// a task over a synthetic market of 10,000, 100,000 and 1,000,000
// providers, from the engine and from a naive SQL query that computes the
// same weighted score for every provider with a tag in common and sorts by
// it (ORDER BY score LIMIT 20, a GIN index on the skills), on the same
// data in a real Postgres. Each reports p50-ms and p99-ms over its
// queries; the engine also its heap after the build and its build time.
// TALENT_BENCH_MATCH_SIZES limits the sizes (comma-separated).
func BenchmarkMatch(b *testing.B) {
	sizes := []int{10_000, 100_000, 1_000_000}
	if v := os.Getenv("TALENT_BENCH_MATCH_SIZES"); v != "" {
		sizes = nil
		for f := range strings.SplitSeq(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatalf("TALENT_BENCH_MATCH_SIZES: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("providers=%d", n), func(b *testing.B) {
			s := newSynth(1)
			clients := max(n/20, 100)
			tasks := make([]Task, 500)
			for i := range tasks {
				tasks[i] = s.taskOfClient(3_000_000+i, i%clients).Task
			}
			b.Run("engine", func(b *testing.B) {
				start := time.Now()
				e := benchEngine(s, n, clients)
				build := time.Since(start)
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				lat := make([]time.Duration, 0, 10_000)
				cpu := make([]time.Duration, 0, 10_000)
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				i := 0
				for b.Loop() {
					t0, c0 := time.Now(), threadCPU()
					if got := e.RecommendProviders(tasks[i%len(tasks)], 20, RankOptions{}); len(got) == 0 {
						b.Fatal("no results")
					}
					lat = append(lat, time.Since(t0))
					cpu = append(cpu, threadCPU()-c0)
					i++
				}
				reportLatency(b, lat, "")
				reportLatency(b, cpu, "cpu-")
				b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
				b.ReportMetric(build.Seconds(), "build-s")
				runtime.KeepAlive(e)
			})
			b.Run("sql", func(b *testing.B) {
				conn := benchSQL(b, s, n)
				lat := make([]time.Duration, 0, 100)
				i := 0
				for b.Loop() {
					t0 := time.Now()
					if got := naiveTop20(b, conn, tasks[i%len(tasks)]); got == 0 {
						b.Fatal("no results")
					}
					lat = append(lat, time.Since(t0))
					i++
				}
				reportLatency(b, lat, "")
			})
		})
	}
}

// reportLatency reports the median and 99th percentile of lat, its units
// prefixed with prefix.
func reportLatency(b *testing.B, lat []time.Duration, prefix string) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)
		return float64(lat[max(i, 0)]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), prefix+"p50-ms")
	b.ReportMetric(pct(0.99), prefix+"p99-ms")
	b.ReportMetric(float64(len(lat)), "queries")
	b.ReportMetric(0, "ns/op") // the percentiles say more
}

// benchEngine builds an engine over n synthetic providers, in batches so
// the build never holds the whole market twice, with a history of about
// n/2 interactions for the collaborative filter.
func benchEngine(s *synth, n, clients int) *Engine {
	e := NewEngine(Config{}, func() time.Time { return s.now })
	const batch = 50_000
	buf := make([]Provider, 0, batch)
	var history []Interaction
	r := rand.New(rand.NewPCG(3, 3))
	for i := range n {
		p := s.provider(i)
		buf = append(buf, p.Provider)
		if p.Completed > 0 && r.Float64() < 0.5 {
			// Engaged by a few clients, mostly of the provider's taste group.
			for range 1 + r.IntN(3) {
				c := r.IntN(clients)
				if r.Float64() < 0.7 {
					c = c - c%synthGroups + p.group
					c = min(c, clients-1)
				}
				tags := make([]string, 0, 2)
				for _, sk := range p.Skills[:min(2, len(p.Skills))] {
					tags = append(tags, sk.Tag)
				}
				history = append(history, Interaction{ClientID: s.clientID(c), ProviderID: p.ID, Kind: InteractionKind(1 + r.IntN(3)), Tags: tags})
			}
		}
		if len(buf) == batch {
			e.UpsertProviders(buf)
			buf = buf[:0]
		}
	}
	e.UpsertProviders(buf)
	e.LearnCF(history)
	return e
}

// benchSQL loads the same n providers into a fresh database.
func benchSQL(b *testing.B, s *synth, n int) *pgx.Conn {
	b.Helper()
	db := testenv.DB(b)
	conn, err := pgx.Connect(b.Context(), db.Primary.Config().ConnString())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(b.Context()) })
	ctx := b.Context()
	if _, err := conn.Exec(ctx, `
		CREATE TABLE match_bench_providers (
			id uuid PRIMARY KEY, skills text[] NOT NULL, levels int[] NOT NULL,
			rating_sum float8 NOT NULL, rating_count int NOT NULL, completed int NOT NULL,
			abandoned int NOT NULL, on_time int NOT NULL, rate_fen bigint NOT NULL,
			city text NOT NULL, lat float8, lon float8, utc_offset int NOT NULL,
			available bool NOT NULL, vetted bool NOT NULL, flagged bool NOT NULL);
		CREATE TABLE match_bench_related (tag text NOT NULL, rel text NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	i := 0
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"match_bench_providers"},
		[]string{"id", "skills", "levels", "rating_sum", "rating_count", "completed", "abandoned", "on_time",
			"rate_fen", "city", "lat", "lon", "utc_offset", "available", "vetted", "flagged"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			p := s.provider(i)
			i++
			var tags []string
			var levels []int32
			for _, sk := range p.Skills {
				tags = append(tags, skills.Normalise(sk.Tag))
				levels = append(levels, int32(sk.Level))
			}
			city := cityKey(p.City)
			var lat, lon *float64
			if la, lo, ok := cityCoords(city); ok {
				lat, lon = &la, &lo
			}
			return []any{p.ID, tags, levels, p.RatingSum, p.RatingCount, p.Completed, p.Abandoned, p.OnTime,
				p.RateFen, city, lat, lon, p.UTCOffsetMin, p.Available, p.Vetted, p.Flagged}, nil
		}))
	if err != nil {
		b.Fatal(err)
	}
	rows := [][]any{}
	for _, v := range skills.Vocabulary {
		for _, r := range skills.Related(v) {
			rows = append(rows, []any{v, r})
		}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"match_bench_related"}, []string{"tag", "rel"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `
		CREATE INDEX ON match_bench_providers USING gin (skills);
		CREATE INDEX ON match_bench_related (tag);
		ANALYZE match_bench_providers; ANALYZE match_bench_related`); err != nil {
		b.Fatal(err)
	}
	return conn
}

// naiveQuery computes the engine's plain weighted score (no CF) for every
// eligible provider with a tag or related tag in common and sorts by it.
const naiveQuery = `
WITH q AS (SELECT DISTINCT unnest($1::text[]) AS tag),
qx AS (
	SELECT q.tag AS qtag, q.tag AS tag, 1.0::float8 AS credit FROM q
	UNION ALL
	SELECT q.tag, r.rel, 0.5 FROM q JOIN match_bench_related r ON r.tag = q.tag
)
SELECT p.id,
	0.4 * coalesce((SELECT sum(best) FROM (
		SELECT max(qx.credit * s.level / 5.0) AS best
		FROM unnest(p.skills, p.levels) AS s(tag, level) JOIN qx ON qx.tag = s.tag
		GROUP BY qx.qtag) b), 0) / $2
	+ 0.3 * (0.6 * least(greatest(((4.0 * 5 + p.rating_sum) / (5 + p.rating_count) - 1) / 4, 0), 1)
		+ 0.2 * (p.completed + 1.6) / (p.completed + p.abandoned + 2)
		+ 0.2 * (p.on_time + 1.6) / (p.completed + 2))
	+ 0.2 * CASE
		WHEN $3 THEN greatest(0, 9 - abs(p.utc_offset - $7) / 60.0) / 9
		WHEN p.city = $4 THEN 1
		WHEN p.lat IS NOT NULL AND $5::float8 IS NOT NULL THEN 0.8 * exp(-(2 * 6371 * asin(sqrt(
			power(sin(radians(p.lat - $5) / 2), 2)
			+ cos(radians($5)) * cos(radians(p.lat)) * power(sin(radians(p.lon - $6) / 2), 2)))) / 300)
		ELSE 0.1 END
	+ 0.1 * CASE
		WHEN p.rate_fen <= 0 OR $8 <= 0 THEN 0.5
		WHEN p.rate_fen <= $8 THEN 1
		ELSE greatest(0, 1 - (p.rate_fen - $8) / $8) END
	AS score
FROM match_bench_providers p
WHERE p.available AND p.vetted AND NOT p.flagged
	AND p.skills && (SELECT array_agg(tag) FROM qx)
ORDER BY score DESC
LIMIT 20`

// naiveTop20 runs naiveQuery for t and returns the number of rows.
func naiveTop20(b *testing.B, conn *pgx.Conn, t Task) int {
	var tags []string
	for _, tag := range t.Skills {
		tags = append(tags, skills.Normalise(tag))
	}
	city := cityKey(t.City)
	var lat, lon *float64
	if la, lo, ok := cityCoords(city); ok && !t.Remote {
		lat, lon = &la, &lo
	}
	rows, err := conn.Query(b.Context(), naiveQuery, tags, len(tags), t.Remote, city, lat, lon,
		t.UTCOffsetMin, float64(t.BudgetMaxFen)/40)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}
