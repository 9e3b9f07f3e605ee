package aliyun_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/talent-hub/talent/backend/sms/aliyun"
)

const (
	keyID  = "LTAItestkeyid"
	secret = "test-secret/with+odd*chars"
)

// aliyunEncode is the percent-encoding as Aliyun's documentation builds it
// from a form encoder: "+" to "%20", "*" to "%2A", "%7E" back to "~". It is
// written apart from the package's own so that the stand-in checks the
// client against the documentation, not against itself.
func aliyunEncode(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

func expectedSignature(method string, form url.Values, secret string) string {
	var keys []string
	for k := range form {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, aliyunEncode(k)+"="+aliyunEncode(form.Get(k)))
	}
	toSign := method + "&" + aliyunEncode("/") + "&" + aliyunEncode(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// standIn is a local stand-in for Dysmsapi: it verifies each request's
// signature with the shared secret, refuses replayed nonces and stale
// timestamps, and answers as Aliyun does.
type standIn struct {
	mu     sync.Mutex
	nonces map[string]bool
	sent   []url.Values
	now    time.Time
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	answer := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{
			"Code": code, "Message": msg, "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990", "BizId": "900619746936498440^0",
		})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		answer(http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found.")
		return
	}
	if err := r.ParseForm(); err != nil {
		answer(http.StatusBadRequest, "InvalidParameter", err.Error())
		return
	}
	f := r.PostForm
	for _, want := range [][2]string{
		{"Action", "SendSms"}, {"Version", "2017-05-25"}, {"Format", "JSON"},
		{"SignatureMethod", "HMAC-SHA1"}, {"SignatureVersion", "1.0"},
	} {
		if f.Get(want[0]) != want[1] {
			answer(http.StatusBadRequest, "InvalidParameter", want[0]+" is "+f.Get(want[0]))
			return
		}
	}
	if f.Get("AccessKeyId") != keyID {
		answer(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
		return
	}
	if got := f.Get("Signature"); got == "" || got != expectedSignature(http.MethodPost, f, secret) {
		answer(http.StatusBadRequest, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
		return
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", f.Get("Timestamp"))
	if err != nil || ts.Sub(s.now).Abs() > 15*time.Minute {
		answer(http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nonce := f.Get("SignatureNonce")
	if nonce == "" || s.nonces[nonce] {
		answer(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
		return
	}
	s.nonces[nonce] = true
	if f.Get("TemplateCode") == "SMS_BAD" {
		answer(http.StatusOK, "isv.SMS_TEMPLATE_ILLEGAL", "The SMS template is not approved.")
		return
	}
	s.sent = append(s.sent, f)
	answer(http.StatusOK, "OK", "OK")
}

// TestSendCode sends codes through the client to the stand-in (ID-1).
func TestSendCode(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	stand := &standIn{nonces: map[string]bool{}, now: now}
	srv := httptest.NewServer(stand)
	t.Cleanup(srv.Close)

	tests := []struct {
		name         string
		secret       string
		template     string
		now          time.Time
		endpoint     string
		wantCode     string // "" for success
		wantHTTPCode int
	}{
		{name: "ok", secret: secret, template: "SMS_123456789", now: now},
		{name: "ok again with a fresh nonce", secret: secret, template: "SMS_123456789", now: now},
		{name: "wrong secret", secret: "not-the-secret", template: "SMS_123456789", now: now,
			wantCode: "SignatureDoesNotMatch", wantHTTPCode: http.StatusBadRequest},
		{name: "stale timestamp", secret: secret, template: "SMS_123456789", now: now.Add(-time.Hour),
			wantCode: "InvalidTimeStamp.Expired", wantHTTPCode: http.StatusBadRequest},
		{name: "template refused", secret: secret, template: "SMS_BAD", now: now,
			wantCode: "isv.SMS_TEMPLATE_ILLEGAL", wantHTTPCode: http.StatusOK},
		{name: "not an api", secret: secret, template: "SMS_123456789", now: now, endpoint: srv.URL + "/other",
			wantCode: "InvalidAction.NotFound", wantHTTPCode: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			endpoint := srv.URL
			if tt.endpoint != "" {
				endpoint = tt.endpoint
			}
			c, err := aliyun.New(aliyun.Config{
				Endpoint: endpoint, AccessKeyID: keyID, AccessKeySecret: tt.secret,
				SignName: "才聚 Talent", TemplateCode: tt.template,
				HTTPClient: srv.Client(), Now: func() time.Time { return tt.now },
			})
			if err != nil {
				t.Fatal(err)
			}
			err = c.SendCode(t.Context(), "+8613812345678", "042917")
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("SendCode: %v", err)
				}
				return
			}
			var ae *aliyun.Error
			if !errors.As(err, &ae) || ae.Code != tt.wantCode || ae.HTTPStatus != tt.wantHTTPCode {
				t.Fatalf("SendCode err = %v, want aliyun error %s (http %d)", err, tt.wantCode, tt.wantHTTPCode)
			}
		})
	}
	t.Cleanup(func() {
		// What reached the stand-in, checked once every case is done.
		if len(stand.sent) != 2 {
			t.Errorf("stand-in accepted %d messages, want 2", len(stand.sent))
			return
		}
		for _, f := range stand.sent {
			if f.Get("PhoneNumbers") != "13812345678" || f.Get("TemplateParam") != `{"code":"042917"}` ||
				f.Get("SignName") != "才聚 Talent" || f.Get("Timestamp") != "2030-05-06T07:08:09Z" {
				t.Errorf("stand-in got %v", f)
			}
		}
	})
}

// TestSignatureKnownAnswer checks the signature against the worked example
// in Alibaba Cloud's documentation of the RPC signature.
func TestSignatureKnownAnswer(t *testing.T) {
	t.Parallel()
	params := url.Values{
		"AccessKeyId":      {"testid"},
		"Action":           {"DescribeRegions"},
		"Format":           {"XML"},
		"SignatureMethod":  {"HMAC-SHA1"},
		"SignatureNonce":   {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
		"SignatureVersion": {"1.0"},
		"Timestamp":        {"2016-02-23T12:46:24Z"},
		"Version":          {"2014-05-26"},
	}
	if got, want := aliyun.Signature(http.MethodGet, params, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY="; got != want {
		t.Fatalf("Signature = %s, want %s", got, want)
	}
	if got, want := aliyun.Signature(http.MethodGet, params, "testsecret"), expectedSignature(http.MethodGet, params, "testsecret"); got != want {
		t.Fatalf("Signature = %s, stand-in computes %s", got, want)
	}
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     aliyun.Config
		wantErr string
	}{
		{name: "ok", cfg: aliyun.Config{AccessKeyID: "a", AccessKeySecret: "b", SignName: "c", TemplateCode: "d"}},
		{name: "missing", cfg: aliyun.Config{AccessKeyID: "a"},
			wantErr: "aliyun sms: missing access key secret, sign name, template code"},
		{name: "bad endpoint", cfg: aliyun.Config{Endpoint: "dysmsapi.aliyuncs.com", AccessKeyID: "a", AccessKeySecret: "b", SignName: "c", TemplateCode: "d"},
			wantErr: `aliyun sms: endpoint "dysmsapi.aliyuncs.com" is not an http(s) URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := aliyun.New(tt.cfg)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Fatalf("New err = %q, want %q", got, tt.wantErr)
			}
		})
	}
}
