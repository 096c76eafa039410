package beacons

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"time"

	json "github.com/goccy/go-json"
)

// Heard is one beacon in a scan: by its identity (uuid, major, minor) or by
// its registry id, and the signal strength received, dBm.
type Heard struct {
	UUID   string  `json:"uuid,omitempty"`
	Major  *int    `json:"major,omitempty"`
	Minor  *int    `json:"minor,omitempty"`
	Beacon string  `json:"beacon,omitempty"`
	RSSI   float64 `json:"rssi"`
}

// Truth is where a simulated or surveyed scan really was.
type Truth struct {
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
	Ordinal int     `json:"ordinal"`
	Level   string  `json:"level"`
	// Heard is how many beacons the scan heard, when the simulator says
	// (in a regime other than classic): eval's lost tracks count only
	// while beacons are heard.
	Heard *int `json:"heard,omitempty"`
}

// Scan is what a phone heard in about a second.
type Scan struct {
	Device string  `json:"device"`
	T      string  `json:"t"` // as received; echoed exactly
	Scans  []Heard `json:"scans"`
	Truth  *Truth  `json:"truth,omitempty"`

	at time.Time
}

// Time returns when the scan was made.
func (s *Scan) Time() time.Time { return s.at }

// ErrScan is returned for a scan line that cannot be read.
var ErrScan = errors.New("beacons: scan")

// ParseScan reads one line of scans JSON; its error names the field at fault.
func ParseScan(line []byte) (Scan, error) {
	var s Scan
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("%w: not a scan: %v", ErrScan, err)
	}
	if s.Device == "" {
		return s, fmt.Errorf("%w: device is missing", ErrScan)
	}
	t, err := time.Parse(time.RFC3339Nano, s.T)
	if err != nil {
		return s, fmt.Errorf("%w: t %q is not an RFC 3339 time", ErrScan, s.T)
	}
	s.at = t
	for i, h := range s.Scans {
		switch {
		case math.IsNaN(h.RSSI) || h.RSSI < -130 || h.RSSI > 20:
			return s, fmt.Errorf("%w: scans[%d].rssi %v is not a signal strength in dBm", ErrScan, i, h.RSSI)
		case h.Beacon == "" && (h.UUID == "" || h.Major == nil || h.Minor == nil):
			return s, fmt.Errorf("%w: scans[%d] names no beacon (want uuid, major and minor, or beacon)", ErrScan, i)
		}
	}
	if s.Truth != nil && (s.Truth.Lon < -180 || s.Truth.Lon > 180 || s.Truth.Lat < -90 || s.Truth.Lat > 90) {
		return s, fmt.Errorf("%w: truth is not a longitude, latitude", ErrScan)
	}
	return s, nil
}

// Fix is the answer for one scan. Position fields are null when the scan
// had too little to go on; Reason then says why.
type Fix struct {
	Device    string   `json:"device"`
	T         string   `json:"t"`
	Lon       *float64 `json:"lon"`
	Lat       *float64 `json:"lat"`
	Level     *string  `json:"level"`
	Ordinal   *int     `json:"ordinal"`
	Unit      *string  `json:"unit"` // the unit's id
	AccuracyM *float64 `json:"accuracy_m"`
	UnitRef   *string  `json:"unit_ref,omitempty"`
	Building  *string  `json:"building,omitempty"` // a building seen from outside (a dormitory): its id
	// BuildingRef is that building's reference ("D1"), when it has one.
	BuildingRef *string `json:"building_ref,omitempty"`
	// BuildingName is that building's name, {"en": ..., "zh": ...}.
	BuildingName map[string]string `json:"building_name,omitempty"`
	Reason       string            `json:"reason,omitempty"`
	Truth        *Truth            `json:"truth,omitempty"` // echoed from a simulated scan, for eval
}

// Reading is a scan resolved against the registry: the beacons known, with
// their RSSI. Unknown counts the beacons the registry does not have.
type Reading struct {
	Beacons []*Beacon
	RSSI    []float64
	Unknown int
}

// Resolve looks up the beacons of a scan; unknown ones are counted, and a
// beacon heard twice keeps its strongest reading.
func (r *Registry) Resolve(s *Scan) Reading {
	var rd Reading
	at := map[*Beacon]int{}
	for _, h := range s.Scans {
		var b *Beacon
		var ok bool
		if h.Beacon != "" {
			b, ok = r.ByID(h.Beacon)
		} else {
			b, ok = r.Lookup(Key{h.UUID, *h.Major, *h.Minor})
		}
		if !ok {
			rd.Unknown++
			continue
		}
		if i, dup := at[b]; dup {
			rd.RSSI[i] = math.Max(rd.RSSI[i], h.RSSI)
			continue
		}
		at[b] = len(rd.Beacons)
		rd.Beacons = append(rd.Beacons, b)
		rd.RSSI = append(rd.RSSI, h.RSSI)
	}
	return rd
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
