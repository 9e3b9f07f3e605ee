package main

import (
	"bytes"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/backend/postgres"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
	providersv1 "github.com/talent-hub/talent/proto/talent/providers/v1"
	"github.com/talent-hub/talent/proto/talent/providers/v1/providersv1connect"
)

// TestProviderVettingThroughTalentd runs vetting through a real talentd
// (ID-2, SEC-2): uploads straight to MinIO with the presigned POSTs it
// hands out, a submission, the admin's queue showing the ID number masked,
// a client refused the queue, and the full ID number nowhere in talentd's
// debug log, even when it is refused as invalid.
func TestProviderVettingThroughTalentd(t *testing.T) {
	t.Parallel()
	// Without the edge, clients reach MinIO at its own address.
	args := append(testArgs(t), "--files-url-prefix", "")
	dbURL := args[slices.Index(args, "--database-url")+1]
	srv := startServer(t, args)
	ctx := t.Context()
	hc := http1Client()
	identity := identityv1connect.NewIdentityServiceClient(hc, srv.baseURL)
	providers := providersv1connect.NewProviderServiceClient(hc, srv.baseURL)

	signUp := func(email string) string {
		t.Helper()
		resp, err := identity.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
			Email: email, Password: "a long enough password", DisplayName: strings.Split(email, "@")[0],
			ConsentVersion: "2026-11", WantBearerToken: true,
		}))
		if err != nil {
			t.Fatalf("SignUp %s: %v", email, err)
		}
		return resp.Msg.GetBearerToken()
	}
	call := func(token string) func(r connect.AnyRequest) {
		return func(r connect.AnyRequest) { r.Header().Set("Authorization", "Bearer "+token) }
	}
	provider, admin := call(signUp("provider@vetting.example.com")), call(signUp("admin@vetting.example.com"))
	db, err := postgres.Open(ctx, dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Primary.Exec(ctx, "UPDATE users SET roles = ARRAY['admin'] WHERE email = 'admin@vetting.example.com'"); err != nil {
		t.Fatal(err)
	}

	profile := connect.NewRequest(&providersv1.SaveProfileRequest{
		Skills:       []*providersv1.Skill{{Tag: "golang", Level: 4}},
		Availability: providersv1.Availability_AVAILABILITY_FULL_TIME,
	})
	provider(profile)
	if _, err := providers.SaveProfile(ctx, profile); err != nil {
		t.Fatalf("SaveProfile: %v", err)
	}

	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4)))
	upload := func(kind providersv1.FileKind) string {
		t.Helper()
		req := connect.NewRequest(&providersv1.CreateUploadRequest{Kind: kind, Filename: "id.png", ContentType: "image/png", SizeBytes: int64(img.Len())})
		provider(req)
		up, err := providers.CreateUpload(ctx, req)
		if err != nil {
			t.Fatalf("CreateUpload: %v", err)
		}
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		for k, v := range up.Msg.GetFormFields() {
			w.WriteField(k, v)
		}
		part, _ := w.CreateFormFile("file", "id.png")
		part.Write(img.Bytes())
		w.Close()
		res, err := http.Post(up.Msg.GetUrl(), w.FormDataContentType(), &body)
		if err != nil {
			t.Fatalf("POST to MinIO: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("POST to MinIO: %s", res.Status)
		}
		done := connect.NewRequest(&providersv1.CompleteUploadRequest{FileId: up.Msg.GetFileId()})
		provider(done)
		if _, err := providers.CompleteUpload(ctx, done); err != nil {
			t.Fatalf("CompleteUpload: %v", err)
		}
		return up.Msg.GetFileId()
	}
	front, back := upload(providersv1.FileKind_FILE_KIND_ID_FRONT), upload(providersv1.FileKind_FILE_KIND_ID_BACK)

	const idNumber, badNumber = "11010519491231002X", "110105194912310021"
	for _, n := range []string{badNumber, idNumber} {
		req := connect.NewRequest(&providersv1.SubmitVettingRequest{IdNumber: n, IdFrontFileId: front, IdBackFileId: back})
		provider(req)
		_, err := providers.SubmitVetting(ctx, req)
		if (n == idNumber) != (err == nil) {
			t.Fatalf("SubmitVetting(%s...): %v", n[:3], err)
		}
	}

	queue := connect.NewRequest(&providersv1.ListVettingQueueRequest{})
	admin(queue)
	resp, err := providers.ListVettingQueue(ctx, queue)
	if err != nil {
		t.Fatalf("ListVettingQueue as admin: %v", err)
	}
	if subs := resp.Msg.GetSubmissions(); len(subs) != 1 || subs[0].GetIdNumberMasked() != "110***********002X" {
		t.Fatalf("queue = %v, want one submission with the number masked", subs)
	}
	asClient := connect.NewRequest(&providersv1.ListVettingQueueRequest{})
	provider(asClient) // a client and provider, not an admin
	if _, err := providers.ListVettingQueue(ctx, asClient); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("ListVettingQueue as a provider: %v, want permission denied", err)
	}
	for _, n := range []string{idNumber, badNumber, idNumber[3:14]} {
		if strings.Contains(srv.logs.String(), n) {
			t.Errorf("talentd's log contains the ID number (or its middle) %s...", n[:3])
		}
	}
	// talentd logs no request contents today; this guards the day it does.
	if !strings.Contains(srv.logs.String(), "starting talentd") {
		t.Errorf("talentd's log lacks its start lines: the check above read nothing")
	}
}
