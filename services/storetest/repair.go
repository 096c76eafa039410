package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/mail"
	"github.com/campusnav/engine/services/repair"
	"github.com/campusnav/engine/services/store"
)

// Repairs runs the contract of repair.Store on stores made by newStore.
func Repairs(t *testing.T, newStore func(t *testing.T) *store.DB) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *store.DB)
	}{
		{"NumbersAndHistory", testRepairNumbers},
		{"Duplicates", testRepairDuplicates},
		{"DuplicatesAtOnce", testRepairDuplicatesAtOnce},
		{"ChangesFollowAndMail", testRepairChanges},
		{"Bounds", testRepairBounds},
		{"Lists", testRepairLists},
		{"CompletingUnfreezesTheCard", testRepairUnfreeze},
		{"Photos", testRepairPhotos},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

// repairAt is 2026-12-31 at hour h UTC (08:00 on 1 January 2027 in
// Shanghai is h = 24).
func repairAt(h float64) time.Time {
	return time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC).Add(time.Duration(h * float64(time.Hour)))
}

func roomTicket(reporter int64, category, unit string, at time.Time) repair.Ticket {
	o := 3
	return repair.Ticket{ReporterID: reporter, Lang: "en", Category: category, Description: "the projector is dead", Created: at,
		Location: repair.Location{Unit: unit, Ref: "C3-607", Building: "C3", Level: "C3-L6", Floor: "6", Ordinal: &o,
			Lon: 113.4789, Lat: 23.0130, Source: repair.SourceManual, Room: true}}
}

// pointTicket is a ticket outside rooms, east metres east of a point.
func pointTicket(reporter int64, category string, ordinal int, east float64) repair.Ticket {
	o := ordinal
	return repair.Ticket{ReporterID: reporter, Lang: "zh", Category: category, Description: "路灯不亮", Created: repairAt(1),
		Location: repair.Location{Ordinal: &o, Lon: 113.4789 + east/102_500, Lat: 23.0130, Source: repair.SourcePoint}}
}

func mustTicket(t *testing.T, s *store.DB, tk repair.Ticket) repair.Ticket {
	t.Helper()
	got, err := s.CreateTicket(t.Context(), tk)
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	return got
}

func seqOf(t *testing.T, number string) (int, int) {
	t.Helper()
	parts := strings.Split(number, "-")
	if len(parts) != 3 || parts[0] != "R" || len(parts[2]) != 6 {
		t.Fatalf("number %q is not R-YYYY-NNNNNN", number)
	}
	y, _ := strconv.Atoi(parts[1])
	n, _ := strconv.Atoi(parts[2])
	return y, n
}

func testRepairNumbers(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann := mustCreate(t, s, "ann", auth.Student)
	a := mustTicket(t, s, roomTicket(ann.ID, "water", unique("u"), repairAt(10)))
	b := mustTicket(t, s, roomTicket(ann.ID, "water", unique("u"), repairAt(15.5)))
	c := mustTicket(t, s, roomTicket(ann.ID, "water", unique("u"), repairAt(16))) // 00:00 in Shanghai
	ya, na := seqOf(t, a.Number)
	yb, nb := seqOf(t, b.Number)
	yc, _ := seqOf(t, c.Number)
	if ya != 2026 || yb != 2026 || nb <= na || yc != 2027 {
		t.Errorf("numbers %s %s %s: want 2026 twice, increasing, then 2027 (its year in +08:00)", a.Number, b.Number, c.Number)
	}
	if a.Status != repair.Submitted || a.Reporter != ann.Email || a.DuplicateOf != 0 {
		t.Errorf("created: %+v", a)
	}
	got, err := s.Ticket(ctx, a.ID)
	if err != nil || got.Number != a.Number || got.Location.Ordinal == nil || *got.Location.Ordinal != 3 || !got.Location.Room ||
		len(got.History) != 1 || got.History[0].To != repair.Submitted || got.History[0].Actor != ann.Email || !sameTime(got.Created, repairAt(10)) {
		t.Fatalf("Ticket: %+v %v", got, err)
	}
	if _, err := s.Ticket(ctx, c.ID+1000); !errors.Is(err, repair.ErrNotFound) {
		t.Errorf("no such ticket: %v", err)
	}
	es, err := s.AuditEntries(ctx, audit.Query{Subject: ann.Email, Kind: repair.AuditReported})
	if err != nil || len(es) != 3 || es[2].Place != a.Location.Unit || es[2].Decision != repair.Submitted {
		t.Errorf("audit entries: %+v %v", es, err)
	}
	// Ten at once: ten numbers, none twice.
	var mu sync.Mutex
	seen := map[string]bool{}
	race(t, "report", 10, nil, func(i int) error {
		tk, err := s.CreateTicket(ctx, roomTicket(ann.ID, "doors", unique("u"), repairAt(11)))
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			if seen[tk.Number] {
				t.Errorf("number %s given twice", tk.Number)
			}
			seen[tk.Number] = true
		}
		return err
	})
	if len(seen) != 10 {
		t.Errorf("%d numbers for 10 reports", len(seen))
	}
}

func testRepairDuplicates(t *testing.T, s *store.DB) {
	ann := mustCreate(t, s, "ann", auth.Student)
	bo := mustCreate(t, s, "bo", auth.Staff)
	room := unique("room")
	first := mustTicket(t, s, roomTicket(ann.ID, "it.printer", room, repairAt(1)))
	again := mustTicket(t, s, roomTicket(bo.ID, "it.printer", room, repairAt(2)))
	other := mustTicket(t, s, roomTicket(bo.ID, "water", room, repairAt(2)))
	elsewhere := mustTicket(t, s, roomTicket(bo.ID, "it.printer", unique("room"), repairAt(2)))
	if again.DuplicateOf != first.ID || other.DuplicateOf != 0 || elsewhere.DuplicateOf != 0 {
		t.Errorf("in a room: duplicate_of %d %d %d, want %d 0 0", again.DuplicateOf, other.DuplicateOf, elsewhere.DuplicateOf, first.ID)
	}
	// One person's card is not another's.
	card := roomTicket(ann.ID, repair.CampusCard, room, repairAt(2))
	card.Personal = true
	card2 := card
	card2.ReporterID = bo.ID
	if a, b := mustTicket(t, s, card), mustTicket(t, s, card2); a.DuplicateOf != 0 || b.DuplicateOf != 0 {
		t.Errorf("personal faults: duplicate_of %d %d, want 0 0", a.DuplicateOf, b.DuplicateOf)
	}
	// Outside rooms: within the radius on the same ordinal.
	lamp := mustTicket(t, s, pointTicket(ann.ID, "electricity", 0, 0))
	near := mustTicket(t, s, pointTicket(bo.ID, "electricity", 0, 10))
	far := mustTicket(t, s, pointTicket(bo.ID, "electricity", 0, 40))
	above := mustTicket(t, s, pointTicket(bo.ID, "electricity", 1, 5))
	if near.DuplicateOf != lamp.ID || far.DuplicateOf != 0 || above.DuplicateOf != 0 {
		t.Errorf("outside rooms: duplicate_of %d %d %d, want %d 0 0", near.DuplicateOf, far.DuplicateOf, above.DuplicateOf, lamp.ID)
	}
	// Once the first is completed, a new report is an original.
	complete := repair.Change{Audit: repair.AuditMoved, Apply: func(tk *repair.Ticket) (repair.Event, error) {
		now := repairAt(3)
		from := tk.Status
		tk.Status, tk.Completed = repair.Completed, &now
		return repair.Event{At: now, From: from, To: repair.Completed}, nil
	}}
	if _, err := s.ChangeTicket(t.Context(), first.ID, bo.ID, complete); err != nil {
		t.Fatal(err)
	}
	if late := mustTicket(t, s, roomTicket(ann.ID, "it.printer", room, repairAt(4))); late.DuplicateOf != 0 {
		t.Errorf("a report after completion: duplicate of %d", late.DuplicateOf)
	}
}

// testRepairDuplicatesAtOnce: reports of one fault from several people
// at the same moment make one original, the others its duplicates (on
// PostgreSQL, where they run at once, as on SQLite, where they take
// turns).
func testRepairDuplicatesAtOnce(t *testing.T, s *store.DB) {
	const n = 8
	people := make([]int64, n)
	for i := range people {
		people[i] = mustCreate(t, s, "at-once-"+strconv.Itoa(i), auth.Student).ID
	}
	for round := range 3 {
		room := unique("room")
		got := make([]repair.Ticket, n)
		errs := make([]error, n)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range n {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				tk := roomTicket(people[i], "it.printer", room, repairAt(float64(round)))
				if i%2 == 1 { // and outside rooms, at one point
					tk = pointTicket(people[i], "electricity", round, float64(i))
				}
				got[i], errs[i] = s.CreateTicket(t.Context(), tk)
			}()
		}
		start.Done()
		done.Wait()
		originals := map[bool]map[int64]bool{true: {}, false: {}}
		for i, tk := range got {
			if errs[i] != nil {
				t.Fatalf("round %d, report %d: %v", round, i, errs[i])
			}
			inRoom := i%2 == 0
			if tk.DuplicateOf == 0 {
				originals[inRoom][tk.ID] = true
			}
		}
		for i, tk := range got {
			if tk.DuplicateOf != 0 && !originals[i%2 == 0][tk.DuplicateOf] {
				t.Errorf("round %d, report %d: duplicate of %d, not of an original of its fault", round, i, tk.DuplicateOf)
			}
		}
		if len(originals[true]) != 1 || len(originals[false]) != 1 {
			t.Errorf("round %d: %d originals in the room and %d outside, want 1 and 1", round, len(originals[true]), len(originals[false]))
		}
	}
}

// outbox is a job queue that keeps what it is given.
type outbox struct {
	mu    sync.Mutex
	mails []mail.Message
}

func (o *outbox) EnqueueTx(_ context.Context, _ *sql.Tx, kind string, args any) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if m, ok := args.(mail.Message); ok && kind == "mail" {
		o.mails = append(o.mails, m)
	}
	return nil
}

func testRepairChanges(t *testing.T, s *store.DB) {
	ctx := t.Context()
	box := &outbox{}
	s.SetQueue(box)
	ann := mustCreate(t, s, "ann", auth.Student)
	bo := mustCreate(t, s, "bo", auth.Staff)
	desk := mustCreate(t, s, "desk", auth.Staff)
	room := unique("room")
	first := mustTicket(t, s, roomTicket(ann.ID, "it.printer", room, repairAt(1)))
	dup := mustTicket(t, s, roomTicket(bo.ID, "it.printer", room, repairAt(2)))
	refused := errors.New("not now")
	if _, err := s.ChangeTicket(ctx, first.ID, desk.ID, repair.Change{Apply: func(*repair.Ticket) (repair.Event, error) { return repair.Event{}, refused }}); err != refused {
		t.Errorf("a refused change: %v, want the refusal as it is", err)
	}
	if _, err := s.ChangeTicket(ctx, dup.ID+1000, desk.ID, repair.Change{}); !errors.Is(err, repair.ErrNotFound) {
		t.Errorf("no such ticket: %v", err)
	}
	dispatch := repair.Change{Audit: repair.AuditMoved, Follow: true,
		Apply: func(tk *repair.Ticket) (repair.Event, error) {
			tk.Status, tk.Assignee = repair.Dispatched, "IT team"
			return repair.Event{At: repairAt(3), From: repair.Submitted, To: repair.Dispatched, Note: "IT team"}, nil
		},
		Mail: func(tk repair.Ticket, to, lang string) (mail.Message, bool) {
			return mail.Message{To: to, Subject: tk.Number + " " + tk.Status + " " + lang}, true
		}}
	got, err := s.ChangeTicket(ctx, first.ID, desk.ID, dispatch)
	if err != nil || got.Status != repair.Dispatched || got.Assignee != "IT team" || len(got.History) != 2 || got.History[1].Actor != desk.Email {
		t.Fatalf("dispatch: %+v %v", got, err)
	}
	d, err := s.Ticket(ctx, dup.ID)
	if err != nil || d.Status != repair.Dispatched || d.Assignee != "IT team" || len(d.History) != 2 || !strings.Contains(d.History[1].Note, first.Number) {
		t.Errorf("the duplicate followed: %+v %v", d, err)
	}
	if len(box.mails) != 2 || box.mails[0].To != ann.Email || box.mails[0].Subject != first.Number+" dispatched en" ||
		box.mails[1].To != bo.Email || !strings.HasPrefix(box.mails[1].Subject, dup.Number) {
		t.Errorf("mails: %+v", box.mails)
	}
	es, err := s.AuditEntries(ctx, audit.Query{Kind: repair.AuditMoved})
	if err != nil || len(es) != 2 || es[0].Actor != desk.ID || es[0].Decision != repair.Dispatched {
		t.Errorf("audit: %+v %v", es, err)
	}
	// Completed long enough ago: the close job finds it.
	now := repairAt(4)
	if _, err := s.ChangeTicket(ctx, first.ID, desk.ID, repair.Change{Audit: repair.AuditMoved, Apply: func(tk *repair.Ticket) (repair.Event, error) {
		tk.Status, tk.Completed = repair.Completed, &now
		return repair.Event{At: now, From: repair.Dispatched, To: repair.Completed}, nil
	}}); err != nil {
		t.Fatal(err)
	}
	ids, err := s.CompletedBefore(ctx, repairAt(5), 10)
	if err != nil || len(ids) != 1 || ids[0] != first.ID {
		t.Errorf("CompletedBefore: %v %v", ids, err)
	}
	if ids, _ := s.CompletedBefore(ctx, repairAt(4), 10); len(ids) != 0 {
		t.Errorf("CompletedBefore its completion: %v", ids)
	}
}

func testRepairBounds(t *testing.T, s *store.DB) {
	ann := mustCreate(t, s, "ann", auth.Student)
	for range repair.MaxOpen {
		mustTicket(t, s, roomTicket(ann.ID, "walls", unique("u"), repairAt(1)))
	}
	if _, err := s.CreateTicket(t.Context(), roomTicket(ann.ID, "walls", unique("u"), repairAt(1))); !errors.Is(err, repair.ErrTooMany) {
		t.Errorf("ticket %d: %v, want ErrTooMany", repair.MaxOpen+1, err)
	}
	if _, err := s.CreateTicket(t.Context(), roomTicket(ann.ID+1000, "walls", unique("u"), repairAt(1))); !errors.Is(err, repair.ErrNotFound) &&
		err == nil {
		t.Errorf("no such reporter: %v", err)
	}
}

func testRepairLists(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann := mustCreate(t, s, "ann", auth.Student)
	bo := mustCreate(t, s, "bo", auth.Staff)
	room := unique("room")
	card := mustTicket(t, s, roomTicket(ann.ID, "it.campus_card", room, repairAt(1)))
	mustTicket(t, s, roomTicket(bo.ID, "it.campus_card", room, repairAt(2)))
	tap := mustTicket(t, s, roomTicket(bo.ID, "water", unique("room"), repairAt(3)))
	desk, err := s.Tickets(ctx, repair.Query{Status: "open", Limit: 10})
	if err != nil || len(desk) != 2 || desk[0].ID != tap.ID || desk[1].ID != card.ID || desk[1].Duplicates != 1 {
		t.Fatalf("the desk's list: %+v %v", desk, err)
	}
	if it, _ := s.Tickets(ctx, repair.Query{Category: "it", Limit: 10}); len(it) != 1 || it[0].ID != card.ID {
		t.Errorf("category it: %+v", it)
	}
	if none, _ := s.Tickets(ctx, repair.Query{Building: "C9", Limit: 10}); len(none) != 0 {
		t.Errorf("building C9: %+v", none)
	}
	if page, _ := s.Tickets(ctx, repair.Query{Before: tap.ID, Limit: 10}); len(page) != 1 || page[0].ID != card.ID {
		t.Errorf("below the cursor: %+v", page)
	}
	mine, err := s.Tickets(ctx, repair.Query{ReporterID: bo.ID, Limit: 10})
	if err != nil || len(mine) != 2 || mine[1].DuplicateOf != card.ID {
		t.Errorf("bo's own (with the duplicate): %+v %v", mine, err)
	}
}

func testRepairUnfreeze(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann := mustCreate(t, s, "ann", auth.Student)
	bo := mustCreate(t, s, "bo", auth.Student)
	desk := mustCreate(t, s, "desk", auth.Staff)
	n := 0
	card := func(u auth.User) access.Card {
		n++
		c, err := s.CardOf(ctx, u.ID, u.Email, func() string { return unique(strconv.Itoa(n)) })
		if err != nil {
			t.Fatal(err)
		}
		if c, err = s.ChangeCard(ctx, access.CardChange{Card: c.ID, Freeze: access.FrozenCapture, At: repairAt(0)}); err != nil || c.Status != access.Frozen {
			t.Fatalf("freeze: %+v %v", c, err)
		}
		return c
	}
	annCard, boCard := card(ann), card(bo)
	complete := func(tk repair.Ticket) repair.Ticket {
		got, err := s.ChangeTicket(ctx, tk.ID, desk.ID, repair.Change{Audit: repair.AuditMoved, UnfreezeCard: true, Apply: func(tk *repair.Ticket) (repair.Event, error) {
			now := repairAt(2)
			from := tk.Status
			tk.Status, tk.Completed = repair.Completed, &now
			return repair.Event{At: now, From: from, To: repair.Completed}, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// A campus card ticket: completing it unfreezes its reporter's card,
	// says so in the history and in the audit log.
	got := complete(mustTicket(t, s, roomTicket(ann.ID, repair.CampusCard, unique("u"), repairAt(1))))
	last := got.History[len(got.History)-1]
	if c, _ := s.CardByID(ctx, annCard.ID); c.Status != access.Valid || len(got.History) != 3 || !strings.Contains(last.Note, repair.CardUnfrozenNote) ||
		!strings.Contains(last.Note, annCard.Number) || last.Actor != desk.Email {
		t.Errorf("after completing a campus card ticket: card %s, history %+v", c.Status, got.History)
	}
	if es, err := s.AuditEntries(ctx, audit.Query{Subject: ann.Email, Kind: audit.CardUnfrozen}); err != nil || len(es) != 1 || es[0].Actor != desk.ID {
		t.Errorf("the card's audit entry: %+v %v", es, err)
	}
	// Another category leaves the card frozen.
	got = complete(mustTicket(t, s, roomTicket(bo.ID, "it.printer", unique("u"), repairAt(1))))
	if c, _ := s.CardByID(ctx, boCard.ID); c.Status != access.Frozen || len(got.History) != 2 {
		t.Errorf("after completing a printer ticket: card %s, history %+v", c.Status, got.History)
	}
}

// photoOf is a stored photo of n bytes, different for each seed.
func photoOf(ticket, uploader int64, n int, seed byte) repair.Photo {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	sum := sha256.Sum256(b)
	return repair.Photo{TicketID: ticket, UploaderID: uploader, ContentType: "image/png", Bytes: n, Width: 4, Height: 3,
		SHA256: hex.EncodeToString(sum[:]), Created: repairAt(1), Data: b}
}

func testRepairPhotos(t *testing.T, s *store.DB) {
	ctx := t.Context()
	ann := mustCreate(t, s, "ann", auth.Student)
	tk := mustTicket(t, s, roomTicket(ann.ID, "walls", unique("room"), repairAt(1)))
	yes := func(repair.Ticket) error { return nil }
	p, added, err := s.AddPhoto(ctx, photoOf(tk.ID, ann.ID, 100, 1), yes)
	if err != nil || !added || p.ID == 0 || p.Data != nil {
		t.Fatalf("AddPhoto: %+v %v %v", p, added, err)
	}
	// The same image again is the same photo.
	if again, added, err := s.AddPhoto(ctx, photoOf(tk.ID, ann.ID, 100, 1), yes); err != nil || added || again.ID != p.ID {
		t.Errorf("the same photo again: %+v %v %v", again, added, err)
	}
	got, err := s.Photo(ctx, tk.ID, p.ID)
	if want := photoOf(tk.ID, ann.ID, 100, 1); err != nil || !bytes.Equal(got.Data, want.Data) || got.ContentType != "image/png" || got.Width != 4 {
		t.Errorf("Photo: %+v %v", got, err)
	}
	if _, err := s.Photo(ctx, tk.ID+1, p.ID); !errors.Is(err, repair.ErrNotFound) {
		t.Errorf("the photo under another ticket: %v", err)
	}
	// What may refuses is refused, nothing kept.
	no := &repair.Error{Kind: repair.ErrConflict, En: "no"}
	if _, _, err := s.AddPhoto(ctx, photoOf(tk.ID, ann.ID, 100, 2), func(repair.Ticket) error { return no }); !errors.Is(err, no) {
		t.Errorf("refused by may: %v", err)
	}
	for i := 2; i <= repair.MaxPhotos; i++ {
		if _, _, err := s.AddPhoto(ctx, photoOf(tk.ID, ann.ID, 100, byte(i)), yes); err != nil {
			t.Fatalf("photo %d: %v", i, err)
		}
	}
	if _, _, err := s.AddPhoto(ctx, photoOf(tk.ID, ann.ID, 100, 99), yes); !errors.Is(err, repair.ErrTooManyPhotos) {
		t.Errorf("photo %d: %v, want ErrTooManyPhotos", repair.MaxPhotos+1, err)
	}
	full, err := s.Ticket(ctx, tk.ID)
	if err != nil || len(full.Photos) != repair.MaxPhotos || full.Photos[0].ID != p.ID {
		t.Errorf("the ticket's photos: %d %v", len(full.Photos), err)
	}
	// A person's bytes on open tickets are bounded.
	big := repair.MaxPhotoBytes
	n := repair.MaxPhotos * 100 // the first ticket's
	for i := 0; ; i++ {
		other := mustTicket(t, s, roomTicket(ann.ID, "walls", unique("room"), repairAt(1)))
		_, _, err := s.AddPhoto(ctx, photoOf(other.ID, ann.ID, big, byte(i)), yes)
		if errors.Is(err, repair.ErrPhotoBytes) {
			break
		}
		if err != nil || i > 20 {
			t.Fatalf("big photo %d: %v", i, err)
		}
		n += big
	}
	if n+big <= repair.MaxPhotoBytesOpen || n > repair.MaxPhotoBytesOpen {
		t.Errorf("%d bytes kept before the bound of %d", n, repair.MaxPhotoBytesOpen)
	}
	// Closed tickets' photos are purged once old enough.
	closeIt := repair.Change{Audit: repair.AuditMoved, Apply: func(x *repair.Ticket) (repair.Event, error) {
		from := x.Status
		x.Status = repair.Closed
		return repair.Event{At: repairAt(2), From: from, To: repair.Closed}, nil
	}}
	if _, err := s.ChangeTicket(ctx, tk.ID, ann.ID, closeIt); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PurgePhotos(ctx, repairAt(1), 100); err != nil || n != 0 {
		t.Errorf("purge before the report: %d %v", n, err)
	}
	if n, err := s.PurgePhotos(ctx, repairAt(2), 100); err != nil || n != repair.MaxPhotos {
		t.Errorf("purge: %d %v, want the closed ticket's %d", n, err, repair.MaxPhotos)
	}
	if _, err := s.Photo(ctx, tk.ID, p.ID); !errors.Is(err, repair.ErrNotFound) {
		t.Errorf("a purged photo: %v", err)
	}
}
