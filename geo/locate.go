package geo

import (
	"github.com/paulmach/orb"
)

// NamedRef is a building in an answer.
type NamedRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UnitRef is a unit in an answer.
type UnitRef struct {
	ID       string `json:"id"`
	Ref      string `json:"ref"`
	Name     string `json:"name"`
	Category string `json:"category"`
}

// Location answers Locate. Building is null outdoors; Level and Unit are
// null where the role may not see inside, and Unit between units.
type Location struct {
	Building *NamedRef `json:"building"`
	Level    *LevelRef `json:"level"`
	Unit     *UnitRef  `json:"unit"`
}

// Locate says which building, level and unit contain the position, as the
// role sees them; names in lang. Buildings are seen from outside by every
// role, so a position inside a building the role may not enter answers the
// building alone, at any ordinal, so that no answer tells its floors.
func (w View) Locate(at Position, lang string) Location {
	var loc Location
	pt := w.v.Projection.ToLocal(at.Lon, at.Lat)
	var level *Level
	if t := w.v.index.levels[at.Ordinal]; t != nil {
		t.Search(pt, pt, func(_, _ [2]float64, l *Level) bool {
			if Contains(l.Local, pt) {
				level = l
				return false
			}
			return true
		})
	}
	var building *Building
	if level != nil {
		building = level.Building()
		if !level.mask.has(w.role) {
			level = nil
		}
	}
	if building == nil {
		building = w.footprintAt(pt)
		if building != nil && building.access[w.role] > AccessNone && at.Ordinal != 0 {
			// A building the role may enter, but not at this ordinal: the
			// point is above or below it, outdoors.
			building = nil
		}
	}
	if building != nil {
		loc.Building = &NamedRef{ID: building.ID, Name: building.Name.In(lang)}
	}
	if level == nil {
		return loc
	}
	lr := levelRef(level, lang)
	loc.Level = &lr
	level.index.units.Search(pt, pt, func(_, _ [2]float64, u *Unit) bool {
		if u.mask.has(w.role) && Contains(u.Local, pt) {
			loc.Unit = &UnitRef{ID: u.ID, Ref: u.Ref, Name: displayName(u.Name, u.Category, lang), Category: u.Category}
			return false
		}
		return true
	})
	return loc
}

// footprintAt returns the building whose ground footprint contains pt.
func (w View) footprintAt(pt orb.Point) *Building {
	var found *Building
	w.v.index.footprints.Search(pt, pt, func(_, _ [2]float64, f *Footprint) bool {
		if f.Category != "subterranean" && len(f.Buildings) > 0 && Contains(f.Local, pt) {
			found = f.Buildings[0]
			return false
		}
		return true
	})
	return found
}
