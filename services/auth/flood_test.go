package auth_test

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/oidctest"
	"github.com/campusnav/engine/services/sqlite"
)

// The flood tests grow each table of sign-in state a stranger can grow
// with new keys, as an attacker would, through the service over a real
// SQLite store, and check that the table never holds more than its cap
// and that the process's heap stays flat: nothing per key stays in
// memory.
//
// The cap is a parameter of the same statements, so by default they
// flood a cap of floodCap with ten times as many keys, in seconds;
// -flood=N floods the real cap (auth.MaxKeys, 16,384) with N keys:
//
//	go test ./services/auth -run Flood -flood=1000000 -timeout 1h -v
var flood = flag.Int("flood", 0, "keys each flood test brings, against the real cap of 16,384 (0: 10 times a cap of 200)")

// floodCap is the cap the flood tests use without -flood.
const floodCap = 200

// floodSize is the cap to flood and how many keys to bring.
func floodSize() (cap, keys int) {
	if *flood > 0 {
		return auth.MaxKeys, *flood
	}
	return floodCap, 10 * floodCap
}

// floodHeapBound is the most a flood may add to the heap, in bytes: what
// the tests themselves keep, not a byte a key (the in-memory tables grew
// by 4 to 5 MB at their cap of 16,384).
const floodHeapBound = 2 << 20

// heapAlloc is the heap in use after a collection, in bytes.
func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// rows counts rows of db with query.
func rows(t *testing.T, db *sqlite.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkFlood runs add for keys 0 .. keys-1, checking every tenth of the
// way and at the end that each table (size) holds at most cap rows, at
// the end exactly cap, and that the heap grew by less than
// floodHeapBound.
func checkFlood(t *testing.T, name string, cap, keys int, add func(i int), sizes map[string]func() int) {
	t.Helper()
	before := heapAlloc()
	start := time.Now()
	for i := range keys {
		add(i)
		if i%max(keys/10, 1) == 0 || i == keys-1 {
			for table, size := range sizes {
				if n := size(); n > cap {
					t.Fatalf("%s: %s has %d rows after %d keys, over the cap of %d", name, table, n, i+1, cap)
				}
			}
		}
	}
	grown := int64(heapAlloc()) - int64(before)
	for table, size := range sizes {
		n := size()
		t.Logf("%s: %d keys -> %s keeps %d rows (cap %d)", name, keys, table, n, cap)
		if n != cap {
			t.Errorf("%s: %s keeps %d rows after the flood, want the cap, %d", name, table, n, cap)
		}
	}
	t.Logf("%s: heap %+.1f MB, %v a key", name, float64(grown)/(1<<20), time.Since(start)/time.Duration(keys))
	if grown > floodHeapBound {
		t.Errorf("%s: the heap grew by %d bytes, over the bound of %d", name, grown, floodHeapBound)
	}
}

// floodFixture is a service over a fresh store capped at cap, and the
// SQLite database of its sign-in state.
func floodFixture(t *testing.T, cap int, opts auth.Options) (*auth.Service, *sqlite.DB) {
	t.Helper()
	st := newMemStore(t)
	if opts.Params == (auth.Params{}) {
		opts.Params = cheap
	}
	svc := auth.New(st, opts)
	auth.SetMaxKeys(svc, cap)
	return svc, st.State.(*sqlite.DB)
}

// address is the i-th of 2^24 addresses.
func address(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) }

// TestLoginFlood signs in as a new account from a new address each time:
// the per-address and per-account buckets see new keys.
func TestLoginFlood(t *testing.T) {
	cap, keys := floodSize()
	svc, db := floodFixture(t, cap, auth.Options{})
	ctx := context.Background()
	var buf []byte
	checkFlood(t, "login limit buckets", cap, keys, func(i int) {
		buf = strconv.AppendInt(append(buf[:0], "flood"...), int64(i), 10)
		if _, err := svc.Login(ctx, string(buf)+"@example.edu", "guess", address(i)); err != auth.ErrCredentials {
			t.Fatalf("Login: %v, want ErrCredentials", err)
		}
	}, map[string]func() int{
		"per-account": func() int { return rows(t, db, "SELECT count(*) FROM limit_buckets WHERE kind = 'login-account'") },
		"per-address": func() int { return rows(t, db, "SELECT count(*) FROM limit_buckets WHERE kind = 'login-address'") },
	})
}

// TestPhoneFlood floods phone sign-in, as strangers would: a new phone
// from a new address each time, so the codes and both limits see new
// keys. The newest code is kept, the oldest evicted first.
func TestPhoneFlood(t *testing.T) {
	cap, keys := floodSize()
	sms := &testSender{}
	svc, db := floodFixture(t, cap, auth.Options{SMS: discardSMS{}})
	ctx := context.Background()
	phone := func(i int) string { return strconv.Itoa(13900000000 + i) }
	checkFlood(t, "phone sign-in", cap, keys, func(i int) {
		if _, _, err := svc.StartPhone(ctx, phone(i), address(i)); err != nil {
			t.Fatalf("StartPhone: %v", err)
		}
	}, map[string]func() int{
		"codes":       func() int { return rows(t, db, "SELECT count(*) FROM phone_codes") },
		"per-phone":   func() int { return rows(t, db, "SELECT count(*) FROM limit_buckets WHERE kind = 'phone'") },
		"per-address": func() int { return rows(t, db, "SELECT count(*) FROM limit_buckets WHERE kind = 'phone-address'") },
	})
	// The codes kept are the newest: one more, sent, verifies (on a
	// second service over the same state, as another replica).
	other := newMemStore(t)
	other.State = db
	svc2 := auth.New(other, auth.Options{Params: cheap, SMS: sms})
	auth.SetMaxKeys(svc2, cap)
	p, _, err := svc2.StartPhone(ctx, phone(keys), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc2.VerifyPhone(ctx, p, sms.last(p), "192.0.2.1"); err != nil {
		t.Errorf("the newest code after the flood: %v", err)
	}
}

// discardSMS sends nothing.
type discardSMS struct{}

func (discardSMS) SendCode(context.Context, string, string) error { return nil }

// TestSSOFlowsFlood begins sign-ins without finishing them: the flows kept
// stay within the cap, and the last one finishes. (The clock moves a
// microsecond a sign-in: of flows begun in the same microsecond, any may
// be evicted first.)
func TestSSOFlowsFlood(t *testing.T) {
	cap, keys := floodSize()
	clk := &clock{t: time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)}
	now := func() time.Time { clk.advance(time.Microsecond); return clk.now() }
	svc, db := floodFixture(t, cap, auth.Options{Now: now})
	op := oidctest.New(t, now)
	sso, err := svc.NewSSO(t.Context(), auth.SSOConfig{Issuer: op.URL(), ClientID: "campus", ClientSecret: op.Secret, RedirectURL: "https://campus.example/cb"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var last string
	checkFlood(t, "sign-ins begun", cap, keys, func(int) {
		if last, err = sso.Begin(ctx); err != nil {
			t.Fatalf("Begin: %v", err)
		}
	}, map[string]func() int{"flows": func() int { return rows(t, db, "SELECT count(*) FROM sso_flows") }})
	code, state := oidctest.Authorize(t, last)
	if _, err := sso.Finish(ctx, state, code, "192.0.2.1"); err != nil {
		t.Errorf("the last sign-in begun, after the flood: %v", err)
	}
}
