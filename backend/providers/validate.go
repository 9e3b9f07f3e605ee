package providers

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/skills"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
)

// Limits on a profile and a submission.
const (
	maxSkills          = 20
	maxBioLen          = 4000
	maxCityLen         = 60
	maxRateFen         = 100_000_000 // 1,000,000 yuan
	maxPortfolioItems  = 20
	maxItemTitleLen    = 120
	maxItemDescLen     = 4000
	maxItemLinks       = 5
	maxItemFiles       = 5
	maxLinkLen         = 500
	maxCertificates    = 10
	maxCertFieldLen    = 120
	maxReasonLen       = 1000
	dateLayout         = "2006-01-02"
	defaultTimeZone    = "Asia/Shanghai"
	idNumberLen        = 18
	maskedPrefix       = 3
	maskedSuffix       = 4
	defaultQueuePage   = 20
	maxQueuePageSize   = 100
	documentLinkExpiry = 5 * time.Minute
)

type skillLevel struct {
	tag   string
	level int
}

type portfolioItem struct {
	id                 uuid.UUID
	title, description string
	links              []string
	fileIDs            []uuid.UUID
	hidden             bool
}

// profileInput is a checked and normalised SaveProfile request.
type profileInput struct {
	skills        []skillLevel
	hourlyRateFen int64
	dailyRateFen  int64
	city          string
	timeZone      string
	availability  string
	bio           string
	portfolio     []portfolioItem
}

func (in profileInput) portfolioFileIDs() []uuid.UUID {
	var ids []uuid.UUID
	for _, it := range in.portfolio {
		ids = append(ids, it.fileIDs...)
	}
	return ids
}

var availabilityFromProto = map[providersv1.Availability]string{
	providersv1.Availability_AVAILABILITY_FULL_TIME:   "full_time",
	providersv1.Availability_AVAILABILITY_PART_TIME:   "part_time",
	providersv1.Availability_AVAILABILITY_WEEKENDS:    "weekends",
	providersv1.Availability_AVAILABILITY_UNAVAILABLE: "unavailable",
}

// validateProfile checks a SaveProfile request and normalises it: skill
// tags through the shared vocabulary's synonyms, text trimmed.
func validateProfile(m *providersv1.SaveProfileRequest) (profileInput, error) {
	var vs badrequest.List
	in := profileInput{
		hourlyRateFen: m.GetHourlyRateFen(),
		dailyRateFen:  m.GetDailyRateFen(),
		city:          strings.Join(strings.Fields(m.GetCity()), " "),
		timeZone:      strings.TrimSpace(m.GetTimeZone()),
		bio:           strings.TrimSpace(m.GetBio()),
	}
	switch n := len(m.GetSkills()); {
	case n == 0:
		vs.Add("skills", "SKILLS_REQUIRED", "Add at least one skill.")
	case n > maxSkills:
		vs.Add("skills", "TOO_MANY_SKILLS", fmt.Sprintf("At most %d skills.", maxSkills))
	}
	seen := map[string]bool{}
	for i, sk := range m.GetSkills() {
		field := fmt.Sprintf("skills[%d]", i)
		tag := skills.Normalise(sk.GetTag())
		switch {
		case !skills.Known(tag):
			vs.Add(field, "SKILL_UNKNOWN", fmt.Sprintf("%q is not in the skill vocabulary.", sk.GetTag()))
			continue
		case seen[tag]:
			vs.Add(field, "SKILL_DUPLICATE", fmt.Sprintf("%q is listed twice.", tag))
			continue
		case sk.GetLevel() < 1 || sk.GetLevel() > 5:
			vs.Add(field, "SKILL_LEVEL_INVALID", "A skill level is 1 (beginner) to 5 (expert).")
			continue
		}
		seen[tag] = true
		in.skills = append(in.skills, skillLevel{tag: tag, level: int(sk.GetLevel())})
	}
	if in.hourlyRateFen < 0 || in.hourlyRateFen > maxRateFen {
		vs.Add("hourly_rate_fen", "RATE_INVALID", "The hourly rate must be between 0 and 1,000,000 yuan.")
	}
	if in.dailyRateFen < 0 || in.dailyRateFen > maxRateFen {
		vs.Add("daily_rate_fen", "RATE_INVALID", "The daily rate must be between 0 and 1,000,000 yuan.")
	}
	if utf8.RuneCountInString(in.city) > maxCityLen {
		vs.Add("city", "TOO_LONG", fmt.Sprintf("At most %d characters.", maxCityLen))
	}
	if in.timeZone == "" {
		in.timeZone = defaultTimeZone
	}
	if !validTimeZone(in.timeZone) {
		vs.Add("time_zone", "TIME_ZONE_INVALID", "Give an IANA time zone such as Asia/Shanghai.")
	}
	if a, ok := availabilityFromProto[m.GetAvailability()]; ok {
		in.availability = a
	} else {
		vs.Add("availability", "REQUIRED", "Say how much work you take on.")
	}
	if utf8.RuneCountInString(in.bio) > maxBioLen {
		vs.Add("bio", "TOO_LONG", fmt.Sprintf("At most %d characters.", maxBioLen))
	}
	if len(m.GetPortfolio()) > maxPortfolioItems {
		vs.Add("portfolio", "TOO_MANY_ENTRIES", fmt.Sprintf("At most %d portfolio items.", maxPortfolioItems))
	}
	seenItems := map[uuid.UUID]bool{}
	for i, it := range m.GetPortfolio() {
		field := fmt.Sprintf("portfolio[%d]", i)
		item := portfolioItem{
			title:       strings.TrimSpace(it.GetTitle()),
			description: strings.TrimSpace(it.GetDescription()),
			hidden:      it.GetHidden(),
			links:       []string{},
			fileIDs:     []uuid.UUID{},
		}
		// A kept item keeps its id; a new one, or a repeated id, gets one.
		if id, err := uuid.Parse(it.GetId()); err == nil && !seenItems[id] {
			item.id = id
		} else {
			item.id = uuid.New()
		}
		seenItems[item.id] = true
		switch {
		case item.title == "":
			vs.Add(field+".title", "REQUIRED", "A portfolio item needs a title.")
		case utf8.RuneCountInString(item.title) > maxItemTitleLen:
			vs.Add(field+".title", "TOO_LONG", fmt.Sprintf("At most %d characters.", maxItemTitleLen))
		}
		if utf8.RuneCountInString(item.description) > maxItemDescLen {
			vs.Add(field+".description", "TOO_LONG", fmt.Sprintf("At most %d characters.", maxItemDescLen))
		}
		if len(it.GetLinks()) > maxItemLinks {
			vs.Add(field+".links", "TOO_MANY_ENTRIES", fmt.Sprintf("At most %d links.", maxItemLinks))
		}
		for _, l := range it.GetLinks() {
			l = strings.TrimSpace(l)
			if l == "" {
				continue
			}
			if !validLink(l) {
				vs.Add(field+".links", "LINK_INVALID", "A link starts with https:// or http://.")
				continue
			}
			item.links = append(item.links, l)
		}
		if len(it.GetFileIds()) > maxItemFiles {
			vs.Add(field+".file_ids", "TOO_MANY_ENTRIES", fmt.Sprintf("At most %d files.", maxItemFiles))
		}
		for _, f := range it.GetFileIds() {
			id, err := uuid.Parse(f)
			if err != nil {
				vs.Add(field+".file_ids", "FILE_INVALID", "A portfolio file is not an uploaded file.")
				continue
			}
			item.fileIDs = append(item.fileIDs, id)
		}
		in.portfolio = append(in.portfolio, item)
	}
	return in, vs.Err()
}

// validTimeZone reports whether name is an IANA zone ("Asia/Shanghai",
// "UTC"); "Local" and fixed offsets are not.
func validTimeZone(name string) bool {
	if name == "Local" || len(name) > 64 {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

func validLink(s string) bool {
	if len(s) > maxLinkLen {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// normaliseIDNumber returns the resident ID number upper-cased without
// spaces, and whether it is a valid 18-character number (GB 11643-1999: 17
// digits and an ISO 7064 MOD 11-2 check character).
func normaliseIDNumber(s string) (string, bool) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if len(s) != idNumberLen {
		return s, false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		c := s[i]
		if c < '0' || c > '9' {
			return s, false
		}
		sum += int(c-'0') * weights[i]
	}
	return s, s[17] == "10X98765432"[sum%11]
}

// maskIDNumber shows the first 3 and last 4 characters (SEC-2).
func maskIDNumber(s string) string {
	if len(s) <= maskedPrefix+maskedSuffix {
		return strings.Repeat("*", len(s))
	}
	return s[:maskedPrefix] + strings.Repeat("*", len(s)-maskedPrefix-maskedSuffix) + s[len(s)-maskedSuffix:]
}

// certificateInput is one checked certificate.
type certificateInput struct {
	Name       string    `json:"name"`
	Issuer     string    `json:"issuer"`
	Number     string    `json:"number"`
	ExpiryDate string    `json:"expiry_date"`
	FileID     uuid.UUID `json:"file_id"`
}

// submissionInput is a checked SubmitVetting request.
type submissionInput struct {
	idNumber     string
	idFront      uuid.UUID
	idBack       uuid.UUID
	certificates []certificateInput
}

func validateSubmission(m *providersv1.SubmitVettingRequest) (submissionInput, error) {
	var vs badrequest.List
	var in submissionInput
	if strings.TrimSpace(m.GetIdNumber()) == "" {
		vs.Add("id_number", "REQUIRED", "Enter your ID number.")
	} else if n, ok := normaliseIDNumber(m.GetIdNumber()); ok {
		in.idNumber = n
	} else {
		// The description never repeats the number.
		vs.Add("id_number", "ID_NUMBER_INVALID", "Enter the 18-character number on your resident ID card.")
	}
	fileField := func(field, v string) uuid.UUID {
		if v == "" {
			vs.Add(field, "REQUIRED", "Upload this image.")
			return uuid.Nil
		}
		id, err := uuid.Parse(v)
		if err != nil {
			vs.Add(field, "FILE_INVALID", "This is not an uploaded file.")
		}
		return id
	}
	in.idFront = fileField("id_front_file_id", m.GetIdFrontFileId())
	in.idBack = fileField("id_back_file_id", m.GetIdBackFileId())
	if len(m.GetCertificates()) > maxCertificates {
		vs.Add("certificates", "TOO_MANY_ENTRIES", fmt.Sprintf("At most %d certificates.", maxCertificates))
	}
	for i, c := range m.GetCertificates() {
		field := fmt.Sprintf("certificates[%d]", i)
		ci := certificateInput{
			Name:       strings.TrimSpace(c.GetName()),
			Issuer:     strings.TrimSpace(c.GetIssuer()),
			Number:     strings.TrimSpace(c.GetNumber()),
			ExpiryDate: strings.TrimSpace(c.GetExpiryDate()),
		}
		if ci.Name == "" {
			vs.Add(field+".name", "REQUIRED", "Name the certificate.")
		}
		for _, f := range []struct{ name, v string }{{"name", ci.Name}, {"issuer", ci.Issuer}, {"number", ci.Number}} {
			if utf8.RuneCountInString(f.v) > maxCertFieldLen {
				vs.Add(field+"."+f.name, "TOO_LONG", fmt.Sprintf("At most %d characters.", maxCertFieldLen))
			}
		}
		if ci.ExpiryDate != "" {
			if _, err := time.Parse(dateLayout, ci.ExpiryDate); err != nil {
				vs.Add(field+".expiry_date", "DATE_INVALID", "Give the date as YYYY-MM-DD.")
			}
		}
		if c.GetFileId() == "" {
			vs.Add(field+".file_id", "REQUIRED", "Upload the certificate.")
		} else if id, err := uuid.Parse(c.GetFileId()); err != nil {
			vs.Add(field+".file_id", "FILE_INVALID", "This is not an uploaded file.")
		} else {
			ci.FileID = id
		}
		in.certificates = append(in.certificates, ci)
	}
	return in, vs.Err()
}
