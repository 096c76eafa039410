package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/campusnav/engine/geo"
)

// Family accounts: a staff member applies for one for a family member,
// named by phone; an admin approves; the family member then signs in by
// phone (VerifyPhone) as a family account linked to the staff member. An
// account whose sponsor is disabled is disabled too: ending the staff
// account ends the family's access.

// FamilyStatus is where an application stands.
type FamilyStatus string

// The statuses of an application.
const (
	Pending  FamilyStatus = "pending"
	Approved FamilyStatus = "approved"
	Rejected FamilyStatus = "rejected"
)

// FamilyApplication is a staff member's request for a family account.
type FamilyApplication struct {
	ID        int64        `json:"id"`
	SponsorID int64        `json:"sponsor_id"`
	Phone     string       `json:"phone"` // E.164
	Name      string       `json:"name"`
	Status    FamilyStatus `json:"status"`
	Created   time.Time    `json:"created"`
	Decided   *time.Time   `json:"decided"`           // nil while pending
	UserID    int64        `json:"user_id,omitempty"` // the family account, once approved
}

// ConflictError is a family application that cannot be: ErrConflict to
// errors.Is, saying why in English and Simplified Chinese.
type ConflictError struct {
	Reason, ReasonZH string
}

func (e *ConflictError) Error() string { return "auth: " + e.Reason }
func (e *ConflictError) Unwrap() error { return ErrConflict }

// DetailIn is the reason in a language: Simplified Chinese for "zh...",
// English otherwise.
func (e *ConflictError) DetailIn(lang string) string {
	if geo.IsChinese(lang) {
		return e.ReasonZH
	}
	return e.Reason
}

// The conflicts of family applications, which stores return as they are.
var (
	// ErrFamilyAccount is an application for a phone whose account is
	// a family account already (of a staff member, the applicant or
	// another).
	ErrFamilyAccount error = &ConflictError{"the phone is a staff member's family account already",
		"该手机号码已是教职工的家属账号"}
	// ErrFamilyPending is an application for a phone that has one
	// pending already (anyone's).
	ErrFamilyPending error = &ConflictError{"the phone has a family application pending already",
		"该手机号码已有待审批的家属申请"}
)

// maxNameLen bounds a family member's name, in characters.
const maxNameLen = 100

// ApplyFamily records sponsor's application for a family account for the
// person with phone. Only staff may apply (ErrForbidden). A phone that is
// a family account already, or has an application pending, is
// ErrFamilyAccount or ErrFamilyPending (both ErrConflict).
func (s *Service) ApplyFamily(ctx context.Context, sponsor User, phone, name string) (FamilyApplication, error) {
	if sponsor.Role != Staff {
		return FamilyApplication{}, fmt.Errorf("%w: only staff apply for family accounts", ErrForbidden)
	}
	phone, err := s.smsPhone(phone) // a family member signs in by phone
	if err != nil {
		return FamilyApplication{}, err
	}
	if err := checkText("name", name); err != nil {
		return FamilyApplication{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > maxNameLen {
		return FamilyApplication{}, &FieldError{"name", fmt.Sprintf("the family member's name, 1 to %d characters", maxNameLen),
			fmt.Sprintf("家属姓名，1 至 %d 个字符", maxNameLen)}
	}
	return s.store.CreateFamilyApplication(ctx, FamilyApplication{
		SponsorID: sponsor.ID, Phone: phone, Name: name, Status: Pending,
		Created: s.now().UTC().Truncate(time.Microsecond),
	})
}

// FamilyApplications lists applications: a staff member's own, or every
// one for an admin.
func (s *Service) FamilyApplications(ctx context.Context, viewer User) ([]FamilyApplication, error) {
	switch viewer.Role {
	case Admin:
		return s.store.FamilyApplications(ctx, 0)
	case Staff:
		return s.store.FamilyApplications(ctx, viewer.ID)
	}
	return nil, fmt.Errorf("%w: family accounts are for staff", ErrForbidden)
}

// DecideFamily approves or rejects a pending application; admins only.
// The decision is recorded in the audit log, as the admin's, with it.
// Approving makes the account of the application's phone a family account
// of the sponsor (turning a visitor's phone account into one).
func (s *Service) DecideFamily(ctx context.Context, admin User, id int64, approve bool) (FamilyApplication, error) {
	if admin.Role != Admin {
		return FamilyApplication{}, fmt.Errorf("%w: only admins decide family applications", ErrForbidden)
	}
	a, err := s.store.DecideFamilyApplication(ctx, id, approve, admin.ID, s.now().UTC().Truncate(time.Microsecond))
	if err == nil && approve {
		// The account's role is family now: its sessions say so here at
		// once, elsewhere within the session cache's TTL.
		s.sessions.purge()
	}
	return a, err
}
