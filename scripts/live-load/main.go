// Command live-load measures the live sockets of one or more campusd
// processes (replicas: the sockets are spread over them): it makes N
// test accounts in the store the servers use, puts them in groups of 2
// to 10 sharing with their group (through the API), opens a socket for
// each, reads the servers' memory per idle socket from /metrics, then
// has every sharer send a fix each second and reports the locations
// delivered a second, the latency from a sharer's send to a viewer's
// receipt, errors, and the sockets' closes by code.
//
//	go run ./scripts/live-load --sockets 10000 --duration 30s --data-dir DIR --url http://127.0.0.1:8080
//	go run ./scripts/live-load --sockets 1000 --campusd ./campusd   # starts one itself
//
// The accounts are test accounts with a weak password hash: never run it
// against a store people use. The clients run on the machine they are
// measured from: both clocks are one, and the client's CPU is taken from
// the server's.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	json "github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/spf13/pflag"
)

type options struct {
	urls     []string
	sockets  int
	duration time.Duration
	hz       int
	sharers  float64
	dataDir  string
	dbURL    string
	campusd  string
	place    string
	prefix   string
	seed     uint64
	settle   time.Duration
	gcWait   time.Duration
	workers  int
	senders  int
}

func main() {
	var o options
	fs := pflag.NewFlagSet("live-load", pflag.ExitOnError)
	fs.StringSliceVar(&o.urls, "url", []string{"http://127.0.0.1:8080"}, "campusd base URLs, comma-separated or repeated: replicas over one store, the sockets spread over them")
	fs.IntVar(&o.sockets, "sockets", 1000, "sockets (people) to open")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long the sharers send, measured")
	fs.IntVar(&o.hz, "hz", 1, "fixes each sharer sends a second")
	fs.Float64Var(&o.sharers, "sharers", 1, "the part of the people who send (0 to 1, spread over the groups); everyone views")
	fs.StringVar(&o.dataDir, "data-dir", os.Getenv("CAMPUS_DATA_DIR"), "the servers' embedded store's data folder, for the accounts ($CAMPUS_DATA_DIR)")
	fs.StringVar(&o.dbURL, "database-url", os.Getenv("CAMPUS_DATABASE_URL"), "the servers' PostgreSQL, for the accounts ($CAMPUS_DATABASE_URL); wins over --data-dir")
	fs.StringVar(&o.campusd, "campusd", "", "a campusd binary to start on a free port with a new data folder, instead of --url")
	fs.StringVar(&o.place, "place", "C3-102", "the room the sharers say they are in (a search for it)")
	fs.StringVar(&o.prefix, "prefix", "", "the accounts' emails are PREFIX-I@example.edu (default: load + the time)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the groups' sizes")
	fs.DurationVar(&o.settle, "settle", 3*time.Second, "wait before each memory reading")
	fs.DurationVar(&o.gcWait, "gc-wait", 150*time.Second, "longest wait for a server's GC before a memory reading (an idle Go process collects every two minutes); 0: read at once")
	fs.IntVar(&o.workers, "workers", 8, "requests at a time in the set-up")
	fs.IntVar(&o.senders, "senders", 8, "goroutines sending the fixes")
	fs.Parse(os.Args[1:])
	if o.prefix == "" {
		o.prefix = fmt.Sprintf("load%d", time.Now().Unix())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run1(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "live-load:", err)
		os.Exit(1)
	}
}

// raiseFiles raises the soft limit of open files to the hard one: each
// socket is a file.
func raiseFiles() uint64 {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
	return l.Cur
}

func run1(ctx context.Context, o options) error {
	say := func(f string, a ...any) { fmt.Printf(f+"\n", a...) }
	files := raiseFiles()
	if uint64(o.sockets)+64 > files {
		return fmt.Errorf("%d sockets need more open files than the limit, %d", o.sockets, files)
	}
	a := api{hc: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * o.workers}}}
	if o.campusd != "" {
		base, dir, stopD, err := startCampusd(ctx, a, o.campusd)
		if err != nil {
			return err
		}
		defer stopD()
		o.urls, o.dataDir, o.dbURL = []string{base}, dir, ""
	}
	for i, u := range o.urls {
		o.urls[i] = strings.TrimRight(u, "/")
	}
	if o.dbURL == "" && o.dataDir == "" {
		return fmt.Errorf("give --data-dir or --database-url (the store the servers use), or --campusd")
	}
	sp, err := findSpot(ctx, a, o.urls[0], o.place)
	if err != nil {
		return err
	}
	fix, _ := json.Marshal(map[string]any{"type": "fix", "lon": sp.Lon, "lat": sp.Lat, "ordinal": sp.Ordinal, "accuracy_m": 4})
	say("live-load: %d sockets over %s; the clients run on this machine (%d CPUs shared with the servers)", o.sockets, strings.Join(o.urls, ", "), runtime.NumCPU())

	t0 := time.Now()
	db, closeDB, err := openStore(ctx, o.dbURL, o.dataDir)
	if err != nil {
		return err
	}
	people, err := accounts(ctx, db, o.prefix, o.sockets, o.workers)
	closeDB()
	if err != nil {
		return err
	}
	for i := range people {
		people[i].base = o.urls[i%len(o.urls)]
	}
	say("set-up: %d accounts signed in, in the store: %v", len(people), time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	sizes, err := groups(ctx, a, people, o.seed, o.workers)
	if err != nil {
		return err
	}
	if o.sharers <= 0 || o.sharers > 1 {
		return fmt.Errorf("--sharers %v: want more than 0, at most 1", o.sharers)
	}
	// Person i sends when the running count of sharers steps up at i.
	perRound, sharers := 0, 0
	for i := range people {
		if int(float64(i+1)*o.sharers) > int(float64(i)*o.sharers) {
			people[i].sharer = true
			perRound += people[i].group - 1
			sharers++
		}
	}
	say("set-up: %d groups of 2 to 10 (mean %.1f), every member sharing with their group, through the API: %v; %d of them send, a round of fixes is %d deliveries",
		len(sizes), float64(len(people))/float64(len(sizes)), time.Since(t0).Round(time.Millisecond), sharers, perRound)

	r := &run{people: people, index: make(map[int64]int, len(people)), sends: make([][]atomic.Int64, len(people)), closes: map[string]int{}}
	for i, p := range people {
		r.index[p.id] = i
	}
	time.Sleep(o.settle)
	before, err := readMemories(ctx, a, o.urls, o.gcWait)
	if err != nil {
		return err
	}
	t0 = time.Now()
	d := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 512}
	socks := make([]*socket, len(people))
	dialErrs := map[string]int{}
	var mu sync.Mutex
	parallel(len(people), o.workers, func(i int) error {
		s, err := r.dial(ctx, a, d, people[i])
		if err != nil {
			mu.Lock()
			dialErrs[err.Error()]++
			mu.Unlock()
			return nil
		}
		socks[i] = s
		go r.read(s)
		return nil
	})
	say("sockets: %d open in %v (%d failed to open)", r.open.Load(), time.Since(t0).Round(time.Millisecond), len(people)-int(r.open.Load()))
	for e, n := range dialErrs {
		say("  %d× %s", n, e)
	}
	time.Sleep(o.settle)
	after, err := readMemories(ctx, a, o.urls, o.gcWait)
	if err != nil {
		return err
	}
	n := max(1, float64(r.open.Load()))
	gc := "just after a GC of the server's own"
	if !before.AfterGC || !after.AfterGC {
		gc = fmt.Sprintf("NOT after a GC (none came within %v): garbage included", o.gcWait)
	}
	say("idle memory per socket, the servers' /metrics after opening them minus before (each read %s), / %d sockets:", gc, int(n))
	say("  resident set (process_resident_memory_bytes): %.1f KB", (after.RSS-before.RSS)/n/1024)
	say("  Go heap in use + stacks (go_memstats_heap_inuse_bytes + go_memstats_stack_inuse_bytes): %.1f KB, of it stacks %.1f KB",
		(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse)/n/1024, (after.StackInuse-before.StackInuse)/n/1024)
	say("  Go live heap + stacks (go_memstats_heap_alloc_bytes + go_memstats_stack_inuse_bytes): %.1f KB",
		(after.HeapAlloc+after.StackInuse-before.HeapAlloc-before.StackInuse)/n/1024)
	say("  goroutines: %.0f before, %.0f after (%.2f a socket)", before.Goroutines, after.Goroutines, (after.Goroutines-before.Goroutines)/n)

	// A round unmeasured: each viewer's first sight of each share is
	// audited (a write to the store), which a steady state does not do.
	period := time.Second / time.Duration(o.hz)
	start := time.Now()
	r.rounds(socks, fix, start, 0, 1, period, o.senders)
	for deadline := time.Now().Add(30 * time.Second); r.warm.Load() < int64(perRound); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			say("  the round unmeasured: %d of %d delivered after 30 s (the latencies below may be mismatched)", r.warm.Load(), perRound)
			break
		}
	}
	time.Sleep(500 * time.Millisecond)
	rounds := max(1, int(o.duration/period))
	for i, p := range people {
		if p.sharer {
			r.sends[i] = make([]atomic.Int64, rounds)
		}
	}
	r.recording.Store(true)
	cpu0, err := readCPU(ctx, a, o.urls)
	if err != nil {
		return err
	}
	start = time.Now()
	failed := r.rounds(socks, fix, start, 0, rounds, period, o.senders)
	time.Sleep(time.Second) // the last round's deliveries
	r.recording.Store(false)
	cpu1, _ := readCPU(ctx, a, o.urls)
	elapsed := time.Since(start) - time.Second
	got, errs := r.delivered.Load(), r.errs.Load()
	say("load: %d rounds of a fix from every socket, %v apart, over %v", rounds, period, elapsed.Round(time.Millisecond))
	say("  delivered: %d locations of %d expected (%.1f%%), %.0f a second; %d sends failed; %d error messages",
		got, int64(rounds*perRound), 100*float64(got)/float64(max(1, rounds*perRound)), float64(got)/elapsed.Seconds(), failed, errs)
	wall := (elapsed + time.Second).Seconds()
	say("  CPU: servers %.2f s a second (process_cpu_seconds_total), live-load %.2f s a second (getrusage), of %d",
		(cpu1.server-cpu0.server)/wall, (cpu1.client-cpu0.client)/wall, runtime.NumCPU())
	for e, n := range r.errDetails() {
		say("  %d× error message: %s", n, e)
	}
	if m, err := readMemories(ctx, a, o.urls, 0); err == nil {
		say("  servers under load: resident %.0f MB, goroutines %.0f", m.RSS/(1<<20), m.Goroutines)
	}
	r.ending.Store(true)
	for _, s := range socks {
		if s != nil {
			s.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			s.ws.Close()
		}
	}
	for deadline := time.Now().Add(10 * time.Second); r.open.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.Sort(r.lat)
	if len(r.lat) > 0 {
		say("  latency, a sharer's send to a viewer's receipt (%d timed): p50 %s, p95 %s, p99 %s, max %s",
			len(r.lat), ms(percentile(r.lat, 50)), ms(percentile(r.lat, 95)), ms(percentile(r.lat, 99)), ms(r.lat[len(r.lat)-1]))
	}
	codes := make([]string, 0, len(r.closes))
	for c := range r.closes {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		say("  sockets closed, %s: %d", c, r.closes[c])
	}
	return nil
}
