package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/idempotency"
)

// IdempotencyStore is a store of accounts and of their idempotency keys.
type IdempotencyStore interface {
	auth.Store
	idempotency.Store
}

// Idempotency runs the contract of idempotency.Store on stores made by
// newStore, one per subtest; accounts are made through its auth.Store.
// Times are given, so nothing sleeps.
func Idempotency(t *testing.T, newStore func(t *testing.T) IdempotencyStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s IdempotencyStore)
	}{
		{"ClaimFinishReplay", testClaimFinishReplay},
		{"Mismatch", testKeyMismatch},
		{"PerPerson", testKeysPerPerson},
		{"Release", testKeyRelease},
		{"Expiry", testKeyExpiry},
		{"Abandoned", testKeyAbandoned},
		{"Cap", testKeysCap},
		{"Concurrent", testKeyConcurrent},
		{"Purge", testKeysPurge},
		{"Invalid", testKeyInvalid},
		{"Body", testKeptBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// keyedAt is the time of the first use of keys in these tests.
var keyedAt = time.Date(2025, 9, 1, 9, 30, 0, 123456000, time.UTC)

// keyed is a request of a person with a key, for a body, at a time.
func keyed(userID int64, key, body string, at time.Time) idempotency.Request {
	return idempotency.Request{UserID: userID, Key: key, Hash: idempotency.Hash("POST", "/api/v1/me/places", []byte(body)), At: at}
}

// createdAnswer is an answer as web keeps one.
func createdAnswer(id int) idempotency.Answer {
	return idempotency.Answer{
		Status: http.StatusCreated,
		Header: http.Header{"Content-Type": {"application/json"}, "Location": {fmt.Sprint("/api/v1/me/places/", id)}},
		Body:   fmt.Appendf(nil, `{"id":%d,"name":"car"}`+"\n", id),
	}
}

// mustClaim claims r or stops the test: it must be new.
func mustClaim(t *testing.T, s idempotency.Store, r idempotency.Request) {
	t.Helper()
	if a, err := s.ClaimIdempotencyKey(t.Context(), r); a != nil || err != nil {
		t.Fatalf("claiming %q at %v: %+v, %v; want it claimed", r.Key, r.At, a, err)
	}
}

// mustFinish keeps a for r or stops the test.
func mustFinish(t *testing.T, s idempotency.Store, r idempotency.Request, a idempotency.Answer) {
	t.Helper()
	if err := s.FinishIdempotencyKey(t.Context(), r, a); err != nil {
		t.Fatalf("finishing %q: %v", r.Key, err)
	}
}

// sameAnswer reports how got differs from want ("" when it does not).
func sameAnswer(got *idempotency.Answer, want idempotency.Answer) string {
	switch {
	case got == nil:
		return "no answer"
	case got.Status != want.Status:
		return fmt.Sprintf("status %d, want %d", got.Status, want.Status)
	case !reflect.DeepEqual(got.Header, want.Header):
		return fmt.Sprintf("headers %v, want %v", got.Header, want.Header)
	case !bytes.Equal(got.Body, want.Body):
		return fmt.Sprintf("body %.80q, want %.80q", got.Body, want.Body)
	}
	return ""
}

// testClaimFinishReplay: a new key is claimed; while it runs, the same
// request is in flight; once finished, the same request gets the answer
// kept, as often as it asks, and the claim cannot be finished or released
// again.
func testClaimFinishReplay(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "retrier", auth.Staff)
	r := keyed(u.ID, "8e03978e-40d5-43e8-bc93-6894a57f9324", `{"name":"car"}`, keyedAt)
	mustClaim(t, s, r)
	again := r
	again.At = keyedAt.Add(time.Second)
	if a, err := s.ClaimIdempotencyKey(ctx, again); !errors.Is(err, idempotency.ErrInFlight) || a != nil {
		t.Errorf("the same request while the first runs: %+v, %v; want ErrInFlight", a, err)
	}
	want := createdAnswer(7)
	mustFinish(t, s, r, want)
	for i := range 3 {
		again.At = keyedAt.Add(time.Duration(i+2) * time.Minute)
		a, err := s.ClaimIdempotencyKey(ctx, again)
		if d := sameAnswer(a, want); err != nil || d != "" {
			t.Errorf("retry %d: %v, %s", i+1, err, d)
		}
	}
	if err := s.FinishIdempotencyKey(ctx, r, createdAnswer(8)); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("finishing twice: %v, want ErrNotHeld", err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, r); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("releasing a finished key: %v, want ErrNotHeld", err)
	}
	if a, _ := s.ClaimIdempotencyKey(ctx, again); sameAnswer(a, want) != "" {
		t.Errorf("after a second finish and a release: %+v", a)
	}
	// No account, no claim; a request without its time is refused.
	if _, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID+1_000_000, "k", "", keyedAt)); err == nil {
		t.Error("a claim for no account succeeded")
	}
	if _, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID, "timeless", "", time.Time{})); err == nil {
		t.Error("a claim without a time succeeded")
	}
}

// testKeyMismatch: a key used for one request is ErrMismatch for another
// (another body, method or target), running or done.
func testKeyMismatch(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "reuser", auth.Staff)
	r := keyed(u.ID, "k1", `{"name":"car"}`, keyedAt)
	mustClaim(t, s, r)
	others := []idempotency.Request{
		keyed(u.ID, "k1", `{"name":"bike"}`, keyedAt.Add(time.Second)),
		{UserID: u.ID, Key: "k1", Hash: idempotency.Hash("POST", "/api/v1/family", []byte(`{"name":"car"}`)), At: keyedAt.Add(time.Second)},
		{UserID: u.ID, Key: "k1", Hash: idempotency.Hash("PUT", "/api/v1/me/places", []byte(`{"name":"car"}`)), At: keyedAt.Add(time.Second)},
	}
	check := func(when string) {
		for i, o := range others {
			if a, err := s.ClaimIdempotencyKey(ctx, o); !errors.Is(err, idempotency.ErrMismatch) || a != nil {
				t.Errorf("%s: other request %d: %+v, %v; want ErrMismatch", when, i, a, err)
			}
		}
	}
	check("running")
	mustFinish(t, s, r, createdAnswer(1))
	check("done")
	// Past Lease, a running key used for another request is still no one
	// else's.
	r2 := keyed(u.ID, "k2", `{"name":"car"}`, keyedAt)
	mustClaim(t, s, r2)
	o := keyed(u.ID, "k2", `{"name":"bike"}`, keyedAt.Add(idempotency.Lease+time.Second))
	if _, err := s.ClaimIdempotencyKey(ctx, o); !errors.Is(err, idempotency.ErrMismatch) {
		t.Errorf("another request on an abandoned key: %v, want ErrMismatch", err)
	}
}

// testKeysPerPerson: keys are per person: the same key of two people is
// two keys.
func testKeysPerPerson(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	a := mustCreate(t, s, "alice", auth.Staff)
	b := mustCreate(t, s, "bob", auth.Student)
	ra, rb := keyed(a.ID, "same", `{"name":"car"}`, keyedAt), keyed(b.ID, "same", `{"name":"car"}`, keyedAt)
	mustClaim(t, s, ra)
	mustClaim(t, s, rb)
	mustFinish(t, s, ra, createdAnswer(1))
	mustFinish(t, s, rb, createdAnswer(2))
	for who, c := range map[string]struct {
		r    idempotency.Request
		want idempotency.Answer
	}{"alice": {ra, createdAnswer(1)}, "bob": {rb, createdAnswer(2)}} {
		got, err := s.ClaimIdempotencyKey(ctx, c.r)
		if d := sameAnswer(got, c.want); err != nil || d != "" {
			t.Errorf("%s's retry: %v, %s", who, err, d)
		}
	}
}

// testKeyRelease: a released key keeps nothing: the same request claims
// it again.
func testKeyRelease(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "unlucky", auth.Staff)
	r := keyed(u.ID, "k", `{"name":"car"}`, keyedAt)
	mustClaim(t, s, r)
	if err := s.ReleaseIdempotencyKey(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, r); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("releasing twice: %v, want ErrNotHeld", err)
	}
	retry := r
	retry.At = keyedAt.Add(time.Second)
	mustClaim(t, s, retry)
	// The first claim is gone: it can neither finish nor release the
	// retry's.
	if err := s.FinishIdempotencyKey(ctx, r, createdAnswer(1)); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("finishing a released claim: %v, want ErrNotHeld", err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, r); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("releasing a released claim: %v, want ErrNotHeld", err)
	}
	mustFinish(t, s, retry, createdAnswer(2))
}

// testKeyExpiry: a key answers for TTL from its first use; from then on it
// is new, for any request.
func testKeyExpiry(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "returner", auth.Staff)
	r := keyed(u.ID, "daily", `{"name":"car"}`, keyedAt)
	mustClaim(t, s, r)
	mustFinish(t, s, r, createdAnswer(1))
	late := r
	late.At = keyedAt.Add(idempotency.TTL - time.Microsecond)
	if a, err := s.ClaimIdempotencyKey(ctx, late); err != nil || sameAnswer(a, createdAnswer(1)) != "" {
		t.Errorf("a microsecond before TTL: %+v, %v; want the answer kept", a, err)
	}
	other := keyed(u.ID, "daily", `{"name":"bike"}`, keyedAt.Add(idempotency.TTL))
	mustClaim(t, s, other)
	mustFinish(t, s, other, createdAnswer(2))
	if a, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID, "daily", `{"name":"bike"}`, keyedAt.Add(idempotency.TTL+time.Hour))); err != nil || sameAnswer(a, createdAnswer(2)) != "" {
		t.Errorf("the key used anew: %+v, %v; want its new answer", a, err)
	}
	if _, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID, "daily", `{"name":"car"}`, keyedAt.Add(idempotency.TTL+time.Hour))); !errors.Is(err, idempotency.ErrMismatch) {
		t.Errorf("the first request on the key used anew: %v, want ErrMismatch", err)
	}
}

// testKeyAbandoned: a key running for Lease was abandoned (its process
// died): the same request takes it over, and the first claim is lost.
func testKeyAbandoned(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "orphan", auth.Staff)
	first := keyed(u.ID, "k", `{"name":"car"}`, keyedAt)
	mustClaim(t, s, first)
	retry := first
	retry.At = keyedAt.Add(idempotency.Lease - time.Microsecond)
	if _, err := s.ClaimIdempotencyKey(ctx, retry); !errors.Is(err, idempotency.ErrInFlight) {
		t.Errorf("a microsecond before Lease: %v, want ErrInFlight", err)
	}
	retry.At = keyedAt.Add(idempotency.Lease)
	mustClaim(t, s, retry)
	if err := s.FinishIdempotencyKey(ctx, first, createdAnswer(1)); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("the abandoned claim finishes: %v, want ErrNotHeld", err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, first); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Errorf("the abandoned claim releases: %v, want ErrNotHeld", err)
	}
	mustFinish(t, s, retry, createdAnswer(2))
	if a, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID, "k", `{"name":"car"}`, keyedAt.Add(time.Hour))); err != nil || sameAnswer(a, createdAnswer(2)) != "" {
		t.Errorf("after the takeover: %+v, %v; want its answer", a, err)
	}
}

// testKeysCap: a person holds at most MaxPerPerson live keys: a new one
// past it is a *LimitError saying when the oldest expires; keys held still
// answer, other people are not limited, and an expired key makes room.
func testKeysCap(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "hoarder", auth.Staff)
	for i := range idempotency.MaxPerPerson {
		r := keyed(u.ID, fmt.Sprint("k", i), "{}", keyedAt.Add(time.Duration(i)*time.Second))
		mustClaim(t, s, r)
		if i == 0 {
			mustFinish(t, s, r, createdAnswer(1))
		}
	}
	end := keyedAt.Add(idempotency.MaxPerPerson * time.Second)
	_, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID, "one too many", "{}", end))
	var le *idempotency.LimitError
	if !errors.As(err, &le) || !errors.Is(err, idempotency.ErrTooMany) {
		t.Fatalf("key number %d: %v, want a LimitError", idempotency.MaxPerPerson+1, err)
	}
	if !sameTime(le.Until, keyedAt.Add(idempotency.TTL)) {
		t.Errorf("the next key at %v, want %v (when the oldest expires)", le.Until, keyedAt.Add(idempotency.TTL))
	}
	if a, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID, "k0", "{}", end)); err != nil || sameAnswer(a, createdAnswer(1)) != "" {
		t.Errorf("a key held, at the cap: %+v, %v; want its answer", a, err)
	}
	// An abandoned key held is taken over at the cap: it is counted.
	mustClaim(t, s, keyed(u.ID, "k1", "{}", end.Add(idempotency.Lease)))
	other := mustCreate(t, s, "modest", auth.Staff)
	mustClaim(t, s, keyed(other.ID, "one too many", "{}", end))
	// The first key expires: room for one.
	expired := keyedAt.Add(idempotency.TTL)
	mustClaim(t, s, keyed(u.ID, "in its place", "{}", expired))
	if _, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID, "again too many", "{}", expired)); !errors.As(err, &le) {
		t.Errorf("past the cap again: %v, want a LimitError", err)
	} else if want := keyedAt.Add(idempotency.TTL + 2*time.Second); !sameTime(le.Until, want) { // k1 was taken over
		t.Errorf("the next key at %v, want %v", le.Until, want)
	}
}

// testKeyConcurrent: of 50 claims of one key at once, one wins and the
// others find it running.
func testKeyConcurrent(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "impatient", auth.Staff)
	const racers = 50
	won := race(t, "a concurrent claim", racers, idempotency.ErrInFlight, func(i int) error {
		a, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID, "once", `{"name":"car"}`, keyedAt.Add(time.Duration(i)*time.Millisecond)))
		if a != nil {
			return fmt.Errorf("an answer, %+v, before any was kept", a)
		}
		return err
	})
	if won != 1 {
		t.Errorf("%d of %d concurrent claims of one key won, want 1", won, racers)
	}
}

// testKeysPurge: keys first used before a time are deleted, and counted;
// a purged key is new again.
func testKeysPurge(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "forgetful", auth.Staff)
	for i := range 3 {
		r := keyed(u.ID, fmt.Sprint("k", i), "{}", keyedAt.Add(time.Duration(i)*time.Hour))
		mustClaim(t, s, r)
		mustFinish(t, s, r, createdAnswer(i))
	}
	n, err := s.PurgeIdempotencyKeys(ctx, keyedAt.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("purge before the second key: %d, %v; want 1", n, err)
	}
	if a, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID, "k1", "{}", keyedAt.Add(3*time.Hour))); err != nil || sameAnswer(a, createdAnswer(1)) != "" {
		t.Errorf("a key not purged: %+v, %v; want its answer", a, err)
	}
	mustClaim(t, s, keyed(u.ID, "k0", "{}", keyedAt.Add(3*time.Hour)))
	if n, err := s.PurgeIdempotencyKeys(ctx, keyedAt.Add(3*time.Hour)); err != nil || n != 2 {
		t.Errorf("purge before the third hour: %d, %v; want 2", n, err)
	}
	if n, err := s.PurgeIdempotencyKeys(ctx, keyedAt.Add(3*time.Hour)); err != nil || n != 0 {
		t.Errorf("purge again: %d, %v; want 0", n, err)
	}
}

// testKeyInvalid: a key is 1 to MaxKeyLen printable ASCII characters.
func testKeyInvalid(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "creative", auth.Staff)
	for _, key := range []string{"", strings.Repeat("k", idempotency.MaxKeyLen+1), "café", "tab\there", "nul\x00", "del\x7f"} {
		_, err := s.ClaimIdempotencyKey(ctx, keyed(u.ID, key, "{}", keyedAt))
		var ke *idempotency.KeyError
		if !errors.Is(err, idempotency.ErrInvalid) || !errors.As(err, &ke) || ke.DetailIn("zh") == "" {
			t.Errorf("key %.20q: %v, want a KeyError", key, err)
		}
	}
	for _, key := range []string{strings.Repeat("k", idempotency.MaxKeyLen), " ~!\"#", "a"} {
		mustClaim(t, s, keyed(u.ID, key, "{}", keyedAt))
	}
}

// testKeptBody: an answer's body is kept byte for byte up to MaxBody; a
// larger one is refused, and the claim stays to be released.
func testKeptBody(t *testing.T, s IdempotencyStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "verbose", auth.Staff)
	big := make([]byte, idempotency.MaxBody)
	for i := range big {
		big[i] = byte(i * 7)
	}
	r := keyed(u.ID, "big", "{}", keyedAt)
	mustClaim(t, s, r)
	want := idempotency.Answer{Status: http.StatusCreated, Body: big}
	mustFinish(t, s, r, want)
	if a, err := s.ClaimIdempotencyKey(ctx, r); err != nil || sameAnswer(a, want) != "" {
		t.Errorf("a body of MaxBody bytes: %v, %s", err, sameAnswer(a, want))
	}
	tooBig := keyed(u.ID, "too big", "{}", keyedAt)
	mustClaim(t, s, tooBig)
	if err := s.FinishIdempotencyKey(ctx, tooBig, idempotency.Answer{Status: http.StatusOK, Body: append(big, '!')}); err == nil {
		t.Error("a body of MaxBody+1 bytes was kept")
	}
	if err := s.ReleaseIdempotencyKey(ctx, tooBig); err != nil {
		t.Errorf("releasing after a refused finish: %v", err)
	}
	// A problem answer without a body or headers is kept as well.
	bare := keyed(u.ID, "bare", "{}", keyedAt)
	mustClaim(t, s, bare)
	mustFinish(t, s, bare, idempotency.Answer{Status: http.StatusConflict})
	if a, err := s.ClaimIdempotencyKey(ctx, bare); err != nil || sameAnswer(a, idempotency.Answer{Status: http.StatusConflict}) != "" {
		t.Errorf("a bare answer: %+v, %v", a, err)
	}
}
