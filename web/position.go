package web

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/beacons"
)

// position answers a scan with a fix, tracking the device across calls:
// per signed-in person (a device name is theirs alone), or per address
// for people not signed in.
func (s *Server) position(c echo.Context) error {
	if s.d.Positioner == nil {
		return problem(http.StatusNotFound, "", "positioning is not available")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return echo.ErrStatusRequestEntityTooLarge
	}
	scan, err := beacons.ParseScan(body)
	if err != nil {
		return badParam("body", "%v", err)
	}
	v := viewerOf(c)
	owner := addressOwner(c.RealIP())
	if v.user != nil {
		owner = "user:" + strconv.FormatInt(v.user.ID, 10)
	}
	tr := s.trackers.get(owner, scan.Device, time.Now())
	tr.mu.Lock()
	fix, spot, placed := tr.t.UpdateSpot(s.view(c), &scan)
	tr.mu.Unlock()
	if placed && v.user != nil { // the occupancy map counts people signed in
		s.occupancy.Record(v.user.ID, spot, s.cfg.Now())
	}
	return ok(c, fix)
}
