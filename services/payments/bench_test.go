package payments_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/postgres/pgtest"
	"github.com/campusnav/engine/services/sqlite"
)

// The payments at the tills, measured in the process: a real store
// (SQLite, and PostgreSQL when CAMPUS_TEST_DATABASE_URL is set), the real
// access service over the campus, many holders each paying at one of the
// campus's 8 tills with a code the server signed, one code a charge.
//
//	go test ./services/payments -run XXX -bench . -benchtime 3000x -count 3
//
// Each holder pays at its own till, one payment at a time, so no use is
// impossible travel and every code's step is at least the card's last.
// After the timed loop the ledger must verify, the wallets must hold
// what was topped up less what was paid, and the merchants what was paid.

// benchHolders are the card holders of a run.
const benchHolders = 2000

// benchInFlight is how many charges are in flight at once (as the load
// script's --concurrency).
const benchInFlight = 64

// topUpFen is what a holder's wallet is credited with at a time.
const topUpFen = payments.MaxTopUp

// benchStore is what the benchmark needs of a store.
type benchStore interface {
	payments.Store
	access.Store
	CreateUser(ctx context.Context, u auth.User, passwordHash string) (auth.User, error)
}

// holder is a card holder of the run, who pays at one till.
type holder struct {
	user auth.User
	card access.Card
	till *geo.Reader

	mu       sync.Mutex // one payment at a time
	codes    []string   // the codes of the timed loop, in the order signed
	credited int64      // topped up, in all
	paid     int64      // paid, in all
}

// benchEnv is a store with its services and holders, kept for the
// sub-benchmark's runs (b.N grows; -count repeats the whole).
type benchEnv struct {
	engine   string
	db       benchStore
	access   *access.Service
	payments *payments.Service
	tills    []*geo.Reader
	holders  []*holder
	paid     atomic.Int64 // charges paid, in all runs
}

var (
	venueOnce sync.Once
	venue     *geo.Venue
	graph     *routing.Graph
	venueErr  error
)

func campus(b *testing.B) (*geo.Venue, *routing.Graph) {
	venueOnce.Do(func() {
		venue, venueErr = geo.Load("../../data/floorplans/hkust-gz")
		if venueErr == nil {
			graph = routing.Build(venue)
		}
	})
	if venueErr != nil {
		b.Fatal(venueErr)
	}
	return venue, graph
}

// openBench opens a fresh store of engine, closed (and its schema
// dropped) when tb ends; it skips PostgreSQL without the test database.
func openBench(b *testing.B, tb testing.TB, engine string) (benchStore, int) {
	switch engine {
	case "postgres":
		if pgtest.URL() == "" {
			b.Skipf("%s is not set: the PostgreSQL half is skipped", pgtest.URLEnv)
		}
		pg, err := postgres.Open(context.Background(), pgtest.SchemaOf(tb, pgtest.URL()))
		if err != nil {
			b.Fatal(err)
		}
		tb.Cleanup(func() { pg.Close() })
		return pg.DB, 4 // campusd's deciding workers on PostgreSQL
	default:
		db, err := sqlite.Open(filepath.Join(tb.TempDir(), "campus.db"))
		if err != nil {
			b.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		return db.DB, 1
	}
}

// newBenchEnv sets up engine's store, services and holders, kept until
// tb (the parent benchmark) ends.
func newBenchEnv(b *testing.B, tb testing.TB, engine string) *benchEnv {
	v, g := campus(b)
	db, workers := openBench(b, tb, engine)
	acc, err := access.New(db, v, g, access.Config{ReaderRate: -1, Workers: workers})
	if err != nil {
		b.Fatal(err)
	}
	tb.Cleanup(acc.Close)
	sb := payments.NewSandbox([]byte("bench-secret"), "http://sandbox.invalid/api/v1")
	svc, err := payments.New(db, acc, v, payments.Config{Providers: []payments.Provider{sb}})
	if err != nil {
		b.Fatal(err)
	}
	e := &benchEnv{engine: engine, db: db, access: acc, payments: svc}
	for _, r := range v.Readers {
		if r.Kind == geo.ReaderPOS {
			e.tills = append(e.tills, r)
		}
	}
	if len(e.tills) == 0 {
		b.Fatal("the campus has no tills")
	}
	merchants := map[string]bool{}
	for _, r := range e.tills {
		merchants[payments.MerchantOf(r).ID] = true
	}
	ctx := context.Background()
	e.holders = make([]*holder, benchHolders)
	start := time.Now()
	err = parallel(len(e.holders), 16, func(i int) error {
		role := auth.Student
		if i%4 == 0 {
			role = auth.Staff
		}
		u, err := db.CreateUser(ctx, auth.User{Email: fmt.Sprintf("payer%05d@bench.example", i), Role: role}, "")
		if err != nil {
			return err
		}
		c, err := acc.Card(ctx, u)
		if err != nil {
			return err
		}
		e.holders[i] = &holder{user: u, card: c, till: e.tills[i%len(e.tills)]}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d holders made in %.1f s, paying at %d tills of %d merchants", engine, len(e.holders), time.Since(start).Seconds(), len(e.tills), len(merchants))
	return e
}

// topUp credits h's wallet with amount fen as a provider's notice does:
// a pending top-up, then settled (provider -> wallet, audited).
func (e *benchEnv) topUp(ctx context.Context, h *holder, amount int64) error {
	t, err := e.db.AddTopUp(ctx, payments.TopUp{ID: fmt.Sprintf("tu_bench_%d_%d", h.card.ID, h.credited),
		Card: h.card.ID, Provider: "sandbox", Amount: amount, Status: payments.Pending, Created: time.Now()})
	if err != nil {
		return err
	}
	n := payments.Notice{TopUp: t.ID, ProviderTxn: "sbx_" + t.ID, Amount: amount, Status: payments.Succeeded}
	if _, changed, err := e.db.SettleTopUp(ctx, "sandbox", n, time.Now()); err != nil || !changed {
		return fmt.Errorf("settling %s: changed %v, %v", t.ID, changed, err)
	}
	h.credited += amount
	return nil
}

// amountOf is the k-th charge's amount: ¥5 to ¥20, a meal.
func amountOf(k int) int64 { return 500 + int64(k*7919%1500) }

// charges are the charges of a run of n: the k-th is holder k % holders'
// (each holder's charges in k order), of amountOf(k).
func (e *benchEnv) plan(b *testing.B, n int) {
	ctx := context.Background()
	need := make([]int64, len(e.holders))
	for k := range n {
		need[k%len(e.holders)] += amountOf(k)
	}
	start := time.Now()
	err := parallel(len(e.holders), 16, func(i int) error {
		h := e.holders[i]
		for h.credited-h.paid < need[i] {
			if err := e.topUp(ctx, h, topUpFen); err != nil {
				return err
			}
		}
		h.codes = h.codes[:0]
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		b.Logf("%s: wallets topped up in %.1f s", e.engine, d.Seconds())
	}
}

// signCodes signs the codes of a run of n (server-signed, as GET
// /card/code), in k order; it answers when the first expires.
func (e *benchEnv) signCodes(b *testing.B, n int) time.Time {
	ctx := context.Background()
	var expires time.Time
	for k := range n {
		h := e.holders[k%len(e.holders)]
		c, err := e.access.Code(ctx, h.user)
		if err != nil {
			b.Fatal(err)
		}
		if k == 0 {
			expires = c.ExpiresAt
		}
		h.codes = append(h.codes, c.Code)
	}
	return expires
}

// check fails b unless the ledger verifies, the wallets hold what was
// topped up less what was paid, and the tills' merchants what was paid.
func (e *benchEnv) check(b *testing.B) {
	ctx := context.Background()
	if err := e.db.VerifyLedger(ctx); err != nil {
		b.Fatalf("the ledger does not verify: %v", err)
	}
	var wallets, want, paid int64
	for _, h := range e.holders {
		w, err := e.db.WalletOf(ctx, h.card.ID)
		if err != nil {
			b.Fatal(err)
		}
		if w.Balance != h.credited-h.paid {
			b.Fatalf("holder %s: a balance of %d fen, want %d topped up less %d paid", h.user.Email, w.Balance, h.credited, h.paid)
		}
		wallets += w.Balance
		want += h.credited - h.paid
		paid += h.paid
	}
	if wallets != want {
		b.Fatalf("the wallets hold %d fen, want %d", wallets, want)
	}
	merchants := map[string]bool{}
	var taken int64
	for _, r := range e.tills {
		m := payments.MerchantOf(r)
		if merchants[m.ID] {
			continue
		}
		merchants[m.ID] = true
		v, err := e.db.Balance(ctx, m.Account())
		if err != nil {
			b.Fatal(err)
		}
		taken += v
	}
	if taken != paid {
		b.Fatalf("the tills' merchants hold %d fen, want the %d fen paid", taken, paid)
	}
}

// engines are the stores measured: PostgreSQL is skipped without
// CAMPUS_TEST_DATABASE_URL.
var engines = []string{"sqlite", "postgres"}

// BenchmarkCharge is payments.Service.Charge as a till's POST
// /pos/charge calls it (without HTTP): the payment looked up by its
// reference, the code checked by the access service (single use,
// impossible travel, the Tills rule; group-committed with other checks),
// then paid from the wallet with its record and audit entry (group-
// committed with other payments).
func BenchmarkCharge(b *testing.B) {
	for _, engine := range engines {
		var e *benchEnv
		b.Run(engine, func(sb *testing.B) {
			if e == nil {
				e = newBenchEnv(sb, b, engine)
			}
			runCharges(sb, e)
		})
	}
}

func runCharges(b *testing.B, e *benchEnv) {
	ctx := context.Background()
	e.plan(b, b.N)
	expires := e.signCodes(b, b.N)
	ids := make([]int64, b.N)
	base := e.paid.Load() // the keys of earlier runs are not used again
	var next atomic.Int64
	var failed atomic.Pointer[error]
	b.SetParallelism(max(1, benchInFlight/max(1, runtime.GOMAXPROCS(0))))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := int(next.Add(1) - 1)
			h := e.holders[k%len(e.holders)]
			amount := amountOf(k)
			h.mu.Lock()
			code := h.codes[0]
			h.codes = h.codes[1:]
			rc, err := e.payments.Charge(ctx, h.till, fmt.Sprintf("bench-%d", base+int64(k)),
				payments.ChargeRequest{Reader: h.till.ID, Code: code, Amount: amount, Description: "lunch"})
			if err == nil && (rc.Status != payments.Paid || rc.Amount != amount || rc.Balance != h.credited-h.paid-amount) {
				err = fmt.Errorf("charge %d of %s: %+v, want %d fen paid leaving %d", k, h.user.Email, rc, amount, h.credited-h.paid-amount)
			}
			if err == nil {
				h.paid += amount
				ids[k] = rc.PaymentID
			}
			h.mu.Unlock()
			if err != nil {
				err = fmt.Errorf("charge %d: %w", k, err)
				failed.CompareAndSwap(nil, &err)
			}
		}
	})
	b.StopTimer()
	if p := failed.Load(); p != nil {
		if time.Now().After(expires) {
			b.Fatalf("%v (the run outlived its codes, signed before it: ask fewer charges)", *p)
		}
		b.Fatal(*p)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
	e.paid.Add(int64(b.N))
	slices.Sort(ids)
	if len(slices.Compact(ids)) != b.N || ids[0] == 0 {
		b.Fatalf("%d charges answered %d distinct payments", b.N, len(ids))
	}
	e.check(b)
}

// BenchmarkPay is the store's part of a charge alone
// (payments.Store.Pay: no code, no access check): the payment in one
// transaction with its ledger postings, record and audit entry.
func BenchmarkPay(b *testing.B) {
	for _, engine := range engines {
		var e *benchEnv
		b.Run(engine, func(sb *testing.B) {
			if e == nil {
				e = newBenchEnv(sb, b, engine)
			}
			runPays(sb, e)
		})
	}
}

func runPays(b *testing.B, e *benchEnv) {
	ctx := context.Background()
	e.plan(b, b.N)
	base := e.paid.Load()
	var next atomic.Int64
	var failed atomic.Pointer[error]
	noExternal := func(context.Context, string, string) (string, error) {
		return "", errors.New("no external account in the benchmark")
	}
	b.SetParallelism(max(1, benchInFlight/max(1, runtime.GOMAXPROCS(0))))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := int(next.Add(1) - 1)
			h := e.holders[k%len(e.holders)]
			amount := amountOf(k)
			h.mu.Lock()
			p, replayed, err := e.db.Pay(ctx, payments.Payment{Card: h.card.ID, UserID: h.user.ID, Subject: h.user.Email,
				Reader: h.till.ID, Merchant: payments.MerchantOf(h.till).ID, Amount: amount, Description: "lunch",
				Reference: fmt.Sprintf("pos:%s:pay-%d", h.till.ID, base+int64(k)), At: time.Now()}, noExternal)
			if err == nil && (replayed || p.Balance != h.credited-h.paid-amount) {
				err = fmt.Errorf("payment %d of %s: replayed %v, balance %d, want %d", k, h.user.Email, replayed, p.Balance, h.credited-h.paid-amount)
			}
			if err == nil {
				h.paid += amount
			}
			h.mu.Unlock()
			if err != nil {
				err = fmt.Errorf("payment %d: %w", k, err)
				failed.CompareAndSwap(nil, &err)
			}
		}
	})
	b.StopTimer()
	if p := failed.Load(); p != nil {
		b.Fatal(*p)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
	e.paid.Add(int64(b.N))
	e.check(b)
}

// BenchmarkPayMany is the store's part of charges as the service commits
// them under load (payments.Store.PayMany: batches of 64, one after
// another, as its one committing goroutine does; no access check).
func BenchmarkPayMany(b *testing.B) {
	for _, engine := range engines {
		var e *benchEnv
		b.Run(engine, func(sb *testing.B) {
			if e == nil {
				e = newBenchEnv(sb, b, engine)
			}
			runPayMany(sb, e)
		})
	}
}

func runPayMany(b *testing.B, e *benchEnv) {
	ctx := context.Background()
	e.plan(b, b.N)
	base := e.paid.Load()
	const batch = 64
	b.ResetTimer()
	for from := 0; from < b.N; from += batch {
		ps := make([]payments.Payment, 0, batch)
		for k := from; k < min(from+batch, b.N); k++ {
			h := e.holders[k%len(e.holders)]
			ps = append(ps, payments.Payment{Card: h.card.ID, UserID: h.user.ID, Subject: h.user.Email,
				Reader: h.till.ID, Merchant: payments.MerchantOf(h.till).ID, Amount: amountOf(k), Description: "lunch",
				Reference: fmt.Sprintf("pos:%s:many-%d", h.till.ID, base+int64(k)), At: time.Now()})
		}
		out, err := e.db.PayMany(ctx, ps)
		if err != nil {
			b.Fatal(err)
		}
		for i, o := range out {
			k := from + i
			h := e.holders[k%len(e.holders)]
			if o.Alone || o.Replayed || o.Payment.Balance != h.credited-h.paid-ps[i].Amount {
				b.Fatalf("payment %d of %s: %+v, want paid leaving %d", k, h.user.Email, o, h.credited-h.paid-ps[i].Amount)
			}
			h.paid += ps[i].Amount
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
	e.paid.Add(int64(b.N))
	e.check(b)
}

// parallel calls fn(0..n-1), workers at a time; the first error is
// returned.
func parallel(n, workers int, fn func(i int) error) error {
	var (
		wg   sync.WaitGroup
		next atomic.Int64
		mu   sync.Mutex
		ferr error
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if ferr == nil {
						ferr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return ferr
}
