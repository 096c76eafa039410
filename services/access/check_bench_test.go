package access_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/postgres/pgtest"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/store"
)

// BenchmarkCheck is whole decisions in process, on each store: a code
// verified, the card locked, the code recorded as used, the policy, one
// audit entry and one history row each, in batches of whatever waits
// (64 readers asking at once). 400 people
// each present fresh codes at one C3 door.
func BenchmarkCheck(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var db *store.DB
			workers := 1
			switch engine {
			case "sqlite":
				s, err := sqlite.Open(filepath.Join(b.TempDir(), "campus.db"))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { s.Close() })
				db = s.DB
			case "postgres":
				s, err := postgres.Open(context.Background(), pgtest.Schema(b))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { s.Close() })
				db, workers = s.DB, 4
			}
			benchCheck(b, db, workers)
		})
	}
}

func benchCheck(b *testing.B, db *store.DB, workers int) {
	v, g := loadCampus(b)
	now := shanghai("2026-11-25T10:00:00+08:00")
	svc, err := access.New(db, v, g, access.Config{Now: func() time.Time { return now }, Workers: workers, ReaderRate: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	var door *geo.Reader
	for _, r := range v.Readers {
		if r.Kind == geo.ReaderDoor && r.AtEntrance() && r.Building != nil && r.Building.Ref == "C3" {
			door = r
			break
		}
	}
	ctx := context.Background()
	people := make([]auth.User, 400)
	for i := range people {
		u, err := db.CreateUser(ctx, auth.User{Email: fmt.Sprintf("p%d@hkust-gz.edu.cn", i), Role: auth.Student, Created: now}, "x")
		if err != nil {
			b.Fatal(err)
		}
		people[i] = u
	}
	// Codes made beforehand: the benchmark is the reader's side.
	codes := make([][]string, len(people))
	for i, u := range people {
		for range 64 {
			c, err := svc.Code(ctx, u)
			if err != nil {
				b.Fatal(err)
			}
			codes[i] = append(codes[i], c.Code)
		}
	}
	var next atomic.Int64
	var denied atomic.Int64
	b.SetParallelism(32) // 64 readers asking at once, as over HTTP
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1) - 1
			p := n % int64(len(people))
			c := codes[p][(n/int64(len(people)))%64]
			res, err := svc.Check(ctx, door, access.Check{Reader: door.ID, Code: c})
			if err != nil {
				b.Error(err)
				return
			}
			if res.Decision != access.Allow {
				denied.Add(1)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	if n := next.Load(); n <= int64(len(people))*64 && denied.Load() > 0 {
		b.Errorf("%d of %d denied", denied.Load(), n)
	}
}
