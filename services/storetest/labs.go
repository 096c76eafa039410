package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
)

// LabStore is what the labs suite needs: memberships and samples, the
// accounts, and the audit log that records the labs' decisions.
type LabStore interface {
	booking.LabStore
	auth.Store
	AuditEntries(ctx context.Context, q audit.Query) ([]audit.Entry, error)
}

// Labs runs the contract of booking.LabStore on stores made by newStore.
func Labs(t *testing.T, newStore func(t *testing.T) LabStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s LabStore)
	}{
		{"ApplyDecide", testLabApplyDecide},
		{"Samples", testLabSamples},
		{"SamplesBound", testLabSamplesBound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
	}
}

func labProfile(name string) booking.LabProfile {
	return booking.LabProfile{Name: name, Department: "Microelectronics Thrust", Supervisor: "Prof. Chan 陈",
		Phone: "+86 139 0000 0000", Email: "x@connect.hkust-gz.edu.cn", Purpose: "thin films"}
}

// approvedMember makes an account that lab approved.
func approvedMember(t *testing.T, s LabStore, lab, name string) auth.User {
	t.Helper()
	u := mustCreate(t, s, name, auth.Student)
	if _, err := s.ApplyLab(t.Context(), booking.LabMember{Lab: lab, UserID: u.ID, Profile: labProfile(name), Applied: created}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DecideLabMember(t.Context(), lab, u.ID, true, "", 0, created); err != nil {
		t.Fatal(err)
	}
	return u
}

func testLabApplyDecide(t *testing.T, s LabStore) {
	ctx := t.Context()
	lab, other := unique("NICE"), unique("NFF")
	ann := mustCreate(t, s, "ann", auth.Student)
	boss := mustCreate(t, s, "labboss", auth.Staff)
	if ok, err := s.LabMember(ctx, lab, ann.ID); err != nil || ok {
		t.Fatalf("before applying: member %v, %v", ok, err)
	}
	if _, err := s.LabMembership(ctx, lab, ann.ID); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("no membership: %v, want ErrNotFound", err)
	}
	if _, err := s.ApplyLab(ctx, booking.LabMember{Lab: lab, UserID: 1 << 40, Profile: labProfile("ghost")}); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("applying for no account: %v, want ErrNotFound", err)
	}
	m, err := s.ApplyLab(ctx, booking.LabMember{Lab: lab, UserID: ann.ID, Profile: labProfile("Ann 安"), Applied: created})
	if err != nil || m.Status != booking.MemberPending || m.Account != ann.Email || m.Profile.Name != "Ann 安" || !sameTime(m.Applied, created) {
		t.Fatalf("ApplyLab: %+v %v", m, err)
	}
	if ok, _ := s.LabMember(ctx, lab, ann.ID); ok {
		t.Error("a pending applicant is a member")
	}
	// Rejected, she applies again with another profile: pending again.
	if m, err := s.DecideLabMember(ctx, lab, ann.ID, false, "no supervisor's signature", boss.ID, created.Add(time.Hour)); err != nil ||
		m.Status != booking.MemberRejected || m.Note != "no supervisor's signature" || m.Decided == nil || m.DecidedBy != boss.ID {
		t.Fatalf("rejecting: %+v %v", m, err)
	}
	if _, err := s.DecideLabMember(ctx, lab, ann.ID, true, "", boss.ID, created); !errors.Is(err, booking.ErrNotPending) {
		t.Errorf("deciding a rejected membership: %v, want ErrNotPending", err)
	}
	p := labProfile("Ann 安")
	p.Supervisor = "Prof. Li"
	later := created.Add(2 * time.Hour)
	m, err = s.ApplyLab(ctx, booking.LabMember{Lab: lab, UserID: ann.ID, Profile: p, Applied: later})
	if err != nil || m.Status != booking.MemberPending || m.Profile.Supervisor != "Prof. Li" || !sameTime(m.Applied, later) {
		t.Fatalf("applying again: %+v %v", m, err)
	}
	pending, err := s.LabMembers(ctx, lab, booking.MemberPending, 0, 10)
	if err != nil || len(pending) != 1 || pending[0].UserID != ann.ID {
		t.Fatalf("pending members: %+v %v", pending, err)
	}
	if m, err := s.DecideLabMember(ctx, lab, ann.ID, true, "welcome", boss.ID, later.Add(time.Hour)); err != nil || m.Status != booking.MemberApproved {
		t.Fatalf("approving: %+v %v", m, err)
	}
	if ok, err := s.LabMember(ctx, lab, ann.ID); err != nil || !ok {
		t.Errorf("approved: member %v, %v", ok, err)
	}
	if ok, _ := s.LabMember(ctx, other, ann.ID); ok {
		t.Error("a member of one lab is a member of another")
	}
	if _, err := s.ApplyLab(ctx, booking.LabMember{Lab: lab, UserID: ann.ID, Profile: p, Applied: later}); !errors.Is(err, booking.ErrMemberAlready) {
		t.Errorf("applying when approved: %v, want ErrMemberAlready", err)
	}
	if got, _ := s.LabMembership(ctx, lab, ann.ID); got.Status != booking.MemberApproved {
		t.Errorf("the refused application changed the membership: %+v", got)
	}
	if ps, _ := s.LabMembers(ctx, lab, booking.MemberPending, 0, 10); len(ps) != 0 {
		t.Errorf("pending after approval: %+v", ps)
	}
	// Her own list, and the lab's, paged.
	if _, err := s.ApplyLab(ctx, booking.LabMember{Lab: other, UserID: ann.ID, Profile: p, Applied: later}); err != nil {
		t.Fatal(err)
	}
	mine, err := s.UserLabMemberships(ctx, ann.ID)
	byLab := map[string]string{}
	for _, m := range mine {
		byLab[m.Lab] = m.Status
	}
	if err != nil || len(mine) != 2 || mine[0].Lab > mine[1].Lab || byLab[lab] != booking.MemberApproved || byLab[other] != booking.MemberPending {
		t.Errorf("her memberships: %+v %v", mine, err)
	}
	var ids []int64
	for i := range 3 {
		u := mustCreate(t, s, fmt.Sprint("m", i), auth.Staff)
		ids = append(ids, u.ID)
		if _, err := s.ApplyLab(ctx, booking.LabMember{Lab: lab, UserID: u.ID, Profile: labProfile("m"), Applied: later}); err != nil {
			t.Fatal(err)
		}
	}
	first, _ := s.LabMembers(ctx, lab, "", 0, 2)
	rest, _ := s.LabMembers(ctx, lab, "", first[len(first)-1].UserID, 10)
	if len(first) != 2 || first[0].UserID != ids[2] || len(rest) != 2 || rest[0].UserID != ids[0] || rest[1].UserID != ann.ID {
		t.Errorf("pages of members: %+v then %+v", first, rest)
	}
	// Both decisions are in the audit log, about her, with the lab.
	es, err := s.AuditEntries(ctx, audit.Query{Subject: ann.Email, Kind: booking.AuditLabMember})
	if err != nil || len(es) != 2 {
		t.Fatalf("audit entries: %+v %v", es, err)
	}
	if es[0].Decision != audit.Approve || es[1].Decision != audit.Reject || es[1].Reason != "no supervisor's signature" ||
		es[0].Actor != boss.ID || es[0].Place != lab {
		t.Errorf("audit entries: %+v", es)
	}
}

func testLabSamples(t *testing.T, s LabStore) {
	ctx := t.Context()
	lab := unique("NFF")
	ann := approvedMember(t, s, lab, "ann")
	bo := approvedMember(t, s, lab, "bo")
	stranger := mustCreate(t, s, "stranger", auth.Staff)
	if _, err := s.AddSample(ctx, booking.Sample{Lab: lab, UserID: stranger.ID, What: "wafer", Count: 1, Service: "SEM"}); !errors.Is(err, booking.ErrNotMember) {
		t.Errorf("a sample from no member: %v, want ErrNotMember", err)
	}
	pending := mustCreate(t, s, "pending", auth.Student)
	s.ApplyLab(ctx, booking.LabMember{Lab: lab, UserID: pending.ID, Profile: labProfile("p")})
	if _, err := s.AddSample(ctx, booking.Sample{Lab: lab, UserID: pending.ID, What: "wafer", Count: 1, Service: "SEM"}); !errors.Is(err, booking.ErrNotMember) {
		t.Errorf("a sample from a pending applicant: %v, want ErrNotMember", err)
	}
	a, err := s.AddSample(ctx, booking.Sample{Lab: lab, UserID: ann.ID, What: "GaN wafer 氮化镓", Count: 3, Service: "XRD", Note: "fragile", Created: created})
	if err != nil || a.ID == 0 || a.Status != booking.SampleSubmitted || a.Account != ann.Email || !sameTime(a.Updated, created) {
		t.Fatalf("AddSample: %+v %v", a, err)
	}
	b, err := s.AddSample(ctx, booking.Sample{Lab: lab, UserID: bo.ID, What: "powder", Count: 1, Service: "SEM"})
	if err != nil {
		t.Fatal(err)
	}
	// Forward only, one step or more; the same status again is not forward.
	if _, err := s.MoveSample(ctx, lab, a.ID, booking.SampleSubmitted, created); !errors.Is(err, booking.ErrBackwards) {
		t.Errorf("submitted again: %v, want ErrBackwards", err)
	}
	at := created.Add(time.Hour)
	if m, err := s.MoveSample(ctx, lab, a.ID, booking.SampleReceived, at); err != nil || m.Status != booking.SampleReceived || !sameTime(m.Updated, at) {
		t.Fatalf("received: %+v %v", m, err)
	}
	if _, err := s.MoveSample(ctx, lab, a.ID, booking.SampleDone, at); err != nil {
		t.Errorf("received to done: %v", err)
	}
	if _, err := s.MoveSample(ctx, lab, a.ID, booking.SampleInProgress, at); !errors.Is(err, booking.ErrBackwards) {
		t.Errorf("done back to in progress: %v, want ErrBackwards", err)
	}
	if _, err := s.MoveSample(ctx, unique("NICE"), a.ID, booking.SampleReturned, at); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("moving a sample of another lab: %v, want ErrNotFound", err)
	}
	if _, err := s.MoveSample(ctx, lab, a.ID, "lost", at); !errors.Is(err, booking.ErrInvalid) {
		t.Errorf("no such status: %v, want ErrInvalid", err)
	}
	// Lists: hers, everyone's, by status, paged newest first.
	mine, err := s.Samples(ctx, lab, ann.ID, "", 0, 10)
	if err != nil || len(mine) != 1 || mine[0].ID != a.ID || mine[0].Status != booking.SampleDone || mine[0].Count != 3 || mine[0].Note != "fragile" {
		t.Errorf("her samples: %+v %v", mine, err)
	}
	all, _ := s.Samples(ctx, lab, 0, "", 0, 10)
	if len(all) != 2 || all[0].ID != b.ID || all[1].ID != a.ID {
		t.Errorf("the lab's samples: %+v", all)
	}
	if page, _ := s.Samples(ctx, lab, 0, "", b.ID, 10); len(page) != 1 || page[0].ID != a.ID {
		t.Errorf("the page after %d: %+v", b.ID, page)
	}
	if sub, _ := s.Samples(ctx, lab, 0, booking.SampleSubmitted, 0, 10); len(sub) != 1 || sub[0].ID != b.ID {
		t.Errorf("submitted samples: %+v", sub)
	}
}

// testLabSamplesBound: a person's open samples stop at MaxOpenSamples,
// whatever runs at once; returned ones make room.
func testLabSamplesBound(t *testing.T, s LabStore) {
	ctx := t.Context()
	lab := unique("NICE")
	ann := approvedMember(t, s, lab, "ann")
	n := booking.MaxOpenSamples + 10
	won := race(t, "AddSample", n, booking.ErrTooManySamples, func(i int) error {
		_, err := s.AddSample(ctx, booking.Sample{Lab: lab, UserID: ann.ID, What: fmt.Sprint("vial ", i), Count: 1, Service: "NMR"})
		return err
	})
	if won != booking.MaxOpenSamples {
		t.Fatalf("%d samples stored of %d at once, want %d", won, n, booking.MaxOpenSamples)
	}
	ss, _ := s.Samples(ctx, lab, ann.ID, "", 0, 100)
	if _, err := s.MoveSample(ctx, lab, ss[0].ID, booking.SampleReturned, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSample(ctx, booking.Sample{Lab: lab, UserID: ann.ID, What: "one more", Count: 1, Service: "NMR"}); err != nil {
		t.Errorf("after one came back: %v", err)
	}
	if _, err := s.AddSample(ctx, booking.Sample{Lab: lab, UserID: ann.ID, What: "and another", Count: 1, Service: "NMR"}); !errors.Is(err, booking.ErrTooManySamples) {
		t.Errorf("over the bound again: %v, want ErrTooManySamples", err)
	}
}
