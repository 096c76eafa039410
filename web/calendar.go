package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// Calendars (services/booking, calendar.go): a person's secret feed URL,
// the iCalendar feed at it, and its revocation.

// calendarPath is where feeds are: calendarPath + SECRET + ".ics".
const calendarPath = "/api/v1/calendar/"

// calendarUser is the signed-in person asking about their feed.
func (s *Server) calendarUser(c echo.Context) (*auth.User, error) {
	if s.d.Calendars == nil {
		return nil, problem(http.StatusNotFound, "", "calendar feeds are not available")
	}
	return requireUser(c, "sign in to have a calendar feed")
}

// calendarFeedAnswer is a new feed's address: url for calendar apps'
// "subscribe by URL", webcal the same as a webcal:// link (which opens
// the device's calendar app).
type calendarFeedAnswer struct {
	URL    string `json:"url"`
	WebCal string `json:"webcal"`
}

// newCalendarFeed makes the viewer a new feed URL, ending the old one.
// It is not idempotent by key, unlike other POSTs that create: the
// answer is a credential, which the idempotency store would keep in
// clear, and a retry does no harm (one feed a person: it replaces the
// first). Its texts are in the request's language (lang, or
// Accept-Language): the URL asks for the feed in Chinese when it is.
func (s *Server) newCalendarFeed(c echo.Context) error {
	u, err := s.calendarUser(c)
	if err != nil {
		return err
	}
	lang, err := calendarLang(c)
	if err != nil {
		return err
	}
	secret, err := s.d.Calendars.NewFeed(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	url := s.baseURL(c) + calendarPath + secret + ".ics"
	if lang == "zh" {
		url += "?lang=zh"
	}
	webcal := url
	if _, rest, ok := strings.Cut(url, "://"); ok {
		webcal = "webcal://" + rest
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(http.StatusCreated)
	return encodeJSON(c.Response(), calendarFeedAnswer{URL: url, WebCal: webcal})
}

// revokeCalendarFeed ends the viewer's feed at once: 204, whether there
// was one or not.
func (s *Server) revokeCalendarFeed(c echo.Context) error {
	u, err := s.calendarUser(c)
	if err != nil {
		return err
	}
	if err := s.d.Calendars.RevokeFeed(c.Request().Context(), u.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// calendarLang is the language asked for: lang (en or zh; 400 for
// another), else the first of Accept-Language.
func calendarLang(c echo.Context) (string, error) {
	if c.QueryParam("lang") != "" {
		return langParam(c)
	}
	return problemLang(c), nil
}

// calendarFeed answers the feed of the secret in its path, to whoever
// holds it (calendar apps do not sign in: the secret is the
// credential): an iCalendar object, or a 404 for a secret that names no
// feed. Nothing keeps a copy (no-store), so a revoked feed ends at once.
func (s *Server) calendarFeed(c echo.Context) error {
	secret, ok := strings.CutSuffix(c.Param("feed"), ".ics")
	if s.d.Calendars == nil || !ok {
		return problem(http.StatusNotFound, "", "no such calendar feed: it was never made, or it was replaced or revoked")
	}
	lang, err := calendarLang(c)
	if err != nil {
		return err
	}
	b, err := s.d.Calendars.Feed(c.Request().Context(), secret, lang)
	if errors.Is(err, booking.ErrNotFound) {
		return problem(http.StatusNotFound, "", "no such calendar feed: it was never made, or it was replaced or revoked")
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `inline; filename="campus.ics"`)
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", b)
}

// hidePath keeps a route's path out of the log: the log shows the
// route's template instead (a calendar feed's path is its credential).
func hidePath(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(logPathKey, c.Path())
		return next(c)
	}
}

// logPathKey holds the path to log for a request, when not its own.
const logPathKey = "log_path"

// logPath is the path of the request as the log shows it.
func logPath(c echo.Context) string {
	if p, ok := c.Get(logPathKey).(string); ok {
		return p
	}
	return c.Request().URL.Path
}
