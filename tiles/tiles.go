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

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
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

// Renderer makes the tiles of one venue.
type Renderer struct {
	v        *geo.Venue
	ordinals []int
	heights  map[*geo.Building]float64
}

// New makes a renderer for v.
func New(v *geo.Venue) *Renderer {
	r := &Renderer{v: v, heights: map[*geo.Building]float64{}}
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

// Tile returns the layers of tile z/x/y as role r sees it, in WGS 84, before
// encoding.
func (r *Renderer) layers(w geo.View, t maptile.Tile, lang string) map[string]*geojson.FeatureCollection {
	bound := t.Bound(0.05) // a little beyond, so lines and labels cross seams
	out := map[string]*geojson.FeatureCollection{}
	add := func(layer string, g orb.Geometry, props geojson.Properties) {
		fc := out[layer]
		if fc == nil {
			fc = geojson.NewFeatureCollection()
			out[layer] = fc
		}
		// Encoding projects in place: the tile gets a copy, never the
		// venue's own coordinates.
		f := geojson.NewFeature(orb.Clone(g))
		f.Properties = props
		fc.Append(f)
	}
	v := r.v
	if v.Geometry != nil && v.Geometry.Bound().Intersects(bound) {
		add(LayerVenue, v.Geometry, geojson.Properties{"level": "0", "name": v.Name.In("en"), "name_en": v.Name.In("en"), "name_zh": v.Name.In("zh")})
	}
	for _, fp := range v.Footprints {
		if !fp.Geometry.Bound().Intersects(bound) || len(fp.Buildings) == 0 || fp.Category == "subterranean" {
			continue
		}
		b := fp.Buildings[0]
		add(LayerFootprints, fp.Geometry, geojson.Properties{"id": b.ID, "level": "0", "ref": b.Ref, "name": b.Name.In(lang),
			"name_en": b.Name.In("en"), "name_zh": b.Name.In("zh"), "category": b.Category, "height": r.heights[b],
			"indoor": b.Access(w.Role()) != geo.AccessNone})
		if t.Z < IndoorZoom {
			add(LayerLabels, b.Display, geojson.Properties{"id": b.ID, "level": "0", "kind": "building", "ref": b.Ref, "name": b.Name.In(lang),
				"name_en": b.Name.In("en"), "name_zh": b.Name.In("zh")})
		}
	}
	if t.Z < IndoorZoom {
		return out
	}
	for _, l := range v.Levels {
		if !w.Sees(l) || !l.Geometry.Bound().Intersects(bound) {
			continue
		}
		props := geojson.Properties{"id": l.ID, "level": strconv.Itoa(l.Ordinal), "name": l.Name.In(lang), "name_en": l.Name.In("en"), "name_zh": l.Name.In("zh")}
		if b := l.Building(); b != nil {
			props["ref"] = b.Ref
		}
		add(LayerLevels, l.Geometry, props)
	}
	for _, ord := range r.ordinals {
		level := strconv.Itoa(ord)
		w.Within(bound, ord, func(f geo.Feature) bool {
			switch f := f.(type) {
			case *geo.Unit:
				en, zh := label(f.Name, f.Category, "en"), label(f.Name, f.Category, "zh")
				props := geojson.Properties{"id": f.ID, "level": level, "ref": f.Ref, "name": pick(lang, en, zh), "name_en": en, "name_zh": zh, "category": f.Category}
				add(LayerUnits, f.Geometry, props)
				if bound.Contains(f.Display) {
					add(LayerLabels, f.Display, geojson.Properties{"id": f.ID, "level": level, "kind": "unit", "ref": f.Ref, "name": pick(lang, en, zh),
						"name_en": en, "name_zh": zh, "category": f.Category})
				}
			case *geo.Opening:
				add(LayerOpenings, f.Geometry, geojson.Properties{"id": f.ID, "level": level, "category": f.Category, "entrance": f.Entrance})
			case *geo.Amenity:
				en, zh := label(f.Name, f.Category, "en"), label(f.Name, f.Category, "zh")
				add(LayerAmenities, f.Geometry, geojson.Properties{"id": f.ID, "level": level, "name": pick(lang, en, zh), "name_en": en, "name_zh": zh, "category": f.Category})
			}
			return true
		})
	}
	return out
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

// layerOrder is the order of layers in a tile.
var layerOrder = []string{LayerVenue, LayerFootprints, LayerLevels, LayerUnits, LayerOpenings, LayerAmenities, LayerLabels}

// Tile renders tile z/x/y as role r sees it: an uncompressed MVT. Names
// are in lang ("en" or "zh"); name_en and name_zh are always there.
func (r *Renderer) Tile(role geo.Role, z, x, y uint32, lang string) ([]byte, error) {
	if err := Check(z, x, y); err != nil {
		return nil, err
	}
	t := maptile.New(x, y, maptile.Zoom(z))
	fcs := r.layers(r.v.View(role), t, lang)
	var layers mvt.Layers
	for _, name := range layerOrder {
		fc := fcs[name]
		if fc == nil {
			continue
		}
		l := mvt.NewLayer(name, fc)
		l.ProjectToTile(t)
		l.Clip(tileClip)
		l.RemoveEmpty(1, 1)
		layers = append(layers, l)
	}
	return mvt.Marshal(layers)
}

// tileClip is the tile's extent and a buffer, in tile coordinates.
var tileClip = orb.Bound{Min: orb.Point{-64, -64}, Max: orb.Point{4096 + 64, 4096 + 64}}

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
