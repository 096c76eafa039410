package share

import (
	"time"
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
