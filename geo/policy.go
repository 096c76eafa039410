package geo

import (
	"bytes"
	"fmt"
	json "github.com/goccy/go-json"
	"strings"
)

// Access is how much of a building's inside a role may see.
type Access uint8

const (
	// AccessNone: the building is seen from outside only.
	AccessNone Access = iota
	// AccessEntrances: its levels and the openings on their outer walls
	// (entrances and exits), nothing else inside.
	AccessEntrances
	// AccessFull: everything inside that IMDF restriction does not hide.
	AccessFull
)

var accessNames = map[string]Access{"none": AccessNone, "entrances": AccessEntrances, "full": AccessFull}

func (a Access) String() string {
	for n, v := range accessNames {
		if v == a {
			return n
		}
	}
	return fmt.Sprintf("Access(%d)", uint8(a))
}

// PolicyFile is the name of the visibility policy extension file.
const PolicyFile = "policy.json"

// Policy is the visibility policy: for each building and role, how much of
// the inside the role may see. Outdoors (venue, buildings, footprints, paths,
// gates) every role sees.
type Policy struct {
	// Public roles never see features restricted by IMDF restriction.
	Public roleMask
	// Default access of a role to a building no area names.
	Default [numRoles]Access
	// Areas name buildings, by reference or id.
	Areas []PolicyArea
}

// PolicyArea is one row of the visibility table.
type PolicyArea struct {
	Name      string
	Buildings []string // building references ("C1") or ids
	Access    [numRoles]Access
}

// DefaultPolicy is the policy of an archive without one of ours: every role
// sees everything, except that visitors and tourists do not see what IMDF
// restriction marks employees-only or restricted.
func DefaultPolicy() *Policy {
	p := &Policy{Public: 1<<Visitor | 1<<Tourist}
	for r := range p.Default {
		p.Default[r] = AccessFull
	}
	return p
}

type policyJSON struct {
	Version     int              `json:"version"`
	Roles       []string         `json:"roles"`
	PublicRoles []string         `json:"public_roles"`
	Default     json.RawMessage  `json:"default"`
	Areas       []policyAreaJSON `json:"areas"`
}

type policyAreaJSON struct {
	Name      string          `json:"name"`
	Buildings []string        `json:"buildings"`
	Access    json.RawMessage `json:"access"`
}

// ParsePolicy reads a policy file. Its errors say which field is wrong.
func ParsePolicy(data []byte) (*Policy, error) {
	var pj policyJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pj); err != nil {
		return nil, fmt.Errorf("geo: policy: %w", err)
	}
	if pj.Version != 1 {
		return nil, fmt.Errorf("geo: policy: version %d is not supported (want 1)", pj.Version)
	}
	for _, r := range pj.Roles {
		if _, err := ParseRole(r); err != nil {
			return nil, fmt.Errorf("geo: policy: roles: %w", err)
		}
	}
	p := &Policy{}
	for _, r := range pj.PublicRoles {
		role, err := ParseRole(r)
		if err != nil {
			return nil, fmt.Errorf("geo: policy: public_roles: %w", err)
		}
		p.Public |= 1 << role
	}
	def, err := parseAccess(pj.Default, "default", [numRoles]Access{AccessFull, AccessFull, AccessFull, AccessFull, AccessFull})
	if err != nil {
		return nil, err
	}
	p.Default = def
	for i, a := range pj.Areas {
		where := fmt.Sprintf("areas[%d]", i)
		if a.Name != "" {
			where += fmt.Sprintf(" (%s)", a.Name)
		}
		if len(a.Buildings) == 0 {
			return nil, fmt.Errorf("geo: policy: %s: buildings is empty", where)
		}
		acc, err := parseAccess(a.Access, where+": access", p.Default)
		if err != nil {
			return nil, err
		}
		p.Areas = append(p.Areas, PolicyArea{Name: a.Name, Buildings: a.Buildings, Access: acc})
	}
	return p, nil
}

// parseAccess reads an access value: one word for every role, or an object
// of role to word; roles not named keep base.
func parseAccess(raw json.RawMessage, where string, base [numRoles]Access) ([numRoles]Access, error) {
	out := base
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return out, nil
	}
	word := func(s string) (Access, error) {
		a, ok := accessNames[strings.ToLower(s)]
		if !ok {
			return 0, fmt.Errorf("geo: policy: %s: unknown access %q (want full, entrances or none)", where, s)
		}
		return a, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return out, fmt.Errorf("geo: policy: %s: %w", where, err)
		}
		a, err := word(s)
		if err != nil {
			return out, err
		}
		for r := range out {
			out[r] = a
		}
		return out, nil
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return out, fmt.Errorf("geo: policy: %s: want a word or an object of role to word: %w", where, err)
	}
	for rs, s := range m {
		role, err := ParseRole(rs)
		if err != nil {
			return out, fmt.Errorf("geo: policy: %s: %w", where, err)
		}
		a, err := word(s)
		if err != nil {
			return out, err
		}
		out[role] = a
	}
	return out, nil
}

// accessFor returns the access of every role to building b.
func (p *Policy) accessFor(b *Building) [numRoles]Access {
	acc := p.Default
	for _, a := range p.Areas {
		for _, name := range a.Buildings {
			if name == b.ID || (b.Ref != "" && strings.EqualFold(name, b.Ref)) {
				acc = a.Access
			}
		}
	}
	return acc
}

// IsPublic reports whether r is a public role: one that never sees what
// IMDF restriction marks employees-only, nor passes doors with access control.
func (p *Policy) IsPublic(r Role) bool { return r < MaxRoles && p.Public.has(r) }
