package campusgen

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"github.com/campusnav/engine/geo"
	"github.com/paulmach/orb"
)

// Anchor of the local plane: the campus in Nansha, Guangzhou.
const (
	anchorLon = 113.4780
	anchorLat = 22.8950
)

var proj = geo.NewProjection(anchorLon, anchorLat)

// e7 is a coordinate in units of 1e-7 degree: what the archive writes.
type e7 struct{ lon, lat int64 }

// toE7 returns the longitude and latitude of a local point, rounded to 7 decimals.
func toE7(p pt) e7 {
	lon, lat := proj.ToLonLat(orb.Point{p.x, p.y})
	return e7{int64(math.Round(lon * 1e7)), int64(math.Round(lat * 1e7))}
}

// local returns where a rounded coordinate is in the local plane.
func (c e7) local() pt {
	p := proj.ToLocal(float64(c.lon)/1e7, float64(c.lat)/1e7)
	return pt{p[0], p[1]}
}

// float returns the coordinate as a reader parses it.
func (c e7) float() (lon, lat float64) {
	lon, _ = strconv.ParseFloat(string(appendE7(nil, c.lon)), 64)
	lat, _ = strconv.ParseFloat(string(appendE7(nil, c.lat)), 64)
	return lon, lat
}

// appendE7 writes v×1e-7 in decimal, without trailing zeros.
func appendE7(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/1e7, 10)
	frac := v % 1e7
	if frac == 0 {
		return b
	}
	digits := []byte(strconv.FormatInt(frac+1e7, 10))[1:] // 7 digits, leading zeros kept
	digits = bytes.TrimRight(digits, "0")
	return append(append(b, '.'), digits...)
}

func appendPos(b []byte, c e7) []byte {
	b = append(b, '[')
	b = appendE7(b, c.lon)
	b = append(b, ',')
	b = appendE7(b, c.lat)
	return append(b, ']')
}

// pointJSON is a GeoJSON Point.
func pointJSON(c e7) json.RawMessage {
	b := []byte(`{"type":"Point","coordinates":`)
	return append(appendPos(b, c), '}')
}

// lineJSON is a GeoJSON LineString.
func lineJSON(cs []e7) json.RawMessage {
	b := []byte(`{"type":"LineString","coordinates":[`)
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPos(b, c)
	}
	return append(b, "]}"...)
}

// rectJSON is a GeoJSON Polygon of a rectangle, its ring closed and
// counter-clockwise.
func rectJSON(r rect) json.RawMessage {
	a, c := toE7(pt{r.x0, r.y0}), toE7(pt{r.x1, r.y1})
	ring := []e7{a, {c.lon, a.lat}, c, {a.lon, c.lat}, a}
	b := []byte(`{"type":"Polygon","coordinates":[[`)
	for i, p := range ring {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPos(b, p)
	}
	return append(b, "]]}"...)
}

// rectArea is the area in square metres of the rectangle as written (its
// corners rounded), to 0.1 m².
func rectArea(r rect) float64 {
	a, c := toE7(pt{r.x0, r.y0}).local(), toE7(pt{r.x1, r.y1}).local()
	return math.Round((c.x-a.x)*(c.y-a.y)*10) / 10
}

// field is one member of a JSON object written in a fixed order.
type field struct {
	k string
	v any
}

// object is a JSON object whose members keep their order.
type object []field

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(f.k)
		b = append(append(b, k...), ':')
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// MarshalJSON writes an IMDF LABELS object.
func (l *labels) MarshalJSON() ([]byte, error) {
	return json.Marshal(object{{"en", l.en}, {"zh-Hans", l.zh}})
}

// ref is an IMDF feature reference.
func ref(id, featureType string) object {
	return object{{"id", id}, {"feature_type", featureType}}
}

// oneDecimal is a number written with one decimal.
type oneDecimal float64

// MarshalJSON writes the number with one decimal.
func (d oneDecimal) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(d), 'f', 1, 64), nil
}

// collection collects the features of one GeoJSON file.
type collection struct {
	featureType string
	lines       [][]byte
	err         error
}

// add appends a feature; geometry nil writes null.
func (c *collection) add(id string, geometry json.RawMessage, props object) {
	p, err := json.Marshal(props)
	if err != nil && c.err == nil {
		c.err = err
	}
	if geometry == nil {
		geometry = json.RawMessage("null")
	}
	b := []byte(`{"id":`)
	b = strconv.AppendQuote(b, id)
	b = append(b, `,"type":"Feature","feature_type":`...)
	b = strconv.AppendQuote(b, c.featureType)
	b = append(b, `,"geometry":`...)
	b = append(b, geometry...)
	b = append(b, `,"properties":`...)
	b = append(b, p...)
	c.lines = append(c.lines, append(b, '}'))
}

// bytes returns the file: one feature a line.
func (c *collection) bytes() ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, l := range c.lines {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		b.Write(l)
	}
	b.WriteString("\n]}\n")
	return b.Bytes(), nil
}
