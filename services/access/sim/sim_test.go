package sim_test

import (
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/access/sim"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

var (
	campusOnce sync.Once
	venue      *geo.Venue
	graph      *routing.Graph
	policy     *access.Policy
)

func loadCampus(t testing.TB) *sim.Campus {
	t.Helper()
	campusOnce.Do(func() {
		v, err := geo.Load("../../../data/floorplans/hkust-gz")
		if err != nil {
			panic(err)
		}
		p, err := access.ParsePolicy(v.Access, v)
		if err != nil {
			panic(err)
		}
		venue, graph, policy = v, routing.Build(v), p
	})
	c, err := sim.NewCampus(venue, graph, policy)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMix(t *testing.T) {
	n := map[auth.Role]int{}
	for i := 1; i <= 1000; i++ {
		n[sim.Mix(i)]++
	}
	if n[auth.Staff] != 300 || n[auth.Student] != 600 || n[auth.Family] != 100 {
		t.Errorf("mix of 1000: %v, want 300 staff, 600 students, 100 family", n)
	}
}

func TestPeople(t *testing.T) {
	c := loadCampus(t)
	a := c.People(200, 1, sim.Shares{Physical: 0.25, Offline: 0.25})
	b := c.People(200, 2, sim.Shares{Physical: 0.25, Offline: 0.25})
	creds := map[string]int{}
	offices := map[*geo.Unit]bool{}
	for i, p := range a {
		if p.Office != b[i].Office || p.Room != b[i].Room || p.Role != b[i].Role || p.Email != b[i].Email {
			t.Fatalf("person %d differs between seeds: %+v, %+v", p.N, p, b[i])
		}
		creds[p.Credential]++
		switch p.Role {
		case auth.Staff:
			if p.Office == nil || p.Office.Category != "office" || p.Room != nil {
				t.Errorf("staff %d: office %v, room %v", p.N, p.Office, p.Room)
			}
			if offices[p.Office] {
				t.Errorf("staff %d shares office %s while others are free", p.N, p.Office.Ref)
			}
			offices[p.Office] = true
		case auth.Family:
			if len(p.Grants()) != 0 || p.ByCar && p.Credential == "" {
				t.Errorf("family %d: %+v", p.N, p)
			}
		}
	}
	for _, k := range []string{sim.ServerCode, sim.DeviceCode, sim.PhysicalCard} {
		if creds[k] < 25 {
			t.Errorf("credentials %v: too few %s", creds, k)
		}
	}
}

// TestPlanShape: days begin at a gate, lifts carry the floor, locks are
// the person's own, and every use leaves more time since the last than
// the server's travel rule asks.
func TestPlanShape(t *testing.T) {
	c := loadCampus(t)
	travel := c.Travel()
	people := c.People(120, 7, sim.Shares{})
	kinds := map[string]int{}
	for _, p := range people {
		d := c.Plan(p, nil, 6, 1, 7)
		if !reflect.DeepEqual(d, c.Plan(p, nil, 6, 1, 7)) {
			t.Fatalf("person %d: two plans with one seed differ", p.N)
		}
		if n := len(d.Trips); n < 5 || n > 6 || d.Trips[n-1].Purpose != sim.PurposeLeave || !d.Repeats {
			t.Fatalf("person %d: %d trips, the last %q", p.N, n, d.Trips[n-1].Purpose)
		}
		first := d.Trips[0].Stops[0].Reader
		if first == nil || (first.Kind != geo.ReaderGate && first.Kind != geo.ReaderBarrier) {
			t.Errorf("person %d begins at %v, not a gate", p.N, first)
		}
		var last *geo.Reader
		for _, tr := range d.Trips {
			for _, st := range tr.Stops {
				if st.Leg < 0 {
					t.Errorf("person %d: leg %s", p.N, st.Leg)
				}
				r := st.Reader
				if r == nil {
					continue
				}
				kinds[r.Kind]++
				if (r.Kind == geo.ReaderElevator) != (st.Floor != nil) {
					t.Errorf("person %d at %s (%s): floor %v", p.N, r.Name.In("en"), r.Kind, st.Floor)
				}
				if r.Kind == geo.ReaderLock {
					if u := r.Guards.(*geo.Unit); u != p.Office && u != p.Room {
						t.Errorf("person %d at someone else's lock %s", p.N, r.Name.In("en"))
					}
				}
				if last != nil {
					f := travel.FootFactor
					if last.Kind == geo.ReaderBarrier || r.Kind == geo.ReaderBarrier {
						f = travel.VehicleFactor
					}
					if least := time.Duration(float64(c.ServerWalk(last, r, p.Role)) / f); st.Gap <= least && least > 0 {
						t.Errorf("person %d: %s after %s: gap %s, the server asks %s", p.N, r.Name.In("en"), last.Name.In("en"), st.Gap, least)
					}
				}
				last = r
			}
		}
	}
	for _, k := range []string{geo.ReaderGate, geo.ReaderBarrier, geo.ReaderDoor, geo.ReaderElevator, geo.ReaderLock, geo.ReaderPrinter, geo.ReaderLibrary, geo.ReaderPOS} {
		if kinds[k] == 0 {
			t.Errorf("no use of a %s reader in 120 days: %v", k, kinds)
		}
	}
}

// TestPlannedDaysAreHonest decides planned days, each lived twice, with
// the real access service over SQLite, at the times the plan allows at
// its tightest (a use Gap after the last, or its Leg, whichever is later)
// on a Wednesday morning: every use opens, none is impossible travel. The
// same days at a tenth of the time are caught.
func TestPlannedDaysAreHonest(t *testing.T) {
	c := loadCampus(t)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start, _ := time.Parse(time.RFC3339, "2026-11-25T09:00:00+08:00")
	var now atomic.Int64
	now.Store(start.UnixNano())
	svc, err := access.New(db, venue, graph, access.Config{Now: func() time.Time { return time.Unix(0, now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ctx := t.Context()
	admin, err := db.CreateUser(ctx, auth.User{Email: sim.AdminEmail, Role: auth.Admin, Created: start}, "x")
	if err != nil {
		t.Fatal(err)
	}
	people := c.People(90, 3, sim.Shares{Physical: 0.3})
	users := make([]auth.User, len(people))
	for i, p := range people {
		if users[i], err = db.CreateUser(ctx, auth.User{Email: p.Email, Role: p.Role, Created: start}, "x"); err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Grants() {
			if _, err := svc.Grant(ctx, admin, access.GrantRequest{Person: p.Email, Target: u.ID, From: start.Add(-time.Hour), To: start.Add(24 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	const wave = 10 * time.Minute
	run := func(t *testing.T, speedup int64) map[string]int {
		reasons := map[string]int{}
		for i, p := range people {
			cd, err := svc.Card(ctx, users[i])
			if err != nil {
				t.Fatal(err)
			}
			day := c.Plan(p, nil, 5, c.MaxPace(), uint64(speedup))
			if !day.Repeats || day.Trips[len(day.Trips)-1].Purpose != sim.PurposeLeave || len(day.Trips) < 4 {
				t.Fatalf("person %d: a day of 5 trips that does not end off campus: %+v", p.N, day)
			}
			first := day.First()
			at, last := start, time.Time{}
			// The day, lived twice.
			for k := range 2 * len(day.Trips) {
				tr := day.Trips[k%len(day.Trips)]
				at = later(at, start.Add(time.Duration(k)*wave))
				for j := range tr.Stops {
					st := &tr.Stops[j]
					at = at.Add(st.Leg / time.Duration(speedup))
					if st.Reader == nil {
						continue
					}
					gap := st.Gap
					if k >= len(day.Trips) && st == first {
						gap = day.Again
					}
					if !last.IsZero() {
						at = later(at, last.Add(gap/time.Duration(speedup)))
					}
					now.Store(at.UnixNano())
					chk := access.Check{Reader: st.Reader.ID, Floor: st.Floor, CardNumber: cd.Number}
					if p.Credential != sim.PhysicalCard {
						code, err := svc.Code(ctx, users[i])
						if err != nil {
							t.Fatal(err)
						}
						chk = access.Check{Reader: st.Reader.ID, Floor: st.Floor, Code: code.Code}
					}
					res, err := svc.Check(ctx, st.Reader, chk)
					if err != nil {
						t.Fatal(err)
					}
					reasons[res.Reason]++
					if res.Reason != access.ReasonOK && speedup == 1 {
						t.Errorf("%s %d (%s), trip %d (%s), at %s %s: %s %s", p.Role, p.N, p.Credential, k, tr.Purpose,
							st.Reader.Kind, st.Reader.Name.In("en"), res.Decision, res.Reason)
					}
					last = at
				}
			}
		}
		return reasons
	}
	// Cards are used again by the second run: it starts after the first's
	// last use.
	honest := run(t, 1)
	t.Logf("honest: %v", honest)
	if honest[access.ReasonOK] < 300 {
		t.Errorf("honest days: %v, want hundreds of uses", honest)
	}
	start = start.Add(24 * time.Hour)
	for _, p := range people {
		for _, u := range p.Grants() {
			svc.Grant(ctx, admin, access.GrantRequest{Person: p.Email, Target: u.ID, From: start.Add(-time.Hour), To: start.Add(24 * time.Hour)})
		}
	}
	fast := run(t, 10)
	t.Logf("ten times faster: %v", fast)
	if fast[access.ReasonTravel] == 0 {
		t.Errorf("days at ten times the honest speed: %v, want some impossible travel", fast)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
