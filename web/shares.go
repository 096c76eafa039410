package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/share"
)

// Live location sharing (services/share): shares to a person (pending
// until they accept) or a group, groups joined by invite code, arrival
// alerts, a share's history; the socket is live.go. A share is its
// sharer's and its viewers' only: to anyone else it is a 404.

// shareRoutes adds the sharing routes.
func (s *Server) shareRoutes(api *echo.Group, get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc)) {
	post("/shares", s.createShare, noStore, s.idempotent)
	get("/shares", s.listShares, noStore)
	api.DELETE("/shares/:id", s.endShare, s.viewer, noStore)
	api.PATCH("/shares/:id", s.changeShare, s.viewer, noStore)
	post("/shares/:id/accept", s.acceptShare, noStore)
	get("/shares/:id/track", s.shareTrack, noStore)
	post("/shares/:id/alerts", s.addShareAlert, noStore, s.idempotent)
	post("/groups", s.newGroup, noStore, s.idempotent)
	get("/groups", s.groups, noStore)
	post("/groups/join", s.joinGroup, noStore)
	post("/groups/:id/leave", s.leaveGroup, noStore)
	api.DELETE("/groups/:id/members/:member", s.removeMember, s.viewer, noStore)
	post("/live/ticket", s.liveTicket, noStore)
	get("/live", s.liveSocket, noStore)
}

// shareUser is the signed-in person asking about sharing.
func (s *Server) shareUser(c echo.Context) (auth.User, error) {
	if s.d.Shares == nil {
		return auth.User{}, problem(http.StatusNotFound, "", "live sharing is not available")
	}
	u, err := requireUser(c, "sign in first")
	if err != nil {
		return auth.User{}, err
	}
	return *u, nil
}

type shareRequest struct {
	With    string `json:"with"`
	Group   int64  `json:"group"`
	Minutes int    `json:"minutes"`
	History bool   `json:"history"`
}

func (s *Server) createShare(c echo.Context) error {
	u, err := s.shareUser(c)
	if err != nil {
		return err
	}
	var req shareRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	v, err := s.d.Shares.Create(c.Request().Context(), u, share.Request{With: req.With, Group: req.Group, Minutes: req.Minutes, History: req.History})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) listShares(c echo.Context) error {
	u, err := s.shareUser(c)
	if err != nil {
		return err
	}
	limit, before, err := repairPage(c)
	if err != nil {
		return err
	}
	vs, err := s.d.Shares.List(c.Request().Context(), u, before, limit+1)
	if err != nil {
		return err
	}
	return ok(c, listPageOf(vs, limit, func(v share.View) string { return strconv.FormatInt(v.ID, 10) }))
}

// shareOf is the person asking about the share of the path's id, and
// that id.
func (s *Server) shareOf(c echo.Context) (auth.User, int64, error) {
	u, err := s.shareUser(c)
	if err != nil {
		return u, 0, err
	}
	id, err := pathID(c, "id")
	return u, id, err
}

func (s *Server) endShare(c echo.Context) error {
	u, id, err := s.shareOf(c)
	if err != nil {
		return err
	}
	if err := s.d.Shares.End(c.Request().Context(), u, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// changeShare turns a share's history on or off: {"history": true}.
func (s *Server) changeShare(c echo.Context) error {
	u, id, err := s.shareOf(c)
	if err != nil {
		return err
	}
	var req struct {
		History *bool `json:"history"`
	}
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	if req.History == nil {
		return badParam("history", "history is missing: true keeps the share's locations, false stops and deletes them")
	}
	v, err := s.d.Shares.SetHistory(c.Request().Context(), u, id, *req.History)
	if err != nil {
		return err
	}
	return ok(c, v)
}

func (s *Server) acceptShare(c echo.Context) error {
	u, id, err := s.shareOf(c)
	if err != nil {
		return err
	}
	v, err := s.d.Shares.Accept(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	return ok(c, v)
}

func (s *Server) shareTrack(c echo.Context) error {
	u, id, err := s.shareOf(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", share.MaxTrackPage, 1, share.MaxTrackPage)
	if err != nil {
		return err
	}
	after := int64(0)
	if a := c.QueryParam("after"); a != "" {
		if after, err = strconv.ParseInt(a, 10, 64); err != nil || after < 0 {
			return badParam("after", "after %q is not a cursor", a)
		}
	}
	ls, err := s.d.Shares.Track(c.Request().Context(), u, s.view(c), id, after, limit+1)
	if err != nil {
		return err
	}
	p := listPage[share.Location]{Items: ls}
	if len(ls) > limit {
		next := strconv.FormatInt(ls[limit-1].ID, 10)
		p.Items, p.Next = ls[:limit], &next
	}
	return ok(c, p)
}

type alertRequest struct {
	Place string `json:"place"`
	On    string `json:"on"`
}

func (s *Server) addShareAlert(c echo.Context) error {
	u, id, err := s.shareOf(c)
	if err != nil {
		return err
	}
	var req alertRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	a, err := s.d.Shares.AddAlert(c.Request().Context(), u, s.view(c), id, req.Place, req.On)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

type groupRequest struct {
	Name string `json:"name"`
}

func (s *Server) newGroup(c echo.Context) error {
	u, err := s.shareUser(c)
	if err != nil {
		return err
	}
	var req groupRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	g, err := s.d.Shares.NewGroup(c.Request().Context(), u, req.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, g)
}

func (s *Server) groups(c echo.Context) error {
	u, err := s.shareUser(c)
	if err != nil {
		return err
	}
	gs, err := s.d.Shares.Groups(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return ok(c, listPage[share.GroupView]{Items: gs})
}

type joinRequest struct {
	Code string `json:"code"`
}

func (s *Server) joinGroup(c echo.Context) error {
	u, err := s.shareUser(c)
	if err != nil {
		return err
	}
	var req joinRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	g, err := s.d.Shares.Join(c.Request().Context(), u, req.Code)
	if err != nil {
		return err
	}
	return ok(c, g)
}

func (s *Server) leaveGroup(c echo.Context) error {
	u, id, err := s.shareOf(c)
	if err != nil {
		return err
	}
	if err := s.d.Shares.Leave(c.Request().Context(), u, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) removeMember(c echo.Context) error {
	u, id, err := s.shareOf(c)
	if err != nil {
		return err
	}
	member, err := pathID(c, "member")
	if err != nil {
		return err
	}
	if err := s.d.Shares.Remove(c.Request().Context(), u, id, member); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
