package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/access/sim"
	"github.com/campusnav/engine/services/payments"
)

// `campus payments simulate`: payments at the tills under load, against a
// running server over HTTP, as the tills and the holders' phones make
// them. The people are set up in the server's store (as `readers
// simulate` does); their wallets are topped up through the real path
// (POST /wallet/topups, then the provider's signed notification); then,
// for the run, each person pays at their own till again and again: a
// code fetched from the server (GET /card/code), then POST /pos/charge
// under a fresh Idempotency-Key. A share of charges is sent again under
// the same key (the same payment must answer), a share asks more than the
// balance (402). At the end each wallet is read back and must hold what
// was topped up less what the tills were told was paid, and the ledger
// must verify.

// paySecretEnv is the sandbox provider's secret: campusd signs and checks
// its notifications with it, and the simulator, as the provider, signs.
const paySecretEnv = "CAMPUS_PAY_SANDBOX_SECRET"

// Amounts of the simulated payments, in fen.
const (
	payTopUp    = 50_000 // ¥500 a top-up
	payLowWater = 5_000  // a wallet below ¥50 is topped up before the next charge
	payMin      = 300    // a charge is ¥3 ...
	payMax      = 1_500  // ... to ¥15: a meal
)

// payOptions are the flags of `campus payments simulate`.
type payOptions struct {
	server      string
	dataDir     string
	people      int
	duration    time.Duration
	concurrency int
	seed        uint64
	retries     float64
	over        float64
}

// runPayments dispatches the payments subcommands: simulate.
func runPayments(e *env, args []string) int {
	if len(args) == 0 || args[0] != "simulate" {
		return e.fail("payments", usagef("want a subcommand: simulate"))
	}
	if err := e.paymentsSimulate(args[1:]); err != nil {
		return e.fail("payments", err)
	}
	return exitOK
}

// payPerson is one simulated payer.
type payPerson struct {
	sim.Person
	token string // session
	card  int64
	till  *geo.Reader
	rng   *mrand.Rand
	// What the tills and the provider were told, the person's alone (one
	// request of theirs at a time): the balance follows from them.
	start    int64 // the balance before the run's top-ups
	credited int64
	paid     int64
	topUps   int
}

func (p *payPerson) balance() int64 { return p.start + p.credited - p.paid }

// payRun is one run against a server.
type payRun struct {
	cl     *simClient
	stats  *payStats
	secret []byte
	tills  map[string]string // till id -> token
	o      payOptions
	start  time.Time
}

func (e *env) paymentsSimulate(args []string) error {
	var c common
	var o payOptions
	fs := newFlags("payments simulate", &c)
	fs.StringVar(&o.server, "server", "", "the server's base URL (http://127.0.0.1:8080); required")
	fs.StringVar(&o.dataDir, "data-dir", "", "the server's data folder (default $CAMPUS_DATA_DIR or ./"+defaultDataDir+"); $CAMPUS_DATABASE_URL for PostgreSQL")
	fs.IntVar(&o.people, "people", 200, "simulated payers: of every ten, three staff and seven students, each paying at one till")
	fs.DurationVar(&o.duration, "duration", time.Minute, "how long the run lasts, in real time")
	fs.IntVar(&o.concurrency, "concurrency", 64, "most charges in flight at once (each a code, then the charge)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed: the tills, amounts, retries and charges over the balance")
	fs.Float64Var(&o.retries, "retries", 0.05, "share of paid charges the till sends again under the same Idempotency-Key")
	fs.Float64Var(&o.over, "over", 0.02, "share of charges of more than the balance (402 expected)")
	if _, err := parse(fs, &c, args); err != nil {
		return err
	}
	if err := o.check(fs.NArg(), fs.Changed("role")); err != nil {
		return err
	}
	secret := os.Getenv(paySecretEnv)
	if secret == "" {
		return usagef("$%s is not set: the simulator signs the sandbox provider's notifications with the secret the server has", paySecretEnv)
	}
	v, err := e.load(&c)
	if err != nil {
		return err
	}
	var tills []*geo.Reader
	for _, r := range v.Readers {
		if r.Kind == geo.ReaderPOS {
			tills = append(tills, r)
		}
	}
	if len(tills) == 0 {
		return fmt.Errorf("%s has no tills (readers of kind pos)", c.source())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	stats := newPayStats()
	cl := newSimClient(o.server, o.concurrency, newSimStats())
	if err := cl.reachable(ctx); err != nil {
		return err
	}
	setupStart := time.Now()
	fmt.Fprintf(e.stderr, "campus payments simulate: setting up %d people in the store...\n", o.people)
	db, err := openStore(o.dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	r := &payRun{cl: cl, stats: stats, secret: []byte(secret), o: o}
	people, err := r.setup(ctx, db, v, tills)
	if err != nil {
		return err
	}
	rep := &payReport{Server: cl.base, People: map[string]int{}, Tills: len(tills), Concurrency: o.concurrency,
		SetupS: time.Since(setupStart).Round(time.Millisecond).Seconds()}
	for _, p := range people {
		rep.People[string(p.Role)]++
	}
	fmt.Fprintf(e.stderr, "campus payments simulate: set up in %.1f s; running for %s...\n", rep.SetupS, o.duration)
	cpu := processCPU()
	r.start = time.Now()
	stats.start = r.start
	ran := r.run(ctx, people)
	rep.ClientCPUS = (processCPU() - cpu).Round(10 * time.Millisecond).Seconds()
	stats.report(rep, ran)
	fmt.Fprintf(e.stderr, "campus payments simulate: run over; checking %d wallets and the ledger...\n", len(people))

	// The server's side: each wallet as the server keeps it, then the
	// ledger rebuilt from its postings.
	rep.Wallets = r.checkWallets(context.Background(), people)
	t := time.Now()
	err = db.VerifyLedger(context.Background())
	rep.Ledger = payLedger{OK: err == nil, Seconds: math.Round(time.Since(t).Seconds()*1000) / 1000}
	if err != nil {
		rep.Ledger.Error = err.Error()
	}
	if err := e.writeJSON(rep); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "campus payments simulate: %d payments in %s (%.0f a second, busiest second %d); charge p50 %.1f ms, p99 %.1f ms; by status %v; errors %v; wallets %d checked, %d wrong; ledger ok %v\n",
		rep.Payments, ran.Round(time.Second), rep.PerSecond, rep.PeakPerSecond, rep.ChargeMS.P50, rep.ChargeMS.P99,
		rep.ByStatus, rep.Errors, rep.Wallets.Checked, rep.Wallets.Wrong, rep.Ledger.OK)
	for _, s := range append(stats.samples, rep.Wallets.Samples...) {
		fmt.Fprintf(e.stderr, "campus payments simulate: error: %s\n", s)
	}
	switch {
	case len(rep.Errors) > 0:
		return fmt.Errorf("payments simulate: %d errors: %v", stats.errorCount(), rep.Errors)
	case rep.Wallets.Wrong > 0 || rep.Wallets.Unread > 0:
		return fmt.Errorf("payments simulate: %d wallets do not hold what was topped up less what was paid, %d could not be read", rep.Wallets.Wrong, rep.Wallets.Unread)
	case !rep.Ledger.OK:
		return fmt.Errorf("payments simulate: the ledger does not verify: %s", rep.Ledger.Error)
	}
	return nil
}

// check refuses flags that make no run.
func (o *payOptions) check(nargs int, roleSet bool) error {
	u, uerr := url.Parse(o.server)
	switch {
	case nargs > 0:
		return usagef("payments simulate takes no arguments")
	case roleSet:
		return usagef("--role: the payers' roles are a mix (three staff, seven students in ten)")
	case o.server == "":
		return usagef("--server: missing (the server's base URL, http://127.0.0.1:8080)")
	case uerr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return usagef("--server: %q is not an http(s) URL", o.server)
	case o.people < 1 || o.people > 1_000_000:
		return usagef("--people: %d is not 1 to 1,000,000", o.people)
	case o.duration <= 0:
		return usagef("--duration: %s is not a positive duration", o.duration)
	case o.concurrency < 1 || o.concurrency > 10_000:
		return usagef("--concurrency: %d is not 1 to 10,000", o.concurrency)
	case !(o.retries >= 0 && o.retries <= 1):
		return usagef("--retries: %v is not a share (want 0 to 1)", o.retries)
	case !(o.over >= 0 && o.over <= 1):
		return usagef("--over: %v is not a share (want 0 to 1)", o.over)
	}
	return nil
}

// payEmail is simulated payer n's account (a reserved domain, RFC 2606).
func payEmail(n int) string { return fmt.Sprintf("payer-%d@sim.campus.invalid", n) }

// setup makes (or finds) the payers' accounts, sessions and cards in the
// store, gives the tills new tokens, reads each wallet and tops it up
// through the server.
func (r *payRun) setup(ctx context.Context, db accountStore, v *geo.Venue, tills []*geo.Reader) ([]*payPerson, error) {
	const workers = 16 // the store's round trips (PostgreSQL's, SQLite's fsyncs) overlap
	ps := simStaffStudents(r.o.people, payEmail)
	admin, sessions, err := simSignIn(ctx, db, r.o.dataDir, ps, workers)
	if err != nil {
		return nil, err
	}
	svc, err := access.New(db, v, nil, access.Config{})
	if err != nil {
		return nil, err
	}
	defer svc.Close()
	cards, err := simCards(ctx, svc, admin.User, sessions, workers)
	if err != nil {
		return nil, err
	}
	if r.tills, err = simTokens(ctx, svc, tills, workers); err != nil {
		return nil, err
	}
	if _, err := r.cl.call(ctx, "wallet", http.MethodGet, "/api/v1/wallet", sessions[0].Token, nil, nil); err != nil {
		return nil, fmt.Errorf("the server does not answer a wallet for the sessions made in the store (give the --data-dir, or $CAMPUS_DATABASE_URL, the server uses; payments must be on): %w", err)
	}
	people := make([]*payPerson, len(ps))
	for i, p := range ps {
		rng := mrand.New(mrand.NewPCG(r.o.seed, uint64(p.N)))
		people[i] = &payPerson{Person: p, token: sessions[i].Token, card: cards[i].ID, till: tills[rng.IntN(len(tills))], rng: rng}
	}
	// The wallets as they stand (a second run finds the first's money),
	// then each topped up through the provider.
	err = parallel(len(people), r.o.concurrency, func(i int) error {
		p := people[i]
		w, err := r.wallet(ctx, p)
		if err != nil {
			return fmt.Errorf("the wallet of %s: %w", p.Email, err)
		}
		p.start = w
		if err := r.topUp(ctx, p); err != nil {
			return fmt.Errorf("topping up %s: %w", p.Email, err)
		}
		return nil
	})
	return people, err
}

// call sends one request with a JSON body (nil: none), a bearer token
// and, if key is not empty, an Idempotency-Key; extra headers may be
// given. It answers the status, the body, and the round trip's time from
// the sending (once a slot is free) to the answer read; an error only
// when no answer came.
func (r *payRun) call(ctx context.Context, what, method, path, token, key string, body []byte, header http.Header) (int, []byte, time.Duration, error) {
	a, err := r.cl.send(ctx, method, path, token, key, body, header)
	if a.Sent {
		r.stats.request(what)
	}
	if err != nil {
		if a.Sent && ctx.Err() == nil {
			r.stats.fail("no_answer", what+": "+err.Error())
		}
		return 0, nil, a.Took, err
	}
	return a.Status, a.Body, a.Took, nil
}

// want is call expecting status: an error naming what came otherwise
// (counted as "status N"), else the answer decoded into out (nil: not).
func (r *payRun) want(ctx context.Context, what string, status int, method, path, token, key string, body []byte, header http.Header, out any) error {
	code, b, _, err := r.call(ctx, what, method, path, token, key, body, header)
	if err != nil {
		return err
	}
	if code != status {
		err := fmt.Errorf("%s %s: %d %s (want %d)", method, path, code, strings.TrimSpace(string(b)), status)
		r.stats.fail("status "+strconv.Itoa(code), what+": "+err.Error())
		return err
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			r.stats.fail("bad_answer", what+": "+err.Error())
			return fmt.Errorf("%s %s: the answer is not what was expected: %w", method, path, err)
		}
	}
	return nil
}

// wallet is the balance the server keeps for p.
func (r *payRun) wallet(ctx context.Context, p *payPerson) (int64, error) {
	var w payments.WalletView
	err := r.want(ctx, "wallet", http.StatusOK, http.MethodGet, "/api/v1/wallet", p.token, "", nil, nil, &w)
	return w.Balance, err
}

// topUp tops p's wallet up by payTopUp through the real path: the
// top-up asked (POST /wallet/topups), then the provider's notification
// that it was paid, signed with the sandbox's secret.
func (r *payRun) topUp(ctx context.Context, p *payPerson) error {
	body, _ := json.Marshal(map[string]any{"amount_fen": payTopUp, "provider": "sandbox"})
	var t payments.TopUpView
	if err := r.want(ctx, "topup", http.StatusCreated, http.MethodPost, "/api/v1/wallet/topups", p.token, rand.Text(), body, nil, &t); err != nil {
		return err
	}
	n, _ := json.Marshal(payments.Notice{TopUp: t.ID, ProviderTxn: "sim_" + rand.Text()[:20], Amount: payTopUp, Status: payments.Succeeded})
	m := hmac.New(sha256.New, r.secret)
	m.Write(n)
	h := http.Header{payments.SignatureHeader: {hex.EncodeToString(m.Sum(nil))}}
	var a struct {
		Received bool `json:"received"`
		Changed  bool `json:"changed"`
	}
	if err := r.want(ctx, "notify", http.StatusOK, http.MethodPost, "/api/v1/payments/sandbox/notify", "", "", n, h, &a); err != nil {
		return err
	}
	if !a.Changed {
		err := fmt.Errorf("the notification of top-up %s changed nothing", t.ID)
		r.stats.fail("topup_not_credited", err.Error())
		return err
	}
	p.credited += payTopUp
	p.topUps++
	r.stats.toppedUp(payTopUp)
	return nil
}

// run drives the people for the duration: concurrency workers, each
// taking the next person free, who pays once at their till. Nothing is
// begun after the end.
func (r *payRun) run(ctx context.Context, people []*payPerson) time.Duration {
	end := r.start.Add(r.o.duration)
	free := make(chan *payPerson, len(people))
	for _, p := range people {
		free <- p
	}
	stop, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var wg sync.WaitGroup
	for range r.o.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case p := <-free:
					r.pay(ctx, p)
					free <- p
				case <-stop.Done():
					return
				}
				if stop.Err() != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil { // interrupted
		return time.Since(r.start)
	}
	return r.o.duration
}

// chargeAnswer is what a till reads of POST /pos/charge: a receipt (200),
// or a problem's code.
type chargeAnswer struct {
	payments.Receipt
	Code string // a problem's
}

// readCharge reads a charge's answer of status.
func readCharge(status int, b []byte) (chargeAnswer, error) {
	var a chargeAnswer
	if status == http.StatusOK {
		return a, json.Unmarshal(b, &a.Receipt)
	}
	var p struct {
		Code string `json:"code"`
	}
	err := json.Unmarshal(b, &p)
	a.Code = p.Code
	return a, err
}

// pay is one payment of p at their till: a wallet running low is topped
// up first; a fresh code, then the charge, of an amount within the
// balance or (a share) over it; a share of paid charges is sent again
// under the same key.
func (r *payRun) pay(ctx context.Context, p *payPerson) {
	if p.balance() < payLowWater {
		if r.topUp(ctx, p) != nil {
			return
		}
	}
	var code access.Code
	if err := r.want(ctx, "code", http.StatusOK, http.MethodGet, "/api/v1/card/code", p.token, "", nil, nil, &code); err != nil {
		return
	}
	amount := payMin + p.rng.Int64N(payMax-payMin+1)
	over := p.rng.Float64() < r.o.over && p.balance() < payments.MaxCharge-500
	if over {
		amount = p.balance() + 1 + p.rng.Int64N(500)
	}
	body, _ := json.Marshal(payments.ChargeRequest{Reader: p.till.ID, Code: code.Code, Amount: amount, Description: "simulated lunch"})
	key := rand.Text()
	status, b, took, err := r.call(ctx, "charge", http.MethodPost, "/api/v1/pos/charge", r.tills[p.till.ID], key, body, nil)
	if err != nil {
		return
	}
	at := time.Now()
	a, jerr := readCharge(status, b)
	if jerr != nil && (status == http.StatusOK || status == http.StatusPaymentRequired) {
		r.stats.fail("bad_answer", fmt.Sprintf("charge: %d %s: %v", status, b, jerr))
		return
	}
	r.stats.charged(status, over, at, took)
	switch {
	case status == http.StatusOK && over:
		r.stats.fail("paid_over_balance", fmt.Sprintf("%s paid %d fen from a balance of %d: %s", p.Email, amount, p.balance(), b))
	case status == http.StatusOK && (a.Status != payments.Paid || a.PaymentID == 0 || a.Amount != amount || a.Balance != p.balance()-amount):
		r.stats.fail("wrong_receipt", fmt.Sprintf("%s paid %d fen from %d: %s", p.Email, amount, p.balance(), b))
	case status == http.StatusPaymentRequired && !over:
		r.stats.fail("refused_within_balance", fmt.Sprintf("%s was refused %d fen with %d: %s", p.Email, amount, p.balance(), b))
	case status == http.StatusPaymentRequired && a.Code != payments.CodeInsufficient:
		r.stats.fail("wrong_refusal", fmt.Sprintf("%s: 402 %s, want %s", p.Email, b, payments.CodeInsufficient))
	case status != http.StatusOK && status != http.StatusPaymentRequired:
		r.stats.fail("status "+strconv.Itoa(status), fmt.Sprintf("charge of %s at %s: %d %s", p.Email, p.till.ID, status, strings.TrimSpace(string(b))))
	}
	if status != http.StatusOK {
		return
	}
	// The till was told it was paid: so it was, whatever the checks above
	// found, and the wallet must show it.
	p.paid += amount
	if p.rng.Float64() >= r.o.retries {
		return
	}
	// The till did not read the answer and sends the charge again.
	status2, b2, _, err := r.call(ctx, "charge_retry", http.MethodPost, "/api/v1/pos/charge", r.tills[p.till.ID], key, body, nil)
	if err != nil {
		return
	}
	a2, _ := readCharge(status2, b2)
	r.stats.retried(status2 == http.StatusOK && a2.PaymentID == a.PaymentID)
	if status2 != http.StatusOK || a2.PaymentID != a.PaymentID {
		r.stats.fail("retry_mismatch", fmt.Sprintf("%s: the retry of payment %d under key %s answered %d %s", p.Email, a.PaymentID, key, status2, b2))
	}
}

// checkWallets reads every wallet back: each must hold what it held, plus
// what was topped up, less what its till was told was paid.
func (r *payRun) checkWallets(ctx context.Context, people []*payPerson) payWallets {
	var mu sync.Mutex
	var out payWallets
	parallel(len(people), r.o.concurrency, func(i int) error {
		p := people[i]
		got, err := r.wallet(ctx, p)
		mu.Lock()
		defer mu.Unlock()
		out.Checked++
		switch {
		case err != nil:
			out.Unread++
		case got != p.balance():
			out.Wrong++
			if len(out.Samples) < 5 {
				out.Samples = append(out.Samples, fmt.Sprintf("the wallet of %s holds %d fen, want %d held + %d topped up - %d paid",
					p.Email, got, p.start, p.credited, p.paid))
			}
		}
		out.ToppedUpFen += p.credited
		out.PaidFen += p.paid
		out.TopUps += p.topUps
		return nil
	})
	return out
}

// payStats counts the run; safe for concurrent use.
type payStats struct {
	mu        sync.Mutex
	start     time.Time
	perSecond []int // payments answered paid, by second of the run
	latencyMS []float64
	byStatus  map[string]int // charges (not retries) by status
	over      int
	retries   int
	replayed  int // retries answered the same payment
	requests  map[string]int
	errors    map[string]int
	samples   []string
	credited  int64
}

func newPayStats() *payStats {
	return &payStats{byStatus: map[string]int{}, requests: map[string]int{}, errors: map[string]int{}}
}

func (s *payStats) request(what string) {
	s.mu.Lock()
	s.requests[what]++
	s.mu.Unlock()
}

// fail counts an error of kind, keeping the first few details.
func (s *payStats) fail(kind, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors[kind]++
	if len(s.samples) < 5 {
		if len(detail) > 300 {
			detail = detail[:300]
		}
		s.samples = append(s.samples, kind+": "+detail)
	}
}

func (s *payStats) errorCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.errors {
		n += v
	}
	return n
}

// charged counts a charge's answer (status), answered at after took.
func (s *payStats) charged(status int, over bool, at time.Time, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byStatus[strconv.Itoa(status)]++
	if over {
		s.over++
	}
	s.latencyMS = append(s.latencyMS, float64(took)/float64(time.Millisecond))
	if status != http.StatusOK {
		return
	}
	s.perSecond = countAt(s.perSecond, s.start, at)
}

func (s *payStats) retried(same bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retries++
	if same {
		s.replayed++
	}
}

func (s *payStats) toppedUp(fen int64) {
	s.mu.Lock()
	s.credited += fen
	s.mu.Unlock()
}

// payReport is the simulator's answer on standard output.
type payReport struct {
	Server      string         `json:"server"`
	People      map[string]int `json:"people"` // by role
	Tills       int            `json:"tills"`
	Concurrency int            `json:"concurrency"`
	SetupS      float64        `json:"setup_s"`
	DurationS   float64        `json:"duration_s"`
	// ClientCPUS is the CPU time the simulator used during the run: on
	// a machine it shares with the server, what it took.
	ClientCPUS float64 `json:"client_cpu_s"`

	Payments      int            `json:"payments"` // charges answered paid within the run
	PerSecond     float64        `json:"payments_per_s"`
	PeakPerSecond int            `json:"peak_payments_per_s"`
	Timeline      []float64      `json:"payments_per_s_by_10s"` // the mean of each 10 s of the run
	ChargeMS      simLatency     `json:"charge_latency_ms"`     // POST /pos/charge, client side, retries not counted
	ByStatus      map[string]int `json:"charges_by_status"`
	OverBalance   int            `json:"charges_over_balance"`
	Retries       int            `json:"retries"`
	Replayed      int            `json:"retries_same_payment"`
	Requests      map[string]int `json:"requests"` // by endpoint, answered or not
	Errors        map[string]int `json:"errors"`   // by kind: "status N", no_answer, retry_mismatch ...

	Wallets payWallets `json:"wallets"`
	Ledger  payLedger  `json:"ledger_verify"`
}

// payWallets is the check of every wallet against what was topped up
// and what the tills were told was paid.
type payWallets struct {
	Checked     int      `json:"checked"`
	Wrong       int      `json:"wrong"`
	Unread      int      `json:"unread"`
	TopUps      int      `json:"top_ups"`
	ToppedUpFen int64    `json:"topped_up_fen"`
	PaidFen     int64    `json:"paid_fen"`
	Samples     []string `json:"samples,omitempty"`
}

// payLedger is `campus ledger verify`'s answer, through the store.
type payLedger struct {
	OK      bool    `json:"ok"`
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

// report fills in the counts of a run of d.
func (s *payStats) report(r *payReport, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.DurationS = d.Seconds()
	rt := rateOf(s.perSecond, d)
	r.Payments, r.PerSecond, r.PeakPerSecond, r.Timeline = rt.Total, rt.Mean, rt.Peak, rt.By10s
	r.ByStatus, r.OverBalance, r.Retries, r.Replayed = s.byStatus, s.over, s.retries, s.replayed
	r.Requests, r.Errors = s.requests, s.errors
	r.ChargeMS = latencyOf(s.latencyMS)
}
