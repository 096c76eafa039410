package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

func (s *Server) venue(c echo.Context) error {
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	v := s.d.Venue
	return ok(c, map[string]any{
		"id": v.ID, "name": v.Name.In(lang), "display_point": v.Display,
		"buildings": s.view(c).Buildings(lang),
	})
}

func (s *Server) building(c echo.Context) error {
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	w := s.view(c)
	f, found := w.Feature(c.Param("id"))
	b, isB := f.(*geo.Building)
	if !found || !isB {
		return problem(http.StatusNotFound, "id", "no building %q", c.Param("id"))
	}
	for _, bl := range w.Buildings(lang) {
		if bl.ID == b.ID {
			return ok(c, bl)
		}
	}
	return problem(http.StatusNotFound, "id", "no building %q", c.Param("id"))
}

func (s *Server) level(c echo.Context) error {
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	f, found := s.view(c).Feature(c.Param("id"))
	l, isL := f.(*geo.Level)
	if !found || !isL {
		return problem(http.StatusNotFound, "id", "no level %q", c.Param("id"))
	}
	out := map[string]any{"id": l.ID, "name": l.Name.In(lang), "short_name": l.ShortName.In(lang), "ordinal": l.Ordinal}
	if b := l.Building(); b != nil {
		out["building"] = map[string]string{"id": b.ID, "name": b.Name.In(lang)}
	}
	return ok(c, out)
}

func (s *Server) search(c echo.Context) error {
	q := c.QueryParam("q")
	if strings.TrimSpace(q) == "" {
		return badParam("q", "q, what to search for, is required")
	}
	if len(q) > 200 {
		return badParam("q", "q is longer than 200 characters")
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", geo.DefaultSearchLimit, 1, 200)
	if err != nil {
		return err
	}
	return ok(c, s.view(c).Search(q, lang, limit))
}

func (s *Server) locate(c echo.Context) error {
	pos, err := positionParams(c)
	if err != nil {
		return err
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	if err := s.onCampus(pos); err != nil {
		return err
	}
	return ok(c, s.view(c).Locate(pos, lang))
}

func profileParam(c echo.Context) (routing.Profile, error) {
	s := c.QueryParam("profile")
	if s == "" {
		return routing.Walk, nil
	}
	p, err := routing.ParseProfile(s)
	if err != nil {
		return 0, badParam("profile", "profile %q is not walk, wheelchair or sheltered", s)
	}
	return p, nil
}

func (s *Server) nearest(c echo.Context) error {
	cat := c.QueryParam("category")
	if cat == "" {
		return badParam("category", "category is required (an IMDF amenity category: copymachine, defibrillator, ...)")
	}
	if !geo.IsAmenityCategoryGroup(cat) {
		if meant := geo.AmenityCategoriesNamed(cat); len(meant) > 0 {
			return badParam("category", "%q is not an IMDF amenity category: for %[1]q ask for %[2]s", cat, strings.Join(meant, ", "))
		}
		return badParam("category", "%q is not an IMDF amenity category (printers are copymachine, AEDs defibrillator)", cat)
	}
	pos, err := positionParams(c)
	if err != nil {
		return err
	}
	k, err := intParam(c, "k", 3, 1, 50)
	if err != nil {
		return err
	}
	p, err := profileParam(c)
	if err != nil {
		return err
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	if err := s.onCampus(pos); err != nil {
		return err
	}
	near, err := s.d.Graph.Nearest(s.view(c), cat, pos, k, p, lang)
	if err != nil {
		return err
	}
	return ok(c, near)
}

func (s *Server) route(c echo.Context) error {
	from, to := c.QueryParam("from"), c.QueryParam("to")
	if from == "" {
		return badParam("from", "from, where the route starts, is required")
	}
	if to == "" {
		return badParam("to", "to, where the route ends, is required")
	}
	p, err := profileParam(c)
	if err != nil {
		return err
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	req := routing.Request{Profile: p, Lang: lang}
	if req.From, err = s.placeEnd(c, "from", from); err != nil {
		return err
	}
	if req.To, err = s.placeEnd(c, "to", to); err != nil {
		return err
	}
	vias := c.QueryParams()["via"]
	if len(vias) > 10 {
		return badParam("via", "at most 10 via places")
	}
	for _, v := range vias {
		pv, err := s.placeEnd(c, "via", v)
		if err != nil {
			return err
		}
		req.Via = append(req.Via, pv)
	}
	rt, err := s.d.Graph.Route(s.view(c), req)
	if err != nil {
		return err
	}
	return ok(c, rt)
}

// placeEnd turns a saved place, "place:ID", into its position; other
// places pass as they are.
func (s *Server) placeEnd(c echo.Context, param, v string) (string, error) {
	if len(v) > 200 {
		return "", badParam(param, "%s is longer than 200 characters", param)
	}
	id, isSaved := strings.CutPrefix(v, "place:")
	if !isSaved {
		return v, nil
	}
	pl, err := s.savedPlace(c, id)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%v,%v,%d", pl.Lon, pl.Lat, pl.Ordinal), nil
}
