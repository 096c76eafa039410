package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/ledger"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/postgres/pgtest"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/store"
)

// payServer is the server over a real store with the real auth, access
// and payments services; the sandbox provider posts its notifications to
// the server over HTTP, late, sometimes twice.
type payServer struct {
	*httptest.Server
	db       *store.DB
	auth     *auth.Service
	access   *access.Service
	payments *payments.Service
	sandbox  *payments.Sandbox
	tills    []*geo.Reader
}

var paySecret = []byte("test-sandbox-secret")

// openPayStore is a fresh store of an engine: "sqlite" or "postgres"
// (skipped without CAMPUS_TEST_DATABASE_URL).
func openPayStore(t *testing.T, engine string) *store.DB {
	t.Helper()
	if engine == "postgres" {
		if pgtest.URL() == "" {
			t.Skipf("%s is not set: the PostgreSQL half is skipped", pgtest.URLEnv)
		}
		pg, err := postgres.Open(t.Context(), pgtest.SchemaOf(t, pgtest.URL()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		return pg.DB
	}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db.DB
}

func newPayServer(t *testing.T, engine string) *payServer {
	t.Helper()
	testServer(t) // loads the campus once
	s := &payServer{db: openPayStore(t, engine)}
	cheap := auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}
	s.auth = auth.New(s.db, auth.Options{Params: cheap})
	var err error
	s.access, err = access.New(s.db, campusDeps.Venue, campusDeps.Graph, access.Config{ReaderRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.access.Close)
	for _, r := range campusDeps.Venue.Readers {
		if r.Kind == geo.ReaderPOS {
			s.tills = append(s.tills, r)
		}
	}
	s.sandbox = payments.NewSandbox(paySecret, "http://sandbox.invalid/api/v1")
	s.sandbox.MaxDelay, s.sandbox.Duplicates = 30*time.Millisecond, 0.5
	s.payments, err = payments.New(s.db, s.access, campusDeps.Venue, payments.Config{Providers: []payments.Provider{s.sandbox}})
	if err != nil {
		t.Fatal(err)
	}
	d := campusDeps
	d.Auth, d.Places, d.Access, d.Idempotency, d.Payments = s.auth, s.db, s.access, s.db, s.payments
	s.Server = httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(s.Close)
	s.sandbox.Notify = s.URL + "/api/v1/payments/sandbox/notify"
	t.Cleanup(s.sandbox.Wait)
	return s
}

func (s *payServer) signIn(t *testing.T, email string, role auth.Role) string {
	t.Helper()
	if _, err := s.auth.AddUser(t.Context(), email, "correct horse battery", role); err != nil {
		t.Fatal(err)
	}
	sess, err := s.auth.Login(t.Context(), email, "correct horse battery", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return sess.Token
}

// keyed makes a request with a bearer token and an Idempotency-Key (""
// for none); it answers the status, the answer's headers and its body.
func keyed(t testing.TB, base, token, key, method, path, body string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, resp.Header, b.Bytes()
}

func decode[T any](t testing.TB, what string, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v in %s", what, err, b)
	}
	return v
}

type walletAnswer struct {
	Balance      int64 `json:"balance_fen"`
	PasswordFree struct {
		Enabled  bool    `json:"enabled"`
		Limit    int64   `json:"limit_fen"`
		Provider *string `json:"provider"`
	} `json:"password_free"`
}

func (s *payServer) balance(t testing.TB, token string) int64 {
	t.Helper()
	code, _, b := keyed(t, s.URL, token, "", "GET", "/api/v1/wallet", "")
	if code != http.StatusOK {
		t.Fatalf("GET /wallet: %d %s", code, b)
	}
	return decode[walletAnswer](t, "wallet", b).Balance
}

// topUp tops up token's wallet through the sandbox and waits for the
// notification to credit it.
func (s *payServer) topUp(t testing.TB, token string, amount int64) {
	t.Helper()
	before := s.balance(t, token)
	code, _, b := keyed(t, s.URL, token, fmt.Sprint("topup-", time.Now().UnixNano()), "POST", "/api/v1/wallet/topups", fmt.Sprintf(`{"amount_fen": %d}`, amount))
	if code != http.StatusCreated {
		t.Fatalf("POST /wallet/topups: %d %s", code, b)
	}
	tu := decode[payments.TopUpView](t, "top-up", b)
	if code, _, b := keyed(t, s.URL, "", "", "POST", "/api/v1/payments/sandbox/checkout/"+tu.ID, `{"outcome": "succeeded"}`); code != http.StatusAccepted {
		t.Fatalf("checkout: %d %s", code, b)
	}
	s.sandbox.Wait()
	if got := s.balance(t, token); got != before+amount {
		t.Fatalf("after a top-up of %d: balance %d, want %d", amount, got, before+amount)
	}
}

// code is a fresh code of token's card.
func (s *payServer) code(t testing.TB, token string) string {
	t.Helper()
	code, _, b := keyed(t, s.URL, token, "", "GET", "/api/v1/card/code", "")
	if code != http.StatusOK {
		t.Fatalf("GET /card/code: %d %s", code, b)
	}
	return decode[access.Code](t, "code", b).Code
}

func (s *payServer) tillToken(t testing.TB, r *geo.Reader) string {
	t.Helper()
	tok, err := s.access.NewReaderToken(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// charge is till r (its token) charging a credential under key.
func (s *payServer) charge(t testing.TB, tok string, r *geo.Reader, key, credential string, amount int64) (int, http.Header, []byte) {
	t.Helper()
	return keyed(t, s.URL, tok, key, "POST", "/api/v1/pos/charge",
		fmt.Sprintf(`{"reader": %q, %s, "amount_fen": %d, "description": "lunch"}`, r.ID, credential, amount))
}

func TestWalletOverHTTP(t *testing.T) {
	s := newPayServer(t, "sqlite")
	ctx := t.Context()
	student := s.signIn(t, "ming@campus.example.edu", auth.Student)
	if got := s.balance(t, student); got != 0 {
		t.Fatalf("a new wallet holds %d", got)
	}

	// A top-up needs a key; the same key answers the same top-up.
	code, _, b := keyed(t, s.URL, student, "", "POST", "/api/v1/wallet/topups", `{"amount_fen": 5000}`)
	wantProblem(t, "a top-up without a key", http.StatusBadRequest, "Idempotency-Key", code, "application/problem+json", b)
	code, _, b = keyed(t, s.URL, student, "k1", "POST", "/api/v1/wallet/topups", `{"amount_fen": 5000, "provider": "sandbox"}`)
	tu := decode[payments.TopUpView](t, "top-up", b)
	if code != http.StatusCreated || tu.Status != "pending" || !strings.HasSuffix(tu.PayURL, "/payments/sandbox/checkout/"+tu.ID) {
		t.Fatalf("a top-up: %d %s", code, b)
	}
	code, h, b2 := keyed(t, s.URL, student, "k1", "POST", "/api/v1/wallet/topups", `{"amount_fen": 5000, "provider": "sandbox"}`)
	if code != http.StatusCreated || !bytes.Equal(b, b2) || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the same key again: %d %s (replayed %q)", code, b2, h.Get("Idempotent-Replayed"))
	}
	code, _, b = keyed(t, s.URL, student, "k1", "POST", "/api/v1/wallet/topups", `{"amount_fen": 9000}`)
	wantProblem(t, "the key with another body", http.StatusUnprocessableEntity, "Idempotency-Key", code, "application/problem+json", b)
	code, _, b = keyed(t, s.URL, student, "k2", "POST", "/api/v1/wallet/topups", `{"amount_fen": 10}`)
	wantProblem(t, "a top-up of 10 fen", http.StatusBadRequest, "amount_fen", code, "application/problem+json", b)

	// Notifications: unsigned, mis-signed and of another amount change nothing.
	notify := func(body, sig string) (int, []byte) {
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/payments/sandbox/notify", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set(payments.SignatureHeader, sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		out.ReadFrom(resp.Body)
		return resp.StatusCode, out.Bytes()
	}
	good := fmt.Sprintf(`{"topup_id": %q, "provider_txn": "wx-1", "amount_fen": 5000, "status": "succeeded"}`, tu.ID)
	if code, b := notify(good, ""); code != http.StatusUnauthorized {
		t.Errorf("an unsigned notification: %d %s", code, b)
	}
	if code, b := notify(good, s.sandbox.Sign([]byte(good+" "))); code != http.StatusUnauthorized {
		t.Errorf("a mis-signed notification: %d %s", code, b)
	}
	more := strings.Replace(good, "5000", "500000", 1)
	code, b = notify(more, s.sandbox.Sign([]byte(more)))
	if p := wantProblem(t, "a notification of another amount", http.StatusConflict, "amount_fen", code, "application/problem+json", b); p.Code != "amount_mismatch" {
		t.Errorf("code %q, want amount_mismatch", p.Code)
	}
	if got := s.balance(t, student); got != 0 {
		t.Fatalf("after refused notifications: balance %d", got)
	}
	// The provider's own notification, twice: credited once.
	for range 2 {
		if code, b := notify(good, s.sandbox.Sign([]byte(good))); code != http.StatusOK {
			t.Fatalf("a signed notification: %d %s", code, b)
		}
	}
	if got := s.balance(t, student); got != 5000 {
		t.Fatalf("balance %d, want 5000", got)
	}
	s.topUp(t, student, 1000) // through the sandbox's checkout: late and duplicated notices

	// The checkout as a person sees it: a page with two buttons, a form.
	code, _, b = keyed(t, s.URL, student, "k3", "POST", "/api/v1/wallet/topups", `{"amount_fen": 2550}`)
	if code != http.StatusCreated {
		t.Fatalf("a top-up: %d %s", code, b)
	}
	pending := decode[payments.TopUpView](t, "top-up", b)
	resp, err := http.Get(s.URL + "/api/v1/payments/sandbox/checkout/" + pending.ID + "?lang=zh")
	if err != nil {
		t.Fatal(err)
	}
	var html bytes.Buffer
	html.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(html.String(), "¥25.50") || !strings.Contains(html.String(), `value="succeeded"`) ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("the checkout page: %d %s", resp.StatusCode, html.String())
	}
	resp, err = http.PostForm(s.URL+"/api/v1/payments/sandbox/checkout/"+pending.ID, map[string][]string{"outcome": {"succeeded"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("the page's Pay: %d", resp.StatusCode)
	}
	s.sandbox.Wait()
	if got := s.balance(t, student); got != 8550 {
		t.Fatalf("after paying at the page: balance %d, want 8550", got)
	}

	// A till charges the card's code.
	till := s.tills[0]
	tok := s.tillToken(t, till)
	first := s.code(t, student)
	code, _, b = s.charge(t, tok, till, "", fmt.Sprintf("%q: %q", "code", first), 1200)
	wantProblem(t, "a charge without a key", http.StatusBadRequest, "Idempotency-Key", code, "application/problem+json", b)
	code, _, b = s.charge(t, tok, till, "pos-1", fmt.Sprintf("%q: %q", "code", first), 1200)
	rc := decode[payments.Receipt](t, "charge", b)
	if code != http.StatusOK || rc.Status != "paid" || rc.Source != "wallet" || rc.Balance != 7350 || rc.PaymentID == 0 {
		t.Fatalf("a charge: %d %s", code, b)
	}
	// The till retries (the answer lost): the same payment, the code not presented again.
	time.Sleep(10 * time.Millisecond)
	code, h, b2 = s.charge(t, tok, till, "pos-1", fmt.Sprintf("%q: %q", "code", first), 1200)
	if code != http.StatusOK || !bytes.Equal(b, b2) || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the till's retry: %d %s", code, b2)
	}
	// Another till cannot use the first's token.
	code, _, b = s.charge(t, tok, s.tills[1], "pos-2", fmt.Sprintf("%q: %q", "code", s.code(t, student)), 100)
	wantProblem(t, "another till's token", http.StatusUnauthorized, "reader", code, "application/problem+json", b)
	// Too much: 402, nothing paid.
	code, _, b = s.charge(t, tok, till, "pos-3", fmt.Sprintf("%q: %q", "code", s.code(t, student)), 7351)
	if p := wantProblem(t, "a charge over the balance", http.StatusPaymentRequired, "", code, "application/problem+json", b); p.Code != "insufficient_funds" {
		t.Errorf("code %q, want insufficient_funds", p.Code)
	}
	// The first code again under a new key: never charged twice; at
	// another till, a copy, and the card freezes.
	code, _, b = s.charge(t, tok, till, "pos-4", fmt.Sprintf("%q: %q", "code", first), 100)
	if p := wantProblem(t, "the code again at its till", http.StatusConflict, "code", code, "application/problem+json", b); p.Code != "code_used" {
		t.Errorf("code %q, want code_used", p.Code)
	}
	code, _, b = s.charge(t, s.tillToken(t, s.tills[1]), s.tills[1], "pos-4", fmt.Sprintf("%q: %q", "code", first), 100)
	if p := wantProblem(t, "a replayed code", http.StatusForbidden, "", code, "application/problem+json", b); p.Code != "frozen" {
		t.Errorf("code %q, want frozen", p.Code)
	}
	code, _, b = s.charge(t, tok, till, "pos-5", fmt.Sprintf("%q: %q", "code", s.code(t, student)), 100)
	if p := wantProblem(t, "a frozen card", http.StatusForbidden, "", code, "application/problem+json", b); p.Code != "frozen" {
		t.Errorf("code %q, want frozen", p.Code)
	}
	// A top-up still arrives on a frozen card.
	s.topUp(t, student, 200)
	u, _ := s.auth.Authenticate(ctx, student)
	cd, _ := s.access.Card(ctx, u)
	if _, err := s.access.SetFrozen(ctx, auth.User{ID: 1, Role: auth.Admin}, cd.ID, false); err != nil {
		t.Fatal(err)
	}
	// A lost physical card cannot pay; the code still can.
	if code, _, b := keyed(t, s.URL, student, "", "POST", "/api/v1/card/physical/lost", ""); code != http.StatusOK {
		t.Fatalf("reporting the card lost: %d %s", code, b)
	}
	code, _, b = s.charge(t, tok, till, "pos-6", fmt.Sprintf("%q: %q", "card_number", cd.Number), 100)
	if p := wantProblem(t, "a lost card", http.StatusForbidden, "", code, "application/problem+json", b); p.Code != "lost" {
		t.Errorf("code %q, want lost", p.Code)
	}

	// Password-free: an external account first.
	code, _, b = keyed(t, s.URL, student, "", "PUT", "/api/v1/wallet/password-free", `{"enabled": true, "limit_fen": 3000}`)
	if p := wantProblem(t, "password-free with no account", http.StatusConflict, "", code, "application/problem+json", b); p.Code != "no_external_account" {
		t.Errorf("code %q", p.Code)
	}
	code, _, b = keyed(t, s.URL, student, "", "POST", "/api/v1/wallet/external-account", `{"provider": "sandbox"}`)
	md := decode[payments.MandateView](t, "mandate", b)
	if code != http.StatusCreated || md.Status != "pending" || md.SignURL == "" {
		t.Fatalf("linking an account: %d %s", code, b)
	}
	if code, _, b := keyed(t, s.URL, "", "", "POST", "/api/v1/payments/sandbox/checkout/"+md.ID, `{"outcome": "succeeded"}`); code != http.StatusAccepted {
		t.Fatalf("signing the mandate: %d %s", code, b)
	}
	s.sandbox.Wait()
	code, _, b = keyed(t, s.URL, student, "", "PUT", "/api/v1/wallet/password-free", `{"enabled": true, "limit_fen": 20000}`)
	w := decode[walletAnswer](t, "password-free", b)
	if code != http.StatusOK || !w.PasswordFree.Enabled || w.PasswordFree.Limit != 20000 || w.PasswordFree.Provider == nil || *w.PasswordFree.Provider != "sandbox" {
		t.Fatalf("password-free on: %d %s", code, b)
	}
	bal := s.balance(t, student)
	code, _, b = s.charge(t, tok, till, "pos-7", fmt.Sprintf("%q: %q", "code", s.code(t, student)), bal+2000)
	rc = decode[payments.Receipt](t, "external charge", b)
	if code != http.StatusOK || rc.Source != "external" || rc.Balance != bal {
		t.Fatalf("a password-free payment: %d %s", code, b)
	}
	code, _, b = s.charge(t, tok, till, "pos-8", fmt.Sprintf("%q: %q", "code", s.code(t, student)), 20001)
	wantProblem(t, "over the password-free limit", http.StatusPaymentRequired, "", code, "application/problem+json", b)

	// The records: newest first, with the till's place.
	code, _, b = keyed(t, s.URL, student, "", "GET", "/api/v1/wallet/transactions?limit=2&lang=en", "")
	type record struct {
		ID       int64   `json:"id"`
		Kind     string  `json:"kind"`
		Amount   int64   `json:"amount_fen"`
		Balance  int64   `json:"balance_fen"`
		Source   string  `json:"source"`
		Merchant *string `json:"merchant"`
		Place    *string `json:"place"`
	}
	page := decode[struct {
		Items []record `json:"items"`
		Next  *string  `json:"next"`
	}](t, "records", b)
	if code != http.StatusOK || len(page.Items) != 2 || page.Next == nil {
		t.Fatalf("records: %d %s", code, b)
	}
	if r := page.Items[0]; r.Kind != "payment" || r.Source != "external" || r.Amount != -(bal+2000) || r.Place == nil ||
		!strings.Contains(*r.Place, till.Level.Building().Ref) || r.Merchant == nil {
		t.Errorf("the newest record: %+v", r)
	}
	code, _, b = keyed(t, s.URL, student, "", "GET", "/api/v1/wallet/transactions?lang=zh&cursor="+*page.Next, "")
	if code != http.StatusOK || !strings.Contains(string(b), `"kind":"topup"`) {
		t.Errorf("the next page: %d %s", code, b)
	}

	// Refunds: finance only, at most what was paid.
	admin := s.signIn(t, "bursar@campus.example.edu", auth.Admin)
	path := fmt.Sprintf("/api/v1/admin/payments/%d/refund", rc.PaymentID)
	code, _, b = keyed(t, s.URL, student, "r1", "POST", path, `{"amount_fen": 100}`)
	wantProblem(t, "a student refunding", http.StatusForbidden, "", code, "application/problem+json", b)
	code, _, b = keyed(t, s.URL, admin, "r2", "POST", path, fmt.Sprintf(`{"amount_fen": %d}`, bal+2000))
	if code != http.StatusCreated {
		t.Fatalf("a refund: %d %s", code, b)
	}
	code, _, b = keyed(t, s.URL, admin, "r3", "POST", path, `{"amount_fen": 1}`)
	if p := wantProblem(t, "refunding twice", http.StatusConflict, "", code, "application/problem+json", b); p.Code != "over_refund" {
		t.Errorf("code %q", p.Code)
	}

	// Bills: imported by finance, paid once, appealed.
	room := ""
	for _, un := range campusDeps.Venue.Units {
		if strings.HasPrefix(un.Ref, "D1-3") && un.Category == "room" {
			room = un.Ref
			break
		}
	}
	csv := "email,room,period,water_from,water_to,electricity_from,electricity_to,amount_fen\n" +
		"ming@campus.example.edu," + room + ",2026-11,12.5,15.0,1020,1130,6430\n"
	body, _ := json.Marshal(map[string]string{"csv": csv})
	code, _, b = keyed(t, s.URL, admin, "bills-1", "POST", "/api/v1/admin/bills", string(body))
	if code != http.StatusCreated || !strings.Contains(string(b), `"issued":1`) {
		t.Fatalf("issuing bills: %d %s", code, b)
	}
	code, _, b = keyed(t, s.URL, admin, "bills-2", "POST", "/api/v1/admin/bills", string(body))
	if code != http.StatusCreated || !strings.Contains(string(b), `"skipped":1`) {
		t.Errorf("issuing them again: %d %s", code, b)
	}
	bad, _ := json.Marshal(map[string]string{"csv": strings.Replace(csv, "2026-11", "November", 1)})
	code, _, b = keyed(t, s.URL, admin, "bills-3", "POST", "/api/v1/admin/bills", string(bad))
	if p := wantProblem(t, "a bad period", http.StatusBadRequest, "body", code, "application/problem+json", b); !strings.Contains(p.Detail, "line 2, column period") {
		t.Errorf("detail %q", p.Detail)
	}
	code, _, b = keyed(t, s.URL, student, "", "GET", "/api/v1/bills", "")
	bills := decode[struct {
		Items []payments.BillView `json:"items"`
	}](t, "bills", b)
	if code != http.StatusOK || len(bills.Items) != 1 || bills.Items[0].Status != "unpaid" || bills.Items[0].Room != room || bills.Items[0].Water.Used != 2.5 {
		t.Fatalf("GET /bills: %d %s", code, b)
	}
	id := bills.Items[0].ID
	s.topUp(t, student, 7000)
	before := s.balance(t, student)
	code, _, b = keyed(t, s.URL, student, "pay-bill", "POST", fmt.Sprintf("/api/v1/bills/%d/pay", id), `{"source": "wallet"}`)
	if code != http.StatusOK || !strings.Contains(string(b), `"status":"paid"`) {
		t.Fatalf("paying a bill: %d %s", code, b)
	}
	code, _, b = keyed(t, s.URL, student, "pay-bill-again", "POST", fmt.Sprintf("/api/v1/bills/%d/pay", id), `{"source": "wallet"}`)
	wantProblem(t, "paying a bill twice", http.StatusConflict, "", code, "application/problem+json", b)
	if got := s.balance(t, student); got != before-6430 {
		t.Errorf("balance %d after the bill, want %d", got, before-6430)
	}
	code, _, b = keyed(t, s.URL, student, "", "POST", fmt.Sprintf("/api/v1/bills/%d/appeal", id), `{"reason": "we were away all month"}`)
	if code != http.StatusOK || !strings.Contains(string(b), "away all month") {
		t.Errorf("appealing: %d %s", code, b)
	}
	if err := s.db.VerifyLedger(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.db.Balance(ctx, ledger.Receivable); v != 0 {
		t.Errorf("bills receivable %d after the only bill was paid", v)
	}
}

// TestPaymentsBusyTill: 8 holders pay at one till at once, each retrying
// its charge; each key pays once.
func TestPaymentsBusyTill(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			s := newPayServer(t, engine)
			till := s.tills[0]
			tok := s.tillToken(t, till)
			var wg sync.WaitGroup
			for i := range 8 {
				holder := s.signIn(t, fmt.Sprintf("busy%d@campus.example.edu", i), auth.Student)
				s.topUp(t, holder, 1000)
				wg.Go(func() {
					for n := range 5 {
						key := fmt.Sprintf("busy-%d-%d", i, n)
						cred := fmt.Sprintf("%q: %q", "code", s.code(t, holder))
						var ids []string
						for range 2 {
							code, _, b := s.charge(t, tok, till, key, cred, 150)
							if code != http.StatusOK && code != http.StatusPaymentRequired {
								t.Errorf("charge: %d %s", code, b)
							}
							ids = append(ids, string(b))
						}
						if ids[0] != ids[1] {
							t.Errorf("a retry answered %s after %s", ids[1], ids[0])
						}
					}
					if got := s.balance(t, holder); got != 1000-5*150 {
						t.Errorf("balance %d, want %d", got, 1000-5*150)
					}
				})
			}
			wg.Wait()
			if err := s.db.VerifyLedger(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// fakePay is the payments service over fakeAccessDB's store, with the
// sandbox provider, and the student's (id 7) physical card number.
type fakePay struct {
	*payments.Service
	sandbox       *payments.Sandbox
	studentCard   string
	studentCardID int64
}

// SandboxNotify points the sandbox's notifications at a server.
func (f *fakePay) SandboxNotify(base string) {
	f.sandbox.Notify = base + "/api/v1/payments/sandbox/notify"
}

// fakePayments is the payments service over svc and its store: the
// student (id 7) holds 200 yuan and a pending top-up of 50; it answers
// the service, a till and its token, and the top-up's id.
func fakePayments(t *testing.T, svc *access.Service, db *sqlite.DB) (*fakePay, *geo.Reader, string, string) {
	t.Helper()
	ctx := t.Context()
	sb := payments.NewSandbox(paySecret, "http://sandbox.invalid/api/v1")
	sb.MaxDelay, sb.Duplicates = 0, 0
	t.Cleanup(sb.Wait)
	pay, err := payments.New(db, svc, campusDeps.Venue, payments.Config{Providers: []payments.Provider{sb}})
	if err != nil {
		t.Fatal(err)
	}
	student := auth.User{ID: 7, Email: "student@example.edu", Role: auth.Student}
	cd, err := svc.Card(ctx, student)
	if err != nil {
		t.Fatal(err)
	}
	tu, err := db.AddTopUp(ctx, payments.TopUp{ID: "tu_setup", Card: cd.ID, Provider: "sandbox", Amount: 20000})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SettleTopUp(ctx, "sandbox", payments.Notice{TopUp: tu.ID, ProviderTxn: "sbx-setup", Amount: 20000, Status: payments.Succeeded}, time.Now()); err != nil {
		t.Fatal(err)
	}
	pending, err := pay.TopUp(ctx, student, 5000, "sandbox")
	if err != nil {
		t.Fatal(err)
	}
	var till *geo.Reader
	for _, r := range campusDeps.Venue.Readers {
		if r.Kind == geo.ReaderPOS {
			till = r
			break
		}
	}
	tok, err := svc.NewReaderToken(ctx, till.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &fakePay{Service: pay, sandbox: sb, studentCard: cd.Number, studentCardID: cd.ID}, till, tok, pending.ID
}
