// Package beacons owns positioning from Bluetooth Low Energy beacons: the
// registry of beacons and where they are, the path-loss model that turns a
// received signal strength (RSSI, dBm) into a distance, fixes from one scan
// (floor detection and weighted non-linear least squares), tracking of a
// device over time (a particle filter that moves along the walkable graph of
// the floor plan, or over the plane where a site has none, and learns its
// phone's offset and the site's exponent from the device's own stream),
// calibration from a site survey (per-beacon path loss and a radio map of
// fingerprints), the textbook baselines (trilateration, k-nearest
// neighbours), and a simulator of scans along real routes of the campus,
// in the engine's own world (classic) or in harsher regimes drawn per site
// and per walk, for testing and for judging.
//
// Positions inside are metres in the venue's local plane; answers carry
// WGS 84 longitude, latitude, a level and an accuracy radius in metres.
package beacons

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// Beacon is one registered beacon.
type Beacon struct {
	ID            string
	UUID          string // lower case
	Major, Minor  int
	MeasuredPower float64   // dBm at 1 m, as registered
	Point         orb.Point // local metres
	Ordinal       int
	Level         *geo.Level // nil outdoors, or for a standalone registry
	LevelID       string     // the level's id as the registry names it; "" outdoors
	idx           int        // index in Registry.Beacons
}

// Key identifies a beacon as a phone hears it.
type Key struct {
	UUID         string
	Major, Minor int
}

func (b *Beacon) key() Key { return Key{b.UUID, b.Major, b.Minor} }

// Registry is the set of beacons positioning knows, and the site they are
// on: a venue, or a standalone file's own plane.
type Registry struct {
	Beacons    []*Beacon
	Projection geo.Projection
	Venue      *geo.Venue // nil for a standalone registry: nothing is snapped to a venue
	Problems   []string   // beacons of a standalone file left out, and why
	byKey      map[Key]*Beacon
	byID       map[string]*Beacon
}

// ErrRegistry is returned for a beacon file that cannot be used.
var ErrRegistry = errors.New("beacons: registry")

// FromVenue returns the registry of a venue's beacon.geojson.
func FromVenue(v *geo.Venue) *Registry {
	r := &Registry{Projection: v.Projection, Venue: v}
	for _, b := range v.Beacons {
		nb := &Beacon{ID: b.ID, UUID: b.UUID, Major: b.Major, Minor: b.Minor, MeasuredPower: float64(b.MeasuredPower),
			Point: b.Local.(orb.Point), Ordinal: b.Ordinal, Level: b.Level}
		if b.Level != nil {
			nb.LevelID = b.Level.ID
		}
		r.Beacons = append(r.Beacons, nb)
	}
	r.index()
	return r
}

func (r *Registry) index() {
	r.byKey = map[Key]*Beacon{}
	r.byID = map[string]*Beacon{}
	for i, b := range r.Beacons {
		b.idx = i
		r.byKey[b.key()] = b
		r.byID[b.ID] = b
	}
}

// Lookup returns the beacon heard with the given identity.
func (r *Registry) Lookup(k Key) (*Beacon, bool) {
	if b, ok := r.byKey[k]; ok {
		return b, true
	}
	b, ok := r.byKey[Key{strings.ToLower(k.UUID), k.Major, k.Minor}]
	return b, ok
}

// ByID returns the beacon with the registry id.
func (r *Registry) ByID(id string) (*Beacon, bool) {
	b, ok := r.byID[id]
	return b, ok
}

// LoadFile reads a standalone GeoJSON file of beacons for another site: a
// FeatureCollection of Points with the properties of beacon.geojson (uuid,
// major, minor, measured_power, level_id) and any string id; a beacon's
// ordinal is its "ordinal" property, 0 when the file gives none. The
// beacons are placed on a plane of their own, anchored at their centre.
// Problems name the feature and the field; a file with none usable is an
// error.
func LoadFile(path string) (*Registry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRegistry, err)
	}
	return Parse(data, path)
}

type beaconFeature struct {
	ID       json.RawMessage `json:"id"`
	Geometry struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties struct {
		UUID          *string  `json:"uuid"`
		Major         *float64 `json:"major"`
		Minor         *float64 `json:"minor"`
		MeasuredPower *float64 `json:"measured_power"`
		LevelID       *string  `json:"level_id"`
		Ordinal       *float64 `json:"ordinal"`
	} `json:"properties"`
}

// Parse reads a standalone beacon file's bytes; name is used in errors.
func Parse(data []byte, name string) (*Registry, error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil || fc.Type != "FeatureCollection" {
		if err == nil {
			err = fmt.Errorf("type is %q", fc.Type)
		}
		return nil, fmt.Errorf("%w: %s is not a GeoJSON FeatureCollection: %v", ErrRegistry, name, err)
	}
	type parsed struct {
		b   Beacon
		lon float64
		lat float64
	}
	var ok []parsed
	var problems []string
	seen := map[Key]string{}
	for i, raw := range fc.Features {
		var f beaconFeature
		where := fmt.Sprintf("%s feature %d", name, i)
		if err := json.Unmarshal(raw, &f); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", where, err))
			continue
		}
		id := strings.Trim(string(f.ID), `"`)
		if id == "" || id == "null" {
			id = fmt.Sprintf("#%d", i)
		}
		where = fmt.Sprintf("%s feature %s", name, id)
		p := f.Properties
		switch {
		case f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) < 2:
			problems = append(problems, where+": geometry is not a Point")
		case p.UUID == nil || *p.UUID == "":
			problems = append(problems, where+": uuid is missing")
		case p.Major == nil || *p.Major < 0 || *p.Major > 65535 || *p.Major != float64(int(*p.Major)):
			problems = append(problems, where+": major is not an integer 0-65535")
		case p.Minor == nil || *p.Minor < 0 || *p.Minor > 65535 || *p.Minor != float64(int(*p.Minor)):
			problems = append(problems, where+": minor is not an integer 0-65535")
		case p.MeasuredPower == nil || *p.MeasuredPower < -127 || *p.MeasuredPower > 20:
			problems = append(problems, where+": measured_power is not a power in dBm at 1 m")
		default:
			lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
			if lon < -180 || lon > 180 || lat < -90 || lat > 90 || lon != lon || lat != lat {
				problems = append(problems, where+": coordinates are not a longitude, latitude")
				continue
			}
			b := Beacon{ID: id, UUID: strings.ToLower(*p.UUID), Major: int(*p.Major), Minor: int(*p.Minor), MeasuredPower: *p.MeasuredPower}
			if p.LevelID != nil {
				b.LevelID = *p.LevelID
			}
			if p.Ordinal != nil {
				b.Ordinal = int(*p.Ordinal)
			}
			if first, dup := seen[b.key()]; dup {
				problems = append(problems, fmt.Sprintf("%s: uuid, major, minor already belong to %s", where, first))
				continue
			}
			seen[b.key()] = id
			ok = append(ok, parsed{b, lon, lat})
		}
	}
	if len(ok) == 0 {
		msg := "no usable beacon"
		if len(problems) > 0 {
			msg += ": " + strings.Join(problems[:min(5, len(problems))], "; ")
		}
		return nil, fmt.Errorf("%w: %s: %s", ErrRegistry, name, msg)
	}
	var clon, clat float64
	for _, p := range ok {
		clon, clat = clon+p.lon, clat+p.lat
	}
	r := &Registry{Projection: geo.NewProjection(clon/float64(len(ok)), clat/float64(len(ok)))}
	for _, p := range ok {
		b := p.b
		b.Point = r.Projection.ToLocal(p.lon, p.lat)
		r.Beacons = append(r.Beacons, &b)
	}
	sort.SliceStable(r.Beacons, func(i, j int) bool { return r.Beacons[i].ID < r.Beacons[j].ID })
	r.index()
	r.Problems = problems
	return r, nil
}
