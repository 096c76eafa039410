package web

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// The query parsers: each names the parameter at fault.

func floatParam(c echo.Context, name string, required bool, lo, hi float64) (float64, bool, error) {
	s := c.QueryParam(name)
	if s == "" {
		if required {
			return 0, false, badParam(name, "%s is required", name)
		}
		return 0, false, nil
	}
	return parseFloatIn(name, s, lo, hi)
}

func parseFloatIn(name, s string, lo, hi float64) (float64, bool, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, badParam(name, "%s %q is not a number", name, s)
	}
	if f < lo || f > hi {
		return 0, false, badParam(name, "%s %v is out of range %v..%v", name, f, lo, hi)
	}
	return f, true, nil
}

func intParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	s := c.QueryParam(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, badParam(name, "%s %q is not an integer", name, s)
	}
	if n < lo || n > hi {
		return 0, badParam(name, "%s %d is out of range %d..%d", name, n, lo, hi)
	}
	return n, nil
}

// positionParams reads lon, lat and ordinal.
func positionParams(c echo.Context) (geo.Position, error) {
	lon, _, err := floatParam(c, "lon", true, -180, 180)
	if err != nil {
		return geo.Position{}, err
	}
	lat, _, err := floatParam(c, "lat", true, -90, 90)
	if err != nil {
		return geo.Position{}, err
	}
	if c.QueryParam("ordinal") == "" {
		return geo.Position{}, badParam("ordinal", "ordinal is required (0 is the ground floor)")
	}
	ord, err := intParam(c, "ordinal", 0, geo.MinOrdinal, geo.MaxOrdinal)
	if err != nil {
		return geo.Position{}, err
	}
	return geo.Position{Lon: lon, Lat: lat, Ordinal: ord}, nil
}

// onCampus refuses a position given as lon and lat that lies farther than
// geo.MaxOutsideM outside the campus: a 400 naming "lon,lat".
func (s *Server) onCampus(pos geo.Position) error {
	if s.d.Venue == nil {
		return nil
	}
	if err := s.d.Venue.CheckNear(pos.Lon, pos.Lat); err != nil {
		return causeProblem(http.StatusBadRequest, "lon,lat", err)
	}
	return nil
}

// parseBBox reads "minLon,minLat,maxLon,maxLat".
func parseBBox(s string) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, badParam("bbox", "bbox %q is not minLon,minLat,maxLon,maxLat", s)
	}
	var v [4]float64
	for i, p := range parts {
		lo, hi := -180.0, 180.0
		if i%2 == 1 {
			lo, hi = -90, 90
		}
		f, _, err := parseFloatIn("bbox", p, lo, hi)
		if err != nil {
			return orb.Bound{}, err
		}
		v[i] = f
	}
	if v[0] > v[2] || v[1] > v[3] {
		return orb.Bound{}, badParam("bbox", "bbox %q has its minimum above its maximum", s)
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

func langParam(c echo.Context) (string, error) {
	switch l := strings.ToLower(c.QueryParam("lang")); l {
	case "", "en":
		return "en", nil
	case "zh", "zh-hans", "zh-cn":
		return "zh", nil
	default:
		return "", badParam("lang", "lang %q is not en or zh", l)
	}
}

// timeField is an RFC 3339 time of field (a body's or a query's); zero
// for "" unless required.
func timeField(field, v string, required bool) (time.Time, error) {
	if v == "" {
		if required {
			return time.Time{}, badParam(field, "%s is required", field)
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, badParam(field, "%s %q is not an RFC 3339 time (2026-03-01T09:00:00+08:00)", field, v)
	}
	return t, nil
}

// pathID is a positive integer path parameter.
func pathID(c echo.Context, name string) (int64, error) {
	v := c.Param(name)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, badParam(name, "%s %q is not an id", name, v)
	}
	return n, nil
}
