package auth_test

import (
	"context"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/storetest"
)

// memStore is an auth.Store with its accounts, sessions and family
// applications in memory, for the service's tests; it passes the
// conformance suite, which keeps it honest. Its sign-in state (limits,
// codes, sign-ins begun) is a real SQLite store's, not a copy of it.
type memStore struct {
	auth.State
	mu       sync.Mutex
	nextID   int64
	users    map[string]memUser // by email
	sessions map[string]memSession
	family   []auth.FamilyApplication
	lookups  int // SessionUser calls
	audit    []audit.Entry
}

type memUser struct {
	u    auth.User
	hash string
}

type memSession struct {
	userID  int64
	expires time.Time
}

func newMemStore(t testing.TB) *memStore {
	return &memStore{State: openState(t), users: map[string]memUser{}, sessions: map[string]memSession{}}
}

// openState opens a fresh SQLite store, closed when the test ends.
func openState(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestMemStore(t *testing.T) {
	storetest.Auth(t, func(t *testing.T) auth.Store { return newMemStore(t) })
	storetest.Duties(t, func(t *testing.T) auth.Store { return newMemStore(t) })
}

func (m *memStore) CreateUser(_ context.Context, u auth.User, hash string) (auth.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[u.Email]; ok {
		return auth.User{}, auth.ErrConflict
	}
	m.nextID++
	u.ID = m.nextID
	if u.Created.IsZero() {
		u.Created = time.Now()
	}
	u.Created = u.Created.Truncate(time.Microsecond)
	m.users[u.Email] = memUser{u, hash}
	return u, nil
}

func (m *memStore) UserByEmail(_ context.Context, email string) (auth.User, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mu, ok := m.users[email]
	if !ok {
		return auth.User{}, "", auth.ErrNotFound
	}
	return m.effective(mu.u), mu.hash, nil
}

// effective is u as read: disabled if its sponsor is; the caller holds mu.
func (m *memStore) effective(u auth.User) auth.User {
	if sp, ok := m.byID(u.SponsorID); ok && u.SponsorID != 0 && sp.Disabled {
		u.Disabled = true
	}
	return u
}

func (m *memStore) ListUsers(context.Context) ([]auth.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	us := []auth.User{}
	for _, mu := range m.users {
		us = append(us, m.effective(mu.u))
	}
	sort.Slice(us, func(i, j int) bool { return us[i].Email < us[j].Email })
	return us, nil
}

func (m *memStore) SetDisabled(_ context.Context, email string, disabled bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mu, ok := m.users[email]
	if !ok {
		return auth.ErrNotFound
	}
	mu.u.Disabled = disabled
	m.users[email] = mu
	if disabled {
		for h, s := range m.sessions {
			if u, _ := m.byID(s.userID); s.userID == mu.u.ID || u.SponsorID == mu.u.ID {
				delete(m.sessions, h)
			}
		}
	}
	return nil
}

// byID returns the account of id; the caller holds mu.
func (m *memStore) byID(id int64) (auth.User, bool) {
	for _, mu := range m.users {
		if mu.u.ID == id {
			return mu.u, true
		}
	}
	return auth.User{}, false
}

func (m *memStore) CreateSession(_ context.Context, hash string, userID int64, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID(userID); !ok {
		return auth.ErrNotFound
	}
	if _, ok := m.sessions[hash]; ok {
		return auth.ErrConflict
	}
	m.sessions[hash] = memSession{userID, expires.Truncate(time.Microsecond)}
	return nil
}

func (m *memStore) SessionUser(_ context.Context, hash string, now time.Time) (auth.User, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	s, ok := m.sessions[hash]
	if !ok || !s.expires.After(now) {
		return auth.User{}, time.Time{}, auth.ErrNotFound
	}
	u, ok := m.byID(s.userID)
	if !ok {
		return auth.User{}, time.Time{}, auth.ErrNotFound
	}
	return m.effective(u), s.expires, nil
}

func (m *memStore) DeleteSession(_ context.Context, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, hash)
	return nil
}

// sessionCount is the number of sessions kept.
func (m *memStore) sessionCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}

// hasSession reports whether hash is a session key.
func (m *memStore) hasSession(hash string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.sessions[hash]
	return ok
}

func (m *memStore) CreateFamilyApplication(_ context.Context, a auth.FamilyApplication) (auth.FamilyApplication, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID(a.SponsorID); !ok {
		return a, auth.ErrNotFound
	}
	if mu, ok := m.users["tel:"+a.Phone]; ok && mu.u.Role == auth.Family {
		return a, auth.ErrFamilyAccount
	}
	for _, b := range m.family {
		if b.Phone == a.Phone && b.Status == auth.Pending {
			return a, auth.ErrFamilyPending
		}
	}
	a.ID = int64(len(m.family) + 1)
	a.Status, a.Decided, a.UserID = auth.Pending, nil, 0
	a.Created = a.Created.Truncate(time.Microsecond)
	m.family = append(m.family, a)
	return a, nil
}

func (m *memStore) FamilyApplications(_ context.Context, sponsorID int64) ([]auth.FamilyApplication, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	as := []auth.FamilyApplication{}
	for _, a := range m.family {
		if sponsorID == 0 || a.SponsorID == sponsorID {
			as = append(as, a)
		}
	}
	return as, nil
}

func (m *memStore) DecideFamilyApplication(_ context.Context, id int64, approve bool, by int64, now time.Time) (auth.FamilyApplication, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || id > int64(len(m.family)) {
		return auth.FamilyApplication{}, auth.ErrNotFound
	}
	a := m.family[id-1]
	if a.Status != auth.Pending {
		return a, auth.ErrConflict
	}
	now = now.Truncate(time.Microsecond)
	a.Status, a.Decided = auth.Rejected, &now
	if approve {
		a.Status = auth.Approved
		email := "tel:" + a.Phone
		mu, ok := m.users[email]
		if ok && mu.u.Role == auth.Family && mu.u.SponsorID != a.SponsorID {
			return m.family[id-1], auth.ErrFamilyAccount
		}
		if !ok {
			m.nextID++
			mu = memUser{u: auth.User{ID: m.nextID, Email: email, Created: now}}
		}
		mu.u.Role, mu.u.SponsorID = auth.Family, a.SponsorID
		m.users[email] = mu
		a.UserID = mu.u.ID
	}
	m.family[id-1] = a
	d := audit.Reject
	if approve {
		d = audit.Approve
	}
	m.append(audit.Entry{At: now, Actor: by, Subject: "tel:" + a.Phone, Kind: audit.FamilyDecided, Decision: d})
	return a, nil
}

// append chains e to the log; the caller holds mu.
func (m *memStore) append(e audit.Entry) audit.Entry {
	prev := audit.Zero
	if n := len(m.audit); n > 0 {
		prev = m.audit[n-1].Hash
	}
	e = e.Chain(int64(len(m.audit)), prev)
	m.audit = append(m.audit, e)
	return e
}

func (m *memStore) Append(_ context.Context, e audit.Entry) (audit.Entry, error) {
	e, err := e.Check()
	if err != nil {
		return audit.Entry{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.append(e), nil
}

// entries returns the audit log's entries of kind.
func (m *memStore) entries(kind string) []audit.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	var es []audit.Entry
	for _, e := range m.audit {
		if e.Kind == kind {
			es = append(es, e)
		}
	}
	return es
}

func (m *memStore) SetDuty(_ context.Context, c auth.DutyChange) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mu, ok := m.users[c.Email]
	if !ok {
		return false, auth.ErrNotFound
	}
	bit := auth.DutySetOf(string(c.Duty))
	had := mu.u.Duties&bit != 0
	if had == c.Grant {
		return false, nil
	}
	mu.u.Duties ^= bit
	m.users[c.Email] = mu
	e := audit.Entry{At: c.At, Actor: c.By, Subject: c.Email, Kind: audit.DutyGranted, Decision: audit.Grant, Reason: c.Reason}
	if !c.Grant {
		e.Kind, e.Decision = audit.DutyRevoked, audit.Revoke
	}
	m.append(e)
	return true, nil
}
