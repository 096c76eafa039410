package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/payments"
)

// payModel is what the clients were told: the money each holder's
// wallet must hold, and every payment acknowledged, by key.
type payModel struct {
	mu      sync.Mutex
	wallet  []int64                     // per holder: credited - paid from the wallet + refunded to it
	paid    map[string]payments.Receipt // by the till's key
	owner   map[int64]int               // payment id -> holder
	left    map[int64]int64             // payment id -> what may still be refunded
	source  map[int64]string
	topups  map[string]bool // top-ups credited
	credits atomic.Int64
}

// TestPaymentsProperties drives random top-ups (their notifications
// repeated, reordered, forged, of the wrong amount), charges at tills
// (retried with the same body and with another), password-free payments,
// refunds and bills, from four clients at once, over HTTP, on each store;
// after each run: every account's balance is what its clients were told,
// never below zero, each key paid once, the balances sum to zero, the
// ledger verifies, and each wallet's records add up to it.
func TestPaymentsProperties(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testPaymentsProperties(t, engine) })
	}
}

func testPaymentsProperties(t *testing.T, engine string) {
	s := newPayServer(t, engine)
	s.sandbox.Duplicates = 0
	const holders = 4
	tokens := make([]string, holders)
	tills := make([]string, holders)
	for i := range holders {
		tokens[i] = s.signIn(t, fmt.Sprintf("prop%d@campus.example.edu", i), auth.Student)
		tills[i] = s.tillToken(t, s.tills[i])
	}
	// Holders 0 and 1 have password-free payments through the sandbox.
	for i := range 2 {
		_, _, b := keyed(t, s.URL, tokens[i], "", "POST", "/api/v1/wallet/external-account", `{"provider":"sandbox"}`)
		md := decode[payments.MandateView](t, "mandate", b)
		notice := fmt.Sprintf(`{"mandate_id":%q,"status":"active"}`, md.ID)
		if code, b := signedNotice(t, s, notice, true); code != http.StatusOK {
			t.Fatalf("the mandate's notice: %d %s", code, b)
		}
		if code, _, b := keyed(t, s.URL, tokens[i], "", "PUT", "/api/v1/wallet/password-free", `{"enabled":true,"limit_fen":3000}`); code != http.StatusOK {
			t.Fatalf("password-free: %d %s", code, b)
		}
	}
	admin := s.signIn(t, "finance@campus.example.edu", auth.Admin)
	rooms := []string{}
	for _, u := range campusDeps.Venue.Units {
		if strings.HasPrefix(u.Ref, "D2-") && u.Category == "room" && len(rooms) < 400 {
			rooms = append(rooms, u.Ref)
		}
	}
	m := &payModel{wallet: make([]int64, holders), paid: map[string]payments.Receipt{}, owner: map[int64]int{},
		left: map[int64]int64{}, source: map[int64]string{}, topups: map[string]bool{}}
	var keys, bills atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		type op struct {
			kind, holder, amount, copies int
			retry, otherBody, forge      bool
		}
		gen := rapid.Custom(func(rt *rapid.T) op {
			return op{kind: rapid.IntRange(0, 3).Draw(rt, "kind"), holder: rapid.IntRange(0, holders-1).Draw(rt, "holder"),
				amount: rapid.IntRange(100, 4000).Draw(rt, "amount"), copies: rapid.IntRange(1, 3).Draw(rt, "copies"),
				retry: rapid.Bool().Draw(rt, "retry"), otherBody: rapid.Bool().Draw(rt, "otherBody"), forge: rapid.Bool().Draw(rt, "forge")}
		})
		ops := rapid.SliceOfN(gen, 1, 16).Draw(rt, "ops")
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := g; i < len(ops); i += 4 {
					o := ops[i]
					key := fmt.Sprintf("prop-%d", keys.Add(1))
					switch o.kind {
					case 0:
						propTopUp(t, s, m, tokens[o.holder], o.holder, key, int64(o.amount), o.copies, o.forge)
					case 1:
						propCharge(t, s, m, tokens[o.holder], tills[o.holder], o.holder, key, int64(o.amount), o.retry, o.otherBody)
					case 2:
						propRefund(t, s, m, admin, key, int64(o.amount))
					case 3:
						n := bills.Add(1)
						room, period := rooms[int(n)%len(rooms)], fmt.Sprintf("%d-%02d", 2000+int(n)/len(rooms)/12, 1+int(n)/len(rooms)%12)
						propBill(t, s, m, admin, tokens[o.holder], o.holder, key, room, period, fmt.Sprintf("prop%d@campus.example.edu", o.holder), int64(o.amount), o.retry)
					}
				}
			})
		}
		wg.Wait()
		propCheck(t, rt, s, m, tokens)
	})
	t.Logf("%s: %d keys, %d bills, %d credits, %d payments", engine, keys.Load(), bills.Load(), m.credits.Load(), len(m.paid))
}

// signedNotice posts a notification signed by the sandbox (or, forged,
// by another key).
func signedNotice(t testing.TB, s *payServer, body string, genuine bool) (int, []byte) {
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/payments/sandbox/notify", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sig := s.sandbox.Sign([]byte(body))
	if !genuine {
		sig = payments.NewSandbox([]byte("a forger's key"), "").Sign([]byte(body))
	}
	req.Header.Set(payments.SignatureHeader, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, []byte(b.String())
}

func propTopUp(t *testing.T, s *payServer, m *payModel, token string, holder int, key string, amount int64, copies int, forge bool) {
	body := fmt.Sprintf(`{"amount_fen":%d}`, amount)
	code, _, b := keyed(t, s.URL, token, key, "POST", "/api/v1/wallet/topups", body)
	if code != http.StatusCreated {
		t.Errorf("a top-up: %d %s", code, b)
		return
	}
	tu := decode[payments.TopUpView](t, "top-up", b)
	if code, _, b2 := keyed(t, s.URL, token, key, "POST", "/api/v1/wallet/topups", body); code != http.StatusCreated || string(b2) != string(b) {
		t.Errorf("the top-up's key again: %d %s, want %s", code, b2, b)
	}
	good := fmt.Sprintf(`{"topup_id":%q,"provider_txn":"wx-%s","amount_fen":%d,"status":"succeeded"}`, tu.ID, key, amount)
	if forge {
		if code, b := signedNotice(t, s, good, false); code != http.StatusUnauthorized {
			t.Errorf("a forged notice: %d %s", code, b)
		}
		wrong := strings.Replace(good, fmt.Sprintf(`"amount_fen":%d`, amount), fmt.Sprintf(`"amount_fen":%d`, amount*10), 1)
		if code, b := signedNotice(t, s, wrong, true); code != http.StatusConflict {
			t.Errorf("a notice of ten times the amount: %d %s", code, b)
		}
	}
	// The success, and a failure, in either order and repeated.
	failed := fmt.Sprintf(`{"topup_id":%q,"status":"failed"}`, tu.ID)
	var wg sync.WaitGroup
	for i := range copies {
		wg.Go(func() {
			notice := good
			if i == 1 {
				notice = failed
			}
			if code, b := signedNotice(t, s, notice, true); code != http.StatusOK {
				t.Errorf("a notice: %d %s", code, b)
			}
		})
	}
	wg.Wait()
	if copies == 2 { // the failure may have come first: the success, once more
		if code, b := signedNotice(t, s, good, true); code != http.StatusOK {
			t.Errorf("a notice: %d %s", code, b)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.topups[tu.ID] {
		m.topups[tu.ID] = true
		m.wallet[holder] += amount
		m.credits.Add(1)
	}
}

func propCharge(t *testing.T, s *payServer, m *payModel, token, till string, holder int, key string, amount int64, retry, otherBody bool) {
	r := s.tills[holder]
	cred := fmt.Sprintf("%q: %q", "code", s.code(t, token))
	code, _, b := s.charge(t, till, r, key, cred, amount)
	switch code {
	case http.StatusOK:
	case http.StatusPaymentRequired:
		return
	default:
		t.Errorf("a charge: %d %s", code, b)
		return
	}
	rc := decode[payments.Receipt](t, "receipt", b)
	if retry {
		if code, _, b2 := s.charge(t, till, r, key, cred, amount); code != http.StatusOK || string(b2) != string(b) {
			t.Errorf("the till's retry: %d %s, want %s", code, b2, b)
		}
	}
	if otherBody {
		if code, _, b2 := s.charge(t, till, r, key, cred, amount+1); code != http.StatusUnprocessableEntity {
			t.Errorf("the key with another amount: %d %s", code, b2)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, twice := m.paid[key]; twice {
		t.Errorf("key %s paid twice", key)
	}
	m.paid[key], m.owner[rc.PaymentID], m.left[rc.PaymentID], m.source[rc.PaymentID] = rc, holder, amount, rc.Source
	if rc.Source == payments.SourceWallet {
		m.wallet[holder] -= amount
	}
}

func propRefund(t *testing.T, s *payServer, m *payModel, admin, key string, amount int64) {
	m.mu.Lock()
	var id int64
	for p, left := range m.left { // any payment with something left
		if left > 0 {
			id = p
			break
		}
	}
	if id == 0 {
		m.mu.Unlock()
		return
	}
	amount = min(amount, m.left[id])
	m.left[id] -= amount // reserved: refunds of one payment do not race in the model
	m.mu.Unlock()
	code, _, b := keyed(t, s.URL, admin, key, "POST", fmt.Sprintf("/api/v1/admin/payments/%d/refund", id), fmt.Sprintf(`{"amount_fen":%d}`, amount))
	if code != http.StatusCreated {
		t.Errorf("refunding %d of payment %d: %d %s", amount, id, code, b)
		return
	}
	if code, _, b := keyed(t, s.URL, admin, key+"-over", "POST", fmt.Sprintf("/api/v1/admin/payments/%d/refund", id), `{"amount_fen":1000000}`); code != http.StatusConflict {
		t.Errorf("refunding past the payment: %d %s", code, b)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.source[id] == payments.SourceWallet {
		m.wallet[m.owner[id]] += amount
	}
}

func propBill(t *testing.T, s *payServer, m *payModel, admin, token string, holder int, key, room, period, email string, amount int64, twice bool) {
	csv := strings.Join(payments.BillColumns, ",") + "\n" + fmt.Sprintf("%s,%s,%s,1,2,3,4,%d\n", email, room, period, amount)
	body := fmt.Sprintf(`{"csv":%q}`, csv)
	code, _, b := keyed(t, s.URL, admin, key, "POST", "/api/v1/admin/bills", body)
	if code != http.StatusCreated {
		t.Errorf("issuing a bill: %d %s", code, b)
		return
	}
	issued := decode[struct {
		Items []payments.BillView `json:"items"`
	}](t, "bills", b)
	if len(issued.Items) != 1 {
		t.Errorf("issued %s", b)
		return
	}
	id := issued.Items[0].ID
	tries := 1
	if twice {
		tries = 2
	}
	var paid atomic.Int32
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			code, _, b := keyed(t, s.URL, token, fmt.Sprintf("%s-pay-%d", key, i), "POST", fmt.Sprintf("/api/v1/bills/%d/pay", id), `{"source":"wallet"}`)
			switch code {
			case http.StatusOK:
				paid.Add(1)
			case http.StatusConflict, http.StatusPaymentRequired:
			default:
				t.Errorf("paying a bill: %d %s", code, b)
			}
		})
	}
	wg.Wait()
	if paid.Load() > 1 {
		t.Errorf("bill %d paid %d times", id, paid.Load())
	}
	if paid.Load() == 1 {
		m.mu.Lock()
		m.wallet[holder] -= amount
		m.mu.Unlock()
	}
}

// propCheck checks the invariants after a run.
func propCheck(t *testing.T, rt *rapid.T, s *payServer, m *payModel, tokens []string) {
	ctx := context.Background()
	if err := s.db.VerifyLedger(ctx); err != nil {
		rt.Fatalf("the ledger: %v", err)
	}
	var sum int64
	if err := s.db.SQL().QueryRowContext(ctx, "SELECT coalesce(sum(balance_fen), 0) FROM ledger_accounts").Scan(&sum); err != nil || sum != 0 {
		rt.Fatalf("the accounts' balances sum to %d (%v), want 0", sum, err)
	}
	var negative int
	if err := s.db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM ledger_accounts WHERE address LIKE 'wallet:%' AND balance_fen < 0").Scan(&negative); err != nil || negative != 0 {
		rt.Fatalf("%d wallets below zero (%v)", negative, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for key, rc := range m.paid {
		var n int
		if err := s.db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM payments p JOIN ledger_transactions t ON t.id = p.tx_id WHERE t.reference LIKE '%:' || $1", key).Scan(&n); err != nil || n != 1 {
			rt.Fatalf("key %s (payment %d): %d payments (%v), want 1", key, rc.PaymentID, n, err)
		}
	}
	for i, tok := range tokens {
		if got := s.balance(t, tok); got != m.wallet[i] || got < 0 {
			rt.Fatalf("holder %d: balance %d, the clients were told %d", i, got, m.wallet[i])
		}
		// The records add up to the balance.
		var total int64
		cursor := ""
		for {
			code, _, b := keyed(t, s.URL, tok, "", "GET", "/api/v1/wallet/transactions?limit=200"+cursor, "")
			page := decode[struct {
				Items []payments.RecordView `json:"items"`
				Next  *string               `json:"next"`
			}](t, "records", b)
			if code != http.StatusOK {
				rt.Fatalf("records: %d %s", code, b)
			}
			for _, r := range page.Items {
				if r.Kind == "topup" || r.Source == payments.SourceWallet {
					total += r.Amount
				}
			}
			if page.Next == nil {
				break
			}
			cursor = "&cursor=" + *page.Next
		}
		if total != m.wallet[i] {
			rt.Fatalf("holder %d: the records add up to %d, the balance is %d", i, total, m.wallet[i])
		}
	}
}
