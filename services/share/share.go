// Package share owns live location sharing: a person's choice to show
// their live location to one person (who accepts it first) or to a
// group's members at the time, for at most MaxMinutes; groups joined by
// an invite code; the arrival alerts viewers ask for; and the Hub that
// fans each sharer's location out to the viewers connected to this
// process, each as their own role may see it (geo.View.See: a sharer in
// a dormitory, or in a building the viewer may not see inside, reaches
// them as that building seen from outside). Locations live in memory,
// the last one per share, unless the sharer turns history on for a share
// (kept in the store until the share ends). What crosses processes goes
// through a Bus (an in-process one here); the store's change log
// (Changes) tells every process of the changes made anywhere (a share
// revoked, a member gone, an account disabled). The package declares the
// store it needs (Store); services/store keeps it on both engines and
// services/storetest checks it.
package share

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/services"
)

// Statuses of a share.
const (
	Pending = "pending" // to a person who has not accepted it yet
	Active  = "active"
	Ended   = "ended"
)

// Bounds: anything a person can make the server keep.
const (
	DefaultMinutes = 60      // a share's length when none is asked
	MaxMinutes     = 24 * 60 // a share's longest length
	// MaxSharesPerPerson is how many live (pending or active) shares one
	// sharer may have at once.
	MaxSharesPerPerson = 20
	// MaxPendingPerPerson is how many shares may wait for one person's
	// acceptance at once.
	MaxPendingPerPerson = 20
	// MaxShares is how many live shares there may be in all.
	MaxShares = 200_000
	// MaxGroupsOwned is how many groups one person may own, MaxGroupsJoined
	// how many they may be a member of (their own too), MaxMembers the
	// members of a group (its owner too), MaxGroups the groups in all.
	MaxGroupsOwned  = 10
	MaxGroupsJoined = 30
	MaxMembers      = 50
	MaxGroups       = 100_000
	// MaxName is the characters of a group's name.
	MaxName = 60
	// MaxAlertsPerViewer is how many arrival alerts one viewer may have
	// set on all the shares they see; MaxAlerts in all.
	MaxAlertsPerViewer = 20
	MaxAlerts          = 200_000
	// MaxAlertEventsPerViewer is how many fired alerts are kept for one
	// viewer to be told on connecting (their alerts bound them in all).
	MaxAlertEventsPerViewer = 50
	// MaxMissedAlerts is the most a socket is told on connecting.
	MaxMissedAlerts = MaxAlertEventsPerViewer
	// MaxTrackPoints is the most points a share's history keeps (a point
	// every TrackEvery for 24 hours), the oldest dropped first.
	MaxTrackPoints = 8640
	// TrackEvery is the least time between two points of a history.
	TrackEvery = 10 * time.Second
)

// Person is someone in a share: an account's id and the name others see
// (NameOf its account).
type Person struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// NameOf is the name others see of an account: the part of an email
// before the @, or a phone number with all but its last four digits
// hidden ("+86 ••• 4567"): sharing a location is not sharing a phone
// number.
func NameOf(account string) string {
	if phone, ok := strings.CutPrefix(account, "tel:"); ok {
		if len(phone) <= 4 {
			return "•••"
		}
		cc := ""
		if strings.HasPrefix(phone, "+86") {
			cc = "+86 "
		}
		return cc + "••• " + phone[len(phone)-4:]
	}
	if at := strings.IndexByte(account, '@'); at > 0 {
		return account[:at]
	}
	return account
}

// Share is a share as the store keeps it.
type Share struct {
	ID       int64
	SharerID int64
	Sharer   string // the sharer's account
	WithID   int64  // the person shown to; 0 for a group
	With     string // their account
	GroupID  int64  // the group shown to; 0 for a person
	Group    string // its name
	Status   string
	History  bool
	Created  time.Time
	Ends     time.Time
	Accepted *time.Time
	Ended    *time.Time
}

// Live reports whether s still shows (or may show, once accepted) a
// location at now.
func (s Share) Live(now time.Time) bool { return s.Status != Ended && now.Before(s.Ends) }

// Showing reports whether s shows its sharer's location at now.
func (s Share) Showing(now time.Time) bool { return s.Status == Active && now.Before(s.Ends) }

// Group is a group of people who may share with each other.
type Group struct {
	ID      int64
	Name    string
	OwnerID int64
	Owner   string
	Code    string
	Created time.Time
	Members []Member // by the time they joined
}

// Member is a member of a group.
type Member struct {
	ID      int64
	Account string
	Role    string
	Joined  time.Time
}

// Alert is a viewer's arrival alert on a share: tell them when its
// sharer enters (On "enter") or leaves ("leave") the place (a building,
// level or unit id).
type Alert struct {
	ID       int64
	ShareID  int64
	ViewerID int64
	Place    string
	On       string
	Created  time.Time
}

// AlertEvent is an alert that fired: kept (at most
// MaxAlertEventsPerViewer a viewer, while its alert lives) so that a
// viewer who was not connected is told when they connect again.
type AlertEvent struct {
	ID       int64 // 0 when it could not be kept
	AlertID  int64
	ShareID  int64
	ViewerID int64
	Place    string
	Event    string // Enter or Leave
	At       time.Time
}

// Point is a point of a share's history: where the sharer was, as staff
// see it (so nothing inside a dormitory is kept), told again to each
// asker as their role sees it.
type Point struct {
	ID        int64
	At        time.Time
	Lon, Lat  float64
	Ordinal   *int
	Level     string // "" outdoors or seen from outside
	Building  string // the building seen from outside, when Level is ""
	AccuracyM float64
}

// Change is a row of the store's change log: a share whose state or
// viewers changed (ShareID), or an account disabled (UserID).
type Change struct {
	ID      int64
	ShareID int64
	UserID  int64
}

// Errors of sharing.
var (
	ErrInvalid   = errors.New("share: invalid")
	ErrNotFound  = errors.New("share: not found")
	ErrConflict  = errors.New("share: conflict")
	ErrForbidden = errors.New("share: not allowed")
	ErrTooMany   = errors.New("share: too many")
	// ErrLimited is a person trying too fast (a 429).
	ErrLimited = errors.New("share: too many attempts")
	// ErrUnauthorized is a socket opened without a valid ticket.
	ErrUnauthorized = errors.New("share: no valid ticket")

	// ErrNoShare is a share that does not exist, has ended, or is not
	// the asker's to see: a 404, never a 403.
	ErrNoShare = &Error{Kind: ErrNotFound, En: "no such live share", Zh: "没有该实时共享"}
	// ErrNoGroup is a group that does not exist or that the asker is not
	// in.
	ErrNoGroup = &Error{Kind: ErrNotFound, En: "no such group", Zh: "没有该群组"}
	// ErrNoCode is an invite code that names no group.
	ErrNoCode = &Error{Kind: ErrNotFound, Field: "code", En: "no group has this invite code", Zh: "没有使用此邀请码的群组"}
	// ErrNoPerson is an account to share with that does not exist.
	ErrNoPerson = &Error{Kind: ErrNotFound, Field: "with", En: "no account has this email", Zh: "没有使用此邮箱的账号"}
	// ErrNotSharer is a change only the sharer may make, asked by the
	// person the share is to.
	ErrNotSharer = &Error{Kind: ErrForbidden, Code: "not_sharer", En: "only the sharer may change this", Zh: "仅共享者可以更改此项"}
	// ErrNoTicket is a ticket that is unknown, used or expired.
	ErrNoTicket = &Error{Kind: ErrUnauthorized, Code: "ticket", Field: "ticket", En: "the ticket is unknown, used or expired: ask for a new one",
		Zh: "票据无效、已使用或已过期：请重新申请"}
)

// Error is a request refused, naming why for a client (Code) and the
// field at fault, in English and Simplified Chinese.
type Error = services.Refusal

func refuse(kind error, code, field, en, zh string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Field: field, En: fmt.Sprintf(en, args...), Zh: fmt.Sprintf(zh, args...)}
}

// tooMany is the error of a bound reached.
func tooMany(code, field, en, zh string, n int) *Error {
	return refuse(ErrTooMany, code, field, en, zh, n)
}

// The errors of the bounds, which the store returns.
var (
	ErrTooManyShares  = tooMany("too_many_shares", "", "you have %d live shares already", "您已有 %d 个进行中的共享", MaxSharesPerPerson)
	ErrTooManyPending = tooMany("too_many_pending", "with", "%d shares wait for this person's acceptance already", "已有 %d 个共享等待此人接受", MaxPendingPerPerson)
	ErrSharesFull     = tooMany("shares_full", "", "the server holds %d live shares: try later", "服务器已有 %d 个共享：请稍后再试", MaxShares)
	ErrTooManyOwned   = tooMany("too_many_groups", "", "you own %d groups already", "您已创建 %d 个群组", MaxGroupsOwned)
	ErrTooManyJoined  = tooMany("too_many_groups", "", "you are in %d groups already", "您已加入 %d 个群组", MaxGroupsJoined)
	ErrGroupFull      = tooMany("group_full", "code", "the group has %d members already", "该群组已有 %d 名成员", MaxMembers)
	ErrGroupsFull     = tooMany("groups_full", "", "the server holds %d groups: try later", "服务器已有 %d 个群组：请稍后再试", MaxGroups)
	ErrTooManyAlerts  = tooMany("too_many_alerts", "", "you have %d alerts already", "您已设置 %d 个提醒", MaxAlertsPerViewer)
	ErrAlertsFull     = tooMany("alerts_full", "", "the server holds %d alerts: try later", "服务器已有 %d 个提醒：请稍后再试", MaxAlerts)
)
