package tour

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/auth"
)

// Service is the tours: their slots, and people's bookings of them.
type Service struct {
	tours []*Tour
	byID  map[string]*Tour
	st    Store
	now   func() time.Time
}

// Options tune a Service.
type Options struct {
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Data replaces the campus's tours (this package's tours.json) when
	// not nil; File names it in errors (default File).
	Data []byte
	File string
}

// New is the tours of the data (o.Data, else the campus's), checked
// against venue v and its graph g, their bookings kept in st. What is
// wrong with the data is an error naming the file, the tour and the
// stop (DataError).
func New(v *geo.Venue, g *routing.Graph, st Store, o Options) (*Service, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	data, file := o.Data, o.File
	if data == nil {
		data = campusTours
	}
	if file == "" {
		file = File
	}
	tours, err := Parse(v, g, data, file)
	if err != nil {
		return nil, err
	}
	s := &Service{tours: tours, byID: map[string]*Tour{}, st: st, now: o.Now}
	for _, t := range tours {
		s.byID[t.ID] = t
	}
	return s, nil
}

// Tours are the tours, in the data's order.
func (s *Service) Tours() []*Tour { return s.tours }

// View is a tour as the API answers it, in one language: its stops, the
// route through them, and its slots in the days asked.
type View struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	DurationMin int            `json:"duration_min"`
	Capacity    int            `json:"capacity"`
	Stops       []StopView     `json:"stops"`
	Route       *routing.Route `json:"route"`
	Slots       []SlotView     `json:"slots"`
}

// SlotView is a slot as the API answers it.
type SlotView struct {
	ID       string    `json:"id"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
	Left     int       `json:"left"`
}

// Days are the days a list of slots covers: From to To, both included,
// each the midnight that starts it in Asia/Shanghai.
type Days struct{ From, To time.Time }

// ParseDays reads the days asked for ("YYYY-MM-DD", Asia/Shanghai):
// from today when from is "", to a week from from when to is "";
// from today at the earliest, MaxListDays at most, none beyond AheadDays
// after today.
func (s *Service) ParseDays(from, to string) (Days, error) {
	today := midnight(s.now())
	var d Days
	var err error
	if d.From, err = day("from", from, today); err != nil {
		return d, err
	}
	if d.To, err = day("to", to, d.From.AddDate(0, 0, 6)); err != nil {
		return d, err
	}
	last := today.AddDate(0, 0, AheadDays)
	if to == "" && d.To.After(last) {
		d.To = last
	}
	switch {
	case d.From.Before(today):
		return d, refuse(ErrInvalid, "", "from", "from %s is before today (%s)", "from %s 早于今天（%s）", from, today.Format(time.DateOnly))
	case d.From.After(last):
		return d, refuse(ErrInvalid, "", "from", "from %s is more than %d days ahead", "from %s 超过 %d 天之后", from, AheadDays)
	case d.To.Before(d.From):
		return d, refuse(ErrInvalid, "", "to", "to %s is before from", "to %s 早于 from", d.To.Format(time.DateOnly))
	case d.To.After(last):
		return d, refuse(ErrInvalid, "", "to", "to %s is more than %d days ahead", "to %s 超过 %d 天之后", d.To.Format(time.DateOnly), AheadDays)
	case d.To.Sub(d.From) >= MaxListDays*24*time.Hour:
		return d, refuse(ErrInvalid, "", "to", "a list covers %d days at most", "一次最多列出 %d 天", MaxListDays)
	}
	return d, nil
}

// day reads a date of field, def when "".
func day(field, v string, def time.Time) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, shanghai)
	if err != nil {
		return t, refuse(ErrInvalid, "", field, "%s %q is not a date, YYYY-MM-DD", "%s %q 不是日期（YYYY-MM-DD）", field, v)
	}
	return t, nil
}

// List is every tour in lang with its slots on days d that have not
// started, and the places left in each.
func (s *Service) List(ctx context.Context, d Days, lang string) ([]View, error) {
	booked, err := s.st.TourBooked(ctx, d.From, d.To.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]View, 0, len(s.tours))
	for _, t := range s.tours {
		v := View{ID: t.ID, Name: t.Name.In(lang), Description: t.Description.In(lang), DurationMin: int(t.Duration / time.Minute),
			Capacity: t.Capacity, Stops: t.StopsIn(lang), Route: t.Route(lang), Slots: []SlotView{}}
		for _, sl := range t.slots(d.From, d.To) {
			if !sl.Start.After(now) {
				continue
			}
			v.Slots = append(v.Slots, SlotView{ID: sl.ID, Start: sl.Start, End: sl.End, Capacity: sl.Capacity,
				Left: max(0, sl.Capacity-booked[sl.ID])})
		}
		out = append(out, v)
	}
	return out, nil
}

// BookingView is a booking as the API answers it, in one language.
type BookingView struct {
	ID        int64      `json:"id"`
	Slot      string     `json:"slot"`
	Tour      string     `json:"tour"`
	TourName  string     `json:"tour_name"`
	Start     time.Time  `json:"start"`
	End       time.Time  `json:"end"`
	People    int        `json:"people"`
	Status    string     `json:"status"`
	Created   time.Time  `json:"created"`
	Cancelled *time.Time `json:"cancelled"`
	// Meet is where the group meets: the tour's first stop.
	Meet *StopView `json:"meet"`
}

// view is b in lang.
func (s *Service) view(b Booking, lang string) BookingView {
	v := BookingView{ID: b.ID, Slot: b.Slot, Tour: b.Tour, TourName: b.Tour, Start: b.Start.In(shanghai), End: b.End.In(shanghai),
		People: b.People, Status: b.Status, Created: b.Created.In(shanghai)}
	if b.Cancelled != nil {
		c := b.Cancelled.In(shanghai)
		v.Cancelled = &c
	}
	if t, ok := s.byID[b.Tour]; ok {
		v.TourName = t.Name.In(lang)
		v.Meet = &t.StopsIn(lang)[0]
	}
	return v
}

// Public reports whether u may book tours: the public, signed in by
// phone (visitors; and tourists, should an account have that role).
// Staff, students and family walk the campus without a tour.
func Public(u auth.User) bool { return u.Role == auth.Visitor || u.Role == auth.Tourist }

// phonePrefix marks a phone account (auth's): tel:+8613800000000.
const phonePrefix = "tel:"

// Book books people on slot for u, whose language is lang.
func (s *Service) Book(ctx context.Context, u auth.User, slot string, people int, lang string) (BookingView, error) {
	if !Public(u) {
		return BookingView{}, ErrNotPublic
	}
	t, start, ok := s.slot(slot)
	if !ok {
		return BookingView{}, ErrNoSlot
	}
	if most := min(MaxPeople, t.Capacity); people < 1 || people > most {
		return BookingView{}, refuse(ErrInvalid, "", "people", "people is %d: 1 to %d", "人数为 %d，应为 1 至 %d", people, most)
	}
	now := s.now()
	if !start.After(now) {
		return BookingView{}, ErrStarted
	}
	if !start.Before(midnight(now).AddDate(0, 0, AheadDays+1)) {
		return BookingView{}, refuse(ErrInvalid, "too_far", "slot", "slots are booked at most %d days ahead", "最多可预约 %d 天内的场次", AheadDays)
	}
	lang = langOf(lang)
	b := Booking{Slot: slot, Tour: t.ID, Start: start, End: start.Add(t.Duration), UserID: u.ID, Account: u.Email, People: people,
		Lang: lang, Status: Booked, Created: now}
	b, err := s.st.BookTour(ctx, BookRequest{Booking: b, Capacity: t.Capacity, Text: s.text(u, true)})
	if err != nil {
		return BookingView{}, err
	}
	return s.view(b, lang), nil
}

// Cancel cancels u's booking id, before its slot starts.
func (s *Service) Cancel(ctx context.Context, u auth.User, id int64, lang string) (BookingView, error) {
	b, err := s.st.CancelTour(ctx, id, u.ID, s.now(), s.text(u, false))
	if err != nil {
		return BookingView{}, err
	}
	return s.view(b, lang), nil
}

// Mine lists u's bookings, newest first, below the id before, at most
// limit, in lang.
func (s *Service) Mine(ctx context.Context, u auth.User, before int64, limit int, lang string) ([]BookingView, error) {
	bs, err := s.st.TourBookings(ctx, u.ID, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]BookingView, len(bs))
	for i, b := range bs {
		out[i] = s.view(b, lang)
	}
	return out, nil
}

// Purge deletes the bookings of slots that started Keep ago, a batch at
// most; it says how many.
func (s *Service) Purge(ctx context.Context) (int, error) {
	return s.st.PurgeTours(ctx, s.now().Add(-Keep), PurgeBatch)
}

// text is the message to u's phone confirming a booking (booked) or its
// cancel, in the booking's language; none for an account without a
// phone.
func (s *Service) text(u auth.User, booked bool) func(Booking) (Text, bool) {
	phone, ok := strings.CutPrefix(u.Email, phonePrefix)
	if !ok || phone == "" {
		return nil
	}
	return func(b Booking) (Text, bool) {
		t, ok := s.byID[b.Tour]
		if !ok {
			return Text{}, false
		}
		return Text{Phone: phone, Body: Message(t, b, booked)}, true
	}
}

// Message is the text confirming booking b of tour t (booked), or its
// cancel, in the booking's language.
func Message(t *Tour, b Booking, booked bool) string {
	start, end := b.Start.In(shanghai), b.End.In(shanghai)
	meet := t.StopsIn(b.Lang)[0].Name
	if isChinese(b.Lang) {
		when := fmt.Sprintf("%d年%d月%d日（%s）%s–%s", start.Year(), start.Month(), start.Day(), weekdayZh[start.Weekday()],
			start.Format("15:04"), end.Format("15:04"))
		if booked {
			return fmt.Sprintf("【香港科技大学（广州）】校园参观预约成功：%s，%s，%d人，请准时到%s集合。预约号 %d；如需取消，请在开始前操作。",
				t.Name.In("zh"), when, b.People, meet, b.ID)
		}
		return fmt.Sprintf("【香港科技大学（广州）】您的校园参观预约（预约号 %d，%s，%s）已取消。", b.ID, t.Name.In("zh"), when)
	}
	when := start.Format("Mon 2 Jan 2006 15:04") + "–" + end.Format("15:04")
	if booked {
		return fmt.Sprintf("HKUST(GZ): your campus tour is booked: %s, %s, %d people. Meet at %s. Booking no. %d; to cancel, do so before the start.",
			t.Name.In("en"), when, b.People, meet, b.ID)
	}
	return fmt.Sprintf("HKUST(GZ): your campus tour booking no. %d (%s, %s) is cancelled.", b.ID, t.Name.In("en"), when)
}

var weekdayZh = [7]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
