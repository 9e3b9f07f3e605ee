package tasks

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/talent-hub/talent/backend/badrequest"
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
}

// validateCreateTask checks every field of m and returns all problems at
// once as a *badrequest.Error. today is the current day in China Standard
// Time, as midnight UTC.
func validateCreateTask(m *tasksv1.CreateTaskRequest, today time.Time) (newTask, error) {
	var vs badrequest.List
	t := newTask{
		title:        strings.TrimSpace(m.GetTitle()),
		description:  m.GetDescription(),
		budgetMinFen: m.GetBudgetMinFen(),
		budgetMaxFen: m.GetBudgetMaxFen(),
		requestID:    m.GetRequestId(),
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

	if utf8.RuneCountInString(t.requestID) > maxRequestIDLen {
		vs.Add("request_id", "TOO_LONG",
			fmt.Sprintf("The request id must be at most %d characters long.", maxRequestIDLen))
	}

	return t, vs.Err()
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

// normaliseSkillTags trims, lower-cases and de-duplicates tags, keeping
// their order and dropping blank ones. A tag may hold letters, digits,
// single spaces and the characters + # . - _ / (as in "c++", "c#",
// "node.js"). On a problem it returns the violation's reason and
// description.
func normaliseSkillTags(raw []string) (tags []string, reason, description string) {
	for _, r := range raw {
		tag := strings.ToLower(strings.Join(strings.Fields(r), " "))
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

// statusToProto maps a stored status to the API enum.
func statusToProto(s string) tasksv1.TaskStatus {
	switch s {
	case "open":
		return tasksv1.TaskStatus_TASK_STATUS_OPEN
	case "awarded":
		return tasksv1.TaskStatus_TASK_STATUS_AWARDED
	case "in_progress":
		return tasksv1.TaskStatus_TASK_STATUS_IN_PROGRESS
	case "delivered":
		return tasksv1.TaskStatus_TASK_STATUS_DELIVERED
	case "accepted":
		return tasksv1.TaskStatus_TASK_STATUS_ACCEPTED
	case "closed":
		return tasksv1.TaskStatus_TASK_STATUS_CLOSED
	case "cancelled":
		return tasksv1.TaskStatus_TASK_STATUS_CANCELLED
	case "disputed":
		return tasksv1.TaskStatus_TASK_STATUS_DISPUTED
	default:
		return tasksv1.TaskStatus_TASK_STATUS_UNSPECIFIED
	}
}
