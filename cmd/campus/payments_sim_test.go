package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/web"
)

const testPaySecret = "payments-simulate-test-secret"

// payServer serves the API over loopback on a fresh SQLite data folder,
// as campusd does with payments on: the sandbox provider signing with
// testPaySecret, no bound on a reader's checks (--reader-rate 0). Its
// handler is wrapped by wrap (nil: none).
func payServer(t *testing.T, dir string, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	v, err := geo.Load(defaultVenuePath)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := routing.Build(v)
	acc, err := access.New(db, v, g, access.Config{ReaderRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acc.Close)
	sb := payments.NewSandbox([]byte(testPaySecret), "http://sandbox.invalid/api/v1")
	pay, err := payments.New(db, acc, v, payments.Config{Providers: []payments.Provider{sb}})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = web.New(web.Deps{Venue: v, Graph: g, Auth: auth.New(db, auth.Options{}), Places: db,
		Idempotency: db, Audit: db, Access: acc, Payments: pay}, web.Config{}).Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// defaultVenuePath is the campus archive from this package's folder.
const defaultVenuePath = "../../" + defaultVenue

func paySimulate(t *testing.T, args ...string) (int, payReport, string) {
	t.Helper()
	code, out, errs := campusRunIn(t, "", append([]string{"payments", "simulate", "--venue", defaultVenuePath}, args...)...)
	var rep payReport
	if out != "" {
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("payments simulate printed no report: %v\n%s", err, out)
		}
	}
	return code, rep, errs
}

// TestPaymentsSimulate runs a few seconds of payments against the API
// over loopback: wallets topped up through signed notifications, charges
// paid, retries answered the same payment, charges over the balance
// refused, and at the end every wallet and the ledger as they should be;
// a second run on the same store finds the people and their money.
func TestPaymentsSimulate(t *testing.T) {
	t.Setenv(paySecretEnv, testPaySecret)
	dir := t.TempDir()
	base := payServer(t, dir, nil)
	args := []string{"--server", base, "--data-dir", dir, "--people", "20", "--duration", "3s", "--concurrency", "8",
		"--retries", "0.3", "--over", "0.2"}
	code, rep, errs := paySimulate(t, args...)
	if code != exitOK {
		t.Fatalf("payments simulate: exit %d\n%s", code, errs)
	}
	t.Logf("%+v", rep)
	if len(rep.Errors) != 0 {
		t.Errorf("errors: %v\n%s", rep.Errors, errs)
	}
	if rep.People["staff"] != 6 || rep.People["student"] != 14 || rep.Tills != 8 {
		t.Errorf("people %v, tills %d", rep.People, rep.Tills)
	}
	if rep.Payments < 20 || rep.ByStatus["200"] < rep.Payments || rep.PerSecond <= 0 || rep.PeakPerSecond <= 0 {
		t.Errorf("%d payments (%v a second, peak %d), by status %v", rep.Payments, rep.PerSecond, rep.PeakPerSecond, rep.ByStatus)
	}
	if rep.OverBalance == 0 || rep.ByStatus["402"] != rep.OverBalance {
		t.Errorf("%d charges over the balance, by status %v: want each refused 402", rep.OverBalance, rep.ByStatus)
	}
	if rep.Retries == 0 || rep.Replayed != rep.Retries || rep.Requests["charge_retry"] != rep.Retries {
		t.Errorf("%d retries, %d answered the same payment, requests %v", rep.Retries, rep.Replayed, rep.Requests)
	}
	w := rep.Wallets
	if w.Checked != 20 || w.Wrong != 0 || w.Unread != 0 || w.TopUps < 20 || w.ToppedUpFen != int64(w.TopUps)*payTopUp || w.PaidFen <= 0 {
		t.Errorf("wallets: %+v", w)
	}
	if !rep.Ledger.OK {
		t.Errorf("ledger: %+v", rep.Ledger)
	}

	// Again on the same store: the same people, their wallets as the
	// first run left them.
	code, again, errs := paySimulate(t, append(args, "--duration", "1s", "--retries", "0", "--over", "0")...)
	if code != exitOK || len(again.Errors) != 0 || again.Wallets.Wrong != 0 || !again.Ledger.OK || again.ByStatus["402"] != 0 {
		t.Fatalf("second run: exit %d, %+v\n%s", code, again, errs)
	}
	if us := listUsers(t, dir); len(us) != 21 {
		t.Errorf("%d accounts after two runs, want 20 and the admin", len(us))
	}
}

// TestPaymentsSimulateCatches: a server whose wallets do not hold what
// was paid, or whose retries answer another payment, fails the run, with
// the report printed and the fault named.
func TestPaymentsSimulateCatches(t *testing.T) {
	t.Setenv(paySecretEnv, testPaySecret)
	for _, c := range []struct {
		name string
		wrap func(http.Handler) http.Handler
		want string
		bad  func(payReport) bool
	}{
		{"a wallet off by a fen once it holds money", func(h http.Handler) http.Handler {
			return alterJSON(h, func(r *http.Request) bool { return r.URL.Path == "/api/v1/wallet" }, "balance_fen", 1)
		}, "wallets do not hold", func(r payReport) bool { return r.Wallets.Wrong > 0 }},
		{"a retry answering another payment", func(h http.Handler) http.Handler {
			return alterJSON(h, func(r *http.Request) bool {
				return r.URL.Path == "/api/v1/pos/charge" && r.Header.Get("Idempotency-Key") != "" && replays(r)
			}, "payment_id", 1)
		}, "retry_mismatch", func(r payReport) bool { return r.Errors["retry_mismatch"] > 0 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			base := payServer(t, dir, c.wrap)
			code, rep, errs := paySimulate(t, "--server", base, "--data-dir", dir, "--people", "5", "--duration", "1s",
				"--concurrency", "4", "--retries", "1", "--over", "0")
			if code != exitFail || !c.bad(rep) || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, report %+v; stderr %s", code, rep, errs)
			}
		})
	}
}

// seenKeys are the Idempotency-Keys of the charges a server was sent.
var seenKeys = struct {
	sync.Mutex
	m map[string]bool
}{m: map[string]bool{}}

// replays reports whether r is a charge under a key sent before.
func replays(r *http.Request) bool {
	k := r.Header.Get("Idempotency-Key")
	seenKeys.Lock()
	defer seenKeys.Unlock()
	if seenKeys.m[k] {
		return true
	}
	seenKeys.m[k] = true
	return false
}

// alterJSON adds add to the number field, when not 0, of the JSON
// answers to the requests match picks.
func alterJSON(h http.Handler, match func(*http.Request) bool, field string, add int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !match(r) {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		b := rec.Body.Bytes()
		var m map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(b, &m) == nil {
			if v, ok := m[field].(float64); ok && v != 0 {
				m[field] = int64(v) + add
				b, _ = json.Marshal(m)
			}
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(rec.Code)
		io.Copy(w, bytes.NewReader(b))
	})
}

func TestPaymentsSimulateRefuses(t *testing.T) {
	for _, c := range []struct {
		name   string
		secret string
		args   []string
		code   int
		want   string
	}{
		{"no server", testPaySecret, []string{}, exitUsage, "--server: missing"},
		{"not a URL", testPaySecret, []string{"--server", "localhost:8080"}, exitUsage, "not an http(s) URL"},
		{"a share", testPaySecret, []string{"--server", "http://127.0.0.1:1", "--retries", "2"}, exitUsage, "--retries: 2 is not a share"},
		{"a role", testPaySecret, []string{"--server", "http://127.0.0.1:1", "--role", "staff"}, exitUsage, "roles are a mix"},
		{"no secret", "", []string{"--server", "http://127.0.0.1:1"}, exitUsage, "$CAMPUS_PAY_SANDBOX_SECRET is not set"},
		{"unreachable", testPaySecret, []string{"--server", "http://127.0.0.1:1"}, exitFail, "cannot be reached"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(paySecretEnv, c.secret)
			code, _, errs := paySimulate(t, append(c.args, "--data-dir", t.TempDir())...)
			if code != c.code || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, want %d; stderr %q, want %q", code, c.code, errs, c.want)
			}
		})
	}
}
