package geo

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParsePositionRefusesWhatIsNoPosition(t *testing.T) {
	cases := []struct{ in, part string }{
		{"a,b,c", "longitude"},
		{",,", "longitude"},
		{"NaN,22.8,0", "longitude"},
		{"113.4,NaN,0", "latitude"},
		{"Inf,22.8,0", "longitude"},
		{"-Inf,22.8,0", "longitude"},
		{"113.4,+Inf,0", "latitude"},
		{"1e309,22.8,0", "longitude"},
		{"200,22.8,0", "longitude"},
		{"113.4,91,0", "latitude"},
		{"0x1p6,22.8,0", "longitude"},
		{"١١٣,٢٢,٠", "longitude"},
		{"113.4,22.8,2e0", "ordinal"},
		{"113.4,22.8,1.5", "ordinal"},
		{"113.4,22.8,٣", "ordinal"},
		{"113.4,22.8,201", "ordinal"},
		{"113.4,22.8,-21", "ordinal"},
		{"113.4,22.8,99999999999999999999", "ordinal"},
		{"113.4,22.8", ""},
		{"113.4,22.8,0,1", ""},
		{"", ""},
	}
	for _, c := range cases {
		_, err := ParsePosition(c.in)
		var pe *PositionError
		if !errors.As(err, &pe) || !errors.Is(err, ErrBadPosition) || pe.Part != c.part {
			t.Errorf("%q: %v, want a problem with the %s", c.in, err, c.part)
			continue
		}
		if en, zh := pe.DetailIn("en"), pe.DetailIn("zh"); en == zh || !strings.ContainsFunc(zh, isHan) || strings.ContainsFunc(en, isHan) {
			t.Errorf("%q: details %q / %q", c.in, en, zh)
		}
	}
	for _, c := range []struct {
		in   string
		want Position
	}{
		{"113.4782,22.8959,5", Position{113.4782, 22.8959, 5}},
		{" 113.4782 , 22.8959 , -1 ", Position{113.4782, 22.8959, -1}},
		{"-180,-90,-20", Position{-180, -90, -20}},
		{"1.134782e2,22.8959,+200", Position{113.4782, 22.8959, 200}},
	} {
		if got, err := ParsePosition(c.in); err != nil || got != c.want {
			t.Errorf("%q: %v %v, want %v", c.in, got, err, c.want)
		}
	}
}

func FuzzParsePosition(f *testing.F) {
	for _, s := range []string{"113.4782,22.8959,5", ",,", "a,b,c", "NaN,0,0", "1e309,0,0", "200,22.8,0", "1,2,2e0", "١,٢,٣", "0x10,0,0", "1,2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePosition(s)
		if err != nil {
			if !errors.Is(err, ErrBadPosition) {
				t.Fatalf("%q: an error that is no bad position: %v", s, err)
			}
			return
		}
		if math.IsNaN(p.Lon) || math.IsNaN(p.Lat) || p.Lon < -180 || p.Lon > 180 || p.Lat < -90 || p.Lat > 90 || p.Ordinal < MinOrdinal || p.Ordinal > MaxOrdinal {
			t.Fatalf("%q read as %+v", s, p)
		}
	})
}

func TestCheckNearRefusesFarAwayPositions(t *testing.T) {
	a := newTestArchive() // the venue is the box -10..110 x -10..50 m
	v := a.load(t)
	at := func(x, y float64) (float64, float64) { return a.pr.ToLonLat(orb.Point{x, y}) }
	cases := []struct {
		name    string
		x, y    float64
		outside float64
	}{
		{"inside", 50, 20, 0},
		{"on a building", 5, 5, 0},
		{"just outside", 50, -30, 20},
		{"490 m east", 600, 20, 490},
		{"490 m off a corner", 110 + 490/math.Sqrt2, 50 + 490/math.Sqrt2, 490},
		{"510 m east", 620, 20, 510},
		{"2 km south", 50, -2010, 2000},
	}
	for _, c := range cases {
		lon, lat := at(c.x, c.y)
		got := v.OutsideM(lon, lat)
		if math.Abs(got-c.outside) > 0.5 {
			t.Errorf("%s: %.1f m outside, want %.0f", c.name, got, c.outside)
		}
		err := v.CheckNear(lon, lat)
		var fe *FarError
		if far := c.outside > MaxOutsideM; far != errors.As(err, &fe) || far != errors.Is(err, ErrFarAway) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// Paris, from a venue in China: thousands of kilometres, said so.
	err := v.CheckNear(2.35, 48.85)
	var fe *FarError
	if !errors.As(err, &fe) || fe.OutsideM < 8e6 || fe.OutsideM > 11e6 {
		t.Fatalf("Paris: %v", err)
	}
	if en, zh := fe.DetailIn("en"), fe.DetailIn("zh"); !strings.Contains(en, "2.35,48.85") || !strings.Contains(en, " km outside the campus") ||
		!strings.Contains(en, "500 m") || !strings.Contains(zh, "公里") || !strings.Contains(zh, "500 米") {
		t.Errorf("Paris: %q / %q", en, zh)
	}
	for _, ll := range [][2]float64{{math.NaN(), 22}, {113, math.Inf(1)}, {181, 0}} {
		if err := v.CheckNear(ll[0], ll[1]); !errors.Is(err, ErrBadPosition) {
			t.Errorf("%v: %v", ll, err)
		}
	}
}

func TestFloorName(t *testing.T) {
	b := &Building{Ref: "C3"}
	cases := []struct {
		name, short Labels
		ordinal     int
		en, zh      string
	}{
		{Labels{"en": "C3 6/F", "zh-Hans": "C3 6楼"}, Labels{"en": "6F"}, 5, "6/F", "6楼"},
		{Labels{"en": "Ground floor"}, nil, 0, "Ground floor", "Ground floor"},
		{Labels{"en": "C3"}, Labels{"en": "1F"}, 0, "C3", "C3"}, // nothing after the reference: the name whole
		{nil, Labels{"en": "2F"}, 1, "2F", "2F"},
		{nil, nil, 3, "4/F", "4/F"},
		{nil, nil, -2, "B2", "B2"},
	}
	for _, c := range cases {
		l := &Level{Name: c.name, ShortName: c.short, Ordinal: c.ordinal, Buildings: []*Building{b}}
		if en, zh := FloorName(l, "en"), FloorName(l, "zh"); en != c.en || zh != c.zh {
			t.Errorf("%v: %q, %q; want %q, %q", c.name, en, zh, c.en, c.zh)
		}
	}
}
