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
	sets := []struct {
		name    string
		role    Role
		queries []string
	}{
		{"typical", Student, []string{"C3-607", "C1-3", "meeting room", "printer", "会议室", "lab", "Gate 2", "E-2", "discussion", "C5"}},
		// One letter or character matching thousands of words; as a
		// tourist, most matches are hidden and skipped.
		{"worst", Tourist, []string{"o", "r", "室", "s", "c1 o", "d"}},
	}
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			w := v.View(set.role)
			i := 0
			for b.Loop() {
				w.Search(set.queries[i%len(set.queries)], "en", DefaultSearchLimit)
				i++
			}
		})
	}
}
