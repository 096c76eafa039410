package routing

import (
	"errors"
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// ErrUnknownPlace is returned (wrapped in a *PlaceError) for a place that
// does not exist, or that the role may not see: the two are answered alike.
var ErrUnknownPlace = errors.New("routing: unknown place")

// PlaceError says which place is unknown and what the role may see that
// comes close.
type PlaceError struct {
	Query       string
	Suggestions []geo.SearchResult
}

func (e *PlaceError) Error() string {
	msg := fmt.Sprintf("routing: unknown place %q", e.Query)
	if len(e.Suggestions) > 0 {
		var names []string
		for _, s := range e.Suggestions {
			label := s.Name
			if s.Ref != nil {
				label = *s.Ref + " " + s.Name
			}
			names = append(names, label)
		}
		msg += " (close matches: " + strings.Join(names, "; ") + ")"
	}
	return msg
}

func (e *PlaceError) Unwrap() error { return ErrUnknownPlace }

// Place is where a route starts, passes or ends, as the role sees it.
type Place struct {
	Kind     string // unit, amenity, gate, building or point
	ID       string // the feature's id; empty for a point
	Ref      string
	Name     geo.Labels
	Category string
	Building *geo.Building // for a building: the one whose entrances count
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
// "LON,LAT,ORDINAL", an id that search returns (unit, amenity, gate,
// building), or a reference ("C3-607", "G2", "C3") or exact name ("Gate 2").
// A place the viewer may not see is an unknown place.
func (g *Graph) Resolve(w geo.View, s string, p Profile) (*Place, error) {
	q := strings.TrimSpace(s)
	if q == "" {
		return nil, &PlaceError{Query: s}
	}
	if strings.Count(q, ",") == 2 {
		pos, err := geo.ParsePosition(q)
		if err != nil {
			return nil, fmt.Errorf("routing: place %q: %w", s, err)
		}
		return g.pointPlace(w, pos, p, q)
	}
	if f, ok := w.Feature(q); ok {
		if pl := g.featurePlace(w, f); pl != nil {
			return pl, nil
		}
	}
	for _, lang := range []string{"en", "zh"} {
		for _, r := range w.Search(q, lang, 5) {
			exact := (r.Ref != nil && strings.EqualFold(*r.Ref, q)) || strings.EqualFold(r.Name, q)
			if !exact {
				continue
			}
			if f, ok := w.Feature(r.ID); ok {
				if pl := g.featurePlace(w, f); pl != nil {
					return pl, nil
				}
			}
		}
	}
	return nil, &PlaceError{Query: s, Suggestions: closeMatches(w, q)}
}

// closeMatches returns what the viewer may see that is nearest to q: a
// search for q, then for ever shorter beginnings of it.
func closeMatches(w geo.View, q string) []geo.SearchResult {
	rs := []rune(q)
	for n := len(rs); n > 0; n-- {
		if got := w.Search(string(rs[:n]), "en", 5); len(got) > 0 {
			return got
		}
	}
	return nil
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
		return nil, &NoRouteError{Reason: fmt.Sprintf("nothing you may walk to on level %d near %s", pos.Ordinal, q)}
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
