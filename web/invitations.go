package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/visitor"
)

// Invitations (services/visitor): a host invites a visitor by name and
// phone; the visitor accepts with the code of the link they were texted.

func (s *Server) invitationRoutes(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc)) {
	post("/invitations", s.invite, noStore, s.idempotent)
	get("/invitations", s.invitations, noStore)
	post("/invitations/:id/withdraw", s.withdrawInvitation, noStore)
	post("/invitations/:code/accept", s.acceptInvitation, noStore, s.idempotent)
}

type invitationRequest struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Type   string `json:"type"`
	Date   string `json:"date"`
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
	Place  string `json:"place"`
}

// invitedJSON is a new invitation: its code, given once, and the link
// texted to the visitor.
type invitedJSON struct {
	visitor.InvitationView
	Code string `json:"code"`
	URL  string `json:"url"`
}

func (s *Server) invite(c echo.Context) error {
	u, _, err := s.visitUser(c)
	if err != nil {
		return err
	}
	var req invitationRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	inv, err := s.d.Visits.Invite(c.Request().Context(), u, visitor.InvitationRequest{Name: req.Name, Phone: req.Phone, Type: req.Type,
		Date: req.Date, From: req.From, To: req.To, Reason: req.Reason, Place: req.Place})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, invitedJSON{InvitationView: s.d.Visits.InvitationView(inv.Invitation), Code: inv.Code, URL: inv.URL})
}

func (s *Server) invitations(c echo.Context) error {
	u, _, err := s.visitUser(c)
	if err != nil {
		return err
	}
	limit, before, err := visitPage(c)
	if err != nil {
		return err
	}
	is, err := s.d.Visits.Invitations(c.Request().Context(), u, before, limit+1)
	if err != nil {
		return err
	}
	vs := make([]visitor.InvitationView, len(is))
	for i, inv := range is {
		vs[i] = s.d.Visits.InvitationView(inv)
	}
	return ok(c, listPageOf(vs, limit, func(v visitor.InvitationView) string { return strconv.FormatInt(v.ID, 10) }))
}

func (s *Server) withdrawInvitation(c echo.Context) error {
	u, _, id, err := s.visitTarget(c)
	if err != nil {
		return err
	}
	inv, err := s.d.Visits.WithdrawInvitation(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return ok(c, s.d.Visits.InvitationView(inv))
}

type acceptRequest struct {
	People []visitPerson `json:"people"`
	Mode   string        `json:"mode"`
	Plate  string        `json:"plate"`
}

// acceptInvitation completes the invitation of the path's code.
func (s *Server) acceptInvitation(c echo.Context) error {
	u, lang, err := s.visitUser(c)
	if err != nil {
		return err
	}
	var req acceptRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	a := visitor.Acceptance{Mode: req.Mode, Plate: req.Plate}
	for _, p := range req.People {
		a.People = append(a.People, visitor.PersonInput{Name: p.Name, Phone: p.Phone, IDNumber: p.IDNumber})
	}
	v, err := s.d.Visits.Accept(c.Request().Context(), u, c.Param("code"), a, lang)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.d.Visits.View(v))
}
