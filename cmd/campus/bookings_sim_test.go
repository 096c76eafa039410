package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/web"
)

var shanghai = func() *time.Location {
	z, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return z
}()

func TestFirstStart(t *testing.T) {
	for _, c := range []struct{ at, want string }{
		{"2026-12-01T09:00:00+08:00", "2026-12-01T09:00:00+08:00"},
		{"2026-12-01T09:00:00.001+08:00", "2026-12-01T09:30:00+08:00"},
		{"2026-12-01T09:29:59+08:00", "2026-12-01T09:30:00+08:00"},
		{"2026-12-01T23:45:00+08:00", "2026-12-02T00:00:00+08:00"},
		{"2026-12-01T15:10:00Z", "2026-12-01T23:30:00+08:00"}, // 23:10 in Shanghai
	} {
		at, _ := time.Parse(time.RFC3339Nano, c.at)
		want, _ := time.Parse(time.RFC3339, c.want)
		if got := firstStart(shanghai, at); !got.Equal(want) {
			t.Errorf("firstStart(%s) = %s, want %s", c.at, got.In(shanghai).Format(time.RFC3339), c.want)
		}
	}
}

// TestBookSlot: every slot is 30 or 60 minutes on the half hours, within
// 08:00-22:00 Asia/Shanghai of one day, starting from the first start
// the run books and less than 7 days after it; and every day, both
// lengths, the first and the last slot of a day come up.
func TestBookSlot(t *testing.T) {
	for _, c := range []struct {
		from string
		days int // with a slot
	}{
		{"2026-12-01T00:00:00+08:00", 7}, // midnight: 1-7 December
		{"2026-12-01T08:00:00+08:00", 7}, // the first start of a day: 1-7 December
		{"2026-12-01T14:30:00+08:00", 8}, // an afternoon, six days, a morning
		{"2026-12-01T21:30:00+08:00", 8}, // one half hour left that day
		{"2026-12-01T22:00:00+08:00", 7}, // none left: 2-8 December
		{"2026-12-31T23:30:00+08:00", 7}, // the year turns
	} {
		from := c.from
		f, _ := time.Parse(time.RFC3339, from)
		rng := rand.New(rand.NewPCG(1, 2))
		days := map[string]bool{}
		lengths := map[time.Duration]int{}
		first, last := 0, 0
		for range 20000 {
			start, end := bookSlot(rng, shanghai, f)
			s, e := start.In(shanghai), end.In(shanghai)
			d0 := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, shanghai)
			switch {
			case start.Before(f) || !start.Before(f.Add(7*24*time.Hour)):
				t.Fatalf("from %s: a slot from %s, not in the next 7 days", from, s.Format(time.RFC3339))
			case s.Sub(d0)%(30*time.Minute) != 0 || e.Sub(d0)%(30*time.Minute) != 0:
				t.Fatalf("from %s: %s-%s is not on the half hours", from, s.Format(time.RFC3339), e.Format(time.RFC3339))
			case s.Sub(d0) < 8*time.Hour || e.Sub(d0) > 22*time.Hour:
				t.Fatalf("from %s: %s-%s is not within 08:00-22:00 of one day", from, s.Format(time.RFC3339), e.Format(time.RFC3339))
			case end.Sub(start) != 30*time.Minute && end.Sub(start) != time.Hour:
				t.Fatalf("from %s: %s-%s is not 30 or 60 minutes", from, s.Format(time.RFC3339), e.Format(time.RFC3339))
			}
			days[s.Format(time.DateOnly)] = true
			lengths[end.Sub(start)]++
			if s.Sub(d0) == 8*time.Hour {
				first++
			}
			if e.Sub(d0) == 22*time.Hour {
				last++
			}
		}
		if len(days) != c.days {
			t.Errorf("from %s: slots on %d days %v, want %d", from, len(days), days, c.days)
		}
		if len(lengths) != 2 || lengths[30*time.Minute] < 8000 || lengths[time.Hour] < 8000 || first == 0 || last == 0 {
			t.Errorf("from %s: lengths %v, %d at 08:00, %d to 22:00", from, lengths, first, last)
		}
	}
}

func TestOverlapping(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, shanghai) }
	b := func(id int64, space string, h0, m0, h1, m1 int, status string) bookingView {
		return bookingView{ID: id, Space: space, Start: at(h0, m0), End: at(h1, m1), Status: status}
	}
	for _, c := range []struct {
		name string
		bs   []bookingView
		want [][2]int64
	}{
		{"none", nil, nil},
		{"back to back", []bookingView{b(1, "A", 9, 0, 10, 0, booking.Confirmed), b(2, "A", 10, 0, 11, 0, booking.Confirmed)}, nil},
		{"other rooms", []bookingView{b(1, "A", 9, 0, 10, 0, booking.Confirmed), b(2, "B", 9, 0, 10, 0, booking.Confirmed)}, nil},
		{"a cancelled one", []bookingView{b(1, "A", 9, 0, 10, 0, booking.Confirmed), b(2, "A", 9, 30, 10, 0, booking.Cancelled),
			b(3, "A", 9, 0, 9, 30, booking.Released)}, nil},
		{"overlap", []bookingView{b(2, "A", 9, 30, 10, 30, booking.Confirmed), b(1, "A", 9, 0, 10, 0, booking.Confirmed)}, [][2]int64{{1, 2}}},
		{"pending holds too", []bookingView{b(1, "A", 9, 0, 10, 0, booking.Pending), b(2, "A", 9, 30, 10, 0, booking.Confirmed)}, [][2]int64{{1, 2}}},
		{"the same interval", []bookingView{b(1, "A", 9, 0, 10, 0, booking.Confirmed), b(2, "A", 9, 0, 10, 0, booking.Confirmed)}, [][2]int64{{1, 2}}},
		// 3 lies within 1, after 2 (which ends before 3 starts): the
		// booking that ends last before it is the one it meets.
		{"within a long one", []bookingView{b(1, "A", 8, 0, 12, 0, booking.Confirmed), b(2, "A", 8, 30, 9, 0, booking.Confirmed),
			b(3, "A", 10, 0, 10, 30, booking.Confirmed), b(4, "B", 10, 0, 10, 30, booking.Confirmed)}, [][2]int64{{1, 2}, {1, 3}}},
	} {
		got := overlapping(c.bs)
		var ids [][2]int64
		for _, p := range got {
			ids = append(ids, [2]int64{p[0].ID, p[1].ID})
		}
		if len(ids) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, ids, c.want)
			continue
		}
		for i := range ids {
			if ids[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, ids, c.want)
			}
		}
	}
}

// bookServer serves the API over loopback on a fresh SQLite data folder,
// as campusd does, with bookings on; its handler is wrapped by wrap (nil:
// none).
func bookServer(t *testing.T, dir string, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	v, err := geo.Load(defaultVenuePath)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := routing.Build(v)
	bk, err := booking.New(v, db, booking.Options{Graph: g})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = web.New(web.Deps{Venue: v, Graph: g, Auth: auth.New(db, auth.Options{}), Places: db,
		Idempotency: db, Audit: db, Bookings: bk}, web.Config{}).Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func bookSimulate(t *testing.T, args ...string) (int, bookReport, string) {
	t.Helper()
	code, out, errs := campusRunIn(t, "", append([]string{"bookings", "simulate", "--venue", defaultVenuePath}, args...)...)
	var rep bookReport
	if out != "" {
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("bookings simulate printed no report: %v\n%s", err, out)
		}
	}
	return code, rep, errs
}

// TestBookingsSimulate runs two seconds of bookings of three rooms by
// ten people against the API over loopback: bookings made and refused
// as conflicts naming the booking in the way, retries answered the same,
// people at their bound cancelling to stay under it, questions about the
// campus and the nearest free room answered; at the end every booking
// read back, none overlapping, none lost, and all cancelled.
func TestBookingsSimulate(t *testing.T) {
	if testing.Short() {
		t.Skip("a run of a few seconds against a server")
	}
	dir := t.TempDir()
	base := bookServer(t, dir, nil)
	args := []string{"--url", base, "--data-dir", dir, "--people", "10", "--duration", "2s", "--concurrency", "8", "--rooms", "3",
		"--retries", "0.3", "--spaces", "0.1", "--cancels", "0"}
	code, rep, errs := bookSimulate(t, args...)
	if code != exitOK {
		t.Fatalf("bookings simulate: exit %d\n%s", code, errs)
	}
	t.Logf("%+v", rep)
	if len(rep.Errors) != 0 {
		t.Errorf("errors: %v\n%s", rep.Errors, errs)
	}
	if rep.People["staff"] != 3 || rep.People["student"] != 7 || rep.Rooms != 3 || rep.CampusSpaces["staff"] < 400 || rep.CampusSpaces["student"] < 400 {
		t.Errorf("people %v, rooms %d, campus %v", rep.People, rep.Rooms, rep.CampusSpaces)
	}
	if rep.Bookings == 0 || rep.ByStatus["201"] < rep.Bookings || rep.Conflicts == 0 || rep.ByStatus["409"] < rep.Conflicts ||
		rep.Problems["409 booked"] != rep.ByStatus["409"] || len(rep.ByStatus) != 2 {
		t.Errorf("%d bookings, %d conflicts; by status %v, problems %v", rep.Bookings, rep.Conflicts, rep.ByStatus, rep.Problems)
	}
	if sum := rep.PerSecond + rep.ConflictsPerSecond; rep.PostsPerSecond < sum-0.2 || rep.PostsPerSecond > sum+0.2 {
		t.Errorf("%v POST /bookings answered a second, %v bookings and %v conflicts", rep.PostsPerSecond, rep.PerSecond, rep.ConflictsPerSecond)
	}
	if rep.Retries == 0 || rep.Replayed != rep.Retries || rep.Requests["book_retry"] != rep.Retries {
		t.Errorf("%d retries, %d answered the same, requests %v", rep.Retries, rep.Replayed, rep.Requests)
	}
	if rep.Cancels["near_bound"] == 0 || rep.Cancels["churn"] != 0 || rep.ByStatus["422"] != 0 {
		t.Errorf("cancels %v, by status %v: want people at the bound cancelling, never refused too_many", rep.Cancels, rep.ByStatus)
	}
	if rep.Spaces["campus"] == 0 || rep.Spaces["near"] == 0 || rep.CampusMS.P50 <= 0 || rep.NearMS.P50 <= 0 || rep.BookMS.P99 < rep.BookMS.P50 {
		t.Errorf("spaces questions %v, latencies: campus %+v, near %+v, book %+v", rep.Spaces, rep.CampusMS, rep.NearMS, rep.BookMS)
	}
	c := rep.Check
	if c.People != 10 || c.Live == 0 || c.Live > 10*booking.MaxLive || c.Rooms != 3 || c.Overlaps != 0 || c.Lost != 0 || c.Unknown != 0 || c.Unread != 0 ||
		c.Read < c.Live+rep.Cancels["near_bound"] {
		t.Errorf("check: %+v (cancels %v)", c, rep.Cancels)
	}
	if rep.CancelledAtEnd != c.Live {
		t.Errorf("%d cancelled at the end, want the %d live", rep.CancelledAtEnd, c.Live)
	}

	// Again on the same store, the people signed in again, keeping what
	// they book: then read back by a third run, which finds it.
	code, again, errs := bookSimulate(t, append(args, "--duration", "1s", "--retries", "0", "--keep")...)
	if code != exitOK || len(again.Errors) != 0 || again.Check.Overlaps != 0 || again.Check.Lost != 0 || again.CancelledAtEnd != 0 || again.Check.Live == 0 {
		t.Fatalf("second run: exit %d, %+v\n%s", code, again, errs)
	}
	code, third, errs := bookSimulate(t, append(args, "--duration", "1s", "--retries", "0", "--spaces", "1")...)
	if code != exitOK || len(third.Errors) != 0 || third.Check.Live != again.Check.Live || third.CancelledAtEnd != again.Check.Live || third.Check.Unknown != 0 {
		t.Fatalf("third run: exit %d, %+v (the second left %d live)\n%s", code, third, again.Check.Live, errs)
	}
}

// TestBookingsSimulateFindsLies: a server that answers a booking 201
// without keeping it (lost), one that books but answers 409 (unknown),
// and one that replays an answer without saying so (retry_mismatch) are
// caught, and the run exits 1.
func TestBookingsSimulateFindsLies(t *testing.T) {
	if testing.Short() {
		t.Skip("a run of a few seconds against a server")
	}
	// fifth answers the fifth POST /bookings with answer(the request's
	// body, the real answer: nil when not asked), and is slow to answer
	// every POST.
	fifth := func(real bool, answer func(req bookRequestView, rec *httptest.ResponseRecorder) (int, string)) func(http.Handler) http.Handler {
		return func(h http.Handler) http.Handler {
			var n atomic.Int64
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/api/v1/bookings" {
					h.ServeHTTP(w, r)
					return
				}
				// Slow, so that nobody nears their bound and cancels.
				time.Sleep(20 * time.Millisecond)
				if n.Add(1) != 5 {
					h.ServeHTTP(w, r)
					return
				}
				body, _ := io.ReadAll(r.Body)
				var req bookRequestView
				json.Unmarshal(body, &req)
				var rec *httptest.ResponseRecorder
				if real {
					rec = httptest.NewRecorder()
					r.Body = io.NopCloser(bytes.NewReader(body))
					h.ServeHTTP(rec, r)
				}
				status, out := answer(req, rec)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				io.WriteString(w, out)
			})
		}
	}
	for _, c := range []struct {
		name  string
		wrap  func(http.Handler) http.Handler
		found func(r bookReport) bool
	}{
		{"lost", fifth(false, func(req bookRequestView, _ *httptest.ResponseRecorder) (int, string) {
			return http.StatusCreated, fmt.Sprintf(`{"id": 999999, "space": %q, "start": %q, "end": %q, "status": "confirmed"}`, req.Space, req.Start, req.End)
		}), func(r bookReport) bool { return r.Check.Lost == 1 && r.Check.Unknown == 0 }},
		{"unknown", fifth(true, func(req bookRequestView, rec *httptest.ResponseRecorder) (int, string) {
			if rec.Code != http.StatusCreated {
				return rec.Code, rec.Body.String()
			}
			return http.StatusConflict, fmt.Sprintf(`{"code": "booked", "conflict": {"space": %q, "start": %q, "end": %q}}`, req.Space, req.Start, req.End)
		}), func(r bookReport) bool { return r.Check.Unknown == 1 && r.Check.Lost == 0 }},
		{"replay", func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(dropReplayed{w}, r) })
		}, func(r bookReport) bool {
			return r.Errors["retry_mismatch"] > 0 && r.Errors["retry_mismatch"] == r.Retries
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			base := bookServer(t, dir, c.wrap)
			retries := "0"
			if c.name == "replay" {
				retries = "0.5"
			}
			code, rep, errs := bookSimulate(t, "--server", base, "--data-dir", dir, "--people", "40", "--duration", "1s", "--concurrency", "4",
				"--rooms", "20", "--retries", retries, "--spaces", "0", "--cancels", "0")
			if code != exitFail || !c.found(rep) {
				t.Errorf("exit %d, check %+v, errors %v\n%s", code, rep.Check, rep.Errors, errs)
			}
		})
	}
}

// bookRequestView is what a test reads of a POST /bookings.
type bookRequestView struct {
	Space string `json:"space"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// dropReplayed hides Idempotent-Replayed, as a server that replays
// without saying so would.
type dropReplayed struct{ http.ResponseWriter }

func (d dropReplayed) WriteHeader(code int) {
	d.Header().Del("Idempotent-Replayed")
	d.ResponseWriter.WriteHeader(code)
}
