package visitor

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/mail"
)

// The watchlist: security (duty security) lists people who may not
// visit, by ID number (kept as its keyed hash, as visits keep it), phone,
// plate or name. A registration (or an acceptance, or a booking again)
// that matches is refused with a neutral answer (ErrRefused), which says
// nothing of the list; security is told: an audit entry naming the entry
// and the visitor, and a mail to everyone holding the duty (through the
// outbox). A gate refuses a matching visitor alike (gate.go).

// Kinds of watchlist entry.
const (
	WatchID    = "id_number"
	WatchPhone = "phone"
	WatchPlate = "plate"
	WatchName  = "name"
)

// MaxAlerted is the most people a watchlist match is mailed to.
const MaxAlerted = 20

// Watch is a watchlist entry. Value is the normalized phone, plate or
// name, or the hex of an ID number's keyed hash.
type Watch struct {
	ID      int64
	Kind    string
	Value   string
	Note    string
	AddedBy string // the email of who added it
	Created time.Time
}

// WatchKey is one thing a visitor is matched by.
type WatchKey struct{ Kind, Value string }

// WatchStore keeps the watchlist.
type WatchStore interface {
	// AddWatch stores an entry with its audit entry (e, given the
	// entry's id); ErrWatchExists for the same kind and value,
	// ErrWatchFull beyond MaxWatchlist.
	AddWatch(ctx context.Context, w Watch, addedBy int64, e func(Watch) audit.Entry) (Watch, error)
	// Watchlist lists entries, newest first, below the id before.
	Watchlist(ctx context.Context, before int64, limit int) ([]Watch, error)
	// RemoveWatch deletes an entry with its audit entry; ErrNoWatch.
	RemoveWatch(ctx context.Context, id int64, e func(Watch) audit.Entry) error
	// WatchMatch is the entries matching any of keys, by id.
	WatchMatch(ctx context.Context, keys []WatchKey) ([]Watch, error)
	// WatchHit records a match: its audit entry, and a job of alert for
	// each of at most MaxAlerted accounts with an email that hold the
	// duty security (or are admins).
	WatchHit(ctx context.Context, e audit.Entry, alert func(to string) Job) error
}

// Errors of the watchlist.
var (
	ErrNoWatch     = &Error{Kind: ErrNotFound, En: "no such watchlist entry", Zh: "没有该名单条目"}
	ErrWatchExists = &Error{Kind: ErrConflict, Code: "exists", Field: "value", En: "the watchlist has this entry already", Zh: "名单中已有该条目"}
	ErrWatchFull   = &Error{Kind: ErrConflict, Code: "full",
		En: fmt.Sprintf("the watchlist holds %d entries, its most", MaxWatchlist), Zh: fmt.Sprintf("名单已达上限 %d 条", MaxWatchlist)}
)

// maySecure is an operator of security (or an admin).
func maySecure(u auth.User) error {
	if !u.Has(auth.Security) {
		return refuse(ErrForbidden, "", "", "only security keeps the watchlist and sees who is on campus", "只有安保人员可以管理名单和查看在校访客")
	}
	return nil
}

// normalName is a name as the watchlist matches it: lower case, single
// spaces.
func normalName(n string) string { return strings.ToLower(strings.Join(strings.Fields(n), " ")) }

// watchValue is the value of an entry of kind as kept, checked.
func (s *Service) watchValue(ctx context.Context, kind, value string) (string, error) {
	switch kind {
	case WatchID:
		id, _, err := CheckIDNumber("value", value)
		if err != nil {
			return "", err
		}
		h, err := s.HashID(ctx, id)
		return hex.EncodeToString(h), err
	case WatchPhone:
		return CheckPhone("value", value)
	case WatchPlate:
		return CheckPlate("value", value)
	case WatchName:
		n, err := checkName("value", value)
		return normalName(n), err
	}
	return "", invalid("kind", "kind %q is not id_number, phone, plate or name", "kind %q 不是 id_number、phone、plate 或 name", kind)
}

// AddWatch adds an entry to the watchlist, as security u.
func (s *Service) AddWatch(ctx context.Context, u auth.User, kind, value, note string) (Watch, error) {
	if err := maySecure(u); err != nil {
		return Watch{}, err
	}
	v, err := s.watchValue(ctx, kind, value)
	if err != nil {
		return Watch{}, err
	}
	if note, err = checkNote(note); err != nil {
		return Watch{}, err
	}
	now := s.now()
	return s.st.AddWatch(ctx, Watch{Kind: kind, Value: v, Note: note, Created: now}, u.ID, func(w Watch) audit.Entry {
		return audit.Entry{At: now, Actor: u.ID, Kind: AuditWatchlist, Decision: audit.Grant, Reason: clip(note, audit.MaxReason),
			Detail: audit.Detail(map[string]any{"entry": w.ID, "kind": w.Kind})}
	})
}

// Watchlist is a page of the watchlist, newest first, for security u.
func (s *Service) Watchlist(ctx context.Context, u auth.User, before int64, limit int) ([]Watch, error) {
	if err := maySecure(u); err != nil {
		return nil, err
	}
	return s.st.Watchlist(ctx, before, limit)
}

// RemoveWatch removes entry id, as security u.
func (s *Service) RemoveWatch(ctx context.Context, u auth.User, id int64) error {
	if err := maySecure(u); err != nil {
		return err
	}
	now := s.now()
	return s.st.RemoveWatch(ctx, id, func(w Watch) audit.Entry {
		return audit.Entry{At: now, Actor: u.ID, Kind: AuditWatchlist, Decision: audit.Revoke,
			Detail: audit.Detail(map[string]any{"entry": w.ID, "kind": w.Kind})}
	})
}

// watchKeys are what visit v (of visitor account subject) is matched by.
func watchKeys(v Visit) []WatchKey {
	var ks []WatchKey
	if p := visitorPhone(v); p != "" {
		ks = append(ks, WatchKey{WatchPhone, p})
	}
	if v.Plate != "" {
		ks = append(ks, WatchKey{WatchPlate, v.Plate})
	}
	for _, p := range v.People {
		if p.IDHash != nil {
			ks = append(ks, WatchKey{WatchID, hex.EncodeToString(p.IDHash)})
		}
		if p.Phone != "" {
			ks = append(ks, WatchKey{WatchPhone, p.Phone})
		}
		if p.Name != "" {
			ks = append(ks, WatchKey{WatchName, normalName(p.Name)})
		}
	}
	return ks
}

// screen refuses a visit the watchlist matches, neutrally; security is
// told.
func (s *Service) screen(ctx context.Context, u auth.User, v Visit, now time.Time) error {
	ws, err := s.st.WatchMatch(ctx, watchKeys(v))
	if err != nil || len(ws) == 0 {
		return err
	}
	return s.refused(ctx, u, v, ws[0], now)
}

// refused records that entry w refused visit v of u, and answers
// ErrRefused.
func (s *Service) refused(ctx context.Context, u auth.User, v Visit, w Watch, now time.Time) error {
	subject := v.Visitor
	if subject == "" {
		subject = u.Email
	}
	e := audit.Entry{At: now, Actor: u.ID, Subject: subject, Kind: AuditRefused, Place: v.Place.Building, Decision: audit.Deny,
		Reason: "watchlist", Detail: audit.Detail(map[string]any{"entry": w.ID, "kind": w.Kind, "host": v.Host, "date": v.Date, "source": v.Source})}
	if err := s.st.WatchHit(ctx, e, s.alert(w, subject, "registration", v.Host, v.Date)); err != nil {
		return err
	}
	return ErrRefused
}

// screenAll is screen of many visits (an import's) with one look at the
// watchlist: each visit's refusal, or nil.
func (s *Service) screenAll(ctx context.Context, u auth.User, vs []Visit, now time.Time) ([]error, error) {
	var keys []WatchKey
	for _, v := range vs {
		keys = append(keys, watchKeys(v)...)
	}
	out := make([]error, len(vs))
	ws, err := s.st.WatchMatch(ctx, keys)
	if err != nil || len(ws) == 0 {
		return out, err
	}
	listed := map[WatchKey]Watch{}
	for _, w := range ws {
		listed[WatchKey{w.Kind, w.Value}] = w
	}
	for i, v := range vs {
		for _, k := range watchKeys(v) {
			if w, hit := listed[k]; hit {
				if out[i] = s.refused(ctx, u, v, w, now); out[i] != ErrRefused {
					return nil, out[i]
				}
				break
			}
		}
	}
	return out, nil
}

// alert is the mail telling security of a match of entry w by subject
// where ("registration", or a gate's name).
func (s *Service) alert(w Watch, subject, where, host, date string) func(to string) Job {
	return func(to string) Job {
		m := mail.Message{To: to,
			Subject: fmt.Sprintf("访客名单命中 / Watchlist match: %s", subject),
			Text: fmt.Sprintf("名单条目 %d（%s）命中：%s，%s，接待人 %s，日期 %s。访客只收到了中性答复。\n\n"+
				"Watchlist entry %d (%s) matched %s at %s, host %s, date %s. The visitor was given a neutral answer.\n",
				w.ID, w.Kind, subject, where, host, date, w.ID, w.Kind, subject, where, host, date)}
		return Job{Kind: "mail", Args: m}
	}
}

// WatchView is an entry as security reads it: an ID number's value is
// not shown (only its hash is kept).
type WatchView struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Value     *string   `json:"value"`
	Note      string    `json:"note"`
	AddedBy   string    `json:"added_by"`
	CreatedAt time.Time `json:"created_at"`
}

// WatchView is w as answered.
func (s *Service) WatchView(w Watch) WatchView {
	v := WatchView{ID: w.ID, Kind: w.Kind, Note: w.Note, AddedBy: w.AddedBy, CreatedAt: local(w.Created)}
	if w.Kind != WatchID {
		val := w.Value
		v.Value = &val
	}
	return v
}
