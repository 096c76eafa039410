// Package auth owns people and sign-in: accounts with a role and duties,
// argon2id password hashes, opaque bearer session tokens stored hashed,
// with expiry (and cached in the process for a few seconds), rate limits
// on login per account and per address, single sign-on, phone sign-in,
// WeChat sign-in and family accounts; and what of it goes to the audit
// log (sign-ins and their refusals, family decisions, duties granted and
// revoked). The sign-in state a stranger can grow (limit buckets, pending
// codes, sign-ins begun) is kept in the store every replica shares
// (State), the cached sessions in the process; each table is bounded:
// maxKeys.
package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/audit"
)

// Role is what a person may see and do. Admin is for operators; the others
// are geo's roles (tourist is whoever has not signed in).
type Role string

const (
	Staff   Role = "staff"
	Student Role = "student"
	Family  Role = "family"
	Visitor Role = "visitor"
	Tourist Role = "tourist"
	Admin   Role = "admin"
)

// Roles lists every role.
var Roles = []Role{Staff, Student, Family, Visitor, Tourist, Admin}

// ParseRole reads a role name (case-insensitive).
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if strings.EqualFold(s, string(r)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("auth: unknown role %q (want staff, student, family, visitor, tourist or admin)", s)
}

// User is an account.
type User struct {
	ID       int64
	Email    string // lower case, unique
	Role     Role
	Disabled bool // the account's own flag, or its sponsor's
	Created  time.Time
	// SponsorID is the staff member a family account belongs to; 0 for
	// others.
	SponsorID int64
	// Duties are what the account may do as an operator, as granted;
	// ask Has, which knows that admins hold every duty.
	Duties DutySet
}

// Session is a signed-in person's bearer token. Token is given once, at
// sign-in; the store keeps only its hash.
type Session struct {
	Token   string
	User    User
	Expires time.Time
}

// Errors of the service; web maps them to HTTP statuses.
var (
	ErrNotFound     = errors.New("auth: not found")
	ErrConflict     = errors.New("auth: already exists")
	ErrCredentials  = errors.New("auth: wrong email or password")
	ErrCode         = errors.New("auth: wrong, expired or used code (ask for a new one)")
	ErrUnauthorized = errors.New("auth: no valid session")
	ErrRateLimited  = errors.New("auth: too many attempts")
	ErrInvalid      = errors.New("auth: invalid")
	ErrForbidden    = errors.New("auth: not allowed")
	ErrSSO          = errors.New("auth: single sign-on refused")
)

// Store is what auth needs kept. Implementations translate their own
// errors to ErrNotFound and ErrConflict, and keep times to the microsecond.
// A user read from the store is Disabled when its own flag or its
// sponsor's is set.
// It keeps the sign-in state too (State), which every replica shares.
// services/storetest checks an implementation against this contract.
type Store interface {
	State

	// CreateUser stores a new account; ErrConflict if the email is taken.
	CreateUser(ctx context.Context, u User, passwordHash string) (User, error)
	// UserByEmail returns an account and its password hash; ErrNotFound.
	UserByEmail(ctx context.Context, email string) (User, string, error)
	// ListUsers returns every account, by email.
	ListUsers(ctx context.Context) ([]User, error)
	// SetDisabled disables or enables an account; ErrNotFound. Disabling
	// also ends the account's sessions.
	SetDisabled(ctx context.Context, email string, disabled bool) error
	// CreateSession stores a session by the hash of its token; ErrNotFound
	// if there is no account userID.
	CreateSession(ctx context.Context, tokenHash string, userID int64, expires time.Time) error
	// SessionUser returns the account of an unexpired session (expires
	// after now), disabled or not, and when the session expires;
	// ErrNotFound.
	SessionUser(ctx context.Context, tokenHash string, now time.Time) (User, time.Time, error)
	// DeleteSession ends a session (no error if there is none).
	DeleteSession(ctx context.Context, tokenHash string) error

	// Append appends an entry to the audit log, and returns it as
	// stored (its id, time and hashes); audit.ErrInvalid for an entry
	// the log does not take.
	Append(ctx context.Context, e audit.Entry) (audit.Entry, error)
	// SetDuty grants or revokes a duty (DutyChange), recording the
	// change in the audit log in the same transaction, and reports
	// whether anything changed: granting a duty held, or revoking one
	// not held, changes and records nothing. ErrNotFound if there is no
	// account c.Email. Every User read afterwards carries its duties.
	SetDuty(ctx context.Context, c DutyChange) (bool, error)

	// CreateFamilyApplication stores a pending application; ErrNotFound if
	// there is no sponsor account, ErrFamilyAccount if the account
	// "tel:"+phone is a family account already, ErrFamilyPending if the
	// phone has a pending application already (so at most one is
	// pending per phone, also when two are made at once).
	CreateFamilyApplication(ctx context.Context, a FamilyApplication) (FamilyApplication, error)
	// FamilyApplications lists applications by id: one sponsor's, or all
	// when sponsorID is 0.
	FamilyApplications(ctx context.Context, sponsorID int64) ([]FamilyApplication, error)
	// DecideFamilyApplication approves or rejects a pending application at
	// now, as the admin by, in one transaction with its record in the
	// audit log (audit.FamilyDecided). Approving makes the account "tel:"+phone a
	// family account sponsored by the applicant: created (without a
	// password) if missing, its role and sponsor set if present.
	// ErrNotFound if there is no application id, ErrConflict if it is
	// decided already, ErrFamilyAccount (approving) if the phone's account
	// is another staff member's family account.
	DecideFamilyApplication(ctx context.Context, id int64, approve bool, by int64, now time.Time) (FamilyApplication, error)
}

// GeoRole is the role whose view of the venue an account has: admins
// see what staff see.
func GeoRole(r Role) geo.Role {
	switch r {
	case Staff, Admin:
		return geo.Staff
	case Student:
		return geo.Student
	case Family:
		return geo.Family
	case Visitor:
		return geo.Visitor
	}
	return geo.Tourist
}
