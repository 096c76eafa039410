package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Venue is a loaded, validated and indexed IMDF archive. It is immutable and
// safe to share between goroutines. Read it on a viewer's behalf only through
// View: its exported slices hold every feature, hidden or not.
type Venue struct {
	Base
	Name       Labels
	Category   string
	Display    orb.Point // WGS 84
	Projection Projection
	Manifest   Manifest

	Buildings     []*Building
	Footprints    []*Footprint
	Levels        []*Level // by building, then ordinal
	Units         []*Unit
	Openings      []*Opening
	Amenities     []*Amenity
	Relationships []*Relationship
	Beacons       []*Beacon
	Paths         []*Path
	Gates         []*Gate

	Policy   *Policy
	Problems []Problem

	byID  map[string]Feature
	index *venueIndex
}

// Manifest is the archive's manifest.json.
type Manifest struct {
	Version     string   `json:"version"`
	Created     string   `json:"created"`
	GeneratedBy string   `json:"generated_by"`
	Language    string   `json:"language"`
	Extensions  []string `json:"extensions"`
}

// Feature returns the feature with the given id, hidden or not. It is for
// the engine's own use; viewers ask through View.Feature.
func (v *Venue) Feature(id string) (Feature, bool) {
	f, ok := v.byID[id]
	return f, ok
}

// Position is a place on the campus: WGS 84 longitude, latitude, and the
// ordinal of a level (0 is the ground floor; outdoors is ordinal 0).
type Position struct {
	Lon, Lat float64
	Ordinal  int
}

// ParsePosition reads a position written "LON,LAT,ORDINAL", as places are
// given on the command line and in URLs.
func ParsePosition(s string) (Position, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return Position{}, fmt.Errorf("geo: %q is not LON,LAT,ORDINAL", s)
	}
	lon, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	ord, err3 := strconv.Atoi(strings.TrimSpace(parts[2]))
	switch {
	case err1 != nil || math.IsNaN(lon) || lon < -180 || lon > 180:
		return Position{}, fmt.Errorf("geo: longitude %q is not a number in -180..180", parts[0])
	case err2 != nil || math.IsNaN(lat) || lat < -90 || lat > 90:
		return Position{}, fmt.Errorf("geo: latitude %q is not a number in -90..90", parts[1])
	case err3 != nil:
		return Position{}, fmt.Errorf("geo: ordinal %q is not an integer", parts[2])
	}
	return Position{Lon: lon, Lat: lat, Ordinal: ord}, nil
}
