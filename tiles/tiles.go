// Package tiles makes Mapbox Vector Tiles of a venue, per role: layers for
// the venue outline, building footprints (with a height, for 3D), levels,
// units, openings, amenities and labels, every feature with a string
// "level" property (its ordinal), as MapLibre indoor plugins filter on. A
// tile holds only what the role may see: features come through geo.View.
package tiles

import (
	"errors"
	"fmt"
	"sort"
	"strconv"

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
)

// ErrOutOfRange is returned for a tile address outside the zoom grid.
var ErrOutOfRange = errors.New("tiles: tile out of range")

// Renderer makes the tiles of one venue. It is safe for concurrent use.
type Renderer struct {
	v        *geo.Venue
	ordinals []int
	heights  map[*geo.Building]float64
	merc     map[geo.Feature]*mercator // every feature, projected once
}

// New makes a renderer for v.
func New(v *geo.Venue) *Renderer {
	r := &Renderer{v: v, heights: map[*geo.Building]float64{}, merc: map[geo.Feature]*mercator{}}
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
	}
	for _, f := range v.Openings {
		add(f)
	}
	for _, f := range v.Amenities {
		add(f)
	}
	return r
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
		if z < IndoorZoom && bound.Contains(b.Display) {
			ll := lay(iLabels)
			ll.tag(kID, str(b.ID))
			ll.tag(kLevel, str("0"))
			ll.tag(kKind, str("building"))
			ll.tag(kRef, str(b.Ref))
			names(ll, b.Name.In("en"), b.Name.In("zh"))
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
					names(l, en, zh)
					l.tag(kCategory, str(f.Category))
					l.feature(r.merc[f], z, x, y)
					if bound.Contains(f.Display) {
						ll := lay(iLabels)
						ll.tag(kID, str(f.ID))
						ll.tag(kLevel, level)
						ll.tag(kKind, str("unit"))
						ll.tag(kRef, str(f.Ref))
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
var layerOrder = [...]string{LayerVenue, LayerFootprints, LayerLevels, LayerUnits, LayerOpenings, LayerAmenities, LayerLabels}

const (
	iVenue = iota
	iFootprints
	iLevels
	iUnits
	iOpenings
	iAmenities
	iLabels
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
