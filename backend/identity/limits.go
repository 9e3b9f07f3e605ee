package identity

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/redis/go-redis/v9"
)

// Abuse controls (ID-1): rate limits per client IP and per account or phone
// number, and a temporary lockout after repeated failures. They live in
// Redis, so they hold across talentd processes. Without Redis they are off.

// rateRule allows Max events per Window.
type rateRule struct {
	Max    int64
	Window time.Duration
}

// lockRule locks an account for Lock after Failures failures within Window.
type lockRule struct {
	Failures int64
	Window   time.Duration
	Lock     time.Duration
}

// Limits are the abuse-control thresholds. The zero value means
// DefaultLimits.
type Limits struct {
	LogInPerIP       rateRule // password logins per client IP
	SignUpPerIP      rateRule // sign-ups (email or phone) per client IP
	CodeSendsPerIP   rateRule // SMS codes asked for per client IP
	CodeSendsPerDay  rateRule // SMS codes per phone number
	CodeChecksPerIP  rateRule // code checks per client IP
	LogInLockout     lockRule // wrong passwords per email
	CodeCheckLockout lockRule // wrong codes per phone number
}

// DefaultLimits returns the production thresholds: generous enough for an
// office behind one NAT address, tight enough to make guessing useless.
func DefaultLimits() Limits {
	return Limits{
		LogInPerIP:       rateRule{Max: 100, Window: 15 * time.Minute},
		SignUpPerIP:      rateRule{Max: 30, Window: time.Hour},
		CodeSendsPerIP:   rateRule{Max: 30, Window: time.Hour},
		CodeSendsPerDay:  rateRule{Max: 10, Window: 24 * time.Hour},
		CodeChecksPerIP:  rateRule{Max: 60, Window: 15 * time.Minute},
		LogInLockout:     lockRule{Failures: 5, Window: 15 * time.Minute, Lock: 15 * time.Minute},
		CodeCheckLockout: lockRule{Failures: 10, Window: 15 * time.Minute, Lock: 15 * time.Minute},
	}
}

// ScalePerIP returns l with every per-client-IP limit multiplied by factor
// (for many people behind one address); per-account and per-number limits
// and lockouts stay as they are.
func (l Limits) ScalePerIP(factor int) Limits {
	for _, r := range []*rateRule{&l.LogInPerIP, &l.SignUpPerIP, &l.CodeSendsPerIP, &l.CodeChecksPerIP} {
		r.Max *= int64(factor)
	}
	return l
}

// Reasons of RetryLaterError for the abuse controls.
const (
	// ReasonRateLimited: too many requests from one address or for one number.
	ReasonRateLimited = "RATE_LIMITED"
	// ReasonLockedOut: too many failures for one account; it is locked for a while.
	ReasonLockedOut = "LOCKED_OUT"
)

// limiter applies Limits in Redis; a nil *limiter allows everything.
type limiter struct {
	rdb    *redis.Client
	limits Limits
}

// windowScript counts one event in a fixed window: INCR, and PEXPIRE on the
// first. It returns the count and the window's remaining milliseconds.
var windowScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
`)

// count records one event under key and returns the count in the current
// window and the time left in it.
func (l *limiter) count(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	res, err := windowScript.Run(ctx, l.rdb, []string{key}, window.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, 0, fmt.Errorf("count %s: %w", key, err)
	}
	return res[0], time.Duration(res[1]) * time.Millisecond, nil
}

// ipBucket is the rate-limit identity of a client address: the address
// itself for IPv4, its /64 network for IPv6, since one subscriber usually
// holds a whole /64.
func ipBucket(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// allow counts one event for id under name and refuses it with a
// *RetryLaterError when the rule's limit is passed. An empty id (an unknown
// client IP) is not limited.
func (l *limiter) allow(ctx context.Context, name, id string, r rateRule) error {
	if l == nil || id == "" || r.Max <= 0 {
		return nil
	}
	n, left, err := l.count(ctx, "identity:rate:"+name+":"+id, r.Window)
	if err != nil {
		return err
	}
	if n > r.Max {
		return &RetryLaterError{Reason: ReasonRateLimited, After: max(left, time.Second)}
	}
	return nil
}

func lockKey(name, id string) string     { return "identity:lock:" + name + ":" + id }
func failuresKey(name, id string) string { return "identity:failures:" + name + ":" + id }

// checkLock refuses with a *RetryLaterError while id is locked out.
func (l *limiter) checkLock(ctx context.Context, name, id string) error {
	if l == nil {
		return nil
	}
	left, err := l.rdb.PTTL(ctx, lockKey(name, id)).Result()
	if err != nil {
		return fmt.Errorf("read lock %s: %w", name, err)
	}
	if left > 0 {
		return &RetryLaterError{Reason: ReasonLockedOut, After: max(left, time.Second)}
	}
	return nil
}

// fail records a failure for id and locks it out when the rule says so. It
// returns the lockout as a *RetryLaterError when this failure caused it.
func (l *limiter) fail(ctx context.Context, name, id string, r lockRule) error {
	if l == nil || r.Failures <= 0 {
		return nil
	}
	n, _, err := l.count(ctx, failuresKey(name, id), r.Window)
	if err != nil {
		return err
	}
	if n < r.Failures {
		return nil
	}
	_, err = l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, lockKey(name, id), "1", r.Lock)
		p.Del(ctx, failuresKey(name, id))
		return nil
	})
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	return &RetryLaterError{Reason: ReasonLockedOut, After: r.Lock}
}

// succeed forgets id's failures after a success.
func (l *limiter) succeed(ctx context.Context, name, id string) {
	if l != nil {
		l.rdb.Del(ctx, failuresKey(name, id))
	}
}

// clientIP returns the address of the person calling: the last address in
// X-Forwarded-For when the request came through a trusted proxy (the edge
// appends the address it saw), otherwise the peer's. It returns "" when
// neither is known, as for in-process calls.
func clientIP(peerAddr string, h http.Header, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(peerAddr)
	if err != nil {
		host = peerAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	values := h.Values("X-Forwarded-For")
	if len(values) == 0 {
		return peer.String()
	}
	parts := strings.Split(values[len(values)-1], ",")
	forwarded, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1]))
	if err != nil {
		return peer.String()
	}
	return forwarded.Unmap().String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	if a.IsLoopback() {
		return true
	}
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP returns the calling person's address for rate limits.
func (s *Service) clientIP(peer connect.Peer, h http.Header) string {
	return clientIP(peer.Addr, h, s.trusted)
}

// allowSignUp limits sign-ups per client IP, which also slows down
// learning which emails are registered through EMAIL_TAKEN.
func (l *limiter) allowSignUp(ctx context.Context, ip string) error {
	if l == nil {
		return nil
	}
	return l.allow(ctx, "signup-ip", ipBucket(ip), l.limits.SignUpPerIP)
}

// beforeLogIn limits password logins per client IP and refuses a locked
// email. Unknown emails are limited and locked exactly like known ones, so
// the lockout tells nothing about who is registered.
func (l *limiter) beforeLogIn(ctx context.Context, ip, email string) error {
	if l == nil {
		return nil
	}
	if err := l.allow(ctx, "login-ip", ipBucket(ip), l.limits.LogInPerIP); err != nil {
		return err
	}
	return l.checkLock(ctx, "login", email)
}

// afterLogIn counts a wrong password against email, and returns the
// lockout it causes instead of err; a success clears the count.
func (l *limiter) afterLogIn(ctx context.Context, email string, err error) error {
	if l == nil {
		return err
	}
	switch {
	case err == nil:
		l.succeed(ctx, "login", email)
	case errors.Is(err, ErrBadCredentials):
		if lockErr := l.fail(ctx, "login", email, l.limits.LogInLockout); lockErr != nil {
			return lockErr
		}
	}
	return err
}

// beforeCodeSend limits SMS codes per client IP.
func (l *limiter) beforeCodeSend(ctx context.Context, ip string) error {
	if l == nil {
		return nil
	}
	return l.allow(ctx, "code-send-ip", ipBucket(ip), l.limits.CodeSendsPerIP)
}

// codeSendForPhone limits SMS codes per phone number and day. It is counted
// only for codes past the resend cooldown, so refused rapid requests do not
// use up a number's day.
func (l *limiter) codeSendForPhone(ctx context.Context, phone string) error {
	if l == nil {
		return nil
	}
	return l.allow(ctx, "code-send-phone", phone, l.limits.CodeSendsPerDay)
}

// beforeCodeCheck limits code checks per client IP and refuses a locked
// phone number.
func (l *limiter) beforeCodeCheck(ctx context.Context, ip, phone string) error {
	if l == nil {
		return nil
	}
	if err := l.allow(ctx, "code-check-ip", ipBucket(ip), l.limits.CodeChecksPerIP); err != nil {
		return err
	}
	return l.checkLock(ctx, "code", phone)
}

// afterCodeCheck counts a wrong code against phone, and returns the lockout
// it causes instead of err; a right code clears the count.
func (l *limiter) afterCodeCheck(ctx context.Context, phone string, err error) error {
	if l == nil {
		return err
	}
	switch {
	case err == nil:
		l.succeed(ctx, "code", phone)
	case errors.Is(err, ErrCodeWrong), errors.Is(err, ErrCodeUsedUp):
		if lockErr := l.fail(ctx, "code", phone, l.limits.CodeCheckLockout); lockErr != nil {
			return lockErr
		}
	}
	return err
}
