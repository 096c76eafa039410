package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/occupancy"
)

// occupancyGeoJSON is the answer of GET /occupancy, as a client reads it.
type occupancyGeoJSON struct {
	Type     string
	Features []struct {
		Type     string
		Geometry struct {
			Type        string
			Coordinates [][][2]float64
		}
		Properties struct {
			H3      string
			Res     int
			Ordinal int
			People  int
		}
	}
	MinPeople int    `json:"min_people"`
	WindowS   int    `json:"window_s"`
	Until     string `json:"until"`
}

// TestOccupancyOverLive: people signed in send their places over live
// sockets; staff are told a cell of 5, never of 4, nor anyone inside a
// dormitory, as closed GeoJSON hexagons in longitude, latitude order.
func TestOccupancyOverLive(t *testing.T) {
	var clock atomic.Pointer[time.Time]
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	clock.Store(&start)
	tick := func() { // a new period of the answer's
		next := clock.Load().Add(occupancy.Fresh)
		clock.Store(&next)
	}
	people := map[string]auth.Role{"boss": auth.Staff, "stu": auth.Student}
	for i := range 5 {
		people[fmt.Sprintf("p%d", i)] = auth.Student
	}
	w := newLiveWorld(t, Config{Now: func() time.Time { return *clock.Load() }}, people)
	get := func(name, path string) (int, http.Header, occupancyGeoJSON) {
		t.Helper()
		req, _ := http.NewRequest("GET", w.ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+w.tokens[name])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out occupancyGeoJSON
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, resp.Header, out
	}
	// told waits until the cells told on floor 2 at res 13 hold want
	// people in all (the sockets' messages arrive when they arrive).
	told := func(want int) occupancyGeoJSON {
		t.Helper()
		var last occupancyGeoJSON
		for range 100 {
			tick()
			_, _, last = get("boss", "/api/v1/occupancy?ordinal=2&res=13")
			sum := 0
			for _, f := range last.Features {
				sum += f.Properties.People
			}
			if sum == want {
				return last
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("floor 2 never told %d: %+v", want, last)
		return last
	}

	room := liveRoom(t, "C3")
	dorm := liveRoom(t, "D1")
	sockets := map[string]*wsClient{}
	for i := range 5 {
		n := fmt.Sprintf("p%d", i)
		sockets[n] = w.dial(t, n, false)
	}
	for i := range 4 {
		sockets[fmt.Sprintf("p%d", i)].send(t, fixAt(room))
	}
	sockets["p4"].send(t, fixAt(dorm))
	time.Sleep(200 * time.Millisecond)
	told(0) // 4 in C3, 1 in D1: nothing
	sockets["p4"].send(t, fixAt(room))
	got := told(5)
	if len(got.Features) != 1 || got.MinPeople != 5 || got.WindowS != 600 || got.Type != "FeatureCollection" {
		t.Fatalf("5 in one room: %+v", got)
	}
	f := got.Features[0]
	ring := f.Geometry.Coordinates[0]
	if f.Type != "Feature" || f.Geometry.Type != "Polygon" || len(f.Geometry.Coordinates) != 1 || len(ring) != 7 || ring[0] != ring[6] {
		t.Errorf("not a closed hexagon: %+v", f)
	}
	for _, p := range ring {
		if dx, dy := p[0]-room.Display[0], p[1]-room.Display[1]; dx*dx+dy*dy > 1e-8 { // about 10 m
			t.Errorf("a corner %v is not near the room %v (lon, lat)", p, room.Display)
		}
	}
	if f.Properties.Res != 13 || f.Properties.Ordinal != 2 || f.Properties.People != 5 || len(f.Properties.H3) != 15 {
		t.Errorf("properties: %+v", f.Properties)
	}
	for _, res := range []string{"11", "12", ""} {
		_, hdr, at := get("boss", "/api/v1/occupancy?ordinal=2&res="+res)
		if len(at.Features) != 1 || at.Features[0].Properties.People != 5 {
			t.Errorf("res %q: %+v", res, at)
		}
		if want := "12"; res == "" && (len(at.Features) != 1 || fmt.Sprint(at.Features[0].Properties.Res) != want) {
			t.Errorf("res left out: %+v, want res 12", at)
		}
		if cc := hdr.Get("Cache-Control"); !strings.HasPrefix(cc, "private, max-age=") {
			t.Errorf("Cache-Control %q", cc)
		}
	}
	// p0 goes into the dormitory: 4 left, and nothing told.
	sockets["p0"].send(t, fixAt(dorm))
	told(0)
	// The ground floor holds nobody.
	if _, _, g := get("boss", "/api/v1/occupancy?ordinal=0"); len(g.Features) != 0 {
		t.Errorf("ground floor: %+v", g)
	}
}

// TestOccupancyStaffOnly: staff and admins only, the parameters checked
// and named.
func TestOccupancyStaffOnly(t *testing.T) {
	ts := testServer(t)
	for _, c := range []struct {
		role, path string
		status     int
		param      string
	}{
		{"staff", "/api/v1/occupancy?ordinal=0", 200, ""},
		{"admin", "/api/v1/occupancy?ordinal=-1&res=11", 200, ""},
		{"student", "/api/v1/occupancy?ordinal=0", 403, ""},
		{"visitor", "/api/v1/occupancy?ordinal=0", 403, ""},
		{"", "/api/v1/occupancy?ordinal=0", 401, ""},
		{"staff", "/api/v1/occupancy", 400, "ordinal"},
		{"staff", "/api/v1/occupancy?ordinal=x", 400, "ordinal"},
		{"staff", "/api/v1/occupancy?ordinal=999", 400, "ordinal"},
		{"staff", "/api/v1/occupancy?ordinal=0&res=10", 400, "res"},
		{"staff", "/api/v1/occupancy?ordinal=0&res=14", 400, "res"},
		{"staff", "/api/v1/occupancy?ordinal=0&res=twelve", 400, "res"},
	} {
		code, ct, body := call(t, ts, c.role, "GET", c.path, "")
		if code != c.status {
			t.Errorf("%s %s: %d %s", c.role, c.path, code, body)
			continue
		}
		if c.param != "" && !strings.Contains(string(body), `"param":"`+c.param+`"`) {
			t.Errorf("%s: does not name %s: %s", c.path, c.param, body)
		}
		if code == 200 && ct != "application/geo+json" {
			t.Errorf("%s: content type %q", c.path, ct)
		}
	}
}

// TestPositionFeedsOccupancy: a phone placed by POST /position is counted
// when its owner is signed in, and only then.
func TestPositionFeedsOccupancy(t *testing.T) {
	testServer(t) // loads the campus
	var c3 *struct{ id string }
	for _, b := range campusDeps.Venue.Beacons {
		if b.Level != nil && b.Level.Building() != nil && b.Level.Building().Ref == "C3" {
			c3 = &struct{ id string }{b.ID}
			break
		}
	}
	if c3 == nil {
		t.Fatal("no beacon in C3")
	}
	d := campusDeps
	d.Auth = fakeAuth{}
	s := New(d, Config{})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	scan := fmt.Sprintf(`{"device":"phone","t":"2026-11-22T10:00:00Z","scans":[{"beacon":%q,"rssi":-45}]}`, c3.id)
	if code, _, body := call(t, ts, "", "POST", "/api/v1/position", scan); code != 200 || !strings.Contains(string(body), `"lon"`) {
		t.Fatalf("anonymous: %d %s", code, body)
	}
	if n := s.occupancy.Len(); n != 0 {
		t.Errorf("an anonymous phone counted: %d", n)
	}
	for _, role := range []string{"student", "staff", "student"} {
		if code, _, body := call(t, ts, role, "POST", "/api/v1/position", scan); code != 200 {
			t.Fatalf("%s: %d %s", role, code, body)
		}
	}
	if n := s.occupancy.Len(); n != 2 {
		t.Errorf("%d people counted, want 2 (one student twice, one staff)", n)
	}
}
