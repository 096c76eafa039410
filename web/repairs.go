package web

import (
	"net/http"
	"strconv"

	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/repair"
)

// Repairs (services/repair): reports by category, located by a unit, a
// point or beacon scans; the desk's list, map and transitions; the
// reporter's own tickets, reopening and rating. A ticket is its
// reporter's and the desk's only: to anyone else it is a 404.

// maxRepairScans bounds the scans of one report: a few seconds of them.
const maxRepairScans = 20

// repairRoutes adds the repairs' routes.
func (s *Server) repairRoutes(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc)) {
	get("/repairs/categories", s.repairCategories)
	post("/repairs", s.report, noStore, s.idempotent)
	get("/repairs", s.deskRepairs, noStore)
	get("/repairs/map", s.repairMap, noStore)
	get("/repairs/:id", s.oneRepair, noStore)
	for _, a := range []string{repair.Dispatch, repair.Start, repair.Hold, repair.Complete, repair.CloseIt, repair.Reopen, repair.Rate} {
		post("/repairs/:id/"+a, s.repairAction(a), noStore)
	}
	get("/me/repairs", s.myRepairs, noStore)
	post("/repairs/:id/photos", s.addRepairPhoto, noStore)
	get("/repairs/:id/photos/:photo", s.repairPhoto, noStore)
	s.bodyLimits["/api/v1/repairs/:id/photos"] = photoBodyLimit
}

// repairUser is the signed-in person asking about repairs, and the
// language of the answer (and of their mails): the lang parameter, else
// Accept-Language.
func (s *Server) repairUser(c echo.Context) (auth.User, string, error) {
	if s.d.Repairs == nil {
		return auth.User{}, "", problem(http.StatusNotFound, "", "repairs are not available")
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

// repairTicket is the person asking about the ticket of the path's id,
// and that id.
func (s *Server) repairTicket(c echo.Context) (auth.User, int64, error) {
	u, _, err := s.repairUser(c)
	if err != nil {
		return u, 0, err
	}
	id, err := pathID(c, "id")
	return u, id, err
}

func (s *Server) repairCategories(c echo.Context) error {
	if s.d.Repairs == nil {
		return problem(http.StatusNotFound, "", "repairs are not available")
	}
	return ok(c, map[string]any{"items": repair.Categories()})
}

type repairPoint struct {
	Lon     *float64 `json:"lon"`
	Lat     *float64 `json:"lat"`
	Ordinal *int     `json:"ordinal"`
}

type reportRequest struct {
	Category    string            `json:"category"`
	Description string            `json:"description"`
	Unit        string            `json:"unit"`
	At          *repairPoint      `json:"at"`
	Scans       []json.RawMessage `json:"scans"`
	Contact     string            `json:"contact"`
}

func (s *Server) report(c echo.Context) error {
	u, lang, err := s.repairUser(c)
	if err != nil {
		return err
	}
	var req reportRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	r := repair.Report{Category: req.Category, Description: req.Description, Unit: req.Unit, Contact: req.Contact}
	if req.At != nil {
		if req.At.Lon == nil || req.At.Lat == nil || req.At.Ordinal == nil {
			return badParam("at", "at needs lon, lat and ordinal")
		}
		r.At = &repair.Point{Lon: *req.At.Lon, Lat: *req.At.Lat, Ordinal: *req.At.Ordinal}
	}
	if len(req.Scans) > maxRepairScans {
		return badParam("scans", "at most %d scans", maxRepairScans)
	}
	if req.Scans != nil {
		got, err := s.locateScans(c, req.Scans, lang)
		if err != nil {
			return err
		}
		r.Beacons = &got.Place
	}
	v, err := s.d.Repairs.Create(c.Request().Context(), u, r, lang)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) oneRepair(c echo.Context) error {
	u, id, err := s.repairTicket(c)
	if err != nil {
		return err
	}
	v, err := s.d.Repairs.Get(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return ok(c, v)
}

// repairPage reads a list's limit and cursor.
func repairPage(c echo.Context) (int, int64, error) {
	limit, err := intParam(c, "limit", labsDefault, 1, labsMax)
	if err != nil {
		return 0, 0, err
	}
	before, err := cursorParam(c)
	return limit, before, err
}

func repairCursor(v repair.View) string { return strconv.FormatInt(v.ID, 10) }

func (s *Server) deskRepairs(c echo.Context) error {
	u, _, err := s.repairUser(c)
	if err != nil {
		return err
	}
	limit, before, err := repairPage(c)
	if err != nil {
		return err
	}
	q := repair.Query{Status: c.QueryParam("status"), Category: c.QueryParam("category"), Building: c.QueryParam("building"),
		Before: before, Limit: limit + 1}
	vs, err := s.d.Repairs.List(c.Request().Context(), u, q)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(vs, limit, repairCursor))
}

func (s *Server) myRepairs(c echo.Context) error {
	u, _, err := s.repairUser(c)
	if err != nil {
		return err
	}
	limit, before, err := repairPage(c)
	if err != nil {
		return err
	}
	vs, err := s.d.Repairs.Mine(c.Request().Context(), u, before, limit+1)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(vs, limit, repairCursor))
}

// repairMapMax bounds the points of the desk's map.
const repairMapMax = 1000

func (s *Server) repairMap(c echo.Context) error {
	u, _, err := s.repairUser(c)
	if err != nil {
		return err
	}
	ps, err := s.d.Repairs.Map(c.Request().Context(), u, c.QueryParam("status"), repairMapMax)
	if err != nil {
		return err
	}
	type feature struct {
		Type     string          `json:"type"`
		ID       int64           `json:"id"`
		Geometry map[string]any  `json:"geometry"`
		Props    repair.MapPoint `json:"properties"`
	}
	fs := make([]feature, len(ps))
	for i, p := range ps {
		fs[i] = feature{Type: "Feature", ID: p.ID, Geometry: map[string]any{"type": "Point", "coordinates": []float64{p.Lon, p.Lat}}, Props: p}
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/geo+json")
	c.Response().WriteHeader(http.StatusOK)
	return encodeJSON(c.Response(), map[string]any{"type": "FeatureCollection", "features": fs})
}

type repairActionRequest struct {
	Assignee string `json:"assignee"`
	Reason   string `json:"reason"`
	Note     string `json:"note"`
	Stars    int    `json:"stars"`
	Comment  string `json:"comment"`
}

// repairAction is the handler of one action on a ticket; its body is
// optional for start and close.
func (s *Server) repairAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, id, err := s.repairTicket(c)
		if err != nil {
			return err
		}
		var req repairActionRequest
		if c.Request().ContentLength != 0 {
			if err := decodeBody(c, &req); err != nil {
				return err
			}
		}
		v, err := s.d.Repairs.Act(c.Request().Context(), u, id, action, repair.Args{Assignee: req.Assignee, Reason: req.Reason,
			Note: req.Note, Stars: req.Stars, Comment: req.Comment})
		if err != nil {
			return err
		}
		return ok(c, v)
	}
}
