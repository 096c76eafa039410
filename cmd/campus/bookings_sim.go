package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access/sim"
	"github.com/campusnav/engine/services/booking"
)

// `campus bookings simulate`: bookings of the campus's rooms under
// contention, against a running server over HTTP, as people's phones make
// them. The people (of every ten, three staff and seven students) are
// signed in through the server's store, as `payments simulate` does; then,
// for the run, each takes turns: most turns book a random 30- or 60-minute
// slot in the next 7 days (08:00-22:00 Asia/Shanghai, on the half hours)
// of one of a few meeting rooms (--rooms, so requests collide: 409s), each
// POST /bookings under a fresh Idempotency-Key, a share sent again under
// the same key (the same answer must come back, marked replayed); a share
// of turns first cancels one of the person's bookings (DELETE), so that
// the rooms never fill up for good, and a person near their 20 live
// bookings cancels some to stay under; the other turns ask GET /spaces,
// the whole campus with its day's timelines in one request, or the
// nearest free meeting room from a room of the campus (near=). At the end
// every person's bookings are read back (GET /me/bookings): no two live
// bookings of a room may overlap, and each must be what the person was
// told; then the run's bookings are cancelled, so that none becomes a
// no-show.

// The simulated bookings: 30 or 60 minutes on the half hours between
// 08:00 and 22:00 (every day's open hours for meeting rooms, in the
// archive's rules and in services/booking's defaults), starting within
// bookDays of the first start the run may book.
const (
	bookOpen  = 8 * time.Hour
	bookClose = 22 * time.Hour
	bookStep  = 30 * time.Minute
	bookDays  = 7
	// bookLead is how long after the run's end the first booking may
	// start: none reaches its check-in deadline (start + 15 min) during
	// the run, so none is released as a no-show.
	bookLead = 30 * time.Minute
)

// bookCaps are the capacities asked of the nearest free meeting room.
var bookCaps = []int{2, 4, 6, 8, 10}

// bookOptions are the flags of `campus bookings simulate`.
type bookOptions struct {
	server      string
	dataDir     string
	people      int
	duration    time.Duration
	concurrency int
	rooms       int
	seed        uint64
	retries     float64
	spaces      float64
	near        float64
	cancels     float64
	keep        bool
}

// runBookings dispatches the bookings subcommands: simulate.
func runBookings(e *env, args []string) int {
	if len(args) == 0 || args[0] != "simulate" {
		return e.fail("bookings", usagef("want a subcommand: simulate"))
	}
	if err := e.bookingsSimulate(args[1:]); err != nil {
		return e.fail("bookings", err)
	}
	return exitOK
}

// heldBooking is a live booking as its holder was told of it.
type heldBooking struct {
	ID         int64
	Space      string
	Start, End time.Time
}

// bookPerson is one simulated booker: one request of theirs at a time.
type bookPerson struct {
	sim.Person
	token string
	rng   *mrand.Rand
	live  []heldBooking // what the server said the person holds
	past  map[int64]bool
	// unsure counts the person's requests that got no answer: a booking
	// made, or a cancel done, that the person was not told of.
	unsure int
}

// bookRun is one run against a server.
type bookRun struct {
	cl     *simClient
	stats  *bookStats
	o      bookOptions
	zone   *time.Location
	rooms  []string       // the meeting rooms booked
	near   []geo.Position // where the nearest free room is asked from
	campus map[string]int // spaces a campus question answers, by role
	start  time.Time
	from   time.Time // the first start the run books
}

func (e *env) bookingsSimulate(args []string) error {
	var c common
	var o bookOptions
	fs := newFlags("bookings simulate", &c)
	fs.StringVar(&o.server, "server", "", "the server's base URL (http://127.0.0.1:8080); required")
	fs.StringVar(&o.server, "url", "", "the same as --server")
	fs.StringVar(&o.dataDir, "data-dir", "", "the server's data folder (default $CAMPUS_DATA_DIR or ./"+defaultDataDir+"); $CAMPUS_DATABASE_URL for PostgreSQL")
	fs.IntVar(&o.people, "people", 200, "simulated bookers: of every ten, three staff and seven students")
	fs.DurationVar(&o.duration, "duration", time.Minute, "how long the run lasts, in real time")
	fs.IntVar(&o.concurrency, "concurrency", 64, "most requests in flight at once (one per person)")
	fs.IntVar(&o.rooms, "rooms", 20, "meeting rooms booked (of GET /spaces?type=meeting): the fewer, the more bookings collide")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed: the rooms, slots, retries, cancels and questions")
	fs.Float64Var(&o.retries, "retries", 0.03, "share of POST /bookings sent again under the same Idempotency-Key (the same answer must come back)")
	fs.Float64Var(&o.spaces, "spaces", 0.1, "share of turns that ask GET /spaces instead of booking")
	fs.Float64Var(&o.near, "near", 0.5, "share of those that ask the nearest free meeting room (near=, available=true); the rest ask the whole campus with its timelines")
	fs.Float64Var(&o.cancels, "cancels", 0.2, "share of booking turns that first cancel one of the person's bookings (DELETE), so that the rooms do not fill up for good")
	fs.BoolVar(&o.keep, "keep", false, "leave the run's bookings in place at the end (by default they are cancelled, so that none becomes a no-show)")
	if _, err := parse(fs, &c, args); err != nil {
		return err
	}
	if err := o.check(fs.NArg(), fs.Changed("role"), fs.Changed("server") && fs.Changed("url")); err != nil {
		return err
	}
	v, err := e.load(&c)
	if err != nil {
		return err
	}
	cat, err := booking.ParseRules(v, v.Booking)
	if err != nil {
		return fmt.Errorf("%s: %w", c.source(), err)
	}
	r := &bookRun{stats: newBookStats(), o: o, zone: cat.Zone()}
	for _, sp := range cat.Spaces() {
		if !sp.Equipment && len(sp.Unit.Display) == 2 {
			r.near = append(r.near, geo.Position{Lon: sp.Unit.Display[0], Lat: sp.Unit.Display[1], Ordinal: sp.Unit.Level.Ordinal})
		}
	}
	if len(r.near) == 0 {
		return fmt.Errorf("%s has no bookable rooms", c.source())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r.cl = newSimClient(o.server, o.concurrency, newSimStats())
	if err := r.reachable(ctx); err != nil {
		return err
	}
	setupStart := time.Now()
	fmt.Fprintf(e.stderr, "campus bookings simulate: setting up %d people in the store...\n", o.people)
	people, err := r.setup(ctx)
	if err != nil {
		return err
	}
	rep := &bookReport{Server: r.cl.base, People: map[string]int{}, Rooms: len(r.rooms), Concurrency: o.concurrency,
		CampusSpaces: r.campus, SetupS: time.Since(setupStart).Round(time.Millisecond).Seconds()}
	for _, p := range people {
		rep.People[string(p.Role)]++
	}
	fmt.Fprintf(e.stderr, "campus bookings simulate: set up in %.1f s (%d meeting rooms booked); running for %s...\n", rep.SetupS, len(r.rooms), o.duration)
	cpu := processCPU()
	r.start = time.Now()
	r.stats.start = r.start
	r.from = firstStart(r.zone, r.start.Add(o.duration+bookLead))
	ran := r.run(ctx, people)
	rep.ClientCPUS = (processCPU() - cpu).Round(10 * time.Millisecond).Seconds()
	r.stats.report(rep, ran)
	fmt.Fprintf(e.stderr, "campus bookings simulate: run over; reading back the bookings of %d people...\n", len(people))
	rep.Check = r.checkAll(context.Background(), people)
	if !o.keep {
		rep.CancelledAtEnd = r.cancelAll(context.Background(), people)
	}
	rep.Requests, rep.Errors = r.stats.requests, r.stats.errors
	if err := e.writeJSON(rep); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "campus bookings simulate: %d bookings (%.0f a second, busiest second %d) and %d conflicts (%.0f a second) in %s; POST /bookings p50 %.1f ms, p99 %.1f ms; GET /spaces campus p50 %.1f ms, p99 %.1f ms; by status %v; errors %v; check: %d live bookings, %d overlaps, %d lost\n",
		rep.Bookings, rep.PerSecond, rep.PeakPerSecond, rep.Conflicts, rep.ConflictsPerSecond, ran.Round(time.Second),
		rep.BookMS.P50, rep.BookMS.P99, rep.CampusMS.P50, rep.CampusMS.P99, rep.ByStatus, rep.Errors, rep.Check.Live, rep.Check.Overlaps, rep.Check.Lost)
	for _, s := range append(r.stats.samples, rep.Check.Samples...) {
		fmt.Fprintf(e.stderr, "campus bookings simulate: error: %s\n", s)
	}
	switch {
	case len(rep.Errors) > 0:
		return fmt.Errorf("bookings simulate: %d errors: %v", r.stats.errorCount(), rep.Errors)
	case rep.Check.Overlaps > 0:
		return fmt.Errorf("bookings simulate: %d pairs of live bookings of one room overlap", rep.Check.Overlaps)
	case rep.Check.Lost > 0 || rep.Check.Unknown > 0 || rep.Check.Unread > 0:
		return fmt.Errorf("bookings simulate: %d bookings the people were told of are not live, %d live ones they were not told of, %d people's bookings could not be read",
			rep.Check.Lost, rep.Check.Unknown, rep.Check.Unread)
	}
	return nil
}

// check refuses flags that make no run.
func (o *bookOptions) check(nargs int, roleSet, both bool) error {
	u, uerr := url.Parse(o.server)
	share := func(v float64) bool { return v >= 0 && v <= 1 }
	switch {
	case nargs > 0:
		return usagef("bookings simulate takes no arguments")
	case roleSet:
		return usagef("--role: the bookers' roles are a mix (three staff, seven students in ten)")
	case both:
		return usagef("--url and --server are the same flag: give one")
	case o.server == "":
		return usagef("--server: missing (the server's base URL, http://127.0.0.1:8080)")
	case uerr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return usagef("--server: %q is not an http(s) URL", o.server)
	case o.people < 1 || o.people > 1_000_000:
		return usagef("--people: %d is not 1 to 1,000,000", o.people)
	case o.duration <= 0 || o.duration > 24*time.Hour:
		return usagef("--duration: %s is not a positive duration of at most a day", o.duration)
	case o.concurrency < 1 || o.concurrency > 10_000:
		return usagef("--concurrency: %d is not 1 to 10,000", o.concurrency)
	case o.rooms < 1 || o.rooms > booking.MaxLimit:
		return usagef("--rooms: %d is not 1 to %d", o.rooms, booking.MaxLimit)
	case !share(o.retries):
		return usagef("--retries: %v is not a share (want 0 to 1)", o.retries)
	case !share(o.spaces):
		return usagef("--spaces: %v is not a share (want 0 to 1)", o.spaces)
	case !share(o.near):
		return usagef("--near: %v is not a share (want 0 to 1)", o.near)
	case !share(o.cancels):
		return usagef("--cancels: %v is not a share (want 0 to 1)", o.cancels)
	}
	return nil
}

// bookEmail is simulated booker n's account (a reserved domain, RFC 2606).
func bookEmail(n int) string { return fmt.Sprintf("booker-%d@sim.campus.invalid", n) }

// firstStart is the first half hour at or after t, in zone.
func firstStart(zone *time.Location, t time.Time) time.Time {
	l := t.In(zone)
	d0 := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, zone)
	s := d0.Add(t.Sub(d0).Truncate(bookStep))
	if s.Before(t) {
		s = s.Add(bookStep)
	}
	return s
}

// bookSlot picks a booking of 30 or 60 minutes on the half hours of a
// day, within 08:00-22:00 in zone, starting at or after from and less
// than bookDays after it.
func bookSlot(rng *mrand.Rand, zone *time.Location, from time.Time) (time.Time, time.Time) {
	l := from.In(zone)
	last := from.Add(bookDays * 24 * time.Hour)
	for {
		k := rng.IntN(bookDays + 1)
		n := 1 + rng.IntN(2) // half hours
		j := rng.IntN(int((bookClose-bookOpen)/bookStep) - n + 1)
		start := time.Date(l.Year(), l.Month(), l.Day()+k, 0, 0, 0, 0, zone).Add(bookOpen + time.Duration(j)*bookStep)
		if !start.Before(from) && start.Before(last) {
			return start, start.Add(time.Duration(n) * bookStep)
		}
	}
}

// send is cl.send counted as what: an answer that never came is an
// error (no_answer), unless ctx ended.
func (r *bookRun) send(ctx context.Context, what, method, path, token, key string, body []byte) (simAnswer, error) {
	a, err := r.cl.send(ctx, method, path, token, key, body, nil)
	if a.Sent {
		r.stats.request(what)
	}
	if err != nil && a.Sent && ctx.Err() == nil {
		r.stats.fail("no_answer", what+": "+err.Error())
	}
	return a, err
}

// want is send expecting status: an error naming what came otherwise
// (counted as "status N"), else the answer decoded into out (nil: not).
func (r *bookRun) want(ctx context.Context, what string, status int, method, path, token string, out any) (simAnswer, error) {
	a, err := r.send(ctx, what, method, path, token, "", nil)
	if err != nil {
		return a, err
	}
	if a.Status != status {
		err := fmt.Errorf("%s %s: %d %s (want %d)", method, path, a.Status, strings.TrimSpace(string(a.Body)), status)
		r.stats.fail("status "+strconv.Itoa(a.Status), what+": "+err.Error())
		return a, err
	}
	if out != nil {
		if err := json.Unmarshal(a.Body, out); err != nil {
			r.stats.fail("bad_answer", what+": "+err.Error())
			return a, fmt.Errorf("%s %s: the answer is not what was expected: %w", method, path, err)
		}
	}
	return a, nil
}

// reachable asks the server for one space: an error if it cannot be
// reached or has no bookings.
func (r *bookRun) reachable(ctx context.Context) error {
	a, err := r.cl.send(ctx, http.MethodGet, "/api/v1/spaces?limit=1", "", "", nil, nil)
	switch {
	case err != nil:
		return fmt.Errorf("--server %s cannot be reached: %w", r.cl.base, err)
	case a.Status == http.StatusNotFound:
		return fmt.Errorf("--server %s has no bookings (GET /api/v1/spaces: 404)", r.cl.base)
	case a.Status != http.StatusOK:
		return fmt.Errorf("--server %s: GET /api/v1/spaces: %d %s", r.cl.base, a.Status, strings.TrimSpace(string(a.Body)))
	}
	return nil
}

// spaceItem is what the simulator reads of a space of GET /spaces.
type spaceItem struct {
	ID        string            `json:"id"`
	Ref       string            `json:"ref"`
	Type      string            `json:"type"`
	Capacity  int               `json:"capacity"`
	Available bool              `json:"available"`
	WalkS     *float64          `json:"walk_s"`
	Timeline  []json.RawMessage `json:"timeline"`
}

type spacesPage struct {
	Items []spaceItem `json:"items"`
	Next  *string     `json:"next"`
}

// setup signs the people in through the store, picks the rooms, learns
// how many spaces each role's campus question answers, and reads each
// person's live bookings as they stand (a run after a --keep finds
// them).
func (r *bookRun) setup(ctx context.Context) ([]*bookPerson, error) {
	const workers = 16 // the store's round trips overlap
	db, err := openStore(r.o.dataDir)
	if err != nil {
		return nil, err
	}
	ps := simStaffStudents(r.o.people, bookEmail)
	_, sessions, err := simSignIn(ctx, db, r.o.dataDir, ps, workers)
	db.Close()
	if err != nil {
		return nil, err
	}
	people := make([]*bookPerson, len(ps))
	byRole := map[string]*bookPerson{}
	for i, p := range ps {
		people[i] = &bookPerson{Person: p, token: sessions[i].Token, rng: mrand.New(mrand.NewPCG(r.o.seed, uint64(p.N))), past: map[int64]bool{}}
		if byRole[string(p.Role)] == nil {
			byRole[string(p.Role)] = people[i]
		}
	}
	// The meeting rooms every role of the run may book, and the campus
	// each role sees.
	r.campus = map[string]int{}
	var rooms []string
	for i, role := range slices.Sorted(maps.Keys(byRole)) {
		p := byRole[role]
		var meeting, all spacesPage
		if _, err := r.want(ctx, "spaces_setup", http.StatusOK, http.MethodGet, "/api/v1/spaces?type=meeting&limit="+strconv.Itoa(booking.MaxLimit), p.token, &meeting); err != nil {
			return nil, fmt.Errorf("the meeting rooms (give the --data-dir, or $CAMPUS_DATABASE_URL, the server uses): %w", err)
		}
		if _, err := r.want(ctx, "spaces_setup", http.StatusOK, http.MethodGet, "/api/v1/spaces?limit="+strconv.Itoa(booking.MaxLimit), p.token, &all); err != nil {
			return nil, fmt.Errorf("the campus's spaces: %w", err)
		}
		r.campus[role] = len(all.Items)
		ids := []string{}
		for _, it := range meeting.Items {
			ids = append(ids, it.ID)
		}
		if i == 0 {
			rooms = ids
		} else {
			rooms = slices.DeleteFunc(rooms, func(id string) bool { return !slices.Contains(ids, id) })
		}
	}
	if len(rooms) == 0 {
		return nil, fmt.Errorf("--server %s has no meeting room that %s may book", r.cl.base, strings.Join(slices.Sorted(maps.Keys(byRole)), " and "))
	}
	rng := mrand.New(mrand.NewPCG(r.o.seed, 0))
	rng.Shuffle(len(rooms), func(i, j int) { rooms[i], rooms[j] = rooms[j], rooms[i] })
	r.rooms = rooms[:min(r.o.rooms, len(rooms))]

	now := time.Now()
	err = parallel(len(people), r.o.concurrency, func(i int) error {
		p := people[i]
		bs, err := r.bookingsOf(ctx, p)
		if err != nil {
			return fmt.Errorf("the bookings of %s: %w", p.Email, err)
		}
		for _, b := range bs {
			switch {
			case !booking.Live(b.Status):
			case b.End.After(now):
				p.live = append(p.live, heldBooking{ID: b.ID, Space: b.Space, Start: b.Start, End: b.End})
			default:
				p.past[b.ID] = true
			}
		}
		return nil
	})
	return people, err
}

// bookingView is what the simulator reads of a booking.
type bookingView struct {
	ID     int64     `json:"id"`
	Space  string    `json:"space"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Status string    `json:"status"`
}

// bookingsOf reads all of p's bookings, page by page.
func (r *bookRun) bookingsOf(ctx context.Context, p *bookPerson) ([]bookingView, error) {
	var out []bookingView
	cursor := ""
	for {
		var page struct {
			Items []bookingView `json:"items"`
			Next  *string       `json:"next"`
		}
		path := "/api/v1/me/bookings?limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if _, err := r.want(ctx, "me_bookings", http.StatusOK, http.MethodGet, path, p.token, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == nil {
			return out, nil
		}
		cursor = *page.Next
	}
}

// run drives the people for the duration: concurrency workers, each
// taking the next person free, who takes one turn. Nothing is begun
// after the end.
func (r *bookRun) run(ctx context.Context, people []*bookPerson) time.Duration {
	end := r.start.Add(r.o.duration)
	free := make(chan *bookPerson, len(people))
	for _, p := range people {
		free <- p
	}
	stop, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var wg sync.WaitGroup
	for range min(r.o.concurrency, len(people)) {
		wg.Go(func() {
			for {
				select {
				case p := <-free:
					r.turn(ctx, p)
					free <- p
				case <-stop.Done():
					return
				}
				if stop.Err() != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil { // interrupted
		return time.Since(r.start)
	}
	return r.o.duration
}

// turn is one turn of p: a question about spaces, or a booking, with a
// cancel first near the person's bound or at random.
func (r *bookRun) turn(ctx context.Context, p *bookPerson) {
	if p.rng.Float64() < r.o.spaces {
		if p.rng.Float64() < r.o.near {
			r.nearest(ctx, p)
		} else {
			r.campusSpaces(ctx, p)
		}
		return
	}
	// Near the bound: down to five under it. A request that got no
	// answer may have booked: it counts.
	if len(p.live)+p.unsure >= booking.MaxLive-2 {
		for len(p.live) > 0 && len(p.live)+p.unsure > booking.MaxLive-5 {
			if !r.cancel(ctx, p, "near_bound") {
				break
			}
		}
	}
	if len(p.live) > 0 && p.rng.Float64() < r.o.cancels {
		r.cancel(ctx, p, "churn")
	}
	r.book(ctx, p)
}

// problemView is what the simulator reads of a problem.
type problemView struct {
	Code     string `json:"code"`
	Conflict *struct {
		Space string    `json:"space"`
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
	} `json:"conflict"`
}

// book asks for a random slot of one of the rooms under a fresh key; a
// share is sent again under the same key.
func (r *bookRun) book(ctx context.Context, p *bookPerson) {
	room := r.rooms[p.rng.IntN(len(r.rooms))]
	start, end := bookSlot(p.rng, r.zone, r.from)
	body, _ := json.Marshal(map[string]any{"space": room, "start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339),
		"title": "simulated meeting", "accept_rules": false})
	key := rand.Text()
	a, err := r.send(ctx, "book", http.MethodPost, "/api/v1/bookings", p.token, key, body)
	if err != nil {
		if a.Sent {
			p.unsure++
		}
		return
	}
	r.stats.booked(a.Status, time.Now(), a.Took)
	what := fmt.Sprintf("%s booking %s from %s to %s", p.Email, room, start.Format(time.RFC3339), end.Format(time.RFC3339))
	switch a.Status {
	case http.StatusCreated:
		var b bookingView
		if err := json.Unmarshal(a.Body, &b); err != nil || b.ID <= 0 || b.Space != room || !b.Start.Equal(start) || !b.End.Equal(end) || !booking.Live(b.Status) {
			r.stats.fail("wrong_booking", fmt.Sprintf("%s: 201 %s", what, a.Body))
		}
		if b.ID > 0 {
			p.live = append(p.live, heldBooking{ID: b.ID, Space: room, Start: start, End: end})
		}
	case http.StatusConflict:
		var pr problemView
		err := json.Unmarshal(a.Body, &pr)
		r.stats.problem(a.Status, pr.Code)
		if c := pr.Conflict; err != nil || pr.Code != "booked" || c == nil || c.Space != room || !booking.Overlaps(start, end, c.Start, c.End) {
			r.stats.fail("wrong_conflict", fmt.Sprintf("%s: 409 %s", what, a.Body))
		}
	default:
		var pr problemView
		_ = json.Unmarshal(a.Body, &pr)
		r.stats.problem(a.Status, pr.Code)
		r.stats.fail("status "+strconv.Itoa(a.Status), fmt.Sprintf("%s: %d %s", what, a.Status, strings.TrimSpace(string(a.Body))))
	}
	if p.rng.Float64() >= r.o.retries {
		return
	}
	// The phone did not read the answer and sends the booking again.
	again, err := r.send(ctx, "book_retry", http.MethodPost, "/api/v1/bookings", p.token, key, body)
	if err != nil {
		return
	}
	same := again.Status == a.Status && bytes.Equal(again.Body, a.Body) && again.Header.Get("Idempotent-Replayed") == "true"
	r.stats.retried(same)
	if !same {
		r.stats.fail("retry_mismatch", fmt.Sprintf("%s: key %s first answered %d %s, then %d %s (replayed %q)", what, key,
			a.Status, bytes.TrimSpace(a.Body), again.Status, bytes.TrimSpace(again.Body), again.Header.Get("Idempotent-Replayed")))
	}
}

// cancel cancels one of p's live bookings at random; false when no
// answer came.
func (r *bookRun) cancel(ctx context.Context, p *bookPerson, why string) bool {
	i := p.rng.IntN(len(p.live))
	b := p.live[i]
	p.live = slices.Delete(p.live, i, i+1)
	a, err := r.send(ctx, "cancel", http.MethodDelete, "/api/v1/bookings/"+strconv.FormatInt(b.ID, 10), p.token, "", nil)
	if err != nil {
		if a.Sent {
			p.unsure++
		}
		return false
	}
	r.stats.cancelled(why, a.Took)
	var v bookingView
	if a.Status != http.StatusOK || json.Unmarshal(a.Body, &v) != nil || v.ID != b.ID || v.Status != booking.Cancelled {
		r.stats.fail("cancel_"+strconv.Itoa(a.Status), fmt.Sprintf("%s cancelling booking %d: %d %s", p.Email, b.ID, a.Status, bytes.TrimSpace(a.Body)))
		p.unsure++ // what the server holds is not known
	}
	return true
}

// campusSpaces asks for every space of the campus with its day's
// timeline, for the day of a random slot: one request.
func (r *bookRun) campusSpaces(ctx context.Context, p *bookPerson) {
	start, _ := bookSlot(p.rng, r.zone, r.from)
	q := url.Values{"start": {start.Format(time.RFC3339)}, "limit": {strconv.Itoa(booking.MaxLimit)}}
	var page spacesPage
	a, err := r.want(ctx, "spaces_campus", http.StatusOK, http.MethodGet, "/api/v1/spaces?"+q.Encode(), p.token, &page)
	if err != nil {
		return
	}
	r.stats.asked("campus", a.Took)
	empty := 0
	for _, it := range page.Items {
		if len(it.Timeline) == 0 {
			empty++
		}
	}
	if want := r.campus[string(p.Role)]; len(page.Items) != want || page.Next != nil || empty > 0 {
		r.stats.fail("wrong_spaces", fmt.Sprintf("the campus for %s on %s: %d spaces (want %d), %d without a timeline, next %v",
			p.Role, start.Format(time.DateOnly), len(page.Items), want, empty, page.Next != nil))
	}
}

// nearest asks for the nearest free meeting rooms for a few people, for
// a random slot, from one of the campus's rooms.
func (r *bookRun) nearest(ctx context.Context, p *bookPerson) {
	at := r.near[p.rng.IntN(len(r.near))]
	capacity := bookCaps[p.rng.IntN(len(bookCaps))]
	start, end := bookSlot(p.rng, r.zone, r.from)
	q := url.Values{"type": {"meeting"}, "capacity": {strconv.Itoa(capacity)}, "available": {"true"}, "limit": {"5"},
		"near": {fmt.Sprintf("%.7f,%.7f,%d", at.Lon, at.Lat, at.Ordinal)}, "start": {start.Format(time.RFC3339)}, "end": {end.Format(time.RFC3339)}}
	var page spacesPage
	a, err := r.want(ctx, "spaces_near", http.StatusOK, http.MethodGet, "/api/v1/spaces?"+q.Encode(), p.token, &page)
	if err != nil {
		return
	}
	r.stats.asked("near", a.Took)
	if len(page.Items) == 0 {
		r.stats.asked("near_none_free", 0)
	}
	last, unreached := -1.0, false // nearest first, those no walk reaches last
	for _, it := range page.Items {
		walk := last
		if it.WalkS != nil {
			walk = *it.WalkS
		}
		if !it.Available || it.Type != "meeting" || it.Capacity < capacity || (it.WalkS != nil && (walk < last || unreached)) {
			r.stats.fail("wrong_nearest", fmt.Sprintf("the nearest free meeting room for %d from %v, %s to %s: %s (%s, capacity %d, available %v, walk %v s after %v s)",
				capacity, at, start.Format(time.RFC3339), end.Format(time.RFC3339), it.Ref, it.Type, it.Capacity, it.Available, walk, last))
			return
		}
		last, unreached = walk, unreached || it.WalkS == nil
	}
}

// overlapping are the pairs of live bookings of one space, among bs,
// whose intervals overlap: half-open, so back to back is no overlap;
// each booking that overlaps one before it (by start) is paired with
// the one before it that ends last.
func overlapping(bs []bookingView) [][2]bookingView {
	live := slices.DeleteFunc(slices.Clone(bs), func(b bookingView) bool { return !booking.Live(b.Status) })
	slices.SortFunc(live, func(a, b bookingView) int {
		if c := strings.Compare(a.Space, b.Space); c != 0 {
			return c
		}
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	var out [][2]bookingView
	for i := 1; i < len(live); i++ {
		last := -1 // the booking of the same space before i that ends last
		for j := i - 1; j >= 0 && live[j].Space == live[i].Space; j-- {
			if last < 0 || live[j].End.After(live[last].End) {
				last = j
			}
		}
		if last >= 0 && booking.Overlaps(live[last].Start, live[last].End, live[i].Start, live[i].End) {
			out = append(out, [2]bookingView{live[last], live[i]})
		}
	}
	return out
}

// bookCheck is what the bookings read back at the end came to.
type bookCheck struct {
	People   int `json:"people"`
	Read     int `json:"bookings_read"` // of every status
	Live     int `json:"live"`          // confirmed or pending
	Rooms    int `json:"rooms"`         // with a live booking
	Overlaps int `json:"overlaps"`      // pairs of live bookings of one room that overlap
	// Lost: told booked and not cancelled, yet not live; Unknown: live,
	// yet never told booked (beyond the requests that got no answer);
	// Released: released as no-shows (a booking of an earlier run).
	Lost     int      `json:"lost"`
	Unknown  int      `json:"unknown"`
	Released int      `json:"released"`
	Unsure   int      `json:"unanswered"` // requests that got no answer: a booking or a cancel not told
	Unread   int      `json:"unread"`     // people whose bookings could not be read
	Samples  []string `json:"samples,omitempty"`
}

// checkAll reads every person's bookings back: no two live bookings of a
// room may overlap (whoever holds them), and each person holds live what
// they were told, no more.
func (r *bookRun) checkAll(ctx context.Context, people []*bookPerson) bookCheck {
	var mu sync.Mutex
	var all []bookingView
	out := bookCheck{People: len(people)}
	sample := func(s string) {
		if len(out.Samples) < 5 {
			out.Samples = append(out.Samples, s)
		}
	}
	parallel(len(people), r.o.concurrency, func(i int) error {
		p := people[i]
		bs, err := r.bookingsOf(ctx, p)
		mu.Lock()
		defer mu.Unlock()
		out.Unsure += p.unsure
		if err != nil {
			out.Unread++
			return nil
		}
		all = append(all, bs...)
		server := map[int64]bookingView{}
		for _, b := range bs {
			server[b.ID] = b
		}
		told := map[int64]bool{}
		for _, h := range p.live {
			told[h.ID] = true
			b, ok := server[h.ID]
			switch {
			case ok && b.Status == booking.Released:
				out.Released++
			case !ok || !booking.Live(b.Status) || b.Space != h.Space || !b.Start.Equal(h.Start) || !b.End.Equal(h.End):
				out.Lost++
				sample(fmt.Sprintf("lost: %s was told booking %d of %s from %s to %s; the server has %+v", p.Email, h.ID, h.Space, h.Start.Format(time.RFC3339), h.End.Format(time.RFC3339), b))
			}
		}
		unknown := 0
		for _, b := range bs {
			if booking.Live(b.Status) && !told[b.ID] && !p.past[b.ID] {
				unknown++
			}
		}
		if unknown > p.unsure {
			out.Unknown += unknown - p.unsure
			sample(fmt.Sprintf("unknown: %s holds %d live bookings never told of (%d requests got no answer)", p.Email, unknown, p.unsure))
		}
		return nil
	})
	out.Read = len(all)
	rooms := map[string]bool{}
	for _, b := range all {
		if booking.Live(b.Status) {
			out.Live++
			rooms[b.Space] = true
		}
	}
	out.Rooms = len(rooms)
	pairs := overlapping(all)
	out.Overlaps = len(pairs)
	for _, pr := range pairs {
		sample(fmt.Sprintf("overlap: in %s, booking %d (%s to %s) and booking %d (%s to %s)", pr[0].Space,
			pr[0].ID, pr[0].Start.Format(time.RFC3339), pr[0].End.Format(time.RFC3339), pr[1].ID, pr[1].Start.Format(time.RFC3339), pr[1].End.Format(time.RFC3339)))
	}
	return out
}

// cancelAll cancels what the people hold that has not ended, so that no
// booking of the run becomes a no-show; it answers how many.
func (r *bookRun) cancelAll(ctx context.Context, people []*bookPerson) int {
	var mu sync.Mutex
	n := 0
	now := time.Now()
	parallel(len(people), r.o.concurrency, func(i int) error {
		p := people[i]
		for _, b := range slices.Clone(p.live) {
			if !b.End.After(now) {
				continue
			}
			a, err := r.send(ctx, "cancel_at_end", http.MethodDelete, "/api/v1/bookings/"+strconv.FormatInt(b.ID, 10), p.token, "", nil)
			if err == nil && a.Status == http.StatusOK {
				mu.Lock()
				n++
				mu.Unlock()
			} else if err == nil {
				r.stats.fail("cancel_at_end_"+strconv.Itoa(a.Status), fmt.Sprintf("%s cancelling booking %d: %d %s", p.Email, b.ID, a.Status, bytes.TrimSpace(a.Body)))
			}
		}
		return nil
	})
	return n
}

// bookStats counts the run; safe for concurrent use.
type bookStats struct {
	mu        sync.Mutex
	start     time.Time
	booked201 []int // bookings made, by second of the run
	conflicts []int // 409s, by second of the run
	answered  []int // POST /bookings answered (any status, retries not counted), by second of the run
	byStatus  map[string]int
	problems  map[string]int
	latency   map[string][]float64 // book, campus, near, cancel
	asks      map[string]int
	cancels   map[string]int
	retries   int
	replayed  int
	requests  map[string]int
	errors    map[string]int
	samples   []string
}

func newBookStats() *bookStats {
	return &bookStats{byStatus: map[string]int{}, problems: map[string]int{}, latency: map[string][]float64{},
		asks: map[string]int{}, cancels: map[string]int{}, requests: map[string]int{}, errors: map[string]int{}}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (s *bookStats) request(what string) {
	s.mu.Lock()
	s.requests[what]++
	s.mu.Unlock()
}

// fail counts an error of kind, keeping the first few details.
func (s *bookStats) fail(kind, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors[kind]++
	if len(s.samples) < 5 {
		if len(detail) > 400 {
			detail = detail[:400]
		}
		s.samples = append(s.samples, kind+": "+detail)
	}
}

func (s *bookStats) errorCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.errors {
		n += v
	}
	return n
}

// booked counts a POST /bookings answered status at after took.
func (s *bookStats) booked(status int, at time.Time, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byStatus[strconv.Itoa(status)]++
	s.latency["book"] = append(s.latency["book"], ms(took))
	s.answered = countAt(s.answered, s.start, at)
	switch status {
	case http.StatusCreated:
		s.booked201 = countAt(s.booked201, s.start, at)
	case http.StatusConflict:
		s.conflicts = countAt(s.conflicts, s.start, at)
	}
}

func (s *bookStats) problem(status int, code string) {
	s.mu.Lock()
	s.problems[strconv.Itoa(status)+" "+code]++
	s.mu.Unlock()
}

func (s *bookStats) retried(same bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retries++
	if same {
		s.replayed++
	}
}

func (s *bookStats) cancelled(why string, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancels[why]++
	s.latency["cancel"] = append(s.latency["cancel"], ms(took))
}

// asked counts a question about spaces (campus, near), or an event
// (near_none_free: took 0, no latency).
func (s *bookStats) asked(what string, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asks[what]++
	if took > 0 {
		s.latency[what] = append(s.latency[what], ms(took))
	}
}

// bookReport is the simulator's answer on standard output.
type bookReport struct {
	Server      string         `json:"server"`
	People      map[string]int `json:"people"` // by role
	Rooms       int            `json:"rooms"`  // meeting rooms booked
	Concurrency int            `json:"concurrency"`
	// CampusSpaces is how many spaces a question about the whole campus
	// answers, by role.
	CampusSpaces map[string]int `json:"campus_spaces"`
	SetupS       float64        `json:"setup_s"`
	DurationS    float64        `json:"duration_s"`
	// ClientCPUS is the CPU time the simulator used during the run: on
	// a machine it shares with the server, what it took.
	ClientCPUS float64 `json:"client_cpu_s"`

	Bookings           int       `json:"bookings"` // POST /bookings answered 201 within the run
	PerSecond          float64   `json:"bookings_per_s"`
	PeakPerSecond      int       `json:"peak_bookings_per_s"`
	Timeline           []float64 `json:"bookings_per_s_by_10s"`
	Conflicts          int       `json:"conflicts"` // answered 409 within the run
	ConflictsPerSecond float64   `json:"conflicts_per_s"`
	ConflictsTimeline  []float64 `json:"conflicts_per_s_by_10s"`
	// PostsPerSecond are the POST /bookings answered a second, whatever
	// the answer (retries not counted): what the server got through.
	PostsPerSecond float64 `json:"posts_per_s"`
	// ByStatus are the POST /bookings by status, retries not counted;
	// Problems by status and problem code ("409 booked").
	ByStatus map[string]int `json:"posts_by_status"`
	Problems map[string]int `json:"problems"`
	BookMS   simLatency     `json:"book_latency_ms"`          // POST /bookings, client side, retries not counted
	CampusMS simLatency     `json:"spaces_campus_latency_ms"` // GET /spaces, every space with its timeline
	NearMS   simLatency     `json:"spaces_near_latency_ms"`   // GET /spaces?type=meeting&near=...&available=true
	CancelMS simLatency     `json:"cancel_latency_ms"`        // DELETE /bookings/{id}
	Spaces   map[string]int `json:"spaces_questions"`         // campus, near, near_none_free
	Cancels  map[string]int `json:"cancels"`                  // near_bound, churn
	Retries  int            `json:"retries"`
	Replayed int            `json:"retries_same_answer"`
	Requests map[string]int `json:"requests"` // by endpoint, answered or not
	Errors   map[string]int `json:"errors"`   // by kind: "status N", no_answer, retry_mismatch, wrong_conflict...

	Check          bookCheck `json:"check"`
	CancelledAtEnd int       `json:"cancelled_at_end"`
}

// report fills in the counts of a run of d.
func (s *bookStats) report(r *bookReport, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.DurationS = d.Seconds()
	b, c := rateOf(s.booked201, d), rateOf(s.conflicts, d)
	r.Bookings, r.PerSecond, r.PeakPerSecond, r.Timeline = b.Total, b.Mean, b.Peak, b.By10s
	r.Conflicts, r.ConflictsPerSecond, r.ConflictsTimeline = c.Total, c.Mean, c.By10s
	r.PostsPerSecond = rateOf(s.answered, d).Mean
	r.ByStatus, r.Problems, r.Spaces, r.Cancels = maps.Clone(s.byStatus), maps.Clone(s.problems), maps.Clone(s.asks), maps.Clone(s.cancels)
	r.Retries, r.Replayed = s.retries, s.replayed
	r.BookMS, r.CampusMS, r.NearMS, r.CancelMS = latencyOf(s.latency["book"]), latencyOf(s.latency["campus"]),
		latencyOf(s.latency["near"]), latencyOf(s.latency["cancel"])
}
