package pages

import (
	"strings"
	"time"
	"unicode/utf8"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/ui"
)

// The same limits the services enforce; the services remain the authority.
const (
	maxDisplayName  = 60
	minPassword     = 10
	maxTitle        = 120
	maxDescription  = 20000
	minBudgetFen    = 10000 // ¥100
	maxTags         = 10
	maxTagLen       = 32
	chinaUTCOffsetS = 8 * 60 * 60
)

// signUpInput is what the sign-up form holds.
type signUpInput struct {
	displayName, email, password string
	client, provider, consent    bool
}

// check returns field → reason for what is wrong before sending.
func (in signUpInput) check() map[string]string {
	errs := map[string]string{}
	switch n := utf8.RuneCountInString(strings.TrimSpace(in.displayName)); {
	case n == 0:
		errs["display_name"] = "REQUIRED"
	case n > maxDisplayName:
		errs["display_name"] = "TOO_LONG"
	}
	if r := checkEmail(in.email); r != "" {
		errs["email"] = r
	}
	switch n := utf8.RuneCountInString(in.password); {
	case n == 0:
		errs["password"] = "REQUIRED"
	case n < minPassword:
		errs["password"] = "PASSWORD_TOO_SHORT"
	}
	if !in.client && !in.provider {
		errs["roles"] = "REQUIRED"
	}
	if !in.consent {
		errs["consent_version"] = "CONSENT_REQUIRED"
	}
	return errs
}

// phoneInput is what the phone log-in and sign-up form holds.
type phoneInput struct {
	phone, code, displayName  string
	client, provider, consent bool
}

// check returns field → reason for what is wrong before sending; the
// profile fields are checked only for a sign-up.
func (in phoneInput) check(signUp bool) map[string]string {
	errs := map[string]string{}
	if r := checkPhone(in.phone); r != "" {
		errs["phone"] = r
	}
	switch code := strings.TrimSpace(in.code); {
	case code == "":
		errs["code"] = "REQUIRED"
	case len(code) != 6 || strings.Trim(code, "0123456789") != "":
		errs["code"] = "CODE_FORMAT"
	}
	if !signUp {
		return errs
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(in.displayName)); {
	case n == 0:
		errs["display_name"] = "REQUIRED"
	case n > maxDisplayName:
		errs["display_name"] = "TOO_LONG"
	}
	if !in.client && !in.provider {
		errs["roles"] = "REQUIRED"
	}
	if !in.consent {
		errs["consent_version"] = "CONSENT_REQUIRED"
	}
	return errs
}

// checkPhone is a loose shape check of a mainland mobile number: 11 digits
// starting with 1, after an optional +86 and spaces or dashes. The service
// decides the rest.
func checkPhone(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "REQUIRED"
	}
	digits := strings.NewReplacer(" ", "", "-", "").Replace(s)
	digits = strings.TrimPrefix(digits, "+86")
	if len(digits) != 11 || digits[0] != '1' || strings.Trim(digits, "0123456789") != "" {
		return "PHONE_INVALID"
	}
	return ""
}

// logInInput is what the log-in form holds.
type logInInput struct{ email, password string }

func (in logInInput) check() map[string]string {
	errs := map[string]string{}
	if r := checkEmail(in.email); r != "" {
		errs["email"] = r
	}
	if in.password == "" {
		errs["password"] = "REQUIRED"
	}
	return errs
}

// checkEmail is a loose shape check: one "@" with something on both sides
// and a dot in the domain, no spaces. The service decides the rest.
func checkEmail(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "REQUIRED"
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t") || strings.Count(s, "@") != 1 {
		return "EMAIL_INVALID"
	}
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "EMAIL_INVALID"
	}
	return ""
}

// taskInput is what the post-a-task form holds, as typed.
type taskInput struct {
	title, description      string
	budgetMin, budgetMax    string // yuan
	deliveryDate, skillTags string
	taskType                string // the enum's name, "" when none is chosen
	remote                  bool
	city                    string
}

// inputFor fills the form from a task, to edit it.
func inputFor(t *tasksv1.Task) taskInput {
	return taskInput{
		title: t.GetTitle(), description: t.GetDescription(),
		budgetMin:    strings.TrimPrefix(strings.ReplaceAll(ui.Yuan(t.GetBudgetMinFen()), ",", ""), "¥"),
		budgetMax:    strings.TrimPrefix(strings.ReplaceAll(ui.Yuan(t.GetBudgetMaxFen()), ",", ""), "¥"),
		deliveryDate: t.GetDeliveryDate(), skillTags: strings.Join(t.GetSkillTags(), ", "),
		taskType: t.GetTaskType().String(), remote: t.GetRemote(), city: t.GetCity(),
	}
}

// update converts a checked CreateTaskRequest into the UpdateTaskRequest
// of the task ref.
func update(ref string, c *tasksv1.CreateTaskRequest) *tasksv1.UpdateTaskRequest {
	return &tasksv1.UpdateTaskRequest{
		IdOrRef: ref, Title: c.GetTitle(), Description: c.GetDescription(),
		BudgetMinFen: c.GetBudgetMinFen(), BudgetMaxFen: c.GetBudgetMaxFen(),
		DeliveryDate: c.GetDeliveryDate(), SkillTags: c.GetSkillTags(),
		TaskType: c.GetTaskType(), Remote: c.GetRemote(), City: c.GetCity(),
	}
}

// request converts the form to a CreateTaskRequest and reports, per proto
// field, what is wrong. today is "YYYY-MM-DD" in China Standard Time.
func (in taskInput) request(today string) (*tasksv1.CreateTaskRequest, map[string]string) {
	errs := map[string]string{}
	req := &tasksv1.CreateTaskRequest{
		Title:        strings.TrimSpace(in.title),
		Description:  strings.TrimSpace(in.description),
		DeliveryDate: strings.TrimSpace(in.deliveryDate),
		SkillTags:    splitTags(in.skillTags),
		TaskType:     tasksv1.TaskType(tasksv1.TaskType_value[in.taskType]),
		Remote:       in.remote,
	}
	if req.TaskType == tasksv1.TaskType_TASK_TYPE_UNSPECIFIED {
		errs["task_type"] = "TASK_TYPE_REQUIRED"
	}
	if !in.remote {
		req.City = strings.TrimSpace(in.city)
		if req.City == "" {
			errs["city"] = "CITY_REQUIRED"
		}
	}
	switch n := utf8.RuneCountInString(req.Title); {
	case n == 0:
		errs["title"] = "REQUIRED"
	case n > maxTitle:
		errs["title"] = "TOO_LONG"
	}
	if utf8.RuneCountInString(req.Description) > maxDescription {
		errs["description"] = "TOO_LONG"
	}

	var minOK, maxOK bool
	req.BudgetMinFen, minOK = budgetField(in.budgetMin, "budget_min_fen", errs)
	req.BudgetMaxFen, maxOK = budgetField(in.budgetMax, "budget_max_fen", errs)
	if minOK && maxOK && req.BudgetMinFen > req.BudgetMaxFen {
		errs["budget_min_fen"] = "BUDGET_MIN_ABOVE_MAX"
	}

	switch d, err := time.Parse(time.DateOnly, req.DeliveryDate); {
	case req.DeliveryDate == "":
		errs["delivery_date"] = "REQUIRED"
	case err != nil || d.Format(time.DateOnly) != req.DeliveryDate:
		errs["delivery_date"] = "DATE_INVALID"
	case req.DeliveryDate < today:
		errs["delivery_date"] = "DATE_IN_PAST"
	}

	switch {
	case len(req.SkillTags) == 0:
		errs["skill_tags"] = "TAGS_REQUIRED"
	case len(req.SkillTags) > maxTags:
		errs["skill_tags"] = "TOO_MANY_TAGS"
	default:
		for _, t := range req.SkillTags {
			if utf8.RuneCountInString(t) > maxTagLen {
				errs["skill_tags"] = "TAG_INVALID"
				break
			}
		}
	}
	return req, errs
}

// budgetField parses one budget input, recording a reason under field when
// it is missing, malformed or too low.
func budgetField(s, field string, errs map[string]string) (int64, bool) {
	if strings.TrimSpace(s) == "" {
		errs[field] = "REQUIRED"
		return 0, false
	}
	fen, ok := parseYuan(s)
	if !ok {
		errs[field] = "BUDGET_INVALID"
		return 0, false
	}
	if fen < minBudgetFen {
		errs[field] = "BUDGET_TOO_LOW"
	}
	return fen, true
}

// parseYuan reads an amount of yuan ("5000", "5,000.5", "¥5000.50") as fen,
// exactly (no floating point). At most two decimals; not negative.
func parseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "¥")
	s = strings.TrimPrefix(s, "￥")
	s = strings.ReplaceAll(s, ",", "")
	s = strings.TrimSpace(s)
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, false
	}
	if len(frac) > 2 || (hasDot && frac == "") || len(whole) > 13 {
		return 0, false
	}
	var fen int64
	for _, r := range whole {
		if r < '0' || r > '9' {
			return 0, false
		}
		fen = fen*10 + int64(r-'0')
	}
	fen *= 100
	for i, r := range frac {
		if r < '0' || r > '9' {
			return 0, false
		}
		if i == 0 {
			fen += int64(r-'0') * 10
		} else {
			fen += int64(r - '0')
		}
	}
	return fen, true
}

// splitTags splits a comma-separated tag list (ASCII or Chinese commas),
// trims and lower-cases each tag and drops empties and duplicates.
func splitTags(s string) []string {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；'
	})
	var tags []string
	seen := map[string]bool{}
	for _, f := range fields {
		t := strings.ToLower(strings.TrimSpace(f))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		tags = append(tags, t)
	}
	return tags
}

// chinaToday is the date in China Standard Time (UTC+8, no DST), which is
// how the service reads delivery dates.
func chinaToday(now time.Time) string {
	return now.In(time.FixedZone("CST", chinaUTCOffsetS)).Format(time.DateOnly)
}

// chinaTime is China Standard Time, in which the timeline is shown.
var chinaTime = time.FixedZone("CST", chinaUTCOffsetS)
