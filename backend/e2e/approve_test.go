package e2e

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"

	"connectrpc.com/connect"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	"github.com/talent-hub/talent/proto/talent/providers/v1/providersv1connect"
)

// approveProvider takes the provider who logs in with email and password
// through vetting over the public API, as a person would (ID-2): a
// profile, the ID card images uploaded to MinIO through the presigned
// POSTs, a submission, and an admin's approval through DecideVetting.
// Only then may the provider send proposals, be invited or be awarded
// work. TestProviderVettingInBrowser walks the same way in a browser.
func approveProvider(ctx context.Context, t *testing.T, email, password string) {
	t.Helper()
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	providers := providersv1connect.NewProviderServiceClient(platform.client, platform.url)
	login, err := identity.LogIn(ctx, connect.NewRequest(&identityv1.LogInRequest{Email: email, Password: password, WantBearerToken: true}))
	if err != nil {
		t.Fatalf("approve provider: LogIn %s: %v", email, err)
	}
	token := login.Msg.GetBearerToken()

	if _, err := providers.SaveProfile(ctx, withToken(&providersv1.SaveProfileRequest{
		Skills:       []*providersv1.Skill{{Tag: "golang", Level: 4}},
		City:         "上海",
		TimeZone:     "Asia/Shanghai",
		Availability: providersv1.Availability_AVAILABILITY_FULL_TIME,
	}, token)); err != nil {
		t.Fatalf("approve provider: SaveProfile: %v", err)
	}
	img := testPNG(t)
	upload := func(kind providersv1.FileKind) string {
		t.Helper()
		up, err := providers.CreateUpload(ctx, withToken(&providersv1.CreateUploadRequest{
			Kind: kind, Filename: "id.png", ContentType: "image/png", SizeBytes: int64(len(img)),
		}, token))
		if err != nil {
			t.Fatalf("approve provider: CreateUpload: %v", err)
		}
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		for k, v := range up.Msg.GetFormFields() {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
		part, err := w.CreateFormFile("file", "id.png")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := part.Write(img); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		// The edge serves the object store under the app's origin: the
		// URL is relative to it.
		base, err := url.Parse(platform.url)
		if err != nil {
			t.Fatal(err)
		}
		target, err := base.Parse(up.Msg.GetUrl())
		if err != nil {
			t.Fatalf("approve provider: upload URL %q: %v", up.Msg.GetUrl(), err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), &body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", w.FormDataContentType())
		res, err := platform.client.Do(req)
		if err != nil {
			t.Fatalf("approve provider: upload: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent && res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
			t.Fatalf("approve provider: upload: %s", res.Status)
		}
		if _, err := providers.CompleteUpload(ctx, withToken(&providersv1.CompleteUploadRequest{FileId: up.Msg.GetFileId()}, token)); err != nil {
			t.Fatalf("approve provider: CompleteUpload: %v", err)
		}
		return up.Msg.GetFileId()
	}
	front, back := upload(providersv1.FileKind_FILE_KIND_ID_FRONT), upload(providersv1.FileKind_FILE_KIND_ID_BACK)
	sub, err := providers.SubmitVetting(ctx, withToken(&providersv1.SubmitVettingRequest{
		IdNumber: "11010519491231002X", IdFrontFileId: front, IdBackFileId: back,
	}, token))
	if err != nil {
		t.Fatalf("approve provider: SubmitVetting: %v", err)
	}

	_, adminToken := signUpAs(ctx, t, "vetting-admin", true)
	if _, err := providers.DecideVetting(ctx, withToken(&providersv1.DecideVettingRequest{
		Id: sub.Msg.GetSubmission().GetId(), Decision: providersv1.Decision_DECISION_APPROVE,
	}, adminToken)); err != nil {
		t.Fatalf("approve provider: DecideVetting: %v", err)
	}
}
