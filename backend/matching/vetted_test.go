package matching

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/auth"
	"github.com/talent-hub/talent/backend/providers"
	"github.com/talent-hub/talent/backend/testenv"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
)

// vetter makes providers the way the platform does: a profile saved and a
// vetting submission approved through the providers service (ID-2), so
// the matching loader reads real rows.
type vetter struct {
	svc   *providers.Service
	admin context.Context
}

var (
	pngOnce sync.Once
	pngImg  []byte
)

func smallPNG(t *testing.T) []byte {
	t.Helper()
	pngOnce.Do(func() {
		img := image.NewRGBA(image.Rect(0, 0, 8, 8))
		img.Set(1, 1, color.RGBA{R: 200, A: 255})
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			panic(err)
		}
		pngImg = buf.Bytes()
	})
	return pngImg
}

// lazyVetter is a bundle's vetter, made on first use (it needs the
// object store).
type lazyVetter struct {
	once sync.Once
	v    vetter
}

// provider makes a provider with a profile of tags (level 4), vetted or
// not, through the providers service; it returns their context and id.
func (b bundle) provider(t *testing.T, name string, vetted bool, tags ...string) (context.Context, string) {
	t.Helper()
	b.vet.once.Do(func() { b.vet.v = b.newVetter(t) })
	var sk []*providersv1.Skill
	for _, tag := range tags {
		sk = append(sk, &providersv1.Skill{Tag: tag, Level: 4})
	}
	return b.vet.v.provider(t, b, name, profile(sk...), vetted)
}

// newVetter returns the providers service over b's database and an
// administrator to approve with.
func (b bundle) newVetter(t *testing.T) vetter {
	t.Helper()
	sealer, err := providers.NewAESSealer("k1", map[string][]byte{"k1": bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	admin, _ := b.user(t, "Vetting Admin", auth.RoleAdmin)
	return vetter{svc: providers.New(b.db, testenv.Blob(t), logger, providers.Options{Sealer: sealer}), admin: admin}
}

// profile is the test's default profile: Shanghai, full time, 300 yuan an
// hour.
func profile(sk ...*providersv1.Skill) *providersv1.SaveProfileRequest {
	return &providersv1.SaveProfileRequest{
		Skills: sk, HourlyRateFen: 30000, City: "上海", TimeZone: "Asia/Shanghai",
		Availability: providersv1.Availability_AVAILABILITY_FULL_TIME,
	}
}

// provider saves p as the profile of a new provider and, when vetted,
// submits and approves their vetting; it returns their context and id.
func (v vetter) provider(t *testing.T, b bundle, name string, p *providersv1.SaveProfileRequest, vetted bool) (context.Context, string) {
	t.Helper()
	_, id := b.user(t, name, auth.RoleClient)
	ctx := auth.WithPrincipal(t.Context(), auth.Principal{UserID: id, Roles: []string{auth.RoleClient}})
	if _, err := v.svc.SaveProfile(ctx, connect.NewRequest(p)); err != nil {
		t.Fatalf("SaveProfile %s: %v", name, err)
	}
	ctx = auth.WithPrincipal(t.Context(), auth.Principal{UserID: id, Roles: []string{auth.RoleClient, auth.RoleProvider}})
	if !vetted {
		return ctx, id
	}
	front := v.upload(t, ctx, providersv1.FileKind_FILE_KIND_ID_FRONT)
	back := v.upload(t, ctx, providersv1.FileKind_FILE_KIND_ID_BACK)
	sub, err := v.svc.SubmitVetting(ctx, connect.NewRequest(&providersv1.SubmitVettingRequest{
		IdNumber: "11010519491231002X", IdFrontFileId: front, IdBackFileId: back,
	}))
	if err != nil {
		t.Fatalf("SubmitVetting %s: %v", name, err)
	}
	if _, err := v.svc.DecideVetting(v.admin, connect.NewRequest(&providersv1.DecideVettingRequest{
		Id: sub.Msg.GetSubmission().GetId(), Decision: providersv1.Decision_DECISION_APPROVE,
	})); err != nil {
		t.Fatalf("DecideVetting %s: %v", name, err)
	}
	return ctx, id
}

// upload puts a small PNG in the documents bucket as a browser does.
func (v vetter) upload(t *testing.T, ctx context.Context, kind providersv1.FileKind) string {
	t.Helper()
	body := smallPNG(t)
	up, err := v.svc.CreateUpload(ctx, connect.NewRequest(&providersv1.CreateUploadRequest{
		Kind: kind, Filename: "id.png", ContentType: "image/png", SizeBytes: int64(len(body)),
	}))
	if err != nil {
		t.Fatalf("CreateUpload: %v", err)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, val := range up.Msg.GetFormFields() {
		if err := w.WriteField(k, val); err != nil {
			t.Fatal(err)
		}
	}
	part, err := w.CreatePart(map[string][]string{
		"Content-Disposition": {`form-data; name="file"; filename="id.png"`},
		"Content-Type":        {"image/png"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, up.Msg.GetUrl(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST to the object store: %v", err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST to the object store: %d %s", resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	if _, err := v.svc.CompleteUpload(ctx, connect.NewRequest(&providersv1.CompleteUploadRequest{FileId: up.Msg.GetFileId()})); err != nil {
		t.Fatalf("CompleteUpload: %v", err)
	}
	return up.Msg.GetFileId()
}
