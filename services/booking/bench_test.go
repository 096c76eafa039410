package booking_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/postgres/pgtest"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/store"
)

// benchStore opens an empty store of an engine, or skips.
func benchStore(b *testing.B, engine string) *store.DB {
	b.Helper()
	if engine == "postgres" {
		if pgtest.URL() == "" {
			b.Skipf("%s is not set", pgtest.URLEnv)
		}
		pg, err := postgres.Open(context.Background(), pgtest.SchemaOf(b, pgtest.URL()))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { pg.Close() })
		return pg.DB
	}
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "campus.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db.DB
}

// busyDay books every space of the archive's rules (DefaultRules when
// it has none) four times on 1 December: 09:00-10:00, 11:00-12:30,
// 14:00-15:00, 18:30-20:00, the timelines' worst plausible day.
func busyDay(b *testing.B, engine string) (*booking.Service, *store.DB) {
	b.Helper()
	v, g := campus(b)
	db := benchStore(b, engine)
	now := at(8, 0)
	svc, err := booking.New(v, db, booking.Options{Graph: g, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	u, err := db.CreateUser(context.Background(), auth.User{Email: "bench@example.edu", Role: auth.Staff, Created: now}, "x")
	if err != nil {
		b.Fatal(err)
	}
	for _, sp := range svc.Catalogue().Spaces() {
		for _, w := range [][4]int{{9, 0, 10, 0}, {11, 0, 12, 30}, {14, 0, 15, 0}, {18, 30, 20, 0}} {
			if _, err := db.Book(context.Background(), booking.Booking{Space: sp.ID, UserID: u.ID, Start: at(w[0], w[1]), End: at(w[2], w[3]), Status: booking.Confirmed, Created: now}); err != nil {
				b.Fatal(err)
			}
		}
	}
	// A store in use has statistics; a table just filled has none yet
	// (PostgreSQL's autovacuum comes later), and a plan without them.
	if engine == "postgres" {
		if _, err := db.SQL().ExecContext(context.Background(), "ANALYZE bookings"); err != nil {
			b.Fatal(err)
		}
	}
	return svc, db
}

// BenchmarkSpaces answers GET /spaces in process: every bookable space
// of one building (C3), then of the campus, each with its day's
// timeline from the store; and the nearest free meeting rooms for 6.
func BenchmarkSpaces(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			svc, _ := busyDay(b, engine)
			ctx := context.Background()
			v, _ := campus(b)
			c3 := svc.Catalogue().Spaces()[0].Unit
			for _, sp := range svc.Catalogue().Spaces() {
				if sp.Building() != nil && sp.Building().Ref == "C3" {
					c3 = sp.Unit
					break
				}
			}
			here := geo.Position{Lon: c3.Display[0], Lat: c3.Display[1], Ordinal: c3.Level.Ordinal}
			_ = v
			for _, c := range []struct {
				name string
				q    booking.Query
			}{
				{"building", booking.Query{Start: at(10, 0), End: at(11, 0), Building: "C3", Limit: booking.MaxLimit}},
				{"campus", booking.Query{Start: at(10, 0), End: at(11, 0), Limit: booking.MaxLimit}},
				{"nearest", booking.Query{Start: at(10, 0), End: at(11, 0), Type: "meeting", Capacity: 6, Near: &here, Available: true, Limit: 5}},
			} {
				b.Run(c.name, func(b *testing.B) {
					n := 0
					for b.Loop() {
						items, _, err := svc.Spaces(ctx, geo.Staff, c.q)
						if err != nil || len(items) == 0 {
							b.Fatal(len(items), err)
						}
						n = len(items)
					}
					b.ReportMetric(float64(n), "spaces")
				})
			}
		})
	}
}

// BenchmarkBook books under contention: all goroutines book the same
// 20 rooms at random slots of one week, so most requests collide; the
// rate counts answers (201 or 409) and reports the share booked.
func BenchmarkBook(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			v, g := campus(b)
			db := benchStore(b, engine)
			now := at(8, 0)
			svc, err := booking.New(v, db, booking.Options{Graph: g, Now: func() time.Time { return now }})
			if err != nil {
				b.Fatal(err)
			}
			var rooms []string
			for _, sp := range svc.Catalogue().Spaces() {
				if sp.Kind.Type == "meeting" && len(rooms) < 20 {
					rooms = append(rooms, sp.ID)
				}
			}
			users := make([]auth.User, 64)
			for i := range users {
				if users[i], err = db.CreateUser(context.Background(), auth.User{Email: fmt.Sprintf("b%d@example.edu", i), Role: auth.Student, Created: now}, "x"); err != nil {
					b.Fatal(err)
				}
			}
			var next, booked, conflicts atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := next.Add(1)
					day, slot := int(i*7919%7), int(i*104729%26) // 08:00-21:00 in half hours
					start := at(8, 0).AddDate(0, 0, day).Add(time.Duration(slot) * 30 * time.Minute)
					u := users[i%int64(len(users))]
					_, err := svc.Book(context.Background(), u, booking.Request{Space: rooms[i%int64(len(rooms))], Start: start, End: start.Add(time.Hour)})
					switch {
					case err == nil:
						booked.Add(1)
						// Keep the person under MaxLive: the bench measures
						// booking, not the bound.
						if n, _ := db.LiveCount(context.Background(), u.ID, now); n >= booking.MaxLive-2 {
							bs, _ := db.UserBookings(context.Background(), u.ID, 0, 5)
							for _, x := range bs {
								db.EndBooking(context.Background(), x.ID, 0, booking.Cancelled)
							}
						}
					case ruleOf(err) == "" && err != nil:
						conflicts.Add(1)
					}
				}
			})
			b.ReportMetric(float64(booked.Load())/float64(b.N), "booked/op")
			b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflict/op")
		})
	}
}

// BenchmarkHeld is the store's part of a building's timelines: the day's
// holds of the 51 spaces of C3.
func BenchmarkHeld(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			svc, db := busyDay(b, engine)
			var ids []string
			for _, sp := range svc.Catalogue().Spaces() {
				if sp.Building() != nil && sp.Building().Ref == "C3" {
					ids = append(ids, sp.ID)
				}
			}
			for b.Loop() {
				if _, err := db.Held(context.Background(), at(0, 0), at(0, 0).AddDate(0, 0, 1), ids); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
