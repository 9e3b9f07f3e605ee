package moderation_test

import (
	"strings"
	"testing"

	"github.com/talent-hub/talent/backend/moderation"
)

// BenchmarkCheck measures the backend's check of one task (a title and a
// 2 KB Chinese description without keywords) against 10,000 block and
// 1,000 review keywords (SEC-5):
//
//	go test -run '^$' -bench Check ./backend/moderation
func BenchmarkCheck(b *testing.B) {
	bd := setup(b)
	_, err := bd.db.Primary.Exec(b.Context(), `
		INSERT INTO moderation_keywords (list, word)
		SELECT 'block', '禁' || chr(19968 + (i % 20000)) || chr(19968 + (i / 7 % 20000)) || i FROM generate_series(1, 10000) i
		UNION ALL
		SELECT 'review', '审' || chr(19968 + (i % 20000)) || i FROM generate_series(1, 1000) i`)
	if err != nil {
		b.Fatal(err)
	}
	title := moderation.Field{Name: "title", Text: "开发一个支付对账后台"}
	desc := moderation.Field{Name: "description", Text: strings.Repeat("我们需要一个可以每天自动对账的后台系统，支持导出报表。", 30)}
	if v, err := bd.checker.Check(b.Context(), title, desc); err != nil || len(v.Fields) != 0 {
		b.Fatalf("Check = %v, %v; want nothing found", v, err)
	}
	b.SetBytes(int64(len(title.Text) + len(desc.Text)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := bd.checker.Check(b.Context(), title, desc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/check")
}
