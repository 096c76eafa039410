package web

import (
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/beacons"
)

// deviceTrack is the tracking state of one device of one person.
type deviceTrack struct {
	mu   sync.Mutex
	t    *beacons.Tracker
	seen time.Time
}

// trackIdle is how long a device's track is kept without scans.
const trackIdle = 10 * time.Minute

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
	owner := "address:" + c.RealIP()
	if v.user != nil {
		owner = "user:" + strconv.FormatInt(v.user.ID, 10)
	}
	tr := s.track(owner + "/" + scan.Device)
	tr.mu.Lock()
	fix := tr.t.Update(s.view(c), &scan)
	tr.seen = time.Now()
	tr.mu.Unlock()
	return ok(c, fix)
}

// track returns the tracker of a device, starting one if needed, and
// forgets idle ones.
func (s *Server) track(key string) *deviceTrack {
	s.trackersMu.Lock()
	defer s.trackersMu.Unlock()
	now := time.Now()
	if len(s.trackers) > 1000 {
		for k, t := range s.trackers {
			if now.Sub(t.seen) > trackIdle {
				delete(s.trackers, k)
			}
		}
	}
	t := s.trackers[key]
	if t == nil {
		t = &deviceTrack{t: s.d.Positioner.NewTracker(key), seen: now}
		s.trackers[key] = t
	}
	return t
}
