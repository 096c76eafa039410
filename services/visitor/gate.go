package visitor

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/card"
)

// Entry (§7.7): on foot, a visitor passes a pedestrian gate's turnstile
// (gates 2 and 5: the readers of kind gate) by their ID card (an ID
// number the turnstile read) or the pass they show; by car, the barrier
// reads the plate. Either is allowed for an approved visit whose window,
// EntryMargin either side, holds the moment, and for nothing else; a
// watchlisted visitor is refused and security told. The exit side
// (Check.Direction "out") records the leaving and always opens. Every
// decision is audit logged with what it changes, in one transaction.

var _ access.Visitors = (*Service)(nil)

// GateQuery asks for the visits of one credential whose window overlaps
// [From, To]: visit Visit, those with a person of ID hash IDHash, or of
// plate Plate.
type GateQuery struct {
	Visit    int64
	IDHash   []byte
	Plate    string
	From, To time.Time
}

// GateRecord is a gate's decision as kept: the people of a visit that
// entered (or left) at At by Reader (none for a deny), and its audit
// entry.
type GateRecord struct {
	Visit  int64
	People []int
	Exit   bool
	Reader string
	At     time.Time
	Audit  audit.Entry
}

// Onsite is a person on campus now: entered, not left.
type Onsite struct {
	Visit  Visit // without its other people
	Person Person
}

// GateStore keeps what the gates decide.
type GateStore interface {
	// GateVisits are the visits of one credential (GateQuery), with
	// their people, oldest window first, at most 20.
	GateVisits(ctx context.Context, q GateQuery) ([]Visit, error)
	// RecordGate writes a gate's decision: its people entered (left_at
	// cleared) or left, and its audit entry, in one transaction.
	RecordGate(ctx context.Context, r GateRecord) error
	// Onsite lists the people who entered since since and have not
	// left, by visit and person descending, below the cursor before
	// (visit*16+person; 0 from the top), at most limit.
	Onsite(ctx context.Context, since time.Time, before int64, limit int) ([]Onsite, error)
}

// gateResult is a reader's answer about visit v's person n ("" a
// deny without one).
func gateResult(decision, reason string, v *Visit, n int) access.Result {
	r := access.Result{Decision: decision, Reason: reason}
	if v != nil && n >= 0 && n < len(v.People) {
		r.Person = &access.Person{Name: v.People[n].Name, Role: string(auth.Visitor)}
		r.UserID, r.Subject = v.VisitorID, v.Visitor
	}
	return r
}

// inWindow reports whether v lets its visitors in at t: approved, and t
// within its window and EntryMargin either side.
func inWindow(v Visit, t time.Time) bool {
	return !t.Before(v.From.Add(-EntryMargin)) && !t.After(v.To.Add(EntryMargin))
}

// AtGate decides a visitor's credential at a gate (access.Visitors).
func (s *Service) AtGate(ctx context.Context, c access.VisitorCheck) (access.Result, error) {
	rec := GateRecord{Reader: c.Reader.ID, At: c.At, Exit: c.Exit}
	entry := func(decision, reason string, v *Visit, people []int) audit.Entry {
		e := audit.Entry{At: c.At, Kind: AuditGate, Place: c.Reader.ID, Decision: decision, Reason: reason}
		d := map[string]any{"credential": c.Credential, "direction": access.DirectionIn}
		if c.Exit {
			d["direction"] = access.DirectionOut
		}
		if v != nil {
			e.Subject, d["visit"], d["people"] = v.Visitor, v.ID, people
		}
		e.Detail = audit.Detail(d)
		return e
	}
	decide := func(decision, reason string, v *Visit, people []int) (access.Result, error) {
		rec.Audit = entry(decision, reason, v, people)
		if v != nil && decision == access.Allow {
			rec.Visit, rec.People = v.ID, people
		}
		if err := s.st.RecordGate(ctx, rec); err != nil {
			return access.Result{}, err
		}
		n := -1
		if len(people) > 0 {
			n = people[0]
		}
		return gateResult(decision, reason, v, n), nil
	}
	deny := func(reason string) (access.Result, error) { return decide(access.Deny, reason, nil, nil) }

	// Where each credential is read: on foot at a turnstile, by car at
	// a barrier.
	want := geo.ReaderGate
	if c.Credential == access.CredentialPlate {
		want = geo.ReaderBarrier
	}
	if c.Reader.Kind != want {
		return deny(access.ReasonNotPermitted)
	}
	// A pass past its time still lets its holder out.
	if c.Reason != "" && !(c.Exit && c.Reason == access.ReasonExpired && c.Pass != nil) {
		return deny(c.Reason)
	}
	q := GateQuery{From: c.At.Add(-OnsiteFor), To: c.At.Add(OnsiteFor)}
	var idHash []byte
	switch c.Credential {
	case access.CredentialVisitorPass:
		q.Visit = c.Pass.Visit
	case access.CredentialIDNumber:
		id, _, err := CheckIDNumber("id_number", c.IDNumber)
		if err != nil {
			return deny(access.ReasonUnknown)
		}
		if idHash, err = s.HashID(ctx, id); err != nil {
			return access.Result{}, err
		}
		q.IDHash = idHash
	default:
		p, err := CheckPlate("plate", c.Plate)
		if err != nil {
			return deny(access.ReasonUnknown)
		}
		q.Plate = p
	}
	vs, err := s.st.GateVisits(ctx, q)
	if err != nil {
		return access.Result{}, err
	}
	// people are the credential's people of v: the pass's one, the ID
	// number's, or (a car) all of them.
	people := func(v Visit) []int {
		switch c.Credential {
		case access.CredentialVisitorPass:
			if c.Pass.Person < len(v.People) {
				return []int{c.Pass.Person}
			}
			return nil
		case access.CredentialIDNumber:
			for _, p := range v.People {
				if string(p.IDHash) == string(idHash) {
					return []int{p.N}
				}
			}
			return nil
		}
		all := make([]int, len(v.People))
		for i := range all {
			all[i] = i
		}
		return all
	}
	if c.Exit {
		// Leaving always opens; it is recorded for the people on campus.
		for i := range vs {
			v := &vs[i]
			var in []int
			for _, n := range people(*v) {
				if p := v.People[n]; p.Entered != nil && p.Left == nil {
					in = append(in, n)
				}
			}
			if len(in) > 0 {
				return decide(access.Allow, access.ReasonOK, v, in)
			}
		}
		return decide(access.Allow, access.ReasonOK, nil, nil)
	}
	var best *Visit
	reason := access.ReasonUnknown
	for i := range vs {
		v := &vs[i]
		ps := people(*v)
		switch {
		case len(ps) == 0:
		case v.Status != Approved:
			if reason == access.ReasonUnknown {
				reason = access.ReasonNotPermitted
			}
		case !inWindow(*v, c.At):
			reason = access.ReasonOutsideHours
		default:
			best = v
		}
		if best != nil {
			break
		}
	}
	if best == nil {
		return deny(reason)
	}
	ps := people(*best)
	// The watchlist, as at registration: any of the visit's keys, and
	// the credential itself.
	keys := watchKeys(*best)
	if idHash != nil {
		keys = append(keys, WatchKey{WatchID, hex.EncodeToString(idHash)})
	}
	if q.Plate != "" {
		keys = append(keys, WatchKey{WatchPlate, q.Plate})
	}
	ws, err := s.st.WatchMatch(ctx, keys)
	if err != nil {
		return access.Result{}, err
	}
	if len(ws) > 0 {
		w := ws[0]
		e := audit.Entry{At: c.At, Subject: best.Visitor, Kind: AuditRefused, Place: c.Reader.ID, Decision: audit.Deny, Reason: "watchlist",
			Detail: audit.Detail(map[string]any{"entry": w.ID, "kind": w.Kind, "visit": best.ID, "host": best.Host})}
		if err := s.st.WatchHit(ctx, e, s.alert(w, best.Visitor, c.Reader.Name.In("en"), best.Host, best.Date)); err != nil {
			return access.Result{}, err
		}
		rec.Audit = entry(access.Deny, access.ReasonNotPermitted, best, ps)
		if err := s.st.RecordGate(ctx, rec); err != nil {
			return access.Result{}, err
		}
		return access.Result{Decision: access.Deny, Reason: access.ReasonNotPermitted}, nil
	}
	return decide(access.Allow, access.ReasonOK, best, ps)
}

// PassView is a visitor's pass: the code to show at a pedestrian gate,
// and when it opens.
type PassView struct {
	Code       string    `json:"code"`
	Visit      int64     `json:"visit"`
	Person     int       `json:"person"`
	Name       string    `json:"name"`
	ValidFrom  time.Time `json:"valid_from"`
	ValidUntil time.Time `json:"valid_until"`
}

// Pass is the pass of person n of u's visit id: signed as card codes
// are, valid within the visit's window and EntryMargin either side. An
// approved visit only, not over, and no earlier than
// access.PassHorizon before its end.
func (s *Service) Pass(ctx context.Context, u auth.User, id int64, n int) (PassView, error) {
	if s.passes == nil {
		return PassView{}, refuse(ErrConflict, "no_passes", "", "passes are not available", "暂不提供通行码")
	}
	v, err := s.st.Visit(ctx, id)
	if err != nil {
		return PassView{}, err
	}
	if v.VisitorID != u.ID {
		return PassView{}, ErrNoVisit
	}
	if n < 0 || n >= len(v.People) {
		return PassView{}, invalid("person", "person %d is not one of the visit's people (0 to %d)", "person %d 不是该预约的来访人员（0 至 %d）", n, len(v.People)-1)
	}
	now := s.now()
	switch {
	case v.Status != Approved:
		return PassView{}, &Error{Kind: ErrConflict, Code: "status", En: "a pass is for an approved visit; this one is " + v.Status,
			Zh: "通行码仅发放给已批准的预约，该预约为" + statusZh[v.Status]}
	case !now.Before(v.To.Add(EntryMargin)):
		return PassView{}, refuse(ErrConflict, "over", "", "the visit is over", "该来访已结束")
	}
	p := card.Pass{Visit: v.ID, Person: n, NotBefore: v.From.Add(-EntryMargin).Truncate(time.Second),
		NotAfter: v.To.Add(EntryMargin).Truncate(time.Second)}
	code, err := s.passes.SignPass(ctx, p)
	if err != nil {
		return PassView{}, err
	}
	return PassView{Code: code, Visit: v.ID, Person: n, Name: v.People[n].Name, ValidFrom: local(p.NotBefore), ValidUntil: local(p.NotAfter)}, nil
}

// OnsiteView is a person on campus as security reads it.
type OnsiteView struct {
	Visit     int64      `json:"visit"`
	Person    int        `json:"person"`
	Name      string     `json:"name"`
	Phone     string     `json:"phone"`
	Host      string     `json:"host"`
	Place     *PlaceView `json:"place"`
	Mode      string     `json:"mode"`
	Plate     *string    `json:"plate"`
	EnteredAt time.Time  `json:"entered_at"`
	Gate      string     `json:"gate"`
	EndsAt    time.Time  `json:"ends_at"`
	Cursor    int64      `json:"-"`
}

// OnsiteNow is a page of the visitors on campus now (entered within
// OnsiteFor, not left), for security u.
func (s *Service) OnsiteNow(ctx context.Context, u auth.User, before int64, limit int) ([]OnsiteView, error) {
	if err := maySecure(u); err != nil {
		return nil, err
	}
	os, err := s.st.Onsite(ctx, s.now().Add(-OnsiteFor), before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]OnsiteView, len(os))
	for i, o := range os {
		w := s.View(o.Visit)
		out[i] = OnsiteView{Visit: o.Visit.ID, Person: o.Person.N, Name: o.Person.Name, Phone: o.Person.Phone, Host: o.Visit.Host,
			Place: w.Place, Mode: o.Visit.Mode, Plate: w.Plate, Gate: o.Person.Gate, EndsAt: w.EndsAt, Cursor: o.Visit.ID*16 + int64(o.Person.N)}
		if o.Person.Entered != nil {
			out[i].EnteredAt = local(*o.Person.Entered)
		}
	}
	return out, nil
}
