package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/access/sim"
)

// simOptions are the flags of `campus readers simulate`.
type simOptions struct {
	server      string
	dataDir     string
	people      int
	duration    time.Duration
	copies      float64
	screenshots float64
	physical    float64
	offline     float64
	seed        uint64
	concurrency int
	visitors    int
	pace        float64
	wave        time.Duration
	jitter      time.Duration
}

// readersSimulate replays a day of campus life against a running server:
// it sets up the simulated people, their sessions, cards and grants and
// the readers' tokens through the store the server uses, plans each
// person's trips along the routing graph, sends each use of a reader
// when the walker reaches it, and prints the decisions (JSON).
func (e *env) readersSimulate(args []string) error {
	var c common
	var o simOptions
	fs := newFlags("readers simulate", &c)
	fs.StringVar(&o.server, "server", "", "the server's base URL (http://127.0.0.1:8080); required")
	fs.StringVar(&o.dataDir, "data-dir", "", "the server's data folder (default $CAMPUS_DATA_DIR or ./"+defaultDataDir+"); $CAMPUS_DATABASE_URL for PostgreSQL")
	fs.IntVar(&o.people, "people", 100, "simulated people: of every ten, three staff, six students, one family member")
	fs.IntVar(&o.visitors, "visitors", -1, "simulated visitors, with approved visits hosted by the staff: a third show a pass at gates 2 and 5, a third their ID card there, a third drive (a plate at a barrier); default a tenth of --people")
	fs.DurationVar(&o.duration, "duration", 2*time.Minute, "how long the run lasts, in real time")
	fs.Float64Var(&o.copies, "copies", 0.01, "share of codes a copier also shows at another reader a few seconds later")
	fs.Float64Var(&o.screenshots, "screenshots", 0.005, "share of codes shown after the phone reported a screenshot")
	fs.Float64Var(&o.physical, "physical", 0.1, "share of people who show the physical card")
	fs.Float64Var(&o.offline, "offline", 0.2, "share of people whose phone signs its own codes (registered once)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed: the same seed plans the same day")
	fs.IntVar(&o.concurrency, "concurrency", 64, "most requests in flight at once")
	fs.Float64Var(&o.pace, "pace", 1, "how many times faster than a walk people move (at most 0.9 x access.json's travel.foot_factor)")
	fs.DurationVar(&o.wave, "wave", time.Minute, "time between class changes: everyone starts a trip at each")
	fs.DurationVar(&o.jitter, "jitter", 10*time.Second, "how spread out the start of a class change's trips is")
	if _, err := parse(fs, &c, args); err != nil {
		return err
	}
	if err := o.check(fs.NArg(), fs.Changed("role")); err != nil {
		return err
	}
	if o.visitors < 0 {
		o.visitors = o.people / 10
	}
	v, err := e.load(&c)
	if err != nil {
		return err
	}
	policy, err := access.ParsePolicy(v.Access, v)
	if err != nil {
		return fmt.Errorf("%s: %w", c.source(), err)
	}
	g := routing.Build(v)
	campus, err := sim.NewCampus(v, g, policy)
	if err != nil {
		return fmt.Errorf("%s: %w", c.source(), err)
	}
	if o.pace > campus.MaxPace() {
		return usagef("--pace: %v is faster than access.json's travel rule believes (at most %.2f: 0.9 x travel.foot_factor %v)", o.pace, campus.MaxPace(), policy.Travel.FootFactor)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	stats := newSimStats()
	cl := newSimClient(o.server, o.concurrency, stats)
	if err := cl.reachable(ctx); err != nil {
		return err
	}
	setupStart := time.Now()
	fmt.Fprintf(e.stderr, "campus readers simulate: setting up %d people in the store...\n", o.people)
	people := campus.People(o.people, o.seed, sim.Shares{Physical: o.physical, Offline: o.offline})
	run, rep, err := simSetup(ctx, e, o, campus, people, cl, stats)
	if err != nil {
		return err
	}
	rep.SetupS = time.Since(setupStart).Round(time.Millisecond).Seconds()
	fmt.Fprintf(e.stderr, "campus readers simulate: set up in %.1f s; running for %s...\n", rep.SetupS, o.duration)
	cpu := processCPU()
	stats.start = time.Now()
	run.visitorStats.start = stats.start
	run.start, run.end = stats.start, stats.start.Add(o.duration)
	var wg sync.WaitGroup
	for _, p := range run.people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.person(ctx, p)
		}()
	}
	for _, v := range run.visitors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.visitor(ctx, v)
		}()
	}
	wg.Wait()
	run.copyWG.Wait()
	ran := o.duration
	if ctx.Err() != nil { // interrupted
		ran = time.Since(run.start)
	}
	stats.report(rep, ran)
	rep.Visitors = run.visitorStats.report(ran)
	rep.ClientCPUS = (processCPU() - cpu).Round(10 * time.Millisecond).Seconds()
	if err := e.writeJSON(rep); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "campus readers simulate: %d decisions in %s (%.0f a second, peak %d); check p50 %.1f ms, p99 %.1f ms; %v\n",
		rep.Decisions, ran.Round(time.Second), rep.PerSecond, rep.PeakPerSecond, rep.LatencyMS.P50, rep.LatencyMS.P99, rep.ByReason)
	for _, s := range stats.samples {
		fmt.Fprintf(e.stderr, "campus readers simulate: error: %s\n", s)
	}
	if stats.noAnswer > 0 || stats.fivexx > 0 {
		return fmt.Errorf("readers simulate: %d requests had no answer and %d were answered 5xx", stats.noAnswer, stats.fivexx)
	}
	return nil
}

// check refuses flags that make no run.
func (o *simOptions) check(nargs int, roleSet bool) error {
	share := func(name string, f float64) error {
		if !(f >= 0 && f <= 1) {
			return usagef("--%s: %v is not a share (want 0 to 1)", name, f)
		}
		return nil
	}
	u, uerr := url.Parse(o.server)
	switch {
	case nargs > 0:
		return usagef("readers simulate takes no arguments")
	case roleSet:
		return usagef("--role: the simulated people's roles are a mix (three staff, six students, one family member in ten)")
	case o.server == "":
		return usagef("--server: missing (the server's base URL, http://127.0.0.1:8080)")
	case uerr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return usagef("--server: %q is not an http(s) URL", o.server)
	case o.people < 1 || o.people > 1_000_000:
		return usagef("--people: %d is not 1 to 1,000,000", o.people)
	case o.visitors < -1 || o.visitors > 99_999:
		return usagef("--visitors: %d is not 0 to 99,999", o.visitors)
	case o.duration <= 0:
		return usagef("--duration: %s is not a positive duration", o.duration)
	case o.concurrency < 1 || o.concurrency > 10_000:
		return usagef("--concurrency: %d is not 1 to 10,000", o.concurrency)
	case !(o.pace > 0):
		return usagef("--pace: %v is not a positive factor", o.pace)
	case o.wave <= 0:
		return usagef("--wave: %s is not a positive duration", o.wave)
	case o.jitter < 0 || o.jitter > o.wave:
		return usagef("--jitter: %s is not 0 to --wave (%s)", o.jitter, o.wave)
	}
	for _, s := range []struct {
		name string
		f    float64
	}{{"copies", o.copies}, {"screenshots", o.screenshots}, {"physical", o.physical}, {"offline", o.offline}} {
		if err := share(s.name, s.f); err != nil {
			return err
		}
	}
	if o.physical+o.offline > 1 {
		return usagef("--physical and --offline: %v and %v are more than everyone", o.physical, o.offline)
	}
	return nil
}

// maxDayTrips is the most trips of a day planned: a longer run lives the
// day again (it ends off campus).
const maxDayTrips = 12

// simSetup makes the run: accounts and sessions, cards, grants and
// readers' tokens through the store; each person's day planned; phones
// that sign their own codes registered with the server.
func simSetup(ctx context.Context, e *env, o simOptions, campus *sim.Campus, people []sim.Person, cl *simClient, stats *simStats) (*simRun, *simReport, error) {
	// The store's round trips (PostgreSQL's, SQLite's fsyncs) overlap.
	const workers = 16
	phase, began := "", time.Now()
	var phases []string
	step := func(next string) {
		if phase != "" {
			phases = append(phases, fmt.Sprintf("%s %.1f s", phase, time.Since(began).Seconds()))
		}
		phase, began = next, time.Now()
	}
	defer func() {
		step("")
		fmt.Fprintf(e.stderr, "campus readers simulate: set-up: %s\n", strings.Join(phases, ", "))
	}()
	// The days are planned (routes: CPU) while the store is set up (its
	// round trips), each from off campus; the first use's gap from where
	// the card was used last is known once the cards are read.
	trips := min(int(o.duration/o.wave)+1, maxDayTrips)
	days := make([]sim.Day, len(people))
	planned := make(chan time.Duration, 1)
	go func() {
		t := time.Now()
		parallel(len(people), runtime.GOMAXPROCS(0), func(i int) error {
			days[i] = campus.Plan(people[i], nil, trips, o.pace, o.seed)
			return nil
		})
		planned <- time.Since(t)
	}()
	step("store")
	db, err := openStore(o.dataDir)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	step("accounts and sessions")
	admin, sessions, err := simSignIn(ctx, db, o.dataDir, people, workers)
	if err != nil {
		return nil, nil, err
	}
	svc, err := access.New(db, campus.Venue(), nil, access.Config{})
	if err != nil {
		return nil, nil, err
	}
	defer svc.Close()
	step("cards")
	cards, err := simCards(ctx, svc, admin.User, sessions, workers)
	if err != nil {
		return nil, nil, err
	}
	step("grants")
	grants, err := simGrants(ctx, svc, admin.User, people, workers)
	if err != nil {
		return nil, nil, err
	}
	step("readers' tokens")
	readers := campus.Readers(people)
	tokens, err := simTokens(ctx, svc, readers, workers)
	if err != nil {
		return nil, nil, err
	}
	// The server must know these sessions: the store is its.
	if _, err := cl.call(ctx, "card", "GET", "/api/v1/card", sessions[0].Token, nil, nil); err != nil {
		return nil, nil, fmt.Errorf("the server does not take the sessions made in the store (give the --data-dir, or $CAMPUS_DATABASE_URL, the server uses): %w", err)
	}
	run := &simRun{cl: cl, stats: stats, tokens: tokens, admin: admin.Token, copiers: campus.CopierReaders(),
		wave: o.wave, jitter: o.jitter, copies: o.copies, shot: o.screenshots}
	rep := &simReport{Server: cl.base, People: map[string]int{}, Credentials: map[string]int{}, Readers: len(readers),
		Grants: grants, Pace: o.pace, WaveS: o.wave.Seconds()}
	step("plans (the rest)")
	planning := <-planned
	phases = append(phases, fmt.Sprintf("(planning %.1f s in all)", planning.Seconds()))
	run.people = make([]*simPerson, len(people))
	parallel(len(people), runtime.GOMAXPROCS(0), func(i int) error {
		p := people[i]
		sp := &simPerson{Person: p, token: sessions[i].Token, card: cards[i], lastAt: cards[i].LastAt, day: days[i],
			rng: rand.New(rand.NewPCG(o.seed, uint64(p.N)))}
		if f := sp.day.First(); f != nil {
			f.Gap = campus.Gap(cards[i].LastReader, f.Reader, p.Role)
		}
		run.people[i] = sp
		return nil
	})
	for _, p := range run.people {
		rep.People[string(p.Role)]++
		rep.Credentials[p.Credential]++
		if p.ByCar {
			rep.ByCar++
		}
	}
	step("visitors")
	if err := simVisitorSetup(ctx, o, db, svc, campus.Venue(), sessions, run, rep, workers); err != nil {
		return nil, nil, err
	}
	step("phones")
	err = parallel(len(people), o.concurrency, func(i int) error {
		p := run.people[i]
		if p.Credential != sim.DeviceCode {
			return nil
		}
		d, err := cl.register(ctx, p.token)
		if err != nil {
			return fmt.Errorf("registering the phone of %s: %w", p.Email, err)
		}
		p.device = d
		return nil
	})
	return run, rep, err
}
