package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
)

// The campus card: the holder's card, codes, devices, history, and the
// readers' decisions (services/access).

// cardUser is the signed-in person asking about their card.
func (s *Server) cardUser(c echo.Context) (auth.User, error) {
	if s.d.Access == nil {
		return auth.User{}, problem(http.StatusNotFound, "", "the campus card is not available")
	}
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return auth.User{}, err
	}
	return *u, nil
}

func (s *Server) card(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	cd, err := s.d.Access.Card(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return ok(c, cd.View())
}

func (s *Server) cardCode(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	code, err := s.d.Access.Code(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return ok(c, code)
}

func (s *Server) cardKeys(c echo.Context) error {
	if s.d.Access == nil {
		return problem(http.StatusNotFound, "", "the campus card is not available")
	}
	ks, err := s.d.Access.Keys(c.Request().Context())
	if err != nil {
		return err
	}
	// Readers fetch the keys often; a minute's cache is within a key's
	// overlap (a new key signs only after it is published).
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	return ok(c, map[string]any{"keys": ks})
}

func (s *Server) registerDevice(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	var req struct {
		PublicKey string `json:"public_key"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.PublicKey == "" {
		return badParam("public_key", "public_key, the phone's Ed25519 public key in base64url, is required")
	}
	d, err := s.d.Access.RegisterDevice(c.Request().Context(), u, req.PublicKey)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, d)
}

func (s *Server) cardCapture(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	var req struct {
		Kind string `json:"kind"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	cd, err := s.d.Access.Capture(c.Request().Context(), u, req.Kind)
	if err != nil {
		return err
	}
	return ok(c, cd.View())
}

func (s *Server) cardPhysical(lost bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := s.cardUser(c)
		if err != nil {
			return err
		}
		cd, err := s.d.Access.Physical(c.Request().Context(), u, lost)
		if err != nil {
			return err
		}
		return ok(c, cd.View())
	}
}

// historyItem is one decision in the holder's history.
type historyItem struct {
	At         time.Time `json:"at"`
	ReaderKind string    `json:"reader_kind"`
	Place      string    `json:"place"`
	Credential string    `json:"credential"`
	Decision   string    `json:"decision"`
	Reason     string    `json:"reason"`
}

const (
	historyDefault = 50
	historyMax     = 200
)

func (s *Server) cardHistory(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", historyDefault, 1, historyMax)
	if err != nil {
		return err
	}
	var before int64
	if cur := c.QueryParam("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n < 2 {
			return badParam("cursor", "cursor %q is not one this list gave", cur)
		}
		before = n
	}
	uses, err := s.d.Access.History(c.Request().Context(), u, before, limit+1)
	if err != nil {
		return err
	}
	w := s.view(c)
	page := struct {
		Items []historyItem `json:"items"`
		Next  *string       `json:"next"`
	}{Items: []historyItem{}}
	for i, us := range uses {
		if i == limit {
			next := strconv.FormatInt(uses[limit-1].ID, 10)
			page.Next = &next
			break
		}
		it := historyItem{At: us.At, Credential: us.Credential, Decision: us.Decision, Reason: us.Reason}
		if r, err := s.d.Access.Reader(us.Reader); err == nil {
			it.ReaderKind = r.Kind
			// A reader the holder may not see (a dormitory room's lock)
			// is named by its building, as positions are.
			switch {
			case w.Sees(r):
				it.Place = r.Name.In(lang)
			case r.Building != nil:
				it.Place = r.Building.Name.In(lang)
			}
		}
		page.Items = append(page.Items, it)
	}
	return ok(c, page)
}

func (s *Server) freezeCard(frozen bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := s.cardUser(c)
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			return badParam("id", "%q is not a card id", c.Param("id"))
		}
		cd, err := s.d.Access.SetFrozen(c.Request().Context(), u, id, frozen)
		if err != nil {
			return err
		}
		return ok(c, cd.View())
	}
}

// tokenReader is the reader whose bearer token the request carries.
func (s *Server) tokenReader(c echo.Context) (*geo.Reader, error) {
	if s.d.Access == nil {
		return nil, problem(http.StatusNotFound, "", "access control is not available")
	}
	token, found := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
	if !found || token == "" {
		return nil, problem(http.StatusUnauthorized, "Authorization", "a reader sends its token: Authorization: Bearer TOKEN")
	}
	return s.d.Access.ReaderOf(c.Request().Context(), token)
}

// readerKey is where readerAuth keeps the reader a token names.
const readerKey = "reader"

// readerAuth admits a reader by its bearer token (tokenReader), for the
// middleware after it (a till's Idempotency-Keys are its own).
func (s *Server) readerAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := s.tokenReader(c)
		if err != nil {
			return err
		}
		c.Set(readerKey, r)
		return next(c)
	}
}

// accessCheck answers a reader: its token names it, and it must be the
// reader the body names. A malformed credential is a deny, not a 4xx.
func (s *Server) accessCheck(c echo.Context) error {
	r, err := s.tokenReader(c)
	if err != nil {
		return err
	}
	var req access.Check
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Reader != r.ID {
		return problem(http.StatusUnauthorized, "reader", "this token is not reader %q's", req.Reader)
	}
	res, err := s.d.Access.Check(c.Request().Context(), r, req)
	if err != nil {
		return err
	}
	return ok(c, res)
}
