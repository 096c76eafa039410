package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadius is the mean radius of the earth in metres (IUGG).
const EarthRadius = 6371008.8

// Projection maps WGS 84 longitude/latitude to a local metric plane
// (metres east and north of an anchor) and back. It is an equirectangular
// projection about the anchor: over a campus (a few kilometres) its error is
// below a centimetre per hundred metres, far under the accuracy of the data.
type Projection struct {
	Lon0, Lat0 float64 // anchor, degrees
	kx, ky     float64 // metres per degree of longitude and latitude at the anchor
}

// NewProjection returns the projection anchored at (lon0, lat0), in degrees.
func NewProjection(lon0, lat0 float64) Projection {
	ky := EarthRadius * math.Pi / 180
	return Projection{Lon0: lon0, Lat0: lat0, kx: ky * math.Cos(lat0*math.Pi/180), ky: ky}
}

// ToLocal returns the point at (lon, lat) in metres east and north of the anchor.
func (p Projection) ToLocal(lon, lat float64) orb.Point {
	return orb.Point{(lon - p.Lon0) * p.kx, (lat - p.Lat0) * p.ky}
}

// ToLonLat returns the longitude and latitude, in degrees, of a local point in metres.
func (p Projection) ToLonLat(pt orb.Point) (lon, lat float64) {
	return p.Lon0 + pt[0]/p.kx, p.Lat0 + pt[1]/p.ky
}
