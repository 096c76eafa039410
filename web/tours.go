package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/tour"
)

// Public campus tours (services/tour): anyone lists the tours, their
// stops, their routes (as a tourist walks) and their slots with the
// places left; visitors signed in by phone book a slot, list their
// bookings and cancel one before it starts. A booking is its booker's
// only: to anyone else it is a 404.

// tourRoutes adds the tours' routes.
func (s *Server) tourRoutes(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc)) {
	get("/tours", s.tours, noStore)
	post("/tours/:slot/bookings", s.bookTour, noStore, s.idempotent)
	post("/tours/bookings/:id/cancel", s.cancelTour, noStore)
	get("/me/tours", s.myTours, noStore)
}

// tourLang is the language of a tours' answer: the lang parameter
// (checked), else Accept-Language.
func (s *Server) tourLang(c echo.Context) (string, error) {
	if s.d.Tours == nil {
		return "", problem(http.StatusNotFound, "", "tours are not available")
	}
	if _, err := langParam(c); err != nil {
		return "", err
	}
	return problemLang(c), nil
}

// tourUser is the signed-in person asking about their tour bookings,
// and the language of the answer (and of their text messages).
func (s *Server) tourUser(c echo.Context) (auth.User, string, error) {
	lang, err := s.tourLang(c)
	if err != nil {
		return auth.User{}, "", err
	}
	u, err := requireUser(c, "sign in by phone first")
	if err != nil {
		return auth.User{}, "", err
	}
	return *u, lang, nil
}

// toursPage is the list of tours: every tour, with its slots on the days
// asked (from, to: YYYY-MM-DD in Asia/Shanghai, both included).
type toursPage struct {
	Items []tour.View `json:"items"`
	Next  *string     `json:"next"`
	From  string      `json:"from"`
	To    string      `json:"to"`
}

func (s *Server) tours(c echo.Context) error {
	lang, err := s.tourLang(c)
	if err != nil {
		return err
	}
	d, err := s.d.Tours.ParseDays(c.QueryParam("from"), c.QueryParam("to"))
	if err != nil {
		return err
	}
	vs, err := s.d.Tours.List(c.Request().Context(), d, lang)
	if err != nil {
		return err
	}
	return ok(c, toursPage{Items: vs, From: d.From.Format(time.DateOnly), To: d.To.Format(time.DateOnly)})
}

type bookTourRequest struct {
	People *int `json:"people"`
}

func (s *Server) bookTour(c echo.Context) error {
	u, lang, err := s.tourUser(c)
	if err != nil {
		return err
	}
	var req bookTourRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.People == nil {
		return badParam("people", "%s is required", "people")
	}
	v, err := s.d.Tours.Book(c.Request().Context(), u, c.Param("slot"), *req.People, lang)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) cancelTour(c echo.Context) error {
	u, lang, err := s.tourUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.d.Tours.Cancel(c.Request().Context(), u, id, lang)
	if err != nil {
		return err
	}
	return ok(c, v)
}

func (s *Server) myTours(c echo.Context) error {
	u, lang, err := s.tourUser(c)
	if err != nil {
		return err
	}
	limit, before, err := repairPage(c)
	if err != nil {
		return err
	}
	vs, err := s.d.Tours.Mine(c.Request().Context(), u, before, limit+1, lang)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(vs, limit, func(v tour.BookingView) string { return strconv.FormatInt(v.ID, 10) }))
}
