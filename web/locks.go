package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// Smart locks (services/access): a resident's PIN and fingerprints at
// their room's lock, and what the lock itself reports and fetches with
// its reader token.

// setPIN sets or changes the caller's own PIN at a lock.
func (s *Server) setPIN(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	var req struct {
		PIN string `json:"pin"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if err := s.d.Access.SetPIN(c.Request().Context(), u, c.Param("reader_id"), req.PIN); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// enrolment is the answer to POST /locks/{reader_id}/fingerprints.
type enrolment struct {
	EnrolmentID int64  `json:"enrolment_id"`
	Status      string `json:"status"`
}

// enrol opens an enrolment of the caller's fingerprint at a lock.
func (s *Server) enrol(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	f, err := s.d.Access.Enrol(c.Request().Context(), u, c.Param("reader_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, enrolment{EnrolmentID: f.ID, Status: f.Status})
}

// fingerprints lists the caller's fingerprints at a lock (a dozen at
// most: one page).
func (s *Server) fingerprints(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	fs, err := s.d.Access.Fingerprints(c.Request().Context(), u, c.Param("reader_id"))
	if err != nil {
		return err
	}
	return ok(c, map[string]any{"items": fs, "next": nil})
}

func (s *Server) deleteFingerprint(c echo.Context) error {
	u, err := s.cardUser(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return badParam("id", "%q is not a fingerprint id", c.Param("id"))
	}
	if err := s.d.Access.DeleteFingerprint(c.Request().Context(), u, c.Param("reader_id"), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// reportEnrolment is a lock's result of one of its enrolments.
func (s *Server) reportEnrolment(c echo.Context) error {
	r, err := s.tokenReader(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return badParam("id", "%q is not an enrolment id", c.Param("id"))
	}
	var req struct {
		Status string `json:"status"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if _, err := s.d.Access.ReportEnrolment(c.Request().Context(), r, id, req.Status); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// readerCommands are the commands the reader is to carry out, oldest
// first (at most access.MaxCommands; the rest once these are done).
func (s *Server) readerCommands(c echo.Context) error {
	r, err := s.tokenReader(c)
	if err != nil {
		return err
	}
	cs, err := s.d.Access.LockCommands(c.Request().Context(), r)
	if err != nil {
		return err
	}
	return ok(c, map[string]any{"items": cs, "next": nil})
}

// commandDone is the reader's word that it carried a command out.
func (s *Server) commandDone(c echo.Context) error {
	r, err := s.tokenReader(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return badParam("id", "%q is not a command id", c.Param("id"))
	}
	if err := s.d.Access.CommandDone(c.Request().Context(), r, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
