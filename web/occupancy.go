package web

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/occupancy"
)

// The occupancy map: GET /occupancy?ordinal=&res= tells staff how many
// people were positioned in each H3 cell of a floor lately, never fewer
// than occupancy.MinPeople in a cell, never anyone inside a place the
// asker may not see inside (services/occupancy). Who is counted is fed
// by the positions the server works out or is given: POST /position and
// the live socket's scan and fix messages, of people signed in (a client
// not signed in can invent devices without end, and so people).

// occupancyCell is one cell of the answer, as GeoJSON.
type occupancyCell struct {
	Type       string          `json:"type"`
	Geometry   occupancyPoly   `json:"geometry"`
	Properties occupancyCounts `json:"properties"`
}

type occupancyPoly struct {
	Type        string         `json:"type"`
	Coordinates [][][2]float64 `json:"coordinates"`
}

type occupancyCounts struct {
	H3      string `json:"h3"`
	Res     int    `json:"res"`
	Ordinal int    `json:"ordinal"`
	People  int    `json:"people"`
}

// occupancyAnswer is the answer: the cells, and what they are counts of.
type occupancyAnswer struct {
	Type     string          `json:"type"`
	Features []occupancyCell `json:"features"`
	// MinPeople is the fewest people a cell is told with; WindowS the
	// seconds a position counts for; Until when the answer stops
	// standing (every asker is told the same until then).
	MinPeople int    `json:"min_people"`
	WindowS   int    `json:"window_s"`
	Until     string `json:"until"`
}

func (s *Server) occupancyMap(c echo.Context) error {
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return err
	}
	if u.Role != auth.Staff && u.Role != auth.Admin {
		return problem(http.StatusForbidden, "", "only staff see the occupancy map")
	}
	if c.QueryParam("ordinal") == "" {
		return badParam("ordinal", "ordinal is required (0 is the ground floor)")
	}
	ord, err := intParam(c, "ordinal", 0, geo.MinOrdinal, geo.MaxOrdinal)
	if err != nil {
		return err
	}
	res, err := intParam(c, "res", 12, occupancy.MinRes, occupancy.MaxRes)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	snap := s.occupancy.Answer(s.view(c), ord, now)
	cells := snap.Cells(res)
	out := occupancyAnswer{Type: "FeatureCollection", Features: make([]occupancyCell, 0, len(cells)),
		MinPeople: occupancy.MinPeople, WindowS: int(occupancy.Window.Seconds()), Until: snap.Until.UTC().Format(time.RFC3339)}
	for _, cell := range cells {
		out.Features = append(out.Features, occupancyCell{Type: "Feature",
			Geometry:   occupancyPoly{Type: "Polygon", Coordinates: [][][2]float64{cell.Ring()}},
			Properties: occupancyCounts{H3: cell.Cell.String(), Res: res, Ordinal: ord, People: cell.People}})
	}
	maxAge := int(math.Ceil(snap.Until.Sub(now).Seconds()))
	c.Response().Header().Set("Cache-Control", "private, max-age="+strconv.Itoa(max(maxAge, 0)))
	c.Response().Header().Set(echo.HeaderContentType, "application/geo+json")
	c.Response().WriteHeader(http.StatusOK)
	return encodeJSON(c.Response(), out)
}
