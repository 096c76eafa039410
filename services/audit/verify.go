package audit

import "fmt"

// Fault is the first entry of a log that does not verify, and what is
// wrong with it.
type Fault struct {
	ID      int64  // the entry's id, or the first missing id
	Kind    string // the entry's kind; "" for a missing entry
	Problem string // what is wrong, for people
}

func (f *Fault) Error() string {
	if f.Kind == "" {
		return fmt.Sprintf("audit: entry %d: %s", f.ID, f.Problem)
	}
	return fmt.Sprintf("audit: entry %d (%s): %s", f.ID, f.Kind, f.Problem)
}

// Verifier checks a log entry by entry, in id order, keeping only the
// last entry's id and hash: a log of any length verifies in constant
// memory. The zero Verifier expects the first entry.
type Verifier struct {
	n        int64
	lastID   int64
	lastKind string
	last     Hash
}

// Next checks the entry after those seen, and returns a *Fault when it
// is not what the chain says: an id that is not the next (entries
// missing, named by the first of them; or out of order), a hash that is not its contents' (it was
// changed), or a prev_hash that is not the entry before's hash (one
// before it was changed, removed or put in). After a fault, the
// Verifier takes e as the entry before the next, so a caller may go on
// to find more.
func (v *Verifier) Next(e *Entry) error {
	defer func() { v.n, v.lastID, v.lastKind, v.last = v.n+1, e.ID, e.Kind, e.Hash }()
	want := v.lastID + 1
	switch {
	case e.ID > want:
		return &Fault{ID: want, Problem: missing(want, e.ID-1, v.lastID) + fmt.Sprintf("; entry %d (%s) comes next", e.ID, e.Kind)}
	case e.ID < want:
		return &Fault{ID: e.ID, Kind: e.Kind, Problem: fmt.Sprintf("out of order: it comes after entry %d", v.lastID)}
	case e.Sum() != e.Hash:
		return &Fault{ID: e.ID, Kind: e.Kind, Problem: "its contents do not match its hash: it was changed"}
	case e.PrevHash != v.last && v.lastID == 0:
		return &Fault{ID: e.ID, Kind: e.Kind, Problem: "the first entry's prev_hash is not zero: entries before it were removed"}
	case e.PrevHash != v.last:
		return &Fault{ID: e.ID, Kind: e.Kind, Problem: fmt.Sprintf("its prev_hash is not entry %d's hash: entry %d was changed, or entries were removed or put in between", v.lastID, v.lastID)}
	}
	return nil
}

// From is a Verifier of the part of a log after entry id, whose hash as
// stored is prev: the parts of a long log verify apart, at once, each
// from the hash of the entry before it (which the part before checks).
func From(id int64, prev Hash) Verifier { return Verifier{lastID: id, last: prev} }

// Through checks that the entries seen reach entry id: those after the
// last seen, to id, are missing otherwise.
func (v *Verifier) Through(id int64) error {
	if v.lastID < id {
		return &Fault{ID: v.lastID + 1, Problem: missing(v.lastID+1, id, v.lastID)}
	}
	return nil
}

// missing says that entries from to to are missing, after entry last.
func missing(from, to, last int64) string {
	s := "missing"
	if to > from {
		s = fmt.Sprintf("missing, to entry %d", to)
	}
	if last == 0 {
		return s + ": the log has no entries before"
	}
	return s + fmt.Sprintf(": the entry before is entry %d", last)
}

// End checks that the log ended where its head says (the id and hash of
// the last entry appended, kept apart from the entries): entries removed
// from the end leave the chain before them whole, and only the head
// shows them gone.
func (v *Verifier) End(headID int64, head Hash) error {
	switch {
	case v.lastID < headID:
		return &Fault{ID: v.lastID + 1, Problem: missing(v.lastID+1, headID, v.lastID) + fmt.Sprintf(", and the log's head is entry %d", headID)}
	case v.lastID > headID:
		return &Fault{ID: headID + 1, Problem: fmt.Sprintf("after the head (entry %d): put in, not appended", headID)}
	case v.last != head:
		return &Fault{ID: v.lastID, Kind: v.lastKind, Problem: "its hash is not the head's: it was changed"}
	}
	return nil
}

// Count is the number of entries checked.
func (v *Verifier) Count() int64 { return v.n }

// Last is the id and hash of the last entry checked (0 and Zero before
// any).
func (v *Verifier) Last() (int64, Hash) { return v.lastID, v.last }
