// Package aliyun sends login codes through Alibaba Cloud's Short Message
// Service (Dysmsapi SendSms, API version 2017-05-25), signing each request
// with Alibaba Cloud's RPC signature (HMAC-SHA1, signature version 1.0).
package aliyun

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// DefaultEndpoint is Dysmsapi's public endpoint.
const DefaultEndpoint = "https://dysmsapi.aliyuncs.com"

// Config configures a Client.
type Config struct {
	// Endpoint is the API's base URL; empty means DefaultEndpoint.
	Endpoint        string
	AccessKeyID     string
	AccessKeySecret string
	// SignName is the approved SMS signature (签名) shown in the message.
	SignName string
	// TemplateCode names the approved template ("SMS_123456789"); it must
	// have one variable, ${code}.
	TemplateCode string
	// HTTPClient sends the requests; nil means one with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock for the Timestamp parameter; nil means time.Now.
	Now func() time.Time
}

// Client sends SMS codes through Aliyun. It implements identity.SMSSender.
type Client struct {
	cfg Config
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	var missing []string
	for name, v := range map[string]string{
		"access key id": cfg.AccessKeyID, "access key secret": cfg.AccessKeySecret,
		"sign name": cfg.SignName, "template code": cfg.TemplateCode,
	} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("aliyun sms: missing %s", strings.Join(missing, ", "))
	}
	if u, err := url.Parse(cfg.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("aliyun sms: endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg}, nil
}

// Error is an answer from Aliyun other than "OK", such as
// "isv.BUSINESS_LIMIT_CONTROL" (too many messages to one number).
type Error struct {
	HTTPStatus int
	Code       string
	Message    string
	RequestID  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("aliyun sms: %s: %s (http %d, request %s)", e.Code, e.Message, e.HTTPStatus, e.RequestID)
}

// response is SendSms's JSON answer.
type response struct {
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	RequestID string `json:"RequestId"`
	BizID     string `json:"BizId"`
}

// SendCode texts code to phone (E.164; mainland numbers are sent without
// their +86) with the configured template.
func (c *Client) SendCode(ctx context.Context, phone, code string) error {
	param, err := json.Marshal(map[string]string{"code": code})
	if err != nil {
		return fmt.Errorf("encode template param: %w", err)
	}
	number := strings.TrimPrefix(phone, "+")
	if strings.HasPrefix(phone, "+86") {
		number = strings.TrimPrefix(phone, "+86")
	}
	params := url.Values{
		"Action":        {"SendSms"},
		"Version":       {"2017-05-25"},
		"Format":        {"JSON"},
		"RegionId":      {"cn-hangzhou"},
		"PhoneNumbers":  {number},
		"SignName":      {c.cfg.SignName},
		"TemplateCode":  {c.cfg.TemplateCode},
		"TemplateParam": {string(param)},
	}
	body := c.sign(http.MethodPost, params)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.cfg.Endpoint, "/")+"/", strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("build aliyun sms request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("call aliyun sms: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("read aliyun sms answer: %w", err)
	}
	var r response
	if err := json.Unmarshal(raw, &r); err != nil || r.Code == "" {
		return &Error{HTTPStatus: res.StatusCode, Code: "UnexpectedAnswer", Message: snippet(raw)}
	}
	if r.Code != "OK" || res.StatusCode != http.StatusOK {
		return &Error{HTTPStatus: res.StatusCode, Code: r.Code, Message: r.Message, RequestID: r.RequestID}
	}
	return nil
}

// sign adds the common parameters and the signature to params and returns
// them form-encoded.
func (c *Client) sign(method string, params url.Values) string {
	nonce := make([]byte, 16)
	rand.Read(nonce) // crypto/rand never fails
	params.Set("AccessKeyId", c.cfg.AccessKeyID)
	params.Set("SignatureMethod", "HMAC-SHA1")
	params.Set("SignatureVersion", "1.0")
	params.Set("SignatureNonce", hex.EncodeToString(nonce))
	params.Set("Timestamp", c.cfg.Now().UTC().Format("2006-01-02T15:04:05Z"))
	params.Set("Signature", Signature(method, params, c.cfg.AccessKeySecret))
	return canonicalQuery(params)
}

// Signature computes Alibaba Cloud's RPC signature of a request: the
// base64 HMAC-SHA1, keyed with secret+"&", of
// method + "&" + percentEncode("/") + "&" + percentEncode(canonical query),
// where the canonical query is every parameter but Signature, sorted by
// name, names and values percent-encoded, joined by "&".
func Signature(method string, params url.Values, secret string) string {
	p := url.Values{}
	for k, v := range params {
		if k != "Signature" {
			p[k] = v
		}
	}
	toSign := method + "&" + percentEncode("/") + "&" + percentEncode(canonicalQuery(p))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// canonicalQuery sorts params by name and percent-encodes names and values.
func canonicalQuery(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range params[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(percentEncode(k))
			b.WriteByte('=')
			b.WriteString(percentEncode(v))
		}
	}
	return b.String()
}

// percentEncode encodes s as Alibaba Cloud's signature asks: the UTF-8
// bytes A-Z, a-z, 0-9, "-", "_", "." and "~" stay, every other byte becomes
// %XY with upper-case hex (so a space is %20, not +).
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b bytes.Buffer
	for i := range len(s) {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// snippet returns the start of an unexpected answer for an error message.
func snippet(b []byte) string {
	const n = 200
	s := strings.ToValidUTF8(string(b), "?")
	if len(s) > n {
		s = s[:n] + "..."
	}
	if s == "" {
		return "empty answer"
	}
	return s
}
