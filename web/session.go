package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
)

// decodeBody reads a JSON body into v, refusing unknown fields and
// naming what is wrong.
func decodeBody(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return problem(http.StatusUnsupportedMediaType, "Content-Type", "want application/json, got %q", ct)
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if strings.Contains(err.Error(), "request body too large") {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return badParam("body", "the body is not the JSON expected: %v", err)
	}
	return nil
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginAnswer struct {
	Token     string    `json:"token"`
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) login(c echo.Context) error {
	if s.d.Auth == nil {
		return problem(http.StatusNotFound, "", "sign-in is not available")
	}
	var req loginRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Email == "" {
		return badParam("email", "email is required")
	}
	if req.Password == "" {
		return badParam("password", "password is required")
	}
	sess, err := s.d.Auth.Login(c.Request().Context(), req.Email, req.Password, c.RealIP())
	if err != nil {
		return err
	}
	return ok(c, loginAnswer{Token: sess.Token, Role: string(sess.User.Role), ExpiresAt: sess.Expires.UTC()})
}

type phoneRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code,omitempty"`
}

type phoneStartAnswer struct {
	Phone     string    `json:"phone"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) phoneStart(c echo.Context) error {
	if s.d.Phone == nil {
		return problem(http.StatusNotFound, "", "phone sign-in is not available")
	}
	var req phoneRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Phone == "" {
		return badParam("phone", "phone is required")
	}
	phone, expires, err := s.d.Phone.StartPhone(c.Request().Context(), req.Phone, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, phoneStartAnswer{Phone: phone, ExpiresAt: expires.UTC()})
}

func (s *Server) phoneVerify(c echo.Context) error {
	if s.d.Phone == nil {
		return problem(http.StatusNotFound, "", "phone sign-in is not available")
	}
	var req phoneRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Phone == "" {
		return badParam("phone", "phone is required")
	}
	if len(req.Code) != 6 || strings.Trim(req.Code, "0123456789") != "" {
		return badParam("code", "code is the 6 digits sent to the phone")
	}
	sess, err := s.d.Phone.VerifyPhone(c.Request().Context(), req.Phone, req.Code, c.RealIP())
	if err != nil {
		return err
	}
	return ok(c, loginAnswer{Token: sess.Token, Role: string(sess.User.Role), ExpiresAt: sess.Expires.UTC()})
}

func (s *Server) logout(c echo.Context) error {
	v := viewerOf(c)
	if v.user == nil {
		return problem(http.StatusUnauthorized, "Authorization", "sign in first")
	}
	if err := s.d.Auth.Logout(c.Request().Context(), v.token); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error {
	v := viewerOf(c)
	if v.user == nil {
		return problem(http.StatusUnauthorized, "Authorization", "sign in first")
	}
	return ok(c, map[string]any{"id": v.user.ID, "email": v.user.Email, "role": v.user.Role})
}

// SSO signs people in through the campus OpenID provider; auth.SSO is one.
type SSO interface {
	Begin() string
	Finish(ctx context.Context, state, code string) (auth.Session, error)
}

// oidcLogin sends the browser to the campus sign-in page.
func (s *Server) oidcLogin(c echo.Context) error {
	if s.d.SSO == nil {
		return problem(http.StatusNotFound, "", "single sign-on is not configured (CAMPUS_OIDC_ISSUER)")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, s.d.SSO.Begin())
}

// oidcCallback is where the campus sign-in page sends the browser back:
// it answers a session, as /auth/login does.
func (s *Server) oidcCallback(c echo.Context) error {
	if s.d.SSO == nil {
		return problem(http.StatusNotFound, "", "single sign-on is not configured (CAMPUS_OIDC_ISSUER)")
	}
	if e := c.QueryParam("error"); e != "" {
		return problem(http.StatusUnauthorized, "error", "the campus sign-in refused: %s %s", e, c.QueryParam("error_description"))
	}
	code, state := c.QueryParam("code"), c.QueryParam("state")
	if code == "" {
		return badParam("code", "code is required")
	}
	if state == "" {
		return badParam("state", "state is required")
	}
	sess, err := s.d.SSO.Finish(c.Request().Context(), state, code)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return ok(c, loginAnswer{Token: sess.Token, Role: string(sess.User.Role), ExpiresAt: sess.Expires.UTC()})
}
