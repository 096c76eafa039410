package web

import (
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/visitor"
)

// The host's side of visits: the queue, decisions, the home's summary
// and calendar; the office workflow's signed callback; security's
// watchlist.

func (s *Server) visitHostRoutes(api *echo.Group, get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc)) {
	get("/visits", s.hostVisits, noStore)
	post("/visits/:id/approve", s.decideVisit(true), noStore)
	post("/visits/:id/reject", s.decideVisit(false), noStore)
	get("/visits/summary", s.visitSummary, noStore)
	get("/visits/calendar", s.visitCalendar, noStore)
	// The workflow signs its callbacks; no person's session.
	api.POST("/visits/webhook", s.visitWebhook, noStore)
	post("/watchlist", s.addWatch, noStore, s.idempotent)
	get("/watchlist", s.watchlist, noStore)
	api.DELETE("/watchlist/:id", s.removeWatch, s.viewer, noStore)
}

// hostVisits is the host's queue: ?as=host, by status.
func (s *Server) hostVisits(c echo.Context) error {
	u, _, err := s.visitUser(c)
	if err != nil {
		return err
	}
	if as := c.QueryParam("as"); as != "host" {
		return badParam("as", "as %q is not host (your own visits are at /api/v1/me/visits)", as)
	}
	limit, before, err := visitPage(c)
	if err != nil {
		return err
	}
	vs, err := s.d.Visits.HostVisits(c.Request().Context(), u, c.QueryParam("status"), before, limit+1)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(s.d.Visits.Views(vs), limit, visitCursor))
}

type decisionRequest struct {
	Note  string `json:"note"`
	Place string `json:"place"`
}

func (s *Server) decideVisit(approve bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, _, err := s.visitUser(c)
		if err != nil {
			return err
		}
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var req decisionRequest
		if err := decodeOptional(c, &req); err != nil {
			return err
		}
		v, err := s.d.Visits.Decide(c.Request().Context(), u, id, approve, visitor.Decision{Note: req.Note, Place: req.Place})
		if err != nil {
			return err
		}
		return ok(c, s.d.Visits.View(v))
	}
}

func (s *Server) visitSummary(c echo.Context) error {
	u, _, err := s.visitUser(c)
	if err != nil {
		return err
	}
	sum, err := s.d.Visits.Summary(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return ok(c, sum)
}

type calendarJSON struct {
	Month string        `json:"month"`
	Days  []visitor.Day `json:"days"`
}

func (s *Server) visitCalendar(c echo.Context) error {
	u, _, err := s.visitUser(c)
	if err != nil {
		return err
	}
	month, days, err := s.d.Visits.Calendar(c.Request().Context(), u, c.QueryParam("month"))
	if err != nil {
		return err
	}
	return ok(c, calendarJSON{Month: month, Days: days})
}

// visitWebhook is the office workflow's decision, signed over the raw
// body.
func (s *Server) visitWebhook(c echo.Context) error {
	if s.d.Visits == nil {
		return problem(http.StatusNotFound, "", "visits are not available")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return echo.ErrStatusRequestEntityTooLarge
	}
	h := c.Request().Header
	v, err := s.d.Visits.DecideExternal(c.Request().Context(), h.Get(visitor.WebhookTimestamp), h.Get(visitor.WebhookSignature), body)
	if err != nil {
		return err
	}
	return ok(c, s.d.Visits.View(v))
}

type watchRequest struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Note  string `json:"note"`
}

func (s *Server) addWatch(c echo.Context) error {
	u, _, err := s.visitUser(c)
	if err != nil {
		return err
	}
	var req watchRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	w, err := s.d.Visits.AddWatch(c.Request().Context(), u, req.Kind, req.Value, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.d.Visits.WatchView(w))
}

func (s *Server) watchlist(c echo.Context) error {
	u, _, err := s.visitUser(c)
	if err != nil {
		return err
	}
	limit, before, err := visitPage(c)
	if err != nil {
		return err
	}
	ws, err := s.d.Visits.Watchlist(c.Request().Context(), u, before, limit+1)
	if err != nil {
		return err
	}
	vs := make([]visitor.WatchView, len(ws))
	for i, w := range ws {
		vs[i] = s.d.Visits.WatchView(w)
	}
	return ok(c, listPageOf(vs, limit, func(v visitor.WatchView) string { return strconv.FormatInt(v.ID, 10) }))
}

func (s *Server) removeWatch(c echo.Context) error {
	u, _, id, err := s.visitTarget(c)
	if err != nil {
		return err
	}
	if err := s.d.Visits.RemoveWatch(c.Request().Context(), u, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
