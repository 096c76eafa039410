package repair

import (
	"errors"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
)

// Place is where a reporter is, as the asker may see it: a unit, or only a
// building seen from outside (Level, Ordinal, Floor, Unit, Ref, Name empty).
type Place struct {
	Building    string  `json:"building"` // building id ("" outdoors)
	BuildingRef string  `json:"building_ref"`
	Level       string  `json:"level"` // level id
	Ordinal     *int    `json:"ordinal"`
	Floor       string  `json:"floor"` // the level's short name in the asker's language
	Unit        string  `json:"unit"`  // unit id
	Ref         string  `json:"ref"`   // the unit's reference, C3-607
	Name        string  `json:"name"`  // the unit's name in the asker's language
	Lon         float64 `json:"lon"`
	Lat         float64 `json:"lat"`
}

// Candidate is a room near the estimate, for a one-tap correction.
type Candidate struct {
	Unit      string  `json:"unit"`
	Ref       string  `json:"ref"`
	Name      string  `json:"name"`
	DistanceM float64 `json:"distance_m"`
}

// Located is the answer of POST /repairs/locate.
type Located struct {
	Place      Place       `json:"place"`
	AccuracyM  float64     `json:"accuracy_m"`
	Candidates []Candidate `json:"candidates"`
}

// Locating places a reporter from their scans (a few seconds of them, one
// device), for the viewer w in language lang. An error wraps
// ErrNoLocation when the scans place nobody.
type Locating interface {
	Locate(w geo.View, lang string, scans []beacons.Scan) (Located, error)
}

// ErrNoLocation is the error of scans that place nobody.
var ErrNoLocation = errors.New("repair: the scans place nobody")
