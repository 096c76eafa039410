package routing

import (
	"bufio"
	"bytes"
	"container/heap"
	"errors"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/campusnav/engine/geo"
)

// csvGraph is the exported edge table read back, for an independent
// Dijkstra that knows nothing of the router.
type csvGraph struct {
	adj map[int64][]csvArc
	ids []int64
}

type csvArc struct {
	to   int64
	cost float64
}

func readCSV(t *testing.T, data []byte) *csvGraph {
	t.Helper()
	g := &csvGraph{adj: map[int64][]csvArc{}}
	seen := map[int64]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Scan()
	if sc.Text() != "id,source,target,cost,reverse_cost,x1,y1,x2,y2" {
		t.Fatalf("CSV header %q", sc.Text())
	}
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) != 9 {
			t.Fatalf("CSV row %q", sc.Text())
		}
		s, _ := strconv.ParseInt(f[1], 10, 64)
		d, _ := strconv.ParseInt(f[2], 10, 64)
		c, _ := strconv.ParseFloat(f[3], 64)
		rc, _ := strconv.ParseFloat(f[4], 64)
		if c >= 0 {
			g.adj[s] = append(g.adj[s], csvArc{d, c})
		}
		if rc >= 0 {
			g.adj[d] = append(g.adj[d], csvArc{s, rc})
		}
		for _, v := range []int64{s, d} {
			if !seen[v] {
				seen[v] = true
				g.ids = append(g.ids, v)
			}
		}
	}
	return g
}

type item struct {
	v int64
	d float64
}
type itemHeap []item

func (h itemHeap) Len() int           { return len(h) }
func (h itemHeap) Less(i, j int) bool { return h[i].d < h[j].d }
func (h itemHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any)        { *h = append(*h, x.(item)) }
func (h *itemHeap) Pop() any          { o := *h; x := o[len(o)-1]; *h = o[:len(o)-1]; return x }

// dijkstra is the textbook algorithm over the CSV, from one source.
func (g *csvGraph) dijkstra(src int64) map[int64]float64 {
	dist := map[int64]float64{src: 0}
	h := &itemHeap{{src, 0}}
	for h.Len() > 0 {
		it := heap.Pop(h).(item)
		if it.d > dist[it.v] {
			continue
		}
		for _, a := range g.adj[it.v] {
			nd := it.d + a.cost
			if d, ok := dist[a.to]; !ok || nd < d {
				dist[a.to] = nd
				heap.Push(h, item{a.to, nd})
			}
		}
	}
	return dist
}

// TestRouterIsOptimal checks, for every profile and both kinds of role, and
// a guest role (whose landmark tables are borrowed from a base role), that
// the router's least costs between random vertices equal a textbook
// Dijkstra over the exported edge table.
func TestRouterIsOptimal(t *testing.T) {
	g := campus(t)
	rng := rand.New(rand.NewSource(7))
	guest, ok := g.Venue.GuestRole("C1")
	if !ok || g.alt.lender[g.alt.classOf[guest]] < 0 {
		t.Fatalf("C1's guest role %v borrows no tables", guest)
	}
	for _, p := range Profiles {
		for _, r := range []geo.Role{geo.Student, geo.Visitor, guest} {
			var buf bytes.Buffer
			if err := g.WriteCSV(&buf, p, r); err != nil {
				t.Fatal(err)
			}
			cg := readCSV(t, buf.Bytes())
			checked := 0
			for s := 0; s < 6; s++ {
				src := cg.ids[rng.Intn(len(cg.ids))]
				want := cg.dijkstra(src)
				for k := 0; k < 40; k++ {
					dst := cg.ids[rng.Intn(len(cg.ids))]
					got, ok := g.VertexCost(p, r, src, dst)
					w, reach := want[dst]
					if ok != reach || (ok && math.Abs(got-w) > 1e-9*math.Max(1, w)) {
						t.Fatalf("%s %s %d -> %d: router %v (%v), Dijkstra %v (%v)", p, r, src, dst, got, ok, w, reach)
					}
					checked++
				}
			}
			t.Logf("%s %s: %d pairs equal", p, r, checked)
		}
	}
}

// places returns references of rooms and amenities a role may see, and gates.
func places(g *Graph, r geo.Role, n int, rng *rand.Rand) []string {
	w := g.Venue.View(r)
	var all []string
	for _, u := range g.Venue.Units {
		if w.Sees(u) && u.Category != "walkway" {
			all = append(all, u.Ref)
		}
	}
	for _, gt := range g.Venue.Gates {
		all = append(all, gt.Ref)
	}
	for _, b := range g.Venue.Buildings {
		all = append(all, b.Ref)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = all[rng.Intn(len(all))]
	}
	return out
}

func TestWheelchairRoutesHaveNoStairs(t *testing.T) {
	for _, r := range []geo.Role{geo.Student, geo.Visitor} {
		wheelchairRoutes(t, r)
	}
}

func wheelchairRoutes(t *testing.T, r geo.Role) {
	g := campus(t)
	rng := rand.New(rand.NewSource(3))
	w := g.Venue.View(r)
	from, to := places(g, r, 150, rng), places(g, r, 150, rng)
	routed := 0
	for i := range from {
		rt, err := g.Route(w, Request{From: from[i], To: to[i], Profile: Wheelchair})
		if errors.Is(err, ErrNoRoute) {
			continue
		}
		if err != nil {
			t.Fatalf("%s -> %s: %v", from[i], to[i], err)
		}
		routed++
		for _, lc := range rt.LevelChanges {
			if lc.Via == "stairs" || lc.Via == "escalator" {
				t.Fatalf("wheelchair %s -> %s takes the %s", from[i], to[i], lc.Via)
			}
		}
		for _, in := range rt.Instructions {
			if in.Type == InstrStairs || in.Type == InstrEscalator {
				t.Fatalf("wheelchair %s -> %s: %s", from[i], to[i], in.Text)
			}
		}
	}
	// The campus is step-free: every place has a lift or a ramp.
	if routed != len(from) {
		t.Errorf("%s: only %d of %d wheelchair routes found", r, routed, len(from))
	}
}

func TestVisitorRoutesStayOutOfHiddenBuildings(t *testing.T) {
	g := campus(t)
	rng := rand.New(rand.NewSource(5))
	for _, r := range []geo.Role{geo.Visitor, geo.Tourist} {
		w := g.Venue.View(r)
		from, to := places(g, r, 150, rng), places(g, r, 150, rng)
		for i := range from {
			rt, err := g.Route(w, Request{From: from[i], To: to[i]})
			if err != nil {
				t.Fatalf("%s %s -> %s: %v", r, from[i], to[i], err)
			}
			for _, f := range rt.Geometry.Features {
				if f.Properties.Level == nil {
					continue
				}
				lf, _ := g.Venue.Feature(*f.Properties.Level)
				l := lf.(*geo.Level)
				if !w.Sees(l) || l.Building().Access(r) != geo.AccessFull && l.Building().Ref != "CP" {
					t.Fatalf("%s %s -> %s goes inside %s", r, from[i], to[i], l.Building().Ref)
				}
			}
			for _, in := range rt.Instructions {
				if in.Level != nil {
					if f, ok := w.Feature(*in.Level); !ok || f == nil {
						t.Fatalf("%s: an instruction names hidden level %s", r, *in.Level)
					}
				}
			}
		}
	}
}

func TestDormitoriesEndAtTheirEntrance(t *testing.T) {
	g := campus(t)
	for _, r := range geo.Roles {
		w := g.Venue.View(r)
		rt, err := g.Route(w, Request{From: "G2", To: "D1"})
		if err != nil {
			t.Fatalf("%s to D1: %v", r, err)
		}
		for _, f := range rt.Geometry.Features {
			if f.Properties.Level != nil {
				t.Fatalf("%s is routed inside the dormitory: %+v", r, f.Properties)
			}
		}
		_, err = g.Route(w, Request{From: "G2", To: "D1-101"})
		var pe *PlaceError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: a dormitory room must be unknown, got %v", r, err)
		}
	}
}

func TestNearestByWalkingTime(t *testing.T) {
	g := campus(t)
	w := g.Venue.View(geo.Staff)
	for _, u := range g.Venue.Units[:400] {
		if !w.Sees(u) || u.Category != "office" {
			continue
		}
		at := geo.Position{Lon: u.Display[0], Lat: u.Display[1], Ordinal: u.Level.Ordinal}
		near, err := g.Nearest(w, "defibrillator", at, 3, Walk, "en")
		if err != nil || len(near) != 3 {
			t.Fatalf("from %s: %v %v", u.Ref, near, err)
		}
		for i := 1; i < len(near); i++ {
			if near[i].DurationS < near[i-1].DurationS {
				t.Fatalf("from %s: not sorted by walking time: %+v", u.Ref, near)
			}
		}
		// The first answer is as far as routing there says.
		rt, err := g.Route(w, Request{From: u.Ref, To: near[0].ID})
		if err != nil || math.Abs(rt.DurationS-near[0].DurationS) > 0.11 {
			t.Fatalf("from %s: nearest says %.1f s, a route %v (%v)", u.Ref, near[0].DurationS, rt, err)
		}
	}
}

func TestExportIsStable(t *testing.T) {
	v := campus(t).Venue
	var a, b bytes.Buffer
	Build(v).WriteCSV(&a, Walk, geo.Student)
	Build(v).WriteCSV(&b, Walk, geo.Student)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two builds of the same archive export different graphs")
	}
	var wc bytes.Buffer
	Build(v).WriteCSV(&wc, Wheelchair, geo.Student)
	if !bytes.Contains(wc.Bytes(), []byte(",-1,-1,")) && !bytes.Contains(wc.Bytes(), []byte(",-1,")) {
		t.Error("the wheelchair export forbids nothing")
	}
}

// FuzzResolve feeds arbitrary place strings: an error or a place, never a
// panic, never a place the role may not see, and never an error of a kind
// the API would answer as its own fault.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"C3-607", "G2", "Gate 2", "C3", "113.4782,22.8959,5", "1,2", ",,", "a,b,c", "113.4782,22.8959,999999999999",
		"NaN,NaN,0", "Inf,0,0", "D1-101", "  c3-607 ", "会议室", "", "1e309,22.8,0", "200,22.8,0", "113.47,22.89,2e0", "١١٣,٢٢,٠",
		"2.35,48.85,0", "113.4782,22.8959", "Meeting Room 9", "printer", "C3-6O7", "Metting Room", "C9-101"} {
		f.Add(s)
	}
	g := campus(f)
	f.Fuzz(func(t *testing.T, s string) {
		w := g.Venue.View(geo.Tourist)
		pl, err := g.Resolve(w, s, Walk)
		if (pl == nil) == (err == nil) {
			t.Fatalf("%q: want a place or an error, got %v, %v", s, pl, err)
		}
		if err != nil && !errors.Is(err, ErrUnknownPlace) && !errors.Is(err, ErrAmbiguous) && !errors.Is(err, ErrNoRoute) &&
			!errors.Is(err, geo.ErrBadPosition) && !errors.Is(err, geo.ErrFarAway) {
			t.Fatalf("%q: an error of no known kind: %v", s, err)
		}
		if pl != nil && pl.ID != "" {
			if _, ok := w.Feature(pl.ID); !ok {
				t.Fatalf("%q resolved to hidden %s", s, pl.ID)
			}
		}
	})
}
