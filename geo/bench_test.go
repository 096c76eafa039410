package geo

import (
	"testing"
)

// The benchmarks run over the real campus archive.

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(campusPath); err != nil {
			b.Fatal(err)
		}
	}
}

// unitPositions returns a point inside every unit of the campus, at its level.
func unitPositions(v *Venue) []Position {
	var ps []Position
	for _, u := range v.Units {
		ps = append(ps, Position{Lon: u.Display[0], Lat: u.Display[1], Ordinal: u.Level.Ordinal})
	}
	return ps
}

func BenchmarkLocate(b *testing.B) {
	v := loadCampus(b)
	ps := unitPositions(v)
	w := v.View(Student)
	i := 0
	for b.Loop() {
		w.Locate(ps[i%len(ps)], "en")
		i++
	}
}

func BenchmarkNearest(b *testing.B) {
	v := loadCampus(b)
	ps := unitPositions(v)
	w := v.View(Student)
	cats := []string{"copymachine", "defibrillator", "vendingmachine", "firstaid"}
	i := 0
	for b.Loop() {
		w.Nearest(cats[i%len(cats)], ps[(i*7919)%len(ps)], 3, "en")
		i++
	}
}

func BenchmarkSearch(b *testing.B) {
	v := loadCampus(b)
	w := v.View(Student)
	queries := []string{"C3-607", "C1-3", "meeting room", "printer", "会议室", "lab", "Gate 2", "E-2", "discussion", "C5"}
	i := 0
	for b.Loop() {
		w.Search(queries[i%len(queries)], "en", DefaultSearchLimit)
		i++
	}
}
