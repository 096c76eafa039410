package tour

import (
	"strings"
	"time"
)

// shanghai is the zone tours are scheduled in: +08:00, without summer
// time.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// Slot is one start of a tour, with the places left.
type Slot struct {
	ID       string
	Tour     *Tour
	Start    time.Time
	End      time.Time
	Capacity int
	Left     int
}

// SlotID is the id of tour t's slot starting at start: the tour's id,
// the day and the time in Asia/Shanghai (campus-highlights-20261205-1000).
func SlotID(tour string, start time.Time) string {
	return tour + "-" + start.In(shanghai).Format("20060102-1504")
}

// slot is the tour and start of the slot of id, if a tour's schedule
// has it.
func (s *Service) slot(id string) (*Tour, time.Time, bool) {
	i := strings.LastIndexByte(id, '-')
	if i < 0 {
		return nil, time.Time{}, false
	}
	j := strings.LastIndexByte(id[:i], '-')
	if j < 0 {
		return nil, time.Time{}, false
	}
	t, ok := s.byID[id[:j]]
	if !ok {
		return nil, time.Time{}, false
	}
	start, err := time.ParseInLocation("20060102-1504", id[j+1:], shanghai)
	if err != nil || SlotID(t.ID, start) != id {
		return nil, time.Time{}, false
	}
	m := start.Hour()*60 + start.Minute()
	for _, x := range t.Times[start.Weekday()] {
		if x == m {
			return t, start, true
		}
	}
	return nil, time.Time{}, false
}

// slots are tour t's slots on the days from the day of from to the day
// of to (both midnights in Asia/Shanghai), in order of start.
func (t *Tour) slots(from, to time.Time) []Slot {
	var out []Slot
	for day := from; !day.After(to); day = day.AddDate(0, 0, 1) {
		for _, m := range t.Times[day.Weekday()] {
			start := day.Add(time.Duration(m) * time.Minute)
			out = append(out, Slot{ID: SlotID(t.ID, start), Tour: t, Start: start, End: start.Add(t.Duration), Capacity: t.Capacity})
		}
	}
	return out
}

// midnight is the start of t's day in Asia/Shanghai.
func midnight(t time.Time) time.Time {
	y, m, d := t.In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shanghai)
}
