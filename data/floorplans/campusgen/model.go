package campusgen

import (
	"fmt"

	"github.com/google/uuid"
)

// The campus is laid out in a local metric plane: x metres east and y metres
// north of the anchor. Every wall is axis-aligned, so a rectangle stays a
// rectangle in longitude and latitude, and two walls computed from the same
// number round to the same coordinate.

// pt is a point of the local plane, in metres.
type pt struct{ x, y float64 }

// rect is an axis-aligned rectangle of the local plane, in metres.
type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) w() float64      { return r.x1 - r.x0 }
func (r rect) h() float64      { return r.y1 - r.y0 }
func (r rect) centre() pt      { return pt{(r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2} }
func (r rect) shift(d pt) rect { return rect{r.x0 + d.x, r.y0 + d.y, r.x1 + d.x, r.y1 + d.y} }

// labels is an IMDF LABELS object: English and simplified Chinese.
type labels struct{ en, zh string }

func lbl(en, zh string) *labels { return &labels{en, zh} }

// Buildings and their levels, units and openings, as the generator builds
// them before encoding.
type building struct {
	ref      string // reference in room references: "C3"
	name     labels
	category string // IMDF building category
	outline  rect
	under    bool // the footprint is subterranean (the car park)
	levels   []*level
	shafts   []*shaft // stairs and elevators stacked across levels

	meetings, discussions int // rooms named so far, to number their names
}

// level is one floor of a building.
type level struct {
	b       *building
	ordinal int
	floor   string // the floor people say: "1".."8", or "B1"
	units   []*unit
	doors   []*opening
	things  []*amenity
	beacons []pt
}

// unit is a room, corridor, stair or shaft of a level.
type unit struct {
	lvl         *level
	ref         string // "C3-607"; set by numberUnits
	category    string
	name        *labels
	r           rect
	restriction string // "" or "employeesonly"
	capacity    int    // people; 0 unless bookable (or a lab's room, booking.go)
	beacons     beaconRule
	bedroom     bool // a residence's bedroom: it has a smart lock
}

// beaconRule says where a unit's beacons go.
type beaconRule int

const (
	noBeacons   beaconRule = iota
	alongAxis              // every 8-10 m along the centreline (corridors, aisles)
	gridBeacons            // a grid of cells at most ~9.5 m across (large rooms)
)

// opening is a door on a level: centred at mid on a wall, half wide.
type opening struct {
	category string
	mid      pt
	vertical bool // the wall runs north-south (constant x)
	half     float64
	door     *door
	// room is the unit it opens (a room's door, or the unit an exit
	// leaves), from the side of the unit people come from (the corridor);
	// from is nil for an exit.
	room, from *unit
	badge      bool // IMDF access_control badgereader
}

// door is the IMDF door object of an opening.
type door struct {
	kind, material string
	automatic      bool
}

// amenity is a point service inside a unit.
type amenity struct {
	category string
	at       pt
	in       *unit
	name     *labels // nil: named by its category (amenityNames)
}

// shaft is a stair or an elevator: one unit per level it serves, lowest first.
type shaft struct {
	category string // "stairs" or "elevator"
	name     string // "Stair A", "Lift 1"
	units    []*unit
}

// namespace is the UUID namespace of every feature id of the campus archive.
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://campusnav.example/hkust-gz/imdf"))

// newID returns the stable id of a feature from its stable name.
func newID(format string, args ...any) string {
	return uuid.NewSHA1(namespace, fmt.Appendf(nil, format, args...)).String()
}

// errorf returns an error of the generator.
func errorf(format string, args ...any) error {
	return fmt.Errorf("campusgen: "+format, args...)
}

// key returns a stable name of the level: "C3:6", "CP:B1".
func (l *level) key() string { return l.b.ref + ":" + l.floor }

// add appends a unit of category c covering r to the level.
func (l *level) add(c string, r rect, name *labels) *unit {
	u := &unit{lvl: l, category: c, r: r, name: name}
	l.units = append(l.units, u)
	return u
}

// numberUnits gives every unit of the level its reference, in the order the
// units were added: "{building}-{floor}{NN}".
func (l *level) numberUnits() error {
	if len(l.units) > 99 {
		return errorf("level %s has %d units, more than 99", l.key(), len(l.units))
	}
	for i, u := range l.units {
		u.ref = fmt.Sprintf("%s-%s%02d", l.b.ref, l.floor, i+1)
	}
	return nil
}
