package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
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

// liveWorld is the server over loopback with real accounts, a store, the
// sharing service and its hub, at a clock the test moves.
type liveWorld struct {
	ts     *httptest.Server
	db     *sqlite.DB
	svc    *share.Service
	hub    *share.Hub
	clock  atomic.Pointer[time.Time]
	tokens map[string]string
	users  map[string]auth.User
	auth   *auth.Service
}

func newLiveWorld(t testing.TB, cfg Config, people map[string]auth.Role) *liveWorld {
	return newLiveWorldOn(t, cfg, people, false)
}

// smallSends is a listener whose connections have a send buffer of a
// few kilobytes (the kernel's autotuning would otherwise buffer
// megabytes for a client that reads nothing).
type smallSends struct{ net.Listener }

func (l smallSends) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// newLiveWorldOn is newLiveWorld, its server's sends small if small.
func newLiveWorldOn(t testing.TB, cfg Config, people map[string]auth.Role, small bool) *liveWorld {
	t.Helper()
	testServer(t) // loads the campus
	w := &liveWorld{tokens: map[string]string{}, users: map[string]auth.User{}}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w.db = db
	now := time.Now()
	w.clock.Store(&now)
	w.auth = auth.New(db, auth.Options{AddressLimit: auth.Limit{N: 1000, Per: time.Minute},
		Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	for name, role := range people {
		w.addPerson(t, name, role)
	}
	w.svc = share.New(campusDeps.Venue, db.DB, share.Options{Now: func() time.Time { return *w.clock.Load() }})
	w.hub = share.NewHub(w.svc, nil, share.HubConfig{Poll: 50 * time.Millisecond, MaxSocketsPerPerson: 8})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.hub.Run(ctx); close(done) }()
	d := campusDeps
	d.Auth, d.Shares, d.Live = w.auth, w.svc, w.hub
	w.ts = httptest.NewUnstartedServer(New(d, cfg).Handler())
	if small {
		w.ts.Listener = smallSends{w.ts.Listener}
	}
	w.ts.Start()
	t.Cleanup(func() { w.ts.Close(); cancel(); <-done })
	return w
}

func (w *liveWorld) addPerson(t testing.TB, name string, role auth.Role) {
	t.Helper()
	email := name + "@example.edu"
	u, err := w.auth.AddUser(context.Background(), email, "correct horse battery", role)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := w.auth.Login(context.Background(), email, "correct horse battery", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	w.tokens[name], w.users[name] = sess.Token, u
}

// call makes a request as name ("" for nobody) and decodes a JSON answer
// into out (nil: none).
func (w *liveWorld) call(t testing.TB, name, method, path, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, w.ts.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if name != "" {
		req.Header.Set("Authorization", "Bearer "+w.tokens[name])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	if resp.StatusCode >= 400 && out != nil {
		t.Logf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// ticket is a socket ticket of name's.
func (w *liveWorld) ticket(t testing.TB, name string) string {
	t.Helper()
	var tk ticketAnswer
	if st := w.call(t, name, "POST", "/api/v1/live/ticket", "", &tk); st != http.StatusCreated {
		t.Fatalf("ticket of %s: %d", name, st)
	}
	return tk.Ticket
}

// wsURL is the socket's address with a ticket.
func (w *liveWorld) wsURL(ticket string) string {
	return "ws" + strings.TrimPrefix(w.ts.URL, "http") + "/api/v1/live?ticket=" + ticket
}

// liveMsg is any message the socket sends.
type liveMsg struct {
	Type      string
	Share     int64
	Person    *share.Person
	Lon, Lat  float64
	Ordinal   *int
	Level     *string
	Building  *string
	Unit      *string
	AccuracyM float64 `json:"accuracy_m"`
	Place     string
	Event     string
	ID        int64 // an alert's
	Field     string
	Detail    string
	At        time.Time `json:"-"` // when it was read
}

// wsClient reads a socket into a channel.
type wsClient struct {
	ws   *websocket.Conn
	msgs chan liveMsg
	code atomic.Int32 // the close code received
	done chan struct{}
}

// dial opens name's socket, reading it unless paused.
func (w *liveWorld) dial(t testing.TB, name string, read bool) *wsClient {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(w.wsURL(w.ticket(t, name)), nil)
	if err != nil {
		t.Fatalf("dial as %s: %v (%v)", name, err, resp)
	}
	c := &wsClient{ws: ws, msgs: make(chan liveMsg, 4096), done: make(chan struct{})}
	t.Cleanup(func() { ws.Close() })
	if read {
		go c.read()
	}
	return c
}

func (c *wsClient) read() {
	defer close(c.done)
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				c.code.Store(int32(ce.Code))
			}
			return
		}
		var m liveMsg
		if json.Unmarshal(b, &m) == nil {
			m.At = time.Now()
			c.msgs <- m
		}
	}
}

// next is the next message of type typ (others skipped) within d.
func (c *wsClient) next(t testing.TB, typ string, d time.Duration) (liveMsg, bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-c.msgs:
			if m.Type == typ {
				return m, true
			}
		case <-deadline:
			return liveMsg{}, false
		}
	}
}

func (c *wsClient) send(t testing.TB, v any) {
	t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		t.Fatal(err)
	}
}

// fixAt is a fix message at unit u's point.
func fixAt(u *geo.Unit) map[string]any {
	return map[string]any{"type": "fix", "lon": u.Display[0], "lat": u.Display[1], "ordinal": u.Level.Ordinal, "accuracy_m": 4}
}

// liveRoom is an office of building ref on its second floor.
func liveRoom(t testing.TB, ref string) *geo.Unit {
	t.Helper()
	for _, u := range campusDeps.Venue.Units {
		if b := u.Level.Building(); b != nil && b.Ref == ref && u.Level.Ordinal == 2 && (u.Category == "office" || u.Category == "room") {
			return u
		}
	}
	t.Fatalf("no room in %s", ref)
	return nil
}

// TestLiveOverHTTP: two sharers and viewers of every kind over real
// HTTP and WebSockets on loopback: each viewer sees as their role may, a
// scan is positioned by the campus engine, a ticket opens one socket
// once, and a revocation reaches the viewers within a second, after
// which nothing more comes.
func TestLiveOverHTTP(t *testing.T) {
	w := newLiveWorld(t, Config{}, map[string]auth.Role{"ann": auth.Student, "bob": auth.Staff, "vic": auth.Visitor,
		"fay": auth.Family, "tom": auth.Tourist})
	var g share.GroupView
	if st := w.call(t, "ann", "POST", "/api/v1/groups", `{"name":"walk"}`, &g); st != http.StatusCreated || g.Code == "" {
		t.Fatalf("group: %d %+v", st, g)
	}
	for _, n := range []string{"bob", "vic", "fay", "tom"} {
		if st := w.call(t, n, "POST", "/api/v1/groups/join", fmt.Sprintf(`{"code":%q}`, strings.ToLower(g.Code)), nil); st != http.StatusOK {
			t.Fatalf("%s joining: %d", n, st)
		}
	}
	var toGroup, toAnn share.View
	if st := w.call(t, "ann", "POST", "/api/v1/shares", fmt.Sprintf(`{"group":%d,"minutes":30}`, g.ID), &toGroup); st != http.StatusCreated || toGroup.Status != share.Active {
		t.Fatalf("share to the group: %d %+v", st, toGroup)
	}
	if st := w.call(t, "bob", "POST", "/api/v1/shares", `{"with":"ann@example.edu"}`, &toAnn); st != http.StatusCreated || toAnn.Status != share.Pending {
		t.Fatalf("share to ann: %d %+v", st, toAnn)
	}
	clients := map[string]*wsClient{}
	for _, n := range []string{"ann", "bob", "vic", "fay", "tom"} {
		clients[n] = w.dial(t, n, true)
	}
	// A ticket opens one socket, once.
	tk := w.ticket(t, "tom")
	if ws, _, err := websocket.DefaultDialer.Dial(w.wsURL(tk), nil); err != nil {
		t.Fatal(err)
	} else {
		ws.Close()
	}
	if _, resp, err := websocket.DefaultDialer.Dial(w.wsURL(tk), nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a ticket used twice: %v %v", err, resp)
	}
	for _, n := range []string{"bob", "vic", "fay", "tom"} {
		if m, ok := clients[n].next(t, share.ShareStarted, time.Second); !ok || m.Share != toGroup.ID {
			t.Fatalf("%s: no share_started of ann's share: %+v", n, m)
		}
	}
	// ann, in C1: staff and family see the room; visitors and tourists
	// see C1 from outside.
	c1 := liveRoom(t, "C1")
	clients["ann"].send(t, fixAt(c1))
	for n, inside := range map[string]bool{"bob": true, "fay": true, "vic": false, "tom": false} {
		m, ok := clients[n].next(t, "location", time.Second)
		if !ok {
			t.Fatalf("%s got no location", n)
		}
		if m.Share != toGroup.ID || m.Person == nil || m.Person.Name != "ann" || m.Building == nil || *m.Building != c1.Level.Building().ID {
			t.Errorf("%s got %+v", n, m)
		}
		if got := m.Ordinal != nil && m.Level != nil && m.Unit != nil; got != inside {
			t.Errorf("%s sees inside C1: %v, want %v (%+v)", n, got, inside, m)
		}
	}
	// bob's share to ann waits for her; then his scans reach her,
	// positioned by the engine.
	if st := w.call(t, "ann", "POST", fmt.Sprintf("/api/v1/shares/%d/accept", toAnn.ID), "", nil); st != http.StatusOK {
		t.Fatalf("accept: %d", st)
	}
	for {
		m, ok := clients["ann"].next(t, share.ShareStarted, time.Second)
		if !ok {
			t.Fatal("ann: no share_started of bob's share")
		}
		if m.Share == toAnn.ID {
			break
		}
	}
	c3 := liveRoom(t, "C3")
	clients["bob"].send(t, map[string]any{"type": "scan", "scans": []json.RawMessage{json.RawMessage(scanAt(t, c3))}})
	m, ok := clients["ann"].next(t, "location", time.Second)
	if !ok || m.Share != toAnn.ID || m.Ordinal == nil || *m.Ordinal != 2 || m.Building == nil || *m.Building != c3.Level.Building().ID {
		t.Errorf("ann got %+v, %v: want bob on C3's second floor", m, ok)
	}
	// A bad message is answered, not fatal.
	clients["bob"].send(t, map[string]any{"type": "fix", "lon": 2.35, "lat": 48.85, "ordinal": 0})
	if m, ok := clients["bob"].next(t, "error", time.Second); !ok || m.Field != "lon" {
		t.Errorf("a fix in Paris: %+v", m)
	}
	// ann ends her share: every viewer is told within a second, and sees
	// nothing more of her.
	start := time.Now()
	if st := w.call(t, "ann", "DELETE", fmt.Sprintf("/api/v1/shares/%d", toGroup.ID), "", nil); st != http.StatusNoContent {
		t.Fatalf("end: %d", st)
	}
	for _, n := range []string{"bob", "vic", "fay", "tom"} {
		m, ok := clients[n].next(t, share.ShareEnded, time.Second)
		if !ok || m.Share != toGroup.ID || m.At.Sub(start) > time.Second {
			t.Errorf("%s: share_ended %v after %v", n, ok, m.At.Sub(start))
		}
	}
	clients["ann"].send(t, fixAt(c1))
	for _, n := range []string{"bob", "vic", "fay", "tom"} {
		if m, ok := clients[n].next(t, "location", 300*time.Millisecond); ok {
			t.Errorf("%s got a location after the end: %+v", n, m)
		}
	}
}

// TestLiveAlertsWhileAway: an alert fires on the viewer's socket with
// its id; the crossings while the viewer's app is closed come when it
// opens the socket again with alerts_after, and only those.
func TestLiveAlertsWhileAway(t *testing.T) {
	w := newLiveWorld(t, Config{}, map[string]auth.Role{"ann": auth.Student, "bob": auth.Staff})
	var sh share.View
	if st := w.call(t, "ann", "POST", "/api/v1/shares", `{"with":"bob@example.edu"}`, &sh); st != http.StatusCreated {
		t.Fatalf("share: %d", st)
	}
	if st := w.call(t, "bob", "POST", fmt.Sprintf("/api/v1/shares/%d/accept", sh.ID), "", nil); st != http.StatusOK {
		t.Fatalf("accept: %d", st)
	}
	if st := w.call(t, "bob", "POST", fmt.Sprintf("/api/v1/shares/%d/alerts", sh.ID), `{"place":"C3","on":"enter"}`, nil); st != http.StatusCreated {
		t.Fatalf("alert: %d", st)
	}
	ann, bob := w.dial(t, "ann", true), w.dial(t, "bob", true)
	c1, c3 := liveRoom(t, "C1"), liveRoom(t, "C3")
	walkIn := func() {
		for _, u := range []*geo.Unit{c1, c1, c3, c3} {
			ann.send(t, fixAt(u))
			time.Sleep(150 * time.Millisecond) // within the socket's rate
		}
	}
	walkIn()
	first, ok := bob.next(t, "alert", 2*time.Second)
	if !ok || first.Share != sh.ID || first.Event != share.Enter || first.ID == 0 {
		t.Fatalf("the alert on arriving: %+v %v", first, ok)
	}
	bob.ws.Close()
	<-bob.done
	walkIn()
	time.Sleep(200 * time.Millisecond)
	ws, resp, err := websocket.DefaultDialer.Dial(w.wsURL(w.ticket(t, "bob"))+fmt.Sprintf("&alerts_after=%d", first.ID), nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	back := &wsClient{ws: ws, msgs: make(chan liveMsg, 64), done: make(chan struct{})}
	t.Cleanup(func() { ws.Close() })
	go back.read()
	m, ok := back.next(t, "alert", time.Second)
	if !ok || m.ID <= first.ID || m.Event != share.Enter {
		t.Fatalf("the alert missed while away: %+v %v", m, ok)
	}
	if m, ok := back.next(t, "alert", 300*time.Millisecond); ok {
		t.Errorf("another alert: %+v", m)
	}
}

// TestLiveSlowViewer: a viewer that reads nothing (through a small
// window) fills its queue and is closed with share.CloseSlow; a viewer
// that reads gets every location, and nobody waits for the slow one.
func TestLiveSlowViewer(t *testing.T) {
	const sharers, rounds = 20, 10
	people := map[string]auth.Role{"slow": auth.Staff, "fast": auth.Student}
	for i := range sharers {
		people[fmt.Sprintf("s%d", i)] = auth.Student
	}
	w := newLiveWorldOn(t, Config{LiveQueue: 32}, people, true)
	for i := range sharers {
		n := fmt.Sprintf("s%d", i)
		for _, to := range []string{"slow", "fast"} {
			var sh share.View
			if st := w.call(t, n, "POST", "/api/v1/shares", fmt.Sprintf(`{"with":"%s@example.edu"}`, to), &sh); st != http.StatusCreated {
				t.Fatalf("share of %s: %d", n, st)
			}
			if st := w.call(t, to, "POST", fmt.Sprintf("/api/v1/shares/%d/accept", sh.ID), "", nil); st != http.StatusOK {
				t.Fatalf("accept: %d", st)
			}
		}
	}
	// The slow viewer reads nothing, through a receive window of a few
	// kilobytes.
	dialer := *websocket.DefaultDialer
	dialer.NetDialContext = (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048) })
		return err
	}}).DialContext
	slowWS, _, err := dialer.Dial(w.wsURL(w.ticket(t, "slow")), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slowWS.Close()
	fast := w.dial(t, "fast", true)
	var socks []*wsClient
	for i := range sharers {
		socks = append(socks, w.dial(t, fmt.Sprintf("s%d", i), true))
	}
	c3 := liveRoom(t, "C3")
	for range rounds {
		for _, c := range socks {
			c.send(t, fixAt(c3))
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := 0
	for got < sharers*rounds {
		if _, ok := fast.next(t, "location", 2*time.Second); !ok {
			break
		}
		got++
	}
	if got != sharers*rounds || fast.code.Load() != 0 {
		t.Errorf("the fast viewer got %d locations, want %d (closed %d)", got, sharers*rounds, fast.code.Load())
	}
	// The slow one now reads: what was written, then the close.
	slow := &wsClient{ws: slowWS, msgs: make(chan liveMsg, 8192), done: make(chan struct{})}
	go slow.read()
	select {
	case <-slow.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow viewer was not closed")
	}
	if code := slow.code.Load(); code != share.CloseSlow {
		t.Errorf("the slow viewer was closed with %d, want %d", code, share.CloseSlow)
	}
}

// TestLiveExpiryAndDisabled: a share whose end passes (the clock moved)
// ends within a second; an account disabled elsewhere has its sockets
// closed within a second, its shares ended.
func TestLiveExpiryAndDisabled(t *testing.T) {
	w := newLiveWorld(t, Config{}, map[string]auth.Role{"ann": auth.Student, "bob": auth.Family, "cat": auth.Staff})
	var sh share.View
	w.call(t, "ann", "POST", "/api/v1/shares", `{"with":"bob@example.edu","minutes":5}`, &sh)
	w.call(t, "bob", "POST", fmt.Sprintf("/api/v1/shares/%d/accept", sh.ID), "", nil)
	var toCat share.View
	w.call(t, "ann", "POST", "/api/v1/shares", `{"with":"cat@example.edu","minutes":60}`, &toCat)
	w.call(t, "cat", "POST", fmt.Sprintf("/api/v1/shares/%d/accept", toCat.ID), "", nil)
	ann, bob, cat := w.dial(t, "ann", true), w.dial(t, "bob", true), w.dial(t, "cat", true)
	ann.send(t, fixAt(liveRoom(t, "C3")))
	if _, ok := bob.next(t, "location", time.Second); !ok {
		t.Fatal("bob got no location")
	}
	later := w.clock.Load().Add(6 * time.Minute)
	w.clock.Store(&later)
	start := time.Now()
	if m, ok := bob.next(t, share.ShareEnded, time.Second); !ok || m.Share != sh.ID {
		t.Fatalf("no share_ended within 1 s of the end (%v)", time.Since(start))
	}
	if _, ok := cat.next(t, "location", time.Second); !ok {
		t.Fatal("cat got no location")
	}
	start = time.Now()
	if err := w.auth.Disable(context.Background(), "ann@example.edu"); err != nil {
		t.Fatal(err)
	}
	if m, ok := cat.next(t, share.ShareEnded, time.Second); !ok || m.Share != toCat.ID {
		t.Errorf("cat: no share_ended within 1 s of ann's account disabled")
	}
	select {
	case <-ann.done:
		if ann.code.Load() != share.CloseDisabled {
			t.Errorf("ann's socket closed with %d, want %d", ann.code.Load(), share.CloseDisabled)
		}
	case <-time.After(time.Second):
		t.Error("ann's socket still open 1 s after her account was disabled")
	}
	_ = start
}

// TestLiveDeadSocket: a socket that answers no ping is closed within
// two pings and a quarter.
func TestLiveDeadSocket(t *testing.T) {
	w := newLiveWorld(t, Config{LivePing: 50 * time.Millisecond}, map[string]auth.Role{"ann": auth.Student})
	// A client that never reads never answers a ping.
	ws, _, err := websocket.DefaultDialer.Dial(w.wsURL(w.ticket(t, "ann")), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	deadline := time.Now().Add(time.Second)
	for w.hub.Clients() != 0 || time.Now().Before(deadline.Add(-900*time.Millisecond)) {
		if time.Now().After(deadline) {
			t.Fatalf("a dead socket still attached after 1 s (ping every 50 ms)")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A live one (reading answers pings) stays.
	live := w.dial(t, "ann", true)
	time.Sleep(400 * time.Millisecond)
	if w.hub.Clients() != 1 || live.code.Load() != 0 {
		t.Errorf("a live socket: %d clients, closed %d", w.hub.Clients(), live.code.Load())
	}
}
