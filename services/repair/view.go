package repair

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// View is a ticket as the API answers it.
type View struct {
	ID          int64       `json:"id"`
	Number      string      `json:"number"`
	Status      string      `json:"status"`
	Category    string      `json:"category"`
	Description string      `json:"description"`
	Contact     string      `json:"contact"`
	Location    Location    `json:"location"`
	DuplicateOf *int64      `json:"duplicate_of"`
	Duplicates  int         `json:"duplicates"`
	Assignee    string      `json:"assignee"`
	Created     time.Time   `json:"created"`
	Completed   *time.Time  `json:"completed"`
	Stars       *int        `json:"stars"`
	Comment     string      `json:"comment"`
	Reporter    string      `json:"reporter,omitempty"` // to the desk only
	History     []EventView `json:"history,omitempty"`  // one ticket only
	Photos      []PhotoView `json:"photos,omitempty"`   // one ticket only
}

// EventView is a transition as the API answers it.
type EventView struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"` // an account, or "system"
	From *string   `json:"from"`
	To   string    `json:"to"`
	Note string    `json:"note"`
}

func (s *Service) in(t time.Time) time.Time { return t.In(s.zone) }

// view is t as its reporter (desk false) or the desk sees it.
func (s *Service) view(t Ticket, desk bool) View {
	v := View{ID: t.ID, Number: t.Number, Status: t.Status, Category: t.Category, Description: t.Description, Contact: t.Contact,
		Location: t.Location, Duplicates: t.Duplicates, Assignee: t.Assignee, Created: s.in(t.Created), Comment: t.Comment}
	if t.DuplicateOf != 0 {
		d := t.DuplicateOf
		v.DuplicateOf = &d
	}
	if t.Completed != nil {
		c := s.in(*t.Completed)
		v.Completed = &c
	}
	if t.Stars != 0 {
		n := t.Stars
		v.Stars = &n
	}
	if desk {
		v.Reporter = t.Reporter
	}
	for _, p := range t.Photos {
		v.Photos = append(v.Photos, s.photoView(p))
	}
	for _, e := range t.History {
		ev := EventView{At: s.in(e.At), By: e.Actor, To: e.To, Note: e.Note}
		if e.ActorID == 0 {
			ev.By = "system"
		}
		if e.From != "" {
			f := e.From
			ev.From = &f
		}
		v.History = append(v.History, ev)
	}
	return v
}

var errNotDesk = &Error{Kind: ErrForbidden, Code: "duty", En: "only the service desk (duty desk) does this", Zh: "仅服务台（desk 职责）可以操作"}

// Get is ticket id with its history, to its reporter or the desk; to
// anyone else there is no such ticket.
func (s *Service) Get(ctx context.Context, u auth.User, id int64) (View, error) {
	t, err := s.st.Ticket(ctx, id)
	if err != nil {
		return View{}, err
	}
	desk := u.Has(auth.Desk)
	if !desk && t.ReporterID != u.ID {
		return View{}, ErrNoTicket
	}
	return s.view(t, desk), nil
}

// Mine lists u's own tickets, newest first, below the id before.
func (s *Service) Mine(ctx context.Context, u auth.User, before int64, limit int) ([]View, error) {
	ts, err := s.st.Tickets(ctx, Query{ReporterID: u.ID, Before: before, Limit: limit})
	if err != nil {
		return nil, err
	}
	return s.views(ts, false), nil
}

func (s *Service) views(ts []Ticket, desk bool) []View {
	out := make([]View, len(ts))
	for i, t := range ts {
		out[i] = s.view(t, desk)
	}
	return out
}

// Statuses a list may be filtered by: one, or "open".
func validStatus(st string) bool {
	switch st {
	case "", "open", Submitted, Dispatched, InProgress, OnHold, Completed, Closed:
		return true
	}
	return false
}

// List is the desk's list: originals only, each with its count of
// duplicates, filtered as q says (see Query).
func (s *Service) List(ctx context.Context, u auth.User, q Query) ([]View, error) {
	if !u.Has(auth.Desk) {
		return nil, errNotDesk
	}
	if !validStatus(q.Status) {
		return nil, refuse(ErrInvalid, "", "status", "status %q is not open or a ticket's status", "status %q 不是 open 或报修单状态", q.Status)
	}
	if q.Category != "" {
		if _, ok := CategoryOf(q.Category); !ok {
			return nil, refuse(ErrInvalid, "", "category", "no category %q", "没有类别 %q", q.Category)
		}
	}
	if err := text("building", q.Building); err != nil {
		return nil, err
	}
	q.ReporterID = 0
	ts, err := s.st.Tickets(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.views(ts, true), nil
}

// MapPoint is an open ticket on the desk's map.
type MapPoint struct {
	ID         int64   `json:"id"`
	Number     string  `json:"number"`
	Category   string  `json:"category"`
	Status     string  `json:"status"`
	Lon        float64 `json:"-"`
	Lat        float64 `json:"-"`
	Ordinal    *int    `json:"ordinal"`
	Unit       string  `json:"unit"`
	Duplicates int     `json:"duplicates"`
	AgeH       float64 `json:"age_h"` // hours since it was reported
}

// Map lists open originals (status "open" or one open status) for the
// desk's map, newest first, at most limit.
func (s *Service) Map(ctx context.Context, u auth.User, status string, limit int) ([]MapPoint, error) {
	if status == "" {
		status = "open"
	}
	if status != "open" && !(validStatus(status) && Open(status)) {
		return nil, refuse(ErrInvalid, "", "status", "status %q is not open or an open status", "status %q 不是 open 或未完成的状态", status)
	}
	vs, err := s.List(ctx, u, Query{Status: status, Limit: limit})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]MapPoint, len(vs))
	for i, v := range vs {
		out[i] = MapPoint{ID: v.ID, Number: v.Number, Category: v.Category, Status: v.Status, Lon: v.Location.Lon, Lat: v.Location.Lat,
			Ordinal: v.Location.Ordinal, Unit: v.Location.Unit, Duplicates: v.Duplicates,
			AgeH: math.Round(now.Sub(v.Created).Hours()*10) / 10}
	}
	return out, nil
}

// Act does action to ticket id as u: the desk's dispatch, start, hold,
// complete and close; the reporter's reopen and rate.
func (s *Service) Act(ctx context.Context, u auth.User, id int64, action string, a Args) (View, error) {
	a.Assignee, a.Reason, a.Note, a.Comment = strings.TrimSpace(a.Assignee), strings.TrimSpace(a.Reason), strings.TrimSpace(a.Note), strings.TrimSpace(a.Comment)
	desk := u.Has(auth.Desk)
	reporter := action == Reopen || action == Rate
	if !reporter && !desk {
		return View{}, errNotDesk
	}
	if err := checkArgs(action, a); err != nil {
		return View{}, err
	}
	now := s.now()
	target, mine := id, true
	if action == Reopen {
		var err error
		if target, err = s.reopened(ctx, u, id, &a); err != nil {
			return View{}, err
		}
		mine = target == id
	}
	// A reopening moves the fault: the original and its duplicates.
	ch := Change{Audit: AuditMoved, Follow: !reporter || action == Reopen, Apply: func(t *Ticket) (Event, error) {
		if reporter && mine && t.ReporterID != u.ID {
			return Event{}, ErrNoTicket
		}
		return step(t, action, a, now)
	}}
	if action == Dispatch || action == Complete {
		ch.Mail = s.mail
	}
	ch.UnfreezeCard = action == Complete
	t, err := s.st.ChangeTicket(ctx, target, u.ID, ch)
	if err == nil && target != id {
		t, err = s.st.Ticket(ctx, id)
	}
	if err != nil {
		return View{}, err
	}
	return s.view(t, desk), nil
}

// reopened is the ticket a reopening of ticket id by u moves: a
// duplicate that followed its original to completion reopens the
// original (the fault is not fixed, for anyone who reported it), with
// the duplicate's number added to the reason; else id itself.
func (s *Service) reopened(ctx context.Context, u auth.User, id int64, a *Args) (int64, error) {
	t, err := s.st.Ticket(ctx, id)
	if err != nil {
		return 0, err
	}
	if t.ReporterID != u.ID {
		return 0, ErrNoTicket
	}
	if t.DuplicateOf == 0 || t.Status != Completed {
		return id, nil
	}
	o, err := s.st.Ticket(ctx, t.DuplicateOf)
	if errors.Is(err, ErrNotFound) || (err == nil && (o.Status != Completed || o.Completed == nil || t.Completed == nil || !o.Completed.Equal(*t.Completed))) {
		return id, nil // it went its own way
	}
	if err != nil {
		return 0, err
	}
	a.Reason = fmt.Sprintf("%s (%s)", a.Reason, t.Number)
	return o.ID, nil
}

// checkArgs refuses an action's arguments that are missing or too long.
func checkArgs(action string, a Args) error {
	need := map[string]string{Dispatch: "assignee", Hold: "reason", Reopen: "reason"}[action]
	val := map[string]string{"assignee": a.Assignee, "reason": a.Reason}[need]
	if need != "" && val == "" {
		return refuse(ErrInvalid, "", need, "%s is required", "需要填写 %s", need)
	}
	for field, v := range map[string]string{"assignee": a.Assignee, "reason": a.Reason, "note": a.Note, "comment": a.Comment} {
		if err := text(field, v); err != nil {
			return err
		}
		if n := chars(v); n > MaxNote {
			return refuse(ErrInvalid, "", field, "%s is %d characters, more than %d", "%s 有 %d 个字符，超过 %d", field, n, MaxNote)
		}
	}
	if action == Rate && (a.Stars < 1 || a.Stars > 5) {
		return refuse(ErrInvalid, "", "stars", "stars is %d, not 1 to 5", "星级为 %d，应为 1 至 5", a.Stars)
	}
	return nil
}

// CloseBatch bounds one run of the 7-day close.
const CloseBatch = 200

// CloseCompleted closes the tickets completed Window ago or more, as the
// system; it returns how many it closed. The job runs it periodically.
func (s *Service) CloseCompleted(ctx context.Context) (int, error) {
	now := s.now()
	ids, err := s.st.CompletedBefore(ctx, now.Add(-Window), CloseBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		_, err := s.st.ChangeTicket(ctx, id, 0, Change{Audit: AuditMoved, Follow: true, Apply: func(t *Ticket) (Event, error) {
			if t.Status != Completed || t.Completed == nil || now.Before(t.Completed.Add(Window)) {
				return Event{}, errSkip
			}
			t.Status = Closed
			return Event{At: now, From: Completed, To: Closed, Note: "closed 7 days after completion"}, nil
		}})
		switch {
		case err == nil:
			n++
		case err == errSkip:
		default:
			return n, err
		}
	}
	return n, nil
}

// errSkip is a ticket the close job found moved meanwhile.
var errSkip = refuse(ErrConflict, "moved", "", "the ticket moved meanwhile", "报修单已变更")
