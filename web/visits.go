package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/visitor"
)

// Visits (services/visitor): a visitor's own registrations, history,
// withdrawal and booking again; invitations; the host's queue, home
// summary and calendar; the watchlist; batch import; passes and who is
// on campus. A visit is its visitor's, its host's and security's: to
// anyone else it is a 404.

// visitRoutes adds the visits' routes.
func (s *Server) visitRoutes(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc)) {
	post("/visits", s.registerVisit, noStore, s.idempotent)
	get("/me/visits", s.myVisits, noStore)
	get("/visits/:id", s.oneVisit, noStore)
	post("/visits/:id/withdraw", s.withdrawVisit, noStore)
	post("/visits/:id/again", s.visitAgain, noStore, s.idempotent)
	get("/visits/:id/pass", s.visitPass, noStore)
	get("/visits/:id/route", s.visitRoute, noStore, byRole)
	get("/visits/onsite", s.onsite, noStore)
}

// visitPass is the pass of one of the visit's people (?person=, from
// 0) to show at a pedestrian gate.
func (s *Server) visitPass(c echo.Context) error {
	u, _, id, err := s.visitTarget(c)
	if err != nil {
		return err
	}
	n, err := intParam(c, "person", 0, 0, visitor.MaxPeople-1)
	if err != nil {
		return err
	}
	p, err := s.d.Visits.Pass(c.Request().Context(), u, id, n)
	if err != nil {
		return err
	}
	return ok(c, p)
}

// onsite lists the visitors on campus now, for security.
func (s *Server) onsite(c echo.Context) error {
	u, _, err := s.visitUser(c)
	if err != nil {
		return err
	}
	limit, before, err := visitPage(c)
	if err != nil {
		return err
	}
	os, err := s.d.Visits.OnsiteNow(c.Request().Context(), u, before, limit+1)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(os, limit, func(o visitor.OnsiteView) string { return strconv.FormatInt(o.Cursor, 10) }))
}

// visitUser is the signed-in person asking about visits, and the
// language of the answer (and of what they file).
func (s *Server) visitUser(c echo.Context) (auth.User, string, error) {
	if s.d.Visits == nil {
		return auth.User{}, "", problem(http.StatusNotFound, "", "visits are not available")
	}
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return auth.User{}, "", err
	}
	if _, err := langParam(c); err != nil {
		return auth.User{}, "", err
	}
	return *u, problemLang(c), nil
}

type visitPerson struct {
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	IDNumber string `json:"id_number"`
}

type visitRequest struct {
	Type   string        `json:"type"`
	Reason string        `json:"reason"`
	Host   string        `json:"host"`
	Date   string        `json:"date"`
	From   string        `json:"from"`
	To     string        `json:"to"`
	People []visitPerson `json:"people"`
	Mode   string        `json:"mode"`
	Plate  string        `json:"plate"`
	Place  string        `json:"place"`
}

func (r visitRequest) details() visitor.Details {
	d := visitor.Details{Type: r.Type, Reason: r.Reason, Host: r.Host, Date: r.Date, From: r.From, To: r.To, Mode: r.Mode,
		Plate: r.Plate, Place: r.Place}
	for _, p := range r.People {
		d.People = append(d.People, visitor.PersonInput{Name: p.Name, Phone: p.Phone, IDNumber: p.IDNumber})
	}
	return d
}

// visitTarget is the person asking about the visit or invitation of the
// path's id, their language, and that id.
func (s *Server) visitTarget(c echo.Context) (auth.User, string, int64, error) {
	u, lang, err := s.visitUser(c)
	if err != nil {
		return u, lang, 0, err
	}
	id, err := pathID(c, "id")
	return u, lang, id, err
}

func (s *Server) registerVisit(c echo.Context) error {
	u, lang, err := s.visitUser(c)
	if err != nil {
		return err
	}
	var req visitRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	v, err := s.d.Visits.Register(c.Request().Context(), u, req.details(), lang)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.d.Visits.View(v))
}

// visitPage reads a list's limit and cursor.
func visitPage(c echo.Context) (int, int64, error) {
	limit, err := intParam(c, "limit", labsDefault, 1, labsMax)
	if err != nil {
		return 0, 0, err
	}
	before, err := cursorParam(c)
	return limit, before, err
}

func visitCursor(v visitor.View) string { return strconv.FormatInt(v.ID, 10) }

func (s *Server) myVisits(c echo.Context) error {
	u, _, err := s.visitUser(c)
	if err != nil {
		return err
	}
	limit, before, err := visitPage(c)
	if err != nil {
		return err
	}
	vs, err := s.d.Visits.Mine(c.Request().Context(), u, before, limit+1)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(s.d.Visits.Views(vs), limit, visitCursor))
}

func (s *Server) oneVisit(c echo.Context) error {
	u, _, id, err := s.visitTarget(c)
	if err != nil {
		return err
	}
	v, err := s.d.Visits.Get(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return ok(c, s.d.Visits.View(v))
}

func (s *Server) withdrawVisit(c echo.Context) error {
	u, _, id, err := s.visitTarget(c)
	if err != nil {
		return err
	}
	v, err := s.d.Visits.Withdraw(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return ok(c, s.d.Visits.View(v))
}

type againRequest struct {
	Date string `json:"date"`
	From string `json:"from"`
	To   string `json:"to"`
}

func (s *Server) visitAgain(c echo.Context) error {
	u, lang, id, err := s.visitTarget(c)
	if err != nil {
		return err
	}
	var req againRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	v, err := s.d.Visits.Again(c.Request().Context(), u, id, req.Date, req.From, req.To, lang)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.d.Visits.View(v))
}
