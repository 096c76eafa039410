package services

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Hours are opening hours on some days, as the archive's rule files give
// them (access.json, booking.json): [From, To) minutes after midnight,
// local time, on the days marked.
type Hours struct {
	Days     [7]bool // by time.Weekday
	From, To int     // minutes; To may be 1440
}

// HoursJSON is Hours as written: {"days": ["mon", ...], "from": "08:00",
// "to": "22:00"}; no days is every day.
type HoursJSON struct {
	Days []string `json:"days"`
	From string   `json:"from"`
	To   string   `json:"to"`
}

// Open reports whether t (in the hours' zone) is within the hours.
func (h Hours) Open(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	return h.Days[t.Weekday()] && m >= h.From && m < h.To
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// ParseHours reads hours as written. What is wrong comes as the field
// ("days", "from" or "to") and why.
func ParseHours(hj HoursJSON) (h Hours, field, reason string) {
	if len(hj.Days) == 0 {
		for d := range h.Days {
			h.Days[d] = true
		}
	}
	for _, d := range hj.Days {
		wd, ok := weekdays[strings.ToLower(d)]
		if !ok {
			return h, "days", fmt.Sprintf("%q is not a day (mon, tue, wed, thu, fri, sat, sun)", d)
		}
		h.Days[wd] = true
	}
	var ok bool
	if h.From, ok = clock(hj.From, false); !ok {
		return h, "from", fmt.Sprintf("%q is not a time of day, HH:MM", hj.From)
	}
	if h.To, ok = clock(hj.To, true); !ok {
		return h, "to", fmt.Sprintf("%q is not a time of day, HH:MM (24:00 for midnight)", hj.To)
	}
	if h.From >= h.To {
		return h, "to", fmt.Sprintf("%s is not after %s", hj.To, hj.From)
	}
	return h, "", ""
}

// clock reads "HH:MM" as minutes after midnight; "24:00" when end.
func clock(s string, end bool) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || m < 0 || m > 59 || h < 0 {
		return 0, false
	}
	if h == 24 && m == 0 && end {
		return 1440, true
	}
	if h > 23 {
		return 0, false
	}
	return h*60 + m, true
}

// JSONReason is a JSON decoding error of data with the line it is on.
func JSONReason(data []byte, err error) string {
	var off int64
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	default:
		return err.Error()
	}
	line := 1 + bytes.Count(data[:min(int(off), len(data))], []byte("\n"))
	return fmt.Sprintf("line %d: %v", line, err)
}
