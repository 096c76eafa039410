package visitor

import (
	"context"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// Register files visit d of visitor u (signed in by phone), in language
// lang: it awaits its host's decision (or the external workflow's).
func (s *Service) Register(ctx context.Context, u auth.User, d Details, lang string) (Visit, error) {
	if err := mayRegister(u); err != nil {
		return Visit{}, err
	}
	now := s.now()
	v, ps, err := s.details(ctx, d, now)
	if err != nil {
		return Visit{}, err
	}
	h, err := s.host(ctx, d.Host)
	if err != nil {
		return Visit{}, err
	}
	if h.ID == u.ID {
		return Visit{}, invalid("host", "you cannot host your own visit", "不能接待自己的来访")
	}
	v.VisitorID, v.Visitor, v.HostID, v.Host = u.ID, u.Email, h.ID, h.Email
	v.Status, v.Source, v.Lang, v.Created = Pending, SourceSelf, lang, now
	if v.People, err = s.hashPeople(ctx, ps); err != nil {
		return Visit{}, err
	}
	return s.create(ctx, u, v, now)
}

// details checks what is given of a visit (all but its host), into a
// visit and its people (their ID numbers not yet hashed).
func (s *Service) details(ctx context.Context, d Details, now time.Time) (Visit, []person, error) {
	var v Visit
	var err error
	if err := checkType(d.Type); err != nil {
		return Visit{}, nil, err
	}
	v.Type = d.Type
	if v.Reason, err = checkReason("reason", d.Reason); err != nil {
		return Visit{}, nil, err
	}
	if v.From, v.To, err = Window(d.Date, d.From, d.To, now); err != nil {
		return Visit{}, nil, err
	}
	v.Date = v.From.In(Shanghai).Format(time.DateOnly)
	ps, err := checkPeople(d.People)
	if err != nil {
		return Visit{}, nil, err
	}
	if v.Mode, v.Plate, err = checkMode(d.Mode, d.Plate); err != nil {
		return Visit{}, nil, err
	}
	if v.Place, err = s.places.resolve("place", d.Place); err != nil {
		return Visit{}, nil, err
	}
	return v, ps, nil
}

// create stores a visitor's own visit (registered or booked again),
// once the watchlist lets it through.
func (s *Service) create(ctx context.Context, u auth.User, v Visit, now time.Time) (Visit, error) {
	if err := s.screen(ctx, u, v, now); err != nil {
		return Visit{}, err
	}
	return s.st.CreateVisit(ctx, v, Create{Now: now, Jobs: s.submitted})
}

// Withdraw withdraws u's visit id, pending or approved and not over.
func (s *Service) Withdraw(ctx context.Context, u auth.User, id int64) (Visit, error) {
	now := s.now()
	return s.st.ChangeVisit(ctx, id, Change{Apply: func(v *Visit) error {
		if v.VisitorID != u.ID {
			return ErrNoVisit
		}
		if !Open(v.Status) || !v.To.After(now) {
			return &Error{Kind: ErrConflict, Code: "status", En: "a visit " + v.Status + ", or over, cannot be withdrawn",
				Zh: "已" + statusZh[v.Status] + "或已结束的预约不能撤回"}
		}
		v.Status = Withdrawn
		return nil
	}})
}

// Again books u's earlier visit id again on another date and window: the
// same host, people, mode and place; it awaits its host's decision.
func (s *Service) Again(ctx context.Context, u auth.User, id int64, date, from, to, lang string) (Visit, error) {
	if err := mayRegister(u); err != nil {
		return Visit{}, err
	}
	old, err := s.st.Visit(ctx, id)
	if err != nil {
		return Visit{}, err
	}
	if old.VisitorID != u.ID {
		return Visit{}, ErrNoVisit
	}
	if old.Purged {
		return Visit{}, refuse(ErrConflict, "purged", "", "the people of this visit were deleted with its personal data; register a new visit",
			"该预约的来访人员信息已随个人数据删除，请重新登记")
	}
	now := s.now()
	v := old
	if v.From, v.To, err = Window(date, from, to, now); err != nil {
		return Visit{}, err
	}
	v.Date = v.From.In(Shanghai).Format(time.DateOnly)
	v.ID, v.Status, v.Source, v.InvitationID, v.Note, v.DecidedBy, v.Decided = 0, Pending, SourceSelf, 0, "", 0, nil
	v.Created, v.Lang = now, lang
	for i := range v.People {
		v.People[i].Entered, v.People[i].Left, v.People[i].Gate = nil, nil, ""
	}
	if h, _, err := s.st.UserByEmail(ctx, v.Host); err != nil || h.Disabled || !IsHost(h.Role) {
		return Visit{}, invalid("host", "%s no longer hosts visitors", "%s 已不再接待访客", v.Host)
	}
	return s.create(ctx, u, v, now)
}

var statusZh = map[string]string{Pending: "待审批", Approved: "批准", Rejected: "拒绝", Withdrawn: "撤回"}
