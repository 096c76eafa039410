package visitor

import (
	"strings"

	"github.com/campusnav/engine/geo"
)

// places indexes the venue's buildings and rooms by reference, for the
// meeting places hosts name.
type places struct {
	v         *geo.Venue
	buildings map[string]*geo.Building // by lower-case reference and id
	units     map[string]*geo.Unit     // by lower-case reference and id
}

func newPlaces(v *geo.Venue) *places {
	p := &places{v: v, buildings: map[string]*geo.Building{}, units: map[string]*geo.Unit{}}
	if v == nil {
		return p
	}
	for _, b := range v.Buildings {
		p.buildings[b.ID] = b
		if b.Ref != "" {
			p.buildings[strings.ToLower(b.Ref)] = b
		}
	}
	for _, u := range v.Units {
		if u.Level == nil || u.Level.Building() == nil {
			continue
		}
		p.units[u.ID] = u
		if u.Ref != "" {
			if _, taken := p.units[strings.ToLower(u.Ref)]; !taken {
				p.units[strings.ToLower(u.Ref)] = u
			}
		}
	}
	return p
}

// receives reports whether visitors may be received inside b: it has a
// guest role (a visit opens it), or visitors see inside it already.
// Nobody is received inside a building no role sees inside (a
// dormitory), nor one IMDF restricts.
func (p *places) receives(b *geo.Building) bool {
	if b.Restricted {
		return false
	}
	if _, ok := p.v.GuestRole(b.ID); ok {
		return true
	}
	w := p.v.View(geo.Visitor)
	for _, l := range b.Levels {
		for _, u := range l.Units {
			if w.Sees(u) {
				return true
			}
		}
	}
	return false
}

// resolve is the meeting place ref names, a building's reference ("C1")
// or id, or a room's ("C1-201"), naming field when it names none a
// visitor may be received in. "" is no place.
func (p *places) resolve(field, ref string) (Place, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Place{}, nil
	}
	if err := text(field, ref); err != nil {
		return Place{}, err
	}
	key := strings.ToLower(ref)
	if b, ok := p.buildings[key]; ok {
		if !p.receives(b) {
			return Place{}, invalid(field, "visitors cannot be received inside %s", "访客不能进入 %s 内部", ref)
		}
		return Place{Ref: firstOf(b.Ref, b.ID), Building: b.ID}, nil
	}
	if u, ok := p.units[key]; ok {
		b := u.Level.Building()
		if u.Restricted || !p.receives(b) {
			return Place{}, invalid(field, "visitors cannot be received in %s", "访客不能进入 %s", ref)
		}
		return Place{Ref: firstOf(u.Ref, u.ID), Building: b.ID, Unit: u.ID}, nil
	}
	return Place{}, invalid(field, "%q is no building or room of the campus (a building like C1, or a room like C1-201)",
		"%q 不是校园内的楼栋或房间（楼栋如 C1，房间如 C1-201）", ref)
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
