package tasks

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/fieldcrypt"
	"github.com/talent-hub/talent/backend/identity"
	"github.com/talent-hub/talent/backend/testenv"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	tasksv1 "github.com/talent-hub/talent/proto/talent/tasks/v1"
)

// stepUps is the real identity service the tests' task service checks
// step-ups with (ID-4), its texted codes and its clock. Every TOTP code
// used moves the clock on by a period, so no code is a replay.
type stepUps struct {
	svc *identity.Service
	mu  sync.Mutex
	// codes are the SMS codes sent, by phone.
	codes  map[string]string
	offset time.Duration
	// secrets are the users' TOTP secrets and phones, by user id.
	secrets, phones map[string]string
}

func (s *stepUps) SendCode(_ context.Context, phone, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[phone] = code
	return nil
}

func (s *stepUps) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Add(s.offset)
}

// totpCode is userID's authenticator code now; the clock then moves on.
func (s *stepUps) totpCode(t testing.TB, userID string) string {
	t.Helper()
	s.mu.Lock()
	secret := s.secrets[userID]
	s.mu.Unlock()
	c, err := totp.GenerateCodeCustom(secret, s.now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *stepUps) advance() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += 30 * time.Second
}

func newStepUps(t testing.TB, b bundle) *stepUps {
	t.Helper()
	_, rdb := testenv.Redis(t)
	keys, err := fieldcrypt.ParseKeyring(fieldcrypt.GenerateKey("t1"))
	if err != nil {
		t.Fatal(err)
	}
	s := &stepUps{codes: map[string]string{}, secrets: map[string]string{}, phones: map[string]string{}}
	limits := identity.DefaultLimits()
	limits.CodeSendsPerDay.Max = 1000
	s.svc = identity.New(b.db, slog.New(slog.NewTextHandler(io.Discard, nil)), identity.Options{
		Redis: rdb, SMS: s, Now: s.now, Limits: limits, FieldKeys: keys,
	})
	return s
}

// enrol gives userID a phone and an authenticator app, as a client who
// can step up.
func (s *stepUps) enrol(t testing.TB, b bundle, ctx context.Context, userID string) {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		t.Fatal(err)
	}
	phone := fmt.Sprintf("+86139%08d", n.Int64())
	if _, err := b.db.Primary.Exec(t.Context(), "UPDATE users SET phone = $2 WHERE id = $1", userID, phone); err != nil {
		t.Fatalf("set phone: %v", err)
	}
	s.mu.Lock()
	s.phones[userID] = phone
	s.mu.Unlock()
	resp, err := s.svc.BeginTotpEnrollment(ctx, connect.NewRequest(&identityv1.BeginTotpEnrollmentRequest{}))
	if err != nil {
		t.Fatalf("BeginTotpEnrollment: %v", err)
	}
	s.mu.Lock()
	s.secrets[userID] = resp.Msg.GetSecret()
	s.mu.Unlock()
	if _, err := s.svc.ConfirmTotpEnrollment(ctx, connect.NewRequest(&identityv1.ConfirmTotpEnrollmentRequest{Code: s.totpCode(t, userID)})); err != nil {
		t.Fatalf("ConfirmTotpEnrollment: %v", err)
	}
	s.advance()
}

// stepUp completes userID's step-up for deleting the project target with
// the texted code and the authenticator app.
func (s *stepUps) stepUp(t testing.TB, ctx context.Context, userID, target string) {
	t.Helper()
	ch, err := s.svc.BeginStepUp(ctx, connect.NewRequest(&identityv1.BeginStepUpRequest{
		Operation: identityv1.StepUpOperation_STEP_UP_OPERATION_DELETE_PROJECT, Target: target,
	}))
	if err != nil {
		t.Fatalf("BeginStepUp: %v", err)
	}
	s.mu.Lock()
	code := s.codes[s.phones[userID]]
	s.mu.Unlock()
	if _, err := s.svc.FinishStepUp(ctx, connect.NewRequest(&identityv1.FinishStepUpRequest{
		ChallengeId: ch.Msg.GetChallengeId(), SmsCode: code,
		SecondFactor: &identityv1.FinishStepUpRequest_TotpCode{TotpCode: s.totpCode(t, userID)},
	})); err != nil {
		t.Fatalf("FinishStepUp: %v", err)
	}
	s.advance()
}

// TestCancelNeedsStepUp: cancelling a task deletes the project, which
// needs a fresh step-up bound to that task (ID-4): refused without one,
// refused with one for another task, done with one for it, by id or by
// reference, and each step-up serves one cancel.
func TestCancelNeedsStepUp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	su := newStepUps(t, b)
	b.svc.stepUp = su.svc
	cleo, cleoID := b.newUser(t, "Cleo", auth.RoleClient)
	su.enrol(t, b, cleo, cleoID)

	cancel := func(ref string) error {
		_, err := b.svc.CancelTask(cleo, connect.NewRequest(&tasksv1.CancelTaskRequest{IdOrRef: ref}))
		return err
	}
	wantStepUpRequired := func(t *testing.T, err error) {
		t.Helper()
		if got := connectCode(t, err); got != connect.CodeFailedPrecondition {
			t.Fatalf("CancelTask = %v, want failed_precondition", err)
		}
		if got := errorInfoReason(err); got != "STEP_UP_REQUIRED" {
			t.Fatalf("reason = %q, want STEP_UP_REQUIRED (err %v)", got, err)
		}
	}
	status := func(t *testing.T, ref string) tasksv1.TaskStatus {
		t.Helper()
		resp, err := b.svc.GetTask(cleo, connect.NewRequest(&tasksv1.GetTaskRequest{IdOrRef: ref}))
		if err != nil {
			t.Fatal(err)
		}
		return resp.Msg.GetTask().GetStatus()
	}

	t.Run("refused without a step-up", func(t *testing.T) {
		task := b.create(t, cleo, validTask())
		wantStepUpRequired(t, cancel(task.GetRef()))
		if got := status(t, task.GetRef()); got != tasksv1.TaskStatus_TASK_STATUS_OPEN {
			t.Fatalf("status = %v after a refused cancel, want open", got)
		}
	})
	t.Run("another task's step-up refused", func(t *testing.T) {
		task, other := b.create(t, cleo, validTask()), b.create(t, cleo, validTask())
		su.stepUp(t, cleo, cleoID, other.GetId())
		wantStepUpRequired(t, cancel(task.GetRef()))
		// The other task's step-up is still good for it.
		if err := cancel(other.GetRef()); err != nil {
			t.Fatalf("CancelTask with its step-up: %v", err)
		}
	})
	t.Run("another operation's step-up refused", func(t *testing.T) {
		task := b.create(t, cleo, validTask())
		ch, err := su.svc.BeginStepUp(cleo, connect.NewRequest(&identityv1.BeginStepUpRequest{
			Operation: identityv1.StepUpOperation_STEP_UP_OPERATION_WITHDRAW, Target: task.GetId(),
		}))
		if err != nil {
			t.Fatal(err)
		}
		su.mu.Lock()
		code := su.codes[su.phones[cleoID]]
		su.mu.Unlock()
		if _, err := su.svc.FinishStepUp(cleo, connect.NewRequest(&identityv1.FinishStepUpRequest{
			ChallengeId: ch.Msg.GetChallengeId(), SmsCode: code,
			SecondFactor: &identityv1.FinishStepUpRequest_TotpCode{TotpCode: su.totpCode(t, cleoID)},
		})); err != nil {
			t.Fatal(err)
		}
		su.advance()
		wantStepUpRequired(t, cancel(task.GetRef()))
	})
	for _, by := range []string{"id", "ref"} {
		t.Run("accepted with a step-up for the task's "+by+", once", func(t *testing.T) {
			draft := validTask()
			draft.Draft = true
			task := b.create(t, cleo, draft)
			target := task.GetId()
			if by == "ref" {
				target = task.GetRef()
			}
			su.stepUp(t, cleo, cleoID, target)
			if err := cancel(task.GetRef()); err != nil {
				t.Fatalf("CancelTask with a step-up: %v", err)
			}
			if got := status(t, task.GetRef()); got != tasksv1.TaskStatus_TASK_STATUS_CANCELLED {
				t.Fatalf("status = %v, want cancelled", got)
			}
			// Used up: a second task cancel needs a new step-up.
			again := b.create(t, cleo, validTask())
			su.stepUp(t, cleo, cleoID, target)
			wantStepUpRequired(t, cancel(again.GetRef()))
		})
	}
	t.Run("a refused transition leaves the step-up unused", func(t *testing.T) {
		task := b.create(t, cleo, validTask())
		if _, err := b.svc.CloseTask(cleo, connect.NewRequest(&tasksv1.CloseTaskRequest{IdOrRef: task.GetRef()})); err != nil {
			t.Fatal(err)
		}
		su.stepUp(t, cleo, cleoID, task.GetId())
		err := cancel(task.GetRef())
		if rs := fieldReasons(t, err); rs["status"] != "TRANSITION_NOT_ALLOWED" {
			t.Fatalf("CancelTask of a closed task: %v", err)
		}
		if err := su.svc.RequireStepUp(t.Context(), uuid.MustParse(cleoID), identity.OpDeleteProject, task.GetId()); err != nil {
			t.Fatalf("the step-up was used up by a refused cancel: %v", err)
		}
	})
}

// errorInfoReason is the reason of err's google.rpc.ErrorInfo, or "".
func errorInfoReason(err error) string {
	ce, ok := errors.AsType[*connect.Error](err)
	if !ok {
		return ""
	}
	for _, d := range ce.Details() {
		if v, err := d.Value(); err == nil {
			if info, ok := v.(*errdetails.ErrorInfo); ok {
				return info.GetReason()
			}
		}
	}
	return ""
}
