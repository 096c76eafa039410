package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/places"
)

type placeRequest struct {
	Name    string   `json:"name"`
	Lon     *float64 `json:"lon"`
	Lat     *float64 `json:"lat"`
	Ordinal *int     `json:"ordinal"`
}

// signedIn returns the signed-in user's id, or a 401.
func signedIn(c echo.Context) (int64, error) {
	u, err := requireUser(c, "sign in to keep places")
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

func (s *Server) addPlace(c echo.Context) error {
	uid, err := signedIn(c)
	if err != nil {
		return err
	}
	var req placeRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	switch {
	case req.Lon == nil:
		return badParam("lon", "lon is required, -180..180")
	case req.Lat == nil:
		return badParam("lat", "lat is required, -90..90")
	case req.Ordinal == nil || *req.Ordinal < geo.MinOrdinal || *req.Ordinal > geo.MaxOrdinal:
		return badParam("ordinal", "ordinal is required (0 is the ground floor)")
	}
	p := places.Place{UserID: uid, Name: req.Name, Lon: *req.Lon, Lat: *req.Lat, Ordinal: *req.Ordinal}
	if err := p.Validate(); err != nil { // name, lon and lat: the stores' own rule
		return err
	}
	if err := s.onCampus(geo.Position{Lon: p.Lon, Lat: p.Lat}); err != nil { // Paris is no campus place
		return err
	}
	p, err = s.d.Places.AddPlace(c.Request().Context(), p)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/me/places/"+strconv.FormatInt(p.ID, 10))
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(http.StatusCreated)
	return encodeJSON(c.Response(), p)
}

// listPlaces answers a page of the viewer's places, by id, as a bare JSON
// array (the map page reads it so); the next page, when there is one, is
// an RFC 8288 Link header, rel="next".
func (s *Server) listPlaces(c echo.Context) error {
	uid, err := signedIn(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", places.MaxPerPerson, 1, places.MaxPerPerson)
	if err != nil {
		return err
	}
	offset, err := intParam(c, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	// One more than the page says whether there is a next one.
	ps, err := s.d.Places.ListPlaces(c.Request().Context(), uid, offset, limit+1)
	if err != nil {
		return err
	}
	if len(ps) > limit {
		ps = ps[:limit]
		next := url.Values{"offset": {strconv.Itoa(offset + limit)}, "limit": {strconv.Itoa(limit)}}
		c.Response().Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, c.Request().URL.Path, next.Encode()))
	}
	if ps == nil {
		ps = []places.Place{}
	}
	return ok(c, ps)
}

func (s *Server) deletePlace(c echo.Context) error {
	uid, err := signedIn(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return problem(http.StatusNotFound, "id", "no place %q", c.Param("id"))
	}
	if err := s.d.Places.DeletePlace(c.Request().Context(), uid, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// savedPlace returns one of the viewer's places by id (as text). Saved
// places are a signed-in person's: a tourist asking for one is told to
// sign in (401), whatever the id.
func (s *Server) savedPlace(c echo.Context, id string) (places.Place, error) {
	v := viewerOf(c)
	if v.user == nil {
		return places.Place{}, problem(http.StatusUnauthorized, "place", "sign in to use saved places")
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || s.d.Places == nil {
		return places.Place{}, problem(http.StatusNotFound, "place", "no saved place %q", id)
	}
	p, err := s.d.Places.GetPlace(c.Request().Context(), v.user.ID, n)
	if err != nil {
		return places.Place{}, problem(http.StatusNotFound, "place", "no saved place %q", id)
	}
	return p, nil
}
