package geo

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/paulmach/orb"
)

// rawFeature is a GeoJSON feature as read, before its properties are typed.
type rawFeature struct {
	ID          string
	FeatureType string
	Geometry    orb.Geometry // nil for a null geometry
	Properties  json.RawMessage
	file        string
}

type rawFeatureJSON struct {
	Type        string          `json:"type"`
	ID          json.RawMessage `json:"id"`
	FeatureType *string         `json:"feature_type"`
	Geometry    json.RawMessage `json:"geometry"`
	Properties  json.RawMessage `json:"properties"`
}

// decodeCollection reads a FeatureCollection file of features of type want
// into its features, reporting each feature that cannot be read and leaving
// it out. A feature without a feature_type is taken for one of the file's; a
// feature of a type this engine does not know (an extension's) is skipped
// with a warning; one of another IMDF type is in error.
//
// It returns the features read and the ids of those in error.
func decodeCollection(file, want string, data []byte, ps *problems) (out []rawFeature, bad []string) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		ps.errorf(file, "", RuleParse, "not a GeoJSON FeatureCollection: %v", err)
		return nil, nil
	}
	if fc.Type != "FeatureCollection" {
		ps.errorf(file, "", RuleParse, "type is %q, want \"FeatureCollection\"", fc.Type)
		return nil, nil
	}
	out = make([]rawFeature, 0, len(fc.Features))
	for i, raw := range fc.Features {
		var fj rawFeatureJSON
		if err := json.Unmarshal(raw, &fj); err != nil {
			ps.errorf(file, fmt.Sprintf("#%d", i), RuleParse, "feature %d is not a GeoJSON Feature: %v", i, err)
			continue
		}
		id, ok := decodeID(fj.ID)
		if !ok {
			ps.errorf(file, fmt.Sprintf("#%d", i), RuleMissingID, "feature %d has no id", i)
			continue
		}
		if fj.Type != "Feature" {
			ps.errorf(file, id, RuleParse, "type is %q, want \"Feature\"", fj.Type)
			bad = append(bad, id)
			continue
		}
		switch ft := fj.FeatureType; {
		case ft == nil || *ft == "":
			ps.warnf(file, id, RuleFeatureType, "feature has no feature_type (read as a %s)", want)
		case *ft == want:
		case geometryTypes[*ft] != nil:
			ps.errorf(file, id, RuleFeatureType, "feature_type %q in %s (want %q)", *ft, file, want)
			bad = append(bad, id)
			continue
		default:
			ps.warnf(file, id, RuleFeatureType, "feature_type %q is not one this engine reads (skipped)", *ft)
			continue
		}
		props := bytes.TrimSpace(fj.Properties)
		if len(props) == 0 || bytes.Equal(props, []byte("null")) {
			props = []byte("{}")
		}
		if props[0] != '{' {
			ps.errorf(file, id, RuleParse, "properties is not an object")
			bad = append(bad, id)
			continue
		}
		f := rawFeature{ID: id, FeatureType: want, Properties: props, file: file}
		g := bytes.TrimSpace(fj.Geometry)
		if len(g) > 0 && !bytes.Equal(g, []byte("null")) {
			geom, err := decodeGeometry(g)
			if err != nil {
				ps.errorf(file, id, RuleGeometry, "geometry: %v", err)
				bad = append(bad, id)
				continue
			}
			f.Geometry = geom
		}
		out = append(out, f)
	}
	return out, bad
}

// decodeID reads a feature id: a non-empty string (IMDF ids are UUIDs), or a
// number, which some exporters write.
func decodeID(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, strings.TrimSpace(s) != ""
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), true
	}
	return "", false
}

// props reads the typed properties of one feature and reports what is wrong.
type props struct {
	m    map[string]json.RawMessage
	file string
	typ  string // the feature type
	id   string
	ps   *problems
	bad  bool // a required property is missing or wrong: drop the feature
	// own: bad for a fault of its own, reported; else, when bad, it is left
	// out because what it names was (cascade is the key of that cause).
	own     bool
	cascade string
}

func newProps(f rawFeature, ps *problems, known []string) *props {
	p := &props{file: f.file, typ: f.FeatureType, id: f.ID, ps: ps}
	if err := json.Unmarshal(f.Properties, &p.m); err != nil {
		ps.errorf(f.file, f.ID, RuleParse, "properties: %v", err)
		p.bad, p.own = true, true
		return p
	}
	if known != nil {
		var unknown []string
		for k := range p.m {
			if !hasString(known, k) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			ps.warnf(f.file, f.ID, RuleUnknownProp, "unknown properties %s", strings.Join(unknown, ", "))
		}
	}
	return p
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// fail reports a required property in error.
func (p *props) fail(key, format string, args ...any) {
	p.ps.errorf(p.file, p.id, RuleProperty, "%s: %s", key, fmt.Sprintf(format, args...))
	p.bad, p.own = true, true
}

// warn reports an optional property in error; it is ignored.
func (p *props) warn(key, format string, args ...any) {
	p.ps.warnf(p.file, p.id, RuleProperty, "%s: %s (ignored)", key, fmt.Sprintf(format, args...))
}

func (p *props) str(key string, required bool) string {
	raw, ok := p.m[key]
	if !ok || isNull(raw) {
		if required {
			p.fail(key, "missing")
		}
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		if required {
			p.fail(key, "want a string")
		} else {
			p.warn(key, "want a string")
		}
	}
	return s
}

func (p *props) labels(key string) Labels {
	raw, ok := p.m[key]
	if !ok || isNull(raw) {
		return nil
	}
	var l Labels
	if err := json.Unmarshal(raw, &l); err != nil {
		// Some exporters write a plain string: take it as English.
		var s string
		if json.Unmarshal(raw, &s) == nil {
			p.warn(key, "want a LABELS object, not a string")
			return Labels{"en": s}
		}
		p.warn(key, "want a LABELS object")
		return nil
	}
	return l
}

func (p *props) integer(key string, required bool) (int, bool) {
	raw, ok := p.m[key]
	if !ok || isNull(raw) {
		if required {
			p.fail(key, "missing")
		}
		return 0, false
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != float64(int(f)) || f > 1e9 || f < -1e9 {
		if required {
			p.fail(key, "want an integer")
		} else {
			p.warn(key, "want an integer")
		}
		return 0, false
	}
	return int(f), true
}

func (p *props) number(key string) float64 {
	raw, ok := p.m[key]
	if !ok || isNull(raw) {
		return 0
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		p.warn(key, "want a number")
		return 0
	}
	return f
}

func (p *props) boolean(key string) bool {
	raw, ok := p.m[key]
	if !ok || isNull(raw) {
		return false
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		p.warn(key, "want true or false")
	}
	return b
}

// ids reads a list of feature ids (an id, or null, is taken as a list of
// at most one).
func (p *props) ids(key string, required bool) []string {
	raw, ok := p.m[key]
	if !ok || isNull(raw) {
		if required {
			p.fail(key, "missing")
		}
		return nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		if id, ok := decodeID(raw); ok {
			return []string{id}
		}
		p.fail(key, "want an array of feature ids")
		return nil
	}
	out := make([]string, 0, len(list))
	for _, r := range list {
		id, ok := decodeID(r)
		if !ok {
			p.fail(key, "an element is not a feature id")
			return nil
		}
		out = append(out, id)
	}
	if required && len(out) == 0 {
		p.fail(key, "empty")
	}
	return out
}

// displayPoint reads the display_point property: a GeoJSON Point.
func (p *props) displayPoint() (orb.Point, bool) {
	raw, ok := p.m["display_point"]
	if !ok || isNull(raw) {
		return orb.Point{}, false
	}
	g, err := decodeGeometry(raw)
	if err != nil {
		p.warn("display_point", "not a GeoJSON geometry: %v", err)
		return orb.Point{}, false
	}
	pt, ok := g.(orb.Point)
	if !ok || !validLonLat(pt) {
		p.warn("display_point", "want a Point with a longitude and latitude")
		return orb.Point{}, false
	}
	return pt, true
}

// ref reads a feature reference object {"id", "feature_type"}.
func (p *props) ref(key string, required bool) (id, featureType string) {
	raw, ok := p.m[key]
	if !ok || isNull(raw) {
		if required {
			p.fail(key, "missing")
		}
		return "", ""
	}
	var r struct {
		ID          json.RawMessage `json:"id"`
		FeatureType string          `json:"feature_type"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		p.fail(key, "want {\"id\", \"feature_type\"}")
		return "", ""
	}
	id, ok = decodeID(r.ID)
	if !ok {
		p.fail(key, "has no id")
	}
	return id, r.FeatureType
}

// decodeGeometry reads a GeoJSON geometry object into orb types.
func decodeGeometry(raw []byte) (orb.Geometry, error) {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, err
	}
	if isNull(g.Coordinates) {
		return nil, fmt.Errorf("%s has no coordinates", g.Type)
	}
	switch g.Type {
	case "Point":
		var c []float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("coordinates of a Point: %v", err)
		}
		return position(c)
	case "MultiPoint", "LineString":
		var c [][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("coordinates of a %s: %v", g.Type, err)
		}
		ps, err := positions(c)
		if g.Type == "MultiPoint" {
			return orb.MultiPoint(ps), err
		}
		return orb.LineString(ps), err
	case "MultiLineString", "Polygon":
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("coordinates of a %s: %v", g.Type, err)
		}
		lines := make([][]orb.Point, len(c))
		for i := range c {
			var err error
			if lines[i], err = positions(c[i]); err != nil {
				return nil, err
			}
		}
		if g.Type == "Polygon" {
			poly := make(orb.Polygon, len(lines))
			for i, l := range lines {
				poly[i] = orb.Ring(l)
			}
			return poly, nil
		}
		mls := make(orb.MultiLineString, len(lines))
		for i, l := range lines {
			mls[i] = orb.LineString(l)
		}
		return mls, nil
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("coordinates of a MultiPolygon: %v", err)
		}
		mp := make(orb.MultiPolygon, len(c))
		for i := range c {
			mp[i] = make(orb.Polygon, len(c[i]))
			for j := range c[i] {
				ps, err := positions(c[i][j])
				if err != nil {
					return nil, err
				}
				mp[i][j] = orb.Ring(ps)
			}
		}
		return mp, nil
	case "":
		return nil, fmt.Errorf("geometry has no type")
	}
	return nil, fmt.Errorf("unsupported geometry type %q", g.Type)
}

func position(c []float64) (orb.Point, error) {
	if len(c) < 2 {
		return orb.Point{}, fmt.Errorf("a position has %d numbers, want longitude and latitude", len(c))
	}
	return orb.Point{c[0], c[1]}, nil
}

func positions(cs [][]float64) ([]orb.Point, error) {
	out := make([]orb.Point, len(cs))
	for i, c := range cs {
		p, err := position(c)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}
