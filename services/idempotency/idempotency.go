// Package idempotency owns the Idempotency-Key of writes (the IETF httpapi
// draft "The Idempotency-Key HTTP Header Field", with Stripe's semantics):
// a signed-in person's request that creates something or moves money may
// carry a key; the first answer to it is kept with the key, per person,
// for TTL, and a retry of the same request gets that answer again, so a
// client that lost an answer can ask again without the thing being done
// twice. It declares the store the keys need (Store; services/store keeps
// them on both engines, services/storetest checks them) and the rules of
// a key; web applies them to HTTP requests.
//
// What a person can make the store keep is bounded: MaxPerPerson live
// keys, answers of at most MaxBody bytes, and keys older than TTL are
// purged (PurgeIdempotencyKeys).
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/campusnav/engine/geo"
)

const (
	// TTL is how long a key and its answer are kept from the key's first
	// use; after it, the key is new again.
	TTL = 24 * time.Hour
	// MaxKeyLen is the longest key, in bytes (printable ASCII characters).
	MaxKeyLen = 255
	// MaxPerPerson is how many live keys (used in the last TTL) one person
	// may hold; a new key past it is ErrTooMany until the oldest expires.
	MaxPerPerson = 1000
	// MaxPerReader is how many keys one reader may begin in a day (UTC):
	// a busy till charges a few thousand a day.
	MaxPerReader = 20000
	// MaxBody is the largest body of an answer kept, in bytes. Answers of
	// the API's creating routes are a few hundred bytes.
	MaxBody = 64 << 10
	// Lease is how long a claimed key may stay running before it counts as
	// abandoned (its process died) and a retry may take it over. web gives
	// a keyed request half of it to finish.
	Lease = time.Minute
)

// Errors of claiming a key.
var (
	// ErrInvalid is a key that is not 1 to MaxKeyLen printable ASCII
	// characters (a *KeyError).
	ErrInvalid = errors.New("idempotency: invalid key")
	// ErrMismatch is a key used, within TTL, for another request (another
	// method, target or body).
	ErrMismatch = errors.New("idempotency: the key was used for another request")
	// ErrInFlight is a key whose first request is still running.
	ErrInFlight = errors.New("idempotency: a request with the key is still running")
	// ErrTooMany is a new key of a person who holds MaxPerPerson live keys
	// (a *LimitError).
	ErrTooMany = errors.New("idempotency: too many keys")
	// ErrNotHeld is finishing or releasing a claim that is no longer held:
	// it was taken over after Lease, or purged.
	ErrNotHeld = errors.New("idempotency: the key is no longer held")
)

// Request is one keyed request of a person, or of a reader (a till
// charging a card keys its payments too).
type Request struct {
	UserID int64
	// Reader, if set, is the reader whose key this is (UserID is then
	// unused): a reader's keys are its own, apart from people's.
	Reader string
	Key    string
	// Hash identifies the request: Hash(method, target, body).
	Hash string
	// At is when the request came, by the caller's clock; required. The
	// claim is known by it: Finish and Release take the same Request.
	At time.Time
}

// Answer is what is kept of the first answer to a key.
type Answer struct {
	Status int
	// Header holds the headers that matter to a replay (the caller
	// chooses: web keeps Content-Type, Content-Language and Location).
	Header http.Header
	// Body is at most MaxBody bytes.
	Body []byte
}

// Store keeps idempotency keys. services/storetest checks an
// implementation against this contract, on both engines.
type Store interface {
	// ClaimIdempotencyKey claims r.Key of r.UserID for the request r, as
	// of r.At. It answers:
	//   - nil, nil: the key is the caller's; run the request, then Finish
	//     (or Release) it;
	//   - the kept answer: the same request was answered within TTL;
	//   - ErrMismatch: the key was used for another request within TTL;
	//   - ErrInFlight: the same request is still running (claimed less
	//     than Lease ago);
	//   - a *LimitError (ErrTooMany): a new key of a person holding
	//     MaxPerPerson live keys;
	//   - a *KeyError (ErrInvalid): a key no client may send.
	// A key last used TTL ago or more is new again. Claims of one person
	// take turns: of concurrent claims of one key, one wins.
	ClaimIdempotencyKey(ctx context.Context, r Request) (*Answer, error)
	// FinishIdempotencyKey keeps the answer to a claimed request;
	// ErrNotHeld if the claim was lost.
	FinishIdempotencyKey(ctx context.Context, r Request, a Answer) error
	// ReleaseIdempotencyKey gives a claimed key up, keeping nothing, so a
	// retry runs the request again (after a server error); ErrNotHeld if
	// the claim was lost.
	ReleaseIdempotencyKey(ctx context.Context, r Request) error
	// PurgeIdempotencyKeys deletes the keys first used before before (now
	// minus TTL, for a periodic job), and says how many there were.
	PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int64, error)
}

// Hash identifies a request by its method, its target (path and query)
// and its body: the SHA-256, in hex, of the three.
func Hash(method, target string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(target))
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// KeyError is a key no client may send; it is ErrInvalid to errors.Is.
type KeyError struct {
	Reason, ReasonZH string
}

func (e *KeyError) Error() string { return "idempotency: " + e.Reason }
func (e *KeyError) Unwrap() error { return ErrInvalid }

// DetailIn is the reason in a language: Simplified Chinese for "zh...",
// English otherwise.
func (e *KeyError) DetailIn(lang string) string {
	if geo.IsChinese(lang) {
		return e.ReasonZH
	}
	return e.Reason
}

// CheckKey says what is wrong with a key (a *KeyError), or nil: a key is 1
// to MaxKeyLen printable ASCII characters (space to tilde).
func CheckKey(key string) error {
	if key == "" {
		return &KeyError{"Idempotency-Key is empty", "Idempotency-Key 为空"}
	}
	if len(key) > MaxKeyLen {
		return &KeyError{fmt.Sprintf("Idempotency-Key is longer than %d characters (got %d)", MaxKeyLen, len(key)),
			fmt.Sprintf("Idempotency-Key 超过 %d 个字符（现为 %d 个）", MaxKeyLen, len(key))}
	}
	for i := range len(key) {
		if c := key[i]; c < 0x20 || c > 0x7e {
			return &KeyError{fmt.Sprintf("Idempotency-Key holds a character that is not printable ASCII, at byte %d", i+1),
				fmt.Sprintf("Idempotency-Key 的第 %d 个字节不是可打印的 ASCII 字符", i+1)}
		}
	}
	return nil
}

// LimitError is ErrTooMany: the person holds MaxPerPerson live keys, and
// may use a new one at Until, when the oldest expires.
type LimitError struct{ Until time.Time }

func (e *LimitError) Error() string {
	return fmt.Sprintf("idempotency: at most %d keys in %d hours; the next at %s", MaxPerPerson, int(TTL.Hours()), e.Until.Format(time.RFC3339))
}
func (e *LimitError) Unwrap() error { return ErrTooMany }
