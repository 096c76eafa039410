package auth

import (
	"context"
	"fmt"
	"math/bits"
	"strings"
	"time"
)

// Duty is what an operator may do, apart from who they are: a role says
// who a person is (staff, student ...), a duty what work they do for the
// campus. Admins hold every duty.
type Duty string

// The duties.
const (
	// Desk is the repairs service desk: taking, assigning and closing
	// repair requests.
	Desk Duty = "desk"
	// Security is the gates and the visitors' watchlist.
	Security Duty = "security"
	// Lab is lab approvals: who may use a lab, and when.
	Lab Duty = "lab"
	// Counsellor is the students' counsellors.
	Counsellor Duty = "counsellor"
	// Sports is the sports hall's front desk.
	Sports Duty = "sports"
	// Finance is refunds and bills.
	Finance Duty = "finance"
)

// Duties lists every duty. A duty's place in it is its bit in a DutySet:
// add new ones at the end.
var Duties = []Duty{Desk, Security, Lab, Counsellor, Sports, Finance}

// dutyNames is Duties for people: "desk, security, ... or finance".
func dutyNames() string {
	names := make([]string, len(Duties))
	for i, d := range Duties {
		names[i] = string(d)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ParseDuty reads a duty's name (case-insensitive); a *FieldError
// naming "duty" and listing the duties for any other.
func ParseDuty(s string) (Duty, error) {
	for _, d := range Duties {
		if strings.EqualFold(strings.TrimSpace(s), string(d)) {
			return d, nil
		}
	}
	return "", &FieldError{"duty", fmt.Sprintf("%q is not a duty (want %s)", s, dutyNames()),
		fmt.Sprintf("%q 不是职责（应为 %s）", s, strings.ReplaceAll(strings.Replace(dutyNames(), " or ", " 或 ", 1), ", ", "、"))}
}

// DutySet is a set of duties, a bit each (the duty's place in Duties),
// so that a User stays a comparable value.
type DutySet uint32

// DutySetOf is the set of duties named in list, comma-separated, as the
// stores read them; names of no duty (of a later version) are left out.
func DutySetOf(list string) DutySet {
	var s DutySet
	for name := range strings.SplitSeq(list, ",") {
		for i, d := range Duties {
			if name == string(d) {
				s |= 1 << i
			}
		}
	}
	return s
}

// bit is d's bit; 0 for no duty.
func (d Duty) bit() DutySet {
	for i, x := range Duties {
		if x == d {
			return 1 << i
		}
	}
	return 0
}

// Has reports whether d is in the set.
func (s DutySet) Has(d Duty) bool { return d.bit() != 0 && s&d.bit() != 0 }

// List is the set's duties, in the order of Duties; never nil.
func (s DutySet) List() []Duty {
	out := make([]Duty, 0, bits.OnesCount32(uint32(s)))
	for i, d := range Duties {
		if s&(1<<i) != 0 {
			out = append(out, d)
		}
	}
	return out
}

// All is the set of every duty: what an admin holds.
func All() DutySet { return 1<<len(Duties) - 1 }

// Has reports whether u may do the work of duty d: granted it, or an
// admin. This is the one check of duties; what a disabled account may do
// never comes up, as it has no session.
func (u User) Has(d Duty) bool { return u.Role == Admin && d.bit() != 0 || u.Duties.Has(d) }

// HeldDuties is what u may do as an operator: every duty for an admin,
// else those granted.
func (u User) HeldDuties() []Duty {
	if u.Role == Admin {
		return All().List()
	}
	return u.Duties.List()
}

// DutyChange is a duty granted to an account, or revoked, as a Store
// keeps it and the audit log records it.
type DutyChange struct {
	Email string // the account, as stored (lower case)
	Duty  Duty
	Grant bool      // true: grant; false: revoke
	By    int64     // the admin who changed it; 0 for the command line
	At    time.Time // when
	// Reason says why or how, for the audit log ("campus users grant").
	Reason string
}

// SetDuty grants (grant) or revokes a duty of the account email, as by:
// an admin, or the zero User for the command line (run by whoever runs
// the host). The change and its audit entry are stored together; it
// reports whether anything changed. Only admins change duties
// (ErrForbidden); an unknown duty or a bad email is a *FieldError; no
// such account is ErrNotFound. The account's sessions carry the change
// in this process at once, in others within the session cache's TTL.
func (s *Service) SetDuty(ctx context.Context, by User, email string, d Duty, grant bool) (bool, error) {
	if by.ID != 0 && by.Role != Admin {
		return false, fmt.Errorf("%w: only admins grant and revoke duties", ErrForbidden)
	}
	if d.bit() == 0 {
		_, err := ParseDuty(string(d))
		return false, err
	}
	if err := checkText("email", email); err != nil {
		return false, err
	}
	reason := "by an admin"
	if by.ID == 0 {
		reason = "from the command line"
	}
	changed, err := s.store.SetDuty(ctx, DutyChange{Email: strings.ToLower(strings.TrimSpace(email)), Duty: d, Grant: grant,
		By: by.ID, At: s.now().UTC().Truncate(time.Microsecond), Reason: reason})
	if changed {
		s.sessions.purge()
	}
	return changed, err
}
