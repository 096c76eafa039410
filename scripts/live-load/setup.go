package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/sqlite"
)

// The set-up: accounts are written into the store the server uses, as
// `campus users add` does but with the cheapest password hash the store
// accepts (argon2id, 8 KiB, one pass), and each is signed in there: ten
// thousand take seconds, not the minutes of ten thousand real hashes.
// Groups, joins and shares then go through the API, as a phone's would.

// loadParams are the test accounts' password hash parameters.
var loadParams = auth.Params{Time: 1, MemoryKiB: 8, Threads: 1, SaltLen: 16, KeyLen: 32}

// loadPassword is every test account's password: they are test
// accounts, in a store nobody uses.
const loadPassword = "live-load test account"

// person is one test account: its session, and which URL its socket
// opens on.
type person struct {
	id    int64
	token string
	base  string
	group int // the size of its group
	// sharer: they send fixes.
	sharer bool
}

// openStore opens the store as campusd does: PostgreSQL when url is
// set, else the embedded store in dir.
func openStore(ctx context.Context, url, dir string) (auth.Store, func(), error) {
	if url != "" {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			return nil, nil, fmt.Errorf("database: %w", err)
		}
		return db, func() { db.Close() }, nil
	}
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	return db, func() { db.Close() }, nil
}

// accounts makes n accounts prefix-I@example.edu (students) in the store
// and signs each in, workers at a time.
func accounts(ctx context.Context, db auth.Store, prefix string, n, workers int) ([]person, error) {
	many := auth.Limit{N: 1 << 30, Per: time.Second}
	svc := auth.New(db, auth.Options{Params: loadParams, AccountLimit: many, AddressLimit: many, SessionCacheTTL: -1})
	people := make([]person, n)
	err := parallel(n, workers, func(i int) error {
		email := fmt.Sprintf("%s-%d@example.edu", prefix, i)
		if _, err := svc.AddUser(ctx, email, loadPassword, auth.Student); err != nil && !errors.Is(err, auth.ErrConflict) {
			return fmt.Errorf("account %s: %w", email, err)
		}
		s, err := svc.Login(ctx, email, loadPassword, "live-load")
		if err != nil {
			return fmt.Errorf("signing in %s: %w", email, err)
		}
		people[i] = person{id: s.User.ID, token: s.Token}
		return nil
	})
	return people, err
}

// api is a client of the campus API.
type api struct{ hc *http.Client }

// call sends body (JSON, or nothing) to base+path as the holder of token
// and decodes the answer into out; an answer other than want is an
// error.
func (a api) call(ctx context.Context, method, base, path, token string, body any, want int, out any) error {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// groups puts people in groups of 2 to 10 (sizes drawn from seed; the
// last few join a group that would be too small), each member sharing
// with their group for a day, through the API of each person's base
// URL. It returns the groups' sizes.
func groups(ctx context.Context, a api, people []person, seed uint64, workers int) ([]int, error) {
	sizes := groupSizes(len(people), seed)
	starts := make([]int, len(sizes))
	for g, at := 1, sizes[0]; g < len(sizes); g++ {
		starts[g], at = at, at+sizes[g]
	}
	err := parallel(len(sizes), workers, func(g int) error {
		members := people[starts[g] : starts[g]+sizes[g]]
		var grp struct {
			ID   int64  `json:"id"`
			Code string `json:"code"`
		}
		owner := members[0]
		if err := a.call(ctx, "POST", owner.base, "/api/v1/groups", owner.token, map[string]string{"name": fmt.Sprintf("load %d", g)}, http.StatusCreated, &grp); err != nil {
			return err
		}
		for _, m := range members[1:] {
			if err := a.call(ctx, "POST", m.base, "/api/v1/groups/join", m.token, map[string]string{"code": grp.Code}, http.StatusOK, nil); err != nil {
				return err
			}
		}
		for _, m := range members {
			if err := a.call(ctx, "POST", m.base, "/api/v1/shares", m.token, map[string]any{"group": grp.ID, "minutes": 24 * 60}, http.StatusCreated, nil); err != nil {
				return err
			}
		}
		for i := range members {
			members[i].group = sizes[g]
		}
		return nil
	})
	return sizes, err
}

// groupSizes splits n people (at least 2) into groups of 2 to 10, sizes
// drawn from seed; a last one left alone joins the group before (which
// may make it 11).
func groupSizes(n int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 1))
	var sizes []int
	for left := n; left > 0; {
		s := min(2+rng.IntN(9), left)
		if left-s == 1 && s < 10 {
			s++ // a group of one shares with nobody
		}
		if s == 1 {
			sizes[len(sizes)-1]++
		} else {
			sizes = append(sizes, s)
		}
		left -= s
	}
	return sizes
}

// spot is where the sharers say they are: a room's point and floor.
type spot struct {
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
	Ordinal int     `json:"ordinal"`
	Kind    string  `json:"kind"`
}

// findSpot asks the API where the room ref is.
func findSpot(ctx context.Context, a api, base, ref string) (spot, error) {
	var found []spot
	if err := a.call(ctx, "GET", base, "/api/v1/search?q="+ref, "", nil, http.StatusOK, &found); err != nil {
		return spot{}, err
	}
	for _, s := range found {
		if s.Kind == "unit" {
			return s, nil
		}
	}
	return spot{}, fmt.Errorf("search %q: no room", ref)
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
		wg.Go(func() {
			for {
				mu.Lock()
				i, stop := next, ferr != nil
				next++
				mu.Unlock()
				if stop || i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					ferr = cmpErr(ferr, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return ferr
}

func cmpErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}
