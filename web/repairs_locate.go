package web

import (
	"errors"
	"fmt"
	"net/http"

	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/services/repair"
)

// locateBody is POST /repairs/locate's body: a few seconds of one phone's
// scans, each as /position takes it.
type locateBody struct {
	Scans []json.RawMessage `json:"scans"`
}

// locateReporter answers where the reporter most likely is, and the rooms
// around, from their scans: the positioning engine's answer, as the asker
// may see it.
func (s *Server) locateReporter(c echo.Context) error {
	if s.d.RepairLocator == nil {
		return problem(http.StatusNotFound, "", "locating from beacons is not available")
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	var body locateBody
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	scans, err := parseScans(body.Scans)
	if err != nil {
		return err
	}
	got, err := s.d.RepairLocator.Locate(s.view(c), lang, scans)
	switch {
	case errors.Is(err, repair.ErrNoLocation):
		return problem(http.StatusUnprocessableEntity, "scans", "the scans place nobody: no beacon of the campus was heard")
	case err != nil:
		return badParam("scans", "%v", err)
	}
	if got.Candidates == nil {
		got.Candidates = []repair.Candidate{}
	}
	return ok(c, got)
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
