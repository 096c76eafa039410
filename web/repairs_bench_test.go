package web

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/postgres/pgtest"
	"github.com/campusnav/engine/services/repair"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/store"
)

// BenchmarkReportHTTP: POST /repairs over loopback, each report with its
// own Idempotency-Key, a room chosen by unit, on each store; a new
// reporter every repair.MaxOpen reports (made off the clock). Reports the
// median and p99 latency; reports a second is 1/ns-per-op.
//
//	CAMPUS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./web -run '^$' -bench ReportHTTP -benchtime 2000x -count 3
func BenchmarkReportHTTP(b *testing.B) {
	testServer(b) // loads the campus once
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var db *store.DB
			if engine == "postgres" {
				if pgtest.URL() == "" {
					b.Skipf("%s is not set", pgtest.URLEnv)
				}
				pg, err := postgres.Open(b.Context(), pgtest.SchemaOf(b, pgtest.URL()))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { pg.Close() })
				db = pg.DB
			} else {
				lite, err := sqlite.Open(filepath.Join(b.TempDir(), "campus.db"))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { lite.Close() })
				db = lite.DB
			}
			svc := auth.New(db, auth.Options{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
			d := campusDeps
			d.Auth, d.Idempotency, d.Audit = svc, db, db
			d.Repairs = repair.New(campusDeps.Venue, db, repair.Options{PublicURL: "https://map.example.edu"})
			ts := httptest.NewServer(New(d, Config{}).Handler())
			b.Cleanup(ts.Close)
			room := repairRoom(b, geo.Student)
			people, tok := 0, ""
			var took []time.Duration
			i := 0
			for b.Loop() {
				if i%repair.MaxOpen == 0 {
					b.StopTimer()
					people++
					email := fmt.Sprintf("r%d@hkust-gz.edu.cn", people)
					if _, err := svc.AddUser(b.Context(), email, "correct horse battery", auth.Student); err != nil {
						b.Fatal(err)
					}
					sess, err := svc.Login(b.Context(), email, "correct horse battery", fmt.Sprintf("10.1.%d.%d", people/250, people%250+1))
					if err != nil {
						b.Fatal(err)
					}
					tok = sess.Token
					b.StartTimer()
				}
				t0 := time.Now()
				code, _, body := keyed(b, ts.URL, tok, fmt.Sprint("k", i), "POST", "/api/v1/repairs",
					fmt.Sprintf(`{"category":"it.printer","description":"paper jam %d","unit":%q}`, i, room.ID))
				took = append(took, time.Since(t0))
				if code != 201 {
					b.Fatalf("%d %s", code, body)
				}
				i++
			}
			sort.Slice(took, func(a, c int) bool { return took[a] < took[c] })
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[min(len(took)-1, len(took)*99/100)].Microseconds()), "p99-µs")
		})
	}
}
