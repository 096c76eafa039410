package tiles

import (
	"math"
	"sync"

	"github.com/paulmach/orb"
)

// A direct Mapbox Vector Tile 2.1 encoder: geometries are projected to
// normalized Web Mercator once, at start, so a tile costs a multiply-add
// per vertex and an append per byte; keys and values are interned per
// layer. Geometries are clipped to the tile and a buffer around it
// (renderers keep coordinates in 16 bits: a corridor at zoom 22 spans many
// tiles), so lines and fills still meet across seams.

// extent is the tile's coordinate range; buffer how far beyond it
// geometries are kept.
const (
	extent = 4096
	buffer = 256
	clipLo = -buffer
	clipHi = extent + buffer
)

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

// fromMercator is the WGS 84 point of a normalized Web Mercator one.
func fromMercator(m [2]float64) orb.Point {
	lon := m[0]*360 - 180
	lat := math.Atan(math.Sinh(math.Pi*(1-2*m[1]))) * 180 / math.Pi
	return orb.Point{lon, lat}
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

// key is a property name of the tiles.
type key uint8

const (
	kID key = iota
	kLevel
	kRef
	kName
	kNameEN
	kNameZH
	kCategory
	kKind
	kHeight
	kIndoor
	kEntrance
	kShort
	kCovered
	kRot
	kPlan
	numKeys
)

var keyNames = [numKeys]string{"id", "level", "ref", "name", "name_en", "name_zh", "category", "kind", "height", "indoor", "entrance", "short", "covered", "rot", "plan"}

// unique are the keys whose values are (nearly) all different.
var unique = [numKeys]bool{kID: true, kRef: true, kShort: true}

// layer accumulates one layer of a tile.
type layer struct {
	name     string
	keys     []string
	keyIdx   [numKeys]int32 // -1: not yet in the layer
	vals     []value
	valIdx   map[value]uint32
	features []byte
	n        int
	// scratch
	tags         []uint32
	geom         []uint32
	ring         [][2]int32
	clipA, clipB [][2]int32
	run          [][2]int32
	// the last value of each key, and its index
	last    [numKeys]value
	lastIdx [numKeys]uint32
	lastOK  [numKeys]bool
	// a reusable point geometry
	pointGeom  mercator
	pointParts [1][2]float64
}

// layers are pooled: their buffers, grown on one tile, serve the next.
var layerPool = sync.Pool{New: func() any {
	return &layer{valIdx: map[value]uint32{}, pointGeom: mercator{kind: 1, parts: make([][][2]float64, 1)}}
}}

func newLayer(name string) *layer {
	l := layerPool.Get().(*layer)
	l.name, l.n = name, 0
	l.keys, l.vals, l.features, l.tags = l.keys[:0], l.vals[:0], l.features[:0], l.tags[:0]
	clear(l.valIdx)
	for i := range l.keyIdx {
		l.keyIdx[i] = -1
	}
	l.lastOK = [numKeys]bool{}
	return l
}

// release returns a layer to the pool.
func (l *layer) release() {
	if cap(l.features) > 4<<20 { // an outsize tile's buffers are not kept
		return
	}
	layerPool.Put(l)
}

// tag adds a property to the feature being built.
func (l *layer) tag(k key, v value) {
	if l.keyIdx[k] < 0 {
		l.keyIdx[k] = int32(len(l.keys))
		l.keys = append(l.keys, keyNames[k])
	}
	ki := uint32(l.keyIdx[k])
	var vi uint32
	if l.lastOK[k] && l.last[k] == v {
		// Runs of features share values (a floor, a category, "Office"):
		// the last one for the key saves hashing.
		l.tags = append(l.tags, ki, l.lastIdx[k])
		return
	}
	if unique[k] {
		// Ids and references differ from feature to feature: looking them
		// up would find nothing (and MVT allows repeated values).
		vi = uint32(len(l.vals))
		l.vals = append(l.vals, v)
	} else if i, ok := l.valIdx[v]; ok {
		vi = i
	} else {
		vi = uint32(len(l.vals))
		l.vals = append(l.vals, v)
		l.valIdx[v] = vi
	}
	l.tags = append(l.tags, ki, vi)
	l.last[k], l.lastIdx[k], l.lastOK[k] = v, vi, !unique[k]
}

// point encodes a point feature at p (normalized Web Mercator).
func (l *layer) point(p [2]float64, z, tx, ty uint32) {
	l.pointParts[0] = p
	l.pointGeom.parts[0] = l.pointParts[:]
	l.feature(&l.pointGeom, z, tx, ty)
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
			xs := dedupe(l.ring, ls, pt)
			l.ring = xs
			clipLine(xs, func(run [][2]int32) {
				if len(run) < 2 {
					return
				}
				cmd(1, 1)
				param(run[0][0], run[0][1])
				cmd(2, uint32(len(run)-1))
				for _, p := range run[1:] {
					param(p[0], p[1])
				}
			}, &l.run)
		}
	case 3:
		ri := 0
		for _, nr := range m.polys {
			for k := 0; k < nr; k++ {
				xs := dedupe(l.ring, m.parts[ri+k], pt)
				l.ring = xs
				if len(xs) > 1 && xs[0] == xs[len(xs)-1] {
					xs = xs[:len(xs)-1]
				}
				xs = clipRing(xs, &l.clipA, &l.clipB)
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
	// Feature message: tags (2, packed), type (3), geometry (4, packed),
	// written in place after its length.
	size := packedSize(2, l.tags) + 1 + varintLen(uint64(m.kind)) + packedSize(4, g)
	l.features = appendVarint(appendKey(l.features, 2, 2), uint64(size))
	l.features = appendPacked(l.features, 2, l.tags)
	l.features = appendVarintField(l.features, 3, uint64(m.kind))
	l.features = appendPacked(l.features, 4, g)
	l.n++
	l.tags = l.tags[:0]
}

func dedupe(out [][2]int32, pts [][2]float64, pt func([2]float64) (int32, int32)) [][2]int32 {
	out = out[:0]
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

// valueBytes appends a Value message's contents.
func valueBytes(b []byte, v value) []byte {
	switch v.kind {
	case 1:
		return appendBytesField(b, 1, []byte(v.s))
	case 3:
		return appendFixed64(appendKey(b, 3, 1), math.Float64bits(v.f))
	}
	bv := uint64(0)
	if v.b {
		bv = 1
	}
	return appendVarintField(b, 7, bv)
}

func valueSize(v value) int {
	switch v.kind {
	case 1:
		return 1 + varintLen(uint64(len(v.s))) + len(v.s)
	case 3:
		return 1 + 8
	}
	return 2
}

// size is the size of the layer message's contents.
func (l *layer) size() int {
	n := 1 + varintLen(2) + 1 + varintLen(uint64(len(l.name))) + len(l.name) + len(l.features)
	for _, k := range l.keys {
		n += 1 + varintLen(uint64(len(k))) + len(k)
	}
	for _, v := range l.vals {
		vs := valueSize(v)
		n += 1 + varintLen(uint64(vs)) + vs
	}
	return n + 1 + varintLen(extent)
}

// encode appends the layer message to a tile, in place.
func (l *layer) encode(tile []byte) []byte {
	if l.n == 0 {
		return tile
	}
	b := appendVarint(appendKey(tile, 3, 2), uint64(l.size()))
	b = appendVarintField(b, 15, 2) // version
	b = appendBytesField(b, 1, []byte(l.name))
	b = append(b, l.features...)
	for _, k := range l.keys {
		b = appendBytesField(b, 3, []byte(k))
	}
	for _, v := range l.vals {
		b = appendVarint(appendKey(b, 4, 2), uint64(valueSize(v)))
		b = valueBytes(b, v)
	}
	return appendVarintField(b, 5, extent)
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

// packedSize is the size of a packed field: key, length and values.
func packedSize(field uint64, vs []uint32) int {
	n := 0
	for _, v := range vs {
		n += varintLen(uint64(v))
	}
	return varintLen(field<<3|2) + varintLen(uint64(n)) + n
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

// clipRing clips a closed ring (its last point not repeated) to the tile
// and its buffer, one side at a time (Sutherland-Hodgman: exact for a
// rectangle, whatever the ring's shape). a and b are scratch.
func clipRing(r [][2]int32, a, b *[][2]int32) [][2]int32 {
	inside := true
	for _, p := range r {
		if p[0] < clipLo || p[0] > clipHi || p[1] < clipLo || p[1] > clipHi {
			inside = false
			break
		}
	}
	if inside {
		return r
	}
	in := append((*a)[:0], r...)
	out := (*b)[:0]
	for side := 0; side < 4; side++ {
		out = out[:0]
		axis, lim, keepBelow := side/2, int32(clipLo), false
		if side%2 == 1 {
			lim, keepBelow = clipHi, true
		}
		keep := func(p [2]int32) bool {
			if keepBelow {
				return p[axis] <= lim
			}
			return p[axis] >= lim
		}
		for i := range in {
			cur, prev := in[i], in[(i+len(in)-1)%len(in)]
			if keep(cur) {
				if !keep(prev) {
					out = append(out, cross(prev, cur, axis, lim))
				}
				out = append(out, cur)
			} else if keep(prev) {
				out = append(out, cross(prev, cur, axis, lim))
			}
		}
		in, out = out, in
		if len(in) == 0 {
			break
		}
	}
	*a, *b = in, out
	return in
}

// cross is where segment p-q crosses the line axis = lim.
func cross(p, q [2]int32, axis int, lim int32) [2]int32 {
	t := float64(lim-p[axis]) / float64(q[axis]-p[axis])
	var r [2]int32
	r[axis] = lim
	o := 1 - axis
	r[o] = p[o] + int32(math.Round(t*float64(q[o]-p[o])))
	return r
}

// clipLine calls emit with each run of a line inside the tile and its
// buffer, clipping the segments that leave or enter it.
func clipLine(ls [][2]int32, emit func([][2]int32), scratch *[][2]int32) {
	run := (*scratch)[:0]
	for i := 0; i+1 < len(ls); i++ {
		p, q, ok := clipSegment(ls[i], ls[i+1])
		if !ok {
			if len(run) > 0 {
				emit(run)
				run = run[:0]
			}
			continue
		}
		if len(run) == 0 || run[len(run)-1] != p {
			if len(run) > 0 {
				emit(run)
				run = run[:0]
			}
			run = append(run, p)
		}
		run = append(run, q)
	}
	if len(run) > 0 {
		emit(run)
	}
	*scratch = run
}

// clipSegment clips p-q to the tile and its buffer (Liang-Barsky).
func clipSegment(p, q [2]int32) ([2]int32, [2]int32, bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := float64(q[0]-p[0]), float64(q[1]-p[1])
	for _, e := range [4][2]float64{
		{-dx, float64(p[0] - clipLo)}, {dx, float64(clipHi - p[0])},
		{-dy, float64(p[1] - clipLo)}, {dy, float64(clipHi - p[1])},
	} {
		if e[0] == 0 {
			if e[1] < 0 {
				return p, q, false
			}
			continue
		}
		t := e[1] / e[0]
		if e[0] < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return p, q, false
		}
	}
	at := func(t float64) [2]int32 {
		return [2]int32{p[0] + int32(math.Round(t*dx)), p[1] + int32(math.Round(t*dy))}
	}
	return at(t0), at(t1), true
}
