package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/access"
)

// Grants: admins (and security) let a person through more readers than
// the policy does, for a time.

func (s *Server) addGrant(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	var req access.GrantRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	g, err := s.d.Access.Grant(c.Request().Context(), u, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, g)
}

func (s *Server) grants(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	gs, err := s.d.Access.Grants(c.Request().Context(), u, c.QueryParam("person"))
	if err != nil {
		return err
	}
	return ok(c, map[string]any{"items": gs, "next": nil})
}

func (s *Server) deleteGrant(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return badParam("id", "%q is not a grant id", c.Param("id"))
	}
	if err := s.d.Access.EndGrant(c.Request().Context(), u, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
