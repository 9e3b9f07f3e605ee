package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/devstack"
	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/testenv"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
	"github.com/talent-hub/talent/proto/talent/tasks/v1/tasksv1connect"
)

func TestMain(m *testing.M) { testenv.Run(m) }

// talentdBinary returns $TALENT_BIN_DIR/talentd when set (as `make test`
// does), else builds talentd into a temporary directory.
func talentdBinary(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("TALENT_BIN_DIR"); dir != "" {
		return filepath.Join(dir, "talentd")
	}
	bin := filepath.Join(t.TempDir(), "talentd")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/talent-hub/talent/backend/cmd/talentd").CombinedOutput()
	if err != nil {
		t.Fatalf("build talentd: %v\n%s", err, out)
	}
	return bin
}

func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin := talentdBinary(t)
	databaseURL := testenv.DatabaseURL(t)
	redisURL, _ := testenv.Redis(t)
	s3 := testenv.MinIO(t)
	talentd, err := devstack.StartTalentd(ctx, devstack.TalentdConfig{
		Binary: bin,
		Env: []string{
			"TALENT_DATABASE_URL=" + databaseURL,
			"TALENT_REDIS_URL=" + redisURL,
			"TALENT_S3_ENDPOINT=" + s3.Endpoint,
			"TALENT_S3_ACCESS_KEY=" + s3.AccessKey,
			"TALENT_S3_SECRET_KEY=" + s3.SecretKey,
			"TALENT_SERVICES=identity,tasks",
			"TALENT_COOKIE_SECURE=false",
			"TALENT_FIELD_KEYS=" + fieldcrypt.GenerateKey("test1"),
		},
		LogFile: filepath.Join(t.TempDir(), "talentd.log"),
	})
	if err != nil {
		t.Fatalf("start talentd: %v", err)
	}
	t.Cleanup(func() {
		if err := talentd.Stop(); err != nil {
			t.Errorf("stop talentd: %v", err)
		}
	})

	now := time.Now()
	for run := 1; run <= 2; run++ {
		accounts, err := seed(ctx, talentd.URL, h2cClient(), now)
		if err != nil {
			t.Fatalf("seed run %d: %v", run, err)
		}
		if err := markDemo(ctx, databaseURL, accounts); err != nil {
			t.Fatalf("mark demo run %d: %v", run, err)
		}
		if len(accounts) != len(demoAccounts()) {
			t.Fatalf("seed run %d returned %d accounts, want %d", run, len(accounts), len(demoAccounts()))
		}
	}

	client := tasksv1connect.NewTaskServiceClient(h2cClient(), talentd.URL)
	resp, err := client.ListTasks(ctx, connect.NewRequest(&tasksv1.ListTasksRequest{PageSize: 50}))
	if err != nil {
		t.Fatalf("list tasks: %v", err)
	}
	if got, want := len(resp.Msg.GetTasks()), len(demoTasks()); got != want {
		t.Fatalf("got %d tasks after seeding twice, want %d", got, want)
	}
	for _, task := range resp.Msg.GetTasks() {
		if !strings.HasPrefix(task.GetTitle(), "[Demo] ") {
			t.Fatalf("task %s title %q lacks the [Demo] prefix", task.GetRef(), task.GetTitle())
		}
		if !task.GetDemo() {
			t.Fatalf("task %s is not flagged as demo data", task.GetRef())
		}
		if !strings.HasPrefix(task.GetClientDisplayName(), "Demo ") {
			t.Fatalf("task %s client %q lacks the Demo prefix", task.GetRef(), task.GetClientDisplayName())
		}
	}

	// The demo providers are approved: they can propose (ID-2).
	provider := demoAccounts()[2]
	token, err := signUpOrLogIn(ctx, identityv1connect.NewIdentityServiceClient(h2cClient(), talentd.URL), provider)
	if err != nil {
		t.Fatalf("log in %s: %v", provider.email, err)
	}
	propose := connect.NewRequest(&tasksv1.CreateProposalRequest{
		IdOrRef: resp.Msg.GetTasks()[0].GetRef(), PriceFen: 1000000, TimelineDays: 20, CoverNote: "Demo proposal.",
	})
	propose.Header().Set("Authorization", "Bearer "+token)
	if _, err := tasksv1connect.NewMarketServiceClient(h2cClient(), talentd.URL).CreateProposal(ctx, propose); err != nil {
		t.Fatalf("demo provider %s cannot propose: %v", provider.email, err)
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	tests := []struct {
		name    string
		args    []string
		want    config
		wantErr bool
	}{
		{
			name: "defaults",
			args: []string{"talent-dev"},
			want: config{
				varDir:    filepath.Join(wd, "var"),
				binDir:    filepath.Join(wd, "bin"),
				caddyfile: filepath.Join(wd, "deploy/edge/Caddyfile"),
			},
		},
		{
			name: "explicit",
			args: []string{"talent-dev", "--var", "/srv/var", "--bin", "/srv/bin", "--caddyfile", "/srv/Caddyfile"},
			want: config{varDir: "/srv/var", binDir: "/srv/bin", caddyfile: "/srv/Caddyfile"},
		},
		{name: "stray argument", args: []string{"talent-dev", "extra"}, wantErr: true},
		{name: "unknown flag", args: []string{"talent-dev", "--nope"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseFlags(tt.args, &strings.Builder{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFlags error = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Fatalf("parseFlags = %+v, want %+v", got, tt.want)
			}
		})
	}
}
