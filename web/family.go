package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
)

// Family runs family-account applications; the auth service is one.
type Family interface {
	ApplyFamily(ctx context.Context, sponsor auth.User, phone, name string) (auth.FamilyApplication, error)
	FamilyApplications(ctx context.Context, viewer auth.User) ([]auth.FamilyApplication, error)
	DecideFamily(ctx context.Context, admin auth.User, id int64, approve bool) (auth.FamilyApplication, error)
}

type familyRequest struct {
	Phone string `json:"phone"`
	Name  string `json:"name"`
}

// familyUser is the signed-in person asking about family accounts.
func (s *Server) familyUser(c echo.Context) (auth.User, error) {
	if s.d.Family == nil {
		return auth.User{}, problem(http.StatusNotFound, "", "family accounts are not available")
	}
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return auth.User{}, err
	}
	return *u, nil
}

func (s *Server) applyFamily(c echo.Context) error {
	u, err := s.familyUser(c)
	if err != nil {
		return err
	}
	var req familyRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Phone == "" {
		return badParam("phone", "phone, the family member's mobile number, is required")
	}
	a, err := s.d.Family.ApplyFamily(c.Request().Context(), u, req.Phone, req.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

func (s *Server) familyApplications(c echo.Context) error {
	u, err := s.familyUser(c)
	if err != nil {
		return err
	}
	as, err := s.d.Family.FamilyApplications(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return ok(c, as)
}

func (s *Server) decideFamily(approve bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := s.familyUser(c)
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			return badParam("id", "%q is not an application id", c.Param("id"))
		}
		a, err := s.d.Family.DecideFamily(c.Request().Context(), u, id, approve)
		if err != nil {
			return err
		}
		return ok(c, a)
	}
}
