package visitor

import (
	"context"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

// Job is work for the outbox (a text message, a webhook's delivery, a
// mail), written in the transaction of the change that causes it.
type Job struct {
	Kind string
	Args any
}

// Create says how a visit is stored: the bounds are counted at Now (the
// visits not over by then), and Jobs and Audit, when set, are the outbox
// jobs and audit entries written with it (given the visit with its id).
type Create struct {
	Now   time.Time
	Jobs  func(Visit) []Job
	Audit func(Visit) []audit.Entry
}

// Change is a change of a visit asked of the store: Apply moves the
// visit it is given (locked, as it stands) or refuses with an error;
// Jobs and Audit, when set, are written with the change.
type Change struct {
	Apply func(v *Visit) error
	Jobs  func(Visit) []Job
	Audit func(Visit) []audit.Entry
}

// Query asks for visits, newest first: a visitor's (VisitorID) or a
// host's (HostID), of a status ("" any), below the id Before, at most
// Limit.
type Query struct {
	VisitorID int64
	HostID    int64
	Status    string
	Before    int64
	Limit     int
}

// Summary is a host's home: visits awaiting their decision, approved
// visits today (Shanghai) and from now on, open invitations.
type Summary struct {
	Pending         int `json:"pending"`
	Today           int `json:"today"`
	Upcoming        int `json:"upcoming"`
	OpenInvitations int `json:"open_invitations"`
}

// Day is one day of a host's calendar: its visits by status.
type Day struct {
	Date     string `json:"date"`
	Pending  int    `json:"pending"`
	Approved int    `json:"approved"`
	People   int    `json:"people"`
}

// Imported is one visit of an import as the store took it: created
// (Visit, with its id), or a duplicate of an earlier row of the same
// import (DuplicateRow, from 0) or of a visit already kept (Existing).
type Imported struct {
	Visit        Visit
	DuplicateRow int // -1: none
	Existing     int64
}

// Store keeps visits, invitations and the watchlist.
type Store interface {
	// Key is the named secret kept in the store, made from fresh at the
	// first call (the ID numbers' HMAC key): every replica reads the
	// same.
	Key(ctx context.Context, name string, fresh []byte) ([]byte, error)
	// UserByEmail is an account and its password hash; auth.ErrNotFound.
	UserByEmail(ctx context.Context, email string) (auth.User, string, error)

	// CreateVisit stores a new visit with its people, unless its
	// visitor has MaxPendingPerVisitor pending (ErrTooManyPending) or
	// MaxUpcomingPerVisitor open ones not over (ErrTooManyUpcoming), its
	// host MaxUpcomingPerHost (ErrHostFull), or the campus MaxUpcoming
	// (ErrFull).
	CreateVisit(ctx context.Context, v Visit, c Create) (Visit, error)
	// Visit is a visit with its people; ErrNoVisit.
	Visit(ctx context.Context, id int64) (Visit, error)
	// Visits lists visits with their people (see Query).
	Visits(ctx context.Context, q Query) ([]Visit, error)
	// ChangeVisit applies ch to visit id, locked, in one transaction
	// with its jobs and audit entries; ErrNoVisit.
	ChangeVisit(ctx context.Context, id int64, ch Change) (Visit, error)
	// HostSummary counts host's visits and invitations at now; the day
	// is [dayStart, dayEnd).
	HostSummary(ctx context.Context, hostID int64, now, dayStart, dayEnd time.Time) (Summary, error)
	// HostCalendar counts host's pending and approved visits by date,
	// for dates from first to last (YYYY-MM-DD, inclusive), days with
	// visits only, in date order.
	HostCalendar(ctx context.Context, hostID int64, first, last string) ([]Day, error)
	// ActiveVisits are visitorID's approved visits whose window holds
	// at and that have a meeting place.
	ActiveVisits(ctx context.Context, visitorID int64, at time.Time) ([]ActiveVisit, error)
	// Hosted reports whether hostID has an approved visit of
	// visitorID.
	Hosted(ctx context.Context, hostID, visitorID int64) (bool, error)

	// ImportVisits stores the visits of an import in one transaction:
	// each visit's account is its Visitor ("tel:+86...", made a
	// visitor's account if there is none); a visit whose person (ID
	// hash) has an open visit on its date already, kept or earlier in
	// vs, is reported, not created. The host's and the campus's bounds
	// hold for the visits created (ErrHostFull, ErrFull). dryRun rolls
	// everything back and answers what would have been. The answer is
	// in the order of vs.
	ImportVisits(ctx context.Context, vs []Visit, c Create, dryRun bool) ([]Imported, error)

	// PurgeVisits deletes the names, phones and ID hashes of the people
	// of visits whose window ended before t, and their plates (marking
	// them purged), and the names and phones of invitations that ended
	// before t, at most limit visits a call; it says how many visits.
	PurgeVisits(ctx context.Context, t time.Time, limit int) (int, error)

	InvitationStore
	WatchStore
	GateStore
}

// Bounds reached.
var (
	ErrTooManyPending = &Error{Kind: ErrConflict, Code: "too_many_pending",
		En: "you have too many visits awaiting a decision already", Zh: "您待审批的访客预约过多"}
	ErrTooManyUpcoming = &Error{Kind: ErrConflict, Code: "too_many_upcoming",
		En: "you have too many upcoming visits already", Zh: "您即将到来的访客预约过多"}
	ErrHostFull = &Error{Kind: ErrConflict, Code: "host_full", Field: "host",
		En: "the host has too many upcoming visits", Zh: "该接待人即将到来的访客预约过多"}
	ErrFull = &Error{Kind: ErrConflict, Code: "full",
		En: "the campus takes no more visits for now; try again later", Zh: "校园暂不接受更多访客预约，请稍后再试"}
)
