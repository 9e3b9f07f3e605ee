package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/redis/go-redis/v9"
)

// Rules for SMS codes (ID-1).
const (
	// codeDigits is the length of a code.
	codeDigits = 6
	// codeTTL is how long a code is valid.
	codeTTL = 5 * time.Minute
	// codeMaxAttempts is how many wrong guesses burn a code.
	codeMaxAttempts = 5
	// codeResendAfter is how long a number waits for its next code.
	codeResendAfter = 60 * time.Second
)

// Purposes a code is bound to; a code is good only for its own.
const purposeLogIn = "login"

// phoneCodes keeps the codes sent by text message in Redis: only a hash of
// each, with a TTL, an attempt counter and a resend cooldown per number.
type phoneCodes struct {
	rdb *redis.Client
}

func codeKey(purpose, phone string) string { return "identity:code:" + purpose + ":" + phone }
func cooldownKey(purpose, phone string) string {
	return "identity:code-cooldown:" + purpose + ":" + phone
}

// codeHash is what is stored instead of a code. It binds the code to its
// number and purpose. A million codes are quickly hashed, so the hash
// guards against casual reading of Redis, not against brute force; the TTL
// and the attempt limit do that.
func codeHash(purpose, phone, code string) string {
	h := sha256.Sum256([]byte(purpose + "\x00" + phone + "\x00" + code))
	return hex.EncodeToString(h[:])
}

// newCode returns a uniformly random code of codeDigits digits.
func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000)) // crypto/rand never fails
	return fmt.Sprintf("%06d", n.Int64())
}

// issue makes a new code for phone, replacing any earlier one, unless one
// was issued less than codeResendAfter ago: then it returns a
// *RetryLaterError.
func (c *phoneCodes) issue(ctx context.Context, purpose, phone string) (string, error) {
	ok, err := c.rdb.SetNX(ctx, cooldownKey(purpose, phone), "1", codeResendAfter).Result()
	if err != nil {
		return "", fmt.Errorf("set code cooldown: %w", err)
	}
	if !ok {
		ttl, err := c.rdb.PTTL(ctx, cooldownKey(purpose, phone)).Result()
		if err != nil {
			return "", fmt.Errorf("read code cooldown: %w", err)
		}
		return "", &RetryLaterError{Reason: ReasonCodeResendTooSoon, After: max(ttl, time.Second)}
	}
	code := newCode()
	key := codeKey(purpose, phone)
	_, err = c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		p.HSet(ctx, key, "hash", codeHash(purpose, phone, code), "attempts", 0)
		p.PExpire(ctx, key, codeTTL)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store code: %w", err)
	}
	return code, nil
}

// forget removes phone's code and cooldown, after the code could not be
// sent. Failures are ignored: the code then simply expires.
func (c *phoneCodes) forget(ctx context.Context, purpose, phone string) {
	c.rdb.Del(ctx, codeKey(purpose, phone), cooldownKey(purpose, phone))
}

// forgetCode removes phone's code but keeps its cooldown.
func (c *phoneCodes) forgetCode(ctx context.Context, purpose, phone string) {
	c.rdb.Del(ctx, codeKey(purpose, phone))
}

// checkScript compares a code's hash with the stored one. It returns 1 on
// a match, -1 when there is no code, 0 on a wrong code, and -2 on the wrong
// code that used up the last attempt, which deletes the code.
var checkScript = redis.NewScript(`
local stored = redis.call('HGET', KEYS[1], 'hash')
if not stored then return -1 end
if stored == ARGV[1] then return 1 end
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if n >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return -2
end
return 0
`)

// check reports whether code is phone's current code for purpose, counting
// a wrong guess. It does not use the code up: consume does.
func (c *phoneCodes) check(ctx context.Context, purpose, phone, code string) error {
	res, err := checkScript.Run(ctx, c.rdb, []string{codeKey(purpose, phone)},
		codeHash(purpose, phone, code), codeMaxAttempts).Int()
	if err != nil {
		return fmt.Errorf("check code: %w", err)
	}
	switch res {
	case 1:
		return nil
	case 0:
		return ErrCodeWrong
	case -2:
		return ErrCodeUsedUp
	default:
		return ErrCodeExpired
	}
}

// consume uses up phone's code. Of two requests with the same code only
// one can consume it; the other gets ErrCodeExpired.
func (c *phoneCodes) consume(ctx context.Context, purpose, phone string) error {
	n, err := c.rdb.Del(ctx, codeKey(purpose, phone)).Result()
	if err != nil {
		return fmt.Errorf("consume code: %w", err)
	}
	if n == 0 {
		return ErrCodeExpired
	}
	return nil
}
