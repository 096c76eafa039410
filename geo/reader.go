package geo

import (
	"strings"

	"github.com/paulmach/orb"
)

// The kinds of card readers (the reader extension's property kind).
const (
	ReaderGate     = "gate"     // a pedestrian turnstile at a campus gate
	ReaderBarrier  = "barrier"  // a car barrier: at a vehicle gate or a car park's vehicle entrance
	ReaderDoor     = "door"     // a door reader: a building entrance, or a door IMDF marks badgereader
	ReaderElevator = "elevator" // the reader in a lift car, which chooses the floors
	ReaderLock     = "lock"     // a smart lock on an office or a dormitory room
	ReaderPrinter  = "printer"  // a printer's reader: logs in to the print system
	ReaderLibrary  = "library"  // a library gate
	ReaderPOS      = "pos"      // a till's payment terminal
)

// AccessFile is the name of the access policy extension file: the rules
// that say who may pass which reader, when. geo keeps it as read
// (Venue.Access); services/access parses it.
const AccessFile = "access.json"

// BookingFile is the name of the booking rules in an archive.
const BookingFile = "booking.json"

// readerGuards lists, per reader kind, the feature types its guards may
// name: what such a reader can stand for.
var readerGuards = map[string][]string{
	ReaderGate:     {"gate"},
	ReaderBarrier:  {"gate", "opening"},
	ReaderDoor:     {"opening"},
	ReaderElevator: {"unit"},
	ReaderLock:     {"unit"},
	ReaderPrinter:  {"amenity"},
	ReaderLibrary:  {"unit", "opening"},
	ReaderPOS:      {"amenity"},
}

// ReaderKinds lists the reader kinds, in the order FORMAT.md lists them.
var ReaderKinds = []string{ReaderGate, ReaderBarrier, ReaderDoor, ReaderElevator, ReaderLock, ReaderPrinter, ReaderLibrary, ReaderPOS}

// IsReaderKind reports whether k is a reader kind.
func IsReaderKind(k string) bool { _, ok := readerGuards[k]; return ok }

// AtEntrance reports whether r guards a building's entrance or exit: it is
// a door reader or a barrier at an opening on its level's outer wall.
func (r *Reader) AtEntrance() bool {
	o, ok := r.Guards.(*Opening)
	return ok && o.Entrance
}

// buildReaders reads the card readers. A bad kind, a guards that does not
// resolve (or names a feature such a reader cannot guard) and a level_id
// that does not resolve are errors: the reader is left out.
func (ld *loader) buildReaders() {
	all := ld.propsAll(ld.raw["reader"])
	for i, f := range ld.raw["reader"] {
		p := all[i]
		r := &Reader{Base: ld.base(f)}
		r.Name = p.labels("name")
		r.Kind = p.str("kind", true)
		allowed, known := readerGuards[r.Kind]
		if r.Kind != "" && !known {
			p.fail("kind", "%q is not a reader kind (want one of %s)", r.Kind, strings.Join(ReaderKinds, ", "))
		}
		if id := p.str("guards", true); id != "" {
			if fs := ld.resolve(p, "guards", []string{id}, ""); len(fs) == 1 {
				r.Guards = fs[0]
			}
		}
		if g := r.Guards; g != nil && known {
			typ := g.Common().Type
			switch u, isUnit := g.(*Unit); {
			case !hasString(allowed, typ):
				p.fail("guards", "%q is a %s; a %s reader guards a %s", g.Common().ID, typ, r.Kind, strings.Join(allowed, " or "))
			case r.Kind == ReaderElevator && isUnit && u.Category != "elevator":
				p.fail("guards", "%q is a unit of category %s; a lift's reader guards an elevator unit", u.ID, u.Category)
			}
		}
		r.Level = ld.level(p, false)
		if p.bad {
			ld.drop(f, p)
			continue
		}
		if r.Level != nil {
			r.Ordinal = r.Level.Ordinal
			r.Building = r.Level.Building()
			ld.checkReaderPlace(p, r)
		} else {
			r.Building = guardedBuilding(r.Guards)
		}
		ld.v.Readers = append(ld.v.Readers, r)
		ld.register(r)
	}
}

// checkReaderPlace warns of an indoor reader that stands off its level, or
// on another level than what it guards.
func (ld *loader) checkReaderPlace(p *props, r *Reader) {
	if gl := guardedLevel(r.Guards); gl != nil && gl != r.Level {
		ld.ps.warnf(p.file, p.id, RuleReference, "level_id %q is not the level of what it guards (%s, on level %s)", r.Level.ID, r.Guards.Common().ID, gl.ID)
	}
	pt, ok := r.Local.(orb.Point)
	if ok && r.Level.Local != nil && !Contains(r.Level.Local, pt) && BoundaryDistance(r.Level.Local, pt) > OpeningTolerance {
		ld.ps.warnf(p.file, p.id, RuleDisplayPoint, "reader lies outside its level %s", r.Level.ID)
	}
}

// guardedLevel is the level of what a reader guards; nil for a gate.
func guardedLevel(f Feature) *Level {
	switch f := f.(type) {
	case *Opening:
		return f.Level
	case *Unit:
		return f.Level
	case *Amenity:
		return f.Level
	}
	return nil
}

// guardedBuilding is the building of what a reader guards; nil for a gate.
func guardedBuilding(f Feature) *Building {
	if l := guardedLevel(f); l != nil {
		return l.Building()
	}
	return nil
}

// readerMask is who may see reader r: who sees what it guards and, indoors,
// its level. A reader never says more than its place does: a lock in a
// hidden room is hidden, a gate's turnstile is seen by all.
func readerMask(r *Reader) roleMask {
	m := r.Guards.Common().mask
	if r.Level != nil {
		m &= r.Level.mask
	}
	return m
}

// Readers returns the card readers the role may see, in file order.
func (w View) Readers() []*Reader {
	var out []*Reader
	for _, r := range w.v.Readers {
		if r.mask.has(w.role) {
			out = append(out, r)
		}
	}
	return out
}
