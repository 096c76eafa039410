package routing

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// ErrUnknownPlace is returned (wrapped in a *PlaceError) for a place that
// does not exist, or that the role may not see: the two are answered alike.
var ErrUnknownPlace = errors.New("routing: unknown place")

// ErrAmbiguous is returned (wrapped in an *AmbiguousError) for a name that
// several places the role may see have: which one is not guessed.
var ErrAmbiguous = errors.New("routing: ambiguous place")

// MaxCandidates is how many places an *AmbiguousError lists.
const MaxCandidates = 10

// PlaceError says which place is unknown and what the role may see that
// comes close.
type PlaceError struct {
	Query       string
	Suggestions []geo.SearchResult

	view geo.View // to name the suggestions in another language
}

func (e *PlaceError) Error() string { return "routing: " + e.DetailIn("en") }
func (e *PlaceError) Unwrap() error { return ErrUnknownPlace }

// DetailIn says what is wrong in lang ("en" or "zh").
func (e *PlaceError) DetailIn(lang string) string {
	zh := geo.IsChinese(lang)
	var msg string
	if zh {
		msg = fmt.Sprintf("未知地点 %q", e.Query)
	} else {
		msg = fmt.Sprintf("unknown place %q", e.Query)
	}
	if len(e.Suggestions) == 0 {
		return msg
	}
	names := placeLabels(e.view, e.Suggestions, lang)
	if zh {
		return msg + "（相近的有：" + strings.Join(names, "；") + "）"
	}
	return msg + " (close matches: " + strings.Join(names, "; ") + ")"
}

// AmbiguousError says that a name names several places, and which.
type AmbiguousError struct {
	Query      string
	Candidates []geo.SearchResult // the first MaxCandidates, in search order
	Total      int                // how many places the name names

	view geo.View
}

func (e *AmbiguousError) Error() string { return "routing: " + e.DetailIn("en") }
func (e *AmbiguousError) Unwrap() error { return ErrAmbiguous }

// DetailIn says what is wrong in lang ("en" or "zh").
func (e *AmbiguousError) DetailIn(lang string) string {
	names := placeLabels(e.view, e.Candidates, lang)
	more := e.Total - len(names)
	if geo.IsChinese(lang) {
		msg := fmt.Sprintf("%q 对应 %d 个地点：%s", e.Query, e.Total, strings.Join(names, "；"))
		if more > 0 {
			msg += fmt.Sprintf(" 等（另有 %d 个）", more)
		}
		return msg + "。请改用房间号或编号指明是哪一个"
	}
	msg := fmt.Sprintf("%q names %d places: %s", e.Query, e.Total, strings.Join(names, "; "))
	if more > 0 {
		msg += fmt.Sprintf(" and %d more", more)
	}
	return msg + "; give a reference or an id to say which"
}

// EndError says which end of a route, "from", "to" or "via", could not be
// resolved; the error it wraps says why.
type EndError struct {
	End string
	Err error
}

func (e *EndError) Error() string { return e.Err.Error() }
func (e *EndError) Unwrap() error { return e.Err }

// placeLabels names search results for people in lang: "C3-607 Office",
// "Printer (C3-612)", "Gate 2".
func placeLabels(w geo.View, rs []geo.SearchResult, lang string) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if w.Venue() != nil {
			if again, ok := w.Result(r.ID, lang); ok {
				r = again
			}
		}
		out = append(out, resultLabel(r, lang))
	}
	return out
}

func resultLabel(r geo.SearchResult, lang string) string {
	switch {
	case r.Kind == geo.KindAmenity && r.In != nil:
		where := *r.In
		if r.Near != nil {
			if geo.IsChinese(lang) {
				where += "，近" + *r.Near
			} else {
				where += ", near " + *r.Near
			}
		}
		if geo.IsChinese(lang) {
			return r.Name + "（" + where + "）"
		}
		return r.Name + " (" + where + ")"
	case r.Ref != nil && *r.Ref != r.Name:
		return *r.Ref + " " + r.Name
	}
	return r.Name
}

// Place is where a route starts, passes or ends, as the role sees it.
type Place struct {
	Kind     string // unit, amenity, gate, building or point
	ID       string // the feature's id; empty for a point
	Ref      string
	Name     geo.Labels
	Category string
	Building *geo.Building // for a building: the one whose entrances count
	In       string        // for an amenity: the reference of the room it is in
	Point    orb.Point     // local metres: where the route starts or ends
	Ordinal  int
	Level    *geo.Level // nil outdoors

	seeds []seed
}

// PlaceKind values.
const (
	PlacePoint = "point"
)

// Resolve finds the place s means for the viewer: a position
// "LON,LAT,ORDINAL" (or "LON,LAT" on the ground floor) within
// geo.MaxOutsideM of the venue, an id that search returns (unit, amenity,
// gate, building), a reference ("C3-607", "G2", "C3"), or a name
// ("Gate 2") that names one place. A place the viewer may not see is an
// unknown place (*PlaceError, with close matches); a name of several is an
// *AmbiguousError; a bad or far-away position, a *geo.PositionError or a
// *geo.FarError.
func (g *Graph) Resolve(w geo.View, s string, p Profile) (*Place, error) {
	return g.resolve(w, s, p, "en")
}

// resolve is Resolve with the names of suggestions and candidates in lang.
func (g *Graph) resolve(w geo.View, s string, p Profile, lang string) (*Place, error) {
	q := strings.TrimSpace(s)
	if q == "" {
		return nil, &PlaceError{Query: s, view: w}
	}
	if pos, isPos, err := parsePoint(q); isPos {
		if err != nil {
			return nil, err
		}
		if err := g.Venue.CheckNear(pos.Lon, pos.Lat); err != nil {
			return nil, err
		}
		return g.pointPlace(w, pos, p, q)
	}
	if f, ok := w.Feature(q); ok {
		if pl := g.featurePlace(w, f); pl != nil {
			return pl, nil
		}
	}
	named, _ := w.Named(q, lang)
	var places []*Place
	var candidates []geo.SearchResult
	for _, r := range named {
		if f, ok := w.Feature(r.ID); ok {
			if pl := g.featurePlace(w, f); pl != nil {
				places = append(places, pl)
				candidates = append(candidates, r)
			}
		}
	}
	switch {
	case len(places) == 1:
		return places[0], nil
	case len(places) > 1:
		return nil, &AmbiguousError{Query: q, Candidates: candidates[:min(len(candidates), MaxCandidates)], Total: len(candidates), view: w}
	}
	return nil, &PlaceError{Query: s, Suggestions: w.CloseMatches(q, lang, 5), view: w}
}

// parsePoint reads a place written as a position: "LON,LAT,ORDINAL", or
// "LON,LAT" (two numbers) on the ground floor. isPos says whether s is
// written as one at all (two commas, or one between numbers); err, what
// is wrong with it.
func parsePoint(s string) (pos geo.Position, isPos bool, err error) {
	switch strings.Count(s, ",") {
	case 2:
		pos, err = geo.ParsePosition(s)
		return pos, true, err
	case 1:
		lon, lat, _ := strings.Cut(s, ",")
		if !numeric(lon) || !numeric(lat) {
			return pos, false, nil
		}
		pos, err = geo.ParsePosition(s + ",0")
		return pos, true, err
	}
	return pos, false, nil
}

// numeric reports whether s is written as a number, even one out of range.
func numeric(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// featurePlace makes the place of a feature the viewer sees; nil for a
// feature that is no place to go (a level, an opening).
func (g *Graph) featurePlace(w geo.View, f geo.Feature) *Place {
	pl := &Place{ID: f.Common().ID}
	switch f := f.(type) {
	case *geo.Unit:
		n, ok := g.byFeature[f.ID]
		if !ok {
			return nil
		}
		pl.Kind, pl.Ref, pl.Name, pl.Category, pl.Level = geo.KindUnit, f.Ref, f.Name, f.Category, f.Level
		pl.setNode(g, n)
	case *geo.Amenity:
		n, ok := g.byFeature[f.ID]
		if !ok {
			// An amenity the graph could not place: go to its unit.
			if len(f.Units) == 0 {
				return nil
			}
			if n, ok = g.byFeature[f.Units[0].ID]; !ok {
				return nil
			}
		}
		pl.Kind, pl.Name, pl.Category, pl.Level = geo.KindAmenity, f.Name, f.Category, f.Level
		if len(f.Units) > 0 && w.Sees(f.Units[0]) {
			pl.In = f.Units[0].Ref
		}
		pl.setNode(g, n)
	case *geo.Gate:
		n, ok := g.byFeature[f.ID]
		if !ok {
			return nil
		}
		pl.Kind, pl.Ref, pl.Name, pl.Category = geo.KindGate, f.Ref, f.Name, f.Category
		pl.setNode(g, n)
	case *geo.Building:
		pl.Kind, pl.Ref, pl.Name, pl.Category, pl.Building = geo.KindBuilding, f.Ref, f.Name, f.Category, f
		for _, n := range g.entrances[f] {
			pl.seeds = append(pl.seeds, seed{node: n})
		}
		if len(pl.seeds) == 0 {
			return nil
		}
		pl.Point = g.Nodes[pl.seeds[0].node].Point
	default:
		return nil
	}
	return pl
}

func (pl *Place) setNode(g *Graph, n int32) {
	pl.seeds = []seed{{node: n}}
	pl.Point = g.Nodes[n].Point
	pl.Ordinal = g.Nodes[n].Ordinal
}

func (g *Graph) pointPlace(w geo.View, pos geo.Position, p Profile, q string) (*Place, error) {
	pt := g.Venue.Projection.ToLocal(pos.Lon, pos.Lat)
	sn, ok := g.snap(w, pt, pos.Ordinal, p)
	if !ok {
		return nil, noRoute(fmt.Sprintf("nothing you may walk to on level %d near %s", pos.Ordinal, q),
			fmt.Sprintf("%s 附近的 %d 层没有你可以步行到达的地方", q, pos.Ordinal))
	}
	pl := &Place{Kind: PlacePoint, Point: sn.at, Ordinal: pos.Ordinal, seeds: sn.seeds}
	lon, lat := g.Venue.Projection.ToLonLat(sn.at)
	if loc := w.Locate(geo.Position{Lon: lon, Lat: lat, Ordinal: pos.Ordinal}, "en"); loc.Level != nil {
		if f, ok := w.Feature(loc.Level.ID); ok {
			pl.Level = f.(*geo.Level)
		}
	}
	return pl, nil
}
