package beacons

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// gridFile writes a standalone beacon file: a grid of beacons every 8 m on
// two floors, ordinal 0 and 1, anchored near (113, 22).
func gridFile(t *testing.T) string {
	t.Helper()
	pr := geo.NewProjection(113, 22)
	var feats []string
	n := 0
	for ord := 0; ord < 2; ord++ {
		for x := 0.0; x <= 40; x += 8 {
			for y := 0.0; y <= 16; y += 8 {
				lon, lat := pr.ToLonLat(orb.Point{x, y})
				n++
				feats = append(feats, fmt.Sprintf(`{"type":"Feature","id":"b%d","geometry":{"type":"Point","coordinates":[%.8f,%.8f]},"properties":{"uuid":"F7826DA6-4FA2-4E98-8024-BC5B71E0893E","major":%d,"minor":%d,"measured_power":-59,"level_id":"L%d","ordinal":%d}}`,
					n, lon, lat, ord+1, n, ord, ord))
			}
		}
	}
	path := filepath.Join(t.TempDir(), "beacons.geojson")
	os.WriteFile(path, []byte(`{"type":"FeatureCollection","features":[`+strings.Join(feats, ",")+`]}`), 0o644)
	return path
}

// inside returns a random point inside the box of a registry's beacons,
// margin metres in from its edges.
func inside(r *Registry, rng *rand.Rand, margin float64) orb.Point {
	var pts orb.MultiPoint
	for _, b := range r.Beacons {
		pts = append(pts, b.Point)
	}
	bb := pts.Bound()
	return orb.Point{bb.Min[0] + margin + rng.Float64()*(bb.Max[0]-bb.Min[0]-2*margin),
		bb.Min[1] + margin + rng.Float64()*(bb.Max[1]-bb.Min[1]-2*margin)}
}

// scanAt makes the noise-free scan the default model predicts at pt on ord.
func scanAt(r *Registry, pt orb.Point, ord int, noise float64, rng *rand.Rand) Scan {
	m := defaultModel(r)
	s := Scan{Device: "d", T: "2026-11-22T10:00:00.000Z"}
	for _, b := range r.Beacons {
		dx, dy := pt[0]-b.Point[0], pt[1]-b.Point[1]
		rssi := m.expected(b.idx, dx*dx+dy*dy, b.Ordinal-ord)
		if rng != nil {
			rssi += noise * rng.NormFloat64()
		}
		if rssi < -95 {
			continue
		}
		major, minor := b.Major, b.Minor
		s.Scans = append(s.Scans, Heard{UUID: b.UUID, Major: &major, Minor: &minor, RSSI: rssi})
	}
	return s
}

// deaf is p for a phone known to hear far below the noise-free readings
// scanAt gives: a noise-free reading is exactly what the model expects,
// which near the sensitivity a heard reading is not (censor.go).
func deaf(p *Positioner) *Positioner {
	q, m := *p, *p.model
	m.sensitivity = -150
	q.model = &m
	return &q
}

func first[A, B any](a A, _ B) A { return a }

func TestSingleFixNoiseFree(t *testing.T) {
	reg, err := LoadFile(gridFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if reg.Venue != nil || len(reg.Beacons) != 36 {
		t.Fatalf("standalone registry: venue %v, %d beacons", reg.Venue, len(reg.Beacons))
	}
	p := deaf(NewPositioner(reg, nil, nil))
	for _, c := range []struct {
		pt  orb.Point
		ord int
	}{{orb.Point{-17, -3}, 0}, {orb.Point{1.5, 1}, 1}, {orb.Point{17, 6}, 0}} {
		s := scanAt(reg, c.pt, c.ord, 0, nil)
		est := p.single(reg.Resolve(&s))
		if !est.OK || est.Ordinal != c.ord || dist(est.Point, c.pt) > 0.05 {
			t.Errorf("at %v on %d: got %v on %d (ok %v)", c.pt, c.ord, est.Point, est.Ordinal, est.OK)
		}
		f := p.Fix(geo.View{}, &s)
		if f.Level == nil || *f.Level != fmt.Sprintf("L%d", c.ord) || f.Unit != nil || f.Building != nil {
			t.Errorf("a standalone fix names its own level and no venue: %+v", f)
		}
	}
}

// With shadowing, about 68% of errors fall inside the reported radius.
func TestSingleFixRadiusIsHonest(t *testing.T) {
	reg, _ := LoadFile(gridFile(t))
	p := NewPositioner(reg, nil, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	in, n := 0, 2000
	var errs []float64
	for i := 0; i < n; i++ {
		pt := inside(reg, rng, 2)
		s := scanAt(reg, pt, 0, DefaultSigma, rng)
		est := p.single(reg.Resolve(&s))
		e := dist(est.Point, pt)
		errs = append(errs, e)
		if e <= est.AccuracyM {
			in++
		}
	}
	share := float64(in) / float64(n)
	if share < 0.6 || share > 0.8 {
		t.Errorf("%.0f%% of errors inside the radius, want about 68%%", 100*share)
	}
	t.Logf("inside radius %.1f%%, median error %.2f m", 100*share, median(errs))
}

func median(xs []float64) float64 {
	c := append([]float64(nil), xs...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c[len(c)/2]
}

func TestNoFixReasons(t *testing.T) {
	reg, _ := LoadFile(gridFile(t))
	p := NewPositioner(reg, nil, nil)
	major, minor := 9, 9
	for _, c := range []struct {
		s    Scan
		want string
	}{
		{Scan{Device: "d", T: "x"}, ReasonNothingHeard},
		{Scan{Device: "d", T: "x", Scans: []Heard{{UUID: "nope", Major: &major, Minor: &minor, RSSI: -60}}}, ReasonUnknown},
	} {
		f := p.Fix(geo.View{}, &c.s)
		if f.Lon != nil || f.Reason != c.want || f.T != "x" {
			t.Errorf("got %+v, want no position and %q", f, c.want)
		}
	}
}

func TestCalibrationRecoversTheModel(t *testing.T) {
	reg, _ := LoadFile(gridFile(t))
	rng := rand.New(rand.NewPCG(3, 4))
	// A "true" environment the positioner does not know: every beacon 4 dB
	// louder than registered and an exponent of 2.3.
	trueModel := defaultModel(reg)
	for i := range trueModel.beacon {
		trueModel.beacon[i] = params{Power: reg.Beacons[i].MeasuredPower + 4, Exponent: 2.3}
	}
	var scans []Scan
	for i := 0; i < 400; i++ {
		pt := inside(reg, rng, 0)
		ord := rng.IntN(2)
		s := Scan{Device: "survey", T: "2026-11-22T10:00:00.000Z"}
		for _, b := range reg.Beacons {
			dx, dy := pt[0]-b.Point[0], pt[1]-b.Point[1]
			rssi := trueModel.expected(b.idx, dx*dx+dy*dy, b.Ordinal-ord) + 2*rng.NormFloat64()
			if rssi < -95 {
				continue
			}
			major, minor := b.Major, b.Minor
			s.Scans = append(s.Scans, Heard{UUID: b.UUID, Major: &major, Minor: &minor, RSSI: rssi})
		}
		lon, lat := reg.Projection.ToLonLat(pt)
		s.Truth = &Truth{Lon: lon, Lat: lat, Ordinal: ord}
		scans = append(scans, s)
	}
	cal, err := Calibrate(reg, scans)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(cal.Default.MeasuredPower-(-55)) > 1 || math.Abs(cal.Default.Exponent-2.3) > 0.1 {
		t.Errorf("default model %+v, want -55 dBm and 2.3", cal.Default)
	}
	if math.Abs(cal.FloorLossDB-DefaultFloorLoss) > 1.5 || math.Abs(cal.SigmaDB-2) > 0.5 {
		t.Errorf("floor loss %.1f dB (want 15), sigma %.1f dB (want 2)", cal.FloorLossDB, cal.SigmaDB)
	}
	if len(cal.Beacons) < 20 || len(cal.Fingerprints) != 400 {
		t.Errorf("%d beacons fitted, %d fingerprints", len(cal.Beacons), len(cal.Fingerprints))
	}
	// Calibrated positioning beats the uncalibrated on the true environment.
	before, after := NewPositioner(reg, nil, nil), NewPositioner(reg, cal, nil)
	var eb, ea []float64
	for i := 0; i < 300; i++ {
		pt := inside(reg, rng, 2)
		s := Scan{Device: "d", T: "2026-11-22T10:00:00.000Z"}
		for _, b := range reg.Beacons {
			dx, dy := pt[0]-b.Point[0], pt[1]-b.Point[1]
			rssi := trueModel.expected(b.idx, dx*dx+dy*dy, b.Ordinal) + 2*rng.NormFloat64()
			if rssi >= -95 {
				major, minor := b.Major, b.Minor
				s.Scans = append(s.Scans, Heard{UUID: b.UUID, Major: &major, Minor: &minor, RSSI: rssi})
			}
		}
		rd := reg.Resolve(&s)
		eb = append(eb, dist(before.single(rd).Point, pt))
		ea = append(ea, dist(after.single(rd).Point, pt))
	}
	if median(ea) >= median(eb) {
		t.Errorf("calibration did not help: median %.2f m before, %.2f m after", median(eb), median(ea))
	}
	t.Logf("median error before calibration %.2f m, after %.2f m", median(eb), median(ea))
}

func TestRegistryFileErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"type":"Feature"}`, "not a GeoJSON FeatureCollection"},
		{`{"type":"FeatureCollection","features":[{"id":"x","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"major":1,"minor":1,"measured_power":-59}}]}`, "x: uuid is missing"},
		{`{"type":"FeatureCollection","features":[{"id":"y","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"uuid":"u","major":70000,"minor":1,"measured_power":-59}}]}`, "y: major is not an integer"},
	} {
		_, err := Parse([]byte(c.body), "f.geojson")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.body, err, c.want)
		}
	}
}

func TestParseScan(t *testing.T) {
	good := `{"device":"d1","t":"2026-11-22T10:00:00.000Z","scans":[{"uuid":"U","major":1,"minor":2,"rssi":-71},{"beacon":"b3","rssi":-80}]}`
	s, err := ParseScan([]byte(good))
	if err != nil || s.Device != "d1" || len(s.Scans) != 2 || s.T != "2026-11-22T10:00:00.000Z" {
		t.Fatalf("%+v %v", s, err)
	}
	for _, c := range []struct{ line, want string }{
		{`{"t":"2026-11-22T10:00:00Z","scans":[]}`, "device is missing"},
		{`{"device":"d","t":"yesterday","scans":[]}`, `t "yesterday"`},
		{`{"device":"d","t":"2026-11-22T10:00:00Z","scans":[{"rssi":-50}]}`, "scans[0] names no beacon"},
		{`{"device":"d","t":"2026-11-22T10:00:00Z","scans":[{"beacon":"b","rssi":50}]}`, "scans[0].rssi"},
		{`not json`, "not a scan"},
	} {
		if _, err := ParseScan([]byte(c.line)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.line, err, c.want)
		}
	}
}

func FuzzParseScan(f *testing.F) {
	f.Add([]byte(`{"device":"d1","t":"2026-11-22T10:00:00.000Z","scans":[{"uuid":"U","major":1,"minor":2,"rssi":-71}]}`))
	f.Add([]byte(`{"device":"d1","t":"2026-11-22T10:00:00.000Z","scans":[{"beacon":"b","rssi":-71}],"truth":{"lon":1,"lat":2,"ordinal":0,"level":""}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseScan(b)
		if err == nil && (s.Device == "" || s.Time().IsZero()) {
			t.Fatalf("accepted a scan without device or time: %q", b)
		}
	})
}

func FuzzRegistry(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"id":"x","geometry":{"type":"Point","coordinates":[113,22]},"properties":{"uuid":"u","major":1,"minor":1,"measured_power":-59}}]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"id":1,"geometry":{"type":"Point","coordinates":[]},"properties":null}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b, "fuzz")
		if (r == nil) == (err == nil) {
			t.Fatalf("want a registry or an error")
		}
		if r != nil {
			p := NewPositioner(r, nil, nil)
			s := scanAt(r, orb.Point{0, 0}, 0, 0, nil)
			p.Fix(geo.View{}, &s)
		}
	})
}

func TestFastLog10(t *testing.T) {
	for _, x := range []float64{0.25, 0.5, 1, 1.5, 2, 3.7, 10, 99.9, 1234.5, 1e6} {
		if d := math.Abs(fastLog10(x) - math.Log10(x)); d > 1e-5 {
			t.Errorf("fastLog10(%v) off by %g", x, d)
		}
	}
}
