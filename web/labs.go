package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// The labs (services/booking, labs_service.go): NICE and NFF with their
// rooms and equipment, people's profiles and the labs' decisions on
// them, and samples.

// labsRoutes adds the labs' routes.
func (s *Server) labsRoutes(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc)) {
	get("/labs", s.labs, noStore)
	post("/labs/:lab/profile", s.labProfile, noStore, s.idempotent)
	get("/labs/:lab/members", s.labMembers, noStore)
	post("/labs/:lab/members/:person/approve", s.decideLabMember(true), noStore)
	post("/labs/:lab/members/:person/reject", s.decideLabMember(false), noStore)
	post("/labs/:lab/samples", s.submitSample, noStore, s.idempotent)
	get("/labs/:lab/samples", s.labSamples, noStore)
	post("/labs/:lab/samples/:id/status", s.moveSample, noStore)
}

// labsUser is the signed-in person asking about the labs.
func (s *Server) labsUser(c echo.Context) (auth.User, error) {
	if s.d.Labs == nil {
		return auth.User{}, problem(http.StatusNotFound, "", "the labs are not available")
	}
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return auth.User{}, err
	}
	return *u, nil
}

// listPage is a list for people: its items and the cursor of the next page.
type listPage[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

// listPageOf is the first limit of items (asked for limit+1), with the
// cursor of the next page, cursor of the last item kept, when there is
// more.
func listPageOf[T any](items []T, limit int, cursor func(T) string) listPage[T] {
	p := listPage[T]{Items: items}
	if len(items) > limit {
		next := cursor(items[limit-1])
		p.Items, p.Next = items[:limit], &next
	}
	return p
}

const (
	labsDefault = 50
	labsMax     = 200
)

func (s *Server) labs(c echo.Context) error {
	u, err := s.labsUser(c)
	if err != nil {
		return err
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	ls, err := s.d.Labs.List(c.Request().Context(), u, lang)
	if err != nil {
		return err
	}
	return ok(c, map[string]any{"items": ls})
}

func (s *Server) labProfile(c echo.Context) error {
	u, err := s.labsUser(c)
	if err != nil {
		return err
	}
	var p booking.LabProfile
	if err := decodeBody(c, &p); err != nil {
		return err
	}
	m, created, err := s.d.Labs.Apply(c.Request().Context(), u, c.Param("lab"), p)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, m)
}

func (s *Server) labMembers(c echo.Context) error {
	u, err := s.labsUser(c)
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
	ms, err := s.d.Labs.Members(c.Request().Context(), u, c.Param("lab"), c.QueryParam("status"), before, limit+1)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(ms, limit, func(m booking.MemberView) string { return strconv.FormatInt(m.Person, 10) }))
}

// decodeOptional decodes a body that may be left out.
func decodeOptional(c echo.Context, v any) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	return decodeBody(c, v)
}

func (s *Server) decideLabMember(approve bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := s.labsUser(c)
		if err != nil {
			return err
		}
		person, err := pathID(c, "person")
		if err != nil {
			return err
		}
		var req struct {
			Note string `json:"note"`
		}
		if err := decodeOptional(c, &req); err != nil {
			return err
		}
		m, err := s.d.Labs.Decide(c.Request().Context(), u, c.Param("lab"), person, approve, req.Note)
		if err != nil {
			return err
		}
		return ok(c, m)
	}
}

func (s *Server) submitSample(c echo.Context) error {
	u, err := s.labsUser(c)
	if err != nil {
		return err
	}
	var req struct {
		What    string `json:"what"`
		Count   *int   `json:"count"`
		Service string `json:"service"`
		Note    string `json:"note"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Count == nil {
		return badParam("count", "count, how many pieces, is required")
	}
	v, err := s.d.Labs.Submit(c.Request().Context(), u, c.Param("lab"),
		booking.SampleRequest{What: req.What, Count: *req.Count, Service: req.Service, Note: req.Note})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) labSamples(c echo.Context) error {
	u, err := s.labsUser(c)
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
	ss, err := s.d.Labs.Samples(c.Request().Context(), u, c.Param("lab"), c.QueryParam("status"), before, limit+1)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(ss, limit, func(s booking.SampleView) string { return strconv.FormatInt(s.ID, 10) }))
}

func (s *Server) moveSample(c echo.Context) error {
	u, err := s.labsUser(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Status string `json:"status"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.Status == "" {
		return badParam("status", "status, where the sample is now, is required")
	}
	v, err := s.d.Labs.Move(c.Request().Context(), u, c.Param("lab"), id, req.Status)
	if err != nil {
		return err
	}
	return ok(c, v)
}
