package web

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/tiles"
)

// tileCache keeps rendered tiles, gzipped, per role class.
type tileCache struct {
	mu  sync.Mutex
	max int
	m   map[string]cachedTile
}

type cachedTile struct {
	gz   []byte
	etag string
}

const tileCacheSize = 8192

// tileBufs are buffers tiles are rendered into before they are gzipped.
var tileBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func (tc *tileCache) get(key string) (cachedTile, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	t, ok := tc.m[key]
	return t, ok
}

func (tc *tileCache) put(key string, t cachedTile) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.m) >= tc.max {
		for k := range tc.m { // evict an arbitrary tenth
			delete(tc.m, k)
			if len(tc.m) < tc.max*9/10 {
				break
			}
		}
	}
	tc.m[key] = t
}

// tile answers /tiles/{z}/{x}/{y}.mvt for the viewer's role: gzipped, with
// an ETag, cacheable, and varying by Authorization (tiles differ by role).
func (s *Server) tile(c echo.Context) error {
	if s.d.Tiles == nil {
		return problem(http.StatusNotFound, "", "tiles are not available")
	}
	z, err := strconv.ParseUint(c.Param("z"), 10, 32)
	if err != nil {
		return badParam("z", "zoom %q is not a number", c.Param("z"))
	}
	x, err := strconv.ParseUint(c.Param("x"), 10, 32)
	if err != nil {
		return badParam("x", "x %q is not a number", c.Param("x"))
	}
	ys, found := strings.CutSuffix(c.Param("y"), ".mvt")
	if !found {
		return problem(http.StatusNotFound, "y", "tiles are /tiles/{z}/{x}/{y}.mvt")
	}
	y, err := strconv.ParseUint(ys, 10, 32)
	if err != nil {
		return badParam("y", "y %q is not a number", ys)
	}
	if err := tiles.Check(uint32(z), uint32(x), uint32(y)); err != nil {
		return badParam("z", "%s", strings.TrimPrefix(err.Error(), "tiles: "))
	}
	v := viewerOf(c)
	class := s.d.Tiles.ClassOf(v.role)
	key := fmt.Sprintf("%s/%d/%d/%d", class, z, x, y)
	t, hit := s.tiles.get(key)
	if !hit {
		bp := tileBufs.Get().(*[]byte)
		defer tileBufs.Put(bp)
		data, err := s.d.Tiles.AppendTile((*bp)[:0], v.role, uint32(z), uint32(x), uint32(y), "en")
		*bp = data
		if err != nil {
			if errors.Is(err, tiles.ErrOutOfRange) {
				return badParam("z", "%v", err)
			}
			return err
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(data)
		zw.Close()
		h := fnv.New64a()
		h.Write([]byte(class))
		h.Write(data)
		t = cachedTile{gz: buf.Bytes(), etag: fmt.Sprintf(`"%x"`, h.Sum64())}
		s.tiles.put(key, t)
	}
	hdr := c.Response().Header()
	hdr.Set("ETag", t.etag)
	hdr.Set("Vary", "Authorization, Accept-Encoding")
	switch {
	case v.user == nil:
		hdr.Set("Cache-Control", "public, max-age=3600")
	case v.user.Role == auth.Visitor:
		// A visit's window opens and closes: ask again each time (the
		// ETag spares the bytes).
		hdr.Set("Cache-Control", "private, no-cache")
	default:
		hdr.Set("Cache-Control", "private, max-age=3600")
	}
	if c.Request().Header.Get("If-None-Match") == t.etag {
		return c.NoContent(http.StatusNotModified)
	}
	hdr.Set(echo.HeaderContentType, "application/vnd.mapbox-vector-tile")
	if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		hdr.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, "application/vnd.mapbox-vector-tile", t.gz)
	}
	zr, err := gzip.NewReader(bytes.NewReader(t.gz))
	if err != nil {
		return err
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/vnd.mapbox-vector-tile", plain)
}

// baseURL is where clients reach the server: the configured public URL,
// never what a client's Host header claims. Without one (tests, embedding)
// it falls back to the request's own Host; campusd always configures one.
func (s *Server) baseURL(c echo.Context) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	return c.Scheme() + "://" + c.Request().Host
}

// tileJSON answers a TileJSON 3.0 document of the tiles.
func (s *Server) tileJSON(c echo.Context) error {
	v := s.d.Venue
	b := v.Geometry.Bound()
	fields := map[string]string{"id": "String", "level": "String", "ref": "String", "short": "String", "name": "String", "name_en": "String", "name_zh": "String",
		"category": "String", "kind": "String", "covered": "Boolean", "rot": "Number", "plan": "Boolean", "indoor": "Boolean", "height": "Number", "entrance": "Boolean"}
	var layers []map[string]any
	for _, l := range []string{tiles.LayerVenue, tiles.LayerLanduse, tiles.LayerPaths, tiles.LayerFootprints, tiles.LayerLevels, tiles.LayerUnits, tiles.LayerOpenings, tiles.LayerAmenities, tiles.LayerLabels, tiles.LayerPOIs} {
		layers = append(layers, map[string]any{"id": l, "fields": fields, "minzoom": tiles.MinZoom, "maxzoom": tiles.MaxZoom})
	}
	c.Response().Header().Set("Vary", "Authorization")
	return ok(c, map[string]any{
		"tilejson": "3.0.0", "name": v.Name.In("en"), "scheme": "xyz",
		"tiles":   []string{s.baseURL(c) + "/tiles/{z}/{x}/{y}.mvt"},
		"minzoom": tiles.MinZoom, "maxzoom": tiles.MaxZoom,
		"bounds":        []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]},
		"center":        []float64{v.Display[0], v.Display[1], 17},
		"vector_layers": layers,
	})
}

// Fonts of the style: glyph PBFs made from Debian's DejaVu Sans Condensed
// by tools/mapassets (scripts/map-assets.sh), served with the page under
// /assets/glyphs; CJK is drawn by the browser (the page sets MapLibre's
// localIdeographFontFamily). The sprite is tools/mapassets' too.
var (
	fontRegular = []string{"Campus Sans Regular"}
	fontBold    = []string{"Campus Sans Bold"}
)

// PlanZoom is the zoom from which the style draws floor plans (the tiles
// carry them from tiles.IndoorZoom, so a plan is loaded when it appears);
// the 3D buildings are gone by then.
const PlanZoom = 18.0

// style answers a MapLibre style drawing the campus tiles: the lawn, plazas,
// paths (covered walkways marked), gates and car park entrances, 3D
// buildings that fade as the floor plans appear, and one floor's plan
// (level "0" until the page picks another) with every room's reference
// and icons for amenities, lifts, stairs and restrooms. Labels are symbol
// layers in English (name_en); the page switches them to name_zh.
func (s *Server) style(c echo.Context) error {
	v := s.d.Venue
	base := s.baseURL(c)
	floor := []any{"==", []any{"get", "level"}, "0"}
	get := func(k string) []any { return []any{"get", k} }
	zoom := []any{"zoom"}
	interp := func(stops ...any) []any { return append([]any{"interpolate", []any{"linear"}, zoom}, stops...) }
	name := []any{"coalesce", get("name_en"), get("name")}
	layer := func(id, typ, src string, extra map[string]any) map[string]any {
		l := map[string]any{"id": id, "type": typ, "source": "campus", "source-layer": src}
		for k, val := range extra {
			l[k] = val
		}
		return l
	}
	isIn := func(key string, vals ...any) []any {
		return []any{"in", get(key), []any{"literal", vals}}
	}
	halo := map[string]any{"text-halo-color": "#ffffff", "text-halo-width": 1.4, "text-halo-blur": 0.3}
	withHalo := func(m map[string]any) map[string]any {
		for k, val := range halo {
			m[k] = val
		}
		return m
	}
	unitIcon := []any{"match", get("category"),
		"elevator", "elevator", "stairs", "stairs", "restroom.male", "restroom-male", "restroom.female", "restroom-female", ""}
	hasIcon := []any{"!=", unitIcon, ""}
	// A room's text: its short reference ("607") where rooms are small on
	// screen, the full one closer, and its name too at the closest zooms
	// (not for offices, whose names are their references). Layout is
	// evaluated at whole tile zooms: the steps are at whole zooms.
	roomText := []any{"step", zoom,
		[]any{"coalesce", get("short"), get("ref"), ""},
		19, []any{"coalesce", get("ref"), ""},
		20, []any{"case",
			[]any{"all", []any{"has", "ref"}, []any{"!", isIn("category", "office", "room", "walkway")}},
			[]any{"format", get("ref"), map[string]any{}, "\n", map[string]any{}, name, map[string]any{"font-scale": 0.85}},
			[]any{"coalesce", get("ref"), name}},
	}
	layers := []any{
		map[string]any{"id": "background", "type": "background", "paint": map[string]any{"background-color": "#f1eee7"}},
		// The campus grounds: lawn.
		layer("venue", "fill", tiles.LayerVenue, map[string]any{"paint": map[string]any{"fill-color": "#cfe3b4"}}),
		layer("venue-outline", "line", tiles.LayerVenue, map[string]any{"paint": map[string]any{"line-color": "#9cbc7c", "line-width": 1.5}}),
		layer("plazas", "fill", tiles.LayerLanduse, map[string]any{"filter": []any{"==", get("kind"), "plaza"},
			"paint": map[string]any{"fill-color": "#ebe6dc", "fill-outline-color": "#d3ccbe"}}),
		// Paths: roads, footways (covered walkways under a roof colour), steps, ramps.
		layer("paths-casing", "line", tiles.LayerPaths, map[string]any{
			"layout": map[string]any{"line-cap": "round", "line-join": "round"},
			"paint": map[string]any{"line-color": []any{"case", []any{"==", get("covered"), true}, "#b98a4a", "#c8c0b0"},
				"line-width": interp(15, 2.5, 17, 5, 19, 14, 22, 60)}}),
		layer("paths", "line", tiles.LayerPaths, map[string]any{
			"layout": map[string]any{"line-cap": "round", "line-join": "round"},
			"paint": map[string]any{"line-color": []any{"case",
				[]any{"==", get("covered"), true}, "#f6e3bd",
				[]any{"==", get("category"), "driveway"}, "#ffffff",
				[]any{"==", get("category"), "ramp"}, "#e3ecf7",
				"#fbf9f4"},
				"line-width": interp(15, 1.5, 17, 3.5, 19, 11, 22, 54)}}),
		layer("paths-steps", "line", tiles.LayerPaths, map[string]any{"filter": []any{"==", get("category"), "steps"},
			"paint": map[string]any{"line-color": "#8a8174", "line-width": interp(16, 2, 19, 9, 22, 50), "line-dasharray": []any{0.15, 0.25}}}),
		layer("path-names", "symbol", tiles.LayerPaths, map[string]any{"minzoom": 16.5,
			"filter": []any{"has", "name_en"},
			"layout": map[string]any{"symbol-placement": "line", "text-field": name, "text-font": fontRegular,
				"text-size": interp(16.5, 10, 19, 12), "symbol-spacing": 220, "text-max-angle": 30},
			"paint": withHalo(map[string]any{"text-color": []any{"case", []any{"==", get("covered"), true}, "#7a5318", "#5d6773"}})}),
		// Buildings: a flat footprint under everything, the building in view
		// highlighted (the page sets the filter), and 3D extrusions that
		// fade out as the floor plans come in.
		layer("footprints-flat", "fill", tiles.LayerFootprints, map[string]any{
			"paint": map[string]any{"fill-color": []any{"case", []any{"==", get("indoor"), true}, "#ddd6c8", "#d3cfc8"}}}),
		layer("footprints", "fill-extrusion", tiles.LayerFootprints, map[string]any{"maxzoom": PlanZoom,
			"paint": map[string]any{"fill-extrusion-color": []any{"case", []any{"==", get("indoor"), true}, "#cdc4b4", "#bdb9b3"},
				"fill-extrusion-height":  get("height"),
				"fill-extrusion-opacity": interp(16.8, 0.88, PlanZoom-0.1, 0.0)}}),
		layer("levels", "fill", tiles.LayerLevels, map[string]any{"minzoom": PlanZoom, "filter": floor,
			"paint": map[string]any{"fill-color": "#f7f5f0"}}),
		layer("units", "fill", tiles.LayerUnits, map[string]any{"minzoom": PlanZoom, "filter": floor,
			"paint": map[string]any{"fill-color": []any{"match", get("category"),
				"walkway", "#ffffff", "lobby", "#fff7e0", "stairs", "#e6dcf5", "elevator", "#e6dcf5",
				"restroom.male", "#d8ecff", "restroom.female", "#ffe0ec", "classroom", "#e8f4e0", "conferenceroom", "#fdebd3",
				"laboratory", "#e3f1f1", "parking", "#e9eaec", "road", "#f4f4f4", "fieldofplay", "#d9ecd0",
				"#f0ece4"}}}),
		layer("unit-outlines", "line", tiles.LayerUnits, map[string]any{"minzoom": PlanZoom, "filter": floor,
			"paint": map[string]any{"line-color": "#9a948a", "line-width": interp(PlanZoom, 0.6, 20, 1.2)}}),
		layer("openings", "line", tiles.LayerOpenings, map[string]any{"minzoom": PlanZoom + 1, "filter": floor,
			"paint": map[string]any{"line-color": "#ffffff", "line-width": 3}}),
		layer("footprint-highlight", "line", tiles.LayerFootprints, map[string]any{"filter": []any{"==", get("id"), ""},
			"paint": map[string]any{"line-color": "#0b63ce", "line-width": interp(15, 1.5, 18, 2.5, 21, 4), "line-opacity": 0.85}}),
		// Amenities: icons (restrooms are drawn by their rooms).
		layer("amenities", "symbol", tiles.LayerAmenities, map[string]any{"minzoom": PlanZoom,
			"filter": []any{"all", floor, []any{"!", isIn("category", "restroom.male", "restroom.female", "restroom")}},
			"layout": map[string]any{"icon-image": get("category"), "icon-size": interp(PlanZoom, 0.7, 20, 1, 22, 1.2),
				"icon-padding": 1, "icon-allow-overlap": false}}),
		// Every room's reference, never dropped: small and short first.
		layer("labels", "symbol", tiles.LayerLabels, map[string]any{"minzoom": PlanZoom,
			"filter": []any{"all", floor, []any{"!=", get("category"), "walkway"}},
			"layout": map[string]any{"text-field": roomText, "text-font": fontRegular,
				"text-size":          interp(PlanZoom, 8, 19, 10, 20, 11, 21, 12.5),
				"text-allow-overlap": true, "text-padding": 0, "text-max-width": 7, "text-line-height": 1.1,
				// narrow rooms: the label runs up the room (the tiles say which)
				"text-rotate": []any{"case", hasIcon, 0, []any{"coalesce", get("rot"), 0}}, "text-rotation-alignment": "map",
				"icon-image": unitIcon, "icon-size": interp(PlanZoom, 0.6, 20, 0.9), "icon-allow-overlap": true,
				"icon-anchor": []any{"case", hasIcon, "bottom", "center"},
				"text-anchor": []any{"case", hasIcon, "top", "center"},
				"text-offset": []any{"case", hasIcon, []any{"literal", []any{0, 0.1}}, []any{"literal", []any{0, 0}}}},
			"paint": withHalo(map[string]any{"text-color": "#3d3a35"})}),
		// Building entrances on the ground floor.
		layer("entrances", "symbol", tiles.LayerPOIs, map[string]any{"minzoom": PlanZoom,
			"filter": []any{"all", floor, []any{"==", get("kind"), "entrance"}},
			"layout": map[string]any{"icon-image": "entrance", "icon-size": interp(PlanZoom, 0.6, 20, 0.9)}}),
		// Buildings by reference and name at campus zoom.
		layer("building-labels", "symbol", tiles.LayerPOIs, map[string]any{"maxzoom": PlanZoom,
			"filter": []any{"==", get("kind"), "building"},
			"layout": map[string]any{"text-field": []any{"format", get("ref"), map[string]any{"text-font": []any{"literal", fontBold}},
				"\n", map[string]any{}, name, map[string]any{"font-scale": 0.8}},
				"text-font": fontRegular, "text-size": interp(15, 10, 17, 13), "text-max-width": 8, "text-line-height": 1.15,
				"text-variable-anchor": []any{"center", "top", "bottom"}, "text-padding": 2},
			"paint": withHalo(map[string]any{"text-color": "#2b2f36", "text-halo-width": 1.6})}),
		// Past PlanZoom, the buildings whose plans the viewer does not see
		// keep their names.
		layer("building-labels-closed", "symbol", tiles.LayerPOIs, map[string]any{"minzoom": PlanZoom,
			"filter": []any{"all", []any{"==", get("kind"), "building"}, []any{"!=", get("plan"), true}},
			"layout": map[string]any{"text-field": []any{"format", get("ref"), map[string]any{"text-font": []any{"literal", fontBold}},
				"\n", map[string]any{}, name, map[string]any{"font-scale": 0.8}},
				"text-font": fontRegular, "text-size": 13, "text-max-width": 10, "text-line-height": 1.15},
			"paint": withHalo(map[string]any{"text-color": "#4a4f57", "text-halo-width": 1.6})}),
		// Car park entrances and gates.
		layer("carparks", "symbol", tiles.LayerPOIs, map[string]any{"minzoom": 15.5,
			"filter": []any{"==", get("kind"), "carpark"},
			"layout": map[string]any{"icon-image": "carpark", "icon-size": interp(15.5, 0.75, 19, 1),
				"text-field": []any{"step", zoom, "", 17, name}, "text-font": fontRegular, "text-size": 10.5,
				"text-anchor": "top", "text-offset": []any{"literal", []any{0, 0.8}}, "text-optional": true, "text-max-width": 9},
			"paint": withHalo(map[string]any{"text-color": "#1565c0"})}),
		layer("gates", "symbol", tiles.LayerPOIs, map[string]any{
			"filter": []any{"==", get("kind"), "gate"},
			"layout": map[string]any{"icon-image": "gate", "icon-size": interp(15, 0.8, 19, 1.1), "icon-allow-overlap": true,
				"text-field": []any{"format", name, map[string]any{"text-font": []any{"literal", fontBold}}, " " + "", map[string]any{},
					get("ref"), map[string]any{"font-scale": 0.85}},
				"text-font": fontRegular, "text-size": interp(15, 10.5, 18, 12.5),
				"text-anchor": "top", "text-offset": []any{"literal", []any{0, 0.9}}, "text-optional": true},
			"paint": withHalo(map[string]any{"text-color": "#263238"})}),
	}
	style := map[string]any{
		"version": 8, "name": "campus",
		"center": []float64{v.Display[0], v.Display[1]}, "zoom": 16.5, "pitch": 45,
		"glyphs": base + "/assets/glyphs/{fontstack}/{range}.pbf",
		"sprite": base + "/assets/sprite/sprite",
		"sources": map[string]any{"campus": map[string]any{
			"type": "vector", "tiles": []string{base + "/tiles/{z}/{x}/{y}.mvt"},
			"minzoom": tiles.MinZoom, "maxzoom": tiles.MaxZoom,
		}},
		"layers": layers,
	}
	c.Response().Header().Set("Vary", "Authorization")
	return ok(c, style)
}
