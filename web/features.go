package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
)

// collectionInfo describes a collection of features, OGC API Features style.
type collectionInfo struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Links       []link `json:"links"`
}

type link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
	Type string `json:"type,omitempty"`
}

var collectionTitles = map[string][2]string{
	"units":      {"Units", "rooms, corridors, stairs and other spaces of each level"},
	"openings":   {"Openings", "doors and entrances"},
	"amenities":  {"Amenities", "printers, AEDs, first-aid kits and other services"},
	"footprints": {"Footprints", "building outlines"},
	"levels":     {"Levels", "the floors of each building"},
}

var collectionOrder = []string{"units", "openings", "amenities", "footprints", "levels"}

func collectionOf(id string) (collectionInfo, bool) {
	t, ok := collectionTitles[id]
	if !ok {
		return collectionInfo{}, false
	}
	return collectionInfo{ID: id, Title: t[0], Description: t[1], Links: []link{
		{Href: "/api/v1/collections/" + id + "/items", Rel: "items", Type: "application/geo+json"},
	}}, true
}

func (s *Server) collections(c echo.Context) error {
	var out []collectionInfo
	for _, id := range collectionOrder {
		ci, _ := collectionOf(id)
		out = append(out, ci)
	}
	return ok(c, map[string]any{"collections": out, "links": []link{{Href: "/api/v1/collections", Rel: "self", Type: "application/json"}}})
}

func (s *Server) collection(c echo.Context) error {
	ci, found := collectionOf(c.Param("collection"))
	if !found {
		return problem(http.StatusNotFound, "collection", "no collection %q (want units, openings, amenities, footprints or levels)", c.Param("collection"))
	}
	return ok(c, ci)
}

// geoFeature is a feature as GeoJSON: its IMDF id, type and properties.
type geoFeature struct {
	Type        string          `json:"type"`
	ID          string          `json:"id"`
	FeatureType string          `json:"feature_type"`
	Geometry    geometry        `json:"geometry"`
	Properties  json.RawMessage `json:"properties"`
}

type geometry struct{ g orb.Geometry }

func (g geometry) MarshalJSON() ([]byte, error) {
	if g.g == nil {
		return []byte("null"), nil
	}
	return json.Marshal(map[string]any{"type": g.g.GeoJSONType(), "coordinates": g.g})
}

const (
	defaultItems = 100
	maxItems     = 1000
)

// items lists the features of a collection the viewer may see, filtered by
// bbox (WGS 84), level (an ordinal) and category, a page at a time.
func (s *Server) items(c echo.Context) error {
	name := c.Param("collection")
	if _, found := collectionOf(name); !found {
		return problem(http.StatusNotFound, "collection", "no collection %q (want units, openings, amenities, footprints or levels)", name)
	}
	var bbox *orb.Bound
	if q := c.QueryParam("bbox"); q != "" {
		b, err := parseBBox(q)
		if err != nil {
			return err
		}
		bbox = &b
	}
	var level *int
	if q := c.QueryParam("level"); q != "" {
		l, err := intParam(c, "level", 0, -20, 200)
		if err != nil {
			return err
		}
		level = &l
	}
	category := c.QueryParam("category")
	limit, err := intParam(c, "limit", defaultItems, 1, maxItems)
	if err != nil {
		return err
	}
	offset, err := intParam(c, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	w := s.view(c)
	v := s.d.Venue
	matched := 0
	var page []geoFeature
	keep := func(f geo.Feature, ordinal *int, cat string) {
		b := f.Common()
		if !w.Sees(f) || (level != nil && (ordinal == nil || *ordinal != *level)) || (category != "" && cat != category) {
			return
		}
		if bbox != nil && (b.Geometry == nil || !bbox.Intersects(b.Geometry.Bound())) {
			return
		}
		if matched >= offset && len(page) < limit {
			page = append(page, geoFeature{Type: "Feature", ID: b.ID, FeatureType: b.Type, Geometry: geometry{b.Geometry}, Properties: b.Properties})
		}
		matched++
	}
	switch name {
	case "units":
		for _, u := range v.Units {
			keep(u, &u.Level.Ordinal, u.Category)
		}
	case "openings":
		for _, o := range v.Openings {
			keep(o, &o.Level.Ordinal, o.Category)
		}
	case "amenities":
		for _, a := range v.Amenities {
			keep(a, &a.Ordinal, a.Category)
		}
	case "footprints":
		for _, f := range v.Footprints {
			keep(f, nil, f.Category)
		}
	case "levels":
		for _, l := range v.Levels {
			keep(l, &l.Ordinal, l.Category)
		}
	}
	if page == nil {
		page = []geoFeature{}
	}
	links := []link{{Href: c.Request().URL.RequestURI(), Rel: "self", Type: "application/geo+json"}}
	if offset+len(page) < matched {
		q := c.QueryParams()
		next := url.Values{}
		for k, vs := range q {
			next[k] = vs
		}
		next.Set("offset", strconv.Itoa(offset+len(page)))
		next.Set("limit", strconv.Itoa(limit))
		links = append(links, link{Href: fmt.Sprintf("%s?%s", c.Request().URL.Path, next.Encode()), Rel: "next", Type: "application/geo+json"})
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/geo+json")
	c.Response().WriteHeader(http.StatusOK)
	return encodeJSON(c.Response(), map[string]any{
		"type": "FeatureCollection", "features": page,
		"numberMatched": matched, "numberReturned": len(page), "links": links,
	})
}
