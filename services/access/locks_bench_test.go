package access_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

// BenchmarkLockPIN is a PIN typed at a lock whose holders keep PINs
// hashed with the production parameters (auth.DefaultParams: argon2id,
// 19 MiB, 2 passes): each check verifies the PIN against the holders'
// hashes in turn until one matches. holders=N types the last holder's
// PIN (N verifications); wrong types none of them (N verifications and
// the count of wrong PINs; the lock-out is cleared every 4, as a right
// PIN would).
func BenchmarkLockPIN(b *testing.B) {
	for _, n := range []int{1, 4} {
		for _, wrong := range []bool{false, true} {
			name := fmt.Sprintf("holders=%d", n)
			if wrong {
				name += "/wrong"
			}
			b.Run(name, func(b *testing.B) { benchLockPIN(b, n, wrong) })
		}
	}
}

func benchLockPIN(b *testing.B, holders int, wrong bool) {
	v, lock, _, _ := lockVenue(b)
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "campus.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc, err := access.New(db, v, nil, access.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	ctx := b.Context()
	admin, _ := db.CreateUser(ctx, auth.User{Email: "admin@campus.example.edu", Role: auth.Admin}, "x")
	now := time.Now()
	last := ""
	for i := range holders {
		u, err := db.CreateUser(ctx, auth.User{Email: fmt.Sprintf("h%d@campus.example.edu", i), Role: auth.Staff}, "x")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Grant(ctx, admin, access.GrantRequest{Person: u.Email, Target: lock.ID, From: now.Add(-time.Hour), To: now.Add(24 * time.Hour)}); err != nil {
			b.Fatal(err)
		}
		last = fmt.Sprintf("4829%02d", 13+i)
		if err := svc.SetPIN(ctx, u, lock.ID, last); err != nil {
			b.Fatal(err)
		}
	}
	pin := last
	if wrong {
		pin = "000111"
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r, err := svc.Check(ctx, lock, access.Check{Reader: lock.ID, PIN: pin})
		if err != nil || (!wrong && r.Decision != access.Allow) || (wrong && r.Reason != access.ReasonUnknown) {
			b.Fatalf("check %d: %+v %v", i, r, err)
		}
		if wrong && i%4 == 3 {
			if err := db.PINMatched(ctx, lock.ID); err != nil {
				b.Fatal(err)
			}
		}
	}
}
