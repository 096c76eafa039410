package booking

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/campusnav/engine/services"
)

// The labs (NICE and NFF, the mini program's §17-18): a first-time user
// completes a profile and waits for the lab's approval (duty lab); only
// approved members book the lab's equipment (Kind.LabMembers, asked
// through Membership) and send it samples, which the lab moves on from
// submitted to returned.

// Statuses of a lab membership.
const (
	MemberPending  = "pending"
	MemberApproved = "approved"
	MemberRejected = "rejected"
)

// Statuses of a sample, in the order the lab moves it: only forward.
const (
	SampleSubmitted  = "submitted"
	SampleReceived   = "received"
	SampleInProgress = "in_progress"
	SampleDone       = "done"
	SampleReturned   = "returned"
)

// SampleStatuses are a sample's statuses in order.
var SampleStatuses = []string{SampleSubmitted, SampleReceived, SampleInProgress, SampleDone, SampleReturned}

// SampleRank is status's place in SampleStatuses; -1 for none.
func SampleRank(status string) int {
	for i, s := range SampleStatuses {
		if s == status {
			return i
		}
	}
	return -1
}

// Bounds of the labs.
const (
	// MaxOpenSamples bounds the samples a person has at a lab that are
	// not returned yet: what they can make the server keep grows only as
	// fast as the lab returns samples (and members are the lab's to
	// approve: one membership a person a lab).
	MaxOpenSamples = 20
	// MaxSampleCount is the most pieces one sample names.
	MaxSampleCount = 1000
	// Text bounds, in characters.
	MaxProfileText = 100  // name, department, supervisor, service, what
	MaxPhone       = 32   // a phone number as written
	MaxEmail       = 254  // an email address
	MaxLongText    = 1000 // purpose, note
)

// AuditLabMember is the audit log's kind of a lab's decision on a
// membership (approve or reject).
const AuditLabMember = "lab_member_decided"

// LabProfile is what a person tells a lab about themselves.
type LabProfile struct {
	Name       string `json:"name"`
	Department string `json:"department"`
	Supervisor string `json:"supervisor"`
	Phone      string `json:"phone"`
	Email      string `json:"email"`
	Purpose    string `json:"purpose"`
}

// LabMember is a person's membership of a lab: their profile and the
// lab's decision on it.
type LabMember struct {
	Lab     string
	UserID  int64
	Account string // the account's email, as stored
	Profile LabProfile
	Status  string
	// Note is the lab's word with its last decision.
	Note string
	// Applied is when the profile was last sent; Decided and DecidedBy
	// when and by whom the lab last decided (nil, 0 while undecided).
	Applied   time.Time
	Decided   *time.Time
	DecidedBy int64
}

// Sample is something a member sent a lab to be measured or made.
type Sample struct {
	ID      int64
	Lab     string
	UserID  int64
	Account string // the sender's email, as stored
	What    string
	Count   int
	Service string // the service asked for ("SEM imaging")
	Note    string
	Status  string
	Created time.Time
	Updated time.Time
}

// LabStore keeps the labs' memberships and samples. services/storetest
// checks an implementation.
type LabStore interface {
	// LabMember reports whether userID is an approved member of lab (what
	// Book asks of a Membership).
	LabMember(ctx context.Context, lab string, userID int64) (bool, error)
	// ApplyLab stores m (Status and Applied set by the caller) as userID's
	// application to m.Lab: new, or the profile of a pending or rejected
	// membership updated and pending again. An approved membership is
	// ErrMemberAlready; ErrNotFound for no such account.
	ApplyLab(ctx context.Context, m LabMember) (LabMember, error)
	// LabMembership is userID's membership of lab; ErrNotFound for none.
	LabMembership(ctx context.Context, lab string, userID int64) (LabMember, error)
	// UserLabMemberships are userID's memberships, of any lab.
	UserLabMemberships(ctx context.Context, userID int64) ([]LabMember, error)
	// LabMembers lists a lab's memberships of status ("" any), by user id
	// descending, those below before (0: from the top), at most limit.
	LabMembers(ctx context.Context, lab, status string, before int64, limit int) ([]LabMember, error)
	// DecideLabMember approves or rejects userID's pending membership of
	// lab as by, at, with note, in one transaction with its audit entry
	// (AuditLabMember). ErrNotFound for no membership; ErrNotPending for
	// one decided already.
	DecideLabMember(ctx context.Context, lab string, userID int64, approve bool, note string, by int64, at time.Time) (LabMember, error)
	// AddSample stores s (status submitted), if its sender has fewer than
	// MaxOpenSamples open at its lab (ErrTooManySamples) and is an
	// approved member of it (ErrNotMember).
	AddSample(ctx context.Context, s Sample) (Sample, error)
	// MoveSample moves lab's sample id on to status at: ErrNotFound for
	// no such sample of the lab; ErrBackwards for a status not after its
	// present one.
	MoveSample(ctx context.Context, lab string, id int64, status string, at time.Time) (Sample, error)
	// Samples lists a lab's samples, of userID (0: everyone's), of status
	// ("" any), newest first, ids below before (0: from the newest), at
	// most limit.
	Samples(ctx context.Context, lab string, userID int64, status string, before int64, limit int) ([]Sample, error)
}

// refuse is an *Error of kind, with words (formats of args).
func refuse(kind error, code, field, en, zh string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Field: field, En: fmt.Sprintf(en, args...), Zh: fmt.Sprintf(zh, args...)}
}

// The labs' refusals (of ErrConflict or ErrForbidden), which stores
// return as they are.
var (
	ErrMemberAlready = &Error{Kind: ErrConflict, Code: "member_already",
		En: "you are an approved member of this lab already", Zh: "您已是该实验室的正式成员"}
	ErrNotPending = &Error{Kind: ErrConflict, Code: "decided_already",
		En: "this membership is not pending: it was decided already", Zh: "该成员申请不在待审批状态：已审批过"}
	ErrNotMember = &Error{Kind: ErrForbidden, Code: "not_member",
		En: "only approved members of this lab may do this: complete your profile and wait for the lab's approval",
		Zh: "仅该实验室的正式成员可以操作：请先完善个人信息并等待实验室审批"}
	ErrTooManySamples = &Error{Kind: ErrConflict, Code: "too_many_samples",
		En: fmt.Sprintf("you have %d samples at this lab that are not returned yet: wait for some to come back", MaxOpenSamples),
		Zh: fmt.Sprintf("您在该实验室已有 %d 个尚未退还的样品：请等部分样品退还后再送样", MaxOpenSamples)}
	ErrBackwards = &Error{Kind: ErrConflict, Code: "not_forward", Field: "status",
		En: "a sample's status only moves forward: submitted, received, in_progress, done, returned",
		Zh: "样品状态只能向前推进：submitted、received、in_progress、done、returned"}
)

// CheckText says what is wrong with text a person sends for field, if
// anything: not UTF-8, a NUL, longer than most characters, or empty when
// required.
func CheckText(field, v string, most int, required bool) error {
	if en, zh := services.TextProblem(v); en != "" {
		return &Error{Kind: ErrInvalid, Field: field, En: field + " " + en, Zh: field + " " + zh}
	}
	if required && strings.TrimSpace(v) == "" {
		return refuse(ErrInvalid, "", field, "%s is required", "缺少 %s", field)
	}
	if n := utf8.RuneCountInString(v); n > most {
		return refuse(ErrInvalid, "", field, "%s is longer than %d characters (%d)", "%s 超过 %d 个字符（%d）", field, most, n)
	}
	return nil
}

// Check says what is wrong with a profile, if anything, naming the field:
// a name, a department, a phone and an email are required.
func (p LabProfile) Check() error {
	for _, f := range []struct {
		name, v  string
		most     int
		required bool
	}{
		{"name", p.Name, MaxProfileText, true},
		{"department", p.Department, MaxProfileText, true},
		{"supervisor", p.Supervisor, MaxProfileText, false},
		{"phone", p.Phone, MaxPhone, true},
		{"email", p.Email, MaxEmail, true},
		{"purpose", p.Purpose, MaxLongText, false},
	} {
		if err := CheckText(f.name, f.v, f.most, f.required); err != nil {
			return err
		}
	}
	if strings.Trim(p.Phone, "+0123456789 -()") != "" || strings.Count(p.Phone, "+") > 1 || digits(p.Phone) < 5 {
		return refuse(ErrInvalid, "", "phone", "phone %q is not a phone number", "phone %q 不是电话号码", p.Phone)
	}
	if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != strings.TrimSpace(p.Email) {
		return refuse(ErrInvalid, "", "email", "email %q is not an email address", "email %q 不是电子邮件地址", p.Email)
	}
	return nil
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// Trimmed is the profile with the spaces around each field cut.
func (p LabProfile) Trimmed() LabProfile {
	for _, f := range []*string{&p.Name, &p.Department, &p.Supervisor, &p.Phone, &p.Email, &p.Purpose} {
		*f = strings.TrimSpace(*f)
	}
	return p
}
