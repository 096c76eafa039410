package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// Bookings of the campus's spaces (services/booking): the spaces with
// their day's timelines and walking times, booking by the rules, a
// person's bookings, moves, cancels, approval, check-in and the record
// of no-shows.

// bookingsOn is the booking service, or a 404 when it is off.
func (s *Server) bookingsOn() (*booking.Service, error) {
	if s.d.Bookings == nil {
		return nil, problem(http.StatusNotFound, "", "bookings are not available")
	}
	return s.d.Bookings, nil
}

// bookingUser is the signed-in person asking about bookings.
func (s *Server) bookingUser(c echo.Context) (*booking.Service, auth.User, error) {
	b, err := s.bookingsOn()
	if err != nil {
		return nil, auth.User{}, err
	}
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return nil, auth.User{}, err
	}
	return b, *u, nil
}

// timeParam reads an RFC 3339 time of the query; zero when absent.
func timeParam(c echo.Context, name string) (time.Time, error) {
	return timeField(name, c.QueryParam(name), false)
}

// nearParam reads near=LON,LAT,ORDINAL.
func (s *Server) nearParam(c echo.Context) (*geo.Position, error) {
	v := c.QueryParam("near")
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) != 3 {
		return nil, badParam("near", "near %q is not LON,LAT,ORDINAL", v)
	}
	lon, _, err := parseFloatIn("near", parts[0], -180, 180)
	if err != nil {
		return nil, err
	}
	lat, _, err := parseFloatIn("near", parts[1], -90, 90)
	if err != nil {
		return nil, err
	}
	ord, err := strconv.Atoi(strings.TrimSpace(parts[2]))
	if err != nil || ord < geo.MinOrdinal || ord > geo.MaxOrdinal {
		return nil, badParam("near", "near %q has no ordinal (0 is the ground floor)", v)
	}
	pos := geo.Position{Lon: lon, Lat: lat, Ordinal: ord}
	if err := s.onCampus(pos); err != nil {
		return nil, err
	}
	return &pos, nil
}

type spacesAnswer struct {
	Items []booking.Answer `json:"items"`
	Next  *string          `json:"next"`
}

// spaces lists the bookable spaces the asker may see, with their day's
// timelines: "the nearest free meeting room for 6, now" is
// ?type=meeting&capacity=6&near=LON,LAT,ORD&available=true.
func (s *Server) spaces(c echo.Context) error {
	b, err := s.bookingsOn()
	if err != nil {
		return err
	}
	var q booking.Query
	if q.Start, err = timeParam(c, "start"); err != nil {
		return err
	}
	if q.End, err = timeParam(c, "end"); err != nil {
		return err
	}
	if q.Capacity, err = intParam(c, "capacity", 0, 0, 10000); err != nil {
		return err
	}
	if q.Limit, err = intParam(c, "limit", booking.DefaultLimit, 1, booking.MaxLimit); err != nil {
		return err
	}
	if q.Offset, err = intParam(c, "cursor", 0, 0, 1<<20); err != nil {
		return err
	}
	if q.Lang, err = langParam(c); err != nil {
		return err
	}
	if q.Near, err = s.nearParam(c); err != nil {
		return err
	}
	switch v := c.QueryParam("available"); v {
	case "", "false":
	case "true":
		q.Available = true
	default:
		return badParam("available", "available %q is not true or false", v)
	}
	q.Type, q.Q, q.Building = c.QueryParam("type"), c.QueryParam("q"), c.QueryParam("building")
	if len(q.Q) > 100 {
		return badParam("q", "q is longer than %d bytes", 100)
	}
	items, next, err := b.Spaces(c.Request().Context(), viewerOf(c).role, q)
	if err != nil {
		return err
	}
	a := spacesAnswer{Items: items}
	if next > 0 {
		n := strconv.Itoa(next)
		a.Next = &n
	}
	return ok(c, a)
}

// bookingJSON is a booking as the API shows it.
type bookingJSON struct {
	ID        int64     `json:"id"`
	Space     string    `json:"space"`
	SpaceRef  string    `json:"space_ref"`
	SpaceName string    `json:"space_name"`
	Type      string    `json:"type"`
	Place     string    `json:"place"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	Created   time.Time `json:"created"`
	// Checkin is the booking's check-in window and what happened in it;
	// null for a booking that needs none.
	Checkin *checkinJSON `json:"checkin"`
}

type checkinJSON struct {
	From      time.Time  `json:"from"`
	Until     time.Time  `json:"until"`
	CheckedIn *time.Time `json:"checked_in"`
	// Scan: whether a beacon scan at check-in placed the person in or
	// by the room ("agreed", "disagreed"); null without one.
	Scan *string `json:"scan"`
}

func (s *Server) bookingOut(b booking.Booking, lang string) bookingJSON {
	zone := s.d.Bookings.Catalogue().Zone()
	out := bookingJSON{ID: b.ID, Space: b.Space, Start: b.Start.In(zone), End: b.End.In(zone), Title: b.Title,
		Status: b.Status, Created: b.Created.In(zone)}
	if sp, ok := s.d.Bookings.Catalogue().Space(b.Space); ok {
		out.SpaceRef, out.SpaceName, out.Type, out.Place = sp.Ref, sp.Name.In(lang), sp.Kind.Type, booking.Place(sp, lang)
	}
	if b.CheckinBy != nil {
		ci := &checkinJSON{From: b.Start.Add(-booking.CheckinBefore).In(zone), Until: b.CheckinBy.In(zone)}
		if b.CheckedIn != nil {
			t := b.CheckedIn.In(zone)
			ci.CheckedIn = &t
		}
		if b.Scan != "" {
			sc := b.Scan
			ci.Scan = &sc
		}
		out.Checkin = ci
	}
	return out
}

type bookRequest struct {
	Space       string    `json:"space"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Title       string    `json:"title"`
	AcceptRules bool      `json:"accept_rules"`
}

func (s *Server) book(c echo.Context) error {
	b, u, err := s.bookingUser(c)
	if err != nil {
		return err
	}
	var r bookRequest
	if err := decodeBody(c, &r); err != nil {
		return err
	}
	switch {
	case r.Space == "":
		return badParam("space", "space is required (a space's id, from /spaces)")
	case r.Start.IsZero():
		return badParam("start", "%s is required", "start")
	case r.End.IsZero():
		return badParam("end", "%s is required", "end")
	}
	lang, _ := langParam(c)
	bk, err := b.Book(c.Request().Context(), u, booking.Request{Space: r.Space, Start: r.Start, End: r.End, Title: r.Title, AcceptRules: r.AcceptRules})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.bookingOut(bk, lang))
}

type bookingsAnswer struct {
	Items []bookingJSON `json:"items"`
	Next  *string       `json:"next"`
}

// myBookings lists the asker's bookings, newest first.
func (s *Server) myBookings(c echo.Context) error {
	b, u, err := s.bookingUser(c)
	if err != nil {
		return err
	}
	before, err := cursorParam(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	lang, err := langParam(c)
	if err != nil {
		return err
	}
	bs, err := b.Store().UserBookings(c.Request().Context(), u.ID, before, limit+1)
	if err != nil {
		return err
	}
	a := bookingsAnswer{Items: []bookingJSON{}}
	for i, bk := range bs {
		if i == limit {
			n := strconv.FormatInt(bs[i-1].ID, 10)
			a.Next = &n
			break
		}
		a.Items = append(a.Items, s.bookingOut(bk, lang))
	}
	return ok(c, a)
}

// bookingAt is the booking service, the signed-in person and the :id of
// the booking they ask about.
func (s *Server) bookingAt(c echo.Context) (*booking.Service, auth.User, int64, error) {
	b, u, err := s.bookingUser(c)
	if err != nil {
		return nil, u, 0, err
	}
	id, err := bookingID(c)
	return b, u, id, err
}

// bookingID reads the :id of a booking.
func bookingID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, problem(http.StatusNotFound, "id", "no booking %q", c.Param("id"))
	}
	return id, nil
}

// oneBooking answers a booking of the asker's (or one they approve).
func (s *Server) oneBooking(c echo.Context) error {
	b, u, id, err := s.bookingAt(c)
	if err != nil {
		return err
	}
	bk, err := b.Store().GetBooking(c.Request().Context(), id)
	if err != nil {
		return err
	}
	sp, known := b.Catalogue().Space(bk.Space)
	if bk.UserID != u.ID && !(known && sp.Kind.Approver != "" && u.Has(sp.Kind.Approver)) {
		return problem(http.StatusNotFound, "id", "no booking %q", c.Param("id"))
	}
	lang, _ := langParam(c)
	return ok(c, s.bookingOut(bk, lang))
}

type moveRequest struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

func (s *Server) moveBooking(c echo.Context) error {
	b, u, id, err := s.bookingAt(c)
	if err != nil {
		return err
	}
	var r moveRequest
	if err := decodeBody(c, &r); err != nil {
		return err
	}
	switch {
	case r.Start.IsZero():
		return badParam("start", "%s is required", "start")
	case r.End.IsZero():
		return badParam("end", "%s is required", "end")
	}
	bk, err := b.Move(c.Request().Context(), u, id, r.Start, r.End)
	if err != nil {
		return err
	}
	lang, _ := langParam(c)
	return ok(c, s.bookingOut(bk, lang))
}

func (s *Server) cancelBooking(c echo.Context) error {
	b, u, id, err := s.bookingAt(c)
	if err != nil {
		return err
	}
	bk, err := b.Cancel(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	lang, _ := langParam(c)
	return ok(c, s.bookingOut(bk, lang))
}

// decideBooking approves or rejects a pending booking.
func (s *Server) decideBooking(confirm bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		b, u, id, err := s.bookingAt(c)
		if err != nil {
			return err
		}
		bk, err := b.Decide(c.Request().Context(), u, id, confirm)
		if err != nil {
			return err
		}
		lang, _ := langParam(c)
		return ok(c, s.bookingOut(bk, lang))
	}
}

// pendingBookings lists the bookings waiting for the asker's approval.
func (s *Server) pendingBookings(c echo.Context) error {
	b, u, err := s.bookingUser(c)
	if err != nil {
		return err
	}
	bs, err := b.Pending(c.Request().Context(), u)
	if err != nil {
		return err
	}
	lang, _ := langParam(c)
	a := bookingsAnswer{Items: []bookingJSON{}}
	for _, bk := range bs {
		a.Items = append(a.Items, s.bookingOut(bk, lang))
	}
	return ok(c, a)
}

// checkIn checks the asker into their booking; a body with beacon scans
// (as /position takes) says whether they were placed in or by the room.
func (s *Server) checkIn(c echo.Context) error {
	b, u, id, err := s.bookingAt(c)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return echo.ErrStatusRequestEntityTooLarge
	}
	var fix *booking.Fix
	if len(strings.TrimSpace(string(body))) > 0 {
		if s.d.Positioner == nil {
			return badParam("body", "positioning is not available: check in without a scan")
		}
		scan, err := beacons.ParseScan(body)
		if err != nil {
			return badParam("body", "%v", err)
		}
		f := s.d.Positioner.Fix(s.view(c), &scan)
		fix = &booking.Fix{}
		if f.Unit != nil {
			fix.Unit = *f.Unit
		}
		if f.Lon != nil && f.Lat != nil && f.Ordinal != nil {
			fix.At = geo.Position{Lon: *f.Lon, Lat: *f.Lat, Ordinal: *f.Ordinal}
			if f.AccuracyM != nil {
				fix.AccuracyM = *f.AccuracyM
			}
		} else {
			fix.At.Ordinal = geo.MaxOrdinal + 1 // nowhere
		}
	}
	bk, err := b.CheckIn(c.Request().Context(), u, id, fix)
	if err != nil {
		return err
	}
	lang, _ := langParam(c)
	return ok(c, s.bookingOut(bk, lang))
}

type noShowJSON struct {
	Booking bookingJSON `json:"booking"`
	At      time.Time   `json:"at"`
}

type attendanceJSON struct {
	// NoShows are the bookings of the last 30 days released because
	// nobody checked in.
	NoShows []noShowJSON `json:"no_shows"`
	// SuspendedUntil: booking is suspended until then; null when not.
	SuspendedUntil *time.Time `json:"suspended_until"`
	// Courses are the sessions of the person's courses that have begun:
	// checked in, on leave or no-show.
	Courses []CourseAttendanceJSON `json:"courses"`
}

// attendance is the asker's record: no-shows, any suspension, and their
// courses' sessions.
func (s *Server) attendance(c echo.Context) error {
	b, u, err := s.bookingUser(c)
	if err != nil {
		return err
	}
	a, err := b.AttendanceOf(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	lang, _ := langParam(c)
	out := attendanceJSON{NoShows: []noShowJSON{}}
	if out.Courses, err = s.courseAttendance(c, u, lang); err != nil {
		return err
	}
	for _, n := range a.NoShows {
		out.NoShows = append(out.NoShows, noShowJSON{Booking: s.bookingOut(n.Booking, lang), At: n.At.In(b.Catalogue().Zone())})
	}
	if !a.SuspendedUntil.IsZero() {
		t := a.SuspendedUntil.In(b.Catalogue().Zone())
		out.SuspendedUntil = &t
	}
	return ok(c, out)
}

// bookingConflict is the interval in the way of a 409.
func bookingConflict(err error) *conflictJSON {
	var ce *booking.ConflictError
	if errors.As(err, &ce) {
		z := ce.Zone
		if z == nil {
			z = time.UTC
		}
		return &conflictJSON{Space: ce.Space, Start: ce.Start.In(z), End: ce.End.In(z)}
	}
	return nil
}

// conflictJSON names the live booking a booking would overlap.
type conflictJSON struct {
	Space string    `json:"space"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}
