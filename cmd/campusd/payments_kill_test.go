package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/idempotency"
	"github.com/campusnav/engine/services/ledger"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/postgres/pgtest"
	"github.com/campusnav/engine/services/sqlite"
	storedb "github.com/campusnav/engine/services/store"
)

// The crash proof of payments at tills: the real server, eight payers
// each charged at a till of their own as fast as it answers, killed with
// SIGKILL mid-stream. Every payment a till was told of is in the store
// once, with its amount; nothing a till was not told of is half there
// (a payment without its ledger transaction, postings, record or audit
// entry, or any of those without the payment); each wallet holds its
// top-ups less its payments; the ledger and the audit log verify. Then
// the server is started again and each charge whose answer was lost is
// sent again, with its key and body: it answers the payment made before
// the kill, or pays now, once.

const (
	// killPayers is how many payers (and tills) charge at once.
	killPayers = 8
	// killTopUp is each payer's top-up, in fen: more than they spend.
	killTopUp = 100_000
	// killMaxAmount is the most one charge asks, in fen.
	killMaxAmount = 300
	// killSecret signs the sandbox's notifications.
	killSecret = "kill-test-sandbox-secret"
)

// TestKillNineDuringPayments runs the crash proof on SQLite, and on
// PostgreSQL when CAMPUS_TEST_DATABASE_URL is set.
func TestKillNineDuringPayments(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server and kills it")
	}
	bin := filepath.Join(t.TempDir(), "campusd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) {
		data := filepath.Join(t.TempDir(), "data")
		open := func(t *testing.T) *storedb.DB {
			db, err := sqlite.OpenDir(data)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db.DB
		}
		payKill(t, bin, []string{"--data-dir", data}, open)
	})
	t.Run("postgresql", func(t *testing.T) {
		url := pgtest.URL()
		if url == "" {
			t.Skipf("set %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run this on PostgreSQL", pgtest.URLEnv)
		}
		schemaURL := pgtest.SchemaOf(t, url)
		open := func(t *testing.T) *storedb.DB {
			db, err := postgres.Open(context.Background(), schemaURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db.DB
		}
		payKill(t, bin, []string{"--data-dir", t.TempDir(), "--database-url", schemaURL}, open)
	})
}

// payer is a student who pays at one till.
type payer struct {
	n          int
	email      string
	card       int64
	till       string // the till's reader id
	tillToken  string
	session    string
	topUpTotal int64
}

// charge is one charge a till sent: its key and body (the same on a
// retry), and what it heard back.
type charge struct {
	payer  *payer
	key    string
	body   string
	amount int64
	// status is the answer's (0: none: the client saw an error);
	// paymentID and paid are a 200's.
	status    int
	paymentID int64
	paid      int64
	answer    string // the body of an answer other than 200
	err       error
}

func (c *charge) ref() string { return "pos:" + c.payer.till + ":" + c.key }

func (c *charge) String() string {
	return fmt.Sprintf("payer %d's charge %s at %s (%d fen)", c.payer.n, c.key, c.payer.till, c.amount)
}

func payKill(t *testing.T, bin string, storeArgs []string, open func(*testing.T) *storedb.DB) {
	ctx := context.Background()
	payers := setUpPayers(t, open)
	first := startCampusd(t, bin, storeArgs)
	for _, p := range payers {
		p.session = login(t, first.base, p.email, "correct horse battery")
		topUpSigned(t, first.base, p)
	}

	// Eight tills charge as fast as the server answers; the server is
	// killed once some hundreds of payments are acknowledged.
	var (
		mu      sync.Mutex
		charges []*charge
		acked   int
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range payers {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				code, err := cardCode(client, first.base, p.session)
				if err != nil {
					return // the server is gone; no charge sent
				}
				amount := 1 + mrand.Int64N(killMaxAmount)
				c := &charge{payer: p, key: fmt.Sprintf("kill-%d-%d-%x", p.n, i, mrand.Uint32()), amount: amount,
					body: fmt.Sprintf(`{"reader":%q,"code":%q,"amount_fen":%d,"description":"lunch %d"}`, p.till, code, amount, i)}
				mu.Lock()
				charges = append(charges, c)
				mu.Unlock()
				status, body, err := tillCharge(client, first.base, c)
				mu.Lock()
				c.status, c.err = status, err
				if err == nil {
					if c.status == http.StatusOK {
						c.paymentID, c.paid, c.err = readReceipt(body)
						acked++
					} else {
						c.answer = string(body)
					}
				}
				mu.Unlock()
				if err != nil {
					return // the server is gone
				}
			}
		})
	}
	want := 200 + mrand.IntN(200)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		n := acked
		mu.Unlock()
		if n >= want {
			break
		}
		if time.Now().After(deadline) {
			close(stop)
			wg.Wait()
			t.Fatalf("only %d payments acknowledged in 2 minutes, want %d before the kill", n, want)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(time.Duration(mrand.IntN(5000)) * time.Microsecond)
	first.kill(t)
	close(stop)
	wg.Wait()

	var lost []*charge
	byKey := map[string]*charge{}
	for _, c := range charges {
		byKey[c.key] = c
		switch {
		case c.status == 0:
			lost = append(lost, c)
		case c.status != http.StatusOK:
			t.Errorf("%s was answered %d %s before the kill, want 200", c, c.status, c.answer)
		case c.err != nil:
			t.Errorf("%s: the receipt: %v", c, c.err)
		}
	}
	t.Logf("%d charges sent, %d acknowledged, %d without an answer when the server was killed", len(charges), acked, len(lost))

	// The store after the kill.
	db := open(t)
	committed := map[string]int64{} // key of a charge without an answer -> the payment made before the kill
	for _, c := range charges {
		p, found, err := db.PaymentByReference(ctx, c.ref())
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case c.status == http.StatusOK && !found:
			t.Errorf("%s was acknowledged as payment %d and is lost after kill -9", c, c.paymentID)
		case c.status == http.StatusOK && (p.ID != c.paymentID || p.Amount != c.paid || c.paid != c.amount || p.Card != c.payer.card):
			t.Errorf("%s was acknowledged as payment %d of %d fen; the store has payment %d of %d fen from card %d (want card %d)",
				c, c.paymentID, c.paid, p.ID, p.Amount, p.Card, c.payer.card)
		case c.status == 0 && found:
			committed[c.key] = p.ID
			if p.Amount != c.amount || p.Card != c.payer.card {
				t.Errorf("%s was paid before the kill as payment %d of %d fen from card %d", c, p.ID, p.Amount, p.Card)
			}
		case c.status != 0 && c.status != http.StatusOK && found:
			t.Errorf("%s was refused (%d) but paid as payment %d", c, c.status, p.ID)
		}
		if found {
			byID, err := db.PaymentByID(ctx, p.ID)
			if err != nil || byID.Amount != p.Amount || byID.Card != p.Card || byID.Tx != p.Tx {
				t.Errorf("%s: payment %d by its id: %+v, %v; by its reference: %+v", c, p.ID, byID, err, p)
			}
		}
	}
	// Those whose code was checked (its use recorded under the charge's
	// reference) but not paid are the case a retry must not take for a
	// copy of the code.
	checked := 0
	for _, c := range lost {
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM card_codes WHERE ref = $1", c.ref()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if _, paid := committed[c.key]; !paid {
			checked += n
		}
	}
	t.Logf("of the %d without an answer, %d were paid before the kill, %d had their code checked but were not paid", len(lost), len(committed), checked)
	checkPaymentsWhole(t, db, payers, byKey)
	if t.Failed() {
		return
	}

	// Started again, the server hears each lost charge once more, with
	// its key and body.
	second := startCampusd(t, bin, storeArgs)
	retry := func(cs []*charge) (inFlight []*charge) {
		client := &http.Client{Timeout: 10 * time.Second}
		for _, c := range cs {
			status, body, err := tillCharge(client, second.base, c)
			if err != nil {
				t.Fatalf("retrying %s: %v", c, err)
			}
			switch {
			case status == http.StatusConflict && strings.Contains(string(body), "still being processed"):
				inFlight = append(inFlight, c) // the dead process's claim of the key, until its lease ends
			case status != http.StatusOK:
				was := "not paid before the kill"
				if id, ok := committed[c.key]; ok {
					was = fmt.Sprintf("paid before the kill as payment %d", id)
				}
				t.Errorf("%s (%s), retried after the restart: %d %s; want 200 and one payment", c, was, status, body)
			default:
				id, paid, err := readReceipt(body)
				if err != nil {
					t.Fatalf("retrying %s: %v", c, err)
				}
				if was, ok := committed[c.key]; ok && id != was {
					t.Errorf("%s was paid before the kill as payment %d; its retry paid again: payment %d", c, was, id)
				}
				if paid != c.amount {
					t.Errorf("%s, retried: paid %d fen", c, paid)
				}
				c.status, c.paymentID, c.paid = status, id, paid
			}
		}
		return inFlight
	}
	waiting := retry(lost)
	if len(waiting) > 0 {
		// The claims of the killed process are abandoned once
		// idempotency.Lease has passed; rather than wait a minute, the
		// test moves them back by a lease.
		t.Logf("%d retries found their key still held by the killed process: its lease is moved back", len(waiting))
		ageClaims(t, db)
		if still := retry(waiting); len(still) > 0 {
			t.Errorf("%d retries still find their key held after its lease: %s", len(still), still[0])
		}
	}
	second.stop(t)
	paidBefore, paidNow := 0, 0
	for _, c := range lost {
		if _, before := committed[c.key]; c.status == http.StatusOK && before {
			paidBefore++
		} else if c.status == http.StatusOK {
			paidNow++
		}
	}
	t.Logf("retried after the restart: %d answered with the payment made before the kill, %d paid now", paidBefore, paidNow)

	for _, c := range lost {
		p, found, err := db.PaymentByReference(ctx, c.ref())
		switch {
		case err != nil:
			t.Fatal(err)
		case c.status == http.StatusOK && (!found || p.ID != c.paymentID):
			t.Errorf("%s, retried, was answered payment %d; the store has %+v (found %v)", c, c.paymentID, p, found)
		}
	}
	checkPaymentsWhole(t, db, payers, byKey)
}

// setUpPayers adds the payers to a fresh store, each with a card and a
// till of their own (a reader of kind pos, and its token).
func setUpPayers(t *testing.T, open func(*testing.T) *storedb.DB) []*payer {
	ctx := context.Background()
	db := open(t)
	v, err := geo.Load(venue)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := access.New(db, v, nil, access.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer acc.Close()
	var tills []string
	for _, r := range v.Readers {
		if r.Kind == geo.ReaderPOS {
			tills = append(tills, r.ID)
		}
	}
	if len(tills) < killPayers {
		t.Fatalf("the venue has %d tills, want %d", len(tills), killPayers)
	}
	accounts := auth.New(db, auth.Options{})
	var ps []*payer
	for n := range killPayers {
		p := &payer{n: n, email: fmt.Sprintf("payer%d@connect.hkust-gz.edu.cn", n), till: tills[n]}
		u, err := accounts.AddUser(ctx, p.email, "correct horse battery", auth.Student)
		if err != nil {
			t.Fatal(err)
		}
		c, err := acc.Card(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		p.card = c.ID
		if p.tillToken, err = acc.NewReaderToken(ctx, p.till); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return ps
}

// campusdProc is a running campusd.
type campusdProc struct {
	cmd  *exec.Cmd
	base string
	log  *tailBuffer
}

// startCampusd starts the server binary on the store, with the sandbox's
// secret and no bound on a reader's rate, and waits until it listens.
func startCampusd(t *testing.T, bin string, storeArgs []string) *campusdProc {
	t.Helper()
	p := &campusdProc{log: &tailBuffer{max: 6 << 10}}
	p.cmd = exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--venue", venue, "--reader-rate", "0"}, storeArgs...)...)
	p.cmd.Env = append(os.Environ(), "CAMPUS_PAY_SANDBOX_SECRET="+killSecret)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("campusd's log ends:\n%s", p.log)
		}
	})
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		p.log.Write(append(sc.Bytes(), '\n'))
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "campusd listening" {
			p.base = "http://" + line.Addr
			break
		}
	}
	if p.base == "" {
		p.cmd.Wait()
		t.Fatalf("campusd did not say where it listens:\n%s", p.log)
	}
	go io.Copy(p.log, stderr)
	return p
}

// kill kills the server with SIGKILL: nothing deferred runs, nothing is
// flushed.
func (p *campusdProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

// stop stops the server gracefully, and checks that it ended well.
func (p *campusdProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("campusd stopped with %v", err)
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b = append(b.b, p...)
	if over := len(b.b) - b.max; over > 0 {
		b.b = slices.Delete(b.b, 0, over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.b)
}

// topUpSigned tops up p's wallet through the provider's path: a top-up
// asked for, then the sandbox's notification, signed with its secret.
func topUpSigned(t *testing.T, base string, p *payer) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/v1/wallet/topups", strings.NewReader(fmt.Sprintf(`{"amount_fen":%d}`, killTopUp)))
	req.Header.Set("Authorization", "Bearer "+p.session)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", fmt.Sprintf("topup-%d", p.n))
	status, b := send(t, req)
	var tu struct {
		ID string `json:"topup_id"`
	}
	if json.Unmarshal(b, &tu); status != http.StatusCreated || tu.ID == "" {
		t.Fatalf("payer %d's top-up: %d %s", p.n, status, b)
	}
	body := fmt.Sprintf(`{"topup_id":%q,"provider_txn":"sb-%d","amount_fen":%d,"status":"succeeded"}`, tu.ID, p.n, killTopUp)
	m := hmac.New(sha256.New, []byte(killSecret))
	m.Write([]byte(body))
	req, _ = http.NewRequest("POST", base+"/api/v1/payments/sandbox/notify", strings.NewReader(body))
	req.Header.Set("X-Signature", hex.EncodeToString(m.Sum(nil)))
	req.Header.Set("Content-Type", "application/json")
	if status, b := send(t, req); status != http.StatusOK || !strings.Contains(string(b), `"changed":true`) {
		t.Fatalf("payer %d's top-up notification: %d %s", p.n, status, b)
	}
	p.topUpTotal += killTopUp
}

func send(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// cardCode is a fresh code of the signed-in holder's card.
func cardCode(client *http.Client, base, session string) (string, error) {
	req, _ := http.NewRequest("GET", base+"/api/v1/card/code", nil)
	req.Header.Set("Authorization", "Bearer "+session)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var c struct{ Code string }
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != http.StatusOK || c.Code == "" {
		return "", fmt.Errorf("GET /card/code: %d %v", resp.StatusCode, err)
	}
	return c.Code, nil
}

// tillCharge sends c from its payer's till: its status and body, or the
// error of a charge without an answer.
func tillCharge(client *http.Client, base string, c *charge) (int, []byte, error) {
	req, _ := http.NewRequest("POST", base+"/api/v1/pos/charge", strings.NewReader(c.body))
	req.Header.Set("Authorization", "Bearer "+c.payer.tillToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", c.key)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err // the answer cut off: not heard
	}
	return resp.StatusCode, b, nil
}

func readReceipt(b []byte) (id, amount int64, err error) {
	var r struct {
		Status    string `json:"status"`
		PaymentID int64  `json:"payment_id"`
		Amount    int64  `json:"amount_fen"`
	}
	if err := json.Unmarshal(b, &r); err != nil || r.Status != "paid" || r.PaymentID == 0 {
		return 0, 0, fmt.Errorf("not a receipt: %s (%v)", b, err)
	}
	return r.PaymentID, r.Amount, nil
}

// ageClaims moves the running claims of readers' keys back by a lease,
// as if idempotency.Lease had passed since the killed process took them.
func ageClaims(t *testing.T, db *storedb.DB) {
	t.Helper()
	q := "UPDATE reader_idempotency_keys SET created = created - interval '1 minute' WHERE state = 'running'"
	if db.Dialect().Name == "sqlite" {
		q = fmt.Sprintf("UPDATE reader_idempotency_keys SET created = created - %d WHERE state = 'running'", idempotency.Lease.Microseconds())
	} else if idempotency.Lease != time.Minute {
		t.Fatalf("idempotency.Lease is %v: change the interval here", idempotency.Lease)
	}
	if _, err := db.SQL().Exec(q); err != nil {
		t.Fatal(err)
	}
}

// checkPaymentsWhole checks the store's payments as a whole: each made
// under the reference of a charge sent, once; each with its ledger
// transaction, its one posting from the payer's wallet, its record and
// its audit entry, and nothing of those without a payment; each wallet
// holding its top-ups less its payments; the ledger and the audit log
// verifying.
func checkPaymentsWhole(t *testing.T, db *storedb.DB, payers []*payer, sent map[string]*charge) {
	t.Helper()
	ctx := context.Background()
	sqldb := db.SQL()
	type row struct {
		id, tx, card, amount int64
		ref, kind            string
		postings             int
		posted               int64
		source, dest         string
		records              int
		recorded             int64
	}
	rows, err := sqldb.QueryContext(ctx, `SELECT p.id, p.tx_id, p.card_id, p.amount_fen, coalesce(t.reference, ''), coalesce(t.kind, ''),
		(SELECT count(*) FROM ledger_postings lp WHERE lp.tx_id = p.tx_id),
		(SELECT coalesce(sum(lp.amount_fen), 0) FROM ledger_postings lp WHERE lp.tx_id = p.tx_id),
		(SELECT coalesce(min(lp.source), '') FROM ledger_postings lp WHERE lp.tx_id = p.tx_id),
		(SELECT coalesce(min(lp.destination), '') FROM ledger_postings lp WHERE lp.tx_id = p.tx_id),
		(SELECT count(*) FROM wallet_records r WHERE r.payment_id = p.id AND r.kind = 'payment'),
		(SELECT coalesce(sum(r.amount_fen), 0) FROM wallet_records r WHERE r.payment_id = p.id AND r.kind = 'payment' AND r.tx_id = p.tx_id)
		FROM payments p LEFT JOIN ledger_transactions t ON t.id = p.tx_id ORDER BY p.id`)
	if err != nil {
		t.Fatal(err)
	}
	var ps []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.tx, &r.card, &r.amount, &r.ref, &r.kind, &r.postings, &r.posted, &r.source, &r.dest, &r.records, &r.recorded); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, r)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	// The audit log's payment entries, by the payment they name.
	audited := map[int64]int{}
	for before := int64(0); ; {
		es, err := db.AuditEntries(ctx, audit.Query{Kind: audit.Payment, Before: before, Limit: audit.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			var d struct {
				Payment int64 `json:"payment"`
			}
			if err := json.Unmarshal(e.Detail, &d); err != nil || d.Payment == 0 {
				t.Errorf("audit entry %d of a payment names none: %s", e.ID, e.Detail)
			}
			audited[d.Payment]++
			before = e.ID
		}
		if len(es) < audit.MaxLimit {
			break
		}
	}

	byRef := map[string]int64{}
	spent := map[int64]int64{} // by card
	for _, p := range ps {
		what := fmt.Sprintf("payment %d (%d fen, card %d, reference %q)", p.id, p.amount, p.card, p.ref)
		key := ""
		if _, k, ok := strings.Cut(strings.TrimPrefix(p.ref, "pos:"), ":"); ok {
			key = k
		}
		c := sent[key]
		switch {
		case p.kind != ledger.KindPayment:
			t.Errorf("%s: its ledger transaction %d is %q, want a payment's (missing: half there)", what, p.tx, p.kind)
		case c == nil || c.ref() != p.ref:
			t.Errorf("%s: no charge was sent under that reference", what)
		case c.amount != p.amount || c.payer.card != p.card:
			t.Errorf("%s: its charge (%s) was for %d fen from card %d", what, c, c.amount, c.payer.card)
		}
		if first, dup := byRef[p.ref]; dup {
			t.Errorf("%s: reference paid twice (payments %d and %d)", what, first, p.id)
		}
		byRef[p.ref] = p.id
		if p.postings != 1 || p.posted != p.amount || p.source != ledger.Wallet(p.card) || !strings.HasPrefix(p.dest, "merchant:") {
			t.Errorf("%s: %d postings of %d fen from %q to %q, want one of %d fen from %s to a merchant",
				what, p.postings, p.posted, p.source, p.dest, p.amount, ledger.Wallet(p.card))
		}
		if p.records != 1 || p.recorded != -p.amount {
			t.Errorf("%s: %d wallet records (%d fen in its transaction), want one of %d fen", what, p.records, p.recorded, -p.amount)
		}
		if audited[p.id] != 1 {
			t.Errorf("%s: %d audit entries, want one", what, audited[p.id])
		}
		delete(audited, p.id)
		spent[p.card] += p.amount
	}
	for id, n := range audited {
		t.Errorf("%d audit entries of payment %d, which the store does not have", n, id)
	}

	// Nothing of a payment without the payment.
	for _, q := range []struct{ what, query string }{
		{"ledger transactions of kind payment without their payment", `SELECT t.id, coalesce(t.reference, '') FROM ledger_transactions t
			LEFT JOIN payments p ON p.tx_id = t.id WHERE t.kind = 'payment' AND p.id IS NULL`},
		{"wallet records of a payment without it", `SELECT r.id, cast(r.tx_id AS TEXT) FROM wallet_records r
			LEFT JOIN payments p ON p.id = r.payment_id AND p.tx_id = r.tx_id WHERE r.kind = 'payment' AND p.id IS NULL`},
		{"postings of a payment's transaction without it", `SELECT lp.tx_id, lp.source FROM ledger_postings lp
			JOIN ledger_transactions t ON t.id = lp.tx_id LEFT JOIN payments p ON p.tx_id = t.id WHERE t.kind = 'payment' AND p.id IS NULL`},
	} {
		rows, err := sqldb.QueryContext(ctx, q.query)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var s string
			rows.Scan(&id, &s)
			t.Errorf("%s: %d (%s)", q.what, id, s)
		}
		rows.Close()
	}

	for _, p := range payers {
		var toppedUp int64
		if err := sqldb.QueryRowContext(ctx, "SELECT coalesce(sum(amount_fen), 0) FROM topups WHERE card_id = $1 AND status = 'succeeded'", p.card).Scan(&toppedUp); err != nil {
			t.Fatal(err)
		}
		w, err := db.WalletOf(ctx, p.card)
		if err != nil {
			t.Fatal(err)
		}
		if toppedUp != p.topUpTotal {
			t.Errorf("payer %d: %d fen of top-ups stored, want %d", p.n, toppedUp, p.topUpTotal)
		}
		if w.Balance != toppedUp-spent[p.card] {
			t.Errorf("payer %d: the wallet holds %d fen; top-ups %d less payments %d is %d (%d fen made or lost)",
				p.n, w.Balance, toppedUp, spent[p.card], toppedUp-spent[p.card], w.Balance-(toppedUp-spent[p.card]))
		}
	}
	if err := db.VerifyLedger(ctx); err != nil {
		t.Errorf("the ledger does not verify: %v", err)
	}
	if head, err := db.VerifyAudit(ctx); err != nil {
		t.Errorf("the audit log does not verify: %v", err)
	} else if head.ID == 0 {
		t.Error("the audit log is empty")
	}
	t.Logf("%d payments in the store, each whole", len(ps))
}
