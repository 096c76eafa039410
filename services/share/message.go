package share

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/campusnav/engine/geo"
)

// The messages a viewer's socket receives, written by hand: one location
// is written once per role that sees it, for every viewer of that role.
//
//	{"type":"location","share":7,"person":{"id":3,"name":"ann"},"lon":113.4,"lat":22.9,
//	 "ordinal":3,"level":"L","building":"B","unit":"U","accuracy_m":4.2,"t":"2026-12-09T10:00:00+08:00"}
//	{"type":"share_started","share":7}   {"type":"share_ended","share":7}
//	{"type":"alert","share":7,"place":"C3","event":"enter","t":"..."}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		i++
	}
	return append(b, '"')
}

func appendOptString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

func appendFloat(b []byte, f float64) []byte { return strconv.AppendFloat(b, f, 'f', -1, 64) }

// appendTime appends t in Shanghai as an RFC 3339 JSON string.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.In(shanghai).AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// locationMessage is the message of share's location as seen.
func locationMessage(share int64, person []byte, s geo.Seen, t time.Time) []byte {
	b := make([]byte, 0, 320)
	b = append(b, `{"type":"location","share":`...)
	b = strconv.AppendInt(b, share, 10)
	b = append(b, `,"person":`...)
	b = append(b, person...)
	b = append(b, `,"lon":`...)
	b = appendFloat(b, s.Lon)
	b = append(b, `,"lat":`...)
	b = appendFloat(b, s.Lat)
	b = append(b, `,"ordinal":`...)
	if s.Ordinal != nil {
		b = strconv.AppendInt(b, int64(*s.Ordinal), 10)
	} else {
		b = append(b, "null"...)
	}
	level, building, unit := "", "", ""
	if s.Level != nil {
		level = s.Level.ID
	}
	if s.Building != nil {
		building = s.Building.ID
	}
	if s.Unit != nil {
		unit = s.Unit.ID
	}
	b = append(b, `,"level":`...)
	b = appendOptString(b, level)
	b = append(b, `,"building":`...)
	b = appendOptString(b, building)
	b = append(b, `,"unit":`...)
	b = appendOptString(b, unit)
	b = append(b, `,"accuracy_m":`...)
	b = appendFloat(b, s.AccuracyM)
	b = append(b, `,"t":`...)
	b = appendTime(b, t)
	return append(b, '}')
}

// personJSON is {"id":..,"name":..} of a person.
func personJSON(p Person) []byte {
	b := append([]byte(`{"id":`), strconv.FormatInt(p.ID, 10)...)
	b = append(b, `,"name":`...)
	b = appendString(b, p.Name)
	return append(b, '}')
}

// shareMessage is {"type":kind,"share":id}.
func shareMessage(kind string, id int64) []byte {
	b := append([]byte(`{"type":"`), kind...)
	b = append(b, `","share":`...)
	b = strconv.AppendInt(b, id, 10)
	return append(b, '}')
}

// Share message kinds.
const (
	ShareStarted = "share_started"
	ShareEnded   = "share_ended"
)

// alertMessage is an alert's event.
func alertMessage(e AlertEvent) []byte {
	b := append([]byte(`{"type":"alert","share":`), strconv.FormatInt(e.ShareID, 10)...)
	if e.ID != 0 {
		b = append(b, `,"id":`...)
		b = strconv.AppendInt(b, e.ID, 10)
	}
	b = append(b, `,"place":`...)
	b = appendString(b, e.Place)
	b = append(b, `,"event":`...)
	b = appendString(b, e.Event)
	b = append(b, `,"t":`...)
	b = appendTime(b, e.At)
	return append(b, '}')
}
