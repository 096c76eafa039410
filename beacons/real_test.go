package beacons

import (
	"bufio"
	"compress/gzip"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/campusnav/engine/geo"
)

// realDatasets are the public datasets under testdata/real (see each
// folder's README.md), and the most their weighted k-nearest-neighbour
// median error may be, metres: what scripts/positioning-eval.sh --real
// measured (1.12, 4.09 and 1.74 m), with a margin.
var realDatasets = map[string]float64{
	"kolakowski-flat": 2,
	"uji-geotec":      6,
	"uji-library":     3,
}

// readRealScans reads a gzipped file of scan lines; every line must parse
// and carry its truth.
func readRealScans(t *testing.T, path string) []Scan {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []Scan
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		s, err := ParseScan(sc.Bytes())
		if err != nil {
			t.Fatalf("%s line %d: %v", path, n, err)
		}
		if s.Truth == nil {
			t.Fatalf("%s line %d: no truth", path, n)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no scans", path)
	}
	return out
}

// TestRealDatasets runs the engine (tracked and one scan at a time,
// calibrated from the survey and not) and the textbook baselines (plain
// trilateration, weighted k-nearest neighbours) over each public dataset's
// test scans, and logs the figures. It asserts that each dataset reads
// whole and that the figures are sane, not which method wins.
func TestRealDatasets(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "real", "*", "beacons.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != len(realDatasets) {
		t.Fatalf("%d datasets under testdata/real, want %d", len(dirs), len(realDatasets))
	}
	for _, site := range dirs {
		dir := filepath.Dir(site)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			bound, ok := realDatasets[name]
			if !ok {
				t.Fatalf("dataset %s has no bound in realDatasets", name)
			}
			reg, err := LoadFile(site)
			if err != nil {
				t.Fatal(err)
			}
			if len(reg.Problems) > 0 {
				t.Fatalf("beacons left out: %v", reg.Problems)
			}
			survey := readRealScans(t, filepath.Join(dir, "survey.jsonl.gz"))
			walks := readRealScans(t, filepath.Join(dir, "walks.jsonl.gz"))
			for _, set := range [][]Scan{survey, walks} {
				for i := range set {
					if rd := reg.Resolve(&set[i]); rd.Unknown > 0 {
						t.Fatalf("%s at %s: %d beacons not in beacons.geojson", set[i].Device, set[i].T, rd.Unknown)
					}
				}
			}
			heard := 0 // test scans that heard a beacon: each should get a position
			for i := range walks {
				if len(walks[i].Scans) > 0 {
					heard++
				}
			}
			cal, err := Calibrate(reg, survey)
			if err != nil {
				t.Fatal(err)
			}
			knn, err := NewKNN(reg, cal)
			if err != nil {
				t.Fatal(err)
			}
			raw, calibrated := NewPositioner(reg, nil, nil), NewPositioner(reg, cal, nil)
			methods := []struct {
				name string
				fix  func() func(*Scan) Fix
			}{
				{"tracked", tracked(raw)},
				{"tracked-calibrated", tracked(calibrated)},
				{"single", func() func(*Scan) Fix { return func(s *Scan) Fix { return raw.Fix(geo.View{}, s) } }},
				{"single-calibrated", func() func(*Scan) Fix { return func(s *Scan) Fix { return calibrated.Fix(geo.View{}, s) } }},
				{"plain", func() func(*Scan) Fix { return raw.FixPlain }},
				{"knn", func() func(*Scan) Fix { return knn.Fix }},
			}
			for _, m := range methods {
				fix := m.fix()
				fixes := make([]Fix, len(walks))
				for i := range walks {
					fixes[i] = fix(&walks[i])
				}
				s := Evaluate(fixes)
				t.Logf("%-19s fixes %d with position %d median %.2f m p90 %.2f m p95 %.2f m floor %.1f%% inside radius %.1f%%",
					m.name, s.Fixes, s.WithPosition, s.MedianM, s.P90M, s.P95M, 100*s.FloorAccuracy, 100*s.InsideRadius)
				switch {
				case s.Fixes != len(walks) || s.WithPosition != heard:
					t.Errorf("%s: %d fixes, %d with a position; want %d, %d (every scan that heard a beacon)", m.name, s.Fixes, s.WithPosition, len(walks), heard)
				case math.IsNaN(s.MedianM) || s.MedianM <= 0 || s.P90M < s.MedianM:
					t.Errorf("%s: median %v, p90 %v", m.name, s.MedianM, s.P90M)
				case s.FloorAccuracy != 1:
					t.Errorf("%s: floor accuracy %v on a site of one floor", m.name, s.FloorAccuracy)
				case m.name == "knn" && s.MedianM > bound:
					t.Errorf("knn: median %.2f m, more than %.1f m", s.MedianM, bound)
				case s.MedianM > 3*bound:
					t.Errorf("%s: median %.2f m, more than %.1f m", m.name, s.MedianM, 3*bound)
				}
			}
		})
	}
}

// tracked returns a maker of a fix function that tracks each device.
func tracked(p *Positioner) func() func(*Scan) Fix {
	return func() func(*Scan) Fix {
		ts := map[string]*Tracker{}
		return func(s *Scan) Fix {
			tr := ts[s.Device]
			if tr == nil {
				tr = p.NewTracker(s.Device)
				ts[s.Device] = tr
			}
			return tr.Update(geo.View{}, s)
		}
	}
}
