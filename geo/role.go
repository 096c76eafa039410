package geo

import (
	"fmt"
	"strings"
)

// Role is the kind of person asking. Every question to a Venue is asked by a
// role, through View.
type Role uint8

// The roles of FEATURES.md. Tourist, who has not signed in, is the least
// privileged and the default.
const (
	Staff Role = iota
	Student
	Family
	Visitor
	Tourist
	numRoles
)

// Roles lists every role, most privileged first.
var Roles = []Role{Staff, Student, Family, Visitor, Tourist}

var roleNames = [numRoles]string{"staff", "student", "family", "visitor", "tourist"}

func (r Role) String() string {
	if r < numRoles {
		return roleNames[r]
	}
	if r < MaxRoles {
		return fmt.Sprintf("guest(%d)", uint8(r-numRoles))
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// Guest reports whether r is a guest role (Venue.GuestRole).
func (r Role) Guest() bool { return r >= numRoles && r < MaxRoles }

// ParseRole returns the role named s (case-insensitive).
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if strings.EqualFold(s, n) {
			return Role(i), nil
		}
	}
	return 0, fmt.Errorf("geo: unknown role %q (want one of %s)", s, strings.Join(roleNames[:], ", "))
}

// MaxRoles bounds the roles of a venue: the five of FEATURES.md and the
// guest roles (see Venue.GuestRole), one bit each in a feature's mask.
const MaxRoles = 32

// roleMask is a set of roles, one bit each.
type roleMask uint32

// allRoles is every role, guests too: what outdoors is seen by.
const allRoles roleMask = 1<<MaxRoles - 1

func (m roleMask) has(r Role) bool { return m&(1<<r) != 0 }
