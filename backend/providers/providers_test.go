package providers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/minio/minio-go/v7"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/badrequest"
	"github.com/talent-hub/talent/backend/identity"
	"github.com/talent-hub/talent/backend/postgres"
	"github.com/talent-hub/talent/backend/testenv"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
)

func TestMain(m *testing.M) { testenv.Run(m) }

// testIDNumber is a well-formed resident ID number (its check character
// is right); tests assert it never leaves the service unmasked.
const testIDNumber = "11010519491231002X"

// syncBuffer is a log sink tests read while the service writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// bundle is what the tests need: a service over a fresh database and the
// test MinIO, and everything it logged.
type bundle struct {
	db     *postgres.DB
	svc    *Service
	sealer *AESSealer
	log    *syncBuffer
}

func setup(t testing.TB) bundle {
	t.Helper()
	d := testenv.DB(t)
	log := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sealer, err := NewAESSealer("k1", map[string][]byte{"k1": bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	return bundle{db: d, svc: New(d, testenv.Blob(t), logger, Options{Sealer: sealer}), sealer: sealer, log: log}
}

// newUser stores a user with roles and returns a context signed in as them.
func (b bundle) newUser(t testing.TB, name string, roles ...string) (context.Context, string) {
	t.Helper()
	var id string
	err := b.db.Primary.QueryRow(t.Context(), `
		INSERT INTO users (email, password_hash, display_name, roles, consent_version)
		VALUES ($1, 'x', $2, $3, '1') RETURNING id::text`,
		strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@example.com", name, roles).Scan(&id)
	if err != nil {
		t.Fatalf("insert user %s: %v", name, err)
	}
	return auth.WithPrincipal(t.Context(), auth.Principal{UserID: id, Roles: roles}), id
}

// pngBytes is a small real PNG image.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// post uploads body through a CreateUpload answer, as a browser does: a
// multipart POST with the policy's fields, the file last. It returns the
// object store's status code and body.
func post(t testing.TB, up *providersv1.CreateUploadResponse, contentType string, body []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range up.GetFormFields() {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	part, err := w.CreatePart(map[string][]string{
		"Content-Disposition": {`form-data; name="file"; filename="upload"`},
		"Content-Type":        {contentType},
	})
	if err != nil {
		t.Fatal(err)
	}
	part.Write(body)
	w.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, up.GetUrl(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST to object store: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// upload creates, posts and completes a file; it fails the test on error.
func (b bundle) upload(t testing.TB, ctx context.Context, kind providersv1.FileKind, contentType string, body []byte) string {
	t.Helper()
	up, err := b.svc.CreateUpload(ctx, connect.NewRequest(&providersv1.CreateUploadRequest{
		Kind: kind, Filename: "f", ContentType: contentType, SizeBytes: int64(len(body)),
	}))
	if err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	if code, msg := post(t, up.Msg, contentType, body); code != http.StatusNoContent {
		t.Fatalf("POST upload: %d %s", code, msg)
	}
	if _, err := b.svc.CompleteUpload(ctx, connect.NewRequest(&providersv1.CompleteUploadRequest{FileId: up.Msg.GetFileId()})); err != nil {
		t.Fatalf("CompleteUpload: %v", err)
	}
	return up.Msg.GetFileId()
}

// reasons returns field → reason of err's violations.
func reasons(err error) map[string]string {
	out := map[string]string{}
	for _, v := range badrequest.FromError(err) {
		out[v.Field] = v.Reason
	}
	return out
}

func validProfile() *providersv1.SaveProfileRequest {
	return &providersv1.SaveProfileRequest{
		Skills:        []*providersv1.Skill{{Tag: "Golang", Level: 5}, {Tag: "k8s", Level: 3}},
		HourlyRateFen: 30000,
		DailyRateFen:  200000,
		City:          " Shanghai ",
		TimeZone:      "Asia/Shanghai",
		Availability:  providersv1.Availability_AVAILABILITY_PART_TIME,
		Bio:           "I build **backends**.",
		Portfolio: []*providersv1.PortfolioItem{
			{Title: "Payments", Description: "A payment gateway.", Links: []string{"https://example.com/pay"}},
			{Title: "Secret client work", Hidden: true},
		},
	}
}

// makeProvider saves a valid profile for a new user and returns their
// context (now holding the provider role) and id.
func (b bundle) makeProvider(t testing.TB, name string) (context.Context, string) {
	t.Helper()
	ctx, id := b.newUser(t, name, auth.RoleClient)
	if _, err := b.svc.SaveProfile(ctx, connect.NewRequest(validProfile())); err != nil {
		t.Fatalf("SaveProfile: %v", err)
	}
	return auth.WithPrincipal(t.Context(), auth.Principal{UserID: id, Roles: []string{auth.RoleClient, auth.RoleProvider}}), id
}

func TestSaveProfile(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, id := b.newUser(t, "Wang Fang", auth.RoleClient)
	resp, err := b.svc.SaveProfile(ctx, connect.NewRequest(validProfile()))
	if err != nil {
		t.Fatalf("SaveProfile: %v", err)
	}
	p := resp.Msg.GetProfile()
	var got []string
	for _, s := range p.GetSkills() {
		got = append(got, fmt.Sprintf("%s:%d", s.GetTag(), s.GetLevel()))
	}
	if want := []string{"go:5", "kubernetes:3"}; !slices.Equal(got, want) {
		t.Errorf("skills = %v, want %v (synonyms normalised, strongest first)", got, want)
	}
	if p.GetCity() != "Shanghai" || p.GetVettingStatus() != providersv1.VettingStatus_VETTING_STATUS_NOT_SUBMITTED {
		t.Errorf("city %q status %v", p.GetCity(), p.GetVettingStatus())
	}
	if len(p.GetPortfolio()) != 2 {
		t.Errorf("own profile has %d portfolio items, want 2 (hidden included)", len(p.GetPortfolio()))
	}
	// Becoming a provider keeps the client role (ID-3: one person, both).
	var roles []string
	if err := b.db.Primary.QueryRow(t.Context(), "SELECT roles FROM users WHERE id = $1", id).Scan(&roles); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(roles, []string{auth.RoleClient, auth.RoleProvider}) {
		t.Errorf("roles = %v, want client and provider", roles)
	}
	// Saving again does not add the role twice.
	if _, err := b.svc.SaveProfile(ctx, connect.NewRequest(validProfile())); err != nil {
		t.Fatalf("SaveProfile again: %v", err)
	}
	b.db.Primary.QueryRow(t.Context(), "SELECT roles FROM users WHERE id = $1", id).Scan(&roles)
	if len(roles) != 2 {
		t.Errorf("roles after second save = %v", roles)
	}
	// The self-service grant is audited once (ID-3, SEC-3).
	var grants int
	if err := b.db.Primary.QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE action = 'role.grant'
		AND actor_id = $1 AND target = 'user:' || $1::text AND detail->>'role' = 'provider' AND (detail->>'self_service')::bool`, id).Scan(&grants); err != nil {
		t.Fatal(err)
	}
	if grants != 1 {
		t.Errorf("%d role.grant audit entries for becoming a provider, want 1", grants)
	}

	// The public profile leaves hidden items out (SEC-4).
	pub, err := b.svc.GetProfile(t.Context(), connect.NewRequest(&providersv1.GetProfileRequest{UserId: id}))
	if err != nil {
		t.Fatalf("GetProfile: %v", err)
	}
	if items := pub.Msg.GetProfile().GetPortfolio(); len(items) != 1 || items[0].GetTitle() != "Payments" {
		t.Errorf("public portfolio = %v, want only the visible item", items)
	}
	if _, err := b.svc.GetProfile(t.Context(), connect.NewRequest(&providersv1.GetProfileRequest{UserId: "0e4b8c43-5d5b-4c4e-9f3e-000000000000"})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("GetProfile(unknown) = %v, want not found", err)
	}
}

func TestSaveProfileRefusesBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, _ := b.newUser(t, "Li Lei", auth.RoleClient)
	other, _ := b.makeProvider(t, "Other One")
	foreignFile := b.upload(t, other, providersv1.FileKind_FILE_KIND_PORTFOLIO, typePNG, pngBytes(t))
	tests := []struct {
		name   string
		change func(*providersv1.SaveProfileRequest)
		field  string
		reason string
	}{
		{"no skills", func(m *providersv1.SaveProfileRequest) { m.Skills = nil }, "skills", "SKILLS_REQUIRED"},
		{"unknown skill", func(m *providersv1.SaveProfileRequest) { m.Skills[0].Tag = "basket weaving" }, "skills[0]", "SKILL_UNKNOWN"},
		{"level too high", func(m *providersv1.SaveProfileRequest) { m.Skills[0].Level = 6 }, "skills[0]", "SKILL_LEVEL_INVALID"},
		{"level zero", func(m *providersv1.SaveProfileRequest) { m.Skills[1].Level = 0 }, "skills[1]", "SKILL_LEVEL_INVALID"},
		{"synonym duplicate", func(m *providersv1.SaveProfileRequest) { m.Skills[1].Tag = "go" }, "skills[1]", "SKILL_DUPLICATE"},
		{"negative rate", func(m *providersv1.SaveProfileRequest) { m.HourlyRateFen = -1 }, "hourly_rate_fen", "RATE_INVALID"},
		{"time zone offset", func(m *providersv1.SaveProfileRequest) { m.TimeZone = "+08:00" }, "time_zone", "TIME_ZONE_INVALID"},
		{"time zone Local", func(m *providersv1.SaveProfileRequest) { m.TimeZone = "Local" }, "time_zone", "TIME_ZONE_INVALID"},
		{"no availability", func(m *providersv1.SaveProfileRequest) { m.Availability = 0 }, "availability", "REQUIRED"},
		{"bio too long", func(m *providersv1.SaveProfileRequest) { m.Bio = strings.Repeat("长", maxBioLen+1) }, "bio", "TOO_LONG"},
		{"item without title", func(m *providersv1.SaveProfileRequest) { m.Portfolio[0].Title = " " }, "portfolio[0].title", "REQUIRED"},
		{"javascript link", func(m *providersv1.SaveProfileRequest) { m.Portfolio[0].Links = []string{"javascript:alert(1)"} }, "portfolio[0].links", "LINK_INVALID"},
		{"someone else's file", func(m *providersv1.SaveProfileRequest) { m.Portfolio[0].FileIds = []string{foreignFile} }, "portfolio", "FILE_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := validProfile()
			tt.change(m)
			_, err := b.svc.SaveProfile(ctx, connect.NewRequest(m))
			if got := reasons(err)[tt.field]; got != tt.reason {
				t.Fatalf("SaveProfile: %v; reason for %s = %q, want %q", err, tt.field, got, tt.reason)
			}
		})
	}
	if _, err := b.svc.GetMyProfile(ctx, connect.NewRequest(&providersv1.GetMyProfileRequest{})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("after refused saves GetMyProfile = %v, want not found (nothing saved)", err)
	}
}

func TestUploads(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, _ := b.makeProvider(t, "Zhang Wei")
	img := pngBytes(t)
	pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")

	t.Run("image is uploaded and verified", func(t *testing.T) {
		t.Parallel()
		id := b.upload(t, ctx, providersv1.FileKind_FILE_KIND_ID_FRONT, typePNG, img)
		var status string
		var size int64
		if err := b.db.Primary.QueryRow(t.Context(), "SELECT status, size_bytes FROM provider_files WHERE id = $1", id).Scan(&status, &size); err != nil {
			t.Fatal(err)
		}
		if status != "ready" || size != int64(len(img)) {
			t.Fatalf("file is %s, %d bytes; want ready, %d", status, size, len(img))
		}
	})
	t.Run("certificate may be a PDF", func(t *testing.T) {
		t.Parallel()
		b.upload(t, ctx, providersv1.FileKind_FILE_KIND_CERTIFICATE, typePDF, pdf)
	})

	refused := []struct {
		name        string
		kind        providersv1.FileKind
		contentType string
		size        int64
		field       string
		reason      string
	}{
		{"ID card as PDF", providersv1.FileKind_FILE_KIND_ID_BACK, typePDF, 100, "content_type", "FILE_TYPE_NOT_ALLOWED"},
		{"executable", providersv1.FileKind_FILE_KIND_PORTFOLIO, "application/x-msdownload", 100, "content_type", "FILE_TYPE_NOT_ALLOWED"},
		{"svg (scripts)", providersv1.FileKind_FILE_KIND_PORTFOLIO, "image/svg+xml", 100, "content_type", "FILE_TYPE_NOT_ALLOWED"},
		{"oversized ID image", providersv1.FileKind_FILE_KIND_ID_FRONT, typeJPEG, 5<<20 + 1, "size_bytes", "FILE_TOO_LARGE"},
		{"oversized certificate", providersv1.FileKind_FILE_KIND_CERTIFICATE, typePDF, 10<<20 + 1, "size_bytes", "FILE_TOO_LARGE"},
		{"empty", providersv1.FileKind_FILE_KIND_ID_FRONT, typePNG, 0, "size_bytes", "FILE_EMPTY"},
		{"no kind", 0, typePNG, 100, "kind", "REQUIRED"},
	}
	for _, tt := range refused {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := b.svc.CreateUpload(ctx, connect.NewRequest(&providersv1.CreateUploadRequest{
				Kind: tt.kind, Filename: "x", ContentType: tt.contentType, SizeBytes: tt.size,
			}))
			if got := reasons(err)[tt.field]; got != tt.reason {
				t.Fatalf("CreateUpload: %v; reason for %s = %q, want %q", err, tt.field, got, tt.reason)
			}
		})
	}

	// The object store enforces the signed policy itself.
	t.Run("object store refuses more bytes than declared", func(t *testing.T) {
		t.Parallel()
		up, err := b.svc.CreateUpload(ctx, connect.NewRequest(&providersv1.CreateUploadRequest{
			Kind: providersv1.FileKind_FILE_KIND_ID_FRONT, ContentType: typePNG, SizeBytes: int64(len(img)) - 10,
		}))
		if err != nil {
			t.Fatal(err)
		}
		if code, body := post(t, up.Msg, typePNG, img); code != http.StatusBadRequest || !strings.Contains(body, "EntityTooLarge") {
			t.Fatalf("POST %d bytes under a %d-byte policy: %d %s, want 400 EntityTooLarge", len(img), len(img)-10, code, body)
		}
		_, err = b.svc.CompleteUpload(ctx, connect.NewRequest(&providersv1.CompleteUploadRequest{FileId: up.Msg.GetFileId()}))
		if got := reasons(err)["file_id"]; got != "FILE_NOT_UPLOADED" {
			t.Fatalf("CompleteUpload after refused POST: %v, want FILE_NOT_UPLOADED", err)
		}
	})
	t.Run("object store refuses another content type", func(t *testing.T) {
		t.Parallel()
		up, err := b.svc.CreateUpload(ctx, connect.NewRequest(&providersv1.CreateUploadRequest{
			Kind: providersv1.FileKind_FILE_KIND_ID_FRONT, ContentType: typePNG, SizeBytes: int64(len(img)),
		}))
		if err != nil {
			t.Fatal(err)
		}
		up.Msg.FormFields["Content-Type"] = "text/html"
		if code, body := post(t, up.Msg, "text/html", img); code != http.StatusForbidden {
			t.Fatalf("POST as text/html under an image/png policy: %d %s, want 403", code, body)
		}
	})
	t.Run("content that is not the declared type is deleted", func(t *testing.T) {
		t.Parallel()
		body := []byte("<html><script>alert(1)</script></html>")
		up, err := b.svc.CreateUpload(ctx, connect.NewRequest(&providersv1.CreateUploadRequest{
			Kind: providersv1.FileKind_FILE_KIND_PORTFOLIO, ContentType: typePNG, SizeBytes: int64(len(body)),
		}))
		if err != nil {
			t.Fatal(err)
		}
		if code, msg := post(t, up.Msg, typePNG, body); code != http.StatusNoContent {
			t.Fatalf("POST: %d %s", code, msg)
		}
		_, err = b.svc.CompleteUpload(ctx, connect.NewRequest(&providersv1.CompleteUploadRequest{FileId: up.Msg.GetFileId()}))
		if got := reasons(err)["file_id"]; got != "FILE_TYPE_MISMATCH" {
			t.Fatalf("CompleteUpload: %v, want FILE_TYPE_MISMATCH", err)
		}
		var n int
		b.db.Primary.QueryRow(t.Context(), "SELECT count(*) FROM provider_files WHERE id = $1", up.Msg.GetFileId()).Scan(&n)
		if n != 0 {
			t.Errorf("refused file still has its row")
		}
		if up.Msg.GetFormFields()["key"] == "" {
			t.Fatal("the policy names no key")
		}
		if _, err := b.svc.store.Client().StatObject(t.Context(), b.svc.bucket, up.Msg.GetFormFields()["key"], minio.StatObjectOptions{}); err == nil {
			t.Errorf("refused object is still in the bucket")
		}
	})
	t.Run("another user's file is not found", func(t *testing.T) {
		t.Parallel()
		id := b.upload(t, ctx, providersv1.FileKind_FILE_KIND_PORTFOLIO, typePNG, img)
		stranger, _ := b.makeProvider(t, "Stranger Danger")
		_, err := b.svc.CompleteUpload(stranger, connect.NewRequest(&providersv1.CompleteUploadRequest{FileId: id}))
		if connect.CodeOf(err) != connect.CodeNotFound {
			t.Fatalf("CompleteUpload of another's file: %v, want not found", err)
		}
	})
}

// submit submits vetting with freshly uploaded ID images.
func (b bundle) submit(t testing.TB, ctx context.Context) *providersv1.VettingSubmission {
	t.Helper()
	img := pngBytes(t)
	front := b.upload(t, ctx, providersv1.FileKind_FILE_KIND_ID_FRONT, typePNG, img)
	back := b.upload(t, ctx, providersv1.FileKind_FILE_KIND_ID_BACK, typePNG, img)
	cert := b.upload(t, ctx, providersv1.FileKind_FILE_KIND_CERTIFICATE, typePNG, img)
	resp, err := b.svc.SubmitVetting(ctx, connect.NewRequest(&providersv1.SubmitVettingRequest{
		IdNumber: strings.ToLower(testIDNumber), IdFrontFileId: front, IdBackFileId: back,
		Certificates: []*providersv1.Certificate{{Name: "PMP", Issuer: "PMI", Number: "123456", ExpiryDate: "2030-01-31", FileId: cert}},
	}))
	if err != nil {
		t.Fatalf("SubmitVetting: %v", err)
	}
	return resp.Msg.GetSubmission()
}

func TestVetting(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin, adminID := b.newUser(t, "Admin Zhao", auth.RoleAdmin)
	early, earlyID := b.makeProvider(t, "Early Bird")
	late, lateID := b.makeProvider(t, "Late Comer")

	mayWork := func(id string) bool {
		t.Helper()
		ok, err := b.svc.MayTakeWork(t.Context(), mustUUID(t, id))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if mayWork(earlyID) {
		t.Fatal("a provider who never submitted may take work")
	}

	first := b.submit(t, early)
	b.submit(t, late)
	if first.GetStatus() != providersv1.VettingStatus_VETTING_STATUS_SUBMITTED || first.GetIdNumberMasked() != "110***********002X" {
		t.Fatalf("submission status %v, masked %q", first.GetStatus(), first.GetIdNumberMasked())
	}
	_, err := b.svc.SubmitVetting(early, connect.NewRequest(&providersv1.SubmitVettingRequest{
		IdNumber: testIDNumber, IdFrontFileId: first.GetIdFront().GetId(), IdBackFileId: first.GetIdBack().GetId(),
	}))
	if got := reasons(err)["status"]; got != "VETTING_PENDING" {
		t.Fatalf("second submission while pending: %v, want VETTING_PENDING", err)
	}

	// The queue is oldest first and shows only the masked number.
	queue, err := b.svc.ListVettingQueue(admin, connect.NewRequest(&providersv1.ListVettingQueueRequest{PageSize: 1}))
	if err != nil {
		t.Fatal(err)
	}
	subs := queue.Msg.GetSubmissions()
	if len(subs) != 1 || subs[0].GetUserId() != earlyID || queue.Msg.GetNextPageToken() == "" {
		t.Fatalf("first page = %v (next %q), want the earliest submission and a next page", subs, queue.Msg.GetNextPageToken())
	}
	page2, err := b.svc.ListVettingQueue(admin, connect.NewRequest(&providersv1.ListVettingQueueRequest{PageSize: 1, PageToken: queue.Msg.GetNextPageToken()}))
	if err != nil || len(page2.Msg.GetSubmissions()) != 1 || page2.Msg.GetSubmissions()[0].GetUserId() != lateID {
		t.Fatalf("second page = %v, %v; want the later submission", page2.Msg.GetSubmissions(), err)
	}

	// The admin sees the documents through short-lived links.
	full, err := b.svc.GetVettingSubmission(admin, connect.NewRequest(&providersv1.GetVettingSubmissionRequest{Id: first.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	doc := full.Msg.GetSubmission()
	if doc.GetProfile().GetDisplayName() != "Early Bird" || len(doc.GetProfile().GetPortfolio()) != 2 {
		t.Errorf("review profile = %v, want the full portfolio", doc.GetProfile())
	}
	if len(doc.GetCertificates()) != 1 || doc.GetCertificates()[0].GetName() != "PMP" || doc.GetCertificates()[0].GetFile().GetUrl() == "" {
		t.Errorf("certificates = %v", doc.GetCertificates())
	}
	resp, err := http.Get(doc.GetIdFront().GetUrl())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, pngBytes(t)) || resp.Header.Get("Content-Type") != typePNG {
		t.Fatalf("GET ID image link: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}

	// A rejection needs a reason.
	_, err = b.svc.DecideVetting(admin, connect.NewRequest(&providersv1.DecideVettingRequest{Id: first.GetId(), Decision: providersv1.Decision_DECISION_REJECT}))
	if got := reasons(err)["reason"]; got != "REQUIRED" {
		t.Fatalf("reject without reason: %v, want REQUIRED", err)
	}
	if _, err := b.svc.DecideVetting(admin, connect.NewRequest(&providersv1.DecideVettingRequest{
		Id: first.GetId(), Decision: providersv1.Decision_DECISION_REJECT, Reason: "The ID photo is blurred.",
	})); err != nil {
		t.Fatalf("reject: %v", err)
	}
	_, err = b.svc.DecideVetting(admin, connect.NewRequest(&providersv1.DecideVettingRequest{Id: first.GetId(), Decision: providersv1.Decision_DECISION_APPROVE}))
	if got := reasons(err)["status"]; got != "VETTING_DECIDED" {
		t.Fatalf("deciding twice: %v, want VETTING_DECIDED", err)
	}
	if mayWork(earlyID) {
		t.Fatal("a rejected provider may take work")
	}
	b.wantNotification(t, earlyID, "vetting.rejected", "The ID photo is blurred.")

	// Resubmitting after a rejection keeps the history.
	second := b.submit(t, early)
	mine, err := b.svc.GetMyVetting(early, connect.NewRequest(&providersv1.GetMyVettingRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if h := mine.Msg.GetSubmissions(); len(h) != 2 || h[0].GetId() != second.GetId() || h[1].GetReason() != "The ID photo is blurred." {
		t.Fatalf("history = %v, want the resubmission then the rejection with its reason", h)
	}
	if _, err := b.svc.DecideVetting(admin, connect.NewRequest(&providersv1.DecideVettingRequest{Id: second.GetId(), Decision: providersv1.Decision_DECISION_APPROVE})); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if !mayWork(earlyID) {
		t.Fatal("an approved provider may not take work")
	}
	if mayWork(lateID) {
		t.Fatal("a provider awaiting review may take work")
	}
	b.wantNotification(t, earlyID, "vetting.approved", "")

	// Suspension stops work; reinstating allows it again.
	_, err = b.svc.SuspendProvider(admin, connect.NewRequest(&providersv1.SuspendProviderRequest{UserId: earlyID, Suspended: true}))
	if got := reasons(err)["reason"]; got != "REQUIRED" {
		t.Fatalf("suspend without reason: %v", err)
	}
	if _, err := b.svc.SuspendProvider(admin, connect.NewRequest(&providersv1.SuspendProviderRequest{UserId: earlyID, Suspended: true, Reason: "Fraud report"})); err != nil {
		t.Fatal(err)
	}
	if mayWork(earlyID) {
		t.Fatal("a suspended provider may take work")
	}
	if _, err := b.svc.SuspendProvider(admin, connect.NewRequest(&providersv1.SuspendProviderRequest{UserId: earlyID})); err != nil {
		t.Fatal(err)
	}
	if !mayWork(earlyID) {
		t.Fatal("a reinstated provider may not take work")
	}

	// Every decision is audited, by the admin, about the provider.
	rows, err := b.db.Primary.Query(t.Context(), "SELECT action FROM audit_log WHERE actor_id = $1 AND target = $2 ORDER BY id", adminID, "user:"+earlyID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actions = append(actions, a)
	}
	if want := []string{"vetting.reject", "vetting.approve", "vetting.suspend", "vetting.reinstate"}; !slices.Equal(actions, want) {
		t.Errorf("audit actions = %v, want %v", actions, want)
	}

	// The ID number is nowhere in the clear (SEC-1, SEC-2): not in any
	// answer, the log, the audit log, notifications or the table.
	for _, where := range []struct{ name, text string }{
		{"log", b.log.String()},
		{"queue", fmt.Sprint(queue.Msg, page2.Msg)},
		{"review", fmt.Sprint(full.Msg)},
		{"history", fmt.Sprint(mine.Msg)},
		{"database", b.dumpText(t)},
	} {
		if strings.Contains(strings.ToUpper(where.text), testIDNumber) || strings.Contains(where.text, testIDNumber[3:14]) {
			t.Errorf("the ID number appears in the %s", where.name)
		}
	}
	// It is sealed, under the key id stored beside it, bound to its row.
	var sealed []byte
	var keyID string
	if err := b.db.Primary.QueryRow(t.Context(), "SELECT id_number_sealed, id_number_key_id FROM vetting_submissions WHERE id = $1", first.GetId()).Scan(&sealed, &keyID); err != nil {
		t.Fatal(err)
	}
	if plain, err := b.sealer.Decrypt(keyID, sealed, IDNumberAAD(first.GetId())); err != nil || string(plain) != testIDNumber {
		t.Errorf("open sealed ID number = %q, %v", plain, err)
	}
	if _, err := b.sealer.Decrypt(keyID, sealed, IDNumberAAD(second.GetId())); !errors.Is(err, ErrUnsealable) {
		t.Errorf("a sealed number opens as another submission's: %v", err)
	}
}

// dumpText is every vetting, audit and notification row as text.
func (b bundle) dumpText(t *testing.T) string {
	t.Helper()
	var out strings.Builder
	for _, q := range []string{
		"SELECT v::text FROM vetting_submissions v",
		"SELECT a::text FROM audit_log a",
		"SELECT n::text FROM notifications n",
	} {
		rows, err := b.db.Primary.Query(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out.WriteString(s + "\n")
		}
		rows.Close()
	}
	return out.String()
}

func (b bundle) wantNotification(t *testing.T, userID, kind, reason string) {
	t.Helper()
	var got string
	err := b.db.Primary.QueryRow(t.Context(),
		"SELECT coalesce(params->>'reason', '') FROM notifications WHERE user_id = $1 AND kind = $2 AND link = $3",
		userID, kind, vettingLink).Scan(&got)
	if err != nil {
		t.Fatalf("notification %s for %s: %v", kind, userID, err)
	}
	if got != reason {
		t.Errorf("notification %s reason = %q, want %q", kind, got, reason)
	}
}

func TestSubmitVettingRefusesBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, _ := b.makeProvider(t, "Chen Jing")
	img := pngBytes(t)
	front := b.upload(t, ctx, providersv1.FileKind_FILE_KIND_ID_FRONT, typePNG, img)
	back := b.upload(t, ctx, providersv1.FileKind_FILE_KIND_ID_BACK, typePNG, img)
	noProfile, _ := b.newUser(t, "No Profile", auth.RoleProvider)
	tests := []struct {
		name   string
		ctx    context.Context
		m      *providersv1.SubmitVettingRequest
		field  string
		reason string
	}{
		{"bad check character", ctx, &providersv1.SubmitVettingRequest{IdNumber: "110105194912310021", IdFrontFileId: front, IdBackFileId: back}, "id_number", "ID_NUMBER_INVALID"},
		{"too short", ctx, &providersv1.SubmitVettingRequest{IdNumber: "1101051949", IdFrontFileId: front, IdBackFileId: back}, "id_number", "ID_NUMBER_INVALID"},
		{"no number", ctx, &providersv1.SubmitVettingRequest{IdFrontFileId: front, IdBackFileId: back}, "id_number", "REQUIRED"},
		{"no back image", ctx, &providersv1.SubmitVettingRequest{IdNumber: testIDNumber, IdFrontFileId: front}, "id_back_file_id", "REQUIRED"},
		{"front used as back", ctx, &providersv1.SubmitVettingRequest{IdNumber: testIDNumber, IdFrontFileId: front, IdBackFileId: front}, "id_back_file_id", "FILE_INVALID"},
		{"certificate without file", ctx, &providersv1.SubmitVettingRequest{IdNumber: testIDNumber, IdFrontFileId: front, IdBackFileId: back,
			Certificates: []*providersv1.Certificate{{Name: "OCP"}}}, "certificates[0].file_id", "REQUIRED"},
		{"bad expiry", ctx, &providersv1.SubmitVettingRequest{IdNumber: testIDNumber, IdFrontFileId: front, IdBackFileId: back,
			Certificates: []*providersv1.Certificate{{Name: "OCP", ExpiryDate: "31/01/2030", FileId: front}}}, "certificates[0].expiry_date", "DATE_INVALID"},
		{"no profile", noProfile, &providersv1.SubmitVettingRequest{IdNumber: testIDNumber, IdFrontFileId: front, IdBackFileId: back}, "profile", "PROFILE_REQUIRED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := b.svc.SubmitVetting(tt.ctx, connect.NewRequest(tt.m))
			if got := reasons(err)[tt.field]; got != tt.reason {
				t.Fatalf("SubmitVetting: %v; reason for %s = %q, want %q", err, tt.field, got, tt.reason)
			}
		})
	}
	if strings.Contains(b.log.String(), "11010519491231") {
		t.Error("a refused ID number was logged")
	}
}

func TestLoadProviders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, id := b.makeProvider(t, "Read Model")
	b.makeProvider(t, "Someone Else")
	all, err := LoadProviders(t.Context(), b.db)
	if err != nil || len(all) != 2 {
		t.Fatalf("LoadProviders() = %d providers, %v; want 2", len(all), err)
	}
	one, err := LoadProviders(t.Context(), b.db, mustUUID(t, id))
	if err != nil || len(one) != 1 {
		t.Fatalf("LoadProviders(id) = %v, %v", one, err)
	}
	p := one[0]
	want := []SkillLevel{{"go", 5}, {"kubernetes", 3}}
	if !slices.Equal(p.Skills, want) || p.HourlyRateFen != 30000 || p.TimeZone != "Asia/Shanghai" ||
		p.Availability != "part_time" || p.VettingStatus != statusNotSubmitted || p.MayTakeWork() {
		t.Fatalf("provider = %+v", p)
	}
}

// TestPrivacySettingsHideFromPublicProfile honours the privacy mode people
// set in their account (SEC-4, talent.identity.v1): portfolio items named
// by id and the city are left off the public profile, not their own.
func TestPrivacySettingsHideFromPublicProfile(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := identity.New(b.db, slog.New(slog.DiscardHandler), identity.Options{})
	b.svc.privacy = ids.PrivacyMode
	ctx, id := b.makeProvider(t, "Private Person")
	mine, err := b.svc.GetMyProfile(ctx, connect.NewRequest(&providersv1.GetMyProfileRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	items := mine.Msg.GetProfile().GetPortfolio()
	if len(items) != 2 || items[0].GetId() == "" || items[0].GetId() == items[1].GetId() {
		t.Fatalf("portfolio = %v, want two items with ids", items)
	}
	// Sending the ids back keeps them.
	req := validProfile()
	req.Portfolio[0].Id, req.Portfolio[1].Id = items[0].GetId(), items[1].GetId()
	saved, err := b.svc.SaveProfile(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	if got := saved.Msg.GetProfile().GetPortfolio()[0].GetId(); got != items[0].GetId() {
		t.Fatalf("item id after a save = %s, want %s", got, items[0].GetId())
	}
	if _, err := ids.UpdatePrivacySettings(ctx, connect.NewRequest(&identityv1.UpdatePrivacySettingsRequest{
		Settings: &identityv1.PrivacySettings{HideCity: true, HiddenPortfolioItemIds: []string{items[0].GetId()}},
	})); err != nil {
		t.Fatalf("UpdatePrivacySettings: %v", err)
	}
	pub, err := b.svc.GetProfile(t.Context(), connect.NewRequest(&providersv1.GetProfileRequest{UserId: id}))
	if err != nil {
		t.Fatal(err)
	}
	if p := pub.Msg.GetProfile(); len(p.GetPortfolio()) != 0 || p.GetCity() != "" {
		t.Fatalf("public profile shows %d items and city %q; want none and none", len(p.GetPortfolio()), p.GetCity())
	}
	own, err := b.svc.GetMyProfile(ctx, connect.NewRequest(&providersv1.GetMyProfileRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if p := own.Msg.GetProfile(); len(p.GetPortfolio()) != 2 || p.GetCity() != "Shanghai" {
		t.Fatalf("own profile shows %d items and city %q; want everything", len(p.GetPortfolio()), p.GetCity())
	}
}
