package visitor

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

// Invitations: a host (staff or student) invites a visitor by name and
// phone for a day and window, naming where they meet; the visitor gets a
// text message with a link holding the invitation's code (128 random
// bits, kept only as its SHA-256: unguessable), signs in by phone with
// that same number and completes the details; the visit is then
// approved, since the host asked for it. A code is single use and
// expires at the end of the visit's window, or InvitationTTL after it
// was made, whichever comes first.

// Statuses of an invitation ("expired" is an open one past its time).
const (
	InvitationOpen      = "open"
	InvitationAccepted  = "accepted"
	InvitationWithdrawn = "withdrawn"
	InvitationExpired   = "expired"
)

// InvitationTTL is the longest an invitation's code may be used.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation is a host's invitation.
type Invitation struct {
	ID       int64
	HostID   int64
	Host     string
	CodeHash []byte
	Name     string
	Phone    string
	Type     string
	Reason   string
	Date     string
	From, To time.Time
	Place    Place
	Status   string
	Expires  time.Time
	VisitID  int64 // the visit made of it, 0 for none
	Created  time.Time
	Purged   bool
}

// InvitationChange is a change of an invitation asked of the store:
// Apply moves it (locked) and the visit made of it (nil for none, locked
// too); Jobs and Audit are written with the change.
type InvitationChange struct {
	Apply func(inv *Invitation, v *Visit) error
	Jobs  func(inv Invitation, v *Visit) []Job
	Audit func(inv Invitation, v *Visit) []audit.Entry
}

// InvitationStore keeps invitations.
type InvitationStore interface {
	// CreateInvitation stores a new invitation (with its jobs), unless
	// its host has MaxOpenInvitations open ones not expired at now
	// (ErrTooManyInvitations), or the campus MaxOpenInvitationsAll
	// (ErrFull).
	CreateInvitation(ctx context.Context, inv Invitation, now time.Time, jobs func(Invitation) []Job) (Invitation, error)
	// Invitations lists host's invitations, newest first, below the id
	// before, at most limit.
	Invitations(ctx context.Context, hostID, before int64, limit int) ([]Invitation, error)
	// AcceptInvitation locks the invitation whose code hashes to
	// codeHash (ErrNoInvitation for none) and asks accept for the visit
	// to make of it; the visit is stored (as CreateVisit, its visitor's
	// bounds counted) and the invitation marked accepted, in one
	// transaction.
	AcceptInvitation(ctx context.Context, codeHash []byte, accept func(Invitation) (Visit, Create, error)) (Visit, error)
	// ChangeInvitation applies ch to host's invitation id;
	// ErrNoInvitation for none of that host's.
	ChangeInvitation(ctx context.Context, id, hostID int64, ch InvitationChange) (Invitation, error)
}

// Errors of invitations.
var (
	ErrNoInvitation       = &Error{Kind: ErrNotFound, En: "no such invitation", Zh: "没有该邀请"}
	ErrTooManyInvitations = &Error{Kind: ErrConflict, Code: "too_many_invitations",
		En: fmt.Sprintf("you have %d open invitations already", MaxOpenInvitations), Zh: fmt.Sprintf("您已有 %d 份未使用的邀请", MaxOpenInvitations)}
)

// InvitationRequest is what a host gives of an invitation.
type InvitationRequest struct {
	Name   string
	Phone  string
	Type   string // default business
	Date   string
	From   string
	To     string
	Reason string
	Place  string // required: where the visit meets, a building (C1) or a room (C1-201)
}

// Invited is a new invitation with its code, given once, and the link
// the visitor is sent.
type Invited struct {
	Invitation Invitation
	Code       string
	URL        string
}

// mayHost is an account that may host: a staff member or a student.
func mayHost(u auth.User) error {
	if !IsHost(u.Role) {
		return refuse(ErrForbidden, "", "", "only staff and students host visitors", "只有教职工和学生可以接待访客")
	}
	return nil
}

// codeHash is what the store keeps of an invitation's code.
func codeHash(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}

// inviteLink is the link an invitation's text message holds.
func (s *Service) inviteLink(code string) string {
	return s.link + "/?invitation=" + code
}

// Invite makes host u's invitation and texts its link to the visitor
// (through the outbox, in the invitation's transaction).
func (s *Service) Invite(ctx context.Context, u auth.User, r InvitationRequest) (Invited, error) {
	if err := mayHost(u); err != nil {
		return Invited{}, err
	}
	now := s.now()
	inv := Invitation{HostID: u.ID, Host: u.Email, Status: InvitationOpen, Created: now, Type: r.Type}
	var err error
	if inv.Name, err = checkName("name", r.Name); err != nil {
		return Invited{}, err
	}
	if strings.TrimSpace(r.Phone) == "" {
		return Invited{}, invalid("phone", "phone, the visitor's mobile number, is required", "需要填写访客的手机号码 phone")
	}
	if inv.Phone, err = CheckPhone("phone", r.Phone); err != nil {
		return Invited{}, err
	}
	if inv.Type == "" {
		inv.Type = "business"
	}
	if err := checkType(inv.Type); err != nil {
		return Invited{}, err
	}
	if inv.Reason, err = checkReason("reason", r.Reason); err != nil {
		return Invited{}, err
	}
	if inv.From, inv.To, err = Window(r.Date, r.From, r.To, now); err != nil {
		return Invited{}, err
	}
	inv.Date = inv.From.In(Shanghai).Format(time.DateOnly)
	if strings.TrimSpace(r.Place) == "" {
		return Invited{}, invalid("place", "place, where you meet (a building like C1 or a room like C1-201), is required",
			"需要填写会面地点 place（楼栋如 C1，或房间如 C1-201）")
	}
	if inv.Place, err = s.places.resolve("place", r.Place); err != nil {
		return Invited{}, err
	}
	inv.Expires = inv.To
	if e := now.Add(InvitationTTL); e.Before(inv.Expires) {
		inv.Expires = e
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return Invited{}, fmt.Errorf("visitor: no randomness for an invitation: %w", err)
	}
	code := base64.RawURLEncoding.EncodeToString(b)
	inv.CodeHash = codeHash(code)
	link := s.inviteLink(code)
	inv, err = s.st.CreateInvitation(ctx, inv, now, func(inv Invitation) []Job {
		return []Job{textJob(inv.Phone, invitationText(inv, link))}
	})
	if err != nil {
		return Invited{}, err
	}
	return Invited{Invitation: inv, Code: code, URL: link}, nil
}

// Invitations is a page of host u's invitations, newest first.
func (s *Service) Invitations(ctx context.Context, u auth.User, before int64, limit int) ([]Invitation, error) {
	if err := mayHost(u); err != nil {
		return nil, err
	}
	return s.st.Invitations(ctx, u.ID, before, limit)
}

// Acceptance is what a visitor completes of an invitation: the people
// coming (the first is the one invited) and how they come.
type Acceptance struct {
	People []PersonInput
	Mode   string
	Plate  string
}

// Accept completes invitation code for visitor u, signed in by phone
// with the number invited: the visit is approved.
func (s *Service) Accept(ctx context.Context, u auth.User, code string, a Acceptance, lang string) (Visit, error) {
	if err := mayRegister(u); err != nil {
		return Visit{}, err
	}
	if code == "" || len(code) > 64 {
		return Visit{}, ErrNoInvitation
	}
	ps, err := checkPeople(a.People)
	if err != nil {
		return Visit{}, err
	}
	mode, plate, err := checkMode(a.Mode, a.Plate)
	if err != nil {
		return Visit{}, err
	}
	people, err := s.hashPeople(ctx, ps)
	if err != nil {
		return Visit{}, err
	}
	now := s.now()
	// The watchlist is asked inside the store's transaction (a read);
	// a match is recorded once it is over (a write of its own).
	var hit *Watch
	var hitVisit Visit
	v, err := s.st.AcceptInvitation(ctx, codeHash(code), func(inv Invitation) (Visit, Create, error) {
		switch {
		case inv.Status == InvitationAccepted:
			return Visit{}, Create{}, refuse(ErrConflict, "used", "", "this invitation was used already", "该邀请已被使用")
		case inv.Status == InvitationWithdrawn:
			return Visit{}, Create{}, refuse(ErrConflict, "withdrawn", "", "the host withdrew this invitation", "接待人已撤回该邀请")
		case !now.Before(inv.Expires):
			return Visit{}, Create{}, refuse(ErrConflict, "expired", "", "this invitation has expired", "该邀请已过期")
		case phoneOf(u) != inv.Phone:
			return Visit{}, Create{}, refuse(ErrForbidden, "wrong_phone", "", "sign in with the phone number the invitation was sent to",
				"请使用收到邀请的手机号码登录")
		}
		v := Visit{VisitorID: u.ID, Visitor: u.Email, HostID: inv.HostID, Host: inv.Host, Type: inv.Type, Reason: inv.Reason, Date: inv.Date,
			From: inv.From, To: inv.To, People: people, Mode: mode, Plate: plate, Place: inv.Place, Status: Approved,
			Source: SourceInvitation, InvitationID: inv.ID, DecidedBy: inv.HostID, Decided: &now, Created: now, Lang: lang}
		ws, err := s.st.WatchMatch(ctx, watchKeys(v))
		if err != nil {
			return Visit{}, Create{}, err
		}
		if len(ws) > 0 {
			hit, hitVisit = &ws[0], v
			return Visit{}, Create{}, ErrRefused
		}
		return v, Create{Now: now, Audit: func(v Visit) []audit.Entry {
			return []audit.Entry{decisionEntry(v, now, inv.HostID, audit.Approve, "invitation accepted")}
		}}, nil
	})
	if hit != nil {
		return Visit{}, s.refused(ctx, u, hitVisit, *hit, now)
	}
	return v, err
}

// WithdrawInvitation withdraws host u's invitation id: an open one is
// withdrawn; one accepted withdraws its visit too, unless that is over,
// and the visitor is told.
func (s *Service) WithdrawInvitation(ctx context.Context, u auth.User, id int64) (Invitation, error) {
	if err := mayHost(u); err != nil {
		return Invitation{}, err
	}
	now := s.now()
	return s.st.ChangeInvitation(ctx, id, u.ID, InvitationChange{
		Apply: func(inv *Invitation, v *Visit) error {
			switch {
			case inv.Status == InvitationWithdrawn:
				return refuse(ErrConflict, "status", "", "this invitation was withdrawn already", "该邀请已撤回")
			case inv.Status == InvitationOpen && !now.Before(inv.Expires):
				return refuse(ErrConflict, "status", "", "this invitation has expired", "该邀请已过期")
			case inv.Status == InvitationAccepted && (v == nil || !Open(v.Status) || !v.To.After(now)):
				return refuse(ErrConflict, "status", "", "this invitation's visit is over or withdrawn", "该邀请对应的来访已结束或已撤回")
			}
			inv.Status = InvitationWithdrawn
			if v != nil {
				v.Status, v.Note, v.DecidedBy, v.Decided = Withdrawn, "withdrawn by the host", u.ID, &now
			}
			return nil
		},
		Jobs: func(inv Invitation, v *Visit) []Job {
			if v == nil {
				return nil
			}
			return s.tellVisitor(*v)
		},
		Audit: func(inv Invitation, v *Visit) []audit.Entry {
			if v == nil {
				return nil
			}
			return []audit.Entry{decisionEntry(*v, now, u.ID, audit.Revoke, "invitation withdrawn")}
		},
	})
}

// InvitationView is an invitation as its host reads it (never its
// code).
type InvitationView struct {
	ID        int64      `json:"id"`
	Status    string     `json:"status"`
	Name      string     `json:"name"`
	Phone     string     `json:"phone"`
	Type      string     `json:"type"`
	Reason    string     `json:"reason"`
	Date      string     `json:"date"`
	From      string     `json:"from"`
	To        string     `json:"to"`
	Place     *PlaceView `json:"place"`
	ExpiresAt time.Time  `json:"expires_at"`
	Visit     *int64     `json:"visit"`
	CreatedAt time.Time  `json:"created_at"`
}

// InvitationView is inv as its host reads it at now.
func (s *Service) InvitationView(inv Invitation) InvitationView {
	w := InvitationView{ID: inv.ID, Status: inv.Status, Name: inv.Name, Phone: inv.Phone, Type: inv.Type, Reason: inv.Reason, Date: inv.Date,
		From: local(inv.From).Format("15:04"), To: local(inv.To).Format("15:04"), ExpiresAt: local(inv.Expires), CreatedAt: local(inv.Created)}
	if w.Status == InvitationOpen && !s.now().Before(inv.Expires) {
		w.Status = InvitationExpired
	}
	if inv.Place.Building != "" {
		w.Place = &PlaceView{Ref: inv.Place.Ref, Building: inv.Place.Building, Unit: inv.Place.Unit}
	}
	if inv.VisitID != 0 {
		id := inv.VisitID
		w.Visit = &id
	}
	return w
}
