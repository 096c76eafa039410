package visitor

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// Service is the visitor service.
type Service struct {
	st      Store
	places  *places
	now     func() time.Time
	link    string
	webhook bool
	secret  []byte
	passes  Passes
	key     idKey
}

// Options tune a Service.
type Options struct {
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// PublicURL is where people reach the server: invitations link
	// under it.
	PublicURL string
	// Webhook says an external office workflow decides the visitors'
	// own registrations (each is sent to it, and its signed callback
	// decides): the hosts' queue then does not.
	Webhook bool
	// WebhookSecret is the key the workflow's callbacks are signed
	// with (HMAC-SHA256); callbacks are refused without one.
	WebhookSecret []byte
	// Passes signs visitor passes (the access service); nil: no passes.
	Passes Passes
}

// New is the visitor service over the venue v (meeting places), kept in
// st.
func New(v *geo.Venue, st Store, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{st: st, places: newPlaces(v), now: o.Now, link: strings.TrimRight(o.PublicURL, "/"), webhook: o.Webhook,
		secret: o.WebhookSecret, passes: o.Passes}
}

// Store is the service's store.
func (s *Service) Store() Store { return s.st }

// idKeyName is the name of the ID numbers' HMAC key in the store.
const idKeyName = "visitor-id"

// idKey is the ID numbers' HMAC key, read from the store once: the
// project keeps its server-side secrets in the store (auth's phone-code
// key), so every replica hashes alike.
type idKey struct {
	mu  sync.Mutex
	key []byte
}

func (k *idKey) get(ctx context.Context, st Store) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != nil {
		return k.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("visitor: no randomness for the ID key: %w", err)
	}
	key, err := st.Key(ctx, idKeyName, fresh)
	if err != nil {
		return nil, err
	}
	k.key = key
	return key, nil
}

// HashID is what the store keeps of an ID number (normalized by
// CheckIDNumber): its HMAC-SHA256 under the service's key.
func (s *Service) HashID(ctx context.Context, id string) ([]byte, error) {
	key, err := s.key.get(ctx, s.st)
	if err != nil {
		return nil, err
	}
	h := hmac.New(sha256.New, key)
	h.Write([]byte("visitor id\x00" + id))
	return h.Sum(nil), nil
}

// hashPeople hashes the ID numbers of ps.
func (s *Service) hashPeople(ctx context.Context, ps []person) ([]Person, error) {
	out := make([]Person, len(ps))
	for i, p := range ps {
		h, err := s.HashID(ctx, p.id)
		if err != nil {
			return nil, err
		}
		out[i] = p.Person
		out[i].IDHash = h
	}
	return out, nil
}

// host is the account of a host's email: a staff member or a student.
func (s *Service) host(ctx context.Context, email string) (auth.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if err := text("host", email); err != nil {
		return auth.User{}, err
	}
	if email == "" {
		return auth.User{}, invalid("host", "host, the host's campus email, is required", "需要填写接待人的校园邮箱 host")
	}
	u, _, err := s.st.UserByEmail(ctx, email)
	if errors.Is(err, auth.ErrNotFound) || err == nil && (u.Disabled || !IsHost(u.Role)) {
		return auth.User{}, invalid("host", "no staff member or student has the email %q", "没有邮箱为 %q 的教职工或学生", email)
	}
	return u, err
}

// IsHost reports whether a role may host visitors: staff and students.
func IsHost(r auth.Role) bool { return r == auth.Staff || r == auth.Student }

// phoneOf is the phone of a phone account ("tel:+86..."), "" for another.
func phoneOf(u auth.User) string {
	p, _ := strings.CutPrefix(u.Email, "tel:")
	if p == u.Email {
		return ""
	}
	return p
}

// mayRegister is a visitor's account.
func mayRegister(u auth.User) error {
	if u.Role != auth.Visitor {
		return refuse(ErrForbidden, "", "", "visits are registered by visitors signed in by phone; staff and students invite (POST /api/v1/invitations)",
			"访客预约由通过手机号登录的访客登记；教职工和学生请发送邀请（POST /api/v1/invitations）")
	}
	return nil
}

// visible says whether u may see visit v: its visitor, its host, or
// security.
func visible(u auth.User, v Visit) bool {
	return v.VisitorID == u.ID || v.HostID == u.ID || u.Has(auth.Security)
}

// Get is visit id as u may see it.
func (s *Service) Get(ctx context.Context, u auth.User, id int64) (Visit, error) {
	v, err := s.st.Visit(ctx, id)
	if err != nil {
		return Visit{}, err
	}
	if !visible(u, v) {
		return Visit{}, ErrNoVisit
	}
	return v, nil
}

// Mine is a page of u's own visits, newest first.
func (s *Service) Mine(ctx context.Context, u auth.User, before int64, limit int) ([]Visit, error) {
	return s.st.Visits(ctx, Query{VisitorID: u.ID, Before: before, Limit: limit})
}

// Invited reports whether host has had an approved visit of guest: a
// visitor may share their location with the people who invited them
// (share.Options.Invited).
func (s *Service) Invited(ctx context.Context, host, guest int64) (bool, error) {
	return s.st.Hosted(ctx, host, guest)
}

// ActiveVisits are the approved visits of visitor visitorUserID whose
// window holds at, each with the host's place: the building (and room)
// the visitor's map opens for the window.
func (s *Service) ActiveVisits(ctx context.Context, visitorUserID int64, at time.Time) ([]ActiveVisit, error) {
	return s.st.ActiveVisits(ctx, visitorUserID, at)
}

// VisitBuilding is the building the visitor's approved visit opens at
// at: the first of ActiveVisits, "" for none (web.Deps.VisitBuilding).
func (s *Service) VisitBuilding(ctx context.Context, visitorUserID int64, at time.Time) (string, error) {
	as, err := s.ActiveVisits(ctx, visitorUserID, at)
	if err != nil || len(as) == 0 {
		return "", err
	}
	return as[0].Building, nil
}
