package beacons

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// knnSite is a standalone registry of three beacons, A, B and C, and a
// calibration whose fingerprints are placed in its plane.
func knnSite(t *testing.T, fps []struct {
	at  orb.Point
	ord int
	dbm map[string]float64
}) (*Registry, *Calibration) {
	t.Helper()
	reg, err := Parse([]byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","id":"A","geometry":{"type":"Point","coordinates":[0,0]},"properties":{"uuid":"u","major":1,"minor":1,"measured_power":-59}},
{"type":"Feature","id":"B","geometry":{"type":"Point","coordinates":[0.0001,0]},"properties":{"uuid":"u","major":1,"minor":2,"measured_power":-59}},
{"type":"Feature","id":"C","geometry":{"type":"Point","coordinates":[0,0.0001]},"properties":{"uuid":"u","major":1,"minor":3,"measured_power":-59,"ordinal":1}}]}`), "knn.geojson")
	if err != nil {
		t.Fatal(err)
	}
	cal := &Calibration{Version: CalibrationVersion}
	var heard []map[string]float64
	for _, f := range fps {
		lon, lat := reg.Projection.ToLonLat(f.at)
		cal.Fingerprints = append(cal.Fingerprints, Fingerprint{Lon: lon, Lat: lat, Ordinal: f.ord})
		heard = append(heard, f.dbm)
	}
	cal.indexFingerprints(heard)
	return reg, cal
}

func TestKNNByHand(t *testing.T) {
	type fp = struct {
		at  orb.Point
		ord int
		dbm map[string]float64
	}
	// The scan hears A at -60 and B at -70. Euclidean distances in dB over
	// A, B, C (-100 where not heard): F1 (3, 4) -> 5; F2, F3 and F4 10
	// each; F5 heard C too, (3, 4, 10) -> 11.2, fifth, out; F6 heard
	// nothing the scan did, far out. Floors: F1, F2 on 0, F3, F4 on 1: a
	// tie, which the nearest (F1) decides: floor 0. Position: F1 and F2
	// weighed 1/5 and 1/10: x = (0/5 + 10/10) / (1/5 + 1/10) = 10/3, y = 0.
	// Radius: sqrt(2/3 (10/3)^2 + 1/3 (20/3)^2) = sqrt(600/27).
	reg, cal := knnSite(t, []fp{
		{orb.Point{0, 10}, 1, map[string]float64{"A": -66, "B": -78}},          // F3
		{orb.Point{5, 5}, 0, map[string]float64{"A": -63, "B": -74, "C": -90}}, // F5
		{orb.Point{10, 10}, 1, map[string]float64{"A": -50, "B": -70}},         // F4
		{orb.Point{0, 0}, 0, map[string]float64{"A": -63, "B": -74}},           // F1
		{orb.Point{20, 20}, 0, map[string]float64{"C": -60}},                   // F6
		{orb.Point{10, 0}, 0, map[string]float64{"A": -60, "B": -80}},          // F2
	})
	k, err := NewKNN(reg, cal)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := reg.ByID("A")
	b, _ := reg.ByID("B")
	est := k.Locate(Reading{Beacons: []*Beacon{b, a}, RSSI: []float64{-70, -60}})
	if !est.OK || est.Ordinal != 0 {
		t.Fatalf("estimate %+v, want floor 0", est)
	}
	if math.Abs(est.Point[0]-10.0/3) > 1e-6 || math.Abs(est.Point[1]) > 1e-6 {
		t.Errorf("point %v, want (3.333, 0)", est.Point)
	}
	if want := math.Sqrt(600.0 / 27); math.Abs(est.AccuracyM-want) > 1e-6 {
		t.Errorf("radius %v, want %v", est.AccuracyM, want)
	}

	// Heard louder on C alone: F6 is the nearest, and with F5 the only
	// fingerprint that heard C; three of four neighbours are on floor 0.
	c, _ := reg.ByID("C")
	est = k.Locate(Reading{Beacons: []*Beacon{c}, RSSI: []float64{-60}})
	if !est.OK || est.Ordinal != 0 || dist(est.Point, orb.Point{20, 20}) > 0.01 {
		t.Fatalf("C alone: %+v, want F6's place (20, 20) on floor 0", est)
	}

	// Nothing heard, or only beacons the registry lacks: no fix, and why.
	s := Scan{Device: "d", T: "2026-01-01T00:00:00Z"}
	if f := k.Fix(&s); f.Lon != nil || f.Reason != ReasonNothingHeard {
		t.Errorf("nothing heard: %+v", f)
	}
	one, two := 9, 9
	s.Scans = []Heard{{UUID: "other", Major: &one, Minor: &two, RSSI: -50}}
	if f := k.Fix(&s); f.Lon != nil || f.Reason != ReasonUnknown {
		t.Errorf("unknown beacon: %+v", f)
	}
}

func TestKNNNeedsFingerprints(t *testing.T) {
	reg, cal := knnSite(t, nil)
	for _, c := range []*Calibration{nil, cal} {
		if _, err := NewKNN(reg, c); !errors.Is(err, ErrCalibration) {
			t.Errorf("calibration without fingerprints: error %v", err)
		}
	}
}
