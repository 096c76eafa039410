package booking

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Counselling (the mini program's §19): counsellors (duty counsellor)
// publish slots in the counselling centre's rooms; a student books a free
// one. A slot holds its room through a booking of the counsellor's
// (title CounsellingTitle, nothing of the student in it), so the room's
// timeline shows it occupied to everyone and nothing double-books it.
// An appointment is private: only its student and the counsellors see
// it; to anyone else it does not exist.

// Statuses of a slot: open (published; free or taken by an appointment)
// or withdrawn by its counsellor (its booking cancelled).
const (
	SlotOpen      = "open"
	SlotWithdrawn = "withdrawn"
)

// Statuses of an appointment.
const (
	AppointmentBooked    = "booked"
	AppointmentCancelled = "cancelled"
)

// CounsellingTitle is the title of a slot's booking of its room: the
// only words the room's bookings carry.
const CounsellingTitle = "Counselling"

// Bounds of counselling.
const (
	// MaxUpcoming is the most appointments a student holds that have not
	// ended.
	MaxUpcoming = 2
	// MaxAppointmentsADay bounds the appointments a student makes in 24
	// hours, cancelled ones too: booking and cancelling cannot grow the
	// table faster.
	MaxAppointmentsADay = 10
	// MaxOpenSlots bounds a counsellor's open slots that have not ended
	// (the counsellors are the admins' to name: the total is theirs
	// times this).
	MaxOpenSlots = 300
	// MaxSlotsADay bounds the slots a counsellor publishes in 24 hours,
	// withdrawn ones too.
	MaxSlotsADay = 200
)

// Slot is a counsellor's published time in a counselling room.
type Slot struct {
	ID           int64
	CounsellorID int64
	// Counsellor is the counsellor's account (email, as stored): the
	// service shows only a display name made of it.
	Counsellor string
	Room       string // the space's id
	Start, End time.Time
	BookingID  int64 // the booking holding the room
	Status     string
	Created    time.Time
	// Appointment is the id of the live appointment in it; 0: free.
	Appointment int64
}

// Appointment is a student's booking of a slot.
type Appointment struct {
	ID        int64
	SlotID    int64
	StudentID int64
	Student   string // the student's account (email, as stored)
	Status    string
	Created   time.Time
	// Cancelled and CancelledBy say when and by whom it was cancelled
	// (nil, 0 while booked).
	Cancelled   *time.Time
	CancelledBy int64
	// Slot is the slot it is in, as it stands.
	Slot Slot
}

// SlotQuery selects slots: open ones starting in [From, To), by start
// then id, after the cursor (AfterStart, AfterID; zero: from the first),
// at most Limit. Counsellor (not 0) selects one counsellor's, taken or
// free; else only free ones.
type SlotQuery struct {
	From, To   time.Time
	Counsellor int64
	AfterStart time.Time
	AfterID    int64
	Limit      int
}

// CounsellingStore keeps the counsellors' slots and the students'
// appointments. services/storetest checks an implementation.
type CounsellingStore interface {
	// AddSlot stores s (open) and the booking that holds its room for
	// [s.Start, s.End) by its counsellor (title CounsellingTitle), in one
	// transaction, as Book would: a *ConflictError when the room is
	// booked then; ErrTooManySlots when the counsellor holds
	// MaxOpenSlots open slots not ended at now, or published
	// MaxSlotsADay since now less a day.
	AddSlot(ctx context.Context, s Slot, now time.Time) (Slot, error)
	// WithdrawSlot withdraws counsellorID's open slot id (0: anyone's)
	// and cancels its booking: ErrNotFound for no such open slot;
	// ErrSlotTaken when a student booked it.
	WithdrawSlot(ctx context.Context, id, counsellorID int64) (Slot, error)
	// Slots lists slots as q says.
	Slots(ctx context.Context, q SlotQuery) ([]Slot, error)
	// BookAppointment books slot a.SlotID for student a.StudentID at
	// a.Created: ErrSlotGone for no open slot starting after a.Created,
	// ErrSlotTaken for one with a live appointment (one student per slot,
	// whatever runs at once), ErrTooManyAppointments for a student with
	// MaxUpcoming appointments not ended or MaxAppointmentsADay made in
	// the last day.
	BookAppointment(ctx context.Context, a Appointment) (Appointment, error)
	// CancelAppointment cancels booked appointment id, by, at: of student
	// studentID (0: any student's, as a counsellor). ErrNotFound for no
	// such appointment (or another student's); ErrTooLate when its slot
	// starts before deadline.
	CancelAppointment(ctx context.Context, id, studentID, by int64, at, deadline time.Time) (Appointment, error)
	// Appointments lists appointments, newest first, ids below before (0:
	// from the newest), at most limit: those of student studentID, or (0)
	// those in the slots of counsellorID.
	Appointments(ctx context.Context, studentID, counsellorID, before int64, limit int) ([]Appointment, error)
}

// Counselling's refusals that stores return as they are.
var (
	ErrTooManySlots = &Error{Kind: ErrConflict, Code: "too_many_slots",
		En: fmt.Sprintf("you have %d open slots, or published %d in a day: withdraw some, or wait", MaxOpenSlots, MaxSlotsADay),
		Zh: fmt.Sprintf("您已有 %d 个开放时段，或一天内已发布 %d 个：请撤回部分时段或稍后再试", MaxOpenSlots, MaxSlotsADay)}
	ErrSlotTaken = &Error{Kind: ErrConflict, Code: "slot_taken", Field: "slot",
		En: "this slot is booked already", Zh: "该时段已被预约"}
	ErrSlotGone = &Error{Kind: ErrNotFound, Code: "no_slot", Field: "slot",
		En: "no such open slot in the future", Zh: "没有该可预约的未来时段"}
	ErrTooManyAppointments = &Error{Kind: ErrConflict, Code: "too_many_appointments",
		En: fmt.Sprintf("you have %d upcoming appointments (the most), or made %d in a day: cancel one or wait", MaxUpcoming, MaxAppointmentsADay),
		Zh: fmt.Sprintf("您已有 %d 个未进行的预约（上限），或一天内已预约 %d 次：请取消一个或稍后再试", MaxUpcoming, MaxAppointmentsADay)}
	ErrTooLate = &Error{Kind: ErrConflict, Code: "too_late",
		En: "too late to cancel: the appointment starts soon or has started", Zh: "已过取消时限：预约即将开始或已开始"}
	// ErrNoAppointment is what anyone but its student and the
	// counsellors hears of an appointment: nothing.
	ErrNoAppointment = &Error{Kind: ErrNotFound, Code: "", En: "no such appointment", Zh: "没有该预约"}
)

// DisplayName is what students see of a counsellor: their account's
// local part in words ("wang.li@..." is "Wang Li"), nothing else.
func DisplayName(account string) string {
	local, _, _ := strings.Cut(account, "@")
	local = strings.TrimPrefix(local, "tel:")
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	if len(words) == 0 {
		return "Counsellor"
	}
	return strings.Join(words, " ")
}
