// Package tiles makes Mapbox Vector Tiles of a venue, per role: layers for
// the venue outline (the campus lawn), plazas, the outdoor path network,
// building footprints (with a height, for 3D), levels, units, openings,
// amenities, labels and points of interest (gates, car park entrances,
// building entrances, building labels), every feature with a string
// "level" property (its ordinal), as MapLibre indoor plugins filter on. A
// tile holds only what the role may see: features come through geo.View.
package tiles

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/campusnav/engine/geo"
)

// Zoom range served, and the zoom from which floor plans are drawn.
const (
	MinZoom    = 15
	MaxZoom    = 22
	IndoorZoom = 17
	// FloorHeight is the height of a floor, metres, for 3D buildings.
	FloorHeight = 4.0
)

// Layer names.
const (
	LayerVenue      = "venue"
	LayerFootprints = "footprints"
	LayerLevels     = "levels"
	LayerUnits      = "units"
	LayerOpenings   = "openings"
	LayerAmenities  = "amenities"
	LayerLabels     = "labels"
	LayerLanduse    = "landuse" // plazas: the forecourts of buildings' principal entrances
	LayerPaths      = "paths"   // the outdoor path network: category, covered, name
	LayerPOIs       = "pois"    // kind: building, gate, carpark, entrance
)

// Plaza is the size of the paved forecourt drawn before a building's
// principal entrance, metres (the archive has no plaza polygons).
const (
	PlazaWidth = 18.0
	PlazaDepth = 10.0
)

// ErrOutOfRange is returned for a tile address outside the zoom grid.
var ErrOutOfRange = errors.New("tiles: tile out of range")

// Renderer makes the tiles of one venue. It is safe for concurrent use.
type Renderer struct {
	v        *geo.Venue
	ordinals []int
	heights  map[*geo.Building]float64
	merc     map[geo.Feature]*mercator  // every feature, projected once
	plazas   []plazaOf                  // in the archive's order
	mid      map[geo.Feature][2]float64 // a point of each path and opening, for labels and icons
	upright  map[*geo.Unit]bool         // rooms far taller than wide: their labels run up them
}

// New makes a renderer for v.
func New(v *geo.Venue) *Renderer {
	r := &Renderer{v: v, heights: map[*geo.Building]float64{}, merc: map[geo.Feature]*mercator{},
		mid: map[geo.Feature][2]float64{}, upright: map[*geo.Unit]bool{}}
	seen := map[int]bool{}
	for _, l := range v.Levels {
		if !seen[l.Ordinal] {
			seen[l.Ordinal] = true
			r.ordinals = append(r.ordinals, l.Ordinal)
		}
	}
	sort.Ints(r.ordinals)
	for _, b := range v.Buildings {
		n := 0
		for _, l := range b.Levels {
			if l.Ordinal >= 0 {
				n++
			}
		}
		r.heights[b] = float64(max(1, n)) * FloorHeight
	}
	add := func(f geo.Feature) {
		if g := f.Common().Geometry; g != nil {
			r.merc[f] = project(g)
		}
	}
	add(v)
	for _, f := range v.Footprints {
		add(f)
	}
	for _, f := range v.Levels {
		add(f)
	}
	for _, f := range v.Units {
		add(f)
		if tall(f.Geometry) {
			r.upright[f] = true
		}
	}
	for _, f := range v.Openings {
		add(f)
	}
	for _, f := range v.Amenities {
		add(f)
	}
	for _, f := range v.Paths {
		add(f)
		if ls, ok := f.Geometry.(orb.LineString); ok && len(ls) > 0 {
			r.mid[f] = toMercator(midpoint(ls))
		}
	}
	for _, f := range v.Gates {
		add(f)
	}
	for _, o := range v.Openings {
		if o.Category != "pedestrian.principal" || o.Level == nil || o.Level.Ordinal != 0 {
			continue
		}
		ls, ok := o.Geometry.(orb.LineString)
		if !ok || len(ls) < 2 {
			continue
		}
		r.mid[o] = toMercator(midpoint(ls))
		if b := o.Level.Building(); b != nil {
			if p := plaza(ls, b.Display); p != nil {
				r.plazas = append(r.plazas, plazaOf{o, project(p), p.Bound()})
			}
		}
	}
	return r
}

// plazaOf is the forecourt of a principal entrance, drawn for the roles
// that see the entrance.
type plazaOf struct {
	door  *geo.Opening
	m     *mercator
	bound orb.Bound
}

// midpoint is the point halfway along a line.
func midpoint(ls orb.LineString) orb.Point {
	total := 0.0
	for i := 1; i < len(ls); i++ {
		total += planar(ls[i-1], ls[i])
	}
	half := total / 2
	for i := 1; i < len(ls); i++ {
		d := planar(ls[i-1], ls[i])
		if d >= half && d > 0 {
			t := half / d
			return orb.Point{ls[i-1][0] + t*(ls[i][0]-ls[i-1][0]), ls[i-1][1] + t*(ls[i][1]-ls[i-1][1])}
		}
		half -= d
	}
	return ls[0]
}

// metres per degree, near the campus's latitude, for small local shapes.
func metresPerDegree(lat float64) (float64, float64) {
	return 111320 * math.Cos(lat*math.Pi/180), 110574
}

func planar(a, b orb.Point) float64 {
	kx, ky := metresPerDegree(a[1])
	return math.Hypot((b[0]-a[0])*kx, (b[1]-a[1])*ky)
}

// plaza is the forecourt of an entrance (door, a line on the outer wall):
// PlazaWidth along the door, PlazaDepth out from the building's centre.
func plaza(door orb.LineString, centre orb.Point) orb.Polygon {
	m := midpoint(door)
	kx, ky := metresPerDegree(m[1])
	// along the wall
	ax, ay := (door[len(door)-1][0]-door[0][0])*kx, (door[len(door)-1][1]-door[0][1])*ky
	n := math.Hypot(ax, ay)
	if n == 0 {
		return nil
	}
	ax, ay = ax/n, ay/n
	// out of the building: the normal pointing away from its centre
	ox, oy := -ay, ax
	if (m[0]-centre[0])*kx*ox+(m[1]-centre[1])*ky*oy < 0 {
		ox, oy = -ox, -oy
	}
	pt := func(along, out float64) orb.Point {
		return orb.Point{m[0] + (ax*along+ox*out)/kx, m[1] + (ay*along+oy*out)/ky}
	}
	w := PlazaWidth / 2
	return orb.Polygon{{pt(-w, 0), pt(w, 0), pt(w, PlazaDepth), pt(-w, PlazaDepth), pt(-w, 0)}}
}

// Upright is how much taller than wide a room must be for its label to run
// up it (rotated a quarter turn) rather than across.
const Upright = 1.5

// tall reports whether a polygon's box is Upright times taller (north to
// south) than wide, in metres.
func tall(g orb.Geometry) bool {
	if g == nil {
		return false
	}
	b := g.Bound()
	kx, ky := metresPerDegree(b.Center()[1])
	w, h := (b.Max[0]-b.Min[0])*kx, (b.Max[1]-b.Min[1])*ky
	return w > 0 && h > Upright*w
}

// hasPlan reports whether the viewer sees a floor of b: where it does
// not, the building keeps its label when the floor plans are drawn.
func hasPlan(w geo.View, b *geo.Building) bool {
	for _, l := range b.Levels {
		if w.Sees(l) {
			return true
		}
	}
	return false
}

// shortRef is a room's reference without its building's: "607" for
// "C3-607" in C3, for labels where the building is plain to see.
func shortRef(ref string, b *geo.Building) string {
	if b != nil && b.Ref != "" {
		if rest, ok := strings.CutPrefix(ref, b.Ref+"-"); ok && rest != "" {
			return rest
		}
	}
	return ref
}

// Check says whether z/x/y is a tile of the served grid.
func Check(z, x, y uint32) error {
	if z < MinZoom || z > MaxZoom {
		return fmt.Errorf("%w: zoom %d is outside %d..%d", ErrOutOfRange, z, MinZoom, MaxZoom)
	}
	if n := uint32(1) << z; x >= n || y >= n {
		return fmt.Errorf("%w: x and y must be below %d at zoom %d", ErrOutOfRange, n, z)
	}
	return nil
}

func label(name geo.Labels, category, lang string) string {
	if s := name.In(lang); s != "" {
		return s
	}
	return geo.CategoryLabel(category, lang)
}

func pick(lang, en, zh string) string {
	if lang == "zh" {
		return zh
	}
	return en
}

// Tile renders tile z/x/y as role r sees it: an uncompressed MVT. Names
// are in lang ("en" or "zh"); name_en and name_zh are always there. Floor
// plans come from zoom IndoorZoom on.
func (r *Renderer) Tile(role geo.Role, z, x, y uint32, lang string) ([]byte, error) {
	return r.AppendTile(nil, role, z, x, y, lang)
}

// AppendTile is Tile appending to dst, so a caller can reuse one buffer.
func (r *Renderer) AppendTile(dst []byte, role geo.Role, z, x, y uint32, lang string) ([]byte, error) {
	if err := Check(z, x, y); err != nil {
		return nil, err
	}
	w := r.v.View(role)
	t := maptile.New(x, y, maptile.Zoom(z))
	bound := t.Bound(0.05) // a little beyond, so lines and labels cross seams
	var layers [len(layerOrder)]*layer
	lay := func(i int) *layer {
		if layers[i] == nil {
			layers[i] = newLayer(layerOrder[i])
		}
		return layers[i]
	}
	names := func(l *layer, en, zh string) {
		l.tag(kName, str(pick(lang, en, zh)))
		l.tag(kNameEN, str(en))
		l.tag(kNameZH, str(zh))
	}
	v := r.v
	if m := r.merc[v]; m != nil && v.Geometry.Bound().Intersects(bound) {
		l := lay(iVenue)
		l.tag(kLevel, str("0"))
		names(l, v.Name.In("en"), v.Name.In("zh"))
		l.feature(m, z, x, y)
	}
	for _, p := range r.plazas {
		if !w.Sees(p.door) || !p.bound.Intersects(bound) {
			continue
		}
		l := lay(iLanduse)
		l.tag(kID, str(p.door.ID))
		l.tag(kLevel, str("0"))
		l.tag(kKind, str("plaza"))
		l.feature(p.m, z, x, y)
	}
	for _, p := range v.Paths {
		if !w.Sees(p) || !p.Geometry.Bound().Intersects(bound) {
			continue
		}
		l := lay(iPaths)
		l.tag(kID, str(p.ID))
		l.tag(kLevel, str("0"))
		l.tag(kCategory, str(p.Category))
		l.tag(kCovered, boolean(p.Covered))
		names(l, p.Name.In("en"), p.Name.In("zh"))
		l.feature(r.merc[p], z, x, y)
		if p.FromOrdinal != p.ToOrdinal && p.FromOrdinal >= -1 && p.ToOrdinal >= -1 && min(p.FromOrdinal, p.ToOrdinal) < 0 {
			// a way down into the car park: a ramp for cars, steps or a
			// ramp for people
			if at, ok := r.mid[p]; ok && bound.Contains(fromMercator(at)) {
				pl := lay(iPOIs)
				pl.tag(kID, str(p.ID))
				pl.tag(kLevel, str("0"))
				pl.tag(kKind, str("carpark"))
				pl.tag(kCategory, str(p.Category))
				names(pl, p.Name.In("en"), p.Name.In("zh"))
				pl.point(at, z, x, y)
			}
		}
	}
	for _, g := range v.Gates {
		if !w.Sees(g) || !bound.Contains(g.Geometry.(orb.Point)) {
			continue
		}
		l := lay(iPOIs)
		l.tag(kID, str(g.ID))
		l.tag(kLevel, str("0"))
		l.tag(kKind, str("gate"))
		l.tag(kRef, str(g.Ref))
		l.tag(kCategory, str(g.Category))
		names(l, g.Name.In("en"), g.Name.In("zh"))
		l.feature(r.merc[g], z, x, y)
	}
	for _, fp := range v.Footprints {
		if len(fp.Buildings) == 0 || fp.Category == "subterranean" || !fp.Geometry.Bound().Intersects(bound) {
			continue
		}
		b := fp.Buildings[0]
		l := lay(iFootprints)
		l.tag(kID, str(b.ID))
		l.tag(kLevel, str("0"))
		l.tag(kRef, str(b.Ref))
		names(l, b.Name.In("en"), b.Name.In("zh"))
		l.tag(kCategory, str(b.Category))
		l.tag(kHeight, num(r.heights[b]))
		l.tag(kIndoor, boolean(b.Access(role) != geo.AccessNone))
		l.feature(r.merc[fp], z, x, y)
		if bound.Contains(b.Display) {
			ll := lay(iPOIs)
			ll.tag(kID, str(b.ID))
			ll.tag(kLevel, str("0"))
			ll.tag(kKind, str("building"))
			ll.tag(kRef, str(b.Ref))
			names(ll, b.Name.In("en"), b.Name.In("zh"))
			ll.tag(kCategory, str(b.Category))
			ll.tag(kIndoor, boolean(b.Access(role) != geo.AccessNone))
			ll.tag(kPlan, boolean(hasPlan(w, b)))
			ll.point(toMercator(b.Display), z, x, y)
		}
	}
	if z >= IndoorZoom {
		for _, lv := range v.Levels {
			if !w.Sees(lv) || !lv.Geometry.Bound().Intersects(bound) {
				continue
			}
			l := lay(iLevels)
			l.tag(kID, str(lv.ID))
			l.tag(kLevel, str(strconv.Itoa(lv.Ordinal)))
			if b := lv.Building(); b != nil {
				l.tag(kRef, str(b.Ref))
			}
			names(l, lv.Name.In("en"), lv.Name.In("zh"))
			l.feature(r.merc[lv], z, x, y)
		}
		for _, ord := range r.ordinals {
			level := str(strconv.Itoa(ord))
			w.Within(bound, ord, func(f geo.Feature) bool {
				switch f := f.(type) {
				case *geo.Unit:
					en, zh := label(f.Name, f.Category, "en"), label(f.Name, f.Category, "zh")
					l := lay(iUnits)
					l.tag(kID, str(f.ID))
					l.tag(kLevel, level)
					l.tag(kRef, str(f.Ref))
					short := shortRef(f.Ref, f.Level.Building())
					names(l, en, zh)
					l.tag(kCategory, str(f.Category))
					l.feature(r.merc[f], z, x, y)
					if bound.Contains(f.Display) {
						ll := lay(iLabels)
						ll.tag(kID, str(f.ID))
						ll.tag(kLevel, level)
						ll.tag(kKind, str("unit"))
						ll.tag(kRef, str(f.Ref))
						ll.tag(kShort, str(short))
						if r.upright[f] {
							ll.tag(kRot, num(-90))
						}
						names(ll, en, zh)
						ll.tag(kCategory, str(f.Category))
						ll.point(toMercator(f.Display), z, x, y)
					}
				case *geo.Opening:
					l := lay(iOpenings)
					l.tag(kID, str(f.ID))
					l.tag(kLevel, level)
					l.tag(kCategory, str(f.Category))
					l.tag(kEntrance, boolean(f.Entrance))
					l.feature(r.merc[f], z, x, y)
					if at, ok := r.mid[f]; ok && bound.Contains(fromMercator(at)) {
						pl := lay(iPOIs)
						pl.tag(kID, str(f.ID))
						pl.tag(kLevel, level)
						pl.tag(kKind, str("entrance"))
						pl.tag(kCategory, str(f.Category))
						if b := f.Level.Building(); b != nil {
							pl.tag(kRef, str(b.Ref))
						}
						pl.point(at, z, x, y)
					}
				case *geo.Amenity:
					en, zh := label(f.Name, f.Category, "en"), label(f.Name, f.Category, "zh")
					l := lay(iAmenities)
					l.tag(kID, str(f.ID))
					l.tag(kLevel, level)
					names(l, en, zh)
					l.tag(kCategory, str(f.Category))
					l.feature(r.merc[f], z, x, y)
				}
				return true
			})
		}
	}
	total := 0
	for _, l := range layers {
		if l != nil {
			n := l.size()
			total += 1 + varintLen(uint64(n)) + n
		}
	}
	out := dst
	if cap(out)-len(out) < total {
		out = append(make([]byte, 0, len(out)+total), out...)
	}
	for _, l := range layers {
		if l != nil {
			out = l.encode(out)
			l.release()
		}
	}
	return out, nil
}

// layerOrder is the order of layers in a tile; the i constants index it.
var layerOrder = [...]string{LayerVenue, LayerLanduse, LayerPaths, LayerFootprints, LayerLevels, LayerUnits, LayerOpenings, LayerAmenities, LayerLabels, LayerPOIs}

const (
	iVenue = iota
	iLanduse
	iPaths
	iFootprints
	iLevels
	iUnits
	iOpenings
	iAmenities
	iLabels
	iPOIs
)

// ClassOf returns the class of a role for caching: roles that see the same
// (the same access to every building, and alike public or not) share tiles.
func (r *Renderer) ClassOf(role geo.Role) string {
	b := make([]byte, 0, len(r.v.Buildings)+1)
	for _, bl := range r.v.Buildings {
		b = append(b, byte('0'+bl.Access(role)))
	}
	if r.v.Policy.IsPublic(role) {
		b = append(b, 'p')
	}
	return string(b)
}
