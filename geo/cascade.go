package geo

import (
	"cmp"
	"fmt"
	"strings"
)

// A feature left out takes with it every feature that needs it: a level
// its units and openings, a unit its amenities and anchors, an anchor its
// occupants. Each such chain is reported once, on the line of its cause (the
// first feature in error, or the first to name an id that does not
// resolve), with what else was left out for it:
//
//	ERROR level.geojson L1: building_ids "B9" does not resolve (and, for the same cause, 120 units, 40 openings)

// cause is one reason features were left out, and what was left out for it.
type cause struct {
	file, id string         // where it is reported
	at       int            // the index of its problem in the list, or -1: its feature's first error
	left     map[string]int // what else was left out for it, by feature type
}

// leftOut is what a load left out and why.
type leftOut struct {
	causes map[string]*cause // by key: a feature id, or missingKey's
	order  []string          // keys in the order they were found
	of     map[string]string // the id of each feature left out, to its cause's key
}

func newLeftOut() leftOut {
	return leftOut{causes: map[string]*cause{}, of: map[string]string{}}
}

// missingKey is the key of the cause "this file's features name id under
// key, and it does not resolve".
func missingKey(file, key, id string) string {
	return "\x00" + file + "\x00" + key + "\x00" + id
}

func (lo *leftOut) add(key string, c *cause) *cause {
	if c.left == nil {
		c.left = map[string]int{}
	}
	lo.causes[key] = c
	lo.order = append(lo.order, key)
	return c
}

// own records that the feature id of file was left out for a fault of its
// own, already reported.
func (lo *leftOut) own(file, id string) {
	if _, ok := lo.of[id]; ok {
		return
	}
	lo.of[id] = id
	if _, ok := lo.causes[id]; !ok {
		lo.add(id, &cause{file: file, id: id, at: -1})
	}
}

// follow records that the feature id of type typ was left out for the
// cause key.
func (lo *leftOut) follow(key, file, typ, id string) {
	c := lo.causes[key]
	lo.of[id] = key
	if c.file == file && c.id == id {
		return // the feature whose line reports the cause
	}
	c.left[typ]++
}

// drop records that the feature f, whose properties are p, is left out.
func (ld *loader) drop(f rawFeature, p *props) {
	if p.own || p.cascade == "" {
		ld.left.own(f.file, f.ID)
		return
	}
	ld.left.follow(p.cascade, f.file, f.FeatureType, f.ID)
}

// report adds to each cause's line what else was left out for it.
func (lo *leftOut) report(ps *problems) {
	first := map[[2]string]int{}
	for i, p := range ps.list {
		k := [2]string{p.File, p.Feature}
		if _, ok := first[k]; !ok && p.Severity == Error {
			first[k] = i
		}
	}
	for _, key := range lo.order {
		c := lo.causes[key]
		if len(c.left) == 0 {
			continue
		}
		var parts []string
		for _, typ := range allTypes() {
			if n := c.left[typ]; n > 0 {
				parts = append(parts, plural(n, typ))
			}
		}
		also := fmt.Sprintf(" (and, for the same cause, %s)", strings.Join(parts, ", "))
		at, ok := c.at, c.at >= 0
		if !ok {
			at, ok = first[[2]string{c.file, c.id}]
		}
		if !ok {
			ps.errorf(c.file, c.id, RuleReference, "left out%s", also)
			continue
		}
		ps.list[at].Message += also
	}
}

// plural says n features of type typ: "1 unit", "3 amenities".
func plural(n int, typ string) string {
	if n == 1 {
		return "1 " + typ
	}
	switch {
	case strings.HasSuffix(typ, "y"):
		typ = strings.TrimSuffix(typ, "y") + "ies"
	case strings.HasSuffix(typ, "s"):
		typ += "es"
	default:
		typ += "s"
	}
	return fmt.Sprintf("%d %s", n, typ)
}

// resolve looks up the features of ids, which must all be of type want
// ("" for any type). A reference that does not resolve is dropped from a
// list where others do, with a warning. When none resolves the feature is
// left out: in error of its own when it names a feature of another type, or
// for the cause of what it names, reported once (see cascade.go): an id that
// does not resolve, or a feature itself left out.
func (ld *loader) resolve(p *props, key string, ids []string, want string) []Feature {
	type miss struct{ id, what, cascade string }
	out := make([]Feature, 0, len(ids))
	var misses []miss
	for _, id := range ids {
		f, ok := ld.v.byID[id]
		if ok && (want == "" || f.Common().Type == want) {
			out = append(out, f)
			continue
		}
		m := miss{id: id, what: "does not resolve"}
		if ok {
			m.what = fmt.Sprintf("is a %s, not a %s", f.Common().Type, want)
		} else if k, left := ld.left.of[id]; left {
			m.what, m.cascade = "was left out", k
		} else if t, other := ld.otherIDs[id]; other && want != "" {
			m.what = fmt.Sprintf("is a %s, not a %s", t, want)
		} else if other {
			m.what = fmt.Sprintf("is an IMDF %s, which this engine does not model", t)
		}
		misses = append(misses, m)
	}
	if len(misses) == 0 {
		return out
	}
	if len(out) > 0 {
		for _, m := range misses {
			ld.ps.warnf(p.file, p.id, RuleReference, "%s %q %s (ignored)", key, m.id, m.what)
		}
		return out
	}
	p.bad = true
	m := misses[0]
	switch {
	case m.cascade != "":
		p.cascade = cmp.Or(p.cascade, m.cascade)
	case m.what == "does not resolve":
		mk := missingKey(p.file, key, m.id)
		if _, seen := ld.left.causes[mk]; !seen {
			ld.left.add(mk, &cause{file: p.file, id: p.id, at: len(ld.ps.list)})
			ld.ps.errorf(p.file, p.id, RuleReference, "%s %q does not resolve", key, m.id)
		}
		p.cascade = cmp.Or(p.cascade, mk)
	default:
		ld.ps.errorf(p.file, p.id, RuleReference, "%s %q %s", key, m.id, m.what)
		p.own = true
	}
	return nil
}
