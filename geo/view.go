package geo

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// View is a Venue as one role sees it. Every question a viewer asks goes
// through a View; what the role may not see does not exist in its answers.
// A View is a small value, cheap to make per request.
type View struct {
	v    *Venue
	role Role
}

// View returns the venue as role r sees it. An unknown role sees what a
// tourist sees.
func (v *Venue) View(r Role) View {
	if int(r) >= int(numRoles)+len(v.guests) {
		r = Tourist
	}
	return View{v: v, role: r}
}

// Role returns the role of the view.
func (w View) Role() Role { return w.role }

// Venue returns the venue the view looks at.
func (w View) Venue() *Venue { return w.v }

// Feature returns the feature with id if the role may see it; a hidden
// feature is reported exactly like one that does not exist.
func (w View) Feature(id string) (Feature, bool) {
	f, ok := w.v.byID[id]
	if !ok || !f.Common().mask.has(w.role) {
		return nil, false
	}
	return f, true
}

// Sees reports whether the role may see f.
func (w View) Sees(f Feature) bool { return f.Common().mask.has(w.role) }

// Levels returns the levels of building b the role may see inside, by
// ordinal (none for a building it sees only from outside).
func (w View) Levels(b *Building) []*Level {
	var out []*Level
	for _, l := range b.Levels {
		if l.mask.has(w.role) {
			out = append(out, l)
		}
	}
	return out
}

// LevelRef is a level in an answer.
type LevelRef struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Ordinal int    `json:"ordinal"`
}

// BuildingLevels is a building and the levels a role may see in it.
type BuildingLevels struct {
	ID     string     `json:"id"`
	Ref    string     `json:"ref"`
	Name   string     `json:"name"`
	Levels []LevelRef `json:"levels"`
}

// Buildings lists every building (all are visible from outside) with the
// levels the role may see inside, names in lang.
func (w View) Buildings(lang string) []BuildingLevels {
	out := make([]BuildingLevels, 0, len(w.v.Buildings))
	for _, b := range w.v.Buildings {
		bl := BuildingLevels{ID: b.ID, Ref: b.Ref, Name: b.Name.In(lang), Levels: []LevelRef{}}
		for _, l := range w.Levels(b) {
			bl.Levels = append(bl.Levels, levelRef(l, lang))
		}
		out = append(out, bl)
	}
	return out
}

func levelRef(l *Level, lang string) LevelRef {
	name := l.Name.In(lang)
	if name == "" {
		name = l.ShortName.In(lang)
	}
	return LevelRef{ID: l.ID, Name: name, Ordinal: l.Ordinal}
}

// Within calls fn for every unit, opening and amenity on a level of the
// given ordinal whose bounding box meets bound (WGS 84), that the role may
// see, until fn returns false.
func (w View) Within(bound orb.Bound, ordinal int, fn func(Feature) bool) {
	t := w.v.index.levels[ordinal]
	if t == nil {
		return
	}
	min, max := w.localBox(bound)
	t.Search(min, max, func(_, _ [2]float64, l *Level) bool {
		if !l.mask.has(w.role) {
			return true
		}
		goOn := true
		l.index.features.Search(min, max, func(_, _ [2]float64, f Feature) bool {
			if f.Common().mask.has(w.role) {
				goOn = fn(f)
			}
			return goOn
		})
		return goOn
	})
}

func (w View) localBox(b orb.Bound) (min, max [2]float64) {
	lo := w.v.Projection.ToLocal(b.Min[0], b.Min[1])
	hi := w.v.Projection.ToLocal(b.Max[0], b.Max[1])
	return [2]float64{lo[0], lo[1]}, [2]float64{hi[0], hi[1]}
}

// SearchResult is one answer of Search. Building and level are ids, for
// machines; building_ref, floor and in name them for people.
type SearchResult struct {
	ID       string  `json:"id"`
	Kind     string  `json:"kind"` // unit, amenity, gate or building
	Ref      *string `json:"ref"`
	Name     string  `json:"name"`
	Category string  `json:"category"`
	Building *string `json:"building"` // building id
	Level    *string `json:"level"`    // level id
	Ordinal  int     `json:"ordinal"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	// BuildingRef is the building's reference ("C3"); null outdoors.
	BuildingRef *string `json:"building_ref"`
	// Floor names the level for people, as the archive's level names do
	// without the building ("6/F", "6楼", "B1"); null outdoors.
	Floor *string `json:"floor"`
	// In is the reference of the room an amenity is in ("C3-612"); null
	// for anything else, or when the role may not see the room.
	In *string `json:"in"`
	// Near is, for an amenity in a corridor or other passage, the nearest
	// room the role may see on its level ("C3-612"): what tells apart the
	// printers along one corridor. Null otherwise.
	Near *string `json:"near"`
}

// Search finds rooms, amenities, gates and buildings by reference prefix
// ("C1-3" finds C1-301...) and by word prefix of their names in English and
// Chinese (all words must match): an exact reference first, then references
// in order, then names. Names are in lang; limit <= 0 means the default.
func (w View) Search(q, lang string, limit int) []SearchResult {
	if limit <= 0 {
		limit = DefaultSearchLimit
	}
	out := []SearchResult{}
	w.v.index.search.find(q, w.role, func(e *searchEntry) bool {
		out = append(out, w.result(e, lang))
		return len(out) < limit
	})
	return out
}

// textAt stores s at p and returns p, or nil for "": the results' texts
// live in one struct a result allocates once.
func textAt(p *string, s string) *string {
	if s == "" {
		return nil
	}
	*p = s
	return p
}

func (w View) result(e *searchEntry, lang string) SearchResult {
	// The texts the result points to, in one allocation.
	var t struct{ ref, building, level, buildingRef, floor, in, near string }
	r := SearchResult{ID: e.f.Common().ID, Kind: e.kind, Ref: textAt(&t.ref, e.ref)}
	var pt orb.Point
	switch f := e.f.(type) {
	case *Building:
		r.Name, r.Category, pt = f.Name.In(lang), f.Category, f.Display
		r.Building = textAt(&t.building, f.ID)
	case *Gate:
		r.Name, r.Category, pt = f.Name.In(lang), f.Category, f.Geometry.(orb.Point)
	case *Unit:
		r.Name, r.Category, pt = displayName(f.Name, f.Category, lang), f.Category, f.Display
	case *Amenity:
		r.Name, r.Category, pt = displayName(f.Name, f.Category, lang), f.Category, f.Geometry.(orb.Point)
		in, near := w.amenityRooms(f, e)
		r.In, r.Near = textAt(&t.in, in), textAt(&t.near, near)
	}
	if e.building != nil {
		if e.kind != KindBuilding {
			r.Building = textAt(&t.building, e.building.ID)
		}
		r.BuildingRef = textAt(&t.buildingRef, e.building.Ref)
	}
	if e.level != nil {
		r.Level = textAt(&t.level, e.level.ID)
		r.Ordinal = e.level.Ordinal
		r.Floor = textAt(&t.floor, FloorName(e.level, lang))
	}
	r.Lon, r.Lat = round7(pt[0]), round7(pt[1])
	return r
}

// amenityRooms returns the references of the room amenity a is in and of
// the room it is near (for one in a corridor), as far as the role may see
// them ("" for none); e is its search entry, nil to look it up.
func (w View) amenityRooms(a *Amenity, e *searchEntry) (in, near string) {
	if len(a.Units) > 0 && w.Sees(a.Units[0]) {
		in = a.Units[0].Ref
	}
	if e == nil {
		ix := w.v.index.search
		n, ok := ix.byID[a.ID]
		if !ok {
			return in, ""
		}
		e = &ix.entries[n]
	}
	for _, u := range e.near {
		if w.Sees(u) {
			return in, u.Ref
		}
	}
	return in, ""
}

// FloorName names level l for people in lang the way its own name does,
// without its building: "6/F" for "C3 6/F", "6楼" for "C3 6楼", "B1" for
// "CP B1". A name that does not start with the building's reference is
// used whole; a level without a name is named by its short name, then by
// its ordinal counted from 1 for the ground floor.
func FloorName(l *Level, lang string) string {
	name := l.Name.In(lang)
	if b := l.Building(); b != nil && b.Ref != "" {
		if rest, ok := strings.CutPrefix(name, b.Ref); ok && strings.HasPrefix(rest, " ") {
			name = strings.TrimSpace(rest)
		}
	}
	if name == "" {
		name = l.ShortName.In(lang)
	}
	if name == "" {
		n := l.Ordinal + 1
		if l.Ordinal < 0 {
			return "B" + strconv.Itoa(-l.Ordinal)
		}
		name = strconv.Itoa(n) + "/F"
	}
	return name
}

// Named returns what the role may see that q names exactly, ignoring case
// and runs of spaces: the feature whose reference q is, if any (a
// reference names one place; byRef is then true); otherwise every feature
// one of whose names, in any language, is q (a room or amenity without a
// name answers to its kind's label), in the order search lists them.
func (w View) Named(q, lang string) (results []SearchResult, byRef bool) {
	ix := w.v.index.search
	key := foldName(q)
	for _, n := range ix.exact[key] {
		if e := &ix.entries[n]; e.f.Common().mask.has(w.role) {
			return []SearchResult{w.result(e, lang)}, true
		}
	}
	for _, n := range ix.names[key] {
		if e := &ix.entries[n]; e.f.Common().mask.has(w.role) {
			results = append(results, w.result(e, lang))
		}
	}
	return results, false
}

// Result returns the search result of the feature with id, names in lang,
// if the role may see it and search lists such features.
func (w View) Result(id, lang string) (SearchResult, bool) {
	f, ok := w.Feature(id)
	if !ok {
		return SearchResult{}, false
	}
	ix := w.v.index.search
	n, ok := ix.byID[f.Common().ID]
	if !ok {
		return SearchResult{}, false
	}
	return w.result(&ix.entries[n], lang), true
}

// displayName is a feature's name in lang, or its kind when it has none.
func displayName(name Labels, category, lang string) string {
	if s := name.In(lang); s != "" {
		return s
	}
	return CategoryLabel(category, lang)
}

func round7(x float64) float64 { return math.Round(x*1e7) / 1e7 }

func round1(x float64) float64 { return math.Round(x*10) / 10 }
