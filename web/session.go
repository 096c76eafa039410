package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

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
	// JSON is UTF-8 (RFC 8259): a body that is not is refused whole,
	// whichever member holds the bad bytes, even one the handler ignores.
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return badParam("body", "the body could not be read")
	}
	if !utf8.Valid(body) {
		return badParam("body", "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
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

// sessionAnswer answers a new session, whichever way it was signed in.
func sessionAnswer(c echo.Context, sess auth.Session) error {
	return ok(c, loginAnswer{Token: sess.Token, Role: string(sess.User.Role), ExpiresAt: sess.Expires.UTC()})
}

// requireUser is the signed-in person asking, or a 401 saying detail.
func requireUser(c echo.Context, detail string) (*auth.User, error) {
	v := viewerOf(c)
	if v.user == nil {
		return nil, problem(http.StatusUnauthorized, "Authorization", "%s", detail)
	}
	return v.user, nil
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
	return sessionAnswer(c, sess)
}

type phoneRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code,omitempty"`
}

type phoneStartAnswer struct {
	Phone     string    `json:"phone"`
	ExpiresAt time.Time `json:"expires_at"`
}

// decodePhone reads a phone sign-in request, which names a phone.
func (s *Server) decodePhone(c echo.Context) (phoneRequest, error) {
	var req phoneRequest
	if s.d.Phone == nil {
		return req, problem(http.StatusNotFound, "", "phone sign-in is not available")
	}
	if err := decodeBody(c, &req); err != nil {
		return req, err
	}
	if req.Phone == "" {
		return req, badParam("phone", "phone is required")
	}
	return req, nil
}

func (s *Server) phoneStart(c echo.Context) error {
	req, err := s.decodePhone(c)
	if err != nil {
		return err
	}
	phone, expires, err := s.d.Phone.StartPhone(c.Request().Context(), req.Phone, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, phoneStartAnswer{Phone: phone, ExpiresAt: expires.UTC()})
}

func (s *Server) phoneVerify(c echo.Context) error {
	req, err := s.decodePhone(c)
	if err != nil {
		return err
	}
	if len(req.Code) != 6 || strings.Trim(req.Code, "0123456789") != "" {
		return badParam("code", "code is the 6 digits sent to the phone")
	}
	sess, err := s.d.Phone.VerifyPhone(c.Request().Context(), req.Phone, req.Code, c.RealIP())
	if err != nil {
		return err
	}
	return sessionAnswer(c, sess)
}

func (s *Server) logout(c echo.Context) error {
	if _, err := requireUser(c, "sign in first"); err != nil {
		return err
	}
	if err := s.d.Auth.Logout(c.Request().Context(), viewerOf(c).token); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error {
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return err
	}
	return ok(c, map[string]any{"id": u.ID, "email": u.Email, "role": u.Role, "duties": u.HeldDuties()})
}

// SSO signs people in through the campus OpenID provider; auth.SSO is one.
type SSO interface {
	Begin(ctx context.Context) (string, error)
	Finish(ctx context.Context, state, code, addr string) (auth.Session, error)
}

// oidcLogin sends the browser to the campus sign-in page.
func (s *Server) oidcLogin(c echo.Context) error {
	if s.d.SSO == nil {
		return problem(http.StatusNotFound, "", "single sign-on is not configured (CAMPUS_OIDC_ISSUER)")
	}
	to, err := s.d.SSO.Begin(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, to)
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
	sess, err := s.d.SSO.Finish(c.Request().Context(), state, code, c.RealIP())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return sessionAnswer(c, sess)
}
