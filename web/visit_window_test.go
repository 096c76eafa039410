package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb/maptile"

	"github.com/campusnav/engine/geo"
)

// TestVisitWindow: the same visitor token before, during and after the
// window of their approved visit to C1, across search, locate, route and
// tiles: inside C1 is shown during the window only, and nothing inside C2.
func TestVisitWindow(t *testing.T) {
	testServer(t) // loads the campus once
	v := campusDeps.Venue
	from := time.Date(2026, 12, 1, 14, 0, 0, 0, shanghai)
	to := from.Add(2 * time.Hour)
	var now atomic.Pointer[time.Time]
	d := campusDeps
	d.Auth = fakeAuth{}
	d.VisitBuilding = func(_ context.Context, id int64, at time.Time) (string, error) {
		if id == int64(len("visitor")) && !at.Before(from) && at.Before(to) {
			return "C1", nil
		}
		return "", nil
	}
	ts := httptest.NewServer(New(d, Config{Now: func() time.Time { return *now.Load() }}).Handler())
	t.Cleanup(ts.Close)

	room := func(ref string) *geo.Unit {
		staff := v.View(geo.Staff)
		for _, b := range v.Buildings {
			if b.Ref != ref {
				continue
			}
			for _, l := range b.Levels {
				for _, u := range l.Units {
					if u.Category == "office" && u.Ref != "" && staff.Sees(u) && !u.Restricted {
						return u
					}
				}
			}
		}
		t.Fatalf("no office in %s", ref)
		return nil
	}
	c1, c2 := room("C1"), room("C2")
	fetch := func(path string) (int, []byte) {
		code, _, b := call(t, ts, "visitor", "GET", path, "")
		return code, b
	}
	gate := v.Gates[0].Ref
	for _, step := range []struct {
		name   string
		at     time.Time
		inside bool
	}{
		{"before", from.Add(-time.Minute), false},
		{"during", from.Add(time.Hour), true},
		{"after", to, false},
	} {
		now.Store(&step.at)
		for _, u := range []*geo.Unit{c1, c2} {
			want := step.inside && u == c1
			code, b := fetch("/api/v1/search?q=" + url.QueryEscape(u.Ref))
			if found := strings.Contains(string(b), `"`+u.ID+`"`); code != 200 || found != want {
				t.Errorf("%s: search %s: %d, found %v, want %v", step.name, u.Ref, code, found, want)
			}
			o := u.Level.Ordinal
			code, b = fetch(fmt.Sprintf("/api/v1/locate?lon=%f&lat=%f&ordinal=%d", u.Display.Lon(), u.Display.Lat(), o))
			if found := strings.Contains(string(b), `"`+u.ID+`"`); code != 200 || found != want {
				t.Errorf("%s: locate in %s: %d, the room %v, want %v: %.300s", step.name, u.Ref, code, found, want, b)
			}
			code, b = fetch("/api/v1/route?from=" + gate + "&to=" + url.QueryEscape(u.Ref))
			if routed := code == 200; routed != want {
				t.Errorf("%s: route to %s: %d, want routed %v: %.200s", step.name, u.Ref, code, want, b)
			}
			tl := maptile.At(u.Display, 19)
			code, b = fetch(fmt.Sprintf("/tiles/19/%d/%d.mvt", tl.X, tl.Y))
			if shown := strings.Contains(string(b), u.Ref); code != 200 || shown != want {
				t.Errorf("%s: the tile of %s: %d, shows it %v, want %v", step.name, u.Ref, code, shown, want)
			}
		}
	}
}
