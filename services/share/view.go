package share

import (
	"context"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// View is a share as the API answers it.
type View struct {
	ID       int64      `json:"id"`
	Sharer   Person     `json:"sharer"`
	With     *Person    `json:"with"`  // null for a group share
	Group    *GroupRef  `json:"group"` // null for a person share
	Status   string     `json:"status"`
	History  bool       `json:"history"`
	Mine     bool       `json:"mine"` // the asker is the sharer
	Created  time.Time  `json:"created"`
	Ends     time.Time  `json:"ends"`
	Accepted *time.Time `json:"accepted"`
}

// GroupRef names a group.
type GroupRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// GroupView is a group as the API answers it; its invite code to its
// owner only.
type GroupView struct {
	ID      int64        `json:"id"`
	Name    string       `json:"name"`
	Owner   Person       `json:"owner"`
	Code    string       `json:"code,omitempty"`
	Members []MemberView `json:"members"`
	Created time.Time    `json:"created"`
}

// MemberView is a member as the API answers it.
type MemberView struct {
	Person
	Joined time.Time `json:"joined"`
}

func (s *Service) in(t time.Time) time.Time { return t.In(s.zone) }

// view is sh as asker sees it.
func (s *Service) view(sh Share, asker int64) View {
	v := View{ID: sh.ID, Sharer: Person{ID: sh.SharerID, Name: NameOf(sh.Sharer)}, Status: sh.Status, History: sh.History,
		Mine: sh.SharerID == asker, Created: s.in(sh.Created), Ends: s.in(sh.Ends)}
	if !sh.Live(s.now()) {
		v.Status = Ended
	}
	if sh.WithID != 0 {
		v.With = &Person{ID: sh.WithID, Name: NameOf(sh.With)}
	}
	if sh.GroupID != 0 {
		v.Group = &GroupRef{ID: sh.GroupID, Name: sh.Group}
	}
	if sh.Accepted != nil {
		a := s.in(*sh.Accepted)
		v.Accepted = &a
	}
	return v
}

// groupView is g as asker sees it.
func (s *Service) groupView(g Group, asker int64) GroupView {
	v := GroupView{ID: g.ID, Name: g.Name, Owner: Person{ID: g.OwnerID, Name: NameOf(g.Owner)}, Members: []MemberView{}, Created: s.in(g.Created)}
	if g.OwnerID == asker {
		v.Code = g.Code
	}
	for _, m := range g.Members {
		v.Members = append(v.Members, MemberView{Person: Person{ID: m.ID, Name: NameOf(m.Account)}, Joined: s.in(m.Joined)})
	}
	return v
}

// Location is a point of a share's history as the API answers it: as
// the asker's role sees it.
type Location struct {
	Lon       float64   `json:"lon"`
	Lat       float64   `json:"lat"`
	Ordinal   *int      `json:"ordinal"`
	Level     *string   `json:"level"`
	Building  *string   `json:"building"`
	Unit      *string   `json:"unit"`
	AccuracyM float64   `json:"accuracy_m"`
	T         time.Time `json:"t"`
	ID        int64     `json:"-"`
}

// MaxTrackPage is the most points of a history one answer lists.
const MaxTrackPage = 1000

// Track lists the history of share id, to its sharer or a viewer, each
// point as w (the asker's view) sees it, after the point after, at most
// limit; ErrNoShare for a share without history.
func (s *Service) Track(ctx context.Context, u auth.User, w geo.View, id, after int64, limit int) ([]Location, error) {
	sh, err := s.visible(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if !sh.History {
		return nil, refuse(ErrNotFound, "no_history", "", "the sharer keeps no history of this share", "共享者未保留此共享的轨迹")
	}
	if sh.Status != Active && sh.SharerID != u.ID {
		return nil, ErrNoShare
	}
	ps, err := s.st.Track(ctx, id, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Location, 0, len(ps))
	for _, p := range ps {
		var seen geo.Seen
		ok := false
		if p.Building != "" {
			if b := s.v.BuildingByID(p.Building); b != nil {
				seen, ok = geo.Outside(b)
			}
		} else {
			sp := geo.Spot{Lon: p.Lon, Lat: p.Lat, AccuracyM: p.AccuracyM}
			if p.Ordinal != nil {
				sp.Ordinal = *p.Ordinal
			}
			if p.Level != "" {
				sp.Level = s.v.LevelByID(p.Level)
			}
			seen, ok = w.See(sp)
		}
		if ok {
			out = append(out, locationOf(seen, s.in(p.At), p.ID))
		}
	}
	return out, nil
}

// locationOf is a location seen, at t.
func locationOf(s geo.Seen, t time.Time, id int64) Location {
	l := Location{Lon: s.Lon, Lat: s.Lat, Ordinal: s.Ordinal, AccuracyM: s.AccuracyM, T: t, ID: id}
	if s.Level != nil {
		l.Level = &s.Level.ID
	}
	if s.Building != nil {
		l.Building = &s.Building.ID
	}
	if s.Unit != nil {
		l.Unit = &s.Unit.ID
	}
	return l
}
