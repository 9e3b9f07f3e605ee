package tasks

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/skills"
	"github.com/talent-hub/talent/backend/tasks/internal/db"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// Limits of a search.
const (
	maxQueryLen   = 100
	maxQueryTerms = 8
)

// order is one sort of ListTasks: a key column and its direction, with the
// id breaking ties so that keyset pages never skip or repeat a task.
type order struct {
	expr string // the SQL key expression
	desc bool
	// keyOf reads the key of a task as an int64 for the page token, and
	// arg turns it back into the SQL parameter.
	keyOf func(t db.Task) int64
	arg   func(k int64) any
}

// orders are the sorts of ListTasks.
var orders = map[tasksv1.TaskSort]order{
	tasksv1.TaskSort_TASK_SORT_NEWEST: {
		expr: "t.create_time", desc: true,
		keyOf: func(t db.Task) int64 { return t.CreateTime.UnixMicro() },
		arg:   func(k int64) any { return time.UnixMicro(k).UTC() },
	},
	tasksv1.TaskSort_TASK_SORT_BUDGET_HIGH: {
		expr: "t.budget_max_fen", desc: true,
		keyOf: func(t db.Task) int64 { return t.BudgetMaxFen },
		arg:   func(k int64) any { return k },
	},
	tasksv1.TaskSort_TASK_SORT_BUDGET_LOW: {
		expr:  "t.budget_min_fen",
		keyOf: func(t db.Task) int64 { return t.BudgetMinFen },
		arg:   func(k int64) any { return k },
	},
	tasksv1.TaskSort_TASK_SORT_DELIVERY_SOONEST: {
		expr:  "t.delivery_date",
		keyOf: func(t db.Task) int64 { return t.DeliveryDate.Unix() / 86400 },
		arg:   func(k int64) any { return time.Unix(k*86400, 0).UTC() },
	},
}

// cursor is a position in one sort of the task list: the next page holds
// the tasks strictly after it.
type cursor struct {
	sort tasksv1.TaskSort
	key  int64
	id   uuid.UUID
}

// encodePageToken makes the opaque page token for c: unpadded base64url of
// the sort, the key and the 16 id bytes.
func encodePageToken(c cursor) string {
	b := make([]byte, 9, 25)
	b[0] = byte(c.sort)
	binary.BigEndian.PutUint64(b[1:], uint64(c.key))
	b = append(b, c.id[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken reads a token made by encodePageToken.
func decodePageToken(token string) (cursor, bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != 25 {
		return cursor{}, false
	}
	id, err := uuid.FromBytes(b[9:])
	if err != nil {
		return cursor{}, false
	}
	return cursor{sort: tasksv1.TaskSort(b[0]), key: int64(binary.BigEndian.Uint64(b[1:9])), id: id}, true
}

// query is a SQL statement under construction with numbered parameters.
type query struct {
	where []string
	args  []any
}

// arg adds a parameter and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *query) and(cond string) { q.where = append(q.where, cond) }

// likeTerm escapes a search term for LIKE.
func likeTerm(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(s)) + "%"
}

// ListTasks lists tasks matching a search and filters, one page at a time
// in the order asked for (TASK-1 "finding work"). The public list holds
// open tasks unless other states are asked for, never drafts; mine lists
// the caller's own tasks in every state. The query is built here rather
// than by sqlc because its filters and order are truly dynamic.
func (s *Service) ListTasks(ctx context.Context, req *connect.Request[tasksv1.ListTasksRequest]) (*connect.Response[tasksv1.ListTasksResponse], error) {
	m := req.Msg
	var vs badrequest.List
	size := int(m.GetPageSize())
	switch {
	case size < 0:
		vs.Add("page_size", "OUT_OF_RANGE", fmt.Sprintf("The page size must be between 1 and %d.", maxPageSize))
	case size == 0:
		size = defaultPageSize
	case size > maxPageSize:
		size = maxPageSize
	}
	sort := m.GetSort()
	if sort == tasksv1.TaskSort_TASK_SORT_UNSPECIFIED {
		sort = tasksv1.TaskSort_TASK_SORT_NEWEST
	}
	ord, ok := orders[sort]
	if !ok {
		vs.Add("sort", "SORT_INVALID", "Sort by newest, budget or delivery date.")
	}

	var q query
	pool := s.db.Replica
	if m.GetMine() {
		me, ok := principalID(ctx)
		if !ok {
			return nil, connectError(ErrUnauthenticated)
		}
		q.and("t.client_id = " + q.arg(me))
		// The primary: a client looks at their tasks right after posting one.
		pool = s.db.Primary
	} else {
		q.and("t.status <> 'draft'")
		// Taken down by moderation (SEC-5): only its client sees it.
		q.and("t.takedown_reason IS NULL")
	}
	var sts []string
	for _, st := range m.GetStatuses() {
		name, ok := statuses[st]
		if !ok {
			vs.Add("statuses", "STATUS_INVALID", "Filter by the states a task can be in.")
			break
		}
		sts = append(sts, name)
	}
	if len(sts) == 0 && !m.GetMine() {
		sts = []string{statusOpen}
	}
	switch {
	case len(sts) == 1:
		// Equality, not ANY: with one value the (status, key, id) indexes
		// return rows already in order (Postgres 15 sorts after ANY).
		q.and("t.status = " + q.arg(sts[0]))
	case len(sts) > 1:
		q.and("t.status = ANY(" + q.arg(sts) + "::text[])")
	}

	if text := strings.TrimSpace(m.GetQuery()); text != "" {
		terms := strings.Fields(text)
		if utf8.RuneCountInString(text) > maxQueryLen || len(terms) > maxQueryTerms {
			vs.Add("query", "QUERY_TOO_LONG", fmt.Sprintf("Search for at most %d words, %d characters.", maxQueryTerms, maxQueryLen))
		}
		for _, term := range terms {
			q.and(`t.search_text LIKE ` + q.arg(likeTerm(term)))
		}
	}
	var types []string
	for _, tt := range m.GetTaskTypes() {
		name := taskTypeToDB(tt)
		if name == "" {
			vs.Add("task_types", "TASK_TYPE_INVALID", "Filter by the task types of the catalogue.")
			break
		}
		types = append(types, name)
	}
	if len(types) > 0 {
		q.and("t.task_type = ANY(" + q.arg(types) + "::text[])")
	}
	lo, hi := m.GetBudgetMinFen(), m.GetBudgetMaxFen()
	switch {
	case lo < 0 || hi < 0:
		vs.Add("budget_min_fen", "OUT_OF_RANGE", "Budgets cannot be negative.")
	case hi > 0 && lo > hi:
		vs.Add("budget_min_fen", "BUDGET_MIN_ABOVE_MAX", "The lowest budget must not be above the highest budget.")
	}
	if lo > 0 {
		q.and("t.budget_max_fen >= " + q.arg(lo))
	}
	if hi > 0 {
		q.and("t.budget_min_fen <= " + q.arg(hi))
	}
	var tags []string
	for _, tag := range m.GetSkillTags() {
		if n := skills.Normalise(tag); n != "" {
			tags = append(tags, n)
		}
	}
	if len(tags) > 0 {
		op := "&&"
		if m.GetAllSkills() {
			op = "@>"
		}
		q.and("t.skill_tags " + op + " " + q.arg(tags) + "::text[]")
	}
	city := strings.Join(strings.Fields(m.GetCity()), " ")
	switch {
	case city != "" && m.GetRemoteOnly():
		q.and("(t.remote OR lower(t.city) = lower(" + q.arg(city) + "))")
	case city != "":
		q.and("lower(t.city) = lower(" + q.arg(city) + ")")
	case m.GetRemoteOnly():
		q.and("t.remote")
	}
	for _, f := range []struct {
		field, value, cond string
		nextDay            bool
	}{
		{"posted_from", m.GetPostedFrom(), "t.create_time >= ", false},
		{"posted_to", m.GetPostedTo(), "t.create_time < ", true},
		{"delivery_from", m.GetDeliveryFrom(), "t.delivery_date >= ", false},
		{"delivery_to", m.GetDeliveryTo(), "t.delivery_date <= ", false},
	} {
		if f.value == "" {
			continue
		}
		d, ok := parseDate(f.value)
		if !ok {
			vs.Add(f.field, "DATE_INVALID", "Enter the date as YYYY-MM-DD, for example 2030-01-31.")
			continue
		}
		var v any = d
		if strings.HasPrefix(f.field, "posted") {
			// A posting day in China Standard Time, as an instant.
			day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, s.cst)
			if f.nextDay {
				day = day.AddDate(0, 0, 1)
			}
			v = day
		}
		q.and(f.cond + q.arg(v))
	}

	if t := m.GetPageToken(); t != "" {
		c, ok := decodePageToken(t)
		if !ok || c.sort != sort {
			vs.Add("page_token", "PAGE_TOKEN_INVALID", "The page token is not one this service returned.")
		} else {
			cmp := ">"
			if ord.desc {
				cmp = "<"
			}
			q.and(fmt.Sprintf("(%s, t.id) %s (%s, %s)", ord.expr, cmp, q.arg(ord.arg(c.key)), q.arg(c.id)))
		}
	}
	if err := vs.Err(); err != nil {
		return nil, connectError(err)
	}

	dir := "ASC"
	if ord.desc {
		dir = "DESC"
	}
	sql := `SELECT t.id, t.ref_no, t.client_id, t.title, t.description, t.budget_min_fen,
	               t.budget_max_fen, t.delivery_date, t.skill_tags, t.status, t.request_id,
	               t.demo, t.create_time, t.task_type, t.remote, t.city, t.sub_status,
	               t.update_time, u.display_name
	        FROM tasks t JOIN users u ON u.id = t.client_id
	        WHERE ` + strings.Join(q.where, " AND ") + `
	        ORDER BY ` + ord.expr + ` ` + dir + `, t.id ` + dir + `
	        LIMIT ` + q.arg(size+1)
	rows, err := pool.Query(ctx, sql, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	type row struct {
		t    db.Task
		name string
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.t.ID, &x.t.RefNo, &x.t.ClientID, &x.t.Title, &x.t.Description, &x.t.BudgetMinFen,
			&x.t.BudgetMaxFen, &x.t.DeliveryDate, &x.t.SkillTags, &x.t.Status, &x.t.RequestID,
			&x.t.Demo, &x.t.CreateTime, &x.t.TaskType, &x.t.Remote, &x.t.City, &x.t.SubStatus,
			&x.t.UpdateTime, &x.name)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("read tasks: %w", err)
	}

	resp := &tasksv1.ListTasksResponse{}
	if len(found) > size {
		found = found[:size]
		last := found[size-1].t
		resp.NextPageToken = encodePageToken(cursor{sort: sort, key: ord.keyOf(last), id: last.ID})
	}
	resp.Tasks = make([]*tasksv1.Task, len(found))
	for i, r := range found {
		resp.Tasks[i] = taskToProto(r.t, r.name)
	}
	return connect.NewResponse(resp), nil
}
