package geo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
)

// Position is a place on the campus: WGS 84 longitude, latitude, and the
// ordinal of a level (0 is the ground floor; outdoors is ordinal 0).
type Position struct {
	Lon, Lat float64
	Ordinal  int
}

// The ordinals a position may name: five floors underground to the top of
// any building.
const (
	MinOrdinal = -20
	MaxOrdinal = 200
)

// ErrBadPosition is returned (wrapped in a *PositionError) for a position
// that is not written LON,LAT,ORDINAL with numbers in range.
var ErrBadPosition = errors.New("geo: bad position")

// PositionError says which part of a written position is wrong.
type PositionError struct {
	Input string // what was given
	Part  string // "longitude", "latitude", "ordinal", or "" for the shape
	Value string // the part as given
}

func (e *PositionError) Error() string { return "geo: " + e.DetailIn("en") }
func (e *PositionError) Unwrap() error { return ErrBadPosition }

// DetailIn says what is wrong in lang ("en" or "zh").
func (e *PositionError) DetailIn(lang string) string {
	zh := IsChinese(lang)
	switch e.Part {
	case "longitude":
		if zh {
			return fmt.Sprintf("经度 %q 不是 -180..180 之间的数", e.Value)
		}
		return fmt.Sprintf("longitude %q is not a number in -180..180", e.Value)
	case "latitude":
		if zh {
			return fmt.Sprintf("纬度 %q 不是 -90..90 之间的数", e.Value)
		}
		return fmt.Sprintf("latitude %q is not a number in -90..90", e.Value)
	case "ordinal":
		if zh {
			return fmt.Sprintf("楼层序号 %q 不是 %d..%d 之间的整数", e.Value, MinOrdinal, MaxOrdinal)
		}
		return fmt.Sprintf("ordinal %q is not an integer in %d..%d", e.Value, MinOrdinal, MaxOrdinal)
	}
	if zh {
		return fmt.Sprintf("%q 不是 经度,纬度,楼层序号 的格式", e.Input)
	}
	return fmt.Sprintf("%q is not LON,LAT,ORDINAL", e.Input)
}

// ParsePosition reads a position written "LON,LAT,ORDINAL", as places are
// given on the command line and in URLs: decimal numbers (ASCII digits),
// longitude in -180..180, latitude in -90..90, and an integer ordinal in
// MinOrdinal..MaxOrdinal. Anything else is a *PositionError.
func ParsePosition(s string) (Position, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return Position{}, &PositionError{Input: s}
	}
	lon, okLon := parseDegrees(parts[0], 180)
	lat, okLat := parseDegrees(parts[1], 90)
	ord, err := strconv.Atoi(strings.TrimSpace(parts[2]))
	switch {
	case !okLon:
		return Position{}, &PositionError{Input: s, Part: "longitude", Value: parts[0]}
	case !okLat:
		return Position{}, &PositionError{Input: s, Part: "latitude", Value: parts[1]}
	case err != nil || ord < MinOrdinal || ord > MaxOrdinal:
		return Position{}, &PositionError{Input: s, Part: "ordinal", Value: parts[2]}
	}
	return Position{Lon: lon, Lat: lat, Ordinal: ord}, nil
}

// parseDegrees reads a decimal number in -limit..limit.
func parseDegrees(s string, limit float64) (float64, bool) {
	s = strings.TrimSpace(s)
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E') {
			return 0, false // no NaN, Inf, hexadecimal or other digits
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil && x >= -limit && x <= limit
}

// MaxOutsideM is how far outside the venue's boundary, in metres, a
// position may lie and still be a place on the campus (a bus stop across
// the road, a gate's forecourt). Routes, nearest, locate and saved places
// refuse positions farther out.
const MaxOutsideM = 500.0

// ErrFarAway is returned (wrapped in a *FarError) for a position farther
// than MaxOutsideM outside the venue's boundary.
var ErrFarAway = errors.New("geo: position far outside the venue")

// FarError says how far outside the venue a position lies.
type FarError struct {
	Lon, Lat float64
	OutsideM float64 // metres outside the venue's boundary
}

func (e *FarError) Error() string { return "geo: " + e.DetailIn("en") }
func (e *FarError) Unwrap() error { return ErrFarAway }

// DetailIn says what is wrong in lang ("en" or "zh").
func (e *FarError) DetailIn(lang string) string {
	at := strconv.FormatFloat(e.Lon, 'f', -1, 64) + "," + strconv.FormatFloat(e.Lat, 'f', -1, 64)
	if IsChinese(lang) {
		return fmt.Sprintf("位置 %s 在校园边界外 %s，不是校园内的地点（最远可在边界外 %.0f 米）", at, distanceText(e.OutsideM, true), MaxOutsideM)
	}
	return fmt.Sprintf("the position %s is %s outside the campus: a place must lie within %.0f m of its boundary", at, distanceText(e.OutsideM, false), MaxOutsideM)
}

// distanceText writes metres for people: "620 m", "3.4 km", "9512 km".
func distanceText(m float64, zh bool) string {
	unitM, unitKM := " m", " km"
	if zh {
		unitM, unitKM = " 米", " 公里"
	}
	switch {
	case m < 1000:
		return fmt.Sprintf("%.0f%s", m, unitM)
	case m < 10000:
		return fmt.Sprintf("%.1f%s", m/1000, unitKM)
	}
	return fmt.Sprintf("%.0f%s", m/1000, unitKM)
}

// OutsideM returns how far, in metres, the point (lon, lat) lies outside
// the venue's boundary (its venue feature's outline): 0 inside it.
// A venue without an outline is measured by its buildings' footprints.
func (v *Venue) OutsideM(lon, lat float64) float64 {
	pt := v.Projection.ToLocal(lon, lat)
	var outline []orb.Geometry
	if v.Local != nil {
		outline = []orb.Geometry{v.Local}
	} else {
		for _, f := range v.Footprints {
			outline = append(outline, f.Local)
		}
	}
	if len(outline) == 0 {
		return 0
	}
	d := math.Inf(1)
	for _, g := range outline {
		if Contains(g, pt) {
			return 0
		}
		d = min(d, outerDistance(g, pt))
	}
	// The local plane is true near the campus only; far away, the great
	// circle to the venue's point says how far.
	if d > 20000 {
		d = orbgeo.DistanceHaversine(orb.Point{lon, lat}, v.Display)
	}
	return d
}

// CheckNear returns nil if (lon, lat) lies within MaxOutsideM of the
// venue's boundary, and otherwise a *FarError (a *PositionError for
// coordinates that are not numbers in range). Every place a viewer gives
// as a position goes through it.
func (v *Venue) CheckNear(lon, lat float64) error {
	if math.IsNaN(lon) || lon < -180 || lon > 180 {
		return &PositionError{Input: fmt.Sprint(lon, ",", lat), Part: "longitude", Value: fmt.Sprint(lon)}
	}
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		return &PositionError{Input: fmt.Sprint(lon, ",", lat), Part: "latitude", Value: fmt.Sprint(lat)}
	}
	if d := v.OutsideM(lon, lat); d > MaxOutsideM {
		return &FarError{Lon: lon, Lat: lat, OutsideM: d}
	}
	return nil
}
