package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
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

// maxNameLen bounds a family member's name, in characters.
const maxNameLen = 100

// ApplyFamily records sponsor's application for a family account for the
// person with phone. Only staff may apply (ErrForbidden).
func (s *Service) ApplyFamily(ctx context.Context, sponsor User, phone, name string) (FamilyApplication, error) {
	if sponsor.Role != Staff {
		return FamilyApplication{}, fmt.Errorf("%w: only staff apply for family accounts", ErrForbidden)
	}
	phone, err := NormalizePhone(phone)
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
// Approving makes the account of the application's phone a family account
// of the sponsor (turning a visitor's phone account into one).
func (s *Service) DecideFamily(ctx context.Context, admin User, id int64, approve bool) (FamilyApplication, error) {
	if admin.Role != Admin {
		return FamilyApplication{}, fmt.Errorf("%w: only admins decide family applications", ErrForbidden)
	}
	return s.store.DecideFamilyApplication(ctx, id, approve, s.now().UTC().Truncate(time.Microsecond))
}
