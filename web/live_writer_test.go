package web

import (
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/share"
)

// TestLiveFirstMessagesFirst: a viewer that connects while a sharer
// sends gets the share's snapshot (share_started) before any location,
// each time, and the locations the hub queued meanwhile after it (the
// writer starts once the first messages are written: a writer started
// before would write beside them, which the socket does not allow).
func TestLiveFirstMessagesFirst(t *testing.T) {
	w := newLiveWorld(t, Config{LiveRate: 1000}, map[string]auth.Role{"ann": auth.Student, "bob": auth.Staff})
	var sh share.View
	w.call(t, "ann", "POST", "/api/v1/shares", `{"with":"bob@example.edu"}`, &sh)
	if st := w.call(t, "bob", "POST", fmt.Sprintf("/api/v1/shares/%d/accept", sh.ID), "", nil); st != http.StatusOK {
		t.Fatalf("accept: %d", st)
	}
	ann := w.dial(t, "ann", true)
	fix := fixAt(liveRoom(t, "C3"))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				ann.send(t, fix)
			}
		}
	})
	defer func() { close(stop); wg.Wait() }()
	for i := range 20 {
		bob := w.dial(t, "bob", true)
		select {
		case m := <-bob.msgs:
			if m.Type != share.ShareStarted {
				t.Fatalf("socket %d: first %q, want %s", i, m.Type, share.ShareStarted)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("socket %d: nothing", i)
		}
		if _, ok := bob.next(t, "location", 2*time.Second); !ok {
			t.Fatalf("socket %d: no location", i)
		}
		bob.ws.Close()
		<-bob.done
	}
}

// TestLiveIdleGoroutines: an idle socket costs the server one goroutine
// (its reader): none writes while there is nothing to write, and the
// pings come from one for all, which stops when the last socket goes.
// The clients here read, a goroutine each: two a socket in all, where a
// writer of each socket's own would make three.
func TestLiveIdleGoroutines(t *testing.T) {
	const n = 40
	people := map[string]auth.Role{}
	for i := range n {
		people[fmt.Sprintf("p%d", i)] = auth.Student
	}
	w := newLiveWorld(t, Config{LivePing: 400 * time.Millisecond}, people)
	// Goroutines are counted with no HTTP connection open (they have
	// goroutines of their own, each side).
	settle := func() int {
		w.ts.CloseClientConnections()
		time.Sleep(150 * time.Millisecond)
		return runtime.NumGoroutine()
	}
	before := settle()
	var socks []*wsClient
	for i := range n {
		socks = append(socks, w.dial(t, fmt.Sprintf("p%d", i), true))
	}
	// Pinged (every 400 ms, in rounds of 50 ms), answering: they stay.
	time.Sleep(time.Second)
	if got := w.hub.Clients(); got != n {
		t.Fatalf("%d sockets attached, want %d", got, n)
	}
	if d := settle() - before; d > 2*n+n/4 {
		t.Errorf("%d idle sockets: %d more goroutines, want about %d (a reader each side, the pinger)", n, d, 2*n+1)
	}
	for _, c := range socks {
		c.ws.Close()
		<-c.done
	}
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if settle() <= before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("2 s after the sockets closed, %d goroutines, %d before them", runtime.NumGoroutine(), before)
		}
	}
}
