package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

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
	case req.Name == "" || len(req.Name) > 100:
		return badParam("name", "name is required, at most 100 characters")
	case req.Lon == nil || *req.Lon < -180 || *req.Lon > 180:
		return badParam("lon", "lon is required, -180..180")
	case req.Lat == nil || *req.Lat < -90 || *req.Lat > 90:
		return badParam("lat", "lat is required, -90..90")
	case req.Ordinal == nil || *req.Ordinal < -20 || *req.Ordinal > 200:
		return badParam("ordinal", "ordinal is required (0 is the ground floor)")
	}
	p, err := s.d.Places.AddPlace(c.Request().Context(), places.Place{UserID: uid, Name: req.Name, Lon: *req.Lon, Lat: *req.Lat, Ordinal: *req.Ordinal})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/me/places/"+strconv.FormatInt(p.ID, 10))
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(http.StatusCreated)
	return encodeJSON(c.Response(), p)
}

func (s *Server) listPlaces(c echo.Context) error {
	uid, err := signedIn(c)
	if err != nil {
		return err
	}
	ps, err := s.d.Places.ListPlaces(c.Request().Context(), uid)
	if err != nil {
		return err
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

// savedPlace returns one of the viewer's places by id (as text).
func (s *Server) savedPlace(c echo.Context, id string) (places.Place, error) {
	v := viewerOf(c)
	n, err := strconv.ParseInt(id, 10, 64)
	if v.user == nil || err != nil || s.d.Places == nil {
		return places.Place{}, problem(http.StatusNotFound, "place", "no saved place %q", id)
	}
	p, err := s.d.Places.GetPlace(c.Request().Context(), v.user.ID, n)
	if err != nil {
		return places.Place{}, problem(http.StatusNotFound, "place", "no saved place %q", id)
	}
	return p, nil
}
