// Package visitor owns visits to the campus: a visitor's own
// registration (signed in by phone), a host's invitations, the host's
// approval (or an external office workflow's, through a signed webhook),
// batch import by a host, the watchlist security keeps, the decisions at
// the gates for visitors (a visitor pass, an ID number, a car's plate:
// services/access asks this package through access.Visitors), who is on
// campus now, the meeting place that opens the host's building on the
// visitor's map for the visit's window (ActiveVisits), and the deletion
// of visitors' personal data a while after their visit. ID numbers are
// kept only as a keyed hash (HMAC-SHA256 under a key kept in the store);
// times are told in Asia/Shanghai. The package declares the store it
// needs (Store); services/store keeps it on both engines and
// services/storetest checks it.
package visitor

import (
	"errors"
	"fmt"
	"time"

	"github.com/campusnav/engine/services"
)

// Statuses of a visit.
const (
	Pending   = "pending"
	Approved  = "approved"
	Rejected  = "rejected"
	Withdrawn = "withdrawn"
)

// Sources of a visit.
const (
	SourceSelf       = "self"       // the visitor registered it
	SourceInvitation = "invitation" // the visitor accepted a host's invitation
	SourceImport     = "import"     // a host imported it
)

// Modes of coming.
const (
	Foot = "foot"
	Car  = "car"
)

// Types of visit.
var Types = []string{"business", "academic", "interview", "personal", "delivery", "other"}

// Bounds. Visitors are strangers: what they make the server keep is
// bounded per visitor, per host and in total.
const (
	MaxPeople             = 10      // people of one visit
	MaxPendingPerVisitor  = 5       // visits of one visitor awaiting a decision
	MaxUpcomingPerVisitor = 10      // visits of one visitor pending or approved, not yet over
	MaxUpcomingPerHost    = 2000    // visits to one host pending or approved, not yet over
	MaxUpcoming           = 200_000 // visits pending or approved, not yet over, in all
	MaxOpenInvitations    = 200     // open invitations of one host
	MaxOpenInvitationsAll = 100_000 // open invitations in all
	MaxWatchlist          = 10_000  // watchlist entries in all
	MaxAhead              = 30      // days ahead a visit may be registered
	MaxReason             = 200     // characters of a reason
	MaxName               = 50      // characters of a person's name
	MaxNote               = 500     // characters of a decision's note
	MaxImportRows         = 1000    // rows of one import
)

// EntryMargin is how long before a visit's window a gate lets its
// visitors in, and how long after it still does.
const EntryMargin = 30 * time.Minute

// OnsiteFor is how long after entering a visitor who never passed an
// exit reader is still listed as on campus.
const OnsiteFor = 24 * time.Hour

// DefaultKeepDays is how many days after a visit its people's names,
// phones and ID hashes (and its plate) are deleted, unless configured.
const DefaultKeepDays = 180

// Shanghai is the zone days and windows are told in.
var Shanghai = func() *time.Location {
	if z, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return z
	}
	return time.FixedZone("Asia/Shanghai", 8*3600)
}()

// Person is one of the people of a visit. IDHash is the keyed hash of
// their ID number (nil once purged).
type Person struct {
	N       int // from 0, in the order given
	Name    string
	Phone   string // E.164, "" for none
	IDHash  []byte
	IDKind  string // IDPRC or IDPassport
	Entered *time.Time
	Left    *time.Time
	Gate    string // the reader they last entered by
}

// Kinds of ID number.
const (
	IDPRC      = "prc"      // a resident identity card of the PRC: 18 characters with a checksum
	IDPassport = "passport" // a passport or a travel permit
)

// Place is where a visit meets: a building of the venue (its IMDF id)
// and optionally a room in it, as the host named them (Ref: "C1",
// "C1-201").
type Place struct {
	Ref      string
	Building string
	Unit     string
}

// Visit is one visit.
type Visit struct {
	ID           int64
	VisitorID    int64
	Visitor      string // the visitor's account (tel:+86...)
	HostID       int64
	Host         string // the host's email
	Type         string
	Reason       string
	Date         string    // YYYY-MM-DD, Shanghai
	From, To     time.Time // the window
	People       []Person
	Mode         string
	Plate        string // normalized; "" for none
	Place        Place
	Status       string
	Source       string
	InvitationID int64
	Note         string
	DecidedBy    int64 // 0: none, or the external workflow
	Decided      *time.Time
	Created      time.Time
	Lang         string
	Purged       bool // its people's personal data deleted
}

// Open reports whether a visit still counts against the bounds: pending
// or approved.
func Open(status string) bool { return status == Pending || status == Approved }

// ActiveVisit is an approved visit whose window holds a time, with the
// host's place: what opens the host's building on the visitor's map.
type ActiveVisit struct {
	ID       int64
	Building string // IMDF building id
	Unit     string // optional room id the host named
	From, To time.Time
}

// Errors of visits.
var (
	ErrInvalid   = errors.New("visitor: invalid")
	ErrNotFound  = errors.New("visitor: not found")
	ErrConflict  = errors.New("visitor: conflict")
	ErrForbidden = errors.New("visitor: not allowed")
	// ErrSignature is a webhook callback whose signature or timestamp
	// does not hold.
	ErrSignature = errors.New("visitor: bad signature")

	ErrNoVisit = &Error{Kind: ErrNotFound, En: "no such visit", Zh: "没有该访客预约"}
	// ErrRefused is the neutral answer to a visitor the watchlist
	// refuses: it says nothing of the list.
	ErrRefused = &Error{Kind: ErrForbidden, Code: "not_accepted",
		En: "this visit cannot be registered; please contact your host", Zh: "无法登记该访客预约，请联系您的接待人"}
)

// Error is a request refused, naming why for a client (Code) and the
// field at fault, in English and Simplified Chinese.
type Error = services.Refusal

func refuse(kind error, code, field, en, zh string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Field: field, En: fmt.Sprintf(en, args...), Zh: fmt.Sprintf(zh, args...)}
}

func invalid(field, en, zh string, args ...any) *Error {
	return refuse(ErrInvalid, "", field, en, zh, args...)
}
