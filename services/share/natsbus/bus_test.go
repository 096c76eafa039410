package natsbus_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/campusnav/engine/services/share/natsbus/natstest"
	"github.com/nats-io/nats.go"

	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/share/natsbus"
)

// syncBuffer is a log that tests read while the bus writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// open opens a bus on srv with prefix, closed when the test ends.
func open(t testing.TB, srv *server.Server, prefix string, tune ...func(*natsbus.Config)) (*natsbus.Bus, *syncBuffer) {
	t.Helper()
	log := &syncBuffer{}
	cfg := natsbus.Config{URL: srv.ClientURL(), Prefix: prefix, ReconnectWait: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(log, nil))}
	for _, f := range tune {
		f(&cfg)
	}
	b, err := natsbus.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, log
}

// inbox keeps what a bus delivers.
type inbox struct {
	mu   sync.Mutex
	msgs []share.Message
}

func (in *inbox) take(m share.Message) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.msgs = append(in.msgs, m)
}

func (in *inbox) all() []share.Message {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]share.Message(nil), in.msgs...)
}

// sharerCount counts the locations of sharer.
func (in *inbox) sharerCount(sharer int64) int {
	n := 0
	for _, m := range in.all() {
		if m.Kind == share.KindLocation && m.Location.Sharer == sharer {
			n++
		}
	}
	return n
}

func subscribe(b *natsbus.Bus) *inbox {
	in := &inbox{}
	b.Subscribe(in.take)
	return in
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func located(sharer int64) *share.Located {
	return &share.Located{Sharer: sharer, Lon: 113.4786, Lat: 22.8955, Ordinal: 3, Level: "5b1ac2f4-level-c3-3f", AccuracyM: 4.5,
		T: time.Date(2026, 12, 9, 10, 0, 0, 123456789, time.UTC)}
}

// TestCrosses: a location, an alert and a change published on one bus
// arrive on another, as they were; a bus of another prefix on the same
// server hears none.
func TestCrosses(t *testing.T) {
	srv := natstest.Start(t, -1)
	a, _ := open(t, srv, "campus.live")
	b, _ := open(t, srv, "campus.live")
	other, _ := open(t, srv, "other-campus.live")
	bIn, otherIn := subscribe(b), subscribe(other)
	want := located(7)
	a.Publish(share.Message{Kind: share.KindLocation, Location: want})
	alert := &share.AlertEvent{ID: 9, AlertID: 4, ShareID: 7, ViewerID: 3, Place: "C3", Event: share.Enter, At: want.T}
	a.Publish(share.Message{Kind: share.KindAlert, Alert: alert})
	a.Publish(share.Message{Kind: share.KindChanged})
	// A subject, a subscription each: the kinds keep no order between
	// them (they need none).
	eventually(t, "all three on B", func() bool { return len(bIn.all()) == 3 })
	kinds := map[string]share.Message{}
	for _, m := range bIn.all() {
		kinds[m.Kind] = m
	}
	if len(kinds) != 3 || kinds[share.KindLocation].Location == nil || kinds[share.KindAlert].Alert == nil {
		t.Fatalf("B got %+v, want a location, an alert and a change", bIn.all())
	}
	if got := *kinds[share.KindAlert].Alert; got.ID != 9 || got.AlertID != 4 || got.ShareID != 7 || got.ViewerID != 3 || got.Place != "C3" || got.Event != share.Enter || !got.At.Equal(alert.At) {
		t.Errorf("B got the alert %+v, want %+v", got, *alert)
	}
	got := *kinds[share.KindLocation].Location
	if !got.T.Equal(want.T) || got.Sharer != want.Sharer || got.Lon != want.Lon || got.Lat != want.Lat ||
		got.Ordinal != want.Ordinal || got.Level != want.Level || got.AccuracyM != want.AccuracyM {
		t.Errorf("B got %+v, want %+v", got, *want)
	}
	// The other campus's marker arrives after anything of ours would
	// have: one server, and flushed in turn.
	other.Publish(share.Message{Kind: share.KindLocation, Location: located(99)})
	b.Publish(share.Message{Kind: share.KindLocation, Location: located(98)})
	eventually(t, "B's own marker", func() bool { return bIn.sharerCount(98) == 1 })
	if n := len(otherIn.all()); n != 1 {
		t.Errorf("the bus of another prefix got %d messages, want its own one", n)
	}
	if s := a.Stats(); s.Out != 3 || s.In != 0 {
		t.Errorf("A's stats %+v, want 3 out, 0 in", s)
	}
}

// TestOwnOnce: what a bus publishes reaches its own subscribers once, at
// once (not echoed back by the server).
func TestOwnOnce(t *testing.T) {
	srv := natstest.Start(t, -1)
	a, _ := open(t, srv, "campus.live")
	b, _ := open(t, srv, "campus.live")
	aIn := subscribe(a)
	a.Publish(share.Message{Kind: share.KindLocation, Location: located(1)})
	if n := aIn.sharerCount(1); n != 1 {
		t.Fatalf("A's own location reached A %d times at once, want 1", n)
	}
	// B's message is read after A's on A's connection: an echo of A's
	// would come first.
	if err := flush(a); err != nil {
		t.Fatal(err)
	}
	b.Publish(share.Message{Kind: share.KindLocation, Location: located(2)})
	eventually(t, "B's location on A", func() bool { return aIn.sharerCount(2) == 1 })
	if n := aIn.sharerCount(1); n != 1 {
		t.Errorf("A's own location reached A %d times, want once", n)
	}
}

// flush waits for the server to have what b published.
func flush(b *natsbus.Bus) error { return natsbus.Flush(b) }

// TestMalformed: a message the bus cannot read is dropped, counted and
// logged; the next good one is taken.
func TestMalformed(t *testing.T) {
	srv := natstest.Start(t, -1)
	a, _ := open(t, srv, "campus.live")
	b, log := open(t, srv, "campus.live")
	bIn := subscribe(b)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for _, junk := range [][]byte{nil, []byte("{\"sharer\":1}"), {1, 0}, {2}} {
		nc.Publish("campus.live.loc", junk)
	}
	nc.Publish("campus.live.changed", []byte("x"))
	nc.Flush()
	a.Publish(share.Message{Kind: share.KindLocation, Location: located(3)})
	eventually(t, "the good location", func() bool { return bIn.sharerCount(3) == 1 })
	if n := len(bIn.all()); n != 1 {
		t.Errorf("B delivered %d messages, want the good one only", n)
	}
	if s := b.Stats(); s.Bad != 5 || s.In != 1 {
		t.Errorf("B's stats %+v, want 5 bad, 1 in", s)
	}
	if !strings.Contains(log.String(), "cannot read") {
		t.Errorf("nothing logged of the bad messages:\n%s", log)
	}
}

// TestSlowConsumer: a replica whose subscribers fall behind drops
// beyond its pending limit, logs it, and the publisher never waits.
func TestSlowConsumer(t *testing.T) {
	srv := natstest.Start(t, -1)
	a, _ := open(t, srv, "campus.live")
	b, log := open(t, srv, "campus.live", func(c *natsbus.Config) { c.Pending = 10 })
	release := make(chan struct{})
	var once sync.Once
	stuck := make(chan struct{})
	bIn := &inbox{}
	b.Subscribe(func(m share.Message) {
		once.Do(func() { close(stuck); <-release })
		bIn.take(m)
	})
	a.Publish(share.Message{Kind: share.KindLocation, Location: located(1)})
	<-stuck
	for range 500 {
		a.Publish(share.Message{Kind: share.KindLocation, Location: located(1)})
	}
	if err := flush(a); err != nil {
		t.Fatal(err)
	}
	eventually(t, "drops counted", func() bool { return b.Stats().Slow > 0 })
	close(release)
	eventually(t, "logged", func() bool { return strings.Contains(log.String(), "faster than this replica") })
	eventually(t, "every message delivered or dropped", func() bool { return uint64(bIn.sharerCount(1))+b.Stats().Slow == 501 })
	if got := bIn.sharerCount(1); got > 100 {
		t.Errorf("B delivered %d of 501 while stuck with a pending limit of 10", got)
	}
}

// TestReconnect: while the NATS server is away the bus says so (for
// /readyz) and publishing drops without waiting; once it is back the bus
// reconnects by itself and messages cross again.
func TestReconnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := natstest.Start(t, port)
	a, log := open(t, srv, "campus.live")
	b, _ := open(t, srv, "campus.live")
	bIn := subscribe(b)
	if err := a.Check(t.Context()); err != nil {
		t.Fatalf("Check while connected: %v", err)
	}
	srv.Shutdown()
	eventually(t, "A down", func() bool { return errors.Is(a.Check(t.Context()), natsbus.ErrDown) })
	for range 100 {
		a.Publish(share.Message{Kind: share.KindLocation, Location: located(1)})
	}
	if s := a.Stats(); s.Failed != 100 {
		t.Errorf("published while down: %+v, want 100 failed", s)
	}
	natstest.Start(t, port)
	eventually(t, "A and B back", func() bool { return a.Check(t.Context()) == nil && b.Check(t.Context()) == nil })
	// The subscriptions are renewed on reconnecting; a few tries until
	// the server has B's.
	eventually(t, "a location after the return", func() bool {
		a.Publish(share.Message{Kind: share.KindLocation, Location: located(5)})
		time.Sleep(10 * time.Millisecond)
		return bIn.sharerCount(5) > 0
	})
	if bIn.sharerCount(1) != 0 {
		t.Error("locations published while down arrived later (no reconnect buffer wanted)")
	}
	if l := log.String(); !strings.Contains(l, "disconnected") || !strings.Contains(l, "reconnected") {
		t.Errorf("the loss and the return not logged:\n%s", l)
	}
}

// TestOpenFails: no server answering is an error at start, naming it
// without its password.
func TestOpenFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = natsbus.Open(natsbus.Config{URL: "nats://campus:secret@" + addr})
	if err == nil || !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open with no server: %v, want an error naming %s and not the password", err, addr)
	}
}

func TestCheckPrefix(t *testing.T) {
	for p, ok := range map[string]bool{
		"campus.live": true, "hkust-gz.live_2": true, "x": true,
		"": false, "campus.*": false, "campus.>": false, "campus..live": false, ".campus": false, "campus live": false,
	} {
		if err := natsbus.CheckPrefix(p); (err == nil) != ok {
			t.Errorf("CheckPrefix(%q) = %v, want ok %v", p, err, ok)
		}
	}
}

// BenchmarkPublish is the cost of publishing a location to the NATS
// server (no subscriber of its own).
func BenchmarkPublish(b *testing.B) {
	srv := natstest.Start(b, -1)
	bus, _ := open(b, srv, "campus.live")
	m := share.Message{Kind: share.KindLocation, Location: located(42)}
	b.ReportAllocs()
	for b.Loop() {
		bus.Publish(m)
	}
}
