package repositories

import (
	"net/url"
	"regexp"
	"strings"
)

// Hosts a repository can live on.
const (
	hostGitHub = "github"
	hostGitLab = "gitlab"
)

// Reasons LinkRepository refuses a URL (the web app translates them).
const (
	reasonURLInvalid      = "REPOSITORY_URL_INVALID"
	reasonHostUnsupported = "REPOSITORY_HOST_UNSUPPORTED"
)

var segmentPattern = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,99}$`)

// parseRepositoryURL reads a repository's web or clone URL on github.com
// or gitlab.com into its host and path ("owner/name",
// "group/subgroup/project"). It returns the reason code of a refusal.
func parseRepositoryURL(raw string) (host, path, reason string) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 300 {
		return "", "", reasonURLInvalid
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", reasonURLInvalid
	}
	switch strings.ToLower(u.Host) {
	case "github.com", "www.github.com":
		host = hostGitHub
	case "gitlab.com", "www.gitlab.com":
		host = hostGitLab
	default:
		return "", "", reasonHostUnsupported
	}
	p := strings.Trim(u.Path, "/")
	// A page inside the repository: GitLab separates it with "/-/",
	// GitHub pages start after owner/name.
	if host == hostGitLab {
		p, _, _ = strings.Cut(p, "/-/")
	}
	p = strings.TrimSuffix(p, ".git")
	segments := strings.Split(p, "/")
	if host == hostGitHub && len(segments) > 2 {
		segments = segments[:2]
	}
	if len(segments) < 2 || len(segments) > 20 {
		return "", "", reasonURLInvalid
	}
	for _, s := range segments {
		if !segmentPattern.MatchString(s) || s == "." || s == ".." {
			return "", "", reasonURLInvalid
		}
	}
	return host, strings.Join(segments, "/"), ""
}

// webURL is the repository's page.
func webURL(host, path string) string {
	if host == hostGitLab {
		return "https://gitlab.com/" + path
	}
	return "https://github.com/" + path
}

// vscodeURL opens the repository in VS Code for the Web. vscode.dev opens
// GitHub repositories directly; for GitLab it has no such route, and
// GitLab's own Web IDE (VS Code in the browser) is used.
func vscodeURL(host, path string) string {
	if host == hostGitLab {
		return "https://gitlab.com/-/ide/project/" + path
	}
	return "https://vscode.dev/github/" + path
}

// codesandboxURL opens the repository in CodeSandbox, which imports from
// GitHub only; "" for GitLab.
func codesandboxURL(host, path string) string {
	if host == hostGitHub {
		return "https://codesandbox.io/p/github/" + path
	}
	return ""
}

// webhookPath is where the host posts the link's events.
func webhookPath(host, linkID string) string {
	return "/hooks/" + host + "/" + linkID
}
