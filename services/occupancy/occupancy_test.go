package occupancy

import (
	"sync"
	"testing"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/campusnav/engine/geo"
)

var (
	campusOnce  sync.Once
	campusVenue *geo.Venue
)

// campus is the real campus.
func campus(tb testing.TB) *geo.Venue {
	tb.Helper()
	campusOnce.Do(func() {
		v, err := geo.Load("../../data/floorplans/hkust-gz")
		if err != nil {
			panic(err)
		}
		campusVenue = v
	})
	return campusVenue
}

// t0 starts a period of Fresh.
var t0 = time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)

// everyone counts every spot: the rule of who counts, left out.
func everyone(geo.Spot) bool { return true }

// ask is the answer of the floor of ordinal at now, everyone counted.
func ask(m *Map, ordinal int, now time.Time) *Snapshot {
	return m.answer(cacheKey{geo.Staff, ordinal}, now, everyone)
}

// outdoors is a spot outdoors at lon, lat.
func outdoors(lon, lat float64) geo.Spot { return geo.Spot{Lon: lon, Lat: lat, AccuracyM: 3} }

// peopleIn is the count told of cell c at its resolution, 0 when not told.
func peopleIn(s *Snapshot, c h3.Cell) int {
	for _, x := range s.Cells(c.Resolution()) {
		if x.Cell == c {
			return x.People
		}
	}
	return 0
}

// The lawn between C3 and the West building, outdoors.
const lawnLon, lawnLat = 113.4776, 22.8960

func TestFourAbsentFivePresent(t *testing.T) {
	m := New(0)
	here := outdoors(lawnLon, lawnLat)
	cs, _ := cellsOf(here)
	for p := range int64(4) {
		m.Record(p, here, t0)
	}
	s := ask(m, 0, t0)
	for r := MinRes; r <= MaxRes; r++ {
		if got := s.Cells(r); len(got) != 0 {
			t.Errorf("4 people: res %d tells %v", r, got)
		}
	}
	m.Record(4, here, t0.Add(time.Second))
	if again := ask(m, 0, t0.Add(2*time.Second)); len(again.Cells(MaxRes)) != 0 {
		t.Error("within one period the answer changed")
	}
	s = ask(m, 0, t0.Add(Fresh))
	for r := MinRes; r <= MaxRes; r++ {
		got := s.Cells(r)
		if len(got) != 1 || got[0].Cell != cs[r-MinRes] || got[0].People != 5 {
			t.Errorf("5 people: res %d tells %v, want %v of 5", r, got, cs[r-MinRes])
		}
	}
	if got := ask(m, 1, t0.Add(Fresh)); len(got.Cells(MinRes)) != 0 {
		t.Errorf("floor 1 tells %v of people outdoors", got.Cells(MinRes))
	}
	if !s.Until.Equal(t0.Add(2 * Fresh)) {
		t.Errorf("until %v, want the end of the period %v", s.Until, t0.Add(2*Fresh))
	}
}

// A person is counted once, at their latest spot.
func TestLatestSpotOnly(t *testing.T) {
	m := New(0)
	a, b := outdoors(lawnLon, lawnLat), outdoors(lawnLon+0.002, lawnLat)
	ca, _ := cellsOf(a)
	cb, _ := cellsOf(b)
	for p := range int64(6) {
		m.Record(p, a, t0)
	}
	m.Record(0, b, t0.Add(time.Second)) // 0 walks away
	s := ask(m, 0, t0.Add(time.Minute))
	if got := peopleIn(s, ca[0]); got != 5 {
		t.Errorf("the lawn: %d, want 5", got)
	}
	if got := peopleIn(s, cb[0]); got != 0 {
		t.Errorf("a cell of 1 told: %d", got)
	}
	if m.Len() != 6 {
		t.Errorf("%d kept, want 6", m.Len())
	}
}

func TestExpiresAfterWindow(t *testing.T) {
	m := New(0)
	here := outdoors(lawnLon, lawnLat)
	cs, _ := cellsOf(here)
	for p := range int64(5) {
		m.Record(p, here, t0)
	}
	m.Record(5, here, t0.Add(5*time.Minute)) // one more, later
	if got := peopleIn(ask(m, 0, t0.Add(Window)), cs[0]); got != 6 {
		t.Errorf("at the end of the window: %d, want 6", got)
	}
	if got := peopleIn(ask(m, 0, t0.Add(Window+Fresh)), cs[0]); got != 0 {
		t.Errorf("after the window: %d, want nothing told (1 left)", got)
	}
	if m.Len() != 1 {
		t.Errorf("%d kept after the window, want 1", m.Len())
	}
	m.Record(0, here, t0.Add(Window+Fresh+time.Second)) // a new spot expires the old ones too
	if m.Len() != 2 {
		t.Errorf("%d kept, want 2", m.Len())
	}
}

func TestBounded(t *testing.T) {
	m := New(3)
	here := outdoors(lawnLon, lawnLat)
	for p := range int64(4) {
		m.Record(p, here, t0.Add(time.Duration(p)*time.Second))
	}
	if m.Len() != 3 {
		t.Fatalf("%d kept, want 3", m.Len())
	}
	m.Record(1, here, t0.Add(10*time.Second)) // 1 again: 2 is now the least recent
	m.Record(9, here, t0.Add(11*time.Second))
	if m.Len() != 3 {
		t.Fatalf("%d kept, want 3", m.Len())
	}
	for p, want := range map[int64]bool{0: false, 1: true, 2: false, 3: true, 9: true} {
		if _, ok := m.people.Peek(p); ok != want {
			t.Errorf("person %d kept %v, want %v", p, ok, want)
		}
	}
	// The answers kept are one per role and floor, of one period.
	for o := range 100 {
		ask(m, o, t0)
		ask(m, o, t0.Add(time.Second))
	}
	ask(m, 0, t0.Add(Fresh))
	if len(m.cache) != 1 {
		t.Errorf("%d answers cached in a new period, want 1", len(m.cache))
	}
	// A spot off the earth is not kept.
	m.Record(10, geo.Spot{Lon: 500, Lat: 100}, t0.Add(12*time.Second))
	if _, ok := m.people.Peek(10); ok {
		t.Error("a spot off the earth was kept")
	}
}

// Outdoors is the ground floor, whatever ordinal a client gave.
func TestOutdoorsIsOrdinalZero(t *testing.T) {
	m := New(0)
	here := outdoors(lawnLon, lawnLat)
	here.Ordinal = 3
	for p := range int64(5) {
		m.Record(p, here, t0)
	}
	if got := len(ask(m, 0, t0).Cells(MinRes)); got != 1 {
		t.Errorf("ordinal 0 tells %d cells, want 1", got)
	}
	if got := len(ask(m, 3, t0).Cells(MinRes)); got != 0 {
		t.Errorf("ordinal 3 tells %d cells of people outdoors", got)
	}
}

// roomOf is a room or office of building ref on ordinal.
func roomOf(t *testing.T, v *geo.Venue, ref string, ordinal int) *geo.Unit {
	t.Helper()
	for _, u := range v.Units {
		if b := u.Level.Building(); b != nil && b.Ref == ref && u.Level.Ordinal == ordinal && (u.Category == "room" || u.Category == "office") {
			return u
		}
	}
	t.Fatalf("no room in %s on %d", ref, ordinal)
	return nil
}

// Nobody inside a dormitory is counted, for anyone, nor anybody inside a
// building the asker may not see inside; the same people elsewhere are.
func TestDormitoryAndHiddenBuildingsNotCounted(t *testing.T) {
	v := campus(t)
	d1 := roomOf(t, v, "D1", 2)
	c1 := roomOf(t, v, "C1", 2)
	c3 := roomOf(t, v, "C3", 2)
	dorm := v.SpotAt(d1.Display[0], d1.Display[1], 2, 3)
	if dorm.Level == nil {
		t.Fatal("the D1 room is on no level")
	}
	// On the ground, within D1's walls but on no level: seen from outside.
	d1b := d1.Level.Building()
	dormGround := v.SpotAt(d1b.Display[0], d1b.Display[1], 0, 3)
	m := New(0)
	n := int64(0)
	put := func(s geo.Spot, k int) {
		for range k {
			m.Record(n, s, t0)
			n++
		}
	}
	put(dorm, 8)
	put(dormGround, 8)
	put(v.SpotAt(c1.Display[0], c1.Display[1], 2, 3), 6)
	put(v.SpotAt(c3.Display[0], c3.Display[1], 2, 3), 7)

	total := func(s *Snapshot) int {
		sum := 0
		for _, c := range s.Cells(MinRes) {
			sum += c.People
		}
		return sum
	}
	for _, r := range geo.Roles {
		w := v.View(r)
		want2 := 13 // C1 and C3
		if r == geo.Visitor || r == geo.Tourist {
			want2 = 7 // C3 alone: C1 is hidden to them
		}
		if got := total(m.Answer(w, 2, t0)); got != want2 {
			t.Errorf("%s, floor 2: %d counted, want %d", r, got, want2)
		}
		if got := total(m.Answer(w, 0, t0)); got != 0 {
			t.Errorf("%s, the ground: %d counted, inside D1's walls", r, got)
		}
	}
	// Without the rule the dormitory's people are there to count: the
	// test above is not empty by accident.
	later := t0.Add(Fresh)
	if got := total(ask(m, 2, later)); got != 21 {
		t.Errorf("everyone on floor 2: %d, want 21", got)
	}
	if got := total(ask(m, 0, later)); got != 8 {
		t.Errorf("everyone on the ground: %d, want 8", got)
	}
}

// Recording and asking at once: every asker within a period is told the
// one answer of it, whatever is recorded meanwhile.
func TestConcurrentAnswersAgree(t *testing.T) {
	m := New(0)
	here := outdoors(lawnLon, lawnLat)
	for p := range int64(5) {
		m.Record(p, here, t0)
	}
	var wg sync.WaitGroup
	answers := make([]*Snapshot, 8)
	for g := range answers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 50 {
				m.Record(int64(100+g*50+i), here, t0.Add(time.Second))
			}
		}()
		go func() {
			defer wg.Done()
			answers[g] = ask(m, 0, t0.Add(time.Duration(g)*time.Millisecond))
		}()
	}
	wg.Wait()
	for _, a := range answers[1:] {
		if a != answers[0] {
			t.Fatalf("two answers in one period: %v and %v", a.Cells(MinRes), answers[0].Cells(MinRes))
		}
	}
}
