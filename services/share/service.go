package share

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/auth"
)

// The socket's tickets: a browser cannot set headers on a WebSocket, so
// a signed-in client asks for a ticket and opens the socket with it.
const (
	TicketTTL           = 30 * time.Second
	MaxTicketsPerPerson = 5
	MaxTickets          = 20_000
)

// ErrTooManyTickets is a person asking for tickets faster than they use
// them.
var ErrTooManyTickets = tooMany("too_many_tickets", "", "you have %d unused tickets: use one or wait 30 s", "您有 %d 张未使用的票据：请使用或等待 30 秒", MaxTicketsPerPerson)

// Service is live sharing's requests: shares, groups, alerts, tickets.
type Service struct {
	v       *geo.Venue
	st      Store
	now     func() time.Time
	invited func(ctx context.Context, host, guest int64) (bool, error)
	zone    *time.Location
	changed func()
	limits  auth.State
}

// Options tune a Service.
type Options struct {
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Invited reports whether host invited guest (a visitor) to the
	// campus: they may share with each other. nil: nobody did.
	Invited func(ctx context.Context, host, guest int64) (bool, error)
	// Limits keeps the token buckets that bound how fast a person may
	// try invite codes (JoinLimit), shared by every replica (the store's
	// sign-in state). nil: no bound.
	Limits auth.State
}

// shanghai is the zone times are told in.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// New is the sharing service over the venue v, kept in st.
func New(v *geo.Venue, st Store, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{v: v, st: st, now: o.Now, invited: o.Invited, zone: shanghai, changed: func() {}, limits: o.Limits}
}

// OnChange sets what is called after a request changed who sees a share
// (the hub's Kick: this process reads the change log at once rather than
// at its next poll).
func (s *Service) OnChange(f func()) { s.changed = f }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Store is the service's store.
func (s *Service) Store() Store { return s.st }

// public reports whether a role is a stranger's: visitors and tourists
// share only with people who invited them or are in a group with them.
func public(r auth.Role) bool { return r == auth.Visitor || r == auth.Tourist }

// Request asks for a share: With (an email) or Group, for Minutes (0:
// DefaultMinutes), with History kept or not.
type Request struct {
	With    string
	Group   int64
	Minutes int
	History bool
}

// Create starts a share by u.
func (s *Service) Create(ctx context.Context, u auth.User, r Request) (View, error) {
	r.With = strings.ToLower(strings.TrimSpace(r.With))
	if en, zh := services.TextProblem(r.With); en != "" {
		return View{}, &Error{Kind: ErrInvalid, Field: "with", En: "with " + en, Zh: "with " + zh}
	}
	switch {
	case (r.With == "") == (r.Group == 0):
		return View{}, refuse(ErrInvalid, "", "with", "share with exactly one of with (an email) and group (an id)", "请仅用 with（邮箱）或 group（群组编号）之一指定共享对象")
	case r.Group < 0:
		return View{}, refuse(ErrInvalid, "", "group", "group %d is not an id", "group %d 不是有效编号", r.Group)
	case r.Minutes == 0:
		r.Minutes = DefaultMinutes
	}
	if r.Minutes < 1 || r.Minutes > MaxMinutes {
		return View{}, refuse(ErrInvalid, "", "minutes", "minutes is %d: from 1 to %d (24 hours)", "minutes 为 %d：应在 1 到 %d（24 小时）之间", r.Minutes, MaxMinutes)
	}
	now := s.now()
	sh := Share{SharerID: u.ID, Sharer: u.Email, Status: Active, History: r.History, Created: now,
		Ends: now.Add(time.Duration(r.Minutes) * time.Minute), GroupID: r.Group}
	if r.With != "" {
		to, err := s.st.ShareAccount(ctx, r.With)
		if err != nil {
			return View{}, err
		}
		if to.ID == u.ID {
			return View{}, refuse(ErrInvalid, "", "with", "you cannot share with yourself", "不能与自己共享")
		}
		if err := s.mayPair(ctx, u, to); err != nil {
			return View{}, err
		}
		sh.WithID, sh.With, sh.Status = to.ID, to.Email, Pending
	}
	sh, err := s.st.CreateShare(ctx, sh)
	if err != nil {
		return View{}, err
	}
	s.changed()
	return s.view(sh, u.ID), nil
}

// mayPair refuses a person share between a visitor or tourist and
// someone who did not invite them and is in no group with them.
func (s *Service) mayPair(ctx context.Context, a, b auth.User) error {
	if !public(a.Role) && !public(b.Role) {
		return nil
	}
	same, err := s.st.SameGroup(ctx, a.ID, b.ID)
	if err != nil || same {
		return err
	}
	if s.invited != nil {
		for _, p := range [][2]auth.User{{a, b}, {b, a}} {
			if !public(p[0].Role) && public(p[1].Role) {
				ok, err := s.invited(ctx, p[0].ID, p[1].ID)
				if err != nil || ok {
					return err
				}
			}
		}
	}
	return refuse(ErrForbidden, "not_invited", "with", "visitors and tourists share only with people who invited them or are in a group with them",
		"访客和游客只能与邀请他们的人或同一群组的成员共享位置")
}

// Get is share id as u sees it: theirs, or shown to them.
func (s *Service) Get(ctx context.Context, u auth.User, id int64) (View, error) {
	sh, err := s.visible(ctx, u, id)
	if err != nil {
		return View{}, err
	}
	return s.view(sh, u.ID), nil
}

// visible is live share id if u shares it or is shown it.
func (s *Service) visible(ctx context.Context, u auth.User, id int64) (Share, error) {
	sh, err := s.st.Share(ctx, id)
	if err != nil {
		return Share{}, err
	}
	now := s.now()
	if !sh.Live(now) {
		return Share{}, ErrNoShare
	}
	if sh.SharerID == u.ID || sh.WithID == u.ID {
		return sh, nil
	}
	if sh.GroupID != 0 && sh.Status == Active {
		vs, err := s.st.ShareViewers(ctx, id, now)
		if err != nil {
			return Share{}, err
		}
		for _, v := range vs {
			if v.ID == u.ID {
				return sh, nil
			}
		}
	}
	return Share{}, ErrNoShare
}

// List lists u's live shares and those shown to them, newest first.
func (s *Service) List(ctx context.Context, u auth.User, before int64, limit int) ([]View, error) {
	shs, err := s.st.Shares(ctx, u.ID, s.now(), before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]View, len(shs))
	for i, sh := range shs {
		out[i] = s.view(sh, u.ID)
	}
	return out, nil
}

// Accept accepts share id, shown to u.
func (s *Service) Accept(ctx context.Context, u auth.User, id int64) (View, error) {
	sh, err := s.st.AcceptShare(ctx, id, u.ID, s.now())
	if err != nil {
		return View{}, err
	}
	s.changed()
	return s.view(sh, u.ID), nil
}

// SetHistory turns the history of share id, u's, on or off: from now
// on its locations are kept (GET /shares/{id}/track) or are not, and
// what was kept is deleted.
func (s *Service) SetHistory(ctx context.Context, u auth.User, id int64, on bool) (View, error) {
	sh, err := s.st.SetHistory(ctx, id, u.ID, on, s.now())
	if err != nil {
		return View{}, err
	}
	s.changed()
	return s.view(sh, u.ID), nil
}

// End ends share id, u's or shown to u as a person.
func (s *Service) End(ctx context.Context, u auth.User, id int64) error {
	if _, err := s.st.EndShare(ctx, id, u.ID, s.now()); err != nil {
		return err
	}
	s.changed()
	return nil
}

// NewGroup makes a group owned by u, with a fresh invite code.
func (s *Service) NewGroup(ctx context.Context, u auth.User, name string) (GroupView, error) {
	name = strings.TrimSpace(name)
	if en, zh := services.TextProblem(name); en != "" {
		return GroupView{}, &Error{Kind: ErrInvalid, Field: "name", En: "name " + en, Zh: "name " + zh}
	}
	if n := utf8.RuneCountInString(name); n == 0 || n > MaxName {
		return GroupView{}, refuse(ErrInvalid, "", "name", "name is %d characters: from 1 to %d", "name 有 %d 个字符：应为 1 到 %d 个", n, MaxName)
	}
	var g Group
	var err error
	for range 3 { // a code taken already: 2^-50 a try
		g, err = s.st.CreateGroup(ctx, Group{Name: name, OwnerID: u.ID, Owner: u.Email, Code: newCode(), Created: s.now()})
		if err == nil || !errors.Is(err, ErrConflict) {
			break
		}
	}
	if err != nil {
		return GroupView{}, err
	}
	return s.groupView(g, u.ID), nil
}

// codeAlphabet spells invite codes: no 0/O or 1/I to confuse.
var codeEncoding = base32.NewEncoding("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").WithPadding(base32.NoPadding)

// CodeLen is the characters of an invite code: 50 random bits.
const CodeLen = 10

// newCode is a fresh invite code.
func newCode() string {
	b := make([]byte, 7)
	rand.Read(b)
	return codeEncoding.EncodeToString(b)[:CodeLen]
}

// NormalizeCode is an invite code as typed, in the form it is kept.
func NormalizeCode(code string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
}

// Groups lists u's groups.
func (s *Service) Groups(ctx context.Context, u auth.User) ([]GroupView, error) {
	gs, err := s.st.Groups(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]GroupView, len(gs))
	for i, g := range gs {
		out[i] = s.groupView(g, u.ID)
	}
	return out, nil
}

// JoinLimit bounds how fast a person may try invite codes, right or
// wrong: a code is 10 of 31 letters and digits, and this keeps guessing
// one hopeless (20 an hour, whatever the replica).
var JoinLimit = auth.Limit{N: 20, Per: time.Hour}

// maxJoinBuckets bounds the buckets JoinLimit keeps (the least recently
// used go first: auth's limiter explains why that is safe).
const maxJoinBuckets = 1 << 14

// ErrTooManyJoins is a person past JoinLimit.
var ErrTooManyJoins = refuse(ErrLimited, "too_many_joins", "code", "you tried %d invite codes within an hour: try again later",
	"您一小时内已尝试 %d 个邀请码：请稍后再试", JoinLimit.N)

// Join adds u to the group of an invite code.
func (s *Service) Join(ctx context.Context, u auth.User, code string) (GroupView, error) {
	code = NormalizeCode(code)
	if len(code) != CodeLen || strings.Trim(code, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789") != "" {
		return GroupView{}, refuse(ErrInvalid, "", "code", "an invite code is %d letters and digits", "邀请码为 %d 位字母和数字", CodeLen)
	}
	if s.limits != nil {
		b := auth.Bucket{Kind: "group-join", Key: strconv.FormatInt(u.ID, 10), Limit: JoinLimit, Max: maxJoinBuckets}
		if ok, err := s.limits.Attempt(ctx, b, s.now()); err != nil {
			return GroupView{}, err
		} else if !ok {
			return GroupView{}, ErrTooManyJoins
		}
	}
	g, err := s.st.JoinGroup(ctx, code, u.ID, s.now())
	if err != nil {
		return GroupView{}, err
	}
	s.changed()
	return s.groupView(g, u.ID), nil
}

// Leave takes u out of group id.
func (s *Service) Leave(ctx context.Context, u auth.User, id int64) error {
	if err := s.st.LeaveGroup(ctx, id, u.ID, s.now()); err != nil {
		return err
	}
	s.changed()
	return nil
}

// Remove takes member out of group id, owned by u.
func (s *Service) Remove(ctx context.Context, u auth.User, id, member int64) error {
	if err := s.st.RemoveMember(ctx, id, u.ID, member, s.now()); err != nil {
		return err
	}
	s.changed()
	return nil
}

// NewTicket is a single-use ticket for u's socket, valid TicketTTL.
func (s *Service) NewTicket(ctx context.Context, u auth.User) (string, time.Time, error) {
	b := make([]byte, 24)
	rand.Read(b)
	ticket := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
	now := s.now()
	expires := now.Add(TicketTTL)
	if err := s.st.NewTicket(ctx, ticketHash(ticket), u.ID, now, expires); err != nil {
		return "", time.Time{}, err
	}
	return ticket, expires.In(s.zone), nil
}

// Redeem uses a ticket: its account.
func (s *Service) Redeem(ctx context.Context, ticket string) (auth.User, error) {
	if ticket == "" || len(ticket) > 100 {
		return auth.User{}, ErrNoTicket
	}
	return s.st.RedeemTicket(ctx, ticketHash(ticket), s.now())
}

func ticketHash(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}
