package pages

import (
	"testing"

	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/webapp/ui"
)

// TestNotVettedLinksToVetting: a provider refused because their vetting
// is not approved (PROVIDER_NOT_VETTED, ID-2) is shown the reason and a
// link to the vetting page; other errors get no link.
func TestNotVettedLinksToVetting(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		reason string
		link   bool
	}{
		{"PROVIDER_NOT_VETTED", true},
		{"PROPOSAL_EXISTS", false},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			t.Parallel()
			p := &taskPage{env: testEnv(ui.English), s: session{Loaded: true, SignedIn: true, ID: "pat", Provider: true},
				task: &tasksv1.Task{Ref: "T-000008", Title: "Work", ClientId: "cleo", Status: tasksv1.TaskStatus_TASK_STATUS_OPEN}}
			p.m.form.formErr = ui.English.Reason(tt.reason, "")
			doc := render(t, p)
			if got := textOf(byID(doc, "market-error")); got != ui.English.Reason(tt.reason, "") {
				t.Fatalf("#market-error = %q", got)
			}
			a := byID(doc, "to-vetting-link")
			if (a != nil) != tt.link {
				t.Fatalf("#to-vetting-link shown = %v, want %v", a != nil, tt.link)
			}
			if a != nil && attr(a, "href") != "/provider/vetting" {
				t.Fatalf("#to-vetting-link goes to %q", attr(a, "href"))
			}
		})
	}
}
