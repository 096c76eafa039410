package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/postgres/pgtest"
	"github.com/campusnav/engine/services/share/natsbus/natstest"
)

var liveSamples = flag.Int("live-samples", 200, "TestLiveReplicas: locations timed from a sharer on A to a viewer on B")

// natsURL is a NATS server for a test: the one at 127.0.0.1:4222 (CI
// runs one), else one started in this process; and a subject prefix of
// the test's own, so that tests sharing a server do not hear each other.
func natsURL(t *testing.T) (url, prefix string) {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	prefix = "test" + hex.EncodeToString(b) + ".live"
	if c, err := net.DialTimeout("tcp", "127.0.0.1:4222", 300*time.Millisecond); err == nil {
		c.Close()
		return "nats://127.0.0.1:4222", prefix
	}
	t.Log("no NATS server at 127.0.0.1:4222: starting one in the test")
	return natstest.Start(t, -1).ClientURL(), prefix
}

// liveSocket is a live socket of token's person on the replica at base.
func liveSocket(t *testing.T, base, token string) *websocket.Conn {
	t.Helper()
	code, b := do(t, "POST", base+"/api/v1/live/ticket", token, "")
	var tk struct{ Ticket string }
	if json.Unmarshal(b, &tk); code != 201 {
		t.Fatalf("ticket: %d %s", code, b)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/api/v1/live?ticket="+tk.Ticket, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// liveMsg is what the tests read of a live message.
type liveMsg struct {
	Type         string
	Share        int64
	Lon          float64
	Place, Event string
}

// metric is the value of a counter /metrics of base shows, by its
// name and labels as written there.
func metric(t *testing.T, base, series string) float64 {
	t.Helper()
	code, b := do(t, "GET", base+"/metrics", "", "")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return -1
}

// TestLiveReplicas runs two campusd replicas on one PostgreSQL and one
// NATS server: sharers' sockets on A, their viewer's on B. The viewer
// connecting to B, which has only heard the sharers on the bus, is sent
// the last location at once; B receives A's locations (their latency
// logged: -live-samples=N for more); the viewer reconnecting to B gets
// the last location at once; an arrival alert the viewer set on B fires
// on A and is told on B; a revocation on A ends the view on B within 1 s.
func TestLiveReplicas(t *testing.T) {
	dbURL := pgtest.URL()
	if dbURL == "" {
		t.Skip("set CAMPUS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run two campusd replicas on one PostgreSQL and NATS")
	}
	if testing.Short() {
		t.Skip("builds and runs two servers")
	}
	nurl, prefix := natsURL(t)
	bin := filepath.Join(t.TempDir(), "campusd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	schemaURL := pgtest.SchemaOf(t, dbURL)
	db, err := postgres.Open(t.Context(), schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	// Four sharers with three sockets each (a socket sends at most 5
	// messages a second: twelve give the samples quickly), and their
	// viewer.
	const password, sharers, perSharer = "correct horse battery", 4, 3
	accounts := auth.New(db, auth.Options{})
	for i := range sharers {
		if _, err := accounts.AddUser(t.Context(), fmt.Sprintf("s%d@connect.hkust-gz.edu.cn", i), password, auth.Student); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := accounts.AddUser(t.Context(), "bob@hkust-gz.edu.cn", password, auth.Staff); err != nil {
		t.Fatal(err)
	}
	db.Close()
	env := []string{"CAMPUS_DATABASE_URL=" + schemaURL, "CAMPUS_NATS_URL=" + nurl, "CAMPUS_NATS_PREFIX=" + prefix}
	a, b := startReplica(t, "A", bin, env), startReplica(t, "B", bin, env)
	a.wait(t)
	b.wait(t)
	defer func() {
		if t.Failed() {
			for _, r := range []*replica{a, b} {
				r.mu.Lock()
				t.Logf("replica %s logged:\n%s", r.name, r.log.String())
				r.mu.Unlock()
			}
		}
	}()

	bob := login(t, b.base, "bob@hkust-gz.edu.cn", password)
	tokens, shares := make([]string, sharers), make([]int64, sharers)
	byShare := map[int64]int{}
	for i := range sharers {
		tokens[i] = login(t, a.base, fmt.Sprintf("s%d@connect.hkust-gz.edu.cn", i), password)
		code, body := do(t, "POST", a.base+"/api/v1/shares", tokens[i], `{"with":"bob@hkust-gz.edu.cn","minutes":10}`)
		var sh struct{ ID int64 }
		if json.Unmarshal(body, &sh); code != 201 {
			t.Fatalf("share on A: %d %s", code, body)
		}
		if code, body := do(t, "POST", fmt.Sprintf("%s/api/v1/shares/%d/accept", b.base, sh.ID), bob, ""); code != 200 {
			t.Fatalf("accept on B: %d %s", code, body)
		}
		shares[i], byShare[sh.ID] = sh.ID, i
	}
	// Socket j is sharer j%sharers's.
	sockets := make([]*websocket.Conn, sharers*perSharer)
	for j := range sockets {
		sockets[j] = liveSocket(t, a.base, tokens[j%sharers])
	}
	const lon0, lat, step = 113.4786, 22.8955, 1e-6
	fix := func(j int, lon float64) {
		t.Helper()
		if err := sockets[j].WriteJSON(map[string]any{"type": "fix", "lon": lon, "lat": lat, "ordinal": 0, "accuracy_m": 5}); err != nil {
			t.Fatal(err)
		}
	}
	// readUntil reads ws until done says so, for at most d.
	readUntil := func(ws *websocket.Conn, d time.Duration, done func(liveMsg) bool) bool {
		ws.SetReadDeadline(time.Now().Add(d))
		for {
			var m liveMsg
			if err := ws.ReadJSON(&m); err != nil {
				return false
			}
			if done(m) {
				return true
			}
		}
	}

	t.Run("a viewer connecting to B is sent the location heard only there", func(t *testing.T) {
		const in = `campus_live_bus_messages_total{direction="in"}`
		before := metric(t, b.base, in) // the changes A published, creating shares
		fix(0, lon0)
		deadline := time.Now().Add(5 * time.Second)
		for metric(t, b.base, in) <= before {
			if time.Now().After(deadline) {
				t.Fatal("B heard nothing on the bus within 5 s")
			}
			time.Sleep(10 * time.Millisecond)
		}
		ws := liveSocket(t, b.base, bob)
		started, located := 0, 0
		readUntil(ws, time.Second, func(m liveMsg) bool {
			switch {
			case m.Type == "share_started":
				started++
			case m.Type == "location" && m.Share == shares[0] && math.Abs(m.Lon-lon0) < 1e-9:
				located++
			}
			return started == sharers && located == 1
		})
		if started != sharers || located != 1 {
			t.Errorf("bob connecting to B was told %d shares started and sent s0's last location %d times, want %d and once, at once", started, located, sharers)
		}
		ws.Close()
	})

	t.Run("B receives A's locations", func(t *testing.T) {
		ws := liveSocket(t, b.base, bob)
		n := *liveSamples
		sent := make([]time.Time, n)
		var mu sync.Mutex
		go func() {
			tick := time.NewTicker(25 * time.Millisecond) // 3.3 a second a socket
			defer tick.Stop()
			for k := range n {
				<-tick.C
				mu.Lock()
				sent[k] = time.Now()
				mu.Unlock()
				fix(k%len(sockets), lon0+float64(k+1)*step)
			}
		}()
		var lat []time.Duration
		readUntil(ws, time.Duration(n)*25*time.Millisecond+5*time.Second, func(m liveMsg) bool {
			if m.Type != "location" {
				return false
			}
			k := int(math.Round((m.Lon-lon0)/step)) - 1
			if k < 0 || k >= n || byShare[m.Share] != k%sharers {
				return false
			}
			mu.Lock()
			lat = append(lat, time.Since(sent[k]))
			mu.Unlock()
			return len(lat) == n
		})
		if len(lat) != n {
			t.Fatalf("bob on B received %d of %d locations sent on A", len(lat), n)
		}
		slices.Sort(lat)
		t.Logf("sharer on A -> viewer on B, %d locations: p50 %v, p99 %v, max %v", n, lat[n/2], lat[n*99/100], lat[n-1])
		ws.Close()
	})

	t.Run("the viewer reconnecting to B gets the last location at once", func(t *testing.T) {
		ws := liveSocket(t, b.base, bob)
		lonZ := lon0 - 5*step
		fix(0, lonZ)
		if !readUntil(ws, 2*time.Second, func(m liveMsg) bool { return m.Type == "location" && math.Abs(m.Lon-lonZ) < 1e-9 }) {
			t.Fatal("no location on B")
		}
		ws.Close()
		ws = liveSocket(t, b.base, bob)
		if !readUntil(ws, time.Second, func(m liveMsg) bool {
			return m.Type == "location" && m.Share == shares[0]
		}) {
			t.Fatal("bob reconnecting to B was not sent s0's last location at once")
		}
	})

	t.Run("an alert fired on A, where the sharer is, reaches the viewer on B", func(t *testing.T) {
		v, err := geo.Load(venue)
		if err != nil {
			t.Fatal(err)
		}
		var room *geo.Unit
		for _, u := range v.Units {
			if b := u.Level.Building(); b != nil && b.Ref == "C3" && u.Level.Ordinal >= 1 && (u.Category == "room" || u.Category == "office") {
				room = u
				break
			}
		}
		if room == nil {
			t.Fatal("no room in C3")
		}
		code, body := do(t, "POST", fmt.Sprintf("%s/api/v1/shares/%d/alerts", b.base, shares[2]), bob, `{"place":"C3","on":"enter"}`)
		if code != 201 {
			t.Fatalf("alert on B: %d %s", code, body)
		}
		ws := liveSocket(t, b.base, bob)
		started := 0
		if !readUntil(ws, time.Second, func(m liveMsg) bool { started += b2i(m.Type == "share_started"); return started == sharers }) {
			t.Fatal("bob connecting to B was not told every share")
		}
		fix(2, lon0) // outside C3
		if !readUntil(ws, 2*time.Second, func(m liveMsg) bool { return m.Type == "location" && m.Share == shares[2] }) {
			t.Fatal("no location of s2 on B")
		}
		// A learns of the alert set on B from the change log (told over
		// NATS, or at its next poll): until it has, a crossing sets the
		// alert's first side and fires nothing. So s2 walks out and in
		// again until the alert comes, for a few seconds at most.
		var got liveMsg
		alerted := false
		for round := 0; round < 5 && !alerted; round++ {
			fix(2, lon0)
			fix(2, lon0)
			for range 2 { // in C3, twice (the alerts' hysteresis)
				if err := sockets[2].WriteJSON(map[string]any{"type": "fix", "lon": room.Display[0], "lat": room.Display[1], "ordinal": room.Level.Ordinal, "accuracy_m": 3}); err != nil {
					t.Fatal(err)
				}
			}
			alerted = readUntil(ws, time.Second, func(m liveMsg) bool { got = m; return m.Type == "alert" })
		}
		if !alerted {
			t.Fatal("no alert on B of s2 entering C3")
		}
		if got.Share != shares[2] || got.Place != room.Level.Building().ID || got.Event != "enter" {
			t.Errorf("the alert on B: %+v, want s2 entering C3", got)
		}
		ws.Close()
	})

	t.Run("a revocation on A ends the view on B within 1 s", func(t *testing.T) {
		ws := liveSocket(t, b.base, bob)
		started := 0 // what connecting tells first (a read's timeout would break the socket)
		if !readUntil(ws, time.Second, func(m liveMsg) bool { started += b2i(m.Type == "share_started"); return started == sharers }) {
			t.Fatal("bob connecting to B was not told every share")
		}
		start := time.Now()
		if code, body := do(t, "DELETE", fmt.Sprintf("%s/api/v1/shares/%d", a.base, shares[1]), tokens[1], ""); code != 204 {
			t.Fatalf("revoke on A: %d %s", code, body)
		}
		if !readUntil(ws, 2*time.Second, func(m liveMsg) bool { return m.Type == "share_ended" && m.Share == shares[1] }) {
			t.Fatal("no share_ended on B")
		}
		took := time.Since(start)
		t.Logf("revocation on A -> share_ended on B: %v", took)
		if took > time.Second {
			t.Errorf("share_ended on B %v after the revocation on A, want within 1 s", took)
		}
	})

	for _, r := range []*replica{a, b} {
		if code, body := do(t, "GET", r.base+"/readyz", "", ""); code != 200 {
			t.Errorf("readyz of %s: %d %s", r.name, code, body)
		}
	}
	if out := metric(t, a.base, `campus_live_bus_messages_total{direction="out"}`); out < float64(*liveSamples) {
		t.Errorf("A published %v messages on the bus, want at least %d", out, *liveSamples)
	}
}

// TestNATSConfig: the NATS settings, from flags or the environment,
// checked at start; a server that does not answer stops campusd with an
// error naming the setting; /readyz says when NATS is away.
func TestNATSConfig(t *testing.T) {
	parse := func(args []string, env map[string]string) (*Main, error) {
		m := NewMain(io.Discard)
		return m, m.ParseFlags(append([]string{"--venue", venue}, args...), func(k string) string { return env[k] })
	}
	m, err := parse([]string{"--nats-url", "nats://a:4222"}, map[string]string{"CAMPUS_NATS_URL": "nats://n1:4222, nats://n2:4222", "CAMPUS_NATS_PREFIX": "hkust-gz.live"})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config; c.NATSURL != "nats://n1:4222, nats://n2:4222" || c.NATSPrefix != "hkust-gz.live" {
		t.Errorf("from the environment: %q %q", c.NATSURL, c.NATSPrefix)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--nats-url", "127.0.0.1:4222"}, "nats-url"},
		{[]string{"--nats-url", "http://127.0.0.1:4222"}, "nats-url"},
		{[]string{"--nats-url", "nats://u:hunter22@/x"}, "nats-url"},
		{[]string{"--nats-url", "nats://127.0.0.1:4222", "--nats-prefix", "campus.*"}, "nats-prefix"},
	} {
		_, err := parse(c.args, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "hunter22") {
			t.Errorf("%v: %v, want an error naming %s (and no password)", c.args, err, c.want)
		}
	}

	t.Run("no NATS server answering", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		m, err := parse([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--nats-url", "nats://" + addr}, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = m.Run(t.Context())
		if err == nil {
			m.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "nats-url") || !strings.Contains(err.Error(), addr) {
			t.Errorf("Run with no NATS server: %v, want an error naming nats-url and %s", err, addr)
		}
	})

	t.Run("readyz while NATS is away", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		srv := natstest.Start(t, port)
		m, err := parse([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--nats-url", srv.ClientURL()}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		base := "http://" + m.Addr.String()
		ready := func() int {
			resp, err := http.Get(base + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := ready(); got != 200 {
			t.Fatalf("readyz with NATS: %d", got)
		}
		srv.Shutdown()
		eventuallyStatus(t, "readyz with NATS away", ready, 503)
		natstest.Start(t, port)
		eventuallyStatus(t, "readyz with NATS back", ready, 200)
	})
}

// eventuallyStatus waits up to 5 s for get to answer want.
func eventuallyStatus(t *testing.T, what string, get func() int, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := get()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d, want %d", what, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
