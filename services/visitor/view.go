package visitor

import (
	"time"
)

// View is a visit as its visitor, its host and security read it. ID
// numbers are never shown: only their kind is kept in clear.
type View struct {
	ID        int64        `json:"id"`
	Status    string       `json:"status"`
	Type      string       `json:"type"`
	Reason    string       `json:"reason"`
	Host      string       `json:"host"`
	Visitor   string       `json:"visitor"`
	Date      string       `json:"date"`
	From      string       `json:"from"`
	To        string       `json:"to"`
	StartsAt  time.Time    `json:"starts_at"`
	EndsAt    time.Time    `json:"ends_at"`
	People    []PersonView `json:"people"`
	Mode      string       `json:"mode"`
	Plate     *string      `json:"plate"`
	Place     *PlaceView   `json:"place"`
	Source    string       `json:"source"`
	Approval  string       `json:"approval"` // who decides: "host" or "external"
	Note      string       `json:"note"`
	DecidedAt *time.Time   `json:"decided_at"`
	CreatedAt time.Time    `json:"created_at"`
	Purged    bool         `json:"purged"`
}

// PersonView is one person of a visit.
type PersonView struct {
	Name      string     `json:"name"`
	Phone     string     `json:"phone"`
	IDKind    string     `json:"id_kind"`
	EnteredAt *time.Time `json:"entered_at"`
	LeftAt    *time.Time `json:"left_at"`
}

// PlaceView is where a visit meets: the reference the host gave, the
// building's IMDF id and the room's ("" for none).
type PlaceView struct {
	Ref      string `json:"ref"`
	Building string `json:"building"`
	Unit     string `json:"unit"`
}

// local is t in Shanghai, as answers tell times.
func local(t time.Time) time.Time { return t.In(Shanghai) }

func localp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	l := local(*t)
	return &l
}

// View is v as answered.
func (s *Service) View(v Visit) View {
	w := View{ID: v.ID, Status: v.Status, Type: v.Type, Reason: v.Reason, Host: v.Host, Visitor: v.Visitor, Date: v.Date,
		From: local(v.From).Format("15:04"), To: local(v.To).Format("15:04"), StartsAt: local(v.From), EndsAt: local(v.To),
		Mode: v.Mode, Source: v.Source, Approval: "host", Note: v.Note, DecidedAt: localp(v.Decided), CreatedAt: local(v.Created),
		Purged: v.Purged, People: make([]PersonView, len(v.People))}
	if s.webhook && v.Source == SourceSelf {
		w.Approval = "external"
	}
	if v.Plate != "" {
		p := v.Plate
		w.Plate = &p
	}
	if v.Place.Building != "" {
		w.Place = &PlaceView{Ref: v.Place.Ref, Building: v.Place.Building, Unit: v.Place.Unit}
	}
	for i, p := range v.People {
		w.People[i] = PersonView{Name: p.Name, Phone: p.Phone, IDKind: p.IDKind, EnteredAt: localp(p.Entered), LeftAt: localp(p.Left)}
	}
	return w
}

// Views are vs as answered.
func (s *Service) Views(vs []Visit) []View {
	out := make([]View, len(vs))
	for i, v := range vs {
		out[i] = s.View(v)
	}
	return out
}
