package web

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	json "github.com/goccy/go-json"
	"github.com/gorilla/websocket"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/sqlite"
)

// benchLive is a server over loopback with n people in groups of 2 to
// 10, each sharing with their group (every member a sharer and a
// viewer), and the sharing service's hub running.
type benchLive struct {
	db    *sqlite.DB
	ts    *httptest.Server
	svc   *share.Service
	hub   *share.Hub
	users []auth.User
	group []int // each user's group's size
}

func newBenchLive(b *testing.B, n int, cfg Config) *benchLive {
	b.Helper()
	testServer(b) // loads the campus
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "campus.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	bl := &benchLive{db: db}
	bl.svc = share.New(campusDeps.Venue, db.DB, share.Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	for len(bl.users) < n {
		size := min(2+rng.IntN(9), n-len(bl.users))
		if size < 2 && len(bl.users) > 0 {
			size = 2 // the last one joins a pair: its group is its own
		}
		var g share.GroupView
		first := len(bl.users)
		for i := range size {
			u, err := db.CreateUser(ctx, auth.User{Email: fmt.Sprintf("u%d@example.edu", len(bl.users)), Role: auth.Student}, "x")
			if err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				if g, err = bl.svc.NewGroup(ctx, u, "g"); err != nil {
					b.Fatal(err)
				}
			} else if _, err := bl.svc.Join(ctx, u, g.Code); err != nil {
				b.Fatal(err)
			}
			bl.users = append(bl.users, u)
		}
		for i := first; i < len(bl.users); i++ {
			bl.group = append(bl.group, size)
			if _, err := bl.svc.Create(ctx, bl.users[i], share.Request{Group: g.ID, Minutes: share.MaxMinutes}); err != nil {
				b.Fatal(err)
			}
		}
	}
	bl.users, bl.group = bl.users[:n], bl.group[:n]
	bl.hub = share.NewHub(bl.svc, nil, share.HubConfig{MaxSockets: 2 * n})
	hctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { bl.hub.Run(hctx); close(done) }()
	d := campusDeps
	d.Auth, d.Shares, d.Live = fakeAuth{}, bl.svc, bl.hub
	bl.ts = httptest.NewServer(New(d, cfg).Handler())
	b.Cleanup(func() { bl.ts.Close(); cancel(); <-done })
	return bl
}

// url is a socket's address for user i, with a fresh ticket.
func (bl *benchLive) url(b *testing.B, i int) string {
	t, _, err := bl.svc.NewTicket(context.Background(), bl.users[i])
	if err != nil {
		b.Fatal(err)
	}
	return "ws" + strings.TrimPrefix(bl.ts.URL, "http") + "/api/v1/live?ticket=" + t
}

// BenchmarkLiveFanout: sockets over loopback, in groups of 2 to 10 where
// everyone shares with their group; each op is one round in which every
// socket sends a fix, rounds paced at hz a second. It reports the
// locations delivered a second, the p50 and p99 from a sharer's send to
// a viewer's receipt, and the process's CPU time per thousand
// deliveries (user+system, getrusage: server and clients together, both
// in this process), in a steady state: after a first round, unmeasured,
// whose first sights are audited.
func BenchmarkLiveFanout(b *testing.B) {
	for _, n := range []int{1000} {
		for _, hz := range []int{1, 5} {
			b.Run(fmt.Sprintf("sockets=%d/hz=%d", n, hz), func(b *testing.B) { benchFanout(b, n, hz) })
		}
	}
}

func benchFanout(b *testing.B, n, hz int) {
	bl := newBenchLive(b, n, Config{LiveRate: 10 * hz, LiveQueue: DefaultLiveQueue})
	u := liveRoomB(b, "C3")
	fix, _ := json.Marshal(fixAt(u))
	sent := make([]atomic.Int64, n) // by user: when its last fix was sent, ns
	index := map[int64]int{}
	for i, us := range bl.users {
		index[us.ID] = i
	}
	var (
		mu        sync.Mutex
		lat       []time.Duration
		delivered atomic.Int64
		closed    atomic.Int64
		recording atomic.Bool
	)
	conns := make([]*websocket.Conn, n)
	var readers sync.WaitGroup
	for i := range n {
		ws, _, err := websocket.DefaultDialer.Dial(bl.url(b, i), nil)
		if err != nil {
			b.Fatalf("socket %d: %v", i, err)
		}
		conns[i] = ws
		readers.Go(func() {
			var m struct {
				Type   string
				Person struct{ ID int64 }
			}
			var mine []time.Duration
			defer func() {
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
			for {
				_, data, err := ws.ReadMessage()
				if err != nil {
					if websocket.IsCloseError(err, share.CloseSlow) {
						closed.Add(1)
					}
					return
				}
				if json.Unmarshal(data, &m) != nil || m.Type != "location" || !recording.Load() {
					continue
				}
				if at := sent[index[m.Person.ID]].Load(); at != 0 {
					mine = append(mine, time.Duration(time.Now().UnixNano()-at))
				}
				delivered.Add(1)
			}
		})
	}
	for bl.hub.Clients() < n {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // the share_started of all
	const senders = 8
	period := time.Second / time.Duration(hz)
	round := func(start time.Time, r int) {
		var wg sync.WaitGroup
		for s := range senders {
			wg.Go(func() {
				// Spread over the period: socket i sends at its slot.
				for i := s; i < n; i += senders {
					slot := start.Add(time.Duration(r)*period + period*time.Duration(i)/time.Duration(n))
					time.Sleep(time.Until(slot))
					sent[i].Store(time.Now().UnixNano())
					conns[i].WriteMessage(websocket.TextMessage, fix)
				}
			})
		}
		wg.Wait()
		time.Sleep(time.Until(start.Add(time.Duration(r+1) * period)))
	}
	// A round unmeasured: each viewer's first sight of each share is
	// audited (a write to the store, once per share per viewer), which
	// a steady state does not do.
	round(time.Now(), 0)
	want := 0
	for _, g := range bl.group {
		want += g - 1
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var seen int
		if err := bl.db.DB.SQL().QueryRow("SELECT count(*) FROM share_views").Scan(&seen); err != nil {
			b.Fatal(err)
		}
		if seen == want {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d sights audited of %d", seen, want)
		}
	}
	time.Sleep(100 * time.Millisecond)
	recording.Store(true)
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.ResetTimer()
	start := time.Now()
	for r := range b.N {
		round(start, r)
	}
	time.Sleep(200 * time.Millisecond) // the last round's deliveries
	elapsed := time.Since(start)
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	for _, ws := range conns {
		ws.Close()
	}
	readers.Wait()
	slices.Sort(lat)
	got := delivered.Load()
	if got < int64(b.N*want)*99/100 {
		b.Errorf("%d locations delivered of %d", got, b.N*want)
	}
	if closed.Load() > 0 {
		b.Errorf("%d viewers closed as slow", closed.Load())
	}
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
	b.ReportMetric(float64(got)/elapsed.Seconds(), "msgs/s")
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
	}
	b.ReportMetric(cpu.Seconds()*1000/float64(max(got, 1))*1000, "cpu_ms/1k_msgs")
}

// liveRoomB is liveRoom for a benchmark.
func liveRoomB(b *testing.B, ref string) *geo.Unit {
	for _, u := range campusDeps.Venue.Units {
		if bd := u.Level.Building(); bd != nil && bd.Ref == ref && u.Level.Ordinal == 2 && (u.Category == "office" || u.Category == "room") {
			return u
		}
	}
	b.Fatalf("no room in %s", ref)
	return nil
}

// BenchmarkLiveIdleSocket opens n idle sockets, then n more, and
// reports the server's memory per socket: the process's heap in use plus
// goroutine stacks (runtime.MemStats HeapInuse + StackInuse, after a GC,
// before and after opening them), divided by n: B/socket for the first
// n, from the heap the campus and the set-up left, and nextB/socket for
// the next n, what one more socket costs once the heap has grown (the
// spans the first n left part-filled take some of the next's objects);
// of the first, the stacks (stackB/socket), and the live objects and
// stacks without the heap's fragmentation (HeapAlloc + StackInuse:
// liveB/socket, nextLiveB/socket). The clients are in the same process,
// but each is only a *net.TCPConn that did the WebSocket handshake by
// hand (no goroutine, no buffer kept: a few hundred bytes), so the
// figure is the server's cost, a little over.
func BenchmarkLiveIdleSocket(b *testing.B) {
	const n = 1000
	bl := newBenchLive(b, 2*n, Config{})
	addr := strings.TrimPrefix(bl.ts.URL, "http://")
	read := func() runtime.MemStats {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m
	}
	perSocket := func(before, after runtime.MemStats) (inuse, live, stack float64) {
		return (float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)) / n,
			(float64(after.HeapAlloc+after.StackInuse) - float64(before.HeapAlloc+before.StackInuse)) / n,
			(float64(after.StackInuse) - float64(before.StackInuse)) / n
	}
	for range b.N {
		conns := make([]net.Conn, 0, 2*n)
		open := func(from int) {
			for i := from; i < from+n; i++ {
				c, err := rawHandshake(addr, bl.url(b, i))
				if err != nil {
					b.Fatal(err)
				}
				conns = append(conns, c)
			}
			for bl.hub.Clients() < from+n {
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond)
		}
		m0 := read()
		open(0)
		m1 := read()
		open(n)
		m2 := read()
		inuse, live, stack := perSocket(m0, m1)
		b.ReportMetric(inuse, "B/socket")
		b.ReportMetric(stack, "stackB/socket")
		b.ReportMetric(live, "liveB/socket")
		inuse, live, _ = perSocket(m1, m2)
		b.ReportMetric(inuse, "nextB/socket")
		b.ReportMetric(live, "nextLiveB/socket")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
		for _, c := range conns {
			c.Close()
		}
		for bl.hub.Clients() > 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// rawHandshake opens a WebSocket to url by hand over a bare TCP
// connection, and returns the connection once upgraded.
func rawHandshake(addr, url string) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	path := url[strings.Index(url, "/api/"):]
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	return c, nil
}
