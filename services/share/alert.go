package share

import (
	"context"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// Arrival alerts: a viewer asks to be told when a sharer enters or leaves
// a building, a level or a room the viewer may see. Each location is
// read as the viewer sees it (a sharer in a place the viewer may not see
// inside is that building seen from outside, so an alert says no more
// than the location does) and classed inside, outside or neither, with
// hysteresis so that a position jittering at a doorway does not flap:
//
//   - inside a room: in the room; outside: on another level, outdoors,
//     or AlertMarginM or more beyond its outline; in between (the
//     corridor by its door): neither, the state holds;
//   - a building: on one of its levels, or seen as it from outside;
//     outside: elsewhere, AlertMarginM or more beyond its footprint;
//     outdoors within that margin, or within its walls: neither;
//   - a level: on it, or not.
//
// and the state changes only when AlertConfirm locations in a row say
// the other side. The first side said sets the state without an event;
// each change is one event, once per crossing.
const (
	AlertMarginM = 3.0
	AlertConfirm = 2
)

// Alert events.
const (
	Enter = "enter"
	Leave = "leave"
)

// AlertView is an alert as the API answers it.
type AlertView struct {
	ID      int64     `json:"id"`
	Share   int64     `json:"share"`
	Place   string    `json:"place"`
	On      string    `json:"on"`
	Created time.Time `json:"created"`
}

// AddAlert sets an alert for u, a viewer of share id, on a place u's
// view w may see (its id, or a building's or room's reference).
func (s *Service) AddAlert(ctx context.Context, u auth.User, w geo.View, id int64, place, on string) (AlertView, error) {
	if on != Enter && on != Leave {
		return AlertView{}, refuse(ErrInvalid, "", "on", "on %q is not enter or leave", "on %q 不是 enter 或 leave", on)
	}
	f, ok := placeFor(w, place)
	if !ok {
		return AlertView{}, refuse(ErrNotFound, "", "place", "no building, floor or room %q that you may see", "没有您可见的建筑、楼层或房间 %q", place)
	}
	sh, err := s.visible(ctx, u, id)
	if err != nil {
		return AlertView{}, err
	}
	if sh.SharerID == u.ID {
		return AlertView{}, refuse(ErrInvalid, "", "share", "alerts are for a share shown to you, not your own", "提醒只能设置在他人向您共享的位置上")
	}
	a, err := s.st.AddAlert(ctx, Alert{ShareID: id, ViewerID: u.ID, Place: f.Common().ID, On: on, Created: s.now()})
	if err != nil {
		return AlertView{}, err
	}
	s.changed()
	return AlertView{ID: a.ID, Share: a.ShareID, Place: a.Place, On: a.On, Created: s.in(a.Created)}, nil
}

// placeFor is the building, level or unit of id or reference place that
// w may see.
func placeFor(w geo.View, place string) (geo.Feature, bool) {
	place = strings.TrimSpace(place)
	if place == "" || len(place) > 200 {
		return nil, false
	}
	if f, ok := w.Feature(place); ok {
		switch f.(type) {
		case *geo.Building, *geo.Level, *geo.Unit:
			return f, true
		}
		return nil, false
	}
	for _, r := range w.Search(place, "en", 5) {
		if r.Ref != nil && strings.EqualFold(*r.Ref, place) && (r.Kind == geo.KindBuilding || r.Kind == geo.KindUnit) {
			return w.Feature(r.ID)
		}
	}
	return nil, false
}

// alertState is an alert being watched: its place and its hysteresis.
type alertState struct {
	a      Alert
	place  geo.Feature
	side   int8 // sideUnknown, sideOut, sideIn
	streak int  // locations in a row on the other side
}

const (
	sideUnknown int8 = iota
	sideOut
	sideIn
	sideNeither
)

// side classes a location seen for place f (see the package's rules).
func side(v *geo.Venue, f geo.Feature, s geo.Seen) int8 {
	switch p := f.(type) {
	case *geo.Level:
		if s.Level == p {
			return sideIn
		}
		return sideOut
	case *geo.Unit:
		switch {
		case s.Unit == p:
			return sideIn
		case s.Outside || s.Level != p.Level:
			return sideOut
		case beyond(v, p.Local, s, AlertMarginM):
			return sideOut
		}
		return sideNeither
	case *geo.Building:
		switch {
		case s.Building == p && (s.Outside || s.Level != nil):
			return sideIn
		case s.Level != nil || s.Outside:
			return sideOut // inside another building
		}
		for _, fp := range p.Footprints {
			if !beyond(v, fp.Local, s, AlertMarginM) {
				return sideNeither
			}
		}
		return sideOut
	}
	return sideNeither
}

// beyond reports whether a location seen is outside polygon g (local
// plane) by margin metres or more.
func beyond(v *geo.Venue, g orb.Geometry, s geo.Seen, margin float64) bool {
	pt := v.Projection.ToLocal(s.Lon, s.Lat)
	if geo.Contains(g, pt) {
		return false
	}
	return geo.BoundaryDistance(g, pt) >= margin
}

// step takes a location seen into the alert's state: the event it
// fires, "" for none.
func (st *alertState) step(v *geo.Venue, s geo.Seen) string {
	sd := side(v, st.place, s)
	switch {
	case sd == sideNeither:
		return ""
	case st.side == sideUnknown:
		st.side = sd
		return ""
	case sd == st.side:
		st.streak = 0
		return ""
	}
	st.streak++
	if st.streak < AlertConfirm {
		return ""
	}
	st.side, st.streak = sd, 0
	ev := Leave
	if sd == sideIn {
		ev = Enter
	}
	if ev != st.a.On {
		return ""
	}
	return ev
}
