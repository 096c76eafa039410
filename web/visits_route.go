package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/visitor"
)

// visitRoute is the visit page's route: from the campus gate the visitor
// will enter by (the turnstiles of a pedestrian gate on foot, a gate's
// car barrier by car: whichever is quickest) to the meeting place, as
// the asker sees the campus now: during an approved visit's window the
// visitor is routed into the host's building, else to its door.
func (s *Server) visitRoute(c echo.Context) error {
	u, lang, id, err := s.visitTarget(c)
	if err != nil {
		return err
	}
	p, err := profileParam(c)
	if err != nil {
		return err
	}
	v, err := s.d.Visits.Get(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	to := v.Place.Ref
	if to == "" {
		return problem(http.StatusConflict, "place", "the visit has no meeting place yet")
	}
	kind := geo.ReaderGate
	if v.Mode == visitor.Car {
		kind = geo.ReaderBarrier
	}
	w := s.view(c)
	type answer struct {
		Gate  string         `json:"gate"`
		Name  string         `json:"gate_name"`
		Route *routing.Route `json:"route"`
	}
	var best answer
	seen := map[*geo.Gate]bool{}
	var last error
	for _, rd := range s.d.Venue.Readers {
		g, isGate := rd.Guards.(*geo.Gate)
		if rd.Kind != kind || !isGate || seen[g] {
			continue
		}
		seen[g] = true
		rt, err := s.d.Graph.Route(w, routing.Request{From: g.Ref, To: to, Profile: p, Lang: lang})
		var end *routing.EndError
		if errors.As(err, &end) && end.End == "to" && v.Place.Building != "" {
			// A room the asker may not see yet: to its building's door.
			rt, err = s.d.Graph.Route(w, routing.Request{From: g.Ref, To: v.Place.Building, Profile: p, Lang: lang})
		}
		if err != nil {
			last = err
			continue
		}
		if best.Route == nil || rt.Cost < best.Route.Cost {
			best = answer{Gate: g.Ref, Name: g.Name.In(lang), Route: rt}
		}
	}
	if best.Route == nil {
		if last == nil || errors.Is(last, routing.ErrNoRoute) {
			return problem(http.StatusUnprocessableEntity, "place", "no route from a gate to %s", to)
		}
		return last
	}
	return ok(c, best)
}
