package e2e

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	"github.com/talent-hub/talent/proto/talent/providers/v1/providersv1connect"
)

// bearerToken logs in by RPC and returns a bearer token.
func bearerToken(ctx context.Context, t *testing.T, email, password string) string {
	t.Helper()
	identity := identityv1connect.NewIdentityServiceClient(platform.client, platform.url)
	login, err := identity.LogIn(ctx, connect.NewRequest(&identityv1.LogInRequest{Email: email, Password: password, WantBearerToken: true}))
	if err != nil {
		t.Fatalf("LogIn %s: %v", email, err)
	}
	return login.Msg.GetBearerToken()
}

// withBearer is a request carrying a bearer token.
func withBearer[T any](msg *T, token string) *connect.Request[T] {
	req := connect.NewRequest(msg)
	req.Header().Set("Authorization", "Bearer "+token)
	return req
}

// vetProvider makes a provider account vetted the way the platform does
// (ID-2), through the running platform's RPCs: the provider saves profile
// and submits vetting with ID images uploaded through presigned POSTs, and
// an administrator approves.
func vetProvider(ctx context.Context, t *testing.T, email, adminEmail, password string, profile *providersv1.SaveProfileRequest) {
	t.Helper()
	svc := providersv1connect.NewProviderServiceClient(platform.client, platform.url)
	tok := bearerToken(ctx, t, email, password)
	if _, err := svc.SaveProfile(ctx, withBearer(profile, tok)); err != nil {
		t.Fatalf("SaveProfile: %v", err)
	}
	upload := func(kind providersv1.FileKind) string {
		t.Helper()
		img := testPNG(t)
		up, err := svc.CreateUpload(ctx, withBearer(&providersv1.CreateUploadRequest{
			Kind: kind, Filename: "id.png", ContentType: "image/png", SizeBytes: int64(len(img))}, tok))
		if err != nil {
			t.Fatalf("CreateUpload: %v", err)
		}
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range up.Msg.GetFormFields() {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
		part, err := w.CreatePart(map[string][]string{
			"Content-Disposition": {`form-data; name="file"; filename="id.png"`}, "Content-Type": {"image/png"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := part.Write(img); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		target := up.Msg.GetUrl()
		if strings.HasPrefix(target, "/") {
			target = platform.url + target
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, &buf)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, err := platform.client.Do(req)
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
		if _, err := svc.CompleteUpload(ctx, withBearer(&providersv1.CompleteUploadRequest{FileId: up.Msg.GetFileId()}, tok)); err != nil {
			t.Fatalf("CompleteUpload: %v", err)
		}
		return up.Msg.GetFileId()
	}
	front, back := upload(providersv1.FileKind_FILE_KIND_ID_FRONT), upload(providersv1.FileKind_FILE_KIND_ID_BACK)
	sub, err := svc.SubmitVetting(ctx, withBearer(&providersv1.SubmitVettingRequest{
		IdNumber: "11010519491231002X", IdFrontFileId: front, IdBackFileId: back}, tok))
	if err != nil {
		t.Fatalf("SubmitVetting: %v", err)
	}
	if _, err := svc.DecideVetting(ctx, withBearer(&providersv1.DecideVettingRequest{
		Id: sub.Msg.GetSubmission().GetId(), Decision: providersv1.Decision_DECISION_APPROVE,
	}, bearerToken(ctx, t, adminEmail, password))); err != nil {
		t.Fatalf("DecideVetting: %v", err)
	}
}
