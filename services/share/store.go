package share

import (
	"context"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// AuditViewed is the audit log's kind of a viewer's first sight of a
// share's location: once per share per viewer, never per message.
const AuditViewed = "live_viewed"

// Viewer is a person a share shows its location to.
type Viewer struct {
	ID      int64
	Account string
	Role    auth.Role
}

// Viewed is a viewer's sight of a share's location, for the audit log.
type Viewed struct {
	ShareID  int64
	ViewerID int64
	At       time.Time
}

// Store keeps shares, groups, alerts, histories, the socket's tickets and
// the change log. Every change to who sees a share (created active,
// accepted, ended, a member joining, leaving or removed, an account
// disabled) writes its rows of the change log in the same transaction.
// A share whose end has passed is not live, whether or not EndExpired
// has run.
type Store interface {
	// ShareAccount is the enabled account of email; ErrNoPerson.
	ShareAccount(ctx context.Context, email string) (auth.User, error)
	// SameGroup reports whether a and b are members of one group.
	SameGroup(ctx context.Context, a, b int64) (bool, error)
	// CreateShare stores a new share as it is given (pending to a
	// person, active to a group), within MaxSharesPerPerson of its
	// sharer (ErrTooManyShares), MaxPendingPerPerson of the person
	// (ErrTooManyPending) and MaxShares (ErrSharesFull); a share to a
	// group its sharer is not a member of is ErrNoGroup.
	CreateShare(ctx context.Context, s Share) (Share, error)
	// Share is share id, whatever its state; ErrNoShare for none.
	Share(ctx context.Context, id int64) (Share, error)
	// Shares lists the live shares by userID or shown to them (a person
	// share to them, pending too; a group share of a group they are in,
	// not their own), newest first, below the id before, at most limit.
	Shares(ctx context.Context, userID int64, now time.Time, before int64, limit int) ([]Share, error)
	// AcceptShare makes pending share id, to userID, active; ErrNoShare
	// for a share that is not live or not to them; an active one is
	// answered as it is.
	AcceptShare(ctx context.Context, id, userID int64, now time.Time) (Share, error)
	// EndShare ends live share id, by its sharer or the person it is to,
	// and deletes its history and alerts; ErrNoShare otherwise.
	EndShare(ctx context.Context, id, userID int64, now time.Time) (Share, error)
	// SetHistory turns the history of live share id on or off, asked by
	// sharerID (ErrNotSharer for the person it is to, ErrNoShare for
	// anyone else); off deletes the points kept. The change log names
	// the share, so every hub keeps points, or stops, at once.
	SetHistory(ctx context.Context, id, sharerID int64, on bool, now time.Time) (Share, error)
	// ShareViewers are the people share id shows its location to at
	// now: none unless it is active and live.
	ShareViewers(ctx context.Context, id int64, now time.Time) ([]Viewer, error)
	// LiveShares lists the active live shares userID shares or is shown.
	LiveShares(ctx context.Context, userID int64, now time.Time) ([]Share, error)

	// CreateGroup stores a new group with its owner as its first member,
	// within MaxGroupsOwned, MaxGroupsJoined and MaxGroups; ErrConflict
	// if its code is taken.
	CreateGroup(ctx context.Context, g Group) (Group, error)
	// Group is group id with its members; ErrNoGroup for none.
	Group(ctx context.Context, id int64) (Group, error)
	// Groups lists the groups userID is a member of, with their members.
	Groups(ctx context.Context, userID int64) ([]Group, error)
	// JoinGroup adds userID to the group of code (ErrNoCode), within
	// MaxMembers (ErrGroupFull) and MaxGroupsJoined; a member already is
	// answered the group.
	JoinGroup(ctx context.Context, code string, userID int64, now time.Time) (Group, error)
	// LeaveGroup takes userID out of group id (ErrNoGroup if they are
	// not in it) and ends their shares to it; the owner leaving closes
	// the group, ending all its shares.
	LeaveGroup(ctx context.Context, id, userID int64, now time.Time) error
	// RemoveMember is LeaveGroup of member, asked by the group's owner
	// (ErrForbidden for anyone else; the owner removes themself by
	// leaving).
	RemoveMember(ctx context.Context, id, ownerID, member int64, now time.Time) error

	// AddPoint adds p to the history of share id, dropping its oldest
	// beyond MaxTrackPoints.
	AddPoint(ctx context.Context, id int64, p Point) error
	// Track lists share id's history, oldest first, after the point id
	// after, at most limit.
	Track(ctx context.Context, id int64, after int64, limit int) ([]Point, error)
	// AddAlert stores a, within MaxAlertsPerViewer (ErrTooManyAlerts)
	// and MaxAlerts; the same alert again is answered as it is.
	AddAlert(ctx context.Context, a Alert) (Alert, error)
	// Alerts lists the alerts on share id.
	Alerts(ctx context.Context, id int64) ([]Alert, error)

	// AddAlertEvent keeps an event of alert e.AlertID, once: the same
	// alert at the same time again is answered the one kept (processes
	// that both watched it agree). The viewer's oldest beyond
	// MaxAlertEventsPerViewer are dropped. An alert gone (its share
	// ended) keeps nothing: ID 0, no error.
	AddAlertEvent(ctx context.Context, e AlertEvent) (AlertEvent, error)
	// AlertEvents lists viewerID's kept events after the id after,
	// oldest first, at most limit.
	AlertEvents(ctx context.Context, viewerID, after int64, limit int) ([]AlertEvent, error)

	// NewTicket stores a socket ticket by its hash, for userID, until
	// expires, within MaxTicketsPerPerson (ErrTooManyTickets) and
	// MaxTickets, forgetting the expired ones.
	NewTicket(ctx context.Context, hash string, userID int64, now, expires time.Time) error
	// RedeemTicket uses a ticket once: its account, if it has not
	// expired and is not disabled; ErrNoTicket otherwise.
	RedeemTicket(ctx context.Context, hash string, now time.Time) (auth.User, error)

	// Changes lists the change log after id after, oldest first, at most
	// limit; LastChange is the newest's id (0 for none).
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
	LastChange(ctx context.Context) (int64, error)
	// RecordViews records each viewer's first sight of a share, with
	// its audit entry; sights recorded already are skipped.
	RecordViews(ctx context.Context, vs []Viewed) error
	// EndExpired ends the shares whose end passed before now (deleting
	// their histories and alerts, with their change rows), at most
	// limit, and forgets expired tickets and the change log older than
	// keep; it says how many shares it ended.
	EndExpired(ctx context.Context, now time.Time, keep time.Duration, limit int) (int, error)
}
