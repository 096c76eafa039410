package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// Counselling (services/booking, counselling_service.go): counsellors'
// slots in the counselling rooms, students' appointments in them. An
// appointment is the student's and the counsellors' only: to anyone else
// it is a 404, never a 403.

// counsellingRoutes adds counselling's routes.
func (s *Server) counsellingRoutes(api *echo.Group, get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc)) {
	post("/counselling/slots", s.publishSlot, noStore, s.idempotent)
	get("/counselling/slots", s.counsellingSlots, noStore)
	api.DELETE("/counselling/slots/:id", s.withdrawSlot, s.viewer, noStore)
	post("/counselling/appointments", s.bookAppointment, noStore, s.idempotent)
	get("/counselling/appointments", s.appointments, noStore)
	api.DELETE("/counselling/appointments/:id", s.cancelAppointment, s.viewer, noStore)
}

// counsellingUser is the signed-in person asking about counselling.
func (s *Server) counsellingUser(c echo.Context) (auth.User, string, error) {
	if s.d.Counselling == nil {
		return auth.User{}, "", problem(http.StatusNotFound, "", "counselling is not available")
	}
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return auth.User{}, "", err
	}
	lang, err := langParam(c)
	if err != nil {
		return auth.User{}, "", err
	}
	return *u, lang, nil
}

func (s *Server) publishSlot(c echo.Context) error {
	u, lang, err := s.counsellingUser(c)
	if err != nil {
		return err
	}
	var req struct {
		Room  string `json:"room"`
		Start string `json:"start"`
		End   string `json:"end"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Room == "" {
		return badParam("room", "room, a counselling room's id, is required")
	}
	start, err := timeField("start", req.Start, true)
	if err != nil {
		return err
	}
	end, err := timeField("end", req.End, true)
	if err != nil {
		return err
	}
	v, err := s.d.Counselling.Publish(c.Request().Context(), u, booking.SlotRequest{Room: req.Room, Start: start, End: end}, lang)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) withdrawSlot(c echo.Context) error {
	u, lang, err := s.counsellingUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.d.Counselling.Withdraw(c.Request().Context(), u, id, lang)
	if err != nil {
		return err
	}
	return ok(c, v)
}

// slotCursor reads the cursor of a page of slots: its start in unix
// microseconds and its id, "1767225600000000.42".
func slotCursor(c echo.Context) (time.Time, int64, error) {
	cur := c.QueryParam("cursor")
	if cur == "" {
		return time.Time{}, 0, nil
	}
	at, id, ok := strings.Cut(cur, ".")
	us, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || n <= 0 || us <= 0 {
		return time.Time{}, 0, badParam("cursor", "cursor %q is not one this list gave", cur)
	}
	return time.UnixMicro(us), n, nil
}

func (s *Server) counsellingSlots(c echo.Context) error {
	u, lang, err := s.counsellingUser(c)
	if err != nil {
		return err
	}
	q := booking.SlotsQuery{Lang: lang}
	if q.From, err = timeField("from", c.QueryParam("from"), false); err != nil {
		return err
	}
	if q.To, err = timeField("to", c.QueryParam("to"), false); err != nil {
		return err
	}
	switch m := c.QueryParam("mine"); m {
	case "", "false":
	case "true":
		q.Mine = true
	default:
		return badParam("mine", "mine %q is not true or false", m)
	}
	if q.Limit, err = intParam(c, "limit", labsDefault, 1, labsMax); err != nil {
		return err
	}
	if q.AfterStart, q.AfterID, err = slotCursor(c); err != nil {
		return err
	}
	limit := q.Limit
	q.Limit++
	ss, err := s.d.Counselling.Slots(c.Request().Context(), u, q)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(ss, limit, func(v booking.SlotView) string {
		return strconv.FormatInt(v.Start.UnixMicro(), 10) + "." + strconv.FormatInt(v.ID, 10)
	}))
}

func (s *Server) bookAppointment(c echo.Context) error {
	u, lang, err := s.counsellingUser(c)
	if err != nil {
		return err
	}
	var req struct {
		Slot *int64 `json:"slot"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Slot == nil || *req.Slot <= 0 {
		return badParam("slot", "slot, the id of a free slot, is required")
	}
	v, err := s.d.Counselling.Book(c.Request().Context(), u, *req.Slot, lang)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) appointments(c echo.Context) error {
	u, lang, err := s.counsellingUser(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", labsDefault, 1, labsMax)
	if err != nil {
		return err
	}
	before, err := cursorParam(c)
	if err != nil {
		return err
	}
	as, err := s.d.Counselling.Appointments(c.Request().Context(), u, before, limit+1, lang)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(as, limit, func(a booking.AppointmentView) string { return strconv.FormatInt(a.ID, 10) }))
}

func (s *Server) cancelAppointment(c echo.Context) error {
	u, lang, err := s.counsellingUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.d.Counselling.Cancel(c.Request().Context(), u, id, lang)
	if err != nil {
		return err
	}
	return ok(c, v)
}
