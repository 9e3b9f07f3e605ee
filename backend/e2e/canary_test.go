package e2e

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/talent-hub/talent/edge/canary"
	identityv1 "github.com/talent-hub/talent/proto/talent/identity/v1"
	"github.com/talent-hub/talent/proto/talent/identity/v1/identityv1connect"
)

// TestCanarySticksToTheUser checks OPS-4 through talentd and the edge: a
// browser gets an anonymous bucket until it signs in; from then on the side
// follows the user's ID, the same on a second device.
func TestCanarySticksToTheUser(t *testing.T) {
	needPlatform(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	device := func() (identityv1connect.IdentityServiceClient, *cookiejar.Jar) {
		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Jar: jar, Transport: platform.client.Transport, Timeout: platform.client.Timeout}
		return identityv1connect.NewIdentityServiceClient(c, platform.url), jar
	}
	laptop, laptopJar := device()

	email := "canary-" + randomHex(t) + "@example.com"
	up, err := laptop.SignUp(ctx, connect.NewRequest(&identityv1.SignUpRequest{
		Email: email, Password: "correct horse battery", DisplayName: "Canary", ConsentVersion: "2026-11",
	}))
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	userID := up.Msg.GetUser().GetId()
	// Sign-up was anonymous: the edge gave the browser a bucket cookie.
	if !hasCookie(t, laptopJar, canary.DefaultBucketCookie) {
		t.Fatalf("no %s cookie after an anonymous request", canary.DefaultBucketCookie)
	}
	if !hasCookie(t, laptopJar, canary.DefaultUserCookie) {
		t.Fatalf("no %s cookie after sign-up", canary.DefaultUserCookie)
	}

	want := canary.Stable
	if canary.UserBucket(userID) < 10*100 { // the default weight, 10 %
		want = canary.Canary
	}
	me, err := laptop.GetMe(ctx, connect.NewRequest(&identityv1.GetMeRequest{}))
	if err != nil {
		t.Fatalf("GetMe: %v", err)
	}
	if got := me.Header().Get(canary.SideHeader); got != want {
		t.Fatalf("signed-in side = %q, want %q from the user's bucket", got, want)
	}

	phone, _ := device()
	if _, err := phone.LogIn(ctx, connect.NewRequest(&identityv1.LogInRequest{Email: email, Password: "correct horse battery"})); err != nil {
		t.Fatalf("LogIn on a second device: %v", err)
	}
	me, err = phone.GetMe(ctx, connect.NewRequest(&identityv1.GetMeRequest{}))
	if err != nil {
		t.Fatalf("GetMe on a second device: %v", err)
	}
	if got := me.Header().Get(canary.SideHeader); got != want {
		t.Fatalf("second device side = %q, want %q", got, want)
	}
}

func hasCookie(t *testing.T, jar *cookiejar.Jar, name string) bool {
	t.Helper()
	u, err := url.Parse(platform.url)
	if err != nil {
		t.Fatalf("parse platform URL: %v", err)
	}
	for _, c := range jar.Cookies(u) {
		if c.Name == name {
			return true
		}
	}
	return false
}
