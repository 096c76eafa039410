package geo

import (
	"strings"
	"testing"
)

// TestCampusReaders checks, for every role, that no reader stands in a
// place the role may not see, that the gates' readers are seen by all, and
// that a role sees every reader its places allow.
func TestCampusReaders(t *testing.T) {
	v := loadCampus(t)
	kinds := map[string]int{}
	for _, rd := range v.Readers {
		kinds[rd.Kind]++
	}
	for _, k := range ReaderKinds {
		if kinds[k] == 0 {
			t.Errorf("the campus has no %s reader", k)
		}
	}
	for _, r := range Roles {
		w := v.View(r)
		seen := map[string]bool{}
		for _, rd := range w.Readers() {
			seen[rd.ID] = true
			b := rd.Building
			if b == nil {
				if rd.Level != nil {
					t.Errorf("reader %s stands on a level of no building", rd.ID)
				}
				continue
			}
			switch law(b.Ref, r) {
			case AccessNone:
				t.Fatalf("%s sees reader %s (%s) inside %s, which the law hides from it", r, rd.ID, rd.Name.In("en"), b.Ref)
			case AccessEntrances:
				if !rd.AtEntrance() {
					t.Fatalf("%s sees reader %s (%s) inside %s, of which it may see the entrances only", r, rd.ID, rd.Name.In("en"), b.Ref)
				}
			}
			if u, ok := rd.Guards.(*Unit); ok && u.Restricted && (r == Visitor || r == Tourist) {
				t.Fatalf("%s sees reader %s of restricted room %s", r, rd.ID, u.Ref)
			}
			if strings.HasPrefix(b.Ref, "D") {
				t.Fatalf("%s sees reader %s in residence %s", r, rd.ID, b.Ref)
			}
		}
		for _, rd := range v.Readers {
			if _, ok := w.Feature(rd.ID); ok != seen[rd.ID] {
				t.Fatalf("%s: Feature(%s) found=%v, Readers() lists it=%v", r, rd.ID, ok, seen[rd.ID])
			}
			if _, atGate := rd.Guards.(*Gate); atGate && !seen[rd.ID] {
				t.Errorf("%s does not see %s, a gate's reader", r, rd.Name.In("en"))
			}
			if got, want := seen[rd.ID], expectVisible(rd, r); got != want {
				t.Fatalf("%s: reader %s (%s) seen=%v, the law says %v", r, rd.ID, rd.Name.In("en"), got, want)
			}
		}
		t.Logf("%-8s sees %4d of %d readers", r, len(seen), len(v.Readers))
	}
	// The dormitories' readers exist, and nobody sees them.
	dorm := 0
	for _, rd := range v.Readers {
		if rd.Building != nil && strings.HasPrefix(rd.Building.Ref, "D") {
			dorm++
		}
	}
	if dorm == 0 {
		t.Error("no reader in the residences: the test proves nothing about them")
	}
}
