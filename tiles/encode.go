package tiles

import (
	"math"

	"github.com/paulmach/orb"
)

// A direct Mapbox Vector Tile 2.1 encoder: geometries are projected to
// normalized Web Mercator once, at start, so a tile costs a multiply-add
// per vertex and an append per byte; keys and values are interned per
// layer. Geometries are not clipped: a feature that meets the tile is
// encoded whole (coordinates may run past the extent, which renderers
// clip), so nothing is cut at tile seams.

// extent is the tile's coordinate range.
const extent = 4096

// mercator is a geometry in normalized Web Mercator: x, y in [0, 1), y down.
type mercator struct {
	kind  uint32         // 1 point, 2 line string, 3 polygon
	parts [][][2]float64 // points: one part of one point; lines: one part; polygons: rings (outer first), per polygon
	polys []int          // polygons: the number of rings of each polygon, in order
}

func toMercator(p orb.Point) [2]float64 {
	x := (p[0] + 180) / 360
	s := math.Sin(p[1] * math.Pi / 180)
	y := 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return [2]float64{x, y}
}

func ringMercator(r []orb.Point) [][2]float64 {
	out := make([][2]float64, len(r))
	for i, p := range r {
		out[i] = toMercator(p)
	}
	return out
}

// project makes the mercator form of a WGS 84 geometry.
func project(g orb.Geometry) *mercator {
	switch g := g.(type) {
	case orb.Point:
		return &mercator{kind: 1, parts: [][][2]float64{{toMercator(g)}}}
	case orb.LineString:
		return &mercator{kind: 2, parts: [][][2]float64{ringMercator(g)}}
	case orb.MultiLineString:
		m := &mercator{kind: 2}
		for _, ls := range g {
			m.parts = append(m.parts, ringMercator(ls))
		}
		return m
	case orb.Polygon:
		m := &mercator{kind: 3}
		for _, r := range g {
			m.parts = append(m.parts, ringMercator(r))
		}
		m.polys = []int{len(g)}
		return m
	case orb.MultiPolygon:
		m := &mercator{kind: 3}
		for _, p := range g {
			for _, r := range p {
				m.parts = append(m.parts, ringMercator(r))
			}
			m.polys = append(m.polys, len(p))
		}
		return m
	}
	return nil
}

// value is a property value of a tile.
type value struct {
	kind uint8 // 1 string, 3 double, 7 bool
	s    string
	f    float64
	b    bool
}

func str(s string) value   { return value{kind: 1, s: s} }
func num(f float64) value  { return value{kind: 3, f: f} }
func boolean(b bool) value { return value{kind: 7, b: b} }

// layer accumulates one layer of a tile.
type layer struct {
	name     string
	keys     []string
	keyIdx   map[string]uint32
	vals     []value
	valIdx   map[value]uint32
	features []byte
	n        int
	// scratch
	tags []uint32
	geom []uint32
}

func newLayer(name string) *layer {
	return &layer{name: name, keyIdx: map[string]uint32{}, valIdx: map[value]uint32{}}
}

// tag adds a property to the feature being built.
func (l *layer) tag(k string, v value) {
	ki, ok := l.keyIdx[k]
	if !ok {
		ki = uint32(len(l.keys))
		l.keys = append(l.keys, k)
		l.keyIdx[k] = ki
	}
	vi, ok := l.valIdx[v]
	if !ok {
		vi = uint32(len(l.vals))
		l.vals = append(l.vals, v)
		l.valIdx[v] = vi
	}
	l.tags = append(l.tags, ki, vi)
}

// feature encodes the geometry m in tile (z, x, y) with the tags added
// since the last feature.
func (l *layer) feature(m *mercator, z uint32, tx, ty uint32) {
	scale := float64(uint64(1)<<z) * extent
	ox, oy := float64(tx)*extent, float64(ty)*extent
	g := l.geom[:0]
	var cx, cy int32 // the cursor
	pt := func(p [2]float64) (int32, int32) {
		return int32(math.Round(p[0]*scale - ox)), int32(math.Round(p[1]*scale - oy))
	}
	cmd := func(id, count uint32) { g = append(g, id&7|count<<3) }
	param := func(x, y int32) {
		g = append(g, zigzag(x-cx), zigzag(y-cy))
		cx, cy = x, y
	}
	switch m.kind {
	case 1:
		x, y := pt(m.parts[0][0])
		cmd(1, 1)
		param(x, y)
	case 2:
		for _, ls := range m.parts {
			xs := dedupe(ls, pt)
			if len(xs) < 2 {
				continue
			}
			cmd(1, 1)
			param(xs[0][0], xs[0][1])
			cmd(2, uint32(len(xs)-1))
			for _, p := range xs[1:] {
				param(p[0], p[1])
			}
		}
	case 3:
		ri := 0
		for _, nr := range m.polys {
			for k := 0; k < nr; k++ {
				xs := dedupe(m.parts[ri+k], pt)
				if len(xs) > 1 && xs[0] == xs[len(xs)-1] {
					xs = xs[:len(xs)-1]
				}
				if len(xs) < 3 {
					if k == 0 {
						break // no outer ring: skip the polygon's rings
					}
					continue
				}
				// Exterior rings wind positive in tile space (y down),
				// interior ones negative.
				if a := area(xs); (k == 0) != (a > 0) {
					for i, j := 0, len(xs)-1; i < j; i, j = i+1, j-1 {
						xs[i], xs[j] = xs[j], xs[i]
					}
				}
				cmd(1, 1)
				param(xs[0][0], xs[0][1])
				cmd(2, uint32(len(xs)-1))
				for _, p := range xs[1:] {
					param(p[0], p[1])
				}
				cmd(7, 1)
			}
			ri += nr
		}
	}
	l.geom = g
	if len(g) == 0 {
		l.tags = l.tags[:0]
		return
	}
	// Feature message: tags (2, packed), type (3), geometry (4, packed).
	var f []byte
	f = appendPacked(f, 2, l.tags)
	f = appendVarintField(f, 3, uint64(m.kind))
	f = appendPacked(f, 4, g)
	l.features = appendBytesField(l.features, 2, f)
	l.n++
	l.tags = l.tags[:0]
}

func dedupe(pts [][2]float64, pt func([2]float64) (int32, int32)) [][2]int32 {
	out := make([][2]int32, 0, len(pts))
	for _, p := range pts {
		x, y := pt(p)
		if n := len(out); n > 0 && out[n-1] == [2]int32{x, y} {
			continue
		}
		out = append(out, [2]int32{x, y})
	}
	return out
}

func area(r [][2]int32) float64 {
	s := 0.0
	for i := range r {
		j := (i + 1) % len(r)
		s += float64(r[i][0])*float64(r[j][1]) - float64(r[j][0])*float64(r[i][1])
	}
	return s
}

func zigzag(v int32) uint32 { return uint32((v << 1) ^ (v >> 31)) }

// encode appends the layer message to a tile.
func (l *layer) encode(tile []byte) []byte {
	if l.n == 0 {
		return tile
	}
	var b []byte
	b = appendVarintField(b, 15, 2) // version
	b = appendBytesField(b, 1, []byte(l.name))
	b = append(b, l.features...)
	for _, k := range l.keys {
		b = appendBytesField(b, 3, []byte(k))
	}
	for _, v := range l.vals {
		var vb []byte
		switch v.kind {
		case 1:
			vb = appendBytesField(vb, 1, []byte(v.s))
		case 3:
			vb = appendKey(vb, 3, 1)
			vb = appendFixed64(vb, math.Float64bits(v.f))
		case 7:
			bv := uint64(0)
			if v.b {
				bv = 1
			}
			vb = appendVarintField(vb, 7, bv)
		}
		b = appendBytesField(b, 4, vb)
	}
	b = appendVarintField(b, 5, extent)
	return appendBytesField(tile, 3, b)
}

// Protocol buffer wire format.

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendKey(b []byte, field, wire uint64) []byte { return appendVarint(b, field<<3|wire) }

func appendVarintField(b []byte, field, v uint64) []byte {
	return appendVarint(appendKey(b, field, 0), v)
}

func appendBytesField(b []byte, field uint64, v []byte) []byte {
	b = appendVarint(appendKey(b, field, 2), uint64(len(v)))
	return append(b, v...)
}

func appendPacked(b []byte, field uint64, vs []uint32) []byte {
	n := 0
	for _, v := range vs {
		n += varintLen(uint64(v))
	}
	b = appendVarint(appendKey(b, field, 2), uint64(n))
	for _, v := range vs {
		b = appendVarint(b, uint64(v))
	}
	return b
}

func appendFixed64(b []byte, v uint64) []byte {
	for i := 0; i < 8; i++ {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
