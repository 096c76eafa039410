package web

import (
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/services/sqlite"
)

// BenchmarkToursList: GET /api/v1/tours (every tour with its stops, its
// route and a week of slots; the places left asked of the store) through
// the handler, in English and Chinese; reports the answer's bytes.
//
//	go test ./web -run '^$' -bench ToursList -count 3
func BenchmarkToursList(b *testing.B) {
	testServer(b) // loads the campus once
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "campus.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var now atomic.Pointer[time.Time]
	now.Store(&tourNow)
	d := campusDeps
	d.Tours = fakeTours(b, db.DB, &now)
	h := New(d, Config{}).Handler()
	for _, lang := range []string{"en", "zh"} {
		b.Run(lang, func(b *testing.B) {
			size := 0
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/tours?lang="+lang, nil))
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/answer")
		})
	}
}
