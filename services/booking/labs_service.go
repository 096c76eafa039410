package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// Labs is the labs' service: their rooms and equipment (from the
// Catalogue), people's profiles and the labs' decisions on them, and the
// samples members send. Its store is also the Membership the booking
// Service asks before booking equipment.
type Labs struct {
	cat *Catalogue
	st  LabStore
	now func() time.Time
}

// NewLabs is the labs of the booking service svc, kept in st.
func NewLabs(svc *Service, st LabStore) *Labs {
	return &Labs{cat: svc.cat, st: st, now: svc.now}
}

// Store is the labs' store.
func (l *Labs) Store() LabStore { return l.st }

// labPeople may use the labs: staff and students, who apply; and the
// labs' own staff (duty lab).
func labPeople(u auth.User) bool {
	return u.Role == auth.Staff || u.Role == auth.Student || u.Has(auth.Lab)
}

var errLabsForbidden = &Error{Kind: ErrForbidden, Code: "role",
	En: "the labs are for staff and students", Zh: "实验室仅对教职工和学生开放"}

var errNotLabStaff = &Error{Kind: ErrForbidden, Code: "duty",
	En: "this is the lab staff's work (duty lab)", Zh: "此操作需由实验室管理人员（lab 职责）进行"}

// lab is the lab id names (any case).
func (l *Labs) lab(id string) (*Lab, error) {
	lab, ok := l.cat.Lab(id)
	if !ok {
		return nil, &Error{Kind: ErrNotFound, Code: "lab", Field: "lab", En: fmt.Sprintf("no lab %q", id), Zh: fmt.Sprintf("没有实验室 %q", id)}
	}
	return lab, nil
}

// RoomView is a lab's room.
type RoomView struct {
	ID    string `json:"id"`
	Ref   string `json:"ref"`
	Name  string `json:"name"`
	Place string `json:"place"`
}

// EquipmentView is a piece of a lab's equipment: a space of the booking
// API (book it there, by id).
type EquipmentView struct {
	ID       string `json:"id"`
	Ref      string `json:"ref"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Place    string `json:"place"`
	Capacity int    `json:"capacity"`
}

// MembershipView is a person's membership of a lab as they see it.
type MembershipView struct {
	// Status is "none" before applying, else pending, approved or
	// rejected.
	Status  string      `json:"status"`
	Profile *LabProfile `json:"profile"`
	Note    string      `json:"note"`
	Applied *time.Time  `json:"applied"`
	Decided *time.Time  `json:"decided"`
}

// LabView is a lab as GET /labs lists it, with the asker's membership.
type LabView struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Email      string          `json:"email"`
	Rooms      []RoomView      `json:"rooms"`
	Equipment  []EquipmentView `json:"equipment"`
	Membership MembershipView  `json:"membership"`
}

// MemberView is a membership as the lab's staff see it.
type MemberView struct {
	Person  int64  `json:"person"`
	Account string `json:"account"`
	MembershipView
}

// SampleView is a sample.
type SampleView struct {
	ID      int64     `json:"id"`
	Lab     string    `json:"lab"`
	Person  int64     `json:"person"`
	Account string    `json:"account"`
	What    string    `json:"what"`
	Count   int       `json:"count"`
	Service string    `json:"service"`
	Note    string    `json:"note"`
	Status  string    `json:"status"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

func (l *Labs) in(t time.Time) time.Time { return t.In(l.cat.zone) }

func (l *Labs) inAt(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	z := l.in(*t)
	return &z
}

func (l *Labs) membershipView(m LabMember) MembershipView {
	p := m.Profile
	applied := l.in(m.Applied)
	return MembershipView{Status: m.Status, Profile: &p, Note: m.Note, Applied: &applied, Decided: l.inAt(m.Decided)}
}

func (l *Labs) sampleView(s Sample) SampleView {
	return SampleView{ID: s.ID, Lab: s.Lab, Person: s.UserID, Account: s.Account, What: s.What, Count: s.Count, Service: s.Service,
		Note: s.Note, Status: s.Status, Created: l.in(s.Created), Updated: l.in(s.Updated)}
}

// unitPlace names a room for people: "C1, 2/F, 215".
func unitPlace(u *geo.Unit, lang string) string { return Place(&Space{Unit: u}, lang) }

// List is every lab with u's membership of each, in lang.
func (l *Labs) List(ctx context.Context, u auth.User, lang string) ([]LabView, error) {
	if !labPeople(u) {
		return nil, errLabsForbidden
	}
	ms, err := l.st.UserLabMemberships(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]LabView, 0, len(l.cat.labs))
	for _, lab := range l.cat.labs {
		v := LabView{ID: lab.ID, Name: lab.Name.In(lang), Email: lab.Email, Rooms: []RoomView{}, Equipment: []EquipmentView{},
			Membership: MembershipView{Status: "none"}}
		for _, r := range lab.Units {
			name := r.Name.In(lang)
			if name == "" {
				name = r.Ref
			}
			v.Rooms = append(v.Rooms, RoomView{ID: r.ID, Ref: r.Ref, Name: name, Place: unitPlace(r, lang)})
		}
		for _, e := range lab.Equipment {
			v.Equipment = append(v.Equipment, EquipmentView{ID: e.ID, Ref: e.Ref, Name: e.Name.In(lang), Type: e.Kind.Type,
				Place: unitPlace(e.Unit, lang), Capacity: e.Capacity})
		}
		for _, m := range ms {
			if m.Lab == lab.ID {
				v.Membership = l.membershipView(m)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// Apply sends u's profile to lab: the first time a pending membership
// (created true), then again while pending or rejected (updated, pending
// again). Staff and students only.
func (l *Labs) Apply(ctx context.Context, u auth.User, labID string, p LabProfile) (MembershipView, bool, error) {
	lab, err := l.lab(labID)
	if err != nil {
		return MembershipView{}, false, err
	}
	if u.Role != auth.Staff && u.Role != auth.Student {
		return MembershipView{}, false, errLabsForbidden
	}
	p = p.Trimmed()
	if err := p.Check(); err != nil {
		return MembershipView{}, false, err
	}
	_, err = l.st.LabMembership(ctx, lab.ID, u.ID)
	created := errors.Is(err, ErrNotFound)
	if err != nil && !created {
		return MembershipView{}, false, err
	}
	m, err := l.st.ApplyLab(ctx, LabMember{Lab: lab.ID, UserID: u.ID, Profile: p, Status: MemberPending, Applied: l.now()})
	if err != nil {
		return MembershipView{}, false, err
	}
	return l.membershipView(m), created, nil
}

// Member statuses a list may ask for.
func checkMemberStatus(status string) error {
	switch status {
	case "", MemberPending, MemberApproved, MemberRejected:
		return nil
	}
	return refuse(ErrInvalid, "", "status", "status %q is not pending, approved or rejected", "status %q 不是 pending、approved 或 rejected", status)
}

// Members lists lab's memberships of status ("" any) for its staff,
// by person descending, below the cursor before.
func (l *Labs) Members(ctx context.Context, u auth.User, labID, status string, before int64, limit int) ([]MemberView, error) {
	lab, err := l.lab(labID)
	if err != nil {
		return nil, err
	}
	if !u.Has(auth.Lab) {
		return nil, errNotLabStaff
	}
	if err := checkMemberStatus(status); err != nil {
		return nil, err
	}
	ms, err := l.st.LabMembers(ctx, lab.ID, status, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]MemberView, len(ms))
	for i, m := range ms {
		out[i] = MemberView{Person: m.UserID, Account: m.Account, MembershipView: l.membershipView(m)}
	}
	return out, nil
}

// Decide approves or rejects person's pending membership of lab, as u
// (duty lab), with a note; the audit log records it.
func (l *Labs) Decide(ctx context.Context, u auth.User, labID string, person int64, approve bool, note string) (MemberView, error) {
	lab, err := l.lab(labID)
	if err != nil {
		return MemberView{}, err
	}
	if !u.Has(auth.Lab) {
		return MemberView{}, errNotLabStaff
	}
	note = strings.TrimSpace(note)
	if err := CheckText("note", note, MaxLongText, false); err != nil {
		return MemberView{}, err
	}
	m, err := l.st.DecideLabMember(ctx, lab.ID, person, approve, note, u.ID, l.now())
	if err != nil {
		return MemberView{}, err
	}
	return MemberView{Person: m.UserID, Account: m.Account, MembershipView: l.membershipView(m)}, nil
}

// SampleRequest is a sample as a member sends it.
type SampleRequest struct {
	What    string `json:"what"`
	Count   int    `json:"count"`
	Service string `json:"service"`
	Note    string `json:"note"`
}

// Check says what is wrong with a sample, naming the field.
func (r SampleRequest) Check() error {
	if err := CheckText("what", r.What, MaxProfileText, true); err != nil {
		return err
	}
	if r.Count < 1 || r.Count > MaxSampleCount {
		return refuse(ErrInvalid, "", "count", "count must be 1 to %d (got %d)", "count 须为 1 至 %d（现为 %d）", MaxSampleCount, r.Count)
	}
	if err := CheckText("service", r.Service, MaxProfileText, true); err != nil {
		return err
	}
	return CheckText("note", r.Note, MaxLongText, false)
}

// Submit sends lab a sample of u's, an approved member (at most
// MaxOpenSamples not returned).
func (l *Labs) Submit(ctx context.Context, u auth.User, labID string, r SampleRequest) (SampleView, error) {
	lab, err := l.lab(labID)
	if err != nil {
		return SampleView{}, err
	}
	r.What, r.Service, r.Note = strings.TrimSpace(r.What), strings.TrimSpace(r.Service), strings.TrimSpace(r.Note)
	if err := r.Check(); err != nil {
		return SampleView{}, err
	}
	s, err := l.st.AddSample(ctx, Sample{Lab: lab.ID, UserID: u.ID, What: r.What, Count: r.Count, Service: r.Service, Note: r.Note, Created: l.now()})
	if err != nil {
		return SampleView{}, err
	}
	return l.sampleView(s), nil
}

// checkSampleStatus says what is wrong with a sample status asked for.
func checkSampleStatus(status string, empty bool) error {
	if (empty && status == "") || slices.Contains(SampleStatuses, status) {
		return nil
	}
	return refuse(ErrInvalid, "", "status", "status %q is not %s", "status %q 不是 %s", status, strings.Join(SampleStatuses, ", "))
}

// Move moves lab's sample id on to status, as u (duty lab): forward
// only (ErrBackwards otherwise).
func (l *Labs) Move(ctx context.Context, u auth.User, labID string, id int64, status string) (SampleView, error) {
	lab, err := l.lab(labID)
	if err != nil {
		return SampleView{}, err
	}
	if !u.Has(auth.Lab) {
		return SampleView{}, errNotLabStaff
	}
	if err := checkSampleStatus(status, false); err != nil {
		return SampleView{}, err
	}
	s, err := l.st.MoveSample(ctx, lab.ID, id, status, l.now())
	if err != nil {
		return SampleView{}, err
	}
	return l.sampleView(s), nil
}

// Samples lists lab's samples of status ("" any), newest first, below
// the cursor before: u's own, or every one for the lab's staff.
func (l *Labs) Samples(ctx context.Context, u auth.User, labID, status string, before int64, limit int) ([]SampleView, error) {
	lab, err := l.lab(labID)
	if err != nil {
		return nil, err
	}
	if !labPeople(u) {
		return nil, errLabsForbidden
	}
	if err := checkSampleStatus(status, true); err != nil {
		return nil, err
	}
	who := u.ID
	if u.Has(auth.Lab) {
		who = 0
	}
	ss, err := l.st.Samples(ctx, lab.ID, who, status, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]SampleView, len(ss))
	for i, s := range ss {
		out[i] = l.sampleView(s)
	}
	return out, nil
}
