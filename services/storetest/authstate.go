package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// StateStore is a store of auth.State, with what its tests look through:
// the purge, and the database (to count rows).
type StateStore interface {
	auth.State
	PurgeAuthState(ctx context.Context, now time.Time) (int64, error)
	SQL() *sql.DB
}

// AuthState runs the contract of auth.State (and PurgeAuthState) on stores
// made by newStore, one per subtest. The caps are of whole tables, so
// each store must be a database of its own.
func AuthState(t *testing.T, newStore func(t *testing.T) StateStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s StateStore)
	}{
		{"Bucket", testBucket},
		{"BucketConcurrent", testBucketConcurrent},
		{"BucketVictimUnderFlood", testBucketVictim},
		{"BucketsCapped", testBucketsCapped},
		{"PhoneCode", testPhoneCode},
		{"PhoneCodeTries", testPhoneCodeTries},
		{"PhoneCodeAlso", testPhoneCodeAlso},
		{"PhoneCodeUsedOnce", testPhoneCodeUsedOnce},
		{"PhoneCodesCapped", testPhoneCodesCapped},
		{"SSOFlow", testSSOFlow},
		{"SSOFlowTakenOnce", testSSOFlowTakenOnce},
		{"SSOFlowsCapped", testSSOFlowsCapped},
		{"Purge", testPurge},
		{"Key", testKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// t0 is the suite's present.
var t0 = time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)

// errRefused is an attempt refused, for race.
var errRefused = errors.New("refused")

// count runs a SELECT count(*) or stops the test.
func count(t *testing.T, s StateStore, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.SQL().QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// attempt takes an attempt or stops the test.
func attempt(t *testing.T, s StateStore, b auth.Bucket, key string, at time.Time) bool {
	t.Helper()
	b.Key = key
	ok, err := s.Attempt(t.Context(), b, at)
	if err != nil {
		t.Fatalf("Attempt(%s %s): %v", b.Kind, key, err)
	}
	return ok
}

func testBucket(t *testing.T, s StateStore) {
	b := auth.Bucket{Kind: unique("login"), Limit: auth.Limit{N: 3, Per: time.Minute}, Max: 100}
	for i := range 3 {
		if !attempt(t, s, b, "k", t0) {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if attempt(t, s, b, "k", t0) {
		t.Error("a fourth attempt at once allowed")
	}
	if !attempt(t, s, b, "other", t0) {
		t.Error("another key refused")
	}
	other := b
	other.Kind = unique("phone")
	if !attempt(t, s, other, "k", t0) {
		t.Error("the same key of another kind refused")
	}
	// One attempt back every third of the period, no more.
	if attempt(t, s, b, "k", t0.Add(19*time.Second)) {
		t.Error("an attempt back before a third of the period")
	}
	if !attempt(t, s, b, "k", t0.Add(20*time.Second)) || attempt(t, s, b, "k", t0.Add(20*time.Second)) {
		t.Error("want one attempt back after a third of the period")
	}
	// Full after a whole period, and no fuller.
	later := t0.Add(20*time.Second + 5*time.Minute)
	for i := range 3 {
		if !attempt(t, s, b, "k", later) {
			t.Fatalf("after the period, attempt %d refused", i+1)
		}
	}
	if attempt(t, s, b, "k", later) {
		t.Error("the bucket held more than N after a long rest")
	}
	// A clock behind the last attempt's (another replica's) takes none back.
	if attempt(t, s, b, "k", later.Add(-time.Second)) {
		t.Error("an earlier clock gave an attempt back")
	}
	b.Key = "k"
	if err := s.Refill(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	if !attempt(t, s, b, "k", later) {
		t.Error("refused after Refill")
	}
	b.Key = "never seen"
	if err := s.Refill(t.Context(), b); err != nil {
		t.Errorf("Refill of no bucket: %v", err)
	}
	if n := count(t, s, "SELECT count(*) FROM limit_buckets WHERE kind = $1", b.Kind); n != 2 {
		t.Errorf("%d buckets of the kind, want 2", n)
	}
}

// testBucketConcurrent: attempts at once on a new key, as replicas make
// them, take exactly N.
func testBucketConcurrent(t *testing.T, s StateStore) {
	b := auth.Bucket{Kind: unique("login"), Key: "busy@example.edu", Limit: auth.Limit{N: 5, Per: time.Minute}, Max: 100}
	won := race(t, "Attempt", 20, errRefused, func(int) error {
		ok, err := s.Attempt(context.Background(), b, t0)
		if err == nil && !ok {
			err = errRefused
		}
		return err
	})
	if won != 5 {
		t.Errorf("20 attempts at once on a bucket of 5: %d allowed", won)
	}
}

// testBucketVictim pins the eviction rule the README promises: a key in
// use keeps its empty bucket however many new keys arrive, as long as it
// is used within every Max new keys; only Max new keys between two of
// its uses evict it.
func testBucketVictim(t *testing.T, s StateStore) {
	const most = 100
	b := auth.Bucket{Kind: unique("login"), Limit: auth.Limit{N: 5, Per: time.Minute}, Max: most}
	for range 5 {
		attempt(t, s, b, "victim", t0)
	}
	key := 0
	at := t0
	for round := range 5 {
		for range most - 1 {
			at = at.Add(time.Microsecond)
			attempt(t, s, b, fmt.Sprint("flood", key), at)
			key++
		}
		at = at.Add(time.Microsecond)
		if attempt(t, s, b, "victim", at) {
			t.Fatalf("round %d: the victim's limit lifted by %d new keys", round, key)
		}
		if n := count(t, s, "SELECT count(*) FROM limit_buckets WHERE kind = $1", b.Kind); n > most {
			t.Fatalf("%d buckets, over the cap of %d", n, most)
		}
	}
	for range most {
		at = at.Add(time.Microsecond)
		attempt(t, s, b, fmt.Sprint("flood", key), at)
		key++
	}
	if !attempt(t, s, b, "victim", at.Add(time.Microsecond)) {
		t.Error("Max new keys since the victim's last use did not evict its bucket (the documented cost changed)")
	}
}

// testBucketsCapped floods a kind with new keys: it keeps Max buckets, the
// most recently used; other kinds keep theirs.
func testBucketsCapped(t *testing.T, s StateStore) {
	const most = 50
	b := auth.Bucket{Kind: unique("login"), Limit: auth.Limit{N: 1, Per: time.Hour}, Max: most}
	other := auth.Bucket{Kind: unique("phone"), Limit: b.Limit, Max: most}
	for i := range 10 {
		attempt(t, s, other, fmt.Sprint(i), t0)
	}
	at := t0
	for i := range 20 * most {
		at = at.Add(time.Microsecond)
		attempt(t, s, b, fmt.Sprintf("flood%04d", i), at)
		if n := count(t, s, "SELECT count(*) FROM limit_buckets WHERE kind = $1", b.Kind); n > most {
			t.Fatalf("%d buckets after %d keys, over the cap of %d", n, i+1, most)
		}
	}
	if n := count(t, s, "SELECT count(*) FROM limit_buckets WHERE kind = $1", b.Kind); n != most {
		t.Errorf("%d buckets after the flood, want the cap, %d", n, most)
	}
	if n := count(t, s, "SELECT count(*) FROM limit_buckets WHERE kind = $1 AND key >= 'flood0950'", b.Kind); n != most {
		t.Errorf("%d of the %d most recent keys kept", n, most)
	}
	if n := count(t, s, "SELECT count(*) FROM limit_buckets WHERE kind = $1", other.Kind); n != 10 {
		t.Errorf("another kind lost buckets to the flood: %d of 10 left", n)
	}
}

// mac returns a fresh MAC-sized value.
func mac() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// use tries a code or stops the test.
func use(t *testing.T, s StateStore, phone string, m []byte, at time.Time) bool {
	t.Helper()
	ok, err := s.UsePhoneCode(t.Context(), phone, m, at, auth.MaxCodeTries)
	if err != nil {
		t.Fatalf("UsePhoneCode: %v", err)
	}
	return ok
}

// put stores a code or stops the test.
func put(t *testing.T, s StateStore, c auth.PhoneCode, most int) {
	t.Helper()
	if err := s.PutPhoneCode(t.Context(), c, most, nil); err != nil {
		t.Fatalf("PutPhoneCode: %v", err)
	}
}

func testPhoneCode(t *testing.T, s StateStore) {
	ctx := t.Context()
	phone := "+8613800000001"
	c := auth.PhoneCode{Phone: phone, MAC: mac(), Expires: t0.Add(auth.CodeTTL)}
	put(t, s, c, 100)
	if use(t, s, phone, mac(), t0) {
		t.Fatal("a wrong MAC was taken")
	}
	if use(t, s, "+8613800000002", c.MAC, t0) {
		t.Fatal("the MAC was taken for another phone")
	}
	if !use(t, s, phone, c.MAC, t0) {
		t.Fatal("the right MAC was refused")
	}
	if use(t, s, phone, c.MAC, t0) {
		t.Fatal("a code was used twice")
	}
	// Expiry: good until just before it, not at it.
	c.MAC = mac()
	put(t, s, c, 100)
	if use(t, s, phone, c.MAC, c.Expires) {
		t.Error("a code was taken at its expiry")
	}
	c.MAC = mac()
	put(t, s, c, 100)
	if !use(t, s, phone, c.MAC, c.Expires.Add(-time.Microsecond)) {
		t.Error("a code was refused a microsecond before its expiry")
	}
	// A new code replaces the old one.
	old := auth.PhoneCode{Phone: phone, MAC: mac(), Expires: t0.Add(auth.CodeTTL)}
	put(t, s, old, 100)
	cur := auth.PhoneCode{Phone: phone, MAC: mac(), Expires: t0.Add(time.Minute + auth.CodeTTL)}
	put(t, s, cur, 100)
	if use(t, s, phone, old.MAC, t0.Add(time.Minute)) {
		t.Error("a replaced code was taken")
	}
	if !use(t, s, phone, cur.MAC, t0.Add(time.Minute)) {
		t.Error("the code that replaced it was refused")
	}
	// A dropped code is spent; dropping another's MAC does nothing.
	c = auth.PhoneCode{Phone: phone, MAC: mac(), Expires: t0.Add(auth.CodeTTL)}
	put(t, s, c, 100)
	if err := s.DropPhoneCode(ctx, phone, mac()); err != nil {
		t.Fatal(err)
	}
	if err := s.DropPhoneCode(ctx, "+8613800000009", c.MAC); err != nil {
		t.Errorf("DropPhoneCode of no code: %v", err)
	}
	if !use(t, s, phone, c.MAC, t0) {
		t.Error("dropping another MAC spent the code")
	}
	put(t, s, c, 100)
	if err := s.DropPhoneCode(ctx, phone, c.MAC); err != nil {
		t.Fatal(err)
	}
	if use(t, s, phone, c.MAC, t0) {
		t.Error("a dropped code was taken")
	}
	if use(t, s, "+8613800000003", c.MAC, t0) {
		t.Error("a phone with no code took one")
	}
}

// testPhoneCodeTries: MaxCodeTries-1 wrong tries leave the code usable;
// MaxCodeTries spend it; a nil MAC (a code of the wrong shape) is a try.
func testPhoneCodeTries(t *testing.T, s StateStore) {
	phone := "+85291234567"
	c := auth.PhoneCode{Phone: phone, MAC: mac(), Expires: t0.Add(auth.CodeTTL)}
	put(t, s, c, 100)
	for range auth.MaxCodeTries - 2 {
		use(t, s, phone, mac(), t0)
	}
	use(t, s, phone, nil, t0)
	if !use(t, s, phone, c.MAC, t0) {
		t.Fatalf("the right code after %d wrong tries was refused", auth.MaxCodeTries-1)
	}
	c.MAC = mac()
	put(t, s, c, 100) // a new code: tries start again
	for range auth.MaxCodeTries {
		use(t, s, phone, mac(), t0)
	}
	if use(t, s, phone, c.MAC, t0) {
		t.Errorf("the right code after %d wrong tries was taken", auth.MaxCodeTries)
	}
}

// testPhoneCodeAlso: also runs in the transaction that stores the code,
// sees it, and its error undoes it (a replaced code stays).
func testPhoneCodeAlso(t *testing.T, s StateStore) {
	ctx := t.Context()
	phone := "+8613800000004"
	first := auth.PhoneCode{Phone: phone, MAC: mac(), Expires: t0.Add(auth.CodeTTL)}
	seen := -1
	err := s.PutPhoneCode(ctx, first, 100, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM phone_codes WHERE phone = $1", phone).Scan(&seen)
	})
	if err != nil || seen != 1 {
		t.Fatalf("PutPhoneCode: %v; also saw %d codes of the phone, want 1", err, seen)
	}
	errSend := errors.New("the outbox is full")
	second := auth.PhoneCode{Phone: phone, MAC: mac(), Expires: t0.Add(time.Minute + auth.CodeTTL)}
	if err := s.PutPhoneCode(ctx, second, 100, func(*sql.Tx) error { return errSend }); !errors.Is(err, errSend) {
		t.Errorf("PutPhoneCode with a failing also: %v, want its error", err)
	}
	newPhone := auth.PhoneCode{Phone: "+8613800000005", MAC: mac(), Expires: t0.Add(auth.CodeTTL)}
	if err := s.PutPhoneCode(ctx, newPhone, 100, func(*sql.Tx) error { return errSend }); !errors.Is(err, errSend) {
		t.Errorf("PutPhoneCode with a failing also: %v, want its error", err)
	}
	if use(t, s, phone, second.MAC, t0) || use(t, s, newPhone.Phone, newPhone.MAC, t0) {
		t.Error("a code whose also failed was kept")
	}
	if !use(t, s, phone, first.MAC, t0) {
		t.Error("a failed replacement lost the code it would have replaced")
	}
	// The failed add was not counted: a cap of 2 holds two more.
	put(t, s, auth.PhoneCode{Phone: "+8613800000006", MAC: mac(), Expires: t0.Add(auth.CodeTTL)}, 2)
	if n := count(t, s, "SELECT count(*) FROM phone_codes"); n != 2 {
		t.Errorf("%d codes kept, want 2", n)
	}
}

// testPhoneCodeUsedOnce: of many uses of the right code at once, as
// replicas would make them, one succeeds.
func testPhoneCodeUsedOnce(t *testing.T, s StateStore) {
	phone := "+8613800000007"
	c := auth.PhoneCode{Phone: phone, MAC: mac(), Expires: t0.Add(auth.CodeTTL)}
	put(t, s, c, 100)
	won := race(t, "UsePhoneCode", 20, errRefused, func(int) error {
		ok, err := s.UsePhoneCode(context.Background(), phone, c.MAC, t0, auth.MaxCodeTries)
		if err == nil && !ok {
			err = errRefused
		}
		return err
	})
	if won != 1 {
		t.Errorf("one code used %d times at once", won)
	}
}

// testPhoneCodesCapped: a flood of phones keeps Max codes, the newest.
func testPhoneCodesCapped(t *testing.T, s StateStore) {
	const most = 50
	phone := func(i int) string { return fmt.Sprintf("+86139%08d", i) }
	macs := map[int][]byte{}
	for i := range 10 * most {
		macs[i] = mac()
		put(t, s, auth.PhoneCode{Phone: phone(i), MAC: macs[i], Expires: t0.Add(auth.CodeTTL + time.Duration(i)*time.Microsecond)}, most)
		if n := count(t, s, "SELECT count(*) FROM phone_codes"); n > most {
			t.Fatalf("%d codes after %d phones, over the cap of %d", n, i+1, most)
		}
	}
	if n := count(t, s, "SELECT count(*) FROM phone_codes"); n != most {
		t.Errorf("%d codes after the flood, want the cap, %d", n, most)
	}
	if use(t, s, phone(0), macs[0], t0) {
		t.Error("the oldest code outlived the flood")
	}
	if !use(t, s, phone(10*most-1), macs[10*most-1], t0) {
		t.Error("the newest code is gone")
	}
}

// flow returns a fresh flow expiring at expires.
func flow(expires time.Time) auth.SSOFlow {
	return auth.SSOFlow{State: unique("state"), Nonce: unique("nonce"), Verifier: unique("verifier"), Expires: expires}
}

func testSSOFlow(t *testing.T, s StateStore) {
	ctx := t.Context()
	f := flow(t0.Add(10 * time.Minute))
	if err := s.PutSSOFlow(ctx, f, 100); err != nil {
		t.Fatal(err)
	}
	got, err := s.TakeSSOFlow(ctx, f.State, t0)
	if err != nil || got.State != f.State || got.Nonce != f.Nonce || got.Verifier != f.Verifier {
		t.Fatalf("TakeSSOFlow: %+v %v, want %+v", got, err, f)
	}
	if _, err := s.TakeSSOFlow(ctx, f.State, t0); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("a flow taken twice: %v, want ErrNotFound", err)
	}
	if _, err := s.TakeSSOFlow(ctx, "no such state", t0); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("an unknown flow: %v, want ErrNotFound", err)
	}
	late := flow(t0.Add(10 * time.Minute))
	if err := s.PutSSOFlow(ctx, late, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeSSOFlow(ctx, late.State, late.Expires); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("a flow taken at its expiry: %v, want ErrNotFound", err)
	}
	if err := s.PutSSOFlow(ctx, f, 100); err == nil {
		t.Error("a flow's state was stored twice")
	}
}

// testSSOFlowTakenOnce: of many takes of one flow at once, one has it.
func testSSOFlowTakenOnce(t *testing.T, s StateStore) {
	f := flow(t0.Add(10 * time.Minute))
	if err := s.PutSSOFlow(t.Context(), f, 100); err != nil {
		t.Fatal(err)
	}
	won := race(t, "TakeSSOFlow", 20, auth.ErrNotFound, func(int) error {
		_, err := s.TakeSSOFlow(context.Background(), f.State, t0)
		return err
	})
	if won != 1 {
		t.Errorf("one flow taken %d times at once", won)
	}
}

// testSSOFlowsCapped: a flood of sign-ins begun keeps Max, the newest;
// the taken go first.
func testSSOFlowsCapped(t *testing.T, s StateStore) {
	ctx := t.Context()
	const most = 50
	var flows []auth.SSOFlow
	for i := range 10 * most {
		f := flow(t0.Add(10*time.Minute + time.Duration(i)*time.Microsecond))
		flows = append(flows, f)
		if err := s.PutSSOFlow(ctx, f, most); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "SELECT count(*) FROM sso_flows"); n > most {
			t.Fatalf("%d flows after %d, over the cap of %d", n, i+1, most)
		}
	}
	if _, err := s.TakeSSOFlow(ctx, flows[0].State, t0); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("the oldest flow outlived the flood: %v", err)
	}
	// Taking the newest, then adding one, evicts the taken one, not the
	// oldest live one.
	if _, err := s.TakeSSOFlow(ctx, flows[len(flows)-1].State, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSSOFlow(ctx, flow(t0.Add(11*time.Minute)), most); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeSSOFlow(ctx, flows[len(flows)-most].State, t0); err != nil {
		t.Errorf("the oldest live flow was evicted before a taken one: %v", err)
	}
}

// testPurge: PurgeAuthState deletes full buckets and expired or spent
// codes and flows, keeps the rest, and leaves the counts right: a cap
// then holds what is live, no fewer.
func testPurge(t *testing.T, s StateStore) {
	ctx := t.Context()
	const most = 10
	b := auth.Bucket{Kind: unique("login"), Limit: auth.Limit{N: 5, Per: time.Minute}, Max: most}
	for i := range most {
		attempt(t, s, b, fmt.Sprint("old", i), t0)
	}
	for i := range most {
		put(t, s, auth.PhoneCode{Phone: fmt.Sprintf("+86138%08d", i), MAC: mac(), Expires: t0.Add(auth.CodeTTL)}, most)
		if err := s.PutSSOFlow(ctx, flow(t0.Add(10*time.Minute)), most); err != nil {
			t.Fatal(err)
		}
	}
	live := auth.PhoneCode{Phone: "+8613999999999", MAC: mac(), Expires: t0.Add(time.Hour)}
	put(t, s, live, most)
	spent := auth.PhoneCode{Phone: "+8613999999998", MAC: mac(), Expires: t0.Add(time.Hour)}
	put(t, s, spent, most)
	use(t, s, spent.Phone, spent.MAC, t0)

	at := t0.Add(11 * time.Minute) // the buckets are full again (12 s each), the old codes and flows expired
	n, err := s.PurgeAuthState(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	if n != most+(most-2)+most+1 {
		t.Errorf("purged %d rows, want %d", n, most+(most-2)+most+1)
	}
	if c := count(t, s, "SELECT count(*) FROM limit_buckets WHERE kind = $1", b.Kind); c != 0 {
		t.Errorf("%d full buckets left", c)
	}
	if c := count(t, s, "SELECT count(*) FROM phone_codes"); c != 1 || !use(t, s, live.Phone, live.MAC, at) {
		t.Errorf("%d codes left, want the live one, usable", c)
	}
	if c := count(t, s, "SELECT count(*) FROM sso_flows"); c != 0 {
		t.Errorf("%d expired flows left", c)
	}
	// The counts follow: as many new rows as the cap, none evicted.
	for i := range most {
		attempt(t, s, b, fmt.Sprint("new", i), at)
		put(t, s, auth.PhoneCode{Phone: fmt.Sprintf("+86137%08d", i), MAC: mac(), Expires: at.Add(auth.CodeTTL)}, most)
	}
	if c := count(t, s, "SELECT count(*) FROM limit_buckets WHERE kind = $1", b.Kind); c != most {
		t.Errorf("%d buckets after purging and adding %d, want %d", c, most, most)
	}
	if c := count(t, s, "SELECT count(*) FROM phone_codes"); c != most {
		t.Errorf("%d codes after purging and adding %d, want %d", c, most, most)
	}
	// The live code, used since, was the one evicted: spent go first.
	if n, err := s.PurgeAuthState(ctx, at); err != nil || n != 0 {
		t.Errorf("a second purge: %d rows, %v; want none (the used code evicted first)", n, err)
	}
}

// testKey: the first key kept under a name is everyone's, also when many
// ask at once.
func testKey(t *testing.T, s StateStore) {
	ctx := t.Context()
	name := unique("key")
	keys := make([][]byte, 10)
	race(t, "Key", len(keys), nil, func(i int) (err error) {
		keys[i], err = s.Key(context.Background(), name, mac())
		return err
	})
	for i, k := range keys {
		if len(k) != 32 || string(k) != string(keys[0]) {
			t.Fatalf("key %d of %d asked at once differs: %x, %x", i, len(keys), k, keys[0])
		}
	}
	again, err := s.Key(ctx, name, mac())
	if err != nil || string(again) != string(keys[0]) {
		t.Errorf("Key again: %x %v, want %x", again, err, keys[0])
	}
	other, err := s.Key(ctx, unique("key"), mac())
	if err != nil || string(other) == string(keys[0]) {
		t.Errorf("another name's key: %x %v", other, err)
	}
}
