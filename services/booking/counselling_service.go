package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// CounsellingType is the kind of the counselling centre's rooms in
// booking.json: a slot's room is a space of it, and its rules (slots,
// hours, how far ahead, longest, locked periods) are the slots'; its
// cancel_before_min is how late a student may cancel.
const CounsellingType = "counselling"

// Counselling is the counselling service: counsellors' slots, which hold
// their rooms through the booking store, and students' appointments in
// them, which only the student and the counsellors ever see.
type Counselling struct {
	svc *Service
	st  CounsellingStore
	now func() time.Time
}

// NewCounselling is the counselling of the booking service svc (its
// catalogue and rules), kept in st.
func NewCounselling(svc *Service, st CounsellingStore) *Counselling {
	return &Counselling{svc: svc, st: st, now: svc.now}
}

// Bounds of the lists.
const (
	// MaxSlotSpan is the longest window of slots asked for at once.
	MaxSlotSpan = 31 * 24 * time.Hour
	// DefaultSlotSpan is the window asked for without to: two weeks.
	DefaultSlotSpan = 14 * 24 * time.Hour
)

var errNotCounsellor = &Error{Kind: ErrForbidden, Code: "duty",
	En: "only counsellors (duty counsellor) do this", Zh: "仅心理咨询师（counsellor 职责）可以操作"}

var errNotStudent = &Error{Kind: ErrForbidden, Code: "role",
	En: "counselling appointments are for students", Zh: "心理咨询预约仅对学生开放"}

// SlotView is a slot as students see it: when, where, with whom (a
// display name) and nothing more. Room, Status and Appointment are only
// for the counsellor's own slots.
type SlotView struct {
	ID          int64     `json:"id"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Place       string    `json:"place"`
	Counsellor  string    `json:"counsellor"`
	Room        string    `json:"room,omitempty"`
	Status      string    `json:"status,omitempty"` // "free" or "booked"
	Appointment int64     `json:"appointment,omitempty"`
}

// AppointmentView is an appointment as its student or a counsellor sees
// it; Student (the account) is shown to counsellors only.
type AppointmentView struct {
	ID         int64      `json:"id"`
	Slot       int64      `json:"slot"`
	Start      time.Time  `json:"start"`
	End        time.Time  `json:"end"`
	Place      string     `json:"place"`
	Counsellor string     `json:"counsellor"`
	Status     string     `json:"status"`
	Created    time.Time  `json:"created"`
	Cancelled  *time.Time `json:"cancelled"`
	Student    string     `json:"student,omitempty"`
}

func (c *Counselling) in(t time.Time) time.Time { return t.In(c.svc.cat.zone) }

// place names a slot's room.
func (c *Counselling) place(room, lang string) string {
	if sp, ok := c.svc.cat.Space(room); ok {
		return Place(sp, lang)
	}
	return room
}

func (c *Counselling) slotView(s Slot, lang string, own bool) SlotView {
	v := SlotView{ID: s.ID, Start: c.in(s.Start), End: c.in(s.End), Place: c.place(s.Room, lang), Counsellor: DisplayName(s.Counsellor)}
	if own {
		v.Room, v.Status, v.Appointment = s.Room, "free", s.Appointment
		if s.Appointment != 0 {
			v.Status = "booked"
		}
		if s.Status == SlotWithdrawn {
			v.Status = SlotWithdrawn
		}
	}
	return v
}

func (c *Counselling) appointmentView(a Appointment, lang string, counsellor bool) AppointmentView {
	v := AppointmentView{ID: a.ID, Slot: a.SlotID, Start: c.in(a.Slot.Start), End: c.in(a.Slot.End), Place: c.place(a.Slot.Room, lang),
		Counsellor: DisplayName(a.Slot.Counsellor), Status: a.Status, Created: c.in(a.Created)}
	if a.Cancelled != nil {
		t := c.in(*a.Cancelled)
		v.Cancelled = &t
	}
	if counsellor {
		v.Student = a.Student
	}
	return v
}

// SlotRequest is a slot as a counsellor publishes it.
type SlotRequest struct {
	Room       string
	Start, End time.Time
}

// Publish publishes a slot of counsellor u in a counselling room, by the
// room kind's rules; the slot's booking holds the room (a
// *ConflictError when it is booked then).
func (c *Counselling) Publish(ctx context.Context, u auth.User, r SlotRequest, lang string) (SlotView, error) {
	if !u.Has(auth.Counsellor) {
		return SlotView{}, errNotCounsellor
	}
	sp, err := c.svc.space(r.Room, u)
	if err != nil {
		return SlotView{}, &Error{Kind: ErrInvalid, Code: "room", Field: "room", En: fmt.Sprintf("no counselling room %q", r.Room), Zh: fmt.Sprintf("没有心理咨询室 %q", r.Room)}
	}
	if sp.Kind.Type != CounsellingType {
		return SlotView{}, &Error{Kind: ErrInvalid, Code: "room", Field: "room", En: fmt.Sprintf("%s is not a counselling room", sp.Ref), Zh: fmt.Sprintf("%s 不是心理咨询室", sp.Ref)}
	}
	now := c.now()
	if err := c.svc.checkInterval(sp.Kind, r.Start, r.End, now); err != nil {
		return SlotView{}, err
	}
	if !r.Start.After(now) {
		return SlotView{}, ruleError("past", "start", "the start has passed", "开始时间已过")
	}
	s, err := c.st.AddSlot(ctx, Slot{CounsellorID: u.ID, Room: sp.ID, Start: r.Start, End: r.End, Created: now}, now)
	if ce, ok := errors.AsType[*ConflictError](err); ok {
		from, to := c.in(ce.Start).Format(time.RFC3339), c.in(ce.End).Format(time.RFC3339)
		return SlotView{}, &Error{Kind: ce, Code: "booked", Field: "start",
			En: fmt.Sprintf("the room is booked from %s to %s", from, to), Zh: fmt.Sprintf("该房间在 %s 至 %s 已被占用", from, to)}
	}
	if err != nil {
		return SlotView{}, err
	}
	return c.slotView(s, lang, true), nil
}

// Withdraw withdraws a free slot of counsellor u (an admin: anyone's),
// ending the booking that held its room.
func (c *Counselling) Withdraw(ctx context.Context, u auth.User, id int64, lang string) (SlotView, error) {
	if !u.Has(auth.Counsellor) {
		return SlotView{}, errNotCounsellor
	}
	who := u.ID
	if u.Role == auth.Admin {
		who = 0
	}
	s, err := c.st.WithdrawSlot(ctx, id, who)
	if err != nil {
		return SlotView{}, err
	}
	return c.slotView(s, lang, true), nil
}

// SlotsQuery asks for slots: starting in [From, To) (zero From: now;
// zero To: From plus DefaultSlotSpan), after a cursor, at most Limit;
// Mine: the asking counsellor's own, free and booked.
type SlotsQuery struct {
	From, To   time.Time
	AfterStart time.Time
	AfterID    int64
	Limit      int
	Mine       bool
	Lang       string
}

// Slots lists the free future slots for students (and counsellors), by
// start; or, with Mine, a counsellor's own.
func (c *Counselling) Slots(ctx context.Context, u auth.User, q SlotsQuery) ([]SlotView, error) {
	counsellor := u.Has(auth.Counsellor)
	switch {
	case q.Mine && !counsellor:
		return nil, errNotCounsellor
	case u.Role != auth.Student && !counsellor:
		return nil, errNotStudent
	}
	now := c.now()
	from := q.From
	if from.IsZero() {
		from = now
	}
	if !q.Mine && !from.After(now) {
		from = now.Add(time.Microsecond) // free slots start after now
	}
	to := q.To
	if to.IsZero() {
		to = from.Add(DefaultSlotSpan)
	}
	if !to.After(from) {
		return nil, refuse(ErrInvalid, "", "to", "to is not after from (and now)", "to 不晚于 from（及当前时间）")
	}
	if to.Sub(from) > MaxSlotSpan {
		return nil, refuse(ErrInvalid, "", "to", "at most %d days of slots at once", "一次最多查询 %d 天的时段", int(MaxSlotSpan/(24*time.Hour)))
	}
	sq := SlotQuery{From: from, To: to, AfterStart: q.AfterStart, AfterID: q.AfterID, Limit: q.Limit}
	if q.Mine {
		sq.Counsellor = u.ID
	}
	ss, err := c.st.Slots(ctx, sq)
	if err != nil {
		return nil, err
	}
	out := make([]SlotView, len(ss))
	for i, s := range ss {
		out[i] = c.slotView(s, q.Lang, q.Mine)
	}
	return out, nil
}

// Book books slot for student u: one student a slot, at most MaxUpcoming
// upcoming a student.
func (c *Counselling) Book(ctx context.Context, u auth.User, slot int64, lang string) (AppointmentView, error) {
	if u.Role != auth.Student {
		return AppointmentView{}, errNotStudent
	}
	a, err := c.st.BookAppointment(ctx, Appointment{SlotID: slot, StudentID: u.ID, Created: c.now()})
	if err != nil {
		return AppointmentView{}, err
	}
	return c.appointmentView(a, lang, false), nil
}

// Appointments lists a student's own appointments, or a counsellor's (in
// their slots), newest first, below the cursor before.
func (c *Counselling) Appointments(ctx context.Context, u auth.User, before int64, limit int, lang string) ([]AppointmentView, error) {
	var as []Appointment
	var err error
	counsellor := u.Has(auth.Counsellor)
	switch {
	case counsellor:
		as, err = c.st.Appointments(ctx, 0, u.ID, before, limit)
	case u.Role == auth.Student:
		as, err = c.st.Appointments(ctx, u.ID, 0, before, limit)
	default:
		return nil, errNotStudent
	}
	if err != nil {
		return nil, err
	}
	out := make([]AppointmentView, len(as))
	for i, a := range as {
		out[i] = c.appointmentView(a, lang, counsellor)
	}
	return out, nil
}

// Cancel cancels appointment id: its student, until the counselling
// rooms' cancel_before_min before it starts; a counsellor, any, until it
// starts. To anyone else, and to a student for another's, there is no
// such appointment (ErrNoAppointment: a 404, never a 403).
func (c *Counselling) Cancel(ctx context.Context, u auth.User, id int64, lang string) (AppointmentView, error) {
	now := c.now()
	counsellor := u.Has(auth.Counsellor)
	var student int64
	deadline := now
	switch {
	case counsellor:
	case u.Role == auth.Student:
		student = u.ID
		if k, ok := c.svc.cat.Kind(CounsellingType); ok {
			deadline = now.Add(time.Duration(k.CancelBeforeMin) * time.Minute)
		}
	default:
		return AppointmentView{}, ErrNoAppointment
	}
	a, err := c.st.CancelAppointment(ctx, id, student, u.ID, now, deadline)
	if err != nil {
		return AppointmentView{}, err
	}
	return c.appointmentView(a, lang, counsellor), nil
}
