package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

// AuditLog reads the audit log, newest first; services/store's DB is
// one.
type AuditLog interface {
	AuditEntries(ctx context.Context, q audit.Query) ([]audit.Entry, error)
}

// auditPage is a page of the audit log: DESIGN.md's list for people.
type auditPage struct {
	Items []audit.Entry `json:"items"`
	// Next is the cursor of the next page (older entries); null on the
	// last.
	Next *string `json:"next"`
}

// auditEntries answers GET /admin/audit?subject=&kind=&from=&to=&limit=&cursor=
// to admins: the entries that match, newest first, a page at a time.
func (s *Server) auditEntries(c echo.Context) error {
	if s.d.Audit == nil {
		return problem(http.StatusNotFound, "", "the audit log is not available")
	}
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return err
	}
	if u.Role != auth.Admin {
		return problem(http.StatusForbidden, "", "only admins read the audit log")
	}
	q, err := auditQuery(c)
	if err != nil {
		return err
	}
	limit := q.Limit
	q.Limit++ // one more says whether there is a next page
	es, err := s.d.Audit.AuditEntries(c.Request().Context(), q)
	if err != nil {
		return err
	}
	page := auditPage{Items: es}
	if len(es) > limit {
		page.Items = es[:limit]
		next := strconv.FormatInt(es[limit-1].ID, 10)
		page.Next = &next
	}
	return ok(c, page)
}

// auditQuery reads the audit log's query parameters, naming the one at
// fault.
func auditQuery(c echo.Context) (audit.Query, error) {
	q := audit.Query{Subject: c.QueryParam("subject"), Kind: c.QueryParam("kind")}
	if en, _ := services.TextProblem(q.Subject); en != "" || len(q.Subject) > audit.MaxText {
		return q, badParam("subject", "subject is an account's email or tel:+phone, at most %d bytes", audit.MaxText)
	}
	if q.Kind != "" && (len(q.Kind) > audit.MaxKind || strings.Trim(q.Kind, "abcdefghijklmnopqrstuvwxyz0123456789_") != "") {
		return q, badParam("kind", "kind %q is not a kind of entry (signin, signin_failed, family_decided, duty_granted, duty_revoked ...)", q.Kind)
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		v := c.QueryParam(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return q, badParam(p.name, "%s %q is not an RFC 3339 time (2026-03-01T09:00:00+08:00)", p.name, v)
		}
		*p.t = t
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.To.After(q.From) {
		return q, badParam("to", "to is not after from")
	}
	limit, err := intParam(c, "limit", audit.DefaultLimit, 1, audit.MaxLimit)
	if err != nil {
		return q, err
	}
	q.Limit = limit
	if cur := c.QueryParam("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n < 2 {
			return q, badParam("cursor", "cursor %q is not one this list gave", cur)
		}
		q.Before = n
	}
	return q, nil
}
