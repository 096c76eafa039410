package share_test

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/sqlite"
)

var (
	venueOnce sync.Once
	venue     *geo.Venue
)

// campus is the campus, loaded once.
func campus(t testing.TB) *geo.Venue {
	t.Helper()
	venueOnce.Do(func() {
		v, err := geo.Load("../../data/floorplans/hkust-gz")
		if err != nil {
			panic(err)
		}
		venue = v
	})
	return venue
}

// fakeClient is a socket that keeps what it is sent.
type fakeClient struct {
	id   int64
	role atomic.Uint32
	mu   sync.Mutex
	msgs [][]byte
	// room is how many messages it takes before Send fails (0: no end).
	room   int
	closed atomic.Int32
}

func newClient(id int64, r geo.Role) *fakeClient {
	c := &fakeClient{id: id}
	c.role.Store(uint32(r))
	return c
}

func (c *fakeClient) UserID() int64  { return c.id }
func (c *fakeClient) Role() geo.Role { return geo.Role(c.role.Load()) }
func (c *fakeClient) Send(m []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.room > 0 && len(c.msgs) >= c.room {
		return false
	}
	c.msgs = append(c.msgs, m)
	return true
}
func (c *fakeClient) Close(code int, _ string) { c.closed.CompareAndSwap(0, int32(code)) }

// message is any message a client receives.
type message struct {
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
	ID        int64 // an alert's, when it was kept
}

func (c *fakeClient) all(t testing.TB) []message {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]message, len(c.msgs))
	for i, m := range c.msgs {
		if err := json.Unmarshal(m, &out[i]); err != nil {
			t.Fatalf("message %s: %v", m, err)
		}
	}
	return out
}

// last is the last message of a type, and whether there is one.
func (c *fakeClient) last(t testing.TB, typ string) (message, bool) {
	ms := c.all(t)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Type == typ {
			return ms[i], true
		}
	}
	return message{}, false
}

// world is a hub over a fresh store, its clock, and people of each role.
type world struct {
	v     *geo.Venue
	db    *sqlite.DB
	svc   *share.Service
	hub   *share.Hub
	clock atomic.Pointer[time.Time]
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{v: campus(t)}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w.db = db
	now := time.Now()
	w.clock.Store(&now)
	w.svc = share.New(w.v, db.DB, share.Options{Now: func() time.Time { return *w.clock.Load() }})
	w.hub = share.NewHub(w.svc, nil, share.HubConfig{Poll: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.hub.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// attach connects c, which keeps what it is told at once as a socket
// writes it.
func (w *world) attach(t *testing.T, c *fakeClient) {
	t.Helper()
	first, err := w.hub.Attach(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.msgs = append(first, c.msgs...)
	c.mu.Unlock()
}

func (w *world) person(t *testing.T, name string, role auth.Role) auth.User {
	t.Helper()
	u, err := w.db.CreateUser(t.Context(), auth.User{Email: name + "@example.edu", Role: role}, "x")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// eventually waits up to 1 s for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 1 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// roomOf is a room of the building of ref: a room or office, on
// its lowest level above ground.
func roomOf(t testing.TB, v *geo.Venue, ref string) *geo.Unit {
	t.Helper()
	for _, u := range v.Units {
		if b := u.Level.Building(); b != nil && b.Ref == ref && u.Level.Ordinal >= 1 && (u.Category == "room" || u.Category == "office") {
			return u
		}
	}
	t.Fatalf("no room in %s", ref)
	return nil
}

func buildingOf(t testing.TB, v *geo.Venue, ref string) *geo.Building {
	t.Helper()
	for _, b := range v.Buildings {
		if b.Ref == ref {
			return b
		}
	}
	t.Fatalf("no building %s", ref)
	return nil
}

// seesInside is FEATURES.md's table, for the buildings of the test:
// whether a role sees inside.
var seesInside = map[string]map[string]bool{
	"C1": {"staff": true, "student": true, "family": true, "visitor": false, "tourist": false},
	"C3": {"staff": true, "student": true, "family": true, "visitor": true, "tourist": true},
	"D1": {"staff": false, "student": false, "family": false, "visitor": false, "tourist": false},
}

// TestEveryRolePair: sharers of every role (staff, student, family,
// visitor, tourist), each in a C1 room, a C3 room, a dormitory room and
// outdoors, reach viewers of every role (and a visitor whose visit opens
// C1) as the viewer may see, whoever shares: precise where the viewer
// sees inside, else the building seen from outside, the same answer from
// anywhere inside it.
func TestEveryRolePair(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	v := w.v
	owner := w.person(t, "owner", auth.Staff)
	g, err := w.svc.NewGroup(ctx, owner, "everyone")
	if err != nil {
		t.Fatal(err)
	}
	g1, _ := v.GuestRole("C1")
	type person struct {
		name string
		role auth.Role
		geo  geo.Role
	}
	viewers := []person{
		{"staff", auth.Staff, geo.Staff}, {"student", auth.Student, geo.Student}, {"family", auth.Family, geo.Family},
		{"visitor", auth.Visitor, geo.Visitor}, {"tourist", auth.Tourist, geo.Tourist}, {"guest", auth.Visitor, g1},
	}
	sharers := []person{
		{"staff-sharer", auth.Staff, geo.Staff}, {"student-sharer", auth.Student, geo.Student}, {"family-sharer", auth.Family, geo.Family},
		{"visitor-sharer", auth.Visitor, geo.Visitor}, {"tourist-sharer", auth.Tourist, geo.Tourist},
	}
	clients := map[string]*fakeClient{}
	users := map[string]auth.User{}
	for _, p := range append(append([]person{}, viewers...), sharers...) {
		u := w.person(t, p.name, p.role)
		if _, err := w.svc.Join(ctx, u, g.Code); err != nil {
			t.Fatal(err)
		}
		c := newClient(u.ID, p.geo)
		w.attach(t, c)
		clients[p.name], users[p.name] = c, u
	}
	shares := map[string]int64{}
	for _, sp := range sharers {
		sh, err := w.svc.Create(ctx, users[sp.name], share.Request{Group: g.ID})
		if err != nil {
			t.Fatalf("%s sharing with the group: %v", sp.name, err)
		}
		shares[sp.name] = sh.ID
		for _, vw := range viewers {
			c := clients[vw.name]
			eventually(t, vw.name+" told "+sp.name+"'s share started", func() bool {
				for _, m := range c.all(t) {
					if m.Type == share.ShareStarted && m.Share == sh.ID {
						return true
					}
				}
				return false
			})
		}
	}
	type place struct {
		name string
		ref  string // "" outdoors
		at   geo.Spot
	}
	var places []place
	for _, ref := range []string{"C1", "C3", "D1"} {
		u := roomOf(t, v, ref)
		places = append(places, place{ref + " room", ref, v.SpotAt(u.Display[0], u.Display[1], u.Level.Ordinal, 3)})
	}
	gate := v.Gates[0].Geometry.(orb.Point)
	places = append(places, place{"outdoors", "", v.SpotAt(gate[0], gate[1], 0, 5)})
	for _, sp := range sharers {
		sharer := users[sp.name]
		for _, p := range places {
			if p.ref != "" && p.at.Level == nil {
				t.Fatalf("%s: no level at the room's point", p.name)
			}
			w.hub.Publish(sharer.ID, p.at, time.Now())
			for _, vw := range viewers {
				what := sp.name + " in " + p.name + " to " + vw.name
				m, ok := clients[vw.name].last(t, "location")
				if !ok {
					t.Fatalf("%s: no location", what)
				}
				if m.Share != shares[sp.name] || m.Person == nil || m.Person.ID != sharer.ID || m.Person.Name != sp.name {
					t.Errorf("%s: %+v", what, m)
				}
				inside := p.ref != "" && (seesInside[p.ref][vw.name] || vw.name == "guest" && (p.ref == "C1" || p.ref == "C3"))
				switch {
				case p.ref == "":
					if m.Ordinal == nil || *m.Ordinal != 0 || m.Level != nil || m.Unit != nil || m.Lon != round7(p.at.Lon) {
						t.Errorf("%s: %+v, want the point outdoors", what, m)
					}
				case inside:
					if m.Ordinal == nil || *m.Ordinal != p.at.Ordinal || m.Level == nil || *m.Level != p.at.Level.ID || m.Unit == nil ||
						m.Building == nil || *m.Building != p.at.Level.Building().ID || m.Lon != round7(p.at.Lon) {
						t.Errorf("%s: %+v, want the room", what, m)
					}
				default:
					b := buildingOf(t, v, p.ref)
					if m.Ordinal != nil || m.Level != nil || m.Unit != nil || m.Building == nil || *m.Building != b.ID ||
						m.Lon != round7(b.Display[0]) || m.Lat != round7(b.Display[1]) || m.AccuracyM != round1(geo.BuildingRadius(b)) {
						t.Errorf("%s: %+v, want %s seen from outside", what, m, p.ref)
					}
				}
			}
		}
		// A sharer is sent no location of their own.
		for _, m := range clients[sp.name].all(t) {
			if m.Type == "location" && m.Person != nil && m.Person.ID == sharer.ID {
				t.Errorf("%s was sent their own location", sp.name)
				break
			}
		}
	}
}

func round7(x float64) float64 { return math.Round(x*1e7) / 1e7 }
func round1(x float64) float64 { return math.Round(x*10) / 10 }
