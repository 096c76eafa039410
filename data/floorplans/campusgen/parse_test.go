package campusgen

import (
	"encoding/json"
	"math"
	"sync"
	"testing"

	"github.com/campusnav/engine/geo"
)

// The tests read the archive as a reader would: from the GeoJSON the
// generator writes, not from its internal structures.

type feature struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	FeatureType string  `json:"feature_type"`
	Geometry    *geom   `json:"geometry"`
	Properties  fprops  `json:"properties"`
	ring        []point // a polygon's exterior ring, in metres
	line        []point // a line string, in metres
	at          point   // a point, in metres
}

type geom struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

type fref struct {
	ID          string `json:"id"`
	FeatureType string `json:"feature_type"`
}

type fprops struct {
	Category     string            `json:"category"`
	LevelID      *string           `json:"level_id"`
	Name         map[string]string `json:"name"`
	AltName      map[string]string `json:"alt_name"`
	Ordinal      *int              `json:"ordinal"`
	UnitIDs      []string          `json:"unit_ids"`
	BuildingIDs  []string          `json:"building_ids"`
	Origin       *fref             `json:"origin"`
	Intermediary []fref            `json:"intermediary"`
	Destination  *fref             `json:"destination"`
	Capacity     int               `json:"capacity"`
	AreaM2       float64           `json:"area_m2"`
	UUID         string            `json:"uuid"`
	Major        int               `json:"major"`
	Minor        int               `json:"minor"`
	Power        int               `json:"measured_power"`
	From         int               `json:"from_ordinal"`
	To           int               `json:"to_ordinal"`
	Covered      bool              `json:"covered"`
	Kind         string            `json:"kind"`
	Guards       string            `json:"guards"`
	Access       []string          `json:"access_control"`
	Restriction  *string           `json:"restriction"`
}

// point is a point in metres east and north of the campus anchor.
type point struct{ x, y float64 }

// parsed is the archive read back.
type parsed struct {
	byType map[string][]*feature
	byID   map[string]*feature
	lonlat map[*feature][][2]float64 // coordinates as parsed, for exact checks
}

var readBack = sync.OnceValues(func() (*parsed, error) {
	fs, err := generated()
	if err != nil {
		return nil, err
	}
	p := &parsed{byType: map[string][]*feature{}, byID: map[string]*feature{}, lonlat: map[*feature][][2]float64{}}
	pr := geo.NewProjection(anchorLon, anchorLat)
	local := func(c [2]float64) point {
		q := pr.ToLocal(c[0], c[1])
		return point{q[0], q[1]}
	}
	for _, t := range []string{"address", "venue", "building", "footprint", "level", "unit", "opening", "amenity", "relationship", "beacon", "path", "gate", "reader"} {
		var fc struct {
			Type     string     `json:"type"`
			Features []*feature `json:"features"`
		}
		if err := json.Unmarshal(fs[t+".geojson"], &fc); err != nil {
			return nil, err
		}
		for _, f := range fc.Features {
			p.byID[f.ID] = f
			if f.Geometry == nil {
				continue
			}
			var cs [][2]float64
			switch f.Geometry.Type {
			case "Point":
				var c [2]float64
				if err := json.Unmarshal(f.Geometry.Coordinates, &c); err != nil {
					return nil, err
				}
				cs = [][2]float64{c}
				f.at = local(c)
			case "LineString":
				if err := json.Unmarshal(f.Geometry.Coordinates, &cs); err != nil {
					return nil, err
				}
				for _, c := range cs {
					f.line = append(f.line, local(c))
				}
			case "Polygon":
				var rings [][][2]float64
				if err := json.Unmarshal(f.Geometry.Coordinates, &rings); err != nil {
					return nil, err
				}
				cs = rings[0]
				for _, c := range cs {
					f.ring = append(f.ring, local(c))
				}
			}
			p.lonlat[f] = cs
		}
		p.byType[t] = fc.Features
	}
	return p, nil
})

func archive(t *testing.T) *parsed {
	t.Helper()
	p, err := readBack()
	if err != nil {
		t.Fatalf("reading the generated archive: %v", err)
	}
	return p
}

// ref returns a unit's reference.
func (f *feature) ref() string { return f.Properties.AltName["en"] }

// level returns the id of a feature's level, or "".
func (f *feature) level() string {
	if f.Properties.LevelID == nil {
		return ""
	}
	return *f.Properties.LevelID
}

func dist(a, b point) float64 { return math.Hypot(a.x-b.x, a.y-b.y) }

// segDist is the distance from p to segment ab.
func segDist(p, a, b point) float64 {
	dx, dy := b.x-a.x, b.y-a.y
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return dist(p, a)
	}
	t := math.Max(0, math.Min(1, ((p.x-a.x)*dx+(p.y-a.y)*dy)/l2))
	return dist(p, point{a.x + t*dx, a.y + t*dy})
}

// boundaryDist is the distance from p to a closed ring.
func boundaryDist(ring []point, p point) float64 {
	d := math.Inf(1)
	for i := 1; i < len(ring); i++ {
		d = math.Min(d, segDist(p, ring[i-1], ring[i]))
	}
	return d
}

// inside reports whether p is strictly inside a closed ring.
func inside(ring []point, p point) bool {
	in := false
	for i := 1; i < len(ring); i++ {
		a, b := ring[i-1], ring[i]
		if (a.y > p.y) != (b.y > p.y) && p.x < a.x+(p.y-a.y)/(b.y-a.y)*(b.x-a.x) {
			in = !in
		}
	}
	return in && boundaryDist(ring, p) > 1e-6
}

// signedArea is the signed area of a closed ring: positive counter-clockwise.
func signedArea(ring []point) float64 {
	var s float64
	for i := 1; i < len(ring); i++ {
		s += ring[i-1].x*ring[i].y - ring[i].x*ring[i-1].y
	}
	return s / 2
}

// box is a bounding box.
type box struct{ x0, y0, x1, y1 float64 }

func bounds(pts []point) box {
	b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		b = box{math.Min(b.x0, p.x), math.Min(b.y0, p.y), math.Max(b.x1, p.x), math.Max(b.y1, p.y)}
	}
	return b
}

// midpoint is the middle of an opening.
func midpoint(line []point) point {
	a, b := line[0], line[len(line)-1]
	return point{(a.x + b.x) / 2, (a.y + b.y) / 2}
}
