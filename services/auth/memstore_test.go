package auth_test

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/storetest"
)

// memStore is an auth.Store in memory, for the service's tests. It passes
// the conformance suite, which keeps it honest.
type memStore struct {
	mu       sync.Mutex
	nextID   int64
	users    map[string]memUser // by email
	sessions map[string]memSession
}

type memUser struct {
	u    auth.User
	hash string
}

type memSession struct {
	userID  int64
	expires time.Time
}

func newMemStore() *memStore {
	return &memStore{users: map[string]memUser{}, sessions: map[string]memSession{}}
}

func TestMemStore(t *testing.T) {
	storetest.Auth(t, func(t *testing.T) auth.Store { return newMemStore() })
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
	return mu.u, mu.hash, nil
}

func (m *memStore) ListUsers(context.Context) ([]auth.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	us := []auth.User{}
	for _, mu := range m.users {
		us = append(us, mu.u)
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
			if s.userID == mu.u.ID {
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

func (m *memStore) SessionUser(_ context.Context, hash string, now time.Time) (auth.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[hash]
	if !ok || !s.expires.After(now) {
		return auth.User{}, auth.ErrNotFound
	}
	u, ok := m.byID(s.userID)
	if !ok {
		return auth.User{}, auth.ErrNotFound
	}
	return u, nil
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
