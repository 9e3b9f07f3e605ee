package repositories

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Activity kinds, also the suffix of their event kinds ("repo.push").
const (
	kindPush        = "push"
	kindPullRequest = "pull_request"
	kindCI          = "ci"
)

// maxCommits is how many commits of one push are kept.
const maxCommits = 20

// The summaries kept of each delivery (repository_activity.summary) and
// sent in its event's payload.
type (
	pushSummary struct {
		Branch      string   `json:"branch"`
		Pusher      string   `json:"pusher"`
		Commits     []commit `json:"commits"`
		CommitCount int      `json:"commit_count"`
		CompareURL  string   `json:"compare_url,omitempty"`
	}
	commit struct {
		SHA     string `json:"sha"`
		Message string `json:"message"`
		Author  string `json:"author"`
		URL     string `json:"url"`
	}
	pullRequestSummary struct {
		Number       int64  `json:"number"`
		Title        string `json:"title"`
		State        string `json:"state"`
		Action       string `json:"action"`
		Author       string `json:"author"`
		URL          string `json:"url"`
		SourceBranch string `json:"source_branch"`
		TargetBranch string `json:"target_branch"`
	}
	checkSummary struct {
		Name   string `json:"name"`
		State  string `json:"state"`
		Branch string `json:"branch"`
		SHA    string `json:"sha"`
		URL    string `json:"url"`
	}
)

// activity is what one delivery adds to a task: kind, key (which pull
// request or CI run it updates) and summary. A nil *activity means the
// delivery tells nothing the task shows (a ping, a label change...).
type activity struct {
	kind    string
	key     string
	summary any
}

// firstLine returns the first line of a commit message, at most 200 runes.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

func branchOf(ref string) string {
	return strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/")
}

// GitHub payloads, the fields used (docs.github.com, "Webhook events and
// payloads").
type (
	ghUser struct {
		Login string `json:"login"`
	}
	ghPush struct {
		Ref     string `json:"ref"`
		Compare string `json:"compare"`
		Deleted bool   `json:"deleted"`
		Pusher  struct {
			Name string `json:"name"`
		} `json:"pusher"`
		Commits []struct {
			ID      string `json:"id"`
			Message string `json:"message"`
			URL     string `json:"url"`
			Author  struct {
				Name     string `json:"name"`
				Username string `json:"username"`
			} `json:"author"`
		} `json:"commits"`
	}
	ghPullRequest struct {
		Action      string `json:"action"`
		Number      int64  `json:"number"`
		PullRequest struct {
			HTMLURL string `json:"html_url"`
			Number  int64  `json:"number"`
			State   string `json:"state"`
			Title   string `json:"title"`
			Draft   bool   `json:"draft"`
			Merged  bool   `json:"merged"`
			User    ghUser `json:"user"`
			Head    struct {
				Ref string `json:"ref"`
			} `json:"head"`
			Base struct {
				Ref string `json:"ref"`
			} `json:"base"`
		} `json:"pull_request"`
	}
	ghCheckRun struct {
		CheckRun struct {
			Name       string `json:"name"`
			Status     string `json:"status"`
			Conclusion string `json:"conclusion"`
			HTMLURL    string `json:"html_url"`
			HeadSHA    string `json:"head_sha"`
			CheckSuite struct {
				HeadBranch string `json:"head_branch"`
			} `json:"check_suite"`
		} `json:"check_run"`
	}
	ghWorkflowRun struct {
		WorkflowRun struct {
			Name       string `json:"name"`
			Status     string `json:"status"`
			Conclusion string `json:"conclusion"`
			HTMLURL    string `json:"html_url"`
			HeadBranch string `json:"head_branch"`
			HeadSHA    string `json:"head_sha"`
		} `json:"workflow_run"`
	}
)

// parseGitHub reads a delivery of GitHub event (X-GitHub-Event).
func parseGitHub(event string, body []byte) (*activity, error) {
	switch event {
	case "push":
		var p ghPush
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, fmt.Errorf("read push: %w", err)
		}
		if p.Deleted {
			return nil, nil
		}
		s := pushSummary{Branch: branchOf(p.Ref), Pusher: p.Pusher.Name, CommitCount: len(p.Commits), CompareURL: p.Compare}
		for i, c := range p.Commits {
			if i == maxCommits {
				break
			}
			author := c.Author.Username
			if author == "" {
				author = c.Author.Name
			}
			s.Commits = append(s.Commits, commit{SHA: c.ID, Message: firstLine(c.Message), Author: author, URL: c.URL})
		}
		return &activity{kind: kindPush, summary: s}, nil
	case "pull_request":
		var p ghPullRequest
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, fmt.Errorf("read pull_request: %w", err)
		}
		pr := p.PullRequest
		state := pr.State
		switch {
		case pr.Merged:
			state = "merged"
		case pr.State == "open" && pr.Draft:
			state = "draft"
		}
		n := pr.Number
		if n == 0 {
			n = p.Number
		}
		return &activity{kind: kindPullRequest, key: strconv.FormatInt(n, 10), summary: pullRequestSummary{
			Number: n, Title: pr.Title, State: state, Action: p.Action, Author: pr.User.Login, URL: pr.HTMLURL,
			SourceBranch: pr.Head.Ref, TargetBranch: pr.Base.Ref,
		}}, nil
	case "check_run":
		var p ghCheckRun
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, fmt.Errorf("read check_run: %w", err)
		}
		c := p.CheckRun
		s := checkSummary{Name: c.Name, State: githubCIState(c.Status, c.Conclusion), Branch: c.CheckSuite.HeadBranch, SHA: c.HeadSHA, URL: c.HTMLURL}
		return &activity{kind: kindCI, key: s.Name + "@" + s.Branch, summary: s}, nil
	case "workflow_run":
		var p ghWorkflowRun
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, fmt.Errorf("read workflow_run: %w", err)
		}
		w := p.WorkflowRun
		s := checkSummary{Name: w.Name, State: githubCIState(w.Status, w.Conclusion), Branch: w.HeadBranch, SHA: w.HeadSHA, URL: w.HTMLURL}
		return &activity{kind: kindCI, key: s.Name + "@" + s.Branch, summary: s}, nil
	}
	return nil, nil
}

// githubCIState maps a check or workflow run's status and conclusion to a
// CI state.
func githubCIState(status, conclusion string) string {
	switch status {
	case "queued", "requested", "waiting", "pending":
		return "queued"
	case "in_progress":
		return "running"
	case "completed":
		switch conclusion {
		case "success":
			return "success"
		case "failure", "timed_out", "startup_failure":
			return "failure"
		case "cancelled":
			return "cancelled"
		case "skipped":
			return "skipped"
		}
	}
	return "other"
}

// GitLab payloads, the fields used (docs.gitlab.com, "Webhook events").
type (
	glPush struct {
		Ref               string `json:"ref"`
		After             string `json:"after"`
		UserName          string `json:"user_name"`
		UserUsername      string `json:"user_username"`
		TotalCommitsCount int    `json:"total_commits_count"`
		Project           struct {
			WebURL string `json:"web_url"`
		} `json:"project"`
		Commits []struct {
			ID      string `json:"id"`
			Message string `json:"message"`
			Title   string `json:"title"`
			URL     string `json:"url"`
			Author  struct {
				Name string `json:"name"`
			} `json:"author"`
		} `json:"commits"`
	}
	glMergeRequest struct {
		User struct {
			Username string `json:"username"`
		} `json:"user"`
		ObjectAttributes struct {
			IID          int64  `json:"iid"`
			Title        string `json:"title"`
			State        string `json:"state"`
			Action       string `json:"action"`
			URL          string `json:"url"`
			SourceBranch string `json:"source_branch"`
			TargetBranch string `json:"target_branch"`
			Draft        bool   `json:"draft"`
			WorkInProg   bool   `json:"work_in_progress"`
		} `json:"object_attributes"`
	}
	glPipeline struct {
		ObjectAttributes struct {
			ID     int64  `json:"id"`
			Ref    string `json:"ref"`
			SHA    string `json:"sha"`
			Status string `json:"status"`
			URL    string `json:"url"`
			Name   string `json:"name"`
		} `json:"object_attributes"`
		Project struct {
			WebURL string `json:"web_url"`
		} `json:"project"`
	}
)

// zeroSHA is the "after" of a push that deleted a branch.
const zeroSHA = "0000000000000000000000000000000000000000"

// parseGitLab reads a delivery of GitLab event (X-Gitlab-Event).
func parseGitLab(event string, body []byte) (*activity, error) {
	switch event {
	case "Push Hook":
		var p glPush
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, fmt.Errorf("read push hook: %w", err)
		}
		if p.After == zeroSHA {
			return nil, nil
		}
		pusher := p.UserUsername
		if pusher == "" {
			pusher = p.UserName
		}
		s := pushSummary{Branch: branchOf(p.Ref), Pusher: pusher, CommitCount: max(p.TotalCommitsCount, len(p.Commits))}
		for i, c := range p.Commits {
			if i == maxCommits {
				break
			}
			msg := c.Title
			if msg == "" {
				msg = c.Message
			}
			s.Commits = append(s.Commits, commit{SHA: c.ID, Message: firstLine(msg), Author: c.Author.Name, URL: c.URL})
		}
		return &activity{kind: kindPush, summary: s}, nil
	case "Merge Request Hook":
		var p glMergeRequest
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, fmt.Errorf("read merge request hook: %w", err)
		}
		a := p.ObjectAttributes
		state := a.State
		switch {
		case state == "opened" && (a.Draft || a.WorkInProg):
			state = "draft"
		case state == "opened":
			state = "open"
		case state == "locked":
			state = "closed"
		}
		return &activity{kind: kindPullRequest, key: strconv.FormatInt(a.IID, 10), summary: pullRequestSummary{
			Number: a.IID, Title: a.Title, State: state, Action: a.Action, Author: p.User.Username, URL: a.URL,
			SourceBranch: a.SourceBranch, TargetBranch: a.TargetBranch,
		}}, nil
	case "Pipeline Hook":
		var p glPipeline
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, fmt.Errorf("read pipeline hook: %w", err)
		}
		a := p.ObjectAttributes
		u := a.URL
		if u == "" && p.Project.WebURL != "" {
			u = p.Project.WebURL + "/-/pipelines/" + strconv.FormatInt(a.ID, 10)
		}
		name := a.Name
		if name == "" {
			name = "pipeline"
		}
		s := checkSummary{Name: name, State: gitlabCIState(a.Status), Branch: a.Ref, SHA: a.SHA, URL: u}
		return &activity{kind: kindCI, key: s.Name + "@" + s.Branch, summary: s}, nil
	}
	return nil, nil
}

// gitlabCIState maps a pipeline status to a CI state.
func gitlabCIState(status string) string {
	switch status {
	case "created", "waiting_for_resource", "preparing", "pending", "scheduled", "manual":
		return "queued"
	case "running":
		return "running"
	case "success":
		return "success"
	case "failed":
		return "failure"
	case "canceled", "canceling":
		return "cancelled"
	case "skipped":
		return "skipped"
	}
	return "other"
}

// decodeSummary reads a stored summary into v.
func decodeSummary(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("read repository activity: %w", err)
	}
	return nil
}
