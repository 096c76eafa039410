// Package repair owns repair tickets: faults reported by scenario
// category (categories.json, in English and Chinese), located by a unit
// the reporter names, a point, or their beacon scans (through a Locating
// the server is given: Locator, locate.go, the campus positioning engine
// under the asker's view), and a ticket's life from submitted to closed,
// every transition kept with who and when. A new report of an open fault
// (same category, same room; or, outside rooms, within DuplicateRadiusM
// on the same ordinal) is linked to the first as its duplicate. The
// package declares the store it needs (Store); services/store keeps it
// on both engines and services/storetest checks it.
package repair

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/mail"
)

// Statuses of a ticket, in the order of its life.
const (
	Submitted  = "submitted"
	Dispatched = "dispatched"
	InProgress = "in_progress"
	OnHold     = "on_hold"
	Completed  = "completed"
	Closed     = "closed"
)

// Open reports whether a ticket of status is still being worked on.
func Open(status string) bool { return status != Completed && status != Closed }

// Sources of a ticket's location.
const (
	SourceManual  = "manual"  // a unit the reporter named
	SourcePoint   = "point"   // a point the reporter gave
	SourceBeacons = "beacons" // located from the reporter's scans
)

// Bounds. Strangers report too: phone accounts of third parties.
const (
	MaxOpen          = 20   // open tickets a reporter may have at once
	MaxDescription   = 2000 // characters of a description
	MaxContact       = 100  // characters of a contact
	MaxNote          = 500  // characters of a reason, note, assignee or comment
	Window           = 7 * 24 * time.Hour
	DuplicateRadiusM = 15.0 // metres, for faults outside rooms
)

// Location is where a ticket's fault is.
type Location struct {
	Unit     string  `json:"unit"`
	Ref      string  `json:"ref"`
	Building string  `json:"building"`
	Level    string  `json:"-"`
	Floor    string  `json:"floor"`
	Ordinal  *int    `json:"ordinal"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	Source   string  `json:"source"`
	// Room says the fault is in a room, where its duplicates are
	// matched by the unit; else (a corridor, outdoors) by distance.
	Room bool `json:"-"`
}

// Event is one transition of a ticket: who moved it, when, from which
// status to which, and why.
type Event struct {
	At      time.Time
	ActorID int64 // 0: the system (the 7-day close)
	Actor   string
	From    string // "" for the report itself
	To      string
	Note    string
}

// Ticket is a reported fault.
type Ticket struct {
	ID          int64
	Number      string // R-2026-000123
	ReporterID  int64
	Reporter    string // the reporter's account
	Lang        string // the reporter's language when reporting: "en" or "zh"
	Category    string
	Description string
	Contact     string
	Location    Location
	Status      string
	Assignee    string
	DuplicateOf int64 // 0: none
	Personal    bool  // of a personal category: never a duplicate (at its creation only)
	Duplicates  int   // open reports linked to it (lists only)
	Created     time.Time
	Completed   *time.Time
	Stars       int // 0: not rated
	Comment     string
	History     []Event // oldest first (one ticket only)
	Photos      []Photo // without their bytes, oldest first (one ticket only)
}

// Query asks for tickets, newest first: a reporter's (ReporterID), or
// the desk's (originals only, with their count of duplicates), filtered
// by status ("open": any open one), category (a parent takes its
// children) and building, below the id Before, at most Limit.
type Query struct {
	ReporterID int64
	Status     string
	Category   string
	Building   string
	Before     int64
	Limit      int
}

// Change is one transition asked of the store: Apply moves the ticket it
// is given (locked, as it stands) and says the event, or refuses with an
// error; Follow, when set, is the status the ticket's open duplicates
// take with it; Mail, when set, is the message to a reporter (of the
// ticket or of its duplicates) with their account and language, or false
// for none (a phone account has no mailbox).
type Change struct {
	Apply  func(t *Ticket) (Event, error)
	Follow bool
	Mail   func(t Ticket, to, lang string) (mail.Message, bool)
	Audit  string // the audit log's kind
	// UnfreezeCard, on a change that completes a CampusCard ticket,
	// unfreezes its reporter's card if it is frozen (the card's own
	// unfreeze, with its audit entry), and says so in the history.
	UnfreezeCard bool
}

// CampusCard is the category of campus card faults; completing one
// unfreezes its reporter's frozen card.
const CampusCard = "it.campus_card"

// The history's note of a card unfrozen by a ticket's completion,
// followed by the card's number.
const (
	CardUnfrozenNote   = "campus card unfrozen:"
	CardUnfrozenNoteZh = "校园卡已解冻"
)

// Store keeps tickets.
type Store interface {
	// CreateTicket stores a new ticket and its first event, numbering
	// it in its year (Shanghai), linking it to an open ticket of the
	// same fault (see the package doc), unless its reporter has MaxOpen
	// open ones (ErrTooMany). Its audit entry is written with it.
	CreateTicket(ctx context.Context, t Ticket) (Ticket, error)
	// Ticket is a ticket with its history; ErrNotFound for none.
	Ticket(ctx context.Context, id int64) (Ticket, error)
	// Tickets lists tickets (see Query), without history.
	Tickets(ctx context.Context, q Query) ([]Ticket, error)
	// ChangeTicket applies ch to ticket id in one transaction with its
	// event, its audit entry and its mail; ErrNotFound for none.
	ChangeTicket(ctx context.Context, id int64, actorID int64, ch Change) (Ticket, error)
	// CompletedBefore lists the ids of completed tickets completed
	// before t, at most limit.
	CompletedBefore(ctx context.Context, t time.Time, limit int) ([]int64, error)
	// AddPhoto adds p to its ticket, locked, if may(ticket) allows it,
	// within MaxPhotos (ErrTooManyPhotos) and the uploader's
	// MaxPhotoBytesOpen (ErrPhotoBytes); a photo of the same SHA256 on
	// the ticket is answered instead, with added false.
	AddPhoto(ctx context.Context, p Photo, may func(Ticket) error) (Photo, bool, error)
	// Photo is photo pid of ticket id, with its bytes; ErrNoPhoto for
	// none.
	Photo(ctx context.Context, id, pid int64) (Photo, error)
	// PurgePhotos deletes the photos of closed tickets reported before
	// t, at most limit; it says how many.
	PurgePhotos(ctx context.Context, t time.Time, limit int) (int, error)
}

// Errors of repairs.
var (
	ErrInvalid   = errors.New("repair: invalid")
	ErrNotFound  = errors.New("repair: not found")
	ErrConflict  = errors.New("repair: conflict")
	ErrForbidden = errors.New("repair: not allowed")
	ErrTooMany   = &Error{Kind: ErrConflict, Code: "too_many_open",
		En: fmt.Sprintf("you have %d open repair tickets already", MaxOpen), Zh: fmt.Sprintf("您已有 %d 张未完成的报修单", MaxOpen)}
	// ErrNoTicket is a ticket that does not exist or is not the asker's
	// to see: a 404, never a 403.
	ErrNoTicket = &Error{Kind: ErrNotFound, Code: "", En: "no such repair ticket", Zh: "没有该报修单"}
)

// Error is a request refused, naming why for a client (Code) and the
// field at fault, in English and Simplified Chinese.
type Error = services.Refusal

func refuse(kind error, code, field, en, zh string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Field: field, En: fmt.Sprintf(en, args...), Zh: fmt.Sprintf(zh, args...)}
}

func isChinese(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "zh") }
