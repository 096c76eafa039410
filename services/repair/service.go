package repair

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/auth"
)

// Audit log kinds of repairs.
const (
	AuditReported = "repair_reported"
	AuditMoved    = "repair_moved"
)

// Service is the repair service: reports, the desk's work, the
// reporters' reopening and rating.
type Service struct {
	v    *geo.Venue
	st   Store
	now  func() time.Time
	link string
	zone *time.Location
}

// Options tune a Service.
type Options struct {
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// PublicURL is where people reach the server (https://map.example.edu):
	// the mails link to the ticket under it.
	PublicURL string
}

// shanghai is the zone a ticket's year is told in: +08:00.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// New is the repair service over the venue v, kept in st.
func New(v *geo.Venue, st Store, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{v: v, st: st, now: o.Now, link: strings.TrimRight(o.PublicURL, "/"), zone: shanghai}
}

// Point is a place the reporter gives by hand.
type Point struct {
	Lon, Lat float64
	Ordinal  int
}

// Report is a fault as reported: the category, a description, and where,
// by exactly one of Unit, At and Beacons (the place a Locating found
// from the reporter's scans, for the same viewer).
type Report struct {
	Category    string
	Description string
	Unit        string
	At          *Point
	Beacons     *Place
	Contact     string
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// text refuses a field's value that is not text to keep: invalid UTF-8,
// or a NUL character.
func text(field, v string) error {
	if en, zh := services.TextProblem(v); en != "" {
		return refuse(ErrInvalid, "", field, "%s "+en, "%s "+zh, field)
	}
	return nil
}

// check refuses a report that is not well formed, naming the field.
func (r *Report) check() error {
	r.Description, r.Contact = strings.TrimSpace(r.Description), strings.TrimSpace(r.Contact)
	for _, f := range [][2]string{{"category", r.Category}, {"description", r.Description}, {"contact", r.Contact}, {"unit", r.Unit}} {
		if err := text(f[0], f[1]); err != nil {
			return err
		}
	}
	if _, ok := CategoryOf(r.Category); !ok {
		return refuse(ErrInvalid, "category", "category", "no category %q (see /api/v1/repairs/categories)", "没有类别 %q（见 /api/v1/repairs/categories）", r.Category)
	}
	switch n := chars(r.Description); {
	case n == 0:
		return refuse(ErrInvalid, "", "description", "description is required", "需要填写故障描述 description")
	case n > MaxDescription:
		return refuse(ErrInvalid, "", "description", "description is %d characters, more than %d", "故障描述有 %d 个字符，超过 %d", n, MaxDescription)
	}
	if n := chars(r.Contact); n > MaxContact {
		return refuse(ErrInvalid, "", "contact", "contact is %d characters, more than %d", "联系方式有 %d 个字符，超过 %d", n, MaxContact)
	}
	given := 0
	for _, b := range []bool{r.Unit != "", r.At != nil, r.Beacons != nil} {
		if b {
			given++
		}
	}
	if given != 1 {
		return refuse(ErrInvalid, "", "unit", "say where by exactly one of unit, at and scans", "请仅用 unit、at、scans 之一说明位置")
	}
	return nil
}

// openSpaces are the unit categories of faults matched as duplicates by
// distance rather than by room: corridors, lobbies and the like.
var openSpaces = map[string]bool{"walkway": true, "lobby": true, "foyer": true, "ramp": true, "opentobelow": true,
	"unenclosedarea": true, "parking": true}

// unitLocation is where unit u is, for language lang.
func unitLocation(u *geo.Unit, lang, source string) Location {
	l := Location{Unit: u.ID, Ref: u.Ref, Lon: u.Display.Lon(), Lat: u.Display.Lat(), Source: source}
	if lv := u.Level; lv != nil {
		o := lv.Ordinal
		l.Level, l.Ordinal, l.Floor = lv.ID, &o, lv.ShortName.In(lang)
		if b := lv.Building(); b != nil {
			l.Building = b.ID
		}
	}
	return l
}

// locate is where report r says the fault is, as w sees it.
func (s *Service) locate(w geo.View, r Report, lang string) (Location, bool, error) {
	switch {
	case r.Unit != "":
		f, ok := w.Feature(r.Unit)
		u, isUnit := f.(*geo.Unit)
		if !ok || !isUnit {
			return Location{}, false, refuse(ErrNotFound, "unit", "unit", "no unit %q", "没有房间 %q", r.Unit)
		}
		return unitLocation(u, lang, SourceManual), !openSpaces[u.Category], nil
	case r.At != nil:
		p := *r.At
		if math.IsNaN(p.Lon) || math.IsNaN(p.Lat) || p.Lon < -180 || p.Lon > 180 || p.Lat < -90 || p.Lat > 90 ||
			p.Ordinal < geo.MinOrdinal || p.Ordinal > geo.MaxOrdinal {
			return Location{}, false, refuse(ErrInvalid, "", "at", "at is not a longitude, latitude and ordinal", "at 不是有效的经度、纬度和楼层序号")
		}
		if err := s.v.CheckNear(p.Lon, p.Lat); err != nil {
			return Location{}, false, err
		}
		found := w.Locate(geo.Position{Lon: p.Lon, Lat: p.Lat, Ordinal: p.Ordinal}, lang)
		o := p.Ordinal
		l := Location{Lon: p.Lon, Lat: p.Lat, Ordinal: &o, Source: SourcePoint}
		if found.Building != nil {
			l.Building = found.Building.ID
		}
		if found.Level != nil {
			l.Level = found.Level.ID
			if lv, ok := w.Feature(found.Level.ID); ok {
				l.Floor = lv.(*geo.Level).ShortName.In(lang)
			}
		}
		room := false
		if found.Unit != nil {
			l.Unit, l.Ref = found.Unit.ID, found.Unit.Ref
			room = !openSpaces[found.Unit.Category]
		}
		return l, room, nil
	default:
		p := *r.Beacons
		l := Location{Unit: p.Unit, Ref: p.Ref, Building: p.Building, Level: p.Level, Floor: p.Floor, Ordinal: p.Ordinal,
			Lon: p.Lon, Lat: p.Lat, Source: SourceBeacons}
		room := false
		if f, ok := w.Feature(p.Unit); ok {
			if u, isUnit := f.(*geo.Unit); isUnit {
				room = !openSpaces[u.Category]
			}
		}
		return l, room, nil
	}
}

// Create files report r by u, whose language is lang ("en" or "zh").
func (s *Service) Create(ctx context.Context, u auth.User, r Report, lang string) (View, error) {
	if err := r.check(); err != nil {
		return View{}, err
	}
	w := s.v.View(auth.GeoRole(u.Role))
	l, room, err := s.locate(w, r, lang)
	if err != nil {
		return View{}, err
	}
	l.Room = room
	c, _ := CategoryOf(r.Category)
	t := Ticket{ReporterID: u.ID, Lang: lang, Category: r.Category, Description: r.Description, Contact: r.Contact,
		Location: l, Status: Submitted, Created: s.now(), Personal: c.Personal}
	t, err = s.st.CreateTicket(ctx, t)
	if err != nil {
		return View{}, err
	}
	return s.view(t, true), nil
}
