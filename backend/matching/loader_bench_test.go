package matching

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/talent-hub/talent/backend/testenv"
)

// BenchmarkLoader measures the PostgresLoader over a seeded market of
// TALENT_BENCH_LOADER_SIZE providers (default 10,000) with profiles, three
// skills each, and a reviewed, accepted task for every fifth: "full" is the
// first load (every provider, one query per source), "change" a sync after
// one profile changed (the change feed's common case).
//
//	go test -run '^$' -bench Loader -benchtime 5x ./backend/matching
func BenchmarkLoader(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("TALENT_BENCH_LOADER_SIZE")); err == nil && v > 0 {
		n = v
	}
	d := testenv.DB(b)
	ctx := b.Context()
	if _, err := d.Primary.Exec(ctx, `INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		 SELECT 'p' || i || '@example.com', 'x', 'Provider ' || i, '{provider}', '1' FROM generate_series(1, $1) i`, n); err != nil {
		b.Fatalf("seed providers: %v", err)
	}
	for _, q := range []string{
		`INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		 VALUES ('client@example.com', 'x', 'Client', '{client}', '1')`,
		`INSERT INTO provider_profiles (user_id, hourly_rate_fen, city, time_zone, availability, vetting_status)
		 SELECT id, 20000, '上海', 'Asia/Shanghai', 'full_time', 'approved' FROM users WHERE 'provider' = ANY (roles)`,
		`INSERT INTO provider_skills (user_id, tag, level)
		 SELECT id, tag, 3 FROM users, unnest('{go,react,postgresql}'::text[]) tag WHERE 'provider' = ANY (roles)`,
		`INSERT INTO tasks (client_id, title, budget_min_fen, budget_max_fen, delivery_date, skill_tags, status, provider_id)
		 SELECT (SELECT id FROM users WHERE email = 'client@example.com'), 'Job', 100000, 200000, '2030-01-01', '{go}', 'accepted', u.id
		 FROM users u WHERE 'provider' = ANY (u.roles) AND u.display_name LIKE '%0'
		   OR 'provider' = ANY (u.roles) AND u.display_name LIKE '%5'`,
		`INSERT INTO task_events (task_id, actor_id, from_status, to_status)
		 SELECT id, client_id, 'delivered', 'accepted' FROM tasks`,
		`INSERT INTO reviews (task_id, reviewer_id, reviewee_id, stars, body, create_time)
		 SELECT id, client_id, provider_id, 5, 'Good', now() - interval '20 days' FROM tasks`,
	} {
		if _, err := d.Primary.Exec(ctx, q); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	l := &PostgresLoader{DB: d}
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			ps, _, err := l.ProvidersSince(ctx, time.Time{})
			if err != nil || len(ps) != n {
				b.Fatalf("loaded %d, %v; want %d", len(ps), err, n)
			}
		}
	})
	b.Run("change", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			var mark time.Time
			if err := d.Primary.QueryRow(ctx, `SELECT now()`).Scan(&mark); err != nil {
				b.Fatal(err)
			}
			if _, err := d.Primary.Exec(ctx, `UPDATE provider_profiles SET hourly_rate_fen = hourly_rate_fen + 1, update_time = now()
				WHERE user_id = (SELECT id FROM users WHERE email = 'p7@example.com')`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			ps, _, err := l.ProvidersSince(ctx, mark.Add(-time.Millisecond))
			if err != nil || len(ps) != 1 {
				b.Fatalf("changed %d, %v; want 1", len(ps), err)
			}
		}
	})
}
