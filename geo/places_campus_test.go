package geo

import (
	"testing"
)

// TestCampusPlacesFound: the places the seeds name, which search could not
// find before the campus gained them, are found by the words people use, in
// English and in Chinese.
func TestCampusPlacesFound(t *testing.T) {
	v := loadCampus(t)
	type want struct {
		name, category, building, floor string // floor in English
	}
	cases := []struct {
		queries []string
		want    want
	}{
		{[]string{"library", "图书馆", "Library"}, want{"Library", "library", "W", "1/F"}},
		{[]string{"library", "图书馆", "reading room", "阅览室"}, want{"Library Reading Room", "library", "W", "2/F"}},
		{[]string{"library desk", "Ask Us", "图书馆服务前台", "服务前台"}, want{"Library Ask Us Desk", "information", "W", "2/F"}},
		{[]string{"canteen", "食堂", "east canteen", "东区食堂"}, want{"East Canteen", "foodservice", "E", "1/F"}},
		{[]string{"canteen", "食堂", "north canteen", "北区食堂"}, want{"North Canteen", "foodservice", "C7", "1/F"}},
		{[]string{"café", "cafe", "Cafe", "咖啡", "咖啡厅"}, want{"Café", "foodservice", "C4", "1/F"}},
		{[]string{"convenience store", "convenience", "便利店"}, want{"Convenience Store", "room", "C5", "1/F"}},
		{[]string{"one-stop service hall", "one stop", "一站式服务大厅", "一站式"}, want{"One-Stop Service Hall", "room", "C1", "1/F"}},
		{[]string{"IT service desk", "it service", "IT 服务台", "IT服务台"}, want{"IT Service Desk", "office", "C2", "1/F"}},
		{[]string{"till", "收银台", "east canteen till"}, want{"East Canteen Till 1", "cashier", "E", "1/F"}},
		{[]string{"café till", "咖啡厅收银台"}, want{"Café Till", "cashier", "C4", "1/F"}},
	}
	for _, r := range []Role{Staff, Student} {
		w := v.View(r)
		for _, c := range cases {
			for _, q := range c.queries {
				found := false
				for _, res := range w.Search(q, "en", 50) {
					if res.Name == c.want.name && res.Category == c.want.category && deref(res.BuildingRef) == c.want.building && deref(res.Floor) == c.want.floor {
						found = true
					}
				}
				if !found {
					t.Errorf("%s searching %q: no %s (%s, %s %s) among %v", r, q, c.want.name, c.want.category, c.want.building, c.want.floor, resultNames(w.Search(q, "en", 50)))
				}
			}
		}
	}
	// The Chinese names, asked in Chinese.
	w := v.View(Student)
	for q, name := range map[string]string{"图书馆": "图书馆", "食堂": "东区食堂", "咖啡": "咖啡厅", "便利店": "便利店", "一站式服务大厅": "一站式服务大厅", "IT 服务台": "IT 服务台"} {
		found := false
		for _, res := range w.Search(q, "zh", 50) {
			found = found || res.Name == name
		}
		if !found {
			t.Errorf("searching %q in Chinese: no %s among %v", q, name, resultNames(w.Search(q, "zh", 50)))
		}
	}
	// The places open to the public are found by them; the others are not.
	tourist := v.View(Tourist)
	for q, visible := range map[string]bool{"Café": true, "Convenience Store": true, "Library": false, "East Canteen": false, "One-Stop Service Hall": false, "IT Service Desk": false} {
		got := false
		for _, res := range tourist.Search(q, "en", 50) {
			got = got || res.Name == q
		}
		if got != visible {
			t.Errorf("a tourist searching %q finds it: %v, want %v", q, got, visible)
		}
	}
}

func resultNames(rs []SearchResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name+"@"+deref(r.BuildingRef)+" "+deref(r.Floor))
	}
	return out
}
