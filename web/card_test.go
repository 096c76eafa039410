package web

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

// fakeAccessDB is the access service over a fresh SQLite store whose
// accounts have the ids fakeAuth gives its roles (the length of the
// role's name: staff and admin 5, family 6, student and visitor 7), so
// the fake sessions carry cards. It answers the service, a reader
// token of the first gate turnstile and the store.
func fakeAccessDB(t testing.TB) (*access.Service, *geo.Reader, string, *sqlite.DB) {
	t.Helper()
	testServer(t) // loads the campus
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	for i := 1; i <= 7; i++ {
		role, email := auth.Visitor, fmt.Sprintf("nobody%d@example.edu", i)
		switch i {
		case 5:
			role, email = auth.Staff, "staff@example.edu"
		case 6:
			role, email = auth.Family, "family@example.edu"
		case 7:
			role, email = auth.Student, "student@example.edu"
		}
		if _, err := db.CreateUser(ctx, auth.User{Email: email, Role: role, Created: time.Now()}, "x"); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := access.New(db, campusDeps.Venue, campusDeps.Graph, access.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	var gate *geo.Reader
	for _, r := range campusDeps.Venue.Readers {
		if r.Kind == geo.ReaderGate {
			gate = r
			break
		}
	}
	tok, err := svc.NewReaderToken(ctx, gate.ID)
	if err != nil {
		t.Fatal(err)
	}
	return svc, gate, tok, db
}

// fakeLock is a lock of the campus whose room the student (id 7) lives
// in, by a grant, and the lock's reader token.
func fakeLock(t testing.TB, svc *access.Service) (*geo.Reader, string) {
	t.Helper()
	var lock *geo.Reader
	for _, r := range campusDeps.Venue.Readers {
		if r.Kind == geo.ReaderLock && r.Building != nil && r.Building.Ref == "C3" {
			lock = r
			break
		}
	}
	now := time.Now()
	if _, err := svc.Grant(context.Background(), auth.User{ID: 5, Role: auth.Admin}, access.GrantRequest{
		Person: "student@example.edu", Target: lock.ID, From: now.Add(-time.Hour), To: now.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tok, err := svc.NewReaderToken(context.Background(), lock.ID)
	if err != nil {
		t.Fatal(err)
	}
	return lock, tok
}

// devicePublicKey is a phone's public key as the API takes it.
func devicePublicKey() string {
	pub, _, _ := ed25519.GenerateKey(nil)
	return base64.RawURLEncoding.EncodeToString(pub)
}
