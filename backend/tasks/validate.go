package tasks

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/skills"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// Limits on a new task.
const (
	maxTitleLen       = 120
	maxDescriptionLen = 20000
	minBudgetFen      = 10000 // 100 yuan
	maxSkillTags      = 10
	maxSkillTagLen    = 32
	maxRequestIDLen   = 100
	maxCityLen        = 40
	maxNoteLen        = 500
	dateLayout        = "2006-01-02"
)

// newTask is a checked and normalised CreateTask request.
type newTask struct {
	title        string
	description  string
	budgetMinFen int64
	budgetMaxFen int64
	deliveryDate time.Time // midnight UTC of the day
	skillTags    []string
	requestID    string
	taskType     string
	remote       bool
	city         string
	draft        bool
}

// taskFields are the editable fields of a task, shared by CreateTask and
// UpdateTask.
type taskFields interface {
	GetTitle() string
	GetDescription() string
	GetBudgetMinFen() int64
	GetBudgetMaxFen() int64
	GetDeliveryDate() string
	GetSkillTags() []string
	GetTaskType() tasksv1.TaskType
	GetRemote() bool
	GetCity() string
}

// searchText is what search matches for a task: its title, tags and
// description, lower-cased (see migration 00020).
func (t newTask) searchText() string {
	return strings.ToLower(t.title + "\n" + strings.Join(t.skillTags, " ") + "\n" + t.description)
}

// validateCreateTask checks every field of m and returns all problems at
// once as a *badrequest.Error. today is the current day in China Standard
// Time, as midnight UTC.
func validateCreateTask(m *tasksv1.CreateTaskRequest, today time.Time) (newTask, error) {
	t, vs := validateFields(m, today)
	t.requestID = m.GetRequestId()
	t.draft = m.GetDraft()
	if utf8.RuneCountInString(t.requestID) > maxRequestIDLen {
		vs.Add("request_id", "TOO_LONG",
			fmt.Sprintf("The request id must be at most %d characters long.", maxRequestIDLen))
	}
	return t, vs.Err()
}

// validateFields checks the editable fields of a task and returns them
// normalised, with every problem found.
func validateFields(m taskFields, today time.Time) (newTask, badrequest.List) {
	var vs badrequest.List
	t := newTask{
		title:        strings.TrimSpace(m.GetTitle()),
		description:  m.GetDescription(),
		budgetMinFen: m.GetBudgetMinFen(),
		budgetMaxFen: m.GetBudgetMaxFen(),
		remote:       m.GetRemote(),
		city:         strings.Join(strings.Fields(m.GetCity()), " "),
	}

	t.taskType = taskTypeToDB(m.GetTaskType())
	if t.taskType == "" {
		vs.Add("task_type", "TASK_TYPE_REQUIRED", "Choose the type of work from the catalogue.")
	}
	switch n := utf8.RuneCountInString(t.city); {
	case t.remote:
		t.city = ""
	case n == 0:
		vs.Add("city", "CITY_REQUIRED", "Name the city where the work is done, or mark the task as remote.")
	case n > maxCityLen:
		vs.Add("city", "TOO_LONG", fmt.Sprintf("The city must be at most %d characters long.", maxCityLen))
	}

	switch n := utf8.RuneCountInString(t.title); {
	case n == 0:
		vs.Add("title", "REQUIRED", "Enter a title for the task.")
	case n > maxTitleLen:
		vs.Add("title", "TOO_LONG", fmt.Sprintf("The title must be at most %d characters long.", maxTitleLen))
	}

	if utf8.RuneCountInString(t.description) > maxDescriptionLen {
		vs.Add("description", "TOO_LONG",
			fmt.Sprintf("The description must be at most %d characters long.", maxDescriptionLen))
	}

	switch {
	case t.budgetMinFen < minBudgetFen:
		vs.Add("budget_min_fen", "BUDGET_TOO_LOW",
			fmt.Sprintf("The budget must be at least %d yuan.", minBudgetFen/100))
	case t.budgetMinFen > t.budgetMaxFen:
		vs.Add("budget_min_fen", "BUDGET_MIN_ABOVE_MAX",
			"The lowest budget must not be above the highest budget.")
	}

	switch d := m.GetDeliveryDate(); {
	case strings.TrimSpace(d) == "":
		vs.Add("delivery_date", "REQUIRED", "Choose a delivery date.")
	default:
		date, ok := parseDate(strings.TrimSpace(d))
		switch {
		case !ok:
			vs.Add("delivery_date", "DATE_INVALID", "Enter the delivery date as YYYY-MM-DD, for example 2030-01-31.")
		case date.Before(today):
			vs.Add("delivery_date", "DATE_IN_PAST", "The delivery date must be today or later.")
		}
		t.deliveryDate = date
	}

	tags, reason, description := normaliseSkillTags(m.GetSkillTags())
	if reason != "" {
		vs.Add("skill_tags", reason, description)
	}
	t.skillTags = tags
	return t, vs
}

// parseDate parses "YYYY-MM-DD" strictly, as midnight UTC of that day.
func parseDate(s string) (time.Time, bool) {
	d, err := time.Parse(dateLayout, s)
	if err != nil || d.Format(dateLayout) != s {
		return time.Time{}, false
	}
	return d, true
}

// dayOf returns the calendar day of t in loc, as midnight UTC.
func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// normaliseSkillTags normalises tags with the shared vocabulary (synonyms
// such as "golang" become "go") and de-duplicates them, keeping
// their order and dropping blank ones. A tag may hold letters, digits,
// single spaces and the characters + # . - _ / (as in "c++", "c#",
// "node.js"). On a problem it returns the violation's reason and
// description.
func normaliseSkillTags(raw []string) (tags []string, reason, description string) {
	for _, r := range raw {
		tag := skills.Normalise(r)
		if tag == "" {
			continue
		}
		if utf8.RuneCountInString(tag) > maxSkillTagLen || !validTag(tag) {
			return nil, "TAG_INVALID", fmt.Sprintf(
				"Skill tags are 1 to %d characters: letters, digits, spaces and + # . - _ /; %q is not.",
				maxSkillTagLen, r)
		}
		if !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	switch {
	case len(tags) == 0:
		return nil, "TAGS_REQUIRED", "Add at least one skill tag."
	case len(tags) > maxSkillTags:
		return nil, "TOO_MANY_TAGS", fmt.Sprintf("Add at most %d skill tags.", maxSkillTags)
	}
	return tags, "", ""
}

func validTag(tag string) bool {
	for _, r := range tag {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" +#.-_/", r) {
			return false
		}
	}
	return true
}

// taskTypes maps the API's task types to their stored names.
var taskTypes = map[tasksv1.TaskType]string{
	tasksv1.TaskType_TASK_TYPE_FRONT_END:     "front_end",
	tasksv1.TaskType_TASK_TYPE_BACK_END:      "back_end",
	tasksv1.TaskType_TASK_TYPE_FULL_STACK:    "full_stack",
	tasksv1.TaskType_TASK_TYPE_MOBILE:        "mobile",
	tasksv1.TaskType_TASK_TYPE_MINI_PROGRAM:  "mini_program",
	tasksv1.TaskType_TASK_TYPE_DATABASE_OPS:  "database_ops",
	tasksv1.TaskType_TASK_TYPE_DEVOPS:        "devops",
	tasksv1.TaskType_TASK_TYPE_DATA_ANALYSIS: "data_analysis",
	tasksv1.TaskType_TASK_TYPE_AI_ML:         "ai_ml",
	tasksv1.TaskType_TASK_TYPE_TESTING:       "testing",
	tasksv1.TaskType_TASK_TYPE_UI_UX_DESIGN:  "ui_ux_design",
	tasksv1.TaskType_TASK_TYPE_OTHER:         "other",
}

// taskTypeToDB returns the stored name of t, or "" for none.
func taskTypeToDB(t tasksv1.TaskType) string { return taskTypes[t] }

// taskTypeToProto maps a stored task type to the API enum.
func taskTypeToProto(s string) tasksv1.TaskType {
	for k, v := range taskTypes {
		if v == s {
			return k
		}
	}
	return tasksv1.TaskType_TASK_TYPE_UNSPECIFIED
}

// statuses maps the API's statuses to their stored names.
var statuses = map[tasksv1.TaskStatus]string{
	tasksv1.TaskStatus_TASK_STATUS_DRAFT:       statusDraft,
	tasksv1.TaskStatus_TASK_STATUS_OPEN:        statusOpen,
	tasksv1.TaskStatus_TASK_STATUS_AWARDED:     statusAwarded,
	tasksv1.TaskStatus_TASK_STATUS_IN_PROGRESS: statusInProgress,
	tasksv1.TaskStatus_TASK_STATUS_DELIVERED:   statusDelivered,
	tasksv1.TaskStatus_TASK_STATUS_ACCEPTED:    statusAccepted,
	tasksv1.TaskStatus_TASK_STATUS_CLOSED:      statusClosed,
	tasksv1.TaskStatus_TASK_STATUS_CANCELLED:   statusCancelled,
	tasksv1.TaskStatus_TASK_STATUS_DISPUTED:    statusDisputed,
}

// statusToProto maps a stored status to the API enum.
func statusToProto(s string) tasksv1.TaskStatus {
	for k, v := range statuses {
		if v == s {
			return k
		}
	}
	return tasksv1.TaskStatus_TASK_STATUS_UNSPECIFIED
}
