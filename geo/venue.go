package geo

import (
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
	Readers       []*Reader // the card readers, in file order

	Policy *Policy
	// Access is access.json as read, nil when the archive has none: the
	// access policy of the card readers, which geo does not parse
	// (services/access does).
	Access []byte
	// Booking is booking.json as read, nil when the archive has none:
	// the kinds of bookable spaces and their rules, the labs and their
	// equipment, which geo does not parse (services/booking does).
	Booking  []byte
	Problems []Problem

	byID  map[string]Feature
	index *venueIndex
	// guests are the buildings of the guest roles: role numRoles+i is
	// a visitor who may also see inside guests[i] (Venue.GuestRole).
	guests []*Building
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
