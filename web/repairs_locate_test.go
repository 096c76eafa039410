package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/repair"
)

// TestLocateReporterEndToEnd: the real locator over HTTP. A phone standing
// in a room of C3 for 5 s is located there or next door for a visitor; a
// phone in a room of C1 (whose inside visitors may not see) is answered to
// a visitor with nothing inside C1; a scan that is not one is a 400 naming
// it.
func TestLocateReporterEndToEnd(t *testing.T) {
	ts := testServerWith(t, func(d *Deps) { d.RepairLocator = repair.NewLocator(d.Positioner) })
	v := campusDeps.Venue
	pick := func(ref string) *geo.Unit {
		for _, u := range v.Units {
			if u.Ref == ref {
				return u
			}
		}
		t.Fatalf("no unit %s", ref)
		return nil
	}
	c3, c1 := pick("C3-607"), pick("C1-104")
	scans := map[string][]string{}
	err := beacons.SimulateStanding(v, beacons.FromVenue(v), beacons.SimConfig{Seed: 5, SigmaDB: 4}, []string{c3.ID, c1.ID}, 5,
		func(unit string, s beacons.Scan) error {
			s.Truth = nil
			b, err := json.Marshal(s)
			scans[unit] = append(scans[unit], string(b))
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	post := func(body string) (int, repair.Located, string) {
		res, err := http.Post(ts.URL+"/api/v1/repairs/locate", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var raw json.RawMessage
		_ = json.NewDecoder(res.Body).Decode(&raw)
		var got repair.Located
		_ = json.Unmarshal(raw, &got)
		return res.StatusCode, got, string(raw)
	}
	code, got, raw := post(`{"scans":[` + strings.Join(scans[c3.ID], ",") + `]}`)
	if code != 200 {
		t.Fatalf("C3: %d %s", code, raw)
	}
	near := got.Place.Unit == c3.ID
	for _, c := range got.Candidates {
		near = near || c.Unit == c3.ID
	}
	if !near || got.Place.BuildingRef != "C3" {
		t.Errorf("C3-607: placed in %s (%s), candidates %+v", got.Place.Ref, got.Place.BuildingRef, got.Candidates)
	}
	code, got, raw = post(`{"scans":[` + strings.Join(scans[c1.ID], ",") + `]}`)
	if code != 200 {
		t.Fatalf("C1: %d %s", code, raw)
	}
	if got.Place.Unit != "" || got.Place.Level != "" || got.Place.Floor != "" || len(got.Candidates) != 0 && strings.HasPrefix(got.Candidates[0].Ref, "C1") {
		t.Errorf("a visitor in C1-104 told %s", raw)
	}
	if code, _, raw := post(`{"scans":[{"device":"a","t":"soon","scans":[]}]}`); code != 400 || !strings.Contains(raw, `scans[0]`) {
		t.Errorf("a scan that is not one: %d %s", code, raw)
	}

	// A point on a floor instead (the map page's centre, or a point picked
	// on the map): the room there and the rooms around it; in C1 a visitor
	// is told the building alone.
	at := func(u *geo.Unit) string {
		return fmt.Sprintf(`{"at":{"lon":%v,"lat":%v,"ordinal":%d}}`, u.Display[0], u.Display[1], u.Level.Ordinal)
	}
	code, got, raw = post(at(c3))
	if code != 200 || got.Place.Unit != c3.ID || got.Place.Ref != "C3-607" || got.Place.BuildingRef != "C3" || got.Place.Ordinal == nil ||
		*got.Place.Ordinal != c3.Level.Ordinal || got.AccuracyM != 0 || len(got.Candidates) == 0 {
		t.Errorf("a point in C3-607: %d %s", code, raw)
	}
	for i, c := range got.Candidates {
		if c.Unit == c3.ID || i > 0 && c.DistanceM < got.Candidates[i-1].DistanceM || c.DistanceM > 12 {
			t.Errorf("candidate %d: %+v", i, c)
		}
	}
	code, got, raw = post(at(c1))
	if code != 200 || got.Place.BuildingRef != "C1" || got.Place.Unit != "" || got.Place.Level != "" || len(got.Candidates) != 0 {
		t.Errorf("a visitor's point in C1-104: %d %s", code, raw)
	}
	for body, field := range map[string]string{
		`{"at":{"lon":113.4787,"lat":22.8958}}`:                          "at",
		`{"at":{"lon":2,"lat":3,"ordinal":0}}`:                           "at",
		`{"at":{"lon":113.4787,"lat":22.8958,"ordinal":0},"scans":[{}]}`: "at",
	} {
		if code, _, raw := post(body); code != 400 || !strings.Contains(raw, `"param":"`+field+`"`) {
			t.Errorf("%s: %d %s", body, code, raw)
		}
	}
}
