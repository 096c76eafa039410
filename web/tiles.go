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
	fields := map[string]string{"id": "String", "level": "String", "ref": "String", "name": "String", "name_en": "String", "name_zh": "String", "category": "String"}
	var layers []map[string]any
	for _, l := range []string{tiles.LayerVenue, tiles.LayerFootprints, tiles.LayerLevels, tiles.LayerUnits, tiles.LayerOpenings, tiles.LayerAmenities, tiles.LayerLabels} {
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

// style answers a MapLibre style drawing the campus tiles: 3D buildings
// outdoors, and one floor's plan (level "0" until the page picks another).
func (s *Server) style(c echo.Context) error {
	v := s.d.Venue
	floor := []any{"==", []any{"get", "level"}, "0"}
	style := map[string]any{
		"version": 8, "name": "campus",
		"center": []float64{v.Display[0], v.Display[1]}, "zoom": 16.5, "pitch": 45,
		"sources": map[string]any{"campus": map[string]any{
			"type": "vector", "tiles": []string{s.baseURL(c) + "/tiles/{z}/{x}/{y}.mvt"},
			"minzoom": tiles.MinZoom, "maxzoom": tiles.MaxZoom,
		}},
		"layers": []any{
			map[string]any{"id": "background", "type": "background", "paint": map[string]any{"background-color": "#eef0e8"}},
			map[string]any{"id": "venue", "type": "fill", "source": "campus", "source-layer": tiles.LayerVenue,
				"paint": map[string]any{"fill-color": "#dfe8d4"}},
			map[string]any{"id": "footprints", "type": "fill-extrusion", "source": "campus", "source-layer": tiles.LayerFootprints,
				"maxzoom": tiles.IndoorZoom + 1,
				"paint":   map[string]any{"fill-extrusion-color": "#c9c3b8", "fill-extrusion-height": []any{"get", "height"}, "fill-extrusion-opacity": 0.85}},
			map[string]any{"id": "levels", "type": "fill", "source": "campus", "source-layer": tiles.LayerLevels, "minzoom": tiles.IndoorZoom,
				"filter": floor, "paint": map[string]any{"fill-color": "#f7f5f0"}},
			map[string]any{"id": "units", "type": "fill", "source": "campus", "source-layer": tiles.LayerUnits, "minzoom": tiles.IndoorZoom,
				"filter": floor, "paint": map[string]any{"fill-color": []any{"match", []any{"get", "category"},
					"walkway", "#ffffff", "lobby", "#fff7e0", "stairs", "#e0d8ff", "elevator", "#e0d8ff",
					"restroom.male", "#d8ecff", "restroom.female", "#ffe0ec", "classroom", "#e8f4e0", "conferenceroom", "#fdebd3",
					"#f0ece4"}}},
			map[string]any{"id": "unit-outlines", "type": "line", "source": "campus", "source-layer": tiles.LayerUnits, "minzoom": tiles.IndoorZoom,
				"filter": floor, "paint": map[string]any{"line-color": "#9a948a", "line-width": 1}},
			map[string]any{"id": "openings", "type": "line", "source": "campus", "source-layer": tiles.LayerOpenings, "minzoom": tiles.IndoorZoom + 1,
				"filter": floor, "paint": map[string]any{"line-color": "#ffffff", "line-width": 3}},
			map[string]any{"id": "amenities", "type": "circle", "source": "campus", "source-layer": tiles.LayerAmenities, "minzoom": tiles.IndoorZoom + 1,
				"filter": floor, "paint": map[string]any{"circle-radius": 5, "circle-color": []any{"match", []any{"get", "category"},
					"defibrillator", "#d7191c", "firstaid", "#d7191c", "copymachine", "#2b83ba", "vendingmachine", "#fdae61", "#555555"},
					"circle-stroke-color": "#ffffff", "circle-stroke-width": 1}},
			map[string]any{"id": "labels", "type": "circle", "source": "campus", "source-layer": tiles.LayerLabels, "minzoom": tiles.IndoorZoom + 2,
				"filter": floor, "paint": map[string]any{"circle-radius": 1.5, "circle-color": "#6b655c"}},
		},
	}
	c.Response().Header().Set("Vary", "Authorization")
	return ok(c, style)
}
