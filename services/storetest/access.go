package storetest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/card"
)

// AccessStore is what the access suite needs: the access store, the
// accounts its cards belong to, and the audit log it writes.
type AccessStore interface {
	access.Store
	auth.Store
	AuditEntries(ctx context.Context, q audit.Query) ([]audit.Entry, error)
	VerifyAudit(ctx context.Context) (audit.Head, error)
}

// Access runs the contract of access.Store on stores made by newStore.
func Access(t *testing.T, newStore func(t *testing.T) AccessStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s AccessStore)
	}{
		{"CardOf", testCardOf},
		{"ChangeCard", testChangeCard},
		{"Decide", testDecide},
		{"SingleUseRace", testSingleUseRace},
		{"Grants", testGrants},
		{"ReaderTokens", testReaderTokens},
		{"KeysAndDevices", testKeysAndDevices},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

var numbers atomic.Int64

// number is a fresh physical card number for a test.
func number() string {
	return strconv.FormatInt(time.Now().UnixNano()%1_000_000_000_000+numbers.Add(1)*7919, 10)
}

func mustCard(t *testing.T, s AccessStore, name string, role auth.Role) (auth.User, access.Card) {
	t.Helper()
	u := mustCreate(t, s, name, role)
	c, err := s.CardOf(t.Context(), u.ID, name, number)
	if err != nil {
		t.Fatalf("CardOf: %v", err)
	}
	return u, c
}

func testCardOf(t *testing.T, s AccessStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "holder", auth.Student)
	var cards [8]access.Card
	var wg sync.WaitGroup
	for i := range cards {
		wg.Go(func() {
			c, err := s.CardOf(ctx, u.ID, "holder", number)
			if err != nil {
				t.Errorf("CardOf: %v", err)
			}
			cards[i] = c
		})
	}
	wg.Wait()
	for _, c := range cards[1:] {
		if c.ID != cards[0].ID || c.Number != cards[0].Number {
			t.Fatalf("concurrent first requests made two cards: %d/%s and %d/%s", c.ID, c.Number, cards[0].ID, cards[0].Number)
		}
	}
	c := cards[0]
	if c.UserID != u.ID || c.Role != auth.Student || c.Subject != u.Email || c.Status != access.Valid || c.Physical != access.Valid || c.Holder != "holder" {
		t.Errorf("card %+v", c)
	}
	// A number already taken is drawn again.
	v := mustCreate(t, s, "second", auth.Staff)
	taken := c.Number
	calls := 0
	c2, err := s.CardOf(ctx, v.ID, "second", func() string {
		calls++
		if calls == 1 {
			return taken
		}
		return number()
	})
	if err != nil || c2.Number == taken || calls != 2 {
		t.Errorf("a taken number: card %+v, %v, %d draws", c2, err, calls)
	}
	if _, err := s.CardOf(ctx, 1<<40, "nobody", number); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("CardOf(no account): %v, want ErrNotFound", err)
	}
	if _, err := s.CardByID(ctx, 1<<40); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("CardByID(none): %v, want ErrNotFound", err)
	}
}

func testChangeCard(t *testing.T, s AccessStore) {
	ctx := t.Context()
	u, c := mustCard(t, s, "changer", auth.Staff)
	at := time.Now()
	steps := []struct {
		ch           access.CardChange
		status, why  string
		physical     string
		entries      int // entries about u after the change
		lastKind     string
		lastDecision string
	}{
		{access.CardChange{Freeze: access.FrozenCapture}, access.Frozen, access.FrozenCapture, access.Valid, 1, audit.CardFrozen, audit.Deny},
		{access.CardChange{Freeze: access.FrozenAdmin}, access.Frozen, access.FrozenCapture, access.Valid, 1, "", ""}, // stays frozen for its first reason
		{access.CardChange{Unfreeze: true}, access.Valid, "", access.Valid, 2, audit.CardUnfrozen, audit.Allow},
		{access.CardChange{Unfreeze: true}, access.Valid, "", access.Valid, 2, "", ""},
		{access.CardChange{Lost: true}, access.Valid, "", access.Lost, 3, audit.CardLost, audit.Deny},
		{access.CardChange{Lost: true}, access.Valid, "", access.Lost, 3, "", ""},
		{access.CardChange{Found: true}, access.Valid, "", access.Valid, 4, audit.CardFound, audit.Allow},
	}
	for i, st := range steps {
		st.ch.Card, st.ch.By, st.ch.At = c.ID, u.ID, at
		got, err := s.ChangeCard(ctx, st.ch)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got.Status != st.status || got.FrozenReason != st.why || got.Physical != st.physical {
			t.Errorf("step %d: status %s (%s), physical %s; want %s (%s), %s", i, got.Status, got.FrozenReason, got.Physical, st.status, st.why, st.physical)
		}
		es, err := s.AuditEntries(ctx, audit.Query{Subject: u.Email})
		if err != nil || len(es) != st.entries {
			t.Fatalf("step %d: %d audit entries (%v), want %d", i, len(es), err, st.entries)
		}
		if st.lastKind != "" && (es[0].Kind != st.lastKind || es[0].Decision != st.lastDecision) {
			t.Errorf("step %d: last entry %s %s, want %s %s", i, es[0].Kind, es[0].Decision, st.lastKind, st.lastDecision)
		}
	}
	if _, err := s.ChangeCard(ctx, access.CardChange{Card: 1 << 40, Freeze: access.FrozenAdmin}); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("ChangeCard(no card): %v, want ErrNotFound", err)
	}
}

// testReader is a reader for the store's records: it needs the id, the
// kind and the name.
func testReader(id, kind string) *geo.Reader {
	return &geo.Reader{Base: geo.Base{ID: id}, Kind: kind, Name: geo.Labels{"en": "Reader " + id}}
}

// firstUse allows a code the first time, denies it as replayed after,
// and freezes on a replay: a decision simple enough to check what the
// store loaded and wrote.
func firstUse(st *access.State, a *access.Attempt) access.Effect {
	c := st.CardOf(a)
	a.Card = c
	if c == nil {
		a.Result = access.Result{Decision: access.Deny, Reason: access.ReasonUnknown}
		return access.Effect{}
	}
	c.LastAt, c.LastReader = a.At, a.Reader.ID
	st.Changed[c.ID] = true
	if a.Claims == nil {
		a.Result = access.Result{Decision: access.Allow, Reason: access.ReasonOK}
		if gs, err := st.Grants(c.UserID); err != nil {
			return access.Effect{Err: err}
		} else if len(gs) > 0 {
			a.Result.Reason = "granted"
		}
		return access.Effect{}
	}
	k := access.CodeKey{Card: c.ID, Step: a.Claims.Step, Nonce: a.Claims.Nonce}
	if _, used := st.Codes[k]; used {
		a.Result = access.Result{Decision: access.Deny, Reason: access.ReasonReplayed}
		if c.Status != access.Frozen {
			c.Status, c.FrozenReason = access.Frozen, access.FrozenReplayed
			return access.Effect{Freeze: access.FrozenReplayed}
		}
		return access.Effect{}
	}
	a.Result = access.Result{Decision: access.Allow, Reason: access.ReasonOK, Floors: []int{0, 3}}
	u := &access.CodeUse{CodeKey: k, Reader: a.Reader.ID, At: a.At, Decision: access.Allow, Reason: access.ReasonOK, Floors: []int{0, 3}, Ref: a.Ref}
	st.Codes[k] = u
	st.NewCodes = append(st.NewCodes, u)
	return access.Effect{}
}

func testDecide(t *testing.T, s AccessStore) {
	ctx := t.Context()
	u, c := mustCard(t, s, "walker", auth.Student)
	gate, door := testReader("gate-"+unique("g"), geo.ReaderGate), testReader("door-"+unique("d"), geo.ReaderDoor)
	at := time.Now().Truncate(time.Microsecond)
	code := &card.Claims{Card: c.ID, Step: card.StepOf(at), Nonce: 1<<63 + 12345}
	as := []*access.Attempt{
		{At: at, Reader: gate, Credential: access.CredentialCode, Claims: code, Ref: "charge-1"},
		{At: at.Add(time.Second), Reader: door, Credential: access.CredentialCode, Claims: code}, // the same code, in the same batch
		{At: at.Add(2 * time.Second), Reader: door, Credential: access.CredentialCard, Number: c.Number},
		{At: at.Add(3 * time.Second), Reader: door, Credential: access.CredentialCode, Reason: access.ReasonForged},
	}
	if err := s.Decide(ctx, as, firstUse); err != nil {
		t.Fatal(err)
	}
	want := []string{access.ReasonOK, access.ReasonReplayed, access.ReasonOK, access.ReasonUnknown}
	for i, a := range as {
		if a.Result.Reason != want[i] {
			t.Errorf("attempt %d: %s, want %s", i, a.Result.Reason, want[i])
		}
	}
	// A later batch sees the code used (with the reference of the attempt
	// that used it), the card frozen and its last use.
	again := []*access.Attempt{{At: at.Add(time.Minute), Reader: gate, Credential: access.CredentialCode, Claims: code}}
	var used access.CodeUse
	if err := s.Decide(ctx, again, func(st *access.State, a *access.Attempt) access.Effect {
		if u := st.Codes[access.CodeKey{Card: c.ID, Step: code.Step, Nonce: code.Nonce}]; u != nil {
			used = *u
		}
		return firstUse(st, a)
	}); err != nil {
		t.Fatal(err)
	}
	if used.Reader != gate.ID || used.Ref != "charge-1" || !sameTime(used.At, at) || used.Decision != access.Allow {
		t.Errorf("the code's first use, loaded: %+v", used)
	}
	if again[0].Result.Reason != access.ReasonReplayed || again[0].Card == nil || again[0].Card.Status != access.Frozen {
		t.Errorf("the code in a later batch: %+v, card %+v", again[0].Result, again[0].Card)
	}
	got, err := s.CardByID(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != access.Frozen || got.FrozenReason != access.FrozenReplayed || got.LastReader != gate.ID || !sameTime(got.LastAt, at.Add(time.Minute)) {
		t.Errorf("card after: %+v", got)
	}
	// History: the card's four decisions, newest first, paged.
	h, err := s.History(ctx, c.ID, 0, 10)
	if err != nil || len(h) != 4 {
		t.Fatalf("History: %d uses (%v), want 4", len(h), err)
	}
	if h[0].Reason != access.ReasonReplayed || h[3].Reader != gate.ID || h[3].Decision != access.Allow || h[1].Credential != access.CredentialCard {
		t.Errorf("history %+v", h)
	}
	older, err := s.History(ctx, c.ID, h[1].ID, 10)
	if err != nil || len(older) != 2 || older[0].ID != h[2].ID {
		t.Errorf("History(before %d): %+v %v", h[1].ID, older, err)
	}
	// Every decision and the freeze are in the audit log, chained.
	es, err := s.AuditEntries(ctx, audit.Query{Subject: u.Email, Kind: audit.Access})
	if err != nil || len(es) != 4 {
		t.Errorf("access entries about the holder: %d (%v), want 4", len(es), err)
	}
	frozen, err := s.AuditEntries(ctx, audit.Query{Subject: u.Email, Kind: audit.CardFrozen})
	if err != nil || len(frozen) != 1 || frozen[0].Place != door.ID {
		t.Errorf("freeze entries: %+v (%v), want one at the door", frozen, err)
	}
	if _, err := s.VerifyAudit(ctx); err != nil {
		t.Errorf("the audit log after a batch: %v", err)
	}
	// Purging codes used before a time forgets them: the code is new again.
	if n, err := s.PurgeCodes(ctx, at.Add(time.Hour)); err != nil || n < 1 {
		t.Errorf("PurgeCodes: %d %v", n, err)
	}
	fresh := []*access.Attempt{{At: at.Add(2 * time.Minute), Reader: gate, Credential: access.CredentialCode, Claims: code}}
	if err := s.Decide(ctx, fresh, firstUse); err != nil || fresh[0].Result.Reason != access.ReasonOK {
		t.Errorf("after the purge: %+v %v", fresh[0].Result, err)
	}
}

// testSingleUseRace decides one code at 100 readers at once, in batches
// of one: exactly one first use, whatever the engine's locking.
func testSingleUseRace(t *testing.T, s AccessStore) {
	_, c := mustCard(t, s, "racer", auth.Staff)
	code := &card.Claims{Card: c.ID, Step: card.StepOf(time.Now()), Nonce: 7}
	allowed := race(t, "Decide", 100, errDenied, func(i int) error {
		a := &access.Attempt{At: time.Now(), Reader: testReader("r"+strconv.Itoa(i), geo.ReaderDoor), Credential: access.CredentialCode, Claims: code}
		if err := s.Decide(t.Context(), []*access.Attempt{a}, firstUse); err != nil {
			return err
		}
		if a.Result.Decision != access.Allow {
			return errDenied
		}
		return nil
	})
	if allowed != 1 {
		t.Errorf("%d of 100 concurrent uses of one code allowed, want 1", allowed)
	}
	got, err := s.CardByID(t.Context(), c.ID)
	if err != nil || got.Status != access.Frozen {
		t.Errorf("card after the race: %+v %v", got, err)
	}
}

var errDenied = errors.New("denied")

func testGrants(t *testing.T, s AccessStore) {
	ctx := t.Context()
	admin := mustCreate(t, s, "admin", auth.Admin)
	u, c := mustCard(t, s, "resident", auth.Student)
	now := time.Now()
	g, err := s.AddGrant(ctx, u.Email, access.Grant{Target: "room-1", From: now.Add(-time.Hour), To: now.Add(time.Hour), GrantedBy: admin.ID, Created: now})
	if err != nil || g.ID == 0 || g.UserID != u.ID {
		t.Fatalf("AddGrant: %+v %v", g, err)
	}
	if _, err := s.AddGrant(ctx, u.Email, access.Grant{Target: "old", From: now.Add(-2 * time.Hour), To: now.Add(-time.Hour), Created: now}); err != nil {
		t.Fatal(err)
	}
	gs, err := s.Grants(ctx, u.Email, now)
	if err != nil || len(gs) != 1 || gs[0].Target != "room-1" || !sameTime(gs[0].To, g.To) {
		t.Errorf("Grants: %+v %v, want room-1 only (the other ended)", gs, err)
	}
	// A decision reads the holder's current grants.
	a := &access.Attempt{At: now, Reader: testReader("lock", geo.ReaderLock), Credential: access.CredentialCard, Number: c.Number}
	if err := s.Decide(ctx, []*access.Attempt{a}, firstUse); err != nil || a.Result.Reason != "granted" {
		t.Errorf("a decision with a grant: %+v %v", a.Result, err)
	}
	if _, err := s.AddGrant(ctx, "nobody@campus.example.edu", access.Grant{Target: "x", From: now, To: now.Add(time.Hour), Created: now}); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("AddGrant(no account): %v", err)
	}
	if err := s.DeleteGrant(ctx, g.ID, admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGrant(ctx, g.ID, admin.ID); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("DeleteGrant twice: %v", err)
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: u.Email})
	kinds := map[string]int{}
	for _, e := range es {
		kinds[e.Kind]++
	}
	if err != nil || kinds[audit.GrantAdded] != 2 || kinds[audit.GrantEnded] != 1 {
		t.Errorf("audit kinds %v (%v)", kinds, err)
	}
}

func testReaderTokens(t *testing.T, s AccessStore) {
	ctx := t.Context()
	r := unique("reader")
	h1, h2 := []byte(unique("hash-one")), []byte(unique("hash-two"))
	if err := s.SetReaderToken(ctx, r, h1); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ReaderOfToken(ctx, h1); err != nil || got != r {
		t.Errorf("ReaderOfToken: %q %v", got, err)
	}
	if err := s.SetReaderToken(ctx, r, h2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReaderOfToken(ctx, h1); !errors.Is(err, access.ErrReader) {
		t.Errorf("a replaced token: %v, want ErrReader", err)
	}
	if ok, err := s.RevokeReader(ctx, r); !ok || err != nil {
		t.Errorf("RevokeReader: %v %v", ok, err)
	}
	if _, err := s.ReaderOfToken(ctx, h2); !errors.Is(err, access.ErrReader) {
		t.Errorf("a revoked token: %v, want ErrReader", err)
	}
	if ok, err := s.RevokeReader(ctx, r); ok || err != nil {
		t.Errorf("RevokeReader again: %v %v", ok, err)
	}
}

func testKeysAndDevices(t *testing.T, s AccessStore) {
	ctx := t.Context()
	k, err := card.NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(time.Hour).Truncate(time.Microsecond) // newer than any other test's
	if err := s.AddSigningKey(ctx, access.StoredKey{Key: k, Created: at}); err != nil {
		t.Fatal(err)
	}
	ks, err := s.SigningKeys(ctx)
	if err != nil || len(ks) == 0 || ks[0].Key.ID != k.ID || !ks[0].Key.Private.Equal(k.Private) || !sameTime(ks[0].Created, at) {
		t.Fatalf("SigningKeys: %d keys (%v), want ours first", len(ks), err)
	}
	_, c := mustCard(t, s, "phone", auth.Student)
	var ids []int64
	for i := range 4 {
		d, err := s.AddDevice(ctx, access.Device{Card: c.ID, PublicKey: []byte{byte(i)}, Created: at, Expires: at.Add(time.Hour)}, 2)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	// Codes of the two oldest devices are refused: the store says they
	// are revoked when a decision loads them.
	var seen []access.Device
	decide := func(st *access.State, a *access.Attempt) access.Effect {
		seen = append(seen, st.Devices[a.Claims.Device])
		a.Result = access.Result{Decision: access.Deny, Reason: access.ReasonForged}
		return access.Effect{}
	}
	for _, id := range ids {
		a := &access.Attempt{At: at, Reader: testReader("r", geo.ReaderGate), Credential: access.CredentialCode,
			Claims: &card.Claims{Card: c.ID, Step: 1, Nonce: uint64(id), Device: id}}
		if err := s.Decide(ctx, []*access.Attempt{a}, decide); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range seen {
		if d.ID != ids[i] || d.Card != c.ID || d.Revoked != (i < 2) {
			t.Errorf("device %d: %+v, want revoked %v", i, d, i < 2)
		}
	}
	if _, err := s.AddDevice(ctx, access.Device{Card: 1 << 40, PublicKey: []byte{1}, Created: at, Expires: at}, 2); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("AddDevice(no card): %v", err)
	}
	// Unfreezing revokes every device.
	if _, err := s.ChangeCard(ctx, access.CardChange{Card: c.ID, Freeze: access.FrozenAdmin}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeCard(ctx, access.CardChange{Card: c.ID, Unfreeze: true}); err != nil {
		t.Fatal(err)
	}
	seen = nil
	a := &access.Attempt{At: at, Reader: testReader("r", geo.ReaderGate), Credential: access.CredentialCode,
		Claims: &card.Claims{Card: c.ID, Step: 2, Nonce: 1, Device: ids[3]}}
	if err := s.Decide(ctx, []*access.Attempt{a}, decide); err != nil || len(seen) != 1 || !seen[0].Revoked {
		t.Errorf("a device after unfreezing: %+v %v, want revoked", seen, err)
	}
}
