package visitor

import (
	"context"
	"slices"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

// Approval: a visitor's own registration awaits its host's decision, in
// the host's queue; or, when an external office workflow is configured
// (Options.Webhook), that workflow's (webhook.go), and the host's queue
// only shows it. An approved visit needs a meeting place: the one the
// visitor named, or the one the host names in approving.

// Decision is a host's (or the workflow's) decision: a note for the
// visitor, and where the visit meets ("" keeps the one it has).
type Decision struct {
	Note  string
	Place string
}

// Statuses lists the statuses of a visit.
var Statuses = []string{Pending, Approved, Rejected, Withdrawn}

// HostVisits is a page of host u's visits, of a status ("" any), newest
// first.
func (s *Service) HostVisits(ctx context.Context, u auth.User, status string, before int64, limit int) ([]Visit, error) {
	if err := mayHost(u); err != nil {
		return nil, err
	}
	if status != "" && !slices.Contains(Statuses, status) {
		return nil, invalid("status", "status %q is not pending, approved, rejected or withdrawn", "状态 %q 不是 pending、approved、rejected 或 withdrawn", status)
	}
	return s.st.Visits(ctx, Query{HostID: u.ID, Status: status, Before: before, Limit: limit})
}

// ErrExternal is a host deciding a visit the external workflow decides.
var ErrExternal = &Error{Kind: ErrConflict, Code: "external_approval",
	En: "visitors' registrations are decided by the office workflow, not here", Zh: "访客自行登记的预约由办公流程审批，不在此处审批"}

// Decide approves (or rejects) visit id as its host u decides.
func (s *Service) Decide(ctx context.Context, u auth.User, id int64, approve bool, d Decision) (Visit, error) {
	if err := mayHost(u); err != nil {
		return Visit{}, err
	}
	return s.decide(ctx, id, approve, d, u.ID, func(v *Visit) error {
		if v.HostID != u.ID {
			return ErrNoVisit
		}
		if s.webhook && v.Source == SourceSelf {
			return ErrExternal
		}
		return nil
	})
}

// decide moves pending visit id to approved or rejected as actor (0:
// the external workflow) decides, once may lets it; the visitor is
// texted, the decision audit logged.
func (s *Service) decide(ctx context.Context, id int64, approve bool, d Decision, actor int64, may func(*Visit) error) (Visit, error) {
	note, err := checkNote(d.Note)
	if err != nil {
		return Visit{}, err
	}
	place, err := s.places.resolve("place", d.Place)
	if err != nil {
		return Visit{}, err
	}
	now := s.now()
	decision := audit.Reject
	if approve {
		decision = audit.Approve
	}
	return s.st.ChangeVisit(ctx, id, Change{
		Apply: func(v *Visit) error {
			if err := may(v); err != nil {
				return err
			}
			if v.Status != Pending {
				return &Error{Kind: ErrConflict, Code: "status", En: "the visit is " + v.Status + ", not pending",
					Zh: "该预约已" + statusZh[v.Status] + "，不是待审批状态"}
			}
			if !v.To.After(now) {
				return refuse(ErrConflict, "over", "", "the visit's window is over", "该预约的时段已结束")
			}
			if place.Building != "" {
				v.Place = place
			}
			if approve && v.Place.Building == "" {
				return invalid("place", "place, where the visit meets (a building like C1 or a room like C1-201), is required to approve it",
					"批准前需要填写会面地点 place（楼栋如 C1，或房间如 C1-201）")
			}
			v.Status, v.Note, v.DecidedBy, v.Decided = Rejected, note, actor, &now
			if approve {
				v.Status = Approved
			}
			return nil
		},
		Jobs: s.tellVisitor,
		Audit: func(v Visit) []audit.Entry {
			return []audit.Entry{decisionEntry(v, now, actor, decision, note)}
		},
	})
}

// Summary is host u's home: pending decisions, today's and upcoming
// approved visits, open invitations.
func (s *Service) Summary(ctx context.Context, u auth.User) (Summary, error) {
	if err := mayHost(u); err != nil {
		return Summary{}, err
	}
	now := s.now()
	l := now.In(Shanghai)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, Shanghai)
	return s.st.HostSummary(ctx, u.ID, now, day, day.AddDate(0, 0, 1))
}

// Calendar is host u's visits by day in month ("2026-12"; "" this
// month), days with visits only.
func (s *Service) Calendar(ctx context.Context, u auth.User, month string) (string, []Day, error) {
	if err := mayHost(u); err != nil {
		return "", nil, err
	}
	var m time.Time
	if month == "" {
		l := s.now().In(Shanghai)
		m = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, Shanghai)
	} else {
		var err error
		if m, err = time.ParseInLocation("2006-01", month, Shanghai); err != nil || m.Year() < 2000 || m.Year() > 2200 {
			return "", nil, invalid("month", "month %q is not a month (2026-12)", "月份 %q 无效（应如 2026-12）", month)
		}
	}
	last := m.AddDate(0, 1, -1)
	days, err := s.st.HostCalendar(ctx, u.ID, m.Format(time.DateOnly), last.Format(time.DateOnly))
	return m.Format("2006-01"), days, err
}
