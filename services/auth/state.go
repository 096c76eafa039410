package auth

import (
	"context"
	"database/sql"
	"time"
)

// State is the sign-in state that any replica may be asked about: the
// token buckets of the login and phone limits, the phone codes pending,
// the single sign-on flows begun, and the key codes are kept under. It
// lives in the store the replicas share (services/store), never in one
// process, so a code asked for on one replica verifies on another, a
// sign-in begun on one finishes on another, and the limits count every
// replica's attempts together.
//
// Strangers can grow every table of it, so each is bounded in total, by
// the Max of each call: adding a row beyond it evicts the oldest (buckets:
// the least recently used; codes and flows: the nearest their end). What
// is used up stays, spent, until it is evicted or purged (the store's
// PurgeAuthState): it answers nothing meanwhile.
//
// Times are the caller's clock: replicas' clocks should agree to well
// within the limits' periods (NTP does).
type State interface {
	// Attempt takes one attempt from bucket b at now: true if there was
	// one, false if it is empty. Taken or refused, the attempt makes the
	// bucket the most recently used of its kind.
	Attempt(ctx context.Context, b Bucket, now time.Time) (bool, error)
	// Refill makes bucket b full again (no error if there is none).
	Refill(ctx context.Context, b Bucket) error

	// PutPhoneCode keeps c as its phone's pending code, replacing any,
	// with no tries made; at most max codes are kept. If also is not
	// nil it runs in the same transaction, after the code is stored, and
	// its error undoes the code: the place to enqueue the message that
	// sends it.
	PutPhoneCode(ctx context.Context, c PhoneCode, max int, also func(*sql.Tx) error) error
	// UsePhoneCode tries mac against phone's pending code at now: true,
	// and the code is spent, if it is unexpired, unspent and its MAC is
	// mac. Otherwise the try is counted, and the maxTries-th spends the
	// code. Of two uses at once, on any replicas, one succeeds.
	UsePhoneCode(ctx context.Context, phone string, mac []byte, now time.Time, maxTries int) (bool, error)
	// DropPhoneCode spends phone's pending code if its MAC is mac (one
	// that could not be sent); no error if there is none.
	DropPhoneCode(ctx context.Context, phone string, mac []byte) error

	// PutSSOFlow keeps a sign-in begun; at most max are kept.
	PutSSOFlow(ctx context.Context, f SSOFlow, max int) error
	// TakeSSOFlow returns the flow of state, unexpired at now, and spends
	// it; ErrNotFound if there is none, it expired or was taken. Of two
	// takes at once, on any replicas, one has it. (The flow returned has
	// no Expires: spent, it has none left.)
	TakeSSOFlow(ctx context.Context, state string, now time.Time) (SSOFlow, error)

	// Key returns the secret key kept under name, keeping fresh under it
	// first if there is none: every replica gets the one kept first.
	Key(ctx context.Context, name string, fresh []byte) ([]byte, error)
}

// Bucket names one token bucket: of which limit (Kind, and the Limit it
// holds), for whom (Key), and how many of its kind are kept at most.
type Bucket struct {
	Kind  string // "login-account", "login-address", "phone", "phone-address"
	Key   string // at most maxBucketKeyLen bytes of UTF-8, no NUL (boundedKey)
	Limit Limit
	Max   int
}

// PhoneCode is a sign-in code sent to a phone, kept as its HMAC.
type PhoneCode struct {
	Phone   string // E.164
	MAC     []byte
	Expires time.Time
}

// SSOFlow is a single sign-on begun: what Finish needs back from Begin.
type SSOFlow struct {
	State    string // the OAuth state, the flow's name
	Nonce    string
	Verifier string // the PKCE code verifier
	Expires  time.Time
}
