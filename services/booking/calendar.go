package booking

// Calendars: a person's bookings, courses and counselling appointments as
// an iCalendar feed (RFC 5545) at a secret URL that a calendar app
// subscribes to. The URL's secret is the only credential (calendar apps
// cannot sign in), so it is long and random, the store keeps only its
// hash (auth.HashToken, as for sessions), a new one replaces the old, and
// revoking it ends the feed at once. Each kind of item comes from a
// Source; the feed is the events of every source, written with
// github.com/arran4/golang-ical.

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// The window of a feed, around the moment it is asked for, and the most
// events it lists. A person's bookings are bounded by the rules of their
// spaces, courses by their enrolments: 500 items in 210 days is more than
// anyone has. When there are more, the feed keeps those that start
// last: what is ahead matters more than what is past.
const (
	FeedPast      = 30 * 24 * time.Hour
	FeedAhead     = 180 * 24 * time.Hour
	MaxFeedEvents = 500
)

// FeedRefresh is how often a feed asks calendar apps to fetch it again
// (REFRESH-INTERVAL, RFC 7986, and X-PUBLISHED-TTL): apps may fetch less
// often (Google Calendar does), never more.
const FeedRefresh = time.Hour

// Statuses of an event: the STATUS of a VEVENT. A pending booking is
// tentative; a cancelled or released one, or a cancelled enrolment or
// appointment, is cancelled: it stays in the feed so that calendar apps
// that kept it mark it so, rather than wonder.
const (
	EventConfirmed = "CONFIRMED"
	EventTentative = "TENTATIVE"
	EventCancelled = "CANCELLED"
)

// Event is an item of a person's calendar, as a source gives it. Texts
// are in English ("en") and Simplified Chinese ("zh-Hans"): the feed
// writes SUMMARY and LOCATION in the language it is asked for and adds
// the other language to DESCRIPTION.
type Event struct {
	// UID names the item for good, across changes and feeds: EventUID
	// ("booking-12@campusnav").
	UID        string
	Start, End time.Time
	Status     string // EventConfirmed, EventTentative or EventCancelled
	Summary    geo.Labels
	// Notes are more about the item (the space's kind, its state), for
	// DESCRIPTION; may be empty.
	Notes geo.Labels
	// Space is where the item takes place (nil: nowhere in particular):
	// LOCATION is its place and its room's name ("C3, 6/F, 607 (Meeting
	// Room 607)", SpaceLocation) unless Location says otherwise, GEO its
	// room's point.
	Space    *Space
	Location geo.Labels
	// Private items (counselling) are CLASS:PRIVATE: a calendar shared
	// onwards shows them busy, without their text.
	Private bool
	// Sequence counts the item's changes (SEQUENCE), Modified is when it
	// last changed (LAST-MODIFIED, and DTSTAMP: RFC 5545 makes DTSTAMP of
	// an object without METHOD the time it was last revised), Created
	// when it was made (CREATED). Calendar apps that keep a copy replace
	// it when these move. Zero Modified: Created.
	Sequence          int
	Created, Modified time.Time
}

// EventUID is the UID of the item of a kind ("booking", "course",
// "appointment") and id: "booking-12@campusnav".
func EventUID(kind string, id int64) string {
	return kind + "-" + strconv.FormatInt(id, 10) + "@campusnav"
}

// Source gives a person's items of one kind as events: those that
// overlap [from, to), cancelled ones included, at most MaxFeedEvents of
// them (the latest-starting when there are more).
type Source interface {
	Events(ctx context.Context, userID int64, from, to time.Time) ([]Event, error)
}

// Revised is a booking with what calendar apps need to notice that it
// changed.
type Revised struct {
	Booking
	Revision int       // its changes since it was made: moves, its end
	Revised  time.Time // when it last changed; Created if never
}

// BookingFeed is what the bookings' source reads; the store keeps it.
type BookingFeed interface {
	// CalendarBookings are userID's bookings of any status that overlap
	// [from, to): the latest-starting limit of them, by start.
	CalendarBookings(ctx context.Context, userID int64, from, to time.Time, limit int) ([]Revised, error)
}

// CalendarStore keeps each person's feed by the hash of its secret: one
// feed a person at most, so feeds are bounded by accounts.
// services/storetest checks an implementation.
type CalendarStore interface {
	// SetCalendarFeed makes secretHash the secret of userID's feed,
	// replacing any other at once; ErrNotFound for no such account.
	SetCalendarFeed(ctx context.Context, userID int64, secretHash string, created time.Time) error
	// CalendarFeedUser is the account whose feed's secret has hash
	// secretHash; ErrNotFound for none (never made, replaced, revoked),
	// or when the account is disabled.
	CalendarFeedUser(ctx context.Context, secretHash string) (int64, error)
	// DeleteCalendarFeed revokes userID's feed; no error if there is none.
	DeleteCalendarFeed(ctx context.Context, userID int64) error
}

// Calendars makes, serves and revokes people's calendar feeds.
type Calendars struct {
	Store CalendarStore
	// Sources give the events: one line each (bookings, courses,
	// counselling appointments).
	Sources []Source
	// Now is the clock of the feeds' windows; nil: time.Now.
	Now func() time.Time
}

// feedSecretLen is the bytes of a feed's secret, as of a session token:
// 256 random bits, 43 characters of base64url.
const feedSecretLen = 32

// ErrNoFeed is the answer for a feed secret that names no feed: unknown,
// replaced or revoked (ErrNotFound).
var ErrNoFeed = fmt.Errorf("%w (calendar feed)", ErrNotFound)

func (c *Calendars) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// NewFeed makes a new secret for userID's feed, replacing any other:
// the old URL answers nothing from then on. The secret is answered once
// and kept only hashed.
func (c *Calendars) NewFeed(ctx context.Context, userID int64) (string, error) {
	raw := make([]byte, feedSecretLen)
	rand.Read(raw) // crypto/rand does not fail
	secret := base64.RawURLEncoding.EncodeToString(raw)
	if err := c.Store.SetCalendarFeed(ctx, userID, auth.HashToken(secret), c.now()); err != nil {
		return "", err
	}
	return secret, nil
}

// RevokeFeed ends userID's feed at once; no error if there is none.
func (c *Calendars) RevokeFeed(ctx context.Context, userID int64) error {
	return c.Store.DeleteCalendarFeed(ctx, userID)
}

// validSecret reports whether s has the shape NewFeed gives secrets: what
// has not is refused without asking the store.
func validSecret(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == feedSecretLen
}

// FeedUser is the account whose feed secret is secret; ErrNoFeed.
func (c *Calendars) FeedUser(ctx context.Context, secret string) (int64, error) {
	if !validSecret(secret) {
		return 0, ErrNoFeed
	}
	id, err := c.Store.CalendarFeedUser(ctx, auth.HashToken(secret))
	if errors.Is(err, ErrNotFound) {
		return 0, ErrNoFeed
	}
	return id, err
}

// Feed is the iCalendar feed of secret, its texts in lang ("en", "zh");
// ErrNoFeed.
func (c *Calendars) Feed(ctx context.Context, secret, lang string) ([]byte, error) {
	id, err := c.FeedUser(ctx, secret)
	if err != nil {
		return nil, err
	}
	now := c.now()
	evs, err := c.Events(ctx, id, now.Add(-FeedPast), now.Add(FeedAhead))
	if err != nil {
		return nil, err
	}
	return ICS(evs, lang, now), nil
}

// Events are userID's events of every source overlapping [from, to), by
// start, at most MaxFeedEvents (the latest-starting). A source that
// fails fails the whole: a feed missing items would have calendar apps
// delete them.
func (c *Calendars) Events(ctx context.Context, userID int64, from, to time.Time) ([]Event, error) {
	var all []Event
	for _, s := range c.Sources {
		evs, err := s.Events(ctx, userID, from, to)
		if err != nil {
			return nil, fmt.Errorf("calendar of %d: %w", userID, err)
		}
		all = append(all, evs...)
	}
	slices.SortStableFunc(all, func(a, b Event) int {
		return cmp.Or(a.Start.Compare(b.Start), a.End.Compare(b.End), strings.Compare(a.UID, b.UID))
	})
	if len(all) > MaxFeedEvents {
		all = all[len(all)-MaxFeedEvents:]
	}
	return all, nil
}

// Feed texts for people.
var (
	feedName     = geo.Labels{"en": "Campus calendar", "zh-Hans": "校园日程"}
	feedDescribe = geo.Labels{"en": "Bookings, courses and appointments on campus", "zh-Hans": "校园内的预约、课程与咨询"}
)

// ICS writes events as an iCalendar object (RFC 5545, lines ending in
// CRLF), texts in lang ("en", "zh"; the other language in DESCRIPTION);
// now is when it is written, the DTSTAMP of an event with no times of
// its own.
//
// Times are UTC (DTSTART:20261201T010000Z), not local times with a
// VTIMEZONE: an instant in UTC needs no time-zone definition to be read
// right by every client, each shows it in its own zone, and nothing is
// lost, since the items are single instants (no RRULE whose local times
// must follow a zone's rules) and Asia/Shanghai keeps no daylight saving
// time anyway.
func ICS(events []Event, lang string, now time.Time) []byte {
	other := "zh"
	if geo.IsChinese(lang) {
		lang, other = "zh", "en"
	} else {
		lang = "en"
	}
	cal := ics.NewCalendar()
	cal.SetProductId("-//campusnav//campus calendar//EN")
	cal.SetCalscale("GREGORIAN")
	cal.SetName(feedName.In(lang))
	cal.SetXWRCalName(feedName.In(lang))
	cal.SetDescription(feedDescribe.In(lang))
	cal.SetXWRCalDesc(feedDescribe.In(lang))
	refresh := fmt.Sprintf("PT%dM", int(FeedRefresh/time.Minute))
	cal.SetRefreshInterval(refresh) // the library adds VALUE=DURATION
	cal.SetXPublishedTTL(refresh)
	for _, e := range events {
		ev := cal.AddEvent(clean(e.UID))
		stamp := cmp.Or(e.Modified, e.Created, now)
		ev.SetDtStampTime(stamp)
		if !e.Created.IsZero() {
			ev.SetCreatedTime(e.Created)
		}
		if !e.Modified.IsZero() || !e.Created.IsZero() {
			ev.SetLastModifiedAt(stamp)
		}
		ev.SetSequence(e.Sequence)
		ev.SetStartAt(e.Start)
		ev.SetEndAt(e.End)
		ev.SetStatus(ics.ObjectStatus(cmp.Or(e.Status, EventConfirmed)))
		if e.Status == EventCancelled {
			ev.SetTimeTransparency(ics.TransparencyTransparent) // frees the time
		} else {
			ev.SetTimeTransparency(ics.TransparencyOpaque)
		}
		if e.Private {
			ev.SetClass(ics.ClassificationPrivate)
		}
		where := e.Location
		if len(where) == 0 && e.Space != nil {
			where = SpaceLocation(e.Space)
		}
		summary, place := e.Summary.In(lang), where.In(lang)
		ev.SetSummary(clean(summary))
		if place != "" {
			ev.SetLocation(clean(place))
		}
		if e.Space != nil && e.Space.Unit != nil && (e.Space.Unit.Display[0] != 0 || e.Space.Unit.Display[1] != 0) {
			u := e.Space.Unit // GEO: latitude;longitude
			ev.SetGeo(strconv.FormatFloat(u.Display[1], 'f', 6, 64), strconv.FormatFloat(u.Display[0], 'f', 6, 64))
		}
		// DESCRIPTION: the notes, then the item in the other language.
		var desc []string
		if n := e.Notes.In(lang); n != "" {
			desc = append(desc, n)
		}
		var others []string
		for _, pair := range [][2]string{{summary, e.Summary.In(other)}, {place, where.In(other)}, {e.Notes.In(lang), e.Notes.In(other)}} {
			if pair[1] != "" && pair[1] != pair[0] {
				others = append(others, pair[1])
			}
		}
		if len(others) > 0 {
			desc = append(desc, strings.Join(others, "\n"))
		}
		if len(desc) > 0 {
			ev.SetDescription(clean(strings.Join(desc, "\n\n")))
		}
	}
	return []byte(cal.Serialize(ics.WithNewLineWindows))
}

// clean is s fit for a TEXT value: the library escapes backslashes,
// commas, semicolons and newlines, but a carriage return or another
// control character would end or break the line it is on, so they go
// (a CR LF or CR is a newline, others a space).
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r != '\n' && (r < 0x20 || r == 0x7f):
			return ' '
		}
		return r
	}, s)
}

// SpaceLocation is where a space is for people: its place (Place: "C3,
// 6/F, 607", "Microscope, C5, 3/F, 301" for equipment) and its room's name
// in brackets ("C3, 6/F, 607 (Meeting Room 607)"; "C3, 6楼, 607（会议室
// 607）"), in English and Chinese.
func SpaceLocation(sp *Space) geo.Labels {
	out := geo.Labels{}
	for _, lang := range []string{"en", "zh-Hans"} {
		if sp.Unit == nil || sp.Unit.Level == nil {
			out[lang] = sp.Name.In(lang)
			continue
		}
		place := Place(sp, lang)
		name := sp.Unit.Name.In(lang)
		if name == "" {
			name = geo.CategoryLabel(sp.Unit.Category, lang)
		}
		switch {
		case name == "" || name == sp.Unit.Ref:
		case geo.IsChinese(lang):
			place += "（" + name + "）"
		default:
			place += " (" + name + ")"
		}
		out[lang] = place
	}
	return out
}
