package geo

import (
	json "github.com/goccy/go-json"

	"github.com/paulmach/orb"
)

// Feature is what every feature of a Venue has in common.
type Feature interface {
	Common() *Base
}

// Base holds what every feature has: its IMDF id and feature type, its
// geometry as read (WGS 84) and projected (metres), and its properties as
// read, for output.
type Base struct {
	ID         string
	Type       string          // IMDF feature_type: "unit", "opening", ...
	Geometry   orb.Geometry    // WGS 84 longitude, latitude; nil for features without geometry
	Local      orb.Geometry    // Geometry in the venue's local metric plane (metres)
	Properties json.RawMessage // the properties object as read

	mask roleMask // the roles that may see this feature
}

// Common returns the feature's common part.
func (b *Base) Common() *Base { return b }

// Building is an IMDF building. Its geometry is null; its outline is its
// footprints.
type Building struct {
	Base
	Ref        string // short reference used in room references: "C3"
	Name       Labels
	Category   string
	Restricted bool // IMDF restriction employeesonly or restricted
	Footprints []*Footprint
	Levels     []*Level // ordered by ordinal
	Display    orb.Point
	access     [MaxRoles]Access
}

// Footprint is an IMDF footprint: a building's outline at ground, aerial or
// subterranean level.
type Footprint struct {
	Base
	Category  string
	Buildings []*Building
}

// Level is one floor of one building.
type Level struct {
	Base
	Name       Labels
	ShortName  Labels
	Ordinal    int
	Outdoor    bool
	Category   string
	Restricted bool
	Buildings  []*Building
	Units      []*Unit
	Openings   []*Opening
	index      *levelIndex
}

// Building returns the level's (first) building.
func (l *Level) Building() *Building {
	if len(l.Buildings) == 0 {
		return nil
	}
	return l.Buildings[0]
}

// Unit is a room, corridor, stair, elevator shaft or other space of a level.
type Unit struct {
	Base
	Ref        string // the reference people use: "C3-607" (IMDF alt_name)
	Name       Labels
	AltName    Labels
	Category   string
	Restricted bool
	Level      *Level
	Display    orb.Point // WGS 84
	Capacity   int       // people, for bookable rooms; 0 when unknown
	AreaM2     float64   // square metres, for bookable rooms; 0 when unknown
	Openings   []*Opening
	Amenities  []*Amenity
}

// Opening is a door or passage on a level: between two units, or between a
// unit and the outside.
type Opening struct {
	Base
	Category string
	Name     Labels
	Level    *Level
	Units    []*Unit // the units whose boundary it lies on
	Entrance bool    // it lies on its level's outer wall: an entrance or exit
	Door     json.RawMessage
}

// Amenity is a point service inside one or more units: a printer, an AED...
type Amenity struct {
	Base
	Category string
	Name     Labels
	Units    []*Unit
	Level    *Level // the level of its first unit; nil outdoors
	Ordinal  int
}

// Relationship links features: here, the vertical links (elevator, stairs,
// escalator, ramp) between units of different levels.
type Relationship struct {
	Base
	Category     string
	Direction    string
	Origin       Feature
	Intermediary []Feature
	Destination  Feature
}

// Beacon is a Bluetooth Low Energy beacon of the registry extension.
type Beacon struct {
	Base
	UUID          string
	Major, Minor  int
	MeasuredPower int    // dBm at 1 m
	Level         *Level // nil outdoors
	Ordinal       int
}

// Path is a segment of the outdoor path network extension.
type Path struct {
	Base
	Category    string // footway, steps, ramp, driveway
	Covered     bool
	FromOrdinal int // ordinal at the first vertex
	ToOrdinal   int // ordinal at the last vertex
	Name        Labels
}

// Gate is a campus gate of the gate extension.
type Gate struct {
	Base
	Ref      string
	Name     Labels
	Category string // pedestrian, vehicle, mixed
}

// Reader is a card reader of the reader extension: a gate's turnstile, a car barrier, a door
// reader, a lift's reader, a smart lock, a printer's or the library's reader, a till.
type Reader struct {
	Base
	Kind     string  // ReaderGate, ReaderBarrier, ReaderDoor, ReaderElevator, ReaderLock, ReaderPrinter, ReaderLibrary, ReaderPOS
	Guards   Feature // what it stands for: *Opening, *Unit, *Amenity or *Gate
	Name     Labels
	Level    *Level    // nil outdoors
	Ordinal  int       // the level's; 0 outdoors
	Building *Building // the building it stands in or guards (a door's, a lift's); nil outdoors
}
