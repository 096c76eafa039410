package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/access/sim"
	"github.com/campusnav/engine/services/auth"
)

// The simulator's set-up goes through the store the server uses, as
// `campus users` and `campus readers token` do: accounts and their
// sessions (auth), cards, grants and readers' tokens (access).

// simParams are the argon2id parameters of the simulated accounts'
// password hashes: the least the store accepts (8 KiB, one pass), so
// that signing in ten thousand people takes seconds, not the 19 MiB and
// two passes of each real account. They are test accounts: never run the
// simulator against a server people use.
var simParams = auth.Params{Time: 1, MemoryKiB: 8, Threads: 1, SaltLen: 16, KeyLen: 32}

// simKeyFile holds the secret the simulated accounts' passwords are
// derived from, in the data folder, so that a second run signs in the
// accounts the first made.
const simKeyFile = "simulate.key"

// simAddr is the client address sign-ins are counted against; the
// simulator's own auth service sets no useful limit on it.
const simAddr = "campus-readers-simulate"

// dataDirOf is the data folder as openStore picks it.
func dataDirOf(dir string) string {
	if dir == "" {
		dir = os.Getenv("CAMPUS_DATA_DIR")
	}
	if dir == "" {
		dir = defaultDataDir
	}
	return dir
}

// simKey reads the simulator's secret from the data folder, making it at
// the first run (mode 0600).
func simKey(dir string) ([]byte, error) {
	path := filepath.Join(dataDirOf(dir), simKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		k, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(k) != 32 {
			return nil, fmt.Errorf("%s: not the simulator's key (64 hex digits); delete it to start with new accounts", path)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k := make([]byte, 32)
	rand.Read(k)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return k, nil
}

// simPassword is a simulated account's password: derived from the key.
func simPassword(key []byte, email string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(email))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// simAccounts makes (or finds) the accounts and signs each in: the admin
// first, then the people; workers at a time.
func simAccounts(ctx context.Context, a *auth.Service, key []byte, people []sim.Person, workers int) (auth.Session, []auth.Session, error) {
	signIn := func(email string, role auth.Role) (auth.Session, error) {
		pw := simPassword(key, email)
		if _, err := a.AddUser(ctx, email, pw, role); err != nil && !errors.Is(err, auth.ErrConflict) {
			return auth.Session{}, fmt.Errorf("account %s: %w", email, err)
		}
		s, err := a.Login(ctx, email, pw, simAddr)
		if errors.Is(err, auth.ErrCredentials) {
			return auth.Session{}, fmt.Errorf("%s exists but does not take the password derived from %s: give the --data-dir of the run that made it, or use a fresh store", email, simKeyFile)
		}
		if err != nil {
			return auth.Session{}, fmt.Errorf("signing in %s: %w", email, err)
		}
		if s.User.Role != role {
			return auth.Session{}, fmt.Errorf("%s exists as %s, the simulation wants %s", email, s.User.Role, role)
		}
		return s, nil
	}
	admin, err := signIn(sim.AdminEmail, auth.Admin)
	if err != nil {
		return auth.Session{}, nil, err
	}
	sessions := make([]auth.Session, len(people))
	err = parallel(len(people), workers, func(i int) error {
		s, err := signIn(people[i].Email, people[i].Role)
		sessions[i] = s
		return err
	})
	return admin, sessions, err
}

// simStaffStudents are simulated people 1 to n, of every ten three staff
// and seven students, their accounts email(n).
func simStaffStudents(n int, email func(n int) string) []sim.Person {
	ps := make([]sim.Person, n)
	for i := range ps {
		n := i + 1
		role := auth.Student
		if n%10 < 3 {
			role = auth.Staff
		}
		ps[i] = sim.Person{N: n, Email: email(n), Role: role}
	}
	return ps
}

// simSignIn makes (or finds) the accounts of the admin and of people in
// the server's store db and signs each in, workers at a time, with
// passwords derived from the data folder's simKeyFile and no bound on
// sign-ins.
func simSignIn(ctx context.Context, db auth.Store, dataDir string, people []sim.Person, workers int) (auth.Session, []auth.Session, error) {
	key, err := simKey(dataDir)
	if err != nil {
		return auth.Session{}, nil, err
	}
	many := auth.Limit{N: 1 << 30, Per: time.Second}
	accounts := auth.New(db, auth.Options{Params: simParams, AccountLimit: many, AddressLimit: many, SessionCacheTTL: -1})
	return simAccounts(ctx, accounts, key, people, workers)
}

// simCard is what the set-up learnt of a person's card.
type simCard struct {
	ID         int64
	Number     string
	LastReader *geo.Reader
	LastAt     time.Time
}

// simCards makes (or reads) each person's card, as it stands: a card a
// past run left frozen, or with its physical card lost, is unfrozen and
// found again by the simulation's admin, so every run starts clean.
func simCards(ctx context.Context, svc *access.Service, admin auth.User, sessions []auth.Session, workers int) ([]simCard, error) {
	out := make([]simCard, len(sessions))
	err := parallel(len(sessions), workers, func(i int) error {
		u := sessions[i].User
		c, err := svc.Card(ctx, u)
		if err != nil {
			return fmt.Errorf("card of %s: %w", u.Email, err)
		}
		if c.Status == access.Frozen {
			if c, err = svc.SetFrozen(ctx, admin, c.ID, false); err != nil {
				return fmt.Errorf("unfreezing the card of %s: %w", u.Email, err)
			}
		}
		if c.Physical == access.Lost {
			if c, err = svc.Physical(ctx, u, false); err != nil {
				return fmt.Errorf("finding the card of %s: %w", u.Email, err)
			}
		}
		out[i] = simCard{ID: c.ID, Number: c.Number, LastAt: c.LastAt}
		if r, err := svc.Reader(c.LastReader); err == nil && !c.LastAt.IsZero() {
			out[i].LastReader = r
		}
		return nil
	})
	return out, err
}

// simGrants grants each person their office or dormitory room, unless a
// grant to it holds for a day more.
func simGrants(ctx context.Context, svc *access.Service, admin auth.User, people []sim.Person, workers int) (int, error) {
	var mu sync.Mutex
	made := 0
	err := parallel(len(people), workers, func(i int) error {
		p := people[i]
		rooms := p.Grants()
		if len(rooms) == 0 {
			return nil
		}
		now := time.Now()
		held, err := svc.Grants(ctx, admin, p.Email)
		if err != nil {
			return fmt.Errorf("grants of %s: %w", p.Email, err)
		}
		for _, u := range rooms {
			has := false
			for _, g := range held {
				has = has || (g.Target == u.ID && !g.From.After(now) && g.To.After(now.Add(24*time.Hour)))
			}
			if has {
				continue
			}
			req := access.GrantRequest{Person: p.Email, Target: u.ID, From: now.Add(-time.Minute), To: now.Add(365 * 24 * time.Hour)}
			if _, err := svc.Grant(ctx, admin, req); err != nil {
				return fmt.Errorf("granting %s to %s: %w", u.ID, p.Email, err)
			}
			mu.Lock()
			made++
			mu.Unlock()
		}
		return nil
	})
	return made, err
}

// simTokens gives each reader a new token (replacing its old one).
func simTokens(ctx context.Context, svc *access.Service, readers []*geo.Reader, workers int) (map[string]string, error) {
	toks := make([]string, len(readers))
	err := parallel(len(readers), workers, func(i int) error {
		t, err := svc.NewReaderToken(ctx, readers[i].ID)
		toks[i] = t
		if err != nil {
			return fmt.Errorf("token of reader %s: %w", readers[i].ID, err)
		}
		return nil
	})
	out := make(map[string]string, len(readers))
	for i, r := range readers {
		out[r.ID] = toks[i]
	}
	return out, err
}

// parallel calls fn(0..n-1), workers at a time; the first error stops
// what has not begun and is returned.
func parallel(n, workers int, fn func(i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
		ferr error
	)
	for range max(1, min(workers, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := ferr != nil
				mu.Unlock()
				if stop || i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if ferr == nil {
						ferr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return ferr
}
