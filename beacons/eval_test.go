package beacons

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// evalFix is a fix east of the truth by errM metres (nil: no position).
func evalFix(errM *float64, ordinal, truthOrdinal int, accuracy *float64) Fix {
	tr := &Truth{Lon: 113.4782635, Lat: 22.8959151, Ordinal: truthOrdinal, Level: "l"}
	f := Fix{Device: "d", T: "2026-11-22T10:00:00.000Z", Truth: tr, AccuracyM: accuracy}
	if errM != nil {
		lon, lat := geo.NewProjection(tr.Lon, tr.Lat).ToLonLat(orb.Point{*errM * 0.6, *errM * 0.8})
		f.Lon, f.Lat, f.Ordinal = &lon, &lat, &ordinal
	}
	return f
}

func evalPtr(x float64) *float64 { return &x }

func TestEvaluate(t *testing.T) {
	five := evalPtr(5)
	fixes := []Fix{
		evalFix(evalPtr(3), 2, 2, five),
		evalFix(evalPtr(10), 2, 2, five), // outside its radius
		evalFix(evalPtr(1), 2, 2, five),
		evalFix(evalPtr(4), 1, 2, five), // wrong floor
		evalFix(evalPtr(2), 2, 2, nil),  // no radius: not inside
		evalFix(nil, 0, 2, nil),         // no fix
		{Device: "d", T: "x"},           // no truth
	}
	got := Evaluate(fixes)
	want := Summary{Fixes: 6, WithPosition: 5, NoFix: 1, NoTruth: 1, MedianM: 3, P90M: 10, P95M: 10, MeanM: 4,
		FloorAccuracy: 0.8, InsideRadius: 0.6,
		// One device, one truth: the sixth fix stands still past the
		// settling, and it lost the floor the fifth had.
		StillS: 1, StillFloorChanges: 1}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// Standing still counts per device, after the settling scans, and a
// moved truth starts again.
func TestEvaluateStandingStill(t *testing.T) {
	room := func(dev, unit string, ord int) Fix {
		f := evalFix(evalPtr(1), ord, 2, nil)
		f.Device = dev
		if unit != "" {
			f.Unit = &unit
		}
		return f
	}
	var fixes []Fix
	units := []string{"a", "a", "a", "a", "a", "b", "b", "", "a", "a"}
	for i, u := range units {
		fixes = append(fixes, room("d1", u, 2), room("d2", "x", 2+i%2)) // interleaved devices
	}
	moved := room("d1", "a", 2)
	moved.Truth = &Truth{Lon: 113.48, Lat: 22.9, Ordinal: 2}
	fixes = append(fixes, moved, room("d1", "c", 2))
	s := Evaluate(fixes)
	// d1: scans 6-10 count (5 s), changes a->b at 6, b->"" at 8, ""->a at 9;
	// d2: the same 5 s, a floor change each. d1's moved truth starts again.
	if s.StillS != 10 || s.StillRoomChanges != 3 || s.StillFloorChanges != 5 {
		t.Errorf("still %d s, %d room changes, %d floor changes; want 10, 3, 5", s.StillS, s.StillRoomChanges, s.StillFloorChanges)
	}
}

func TestEvaluatePercentiles(t *testing.T) {
	var fixes []Fix
	for i := 1; i <= 100; i++ {
		fixes = append(fixes, evalFix(evalPtr(float64(i)), 0, 0, evalPtr(50)))
	}
	s := Evaluate(fixes)
	if s.MedianM != 50 || s.P90M != 90 || s.P95M != 95 || s.MeanM != 50.5 || s.InsideRadius != 0.5 || s.FloorAccuracy != 1 {
		t.Errorf("%+v", s)
	}
	if s := Evaluate(nil); s != (Summary{}) {
		t.Errorf("no fixes: %+v", s)
	}
	if s := Evaluate([]Fix{evalFix(nil, 0, 0, nil)}); s != (Summary{Fixes: 1, NoFix: 1}) {
		t.Errorf("no position: %+v", s)
	}
}

func TestHorizontalError(t *testing.T) {
	// 0.001 degrees of latitude is about 111.2 m anywhere.
	if d := HorizontalError(113.478, 22.896, 113.478, 22.895); math.Abs(d-111.19) > 0.01 {
		t.Errorf("%v m", d)
	}
	if d := HorizontalError(113.478, 22.895, 113.478, 22.895); d != 0 {
		t.Errorf("%v m", d)
	}
}

func TestReadFixes(t *testing.T) {
	in := strings.Join([]string{
		`{"device":"d","t":"x","lon":113.4,"lat":22.9,"level":"l","ordinal":1,"unit":null,"accuracy_m":3.5,"truth":{"lon":113.4,"lat":22.9,"ordinal":1,"level":"l"}}`,
		``,
		`{"device":"d","t":"x","lon":null,"lat":null,"level":null,"ordinal":null,"unit":null,"accuracy_m":null,"reason":"no beacon heard"}`,
		`not json`,
		`{"device":"d","t":"x","scans":[],"truth":{"lon":113.4,"lat":22.9,"ordinal":1,"level":"l"}}`,
		`{"device":"d","t":"x","lon":113.4,"lat":null}`,
		`{"device":"d","t":"x","lon":200,"lat":22.9}`,
		`{"device":"d","t":"x","lon":113.4,"lat":22.9,"accuracy_m":-1}`,
		`   {"device":"e","t":"y","lon":113.5,"lat":22.8}   `,
	}, "\n")
	var bad []int
	fixes, err := ReadFixes(strings.NewReader(in), func(line int, err error) { bad = append(bad, line) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(bad, []int{4, 5, 6, 7, 8}) {
		t.Errorf("bad lines %v", bad)
	}
	if len(fixes) != 3 || fixes[0].Truth == nil || *fixes[0].AccuracyM != 3.5 || fixes[1].Lon != nil || fixes[2].Device != "e" {
		t.Errorf("fixes %+v", fixes)
	}
}
