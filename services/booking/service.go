package booking

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/auth"
)

// Membership is what Book asks before booking a lab's equipment
// (Kind.LabMembers): whether a person is an approved member of the lab.
type Membership interface {
	LabMember(ctx context.Context, lab string, userID int64) (bool, error)
}

// Bounds of what a person may hold and ask.
const (
	// MaxLive is the most live bookings a person holds at once.
	MaxLive = 20
	// NoShowLimit no-shows within NoShowWindow suspend booking for
	// Suspension.
	NoShowLimit  = 3
	NoShowWindow = 30 * 24 * time.Hour
	Suspension   = 7 * 24 * time.Hour
	// MaxSpan is the longest interval a question about spaces covers.
	MaxSpan = 7 * 24 * time.Hour
	// DefaultLimit and MaxLimit page the spaces.
	DefaultLimit = 50
	MaxLimit     = 500
)

// Options tune a Service.
type Options struct {
	// Graph times walks to the spaces (Query.Near); nil: no walking times.
	Graph *routing.Graph
	// Members says who belongs to a lab; nil: nobody, so no equipment of
	// a LabMembers kind can be booked.
	Members Membership
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Rules replace the archive's booking.json when not nil.
	Rules []byte
}

// Service books the campus's spaces by their rules.
type Service struct {
	cat     *Catalogue
	v       *geo.Venue
	g       *routing.Graph
	st      Store
	members Membership
	now     func() time.Time

	// holdings say whether a booking holds a room for another service
	// (a course's session): then it is that service's to change.
	holdings []func(ctx context.Context, booking int64) (int64, error)

	spotsOnce [8]sync.Once
	spots     [8][]routing.Spot // per role (the graph's alike role), per space index
}

// New is the booking service of venue v: its rules from the archive's
// booking.json (DefaultRules without one), its bookings in st.
func New(v *geo.Venue, st Store, o Options) (*Service, error) {
	rules := v.Booking
	if o.Rules != nil {
		rules = o.Rules
	}
	cat, err := ParseRules(v, rules)
	if err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{cat: cat, v: v, g: o.Graph, st: st, members: o.Members, now: o.Now}, nil
}

// Catalogue is the service's spaces and rules.
func (s *Service) Catalogue() *Catalogue { return s.cat }

// Store is the service's store.
func (s *Service) Store() Store { return s.st }

// Error is a booking refused, naming why for a client (Code: the rule,
// "accept_rules", "hours"...) and the field at fault, in English and
// Simplified Chinese.
type Error struct {
	Kind  error // ErrRule, ErrInvalid, ErrForbidden, ErrNotFound...
	Code  string
	Field string
	En    string
	Zh    string
}

func (e *Error) Error() string { return "booking: " + e.En }
func (e *Error) Unwrap() error { return e.Kind }

// DetailIn is the reason in a language: Simplified Chinese for "zh...".
func (e *Error) DetailIn(lang string) string {
	if geo.IsChinese(lang) {
		return e.Zh
	}
	return e.En
}

// ProblemCode names the problem for a client.
func (e *Error) ProblemCode() string { return e.Code }

// FieldName is the field at fault.
func (e *Error) FieldName() string { return e.Field }

// More errors of bookings.
var (
	// ErrRule is a booking the space's rules refuse.
	ErrRule = errors.New("booking: against the rules")
	// ErrForbidden is a booking that is not the asker's to change.
	ErrForbidden = errors.New("booking: not yours")
)

func ruleError(code, field, en, zh string, a ...any) error {
	return &Error{Kind: ErrRule, Code: code, Field: field, En: fmt.Sprintf(en, a...), Zh: fmt.Sprintf(zh, a...)}
}

// localDay is the day of t in the zone: [midnight, next midnight).
func (s *Service) localDay(t time.Time) (time.Time, time.Time) {
	l := t.In(s.cat.zone)
	d0 := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.cat.zone)
	return d0, d0.AddDate(0, 0, 1)
}

// bookableFrom is the first instant a booking may start at now: the
// start of the current slot.
func (s *Service) bookableFrom(k *Kind, now time.Time) time.Time {
	d0, _ := s.localDay(now)
	return d0.Add(now.Sub(d0).Truncate(k.Slot()))
}

// bookableUntil is the last instant a booking may start before: the end
// of the day AheadDays after today.
func (s *Service) bookableUntil(k *Kind, now time.Time) time.Time {
	d0, _ := s.localDay(now)
	return d0.AddDate(0, 0, k.AheadDays+1)
}

// openWindows are the kind's open hours that overlap [from, to), merged
// where they touch. No hours: always open.
func (s *Service) openWindows(k *Kind, from, to time.Time) [][2]time.Time {
	if len(k.Hours) == 0 {
		return [][2]time.Time{{from, to}}
	}
	var out [][2]time.Time
	d0, _ := s.localDay(from)
	for d := d0.AddDate(0, 0, -1); d.Before(to); d = d.AddDate(0, 0, 1) {
		wd := d.Weekday()
		var day [][2]time.Time
		for _, h := range k.Hours {
			if h.Days[wd] {
				day = append(day, [2]time.Time{d.Add(time.Duration(h.From) * time.Minute), d.Add(time.Duration(h.To) * time.Minute)})
			}
		}
		out = append(out, day...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0].Before(out[j][0]) })
	var merged [][2]time.Time
	for _, w := range out {
		if !w[1].After(from) || !w[0].Before(to) {
			continue
		}
		if n := len(merged); n > 0 && !w[0].After(merged[n-1][1]) {
			if w[1].After(merged[n-1][1]) {
				merged[n-1][1] = w[1]
			}
			continue
		}
		merged = append(merged, w)
	}
	return merged
}

// States of a timeline's segments.
const (
	StateAvailable   = "available"
	StateOccupied    = "occupied"
	StateLocked      = "locked"
	StateNotBookable = "not_bookable"
)

// Segment is a stretch of a space's timeline in one state.
type Segment struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	State string    `json:"state"`
}

// timeline is space sp's states over [from, to) for a person of role r
// at now, given the live bookings of sp that overlap it (by start):
// occupied where a booking holds it, else locked in a locked period,
// else not bookable where the role may not book it, outside its hours,
// before the current slot or beyond how far ahead it may be booked,
// else available. Adjacent stretches of one state are one segment.
func (s *Service) timeline(sp *Space, from, to time.Time, bookings []Held, r geo.Role, now time.Time) []Segment {
	k := sp.Kind
	cuts := []time.Time{from, to}
	add := func(t time.Time) {
		if t.After(from) && t.Before(to) {
			cuts = append(cuts, t)
		}
	}
	for _, b := range bookings {
		add(b.Start)
		add(b.End)
	}
	for _, l := range k.Locked {
		add(l.From)
		add(l.To)
	}
	open := s.openWindows(k, from, to)
	for _, w := range open {
		add(w[0])
		add(w[1])
	}
	lo, hi := s.bookableFrom(k, now), s.bookableUntil(k, now)
	add(lo)
	add(hi)
	slices.SortFunc(cuts, func(a, b time.Time) int { return a.Compare(b) })
	cuts = slices.CompactFunc(cuts, func(a, b time.Time) bool { return a.Equal(b) })

	allowed := k.Allows(r)
	var out []Segment
	bi, oi := 0, 0
	for i := 0; i+1 < len(cuts); i++ {
		a, z := cuts[i], cuts[i+1]
		state := StateAvailable
		for bi < len(bookings) && !bookings[bi].End.After(a) {
			bi++
		}
		for oi < len(open) && !open[oi][1].After(a) {
			oi++
		}
		occupied := false
		for j := bi; j < len(bookings) && bookings[j].Start.Before(z); j++ {
			if Overlaps(a, z, bookings[j].Start, bookings[j].End) {
				occupied = true
				break
			}
		}
		switch {
		case occupied:
			state = StateOccupied
		case lockedAt(k, a):
			state = StateLocked
		case !allowed || a.Before(lo) || !a.Before(hi) || oi >= len(open) || open[oi][0].After(a):
			state = StateNotBookable
		}
		if n := len(out); n > 0 && out[n-1].State == state {
			out[n-1].End = z
			continue
		}
		out = append(out, Segment{Start: a, End: z, State: state})
	}
	for i := range out { // as people read them: in the rules' zone
		out[i].Start, out[i].End = out[i].Start.In(s.cat.zone), out[i].End.In(s.cat.zone)
	}
	return out
}

// allAvailable is whether every segment of tl that overlaps [from, to)
// is available.
func allAvailable(tl []Segment, from, to time.Time) bool {
	for _, seg := range tl {
		if Overlaps(seg.Start, seg.End, from, to) && seg.State != StateAvailable {
			return false
		}
	}
	return true
}

// lockedAt is whether t falls in one of the kind's locked periods.
func lockedAt(k *Kind, t time.Time) bool {
	for _, l := range k.Locked {
		if !t.Before(l.From) && t.Before(l.To) {
			return true
		}
	}
	return false
}

// maxNamed is the most spaces Spaces names to the store; beyond, it
// reads the day of every space.
const maxNamed = 200

// Query asks for spaces.
type Query struct {
	// Start and End: the interval asked about; zero Start is now, zero
	// End is Start plus the kind's slot.
	Start, End time.Time
	Type       string // a kind's type; "" any
	Capacity   int    // at least this many people; 0 any
	Q          string // in the reference or the name
	Building   string // a building's reference or id
	// Near times the walk from there to each space and lists the
	// nearest first.
	Near *geo.Position
	// Available keeps only the spaces free for the whole interval.
	Available bool
	Limit     int // DefaultLimit when 0
	Offset    int // the cursor: spaces listed before
	Lang      string
}

// Answer is a space as the API lists it.
type Answer struct {
	ID       string  `json:"id"`
	Ref      string  `json:"ref"`
	Name     string  `json:"name"`
	Type     string  `json:"type"`
	Capacity int     `json:"capacity"`
	AreaM2   float64 `json:"area_m2"`
	Building string  `json:"building"` // the building's reference
	Floor    string  `json:"floor"`    // "6/F"
	Place    string  `json:"place"`    // "C3, 6/F, 607"
	Lab      *string `json:"lab"`      // the lab of equipment or a lab's room
	// Where it is, for a map and a route: the room (equipment: the room
	// it stands in), its display point (WGS 84) and its level.
	Unit    string  `json:"unit"`
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
	Level   string  `json:"level"`
	Ordinal int     `json:"ordinal"`
	// How it is booked: bookings start and end on the day's slots of
	// SlotMin minutes and last at most LongestMin; Checkin says whether
	// a booking must be checked into.
	SlotMin    int       `json:"slot_min"`
	LongestMin int       `json:"longest_min"`
	Checkin    bool      `json:"checkin"`
	Available  bool      `json:"available"`
	WalkS      *float64  `json:"walk_s"` // with Near; null when no walk reaches it
	Timeline   []Segment `json:"timeline"`
}

// Place names a space for people: "C3, 6/F, 607" (building, floor, the
// room's number), with the equipment's name before it for equipment.
func Place(sp *Space, lang string) string {
	u := sp.Unit
	b := u.Level.Building()
	floor := geo.FloorName(u.Level, lang)
	room := u.Ref // "607" of "C3-607"
	if b != nil {
		room = strings.TrimPrefix(room, b.Ref+"-")
	}
	parts := []string{}
	if b != nil {
		parts = append(parts, b.Ref)
	}
	parts = append(parts, floor, room)
	if sp.Equipment {
		return sp.Name.In(lang) + ", " + strings.Join(parts, ", ")
	}
	return strings.Join(parts, ", ")
}

// Spaces answers q for a person of role r: the spaces they may see that
// match, each with its day's timeline (the whole day of q.Start in the
// rules' zone) and whether it is free for [Start, End); the index of
// the next page, 0 for none.
func (s *Service) Spaces(ctx context.Context, r geo.Role, q Query) ([]Answer, int, error) {
	now := s.now()
	w := s.v.View(r)
	if q.Start.IsZero() {
		q.Start = now
	}
	var kind *Kind
	if q.Type != "" {
		k, ok := s.cat.Kind(q.Type)
		if !ok {
			return nil, 0, &Error{Kind: ErrInvalid, Code: "type", Field: "type",
				En: fmt.Sprintf("%q is not a kind of space (%s)", q.Type, s.typeList()),
				Zh: fmt.Sprintf("%q 不是空间类型（%s）", q.Type, s.typeList())}
		}
		kind = k
	}
	if !q.End.IsZero() && !q.End.After(q.Start) {
		return nil, 0, &Error{Kind: ErrInvalid, Code: "end", Field: "end", En: "the end is not after the start", Zh: "结束时间不晚于开始时间"}
	}
	if q.End.Sub(q.Start) > MaxSpan {
		return nil, 0, &Error{Kind: ErrInvalid, Code: "end", Field: "end", En: "an interval asked about is at most 7 days", Zh: "查询的时间段最长 7 天"}
	}
	var building *geo.Building
	if q.Building != "" {
		for _, b := range s.v.Buildings {
			if strings.EqualFold(b.Ref, q.Building) || b.ID == q.Building {
				building = b
			}
		}
		if building == nil || !w.Sees(building) {
			return nil, 0, &Error{Kind: ErrInvalid, Code: "building", Field: "building",
				En: fmt.Sprintf("no building %q", q.Building), Zh: fmt.Sprintf("没有楼栋 %q", q.Building)}
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	text := strings.ToLower(strings.TrimSpace(q.Q))

	var picked []int // indexes into the catalogue's spaces
	for i, sp := range s.cat.spaces {
		switch {
		case !w.Sees(sp.Unit),
			kind != nil && sp.Kind != kind,
			q.Capacity > 0 && sp.Capacity < q.Capacity,
			building != nil && sp.Building() != building,
			text != "" && !matches(sp, text):
			continue
		}
		picked = append(picked, i)
	}

	var walks []float64
	if q.Near != nil && s.g != nil && len(picked) > 0 {
		walks = s.walks(w, *q.Near, picked)
	}

	d0, d1 := s.localDay(q.Start)
	span0, span1 := d0, d1
	ends := func(sp *Space) time.Time {
		if !q.End.IsZero() {
			return q.End
		}
		return q.Start.Add(sp.Kind.Slot())
	}
	for _, i := range picked {
		if e := ends(s.cat.spaces[i]); e.After(span1) {
			span1 = e
		}
	}
	var held []Held
	if len(picked) > 0 {
		// Name the spaces when they are a part of the campus: the
		// store reads them by the space's index.
		var ids []string
		if len(picked) <= maxNamed {
			ids = make([]string, len(picked))
			for n, i := range picked {
				ids[n] = s.cat.spaces[i].ID
			}
		}
		var err error
		if held, err = s.st.Held(ctx, span0, span1, ids); err != nil {
			return nil, 0, err
		}
	}
	bySpace := map[string][]Held{}
	for _, h := range held {
		bySpace[h.Space] = append(bySpace[h.Space], h)
	}

	out := make([]Answer, 0, len(picked))
	for n, i := range picked {
		sp := s.cat.spaces[i]
		bs := bySpace[sp.ID]
		day := s.timeline(sp, d0, d1, bs, r, now)
		// An interval within the day is free where the day's timeline
		// says so; one that runs past midnight has a timeline of its own.
		within := day
		if end := ends(sp); end.After(d1) {
			within = s.timeline(sp, q.Start, end, bs, r, now)
		}
		free := allAvailable(within, q.Start, ends(sp))
		if q.Available && !free {
			continue
		}
		a := Answer{ID: sp.ID, Ref: sp.Ref, Name: sp.Name.In(q.Lang), Type: sp.Kind.Type, Capacity: sp.Capacity,
			AreaM2: sp.AreaM2, Floor: geo.FloorName(sp.Level(), q.Lang), Place: Place(sp, q.Lang), Available: free, Timeline: day,
			Unit: sp.Unit.ID, Lon: sp.Unit.Display[0], Lat: sp.Unit.Display[1], Level: sp.Level().ID, Ordinal: sp.Level().Ordinal,
			SlotMin: sp.Kind.SlotMin, LongestMin: sp.Kind.LongestMin, Checkin: sp.Kind.Checkin}
		if a.Name == "" {
			a.Name = sp.Ref
		}
		if b := sp.Building(); b != nil {
			a.Building = b.Ref
		}
		if sp.Lab != nil {
			a.Lab = &sp.Lab.ID
		}
		if walks != nil && !math.IsInf(walks[n], 1) {
			t := math.Round(walks[n])
			a.WalkS = &t
		}
		out = append(out, a)
	}
	if walks != nil {
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i].WalkS, out[j].WalkS
			switch {
			case a == nil:
				return false
			case b == nil:
				return true
			}
			return *a < *b
		})
	}
	if q.Offset >= len(out) {
		return []Answer{}, 0, nil
	}
	out = out[q.Offset:]
	next := 0
	if len(out) > limit {
		out, next = out[:limit], q.Offset+limit
	}
	return out, next, nil
}

func (s *Service) typeList() string {
	ts := make([]string, len(s.cat.kinds))
	for i, k := range s.cat.kinds {
		ts[i] = k.Type
	}
	return strings.Join(ts, ", ")
}

// matches is whether text (lower case) is in the space's reference or
// in its name in a language.
func matches(sp *Space, text string) bool {
	if strings.Contains(strings.ToLower(sp.Ref), text) {
		return true
	}
	for _, n := range sp.Name {
		if strings.Contains(strings.ToLower(n), text) {
			return true
		}
	}
	return false
}

// walks times the walk from at to each picked space, in seconds, for
// the view's role: +Inf where no walk reaches it.
func (s *Service) walks(w geo.View, at geo.Position, picked []int) []float64 {
	p := routing.Walk
	from, ok := s.g.SpotOf(w, at, p)
	if !ok {
		out := make([]float64, len(picked))
		for i := range out {
			out[i] = math.Inf(1)
		}
		return out
	}
	role := s.g.Alike(w.Role())
	all := s.spotsOf(role)
	to := make([]routing.Spot, len(picked))
	for i, j := range picked {
		to[i] = all[j]
	}
	times := s.g.Times(from, to, p, role)
	// Standing in the room is no walk at all (the graph would go out to
	// its door and back).
	pt := s.v.Projection.ToLocal(at.Lon, at.Lat)
	for i, j := range picked {
		if u := s.cat.spaces[j].Unit; u.Level.Ordinal == at.Ordinal && u.Local != nil && geo.Contains(u.Local, pt) {
			times[i] = 0
		}
	}
	return times
}

// spotsOf are the spaces joined to the graph as role walks, made once.
func (s *Service) spotsOf(role geo.Role) []routing.Spot {
	s.spotsOnce[role].Do(func() {
		w := s.v.View(role)
		spots := make([]routing.Spot, len(s.cat.spaces))
		for i, sp := range s.cat.spaces {
			u := sp.Unit
			if !w.Sees(u) {
				continue
			}
			spots[i], _ = s.g.SpotOf(w, geo.Position{Lon: u.Display[0], Lat: u.Display[1], Ordinal: u.Level.Ordinal}, routing.Walk)
		}
		s.spots[role] = spots
	})
	return s.spots[role]
}

// Request asks to book a space.
type Request struct {
	Space       string
	Start, End  time.Time
	Title       string
	AcceptRules bool
}

// space is the space id names as person u may see it.
func (s *Service) space(id string, u auth.User) (*Space, error) {
	sp, ok := s.cat.Space(id)
	if !ok || !s.v.View(auth.GeoRole(u.Role)).Sees(sp.Unit) {
		return nil, &Error{Kind: ErrNotFound, Code: "space", Field: "space", En: fmt.Sprintf("no space %q", id), Zh: fmt.Sprintf("没有空间 %q", id)}
	}
	return sp, nil
}

// Suspended is until when person u may not book (zero: they may), from
// their no-shows: NoShowLimit within NoShowWindow suspend booking for
// Suspension from the last of them.
func (s *Service) Suspended(ctx context.Context, userID int64) (time.Time, []NoShow, error) {
	now := s.now()
	ns, err := s.st.NoShows(ctx, userID, now.Add(-NoShowWindow-Suspension))
	if err != nil {
		return time.Time{}, nil, err
	}
	var until time.Time
	for i := NoShowLimit - 1; i < len(ns); i++ {
		if ns[i].At.Sub(ns[i-NoShowLimit+1].At) <= NoShowWindow {
			if end := ns[i].At.Add(Suspension); end.After(now) && end.After(until) {
				until = end
			}
		}
	}
	return until, ns, nil
}

// checkInterval says which of the kind's rules [start, end) breaks for
// role r at now, if any.
func (s *Service) checkInterval(k *Kind, start, end, now time.Time) error {
	if err := CheckInterval(start, end); err != nil {
		return &Error{Kind: ErrInvalid, Code: "end", Field: "end", En: "the end is not after the start", Zh: "结束时间不晚于开始时间"}
	}
	d0, _ := s.localDay(start)
	slot := k.Slot()
	if start.Sub(d0)%slot != 0 || end.Sub(d0)%slot != 0 {
		return ruleError("slot_min", "start", "bookings start and end on the %d-minute slots of the day", "预约须按 %d 分钟的时段开始和结束", k.SlotMin)
	}
	if end.Sub(start) > time.Duration(k.LongestMin)*time.Minute {
		return ruleError("longest_min", "end", "a booking is at most %d minutes", "预约最长 %d 分钟", k.LongestMin)
	}
	if start.Before(s.bookableFrom(k, now)) {
		return ruleError("past", "start", "the start has passed", "开始时间已过")
	}
	if !start.Before(s.bookableUntil(k, now)) {
		return ruleError("ahead_days", "start", "bookings start at most %d days ahead", "最多提前 %d 天预约", k.AheadDays)
	}
	if w := s.openWindows(k, start, end); len(w) != 1 || w[0][0].After(start) || w[0][1].Before(end) {
		return ruleError("hours", "start", "the space is not open for bookings for the whole of that time", "该时段不全在开放预约时间内")
	}
	for _, l := range k.Locked {
		if Overlaps(start, end, l.From, l.To) {
			return ruleError("locked", "start", "the space is locked from %s to %s (%s)", "该空间在 %s 至 %s 锁定（%s）",
				l.From.Format(time.RFC3339), l.To.Format(time.RFC3339), l.Reason.In("en"))
		}
	}
	return nil
}

// Book books a space for person u by its kind's rules: pending when the
// kind has an approver, else confirmed.
func (s *Service) Book(ctx context.Context, u auth.User, r Request) (Booking, error) {
	now := s.now()
	sp, err := s.space(r.Space, u)
	if err != nil {
		return Booking{}, err
	}
	k := sp.Kind
	if en, zh := services.TextProblem(r.Title); en != "" {
		return Booking{}, &Error{Kind: ErrInvalid, Code: "title", Field: "title", En: "the title is " + en, Zh: "标题" + zh}
	}
	if len(r.Title) > MaxTitle {
		return Booking{}, &Error{Kind: ErrInvalid, Code: "title", Field: "title", En: fmt.Sprintf("the title is longer than %d bytes", MaxTitle), Zh: fmt.Sprintf("标题超过 %d 字节", MaxTitle)}
	}
	if !k.Allows(auth.GeoRole(u.Role)) {
		return Booking{}, ruleError("roles", "space", "%s may not book %s directly", "%s不能直接预约%s", roleName(u), k.Name.In("en"))
	}
	if k.AcceptRules && !r.AcceptRules {
		return Booking{}, ruleError("accept_rules", "accept_rules", "accept the rules of %s first (accept_rules: true)", "请先接受%s的规则（accept_rules: true）", k.Name.In("en"))
	}
	if err := s.checkInterval(k, r.Start, r.End, now); err != nil {
		return Booking{}, err
	}
	if k.LabMembers {
		ok := false
		if s.members != nil && sp.Lab != nil {
			if ok, err = s.members.LabMember(ctx, sp.Lab.ID, u.ID); err != nil {
				return Booking{}, err
			}
		}
		if !ok {
			lab := ""
			if sp.Lab != nil {
				lab = sp.Lab.ID
			}
			return Booking{}, ruleError("lab_members", "space", "only approved members of %s book its equipment: complete your profile and wait for the lab's approval", "只有 %s 批准的成员可以预约其设备：请完善个人信息并等待实验室审批", lab)
		}
	}
	until, _, err := s.Suspended(ctx, u.ID)
	if err != nil {
		return Booking{}, err
	}
	if !until.IsZero() {
		return Booking{}, ruleError("suspended", "", "booking is suspended until %s after %d no-shows in 30 days", "因 30 天内 %[2]d 次爽约，预约暂停至 %[1]s",
			until.In(s.cat.zone).Format(time.RFC3339), NoShowLimit)
	}
	n, err := s.st.LiveCount(ctx, u.ID, now)
	if err != nil {
		return Booking{}, err
	}
	if n >= MaxLive {
		return Booking{}, ruleError("too_many", "", "a person holds at most %d bookings at once", "每人同时最多持有 %d 个预约", MaxLive)
	}
	b := Booking{Space: sp.ID, UserID: u.ID, Start: r.Start, End: r.End, Title: r.Title, Status: Confirmed, Created: now}
	if k.Approver != "" {
		b.Status = Pending
	}
	if k.Checkin {
		by := r.Start.Add(CheckinAfter)
		b.CheckinBy = &by
	}
	b, err = s.st.Book(ctx, b)
	return b, s.zoned(err)
}

// zoned sets the rules' zone on a conflict, for people to read.
func (s *Service) zoned(err error) error {
	var ce *ConflictError
	if errors.As(err, &ce) {
		ce.Zone = s.cat.zone
	}
	return err
}

func roleName(u auth.User) string { return auth.GeoRole(u.Role).String() }

// mine is booking id as its holder (or, with the kind's approver duty,
// anyone) may change it.
func (s *Service) mine(ctx context.Context, u auth.User, id int64, approverToo bool) (Booking, *Space, error) {
	b, err := s.st.GetBooking(ctx, id)
	if err != nil {
		return b, nil, err
	}
	sp, ok := s.cat.Space(b.Space)
	if b.UserID != u.ID && !(approverToo && ok && sp.Kind.Approver != "" && u.Has(sp.Kind.Approver)) {
		return b, nil, fmt.Errorf("%w (booking %d)", ErrNotFound, id)
	}
	if !ok {
		return b, nil, &Error{Kind: ErrRule, Code: "space", Field: "space", En: "the space is no longer bookable", Zh: "该空间已不可预约"}
	}
	// A hold of another service (a counselling slot: its kind is booked
	// by nobody directly; a course's session) is changed through it.
	held := len(sp.Kind.Roles) == 0
	for _, h := range s.holdings {
		if held {
			break
		}
		n, err := h(ctx, b.ID)
		if err != nil {
			return b, nil, err
		}
		held = n != 0
	}
	if held {
		return b, nil, &Error{Kind: ErrRule, Code: "held", Field: "", En: "this booking holds the room for a course or a counselling slot: change it there",
			Zh: "该预约为课程或心理咨询时段占用场地：请在相应功能中修改"}
	}
	return b, sp, nil
}

// cancelWindow is an error when it is too late to change booking b.
func (s *Service) cancelWindow(k *Kind, b Booking, now time.Time) error {
	if d := time.Duration(k.CancelBeforeMin) * time.Minute; now.After(b.Start.Add(-d)) && d > 0 {
		return ruleError("cancel_before_min", "", "a booking is changed or cancelled at least %d minutes before it starts", "须在开始前至少 %d 分钟修改或取消预约", k.CancelBeforeMin)
	}
	if !now.Before(b.End) {
		return ruleError("past", "", "the booking is over", "预约已结束")
	}
	return nil
}

// Move moves person u's live booking to [start, end), by the rules.
func (s *Service) Move(ctx context.Context, u auth.User, id int64, start, end time.Time) (Booking, error) {
	now := s.now()
	b, sp, err := s.mine(ctx, u, id, false)
	if err != nil {
		return b, err
	}
	if !Live(b.Status) {
		return b, fmt.Errorf("%w (booking %d is %s)", ErrNotFound, id, b.Status)
	}
	if err := s.cancelWindow(sp.Kind, b, now); err != nil {
		return b, err
	}
	if b.CheckedIn != nil {
		return b, ruleError("checked_in", "", "a booking checked into is not moved", "已签到的预约不能修改")
	}
	if err := s.checkInterval(sp.Kind, start, end, now); err != nil {
		return b, err
	}
	b, err = s.st.MoveBooking(ctx, id, u.ID, start, end)
	return b, s.zoned(err)
}

// Cancel cancels a live booking of person u (or, for its kind's
// approver, anyone's).
func (s *Service) Cancel(ctx context.Context, u auth.User, id int64) (Booking, error) {
	b, sp, err := s.mine(ctx, u, id, true)
	if err != nil {
		return b, err
	}
	if b.UserID == u.ID {
		if err := s.cancelWindow(sp.Kind, b, s.now()); err != nil {
			return b, err
		}
	}
	return s.st.EndBooking(ctx, id, 0, Cancelled)
}

// Decide confirms or refuses a pending booking, for a holder of its
// kind's approver duty.
func (s *Service) Decide(ctx context.Context, u auth.User, id int64, confirm bool) (Booking, error) {
	b, err := s.st.GetBooking(ctx, id)
	if err != nil {
		return b, err
	}
	sp, ok := s.cat.Space(b.Space)
	if !ok || sp.Kind.Approver == "" || !u.Has(sp.Kind.Approver) {
		return b, &Error{Kind: ErrForbidden, Code: "approver", En: "approving this booking is not your duty", Zh: "审批该预约不是你的职责"}
	}
	return s.st.DecideBooking(ctx, id, confirm)
}

// Pending are the pending bookings u may decide, by start, among the
// live bookings from now for a week.
func (s *Service) Pending(ctx context.Context, u auth.User) ([]Booking, error) {
	now := s.now()
	bs, err := s.st.BookingsBetween(ctx, now, now.Add(MaxSpan))
	if err != nil {
		return nil, err
	}
	out := []Booking{}
	for _, b := range bs {
		if sp, ok := s.cat.Space(b.Space); ok && b.Status == Pending && sp.Kind.Approver != "" && u.Has(sp.Kind.Approver) {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// Fix is where a beacon scan placed a person at check-in.
type Fix struct {
	Unit      string // the unit's id, "" none
	At        geo.Position
	AccuracyM float64
}

// CheckIn checks person u into their booking, from CheckinBefore before
// its start to CheckinAfter after; with a fix, says whether it placed
// them in or by the space's room.
func (s *Service) CheckIn(ctx context.Context, u auth.User, id int64, fix *Fix) (Booking, error) {
	now := s.now()
	b, sp, err := s.mine(ctx, u, id, false)
	if err != nil {
		return b, err
	}
	if b.Status != Confirmed {
		return b, ruleError("status", "", "a %s booking is not checked into", "%s的预约不能签到", b.Status)
	}
	if now.Before(b.Start.Add(-CheckinBefore)) || now.After(b.Start.Add(CheckinAfter)) {
		return b, ruleError("checkin_window", "", "check in from %d minutes before the start to %d minutes after it", "请在开始前 %d 分钟至开始后 %d 分钟内签到",
			int(CheckinBefore/time.Minute), int(CheckinAfter/time.Minute))
	}
	scan := ""
	if fix != nil {
		scan = ScanDisagreed
		if s.near(sp, fix) {
			scan = ScanAgreed
		}
	}
	return s.st.CheckIn(ctx, id, u.ID, now, scan)
}

// near is whether fix places a person in or by the space's room: in the
// room, or on its level within the fix's accuracy (3-15 m) of its walls.
func (s *Service) near(sp *Space, fix *Fix) bool {
	u := sp.Unit
	if fix.Unit == u.ID {
		return true
	}
	if fix.At.Ordinal != u.Level.Ordinal || u.Local == nil {
		return false
	}
	pt := s.v.Projection.ToLocal(fix.At.Lon, fix.At.Lat)
	if geo.Contains(u.Local, pt) {
		return true
	}
	return geo.BoundaryDistance(u.Local, pt) <= min(max(fix.AccuracyM, 3), 15)
}

// ReleaseNoShows releases the bookings nobody checked into in time, at
// most limit at once, recording their holders' no-shows.
func (s *Service) ReleaseNoShows(ctx context.Context, limit int) ([]Booking, error) {
	return s.st.ReleaseNoShows(ctx, s.now(), limit)
}

// Attendance is a person's no-shows of the last NoShowWindow and any
// suspension they make.
type Attendance struct {
	NoShows        []NoShow
	SuspendedUntil time.Time // zero: not suspended
}

// AttendanceOf is person u's record.
func (s *Service) AttendanceOf(ctx context.Context, userID int64) (Attendance, error) {
	until, ns, err := s.Suspended(ctx, userID)
	if err != nil {
		return Attendance{}, err
	}
	cut := s.now().Add(-NoShowWindow)
	recent := []NoShow{}
	for _, n := range ns {
		if !n.At.Before(cut) {
			recent = append(recent, n)
		}
	}
	return Attendance{NoShows: recent, SuspendedUntil: until}, nil
}
