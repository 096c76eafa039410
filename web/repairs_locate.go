package web

import (
	"errors"
	"fmt"
	"net/http"

	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/repair"
)

// locateBody is POST /repairs/locate's body: a few seconds of one phone's
// scans, each as /position takes it.
// Or a point on a floor instead ("at": one picked on the map, or the map's
// centre).
type locateBody struct {
	Scans []json.RawMessage `json:"scans"`
	At    *repairPoint      `json:"at"`
}

// locateReporter answers where the reporter most likely is, and the rooms
// around, from their scans: the positioning engine's answer, as the asker
// may see it.
func (s *Server) locateReporter(c echo.Context) error {
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	var body locateBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	if body.At != nil {
		if body.Scans != nil {
			return badParam("at", "give scans or at, not both")
		}
		at := body.At
		if at.Lon == nil || at.Lat == nil || at.Ordinal == nil {
			return badParam("at", "at needs lon, lat and ordinal")
		}
		pos := geo.Position{Lon: *at.Lon, Lat: *at.Lat, Ordinal: *at.Ordinal}
		if pos.Ordinal < geo.MinOrdinal || pos.Ordinal > geo.MaxOrdinal {
			return badParam("at", "ordinal %d is not a floor of the campus", pos.Ordinal)
		}
		if s.d.Venue != nil {
			if err := s.d.Venue.CheckNear(pos.Lon, pos.Lat); err != nil {
				return causeProblem(http.StatusBadRequest, "at", err)
			}
		}
		return ok(c, repair.LocateAt(s.view(c), lang, pos))
	}
	if s.d.RepairLocator == nil {
		return problem(http.StatusNotFound, "", "locating from beacons is not available")
	}
	got, err := s.locateScans(c, body.Scans, lang)
	if err != nil {
		return err
	}
	if got.Candidates == nil {
		got.Candidates = []repair.Candidate{}
	}
	return ok(c, got)
}

// locateScans places a reporter from a body's scans (POST /repairs/locate,
// and a report located by "scans") through the locator the server was
// given: a scan that is not one is a 400 naming it, scans that place
// nobody a 422 no_location.
func (s *Server) locateScans(c echo.Context, raw []json.RawMessage, lang string) (repair.Located, error) {
	if s.d.RepairLocator == nil {
		return repair.Located{}, badParam("scans", "locating from beacons is off")
	}
	scans, err := parseScans(raw)
	if err != nil {
		return repair.Located{}, err
	}
	got, err := s.d.RepairLocator.Locate(s.view(c), lang, scans)
	switch {
	case errors.Is(err, repair.ErrNoLocation):
		p := problem(http.StatusUnprocessableEntity, "scans", "the scans place nobody: name the room instead")
		p.Code, p.title = "no_location", [2]string{"Not located", "无法定位"}
		return repair.Located{}, p
	case err != nil:
		return repair.Located{}, badParam("scans", "%v", err)
	}
	return got, nil
}

// parseScans reads the scans of a body, naming the one that is not a scan.
func parseScans(raw []json.RawMessage) ([]beacons.Scan, error) {
	switch {
	case len(raw) == 0:
		return nil, badParam("scans", "no scans: give a few seconds of one phone's scans")
	case len(raw) > repair.MaxLocateScans:
		return nil, badParam("scans", "%d scans, at most %d", len(raw), repair.MaxLocateScans)
	}
	out := make([]beacons.Scan, len(raw))
	for i, r := range raw {
		s, err := beacons.ParseScan(r)
		if err != nil {
			return nil, badParam(fmt.Sprintf("scans[%d]", i), "%v", err)
		}
		out[i] = s
	}
	return out, nil
}
