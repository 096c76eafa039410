package web

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	json "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/idempotency"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/services/sqlite"
)

// testClock is the server's clock in these tests: it stands still until
// moved.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) move(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// keyedServer is the server over a real store that keeps idempotency
// keys, on a clock the test moves.
type keyedServer struct {
	servicesServer
	store servicesStore
	keys  idempotency.Store
	clock *testClock
	srv   *Server
}

func newKeyedServer(t testing.TB, store servicesStore) keyedServer {
	t.Helper()
	testServer(t) // loads the campus once
	keys, ok := store.(idempotency.Store)
	if !ok {
		t.Fatalf("%T keeps no idempotency keys", store)
	}
	book := &codeBook{codes: map[string]string{}}
	svc := auth.New(store, auth.Options{SMS: book, Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	d := campusDeps
	d.Auth, d.Phone, d.Family, d.Places, d.Idempotency = svc, svc, svc, store, keys
	clock := &testClock{t: time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)}
	srv := New(d, Config{Now: clock.now})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return keyedServer{servicesServer{ts, svc, book}, store, keys, clock, srv}
}

// userID is the account a token is of.
func (s keyedServer) userID(t testing.TB, token string) int64 {
	u, err := s.svc.Authenticate(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// keyedPost POSTs body to path with a token and Idempotency-Key values
// (none: no header); it returns the request, the answer and its body.
func keyedPost(t testing.TB, base, token, path, body string, keys ...string) (*http.Request, *http.Response, []byte) {
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for _, k := range keys {
		req.Header.Add("Idempotency-Key", k)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return req, resp, b
}

// check checks an answer against openapi.json.
func (d documented) check(t *testing.T, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	route, params, err := d.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: not in openapi.json: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: the answer does not match openapi.json: %v\n%.400s", req.Method, req.URL.Path, err, bytes.TrimSpace(body))
	}
}

// placesOf lists the places of a token's person.
func placesOf(t *testing.T, ts *httptest.Server, token string) []places.Place {
	t.Helper()
	var ps []places.Place
	_, _, body := callToken(t, ts, token, "GET", "/api/v1/me/places", "")
	if err := json.Unmarshal(body, &ps); err != nil {
		t.Fatalf("places: %s", body)
	}
	return ps
}

const parkedBody = `{"name":"where I parked","lon":113.4786,"lat":22.8955,"ordinal":-1}`

// TestIdempotentPlaceOverHTTP: 50 concurrent retries of one keyed POST
// /me/places make one place; each answer is the first 201 (same body,
// same place) or a 409 saying the first still runs; later retries get
// the 201 again, marked replayed. The same key with another body or on
// another path is a 422 naming the header. On both stores.
func TestIdempotentPlaceOverHTTP(t *testing.T) {
	doc := newDocumented(t)
	for name, store := range realStores(t) {
		t.Run(name, func(t *testing.T) {
			ts := newKeyedServer(t, store)
			token := ts.signIn(t, "retrier@hkust-gz.edu.cn", auth.Staff)
			const key = "8e03978e-40d5-43e8-bc93-6894a57f9324"
			const n = 50
			type answer struct {
				status   int
				header   http.Header
				body     []byte
				problem  Problem
				replayed bool
			}
			answers := make([]answer, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					_, resp, body := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, key)
					a := answer{status: resp.StatusCode, header: resp.Header, body: body, replayed: resp.Header.Get("Idempotent-Replayed") == "true"}
					if a.status != http.StatusCreated {
						json.Unmarshal(body, &a.problem)
					}
					answers[i] = a
				})
			}
			close(start)
			wg.Wait()
			var first *answer
			ran, inFlight := 0, 0
			for i, a := range answers {
				switch a.status {
				case http.StatusCreated:
					if !a.replayed {
						ran++
					}
					if first == nil {
						first = &answers[i]
					} else if !bytes.Equal(a.body, first.body) || a.header.Get("Location") != first.header.Get("Location") {
						t.Errorf("answer %d: %s (Location %s), unlike %s (Location %s)", i, a.body, a.header.Get("Location"), first.body, first.header.Get("Location"))
					}
				case http.StatusConflict:
					inFlight++
					if a.problem.Param != "Idempotency-Key" || !strings.Contains(a.problem.Detail, "still being processed") {
						t.Errorf("answer %d: 409 %+v, want the first request in flight", i, a.problem)
					}
				default:
					t.Errorf("answer %d: %d %s, want 201 or 409", i, a.status, a.body)
				}
			}
			t.Logf("%d concurrent retries: %d ran, %d replayed, %d in flight", n, ran, n-ran-inFlight, inFlight)
			if ran != 1 || first == nil {
				t.Fatalf("%d of %d concurrent keyed requests ran, want 1", ran, n)
			}
			var made places.Place
			if err := json.Unmarshal(first.body, &made); err != nil || made.ID == 0 {
				t.Fatalf("the place made: %s", first.body)
			}
			if ps := placesOf(t, ts.Server, token); len(ps) != 1 || ps[0].ID != made.ID {
				t.Fatalf("%d places stored (%v), want the one place %d", len(ps), ps, made.ID)
			}
			// Retries after: the same 201, marked.
			for i := range 3 {
				req, resp, body := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, key)
				doc.check(t, req, resp, body)
				if resp.StatusCode != 201 || !bytes.Equal(body, first.body) || resp.Header.Get("Idempotent-Replayed") != "true" ||
					resp.Header.Get("Location") != "/api/v1/me/places/"+strconv.FormatInt(made.ID, 10) ||
					resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("retry %d: %d %v %s", i+1, resp.StatusCode, resp.Header, body)
				}
			}
			// The key with another body, or on another path: 422, nothing made.
			for _, c := range []struct{ path, body, lang string }{
				{"/api/v1/me/places", `{"name":"somewhere else","lon":113.4786,"lat":22.8955,"ordinal":-1}`, "en"},
				{"/api/v1/me/places?lang=zh", parkedBody, "zh"},
				{"/api/v1/family", `{"phone":"13900000077","name":"Mei"}`, "en"},
			} {
				req, resp, body := keyedPost(t, ts.URL, token, c.path, c.body, key)
				doc.check(t, req, resp, body)
				p := problemOf(t, resp, body)
				title := titleKeyReused[0]
				if c.lang == "zh" {
					title = titleKeyReused[1]
				}
				if resp.StatusCode != 422 || p.Param != "Idempotency-Key" || p.Title != title || resp.Header.Get("Idempotent-Replayed") != "" {
					t.Errorf("POST %s %s with the key again: %d %+v", c.path, c.body, resp.StatusCode, p)
				}
			}
			if ps := placesOf(t, ts.Server, token); len(ps) != 1 {
				t.Errorf("%d places after reusing the key, want 1", len(ps))
			}
			// Keys are per person: another person's same key makes their place.
			other := ts.signIn(t, "other@hkust-gz.edu.cn", auth.Student)
			if _, resp, body := keyedPost(t, ts.URL, other, "/api/v1/me/places", parkedBody, key); resp.StatusCode != 201 || resp.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("another person's same key: %d %s", resp.StatusCode, body)
			}
		})
	}
}

// failPlaces makes every insert of a place fail in the database itself,
// until the function it returns is called.
func failPlaces(t *testing.T, name string, store servicesStore) (heal func()) {
	t.Helper()
	db := store.(interface{ SQL() *sql.DB }).SQL()
	ddl, undo := `CREATE TRIGGER fail_places BEFORE INSERT ON places BEGIN SELECT RAISE(ABORT, 'the disk is on fire'); END`, "DROP TRIGGER fail_places"
	if name != "sqlite" {
		ddl = `CREATE FUNCTION fail_places() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the disk is on fire'; END $$;
			CREATE TRIGGER fail_places BEFORE INSERT ON places FOR EACH ROW EXECUTE FUNCTION fail_places()`
		undo = "DROP TRIGGER fail_places ON places; DROP FUNCTION fail_places()"
	}
	if _, err := db.ExecContext(t.Context(), ddl); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := db.ExecContext(t.Context(), undo); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIdempotencyKeepsWhatStripeKeeps: a server error is not kept (the
// retry runs again and makes the place); a 4xx is (the retry gets it
// again). On both stores.
func TestIdempotencyKeepsWhatStripeKeeps(t *testing.T) {
	for name, store := range realStores(t) {
		t.Run(name, func(t *testing.T) {
			ts := newKeyedServer(t, store)
			token := ts.signIn(t, "unlucky@hkust-gz.edu.cn", auth.Staff)
			heal := failPlaces(t, name, store)
			_, resp, body := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, "k-500")
			if resp.StatusCode != 500 || bytes.Contains(body, []byte("fire")) {
				t.Fatalf("with the store failing: %d %s, want a 500 saying nothing of it", resp.StatusCode, body)
			}
			heal()
			_, resp, body = keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, "k-500")
			if resp.StatusCode != 201 || resp.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("the retry after a 500: %d %v %s, want the request run again", resp.StatusCode, resp.Header, body)
			}
			if ps := placesOf(t, ts.Server, token); len(ps) != 1 {
				t.Errorf("%d places, want 1", len(ps))
			}
			bad := `{"name":"","lon":113.4786,"lat":22.8955,"ordinal":-1}`
			_, resp, first := keyedPost(t, ts.URL, token, "/api/v1/me/places", bad, "k-400")
			if resp.StatusCode != 400 {
				t.Fatalf("an empty name: %d %s", resp.StatusCode, first)
			}
			_, resp, again := keyedPost(t, ts.URL, token, "/api/v1/me/places", bad, "k-400")
			if resp.StatusCode != 400 || !bytes.Equal(again, first) || resp.Header.Get("Idempotent-Replayed") != "true" ||
				resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("the retry of a 400: %d %v %s, want the first 400 again", resp.StatusCode, resp.Header, again)
			}
		})
	}
}

// TestIdempotencyExpiry: a key answers for 24 hours from its first use, by
// the server's clock; after that the same request runs again.
func TestIdempotencyExpiry(t *testing.T) {
	for name, store := range realStores(t) {
		t.Run(name, func(t *testing.T) {
			ts := newKeyedServer(t, store)
			token := ts.signIn(t, "daily@hkust-gz.edu.cn", auth.Staff)
			_, resp, first := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, "daily")
			if resp.StatusCode != 201 {
				t.Fatalf("first: %d %s", resp.StatusCode, first)
			}
			ts.clock.move(idempotency.TTL - time.Second)
			_, resp, body := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, "daily")
			if resp.StatusCode != 201 || !bytes.Equal(body, first) || resp.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("a second before 24 h: %d %s, want the first answer", resp.StatusCode, body)
			}
			ts.clock.move(time.Second)
			_, resp, body = keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, "daily")
			if resp.StatusCode != 201 || bytes.Equal(body, first) || resp.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("at 24 h: %d %s, want a new place", resp.StatusCode, body)
			}
			if ps := placesOf(t, ts.Server, token); len(ps) != 2 {
				t.Errorf("%d places, want 2", len(ps))
			}
		})
	}
}

// TestIdempotencyKeyCap: a person with idempotency.MaxPerPerson keys used
// in 24 hours gets a 429 naming the header, with Retry-After until the
// oldest expires; the same request without a key still runs.
func TestIdempotencyKeyCap(t *testing.T) {
	ts := newKeyedServer(t, realStores(t)["sqlite"])
	token := ts.signIn(t, "hoarder@hkust-gz.edu.cn", auth.Staff)
	uid := ts.userID(t, token)
	start := ts.clock.now()
	for i := range idempotency.MaxPerPerson {
		r := idempotency.Request{UserID: uid, Key: fmt.Sprint("k", i), Hash: "h", At: start.Add(time.Duration(i) * time.Second)}
		if _, err := ts.keys.ClaimIdempotencyKey(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	ts.clock.move(time.Hour)
	_, resp, body := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, "one too many")
	p := problemOf(t, resp, body)
	if want := strconv.Itoa(int((idempotency.TTL - time.Hour).Seconds())); resp.StatusCode != 429 || p.Param != "Idempotency-Key" || resp.Header.Get("Retry-After") != want {
		t.Errorf("key %d: %d, Retry-After %q, %+v; want 429, Retry-After %s", idempotency.MaxPerPerson+1, resp.StatusCode, resp.Header.Get("Retry-After"), p, want)
	}
	if _, resp, body := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody); resp.StatusCode != 201 {
		t.Errorf("without a key: %d %s", resp.StatusCode, body)
	}
	// The 429 was not kept: once the oldest key expires, the key runs.
	ts.clock.move(idempotency.TTL - time.Hour)
	if _, resp, body := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, "one too many"); resp.StatusCode != 201 || resp.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("when the oldest key expired: %d %s", resp.StatusCode, body)
	}
}

// TestIdempotencyKeyProblems: what a key must be and who may send one,
// each a problem naming the header; the quoted form of a key is the key;
// a key whose request still runs is a 409.
func TestIdempotencyKeyProblems(t *testing.T) {
	doc := newDocumented(t)
	store := realStores(t)["sqlite"]
	ts := newKeyedServer(t, store)
	token := ts.signIn(t, "careless@hkust-gz.edu.cn", auth.Staff)
	for _, c := range []struct {
		token  string
		keys   []string
		status int
		param  string
	}{
		{"", []string{"k"}, 401, "Authorization"},
		{token, []string{strings.Repeat("k", idempotency.MaxKeyLen+1)}, 400, "Idempotency-Key"},
		{token, []string{"café"}, 400, "Idempotency-Key"},
		{token, []string{"tab\there"}, 400, "Idempotency-Key"},
		{token, []string{""}, 400, "Idempotency-Key"},
		{token, []string{"a", "b"}, 400, "Idempotency-Key"},
	} {
		req, resp, body := keyedPost(t, ts.URL, c.token, "/api/v1/me/places", parkedBody, c.keys...)
		doc.check(t, req, resp, body)
		if p := problemOf(t, resp, body); resp.StatusCode != c.status || p.Param != c.param || p.Detail == "" {
			t.Errorf("keys %.20q: %d %+v, want %d naming %s", c.keys, resp.StatusCode, p, c.status, c.param)
		}
		if c.status == 400 {
			_, resp, body := keyedPost(t, ts.URL, c.token, "/api/v1/me/places?lang=zh", parkedBody, c.keys...)
			if p := problemOf(t, resp, body); !hasHan(p.Detail) {
				t.Errorf("keys %.20q in Chinese: %+v", c.keys, p)
			}
		}
	}
	if ps := placesOf(t, ts.Server, token); len(ps) != 0 {
		t.Errorf("%d places made by refused requests", len(ps))
	}
	// A key of 255 characters, and the draft's quoted form of it.
	long := strings.Repeat("k", idempotency.MaxKeyLen)
	_, resp, first := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, long)
	_, again, body := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, `"`+long+`"`)
	if resp.StatusCode != 201 || again.StatusCode != 201 || !bytes.Equal(body, first) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a bare key, then quoted: %d %s, then %d %s", resp.StatusCode, first, again.StatusCode, body)
	}
	// A request holding the key (here: claimed by the test) makes retries 409.
	r := idempotency.Request{UserID: ts.userID(t, token), Key: "busy", Hash: idempotency.Hash("POST", "/api/v1/me/places", []byte(parkedBody)), At: ts.clock.now()}
	if _, err := ts.keys.ClaimIdempotencyKey(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	req, resp, body := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, "busy")
	doc.check(t, req, resp, body)
	if p := problemOf(t, resp, body); resp.StatusCode != 409 || p.Param != "Idempotency-Key" {
		t.Errorf("a key in flight: %d %+v", resp.StatusCode, p)
	}
	if err := ts.keys.ReleaseIdempotencyKey(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if _, resp, body := keyedPost(t, ts.URL, token, "/api/v1/me/places", parkedBody, "busy"); resp.StatusCode != 201 {
		t.Errorf("the key released: %d %s", resp.StatusCode, body)
	}
	// POST /family honours the header too.
	_, resp, first = keyedPost(t, ts.URL, token, "/api/v1/family", `{"phone":"13900000078","name":"Mei"}`, "family")
	_, again, body = keyedPost(t, ts.URL, token, "/api/v1/family", `{"phone":"13900000078","name":"Mei"}`, "family")
	if resp.StatusCode != 201 || again.StatusCode != 201 || !bytes.Equal(body, first) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("a family application, then its retry: %d %s, then %d %s", resp.StatusCode, first, again.StatusCode, body)
	}
}

// TestIdempotencyEdges, on a route of the test's own behind the
// middleware: a handler that panics releases the key (the retry runs); an
// answer larger than idempotency.MaxBody is kept without its body, and
// its retry gets the status and Location only.
func TestIdempotencyEdges(t *testing.T) {
	ts := newKeyedServer(t, realStores(t)["sqlite"])
	token := ts.signIn(t, "edgy@hkust-gz.edu.cn", auth.Staff)
	calls := 0
	big := bytes.Repeat([]byte("x"), idempotency.MaxBody+1)
	ts.srv.e.POST("/api/v1/test/edge", func(c echo.Context) error {
		calls++
		if calls == 1 {
			panic("the handler fell over")
		}
		c.Response().Header().Set(echo.HeaderLocation, "/api/v1/test/edge/1")
		return c.Blob(http.StatusCreated, "text/plain", big)
	}, ts.srv.viewer, ts.srv.idempotent)
	_, resp, _ := keyedPost(t, ts.URL, token, "/api/v1/test/edge", "{}", "edge")
	if resp.StatusCode != 500 {
		t.Fatalf("a panic: %d, want 500", resp.StatusCode)
	}
	_, resp, body := keyedPost(t, ts.URL, token, "/api/v1/test/edge", "{}", "edge")
	if resp.StatusCode != 201 || !bytes.Equal(body, big) || calls != 2 {
		t.Fatalf("the retry after a panic: %d, %d bytes, %d calls; want it run again", resp.StatusCode, len(body), calls)
	}
	_, resp, body = keyedPost(t, ts.URL, token, "/api/v1/test/edge", "{}", "edge")
	if resp.StatusCode != 201 || len(body) != 0 || resp.Header.Get("Location") != "/api/v1/test/edge/1" ||
		resp.Header.Get("Content-Type") != "" || resp.Header.Get("Idempotent-Replayed") != "true" || calls != 2 {
		t.Errorf("the retry of a large answer: %d %v, %d bytes, %d calls; want 201 with Location, no body, not run", resp.StatusCode, resp.Header, len(body), calls)
	}
}

// BenchmarkKeyedPlace: POST /me/places over loopback on SQLite, without a
// key, with a new key each time, and a retry answered from its key.
//
//	go test ./web -run '^$' -bench KeyedPlace -benchtime 2000x -count 5
func BenchmarkKeyedPlace(b *testing.B) {
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "campus.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ts := newKeyedServer(b, db)
	people := 0
	// token is a fresh person's every places.MaxPerPerson requests, made
	// off the clock.
	var tok string
	token := func(i int) string {
		if i%places.MaxPerPerson == 0 {
			b.StopTimer()
			people++
			email := fmt.Sprintf("bench%d@hkust-gz.edu.cn", people)
			if _, err := ts.svc.AddUser(b.Context(), email, "correct horse battery", auth.Staff); err != nil {
				b.Fatal(err)
			}
			sess, err := ts.svc.Login(b.Context(), email, "correct horse battery", fmt.Sprintf("10.0.%d.%d", people/250, people%250)) // an address each: no login limit
			if err != nil {
				b.Fatal(err)
			}
			tok = sess.Token
			b.StartTimer()
		}
		return tok
	}
	post := func(b *testing.B, token string, keys ...string) {
		_, resp, body := keyedPost(b, ts.URL, token, "/api/v1/me/places", parkedBody, keys...)
		if resp.StatusCode != 201 {
			b.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
	b.Run("unkeyed", func(b *testing.B) {
		i := 0
		for b.Loop() {
			post(b, token(i))
			i++
		}
	})
	b.Run("keyed", func(b *testing.B) {
		i := 0
		for b.Loop() {
			post(b, token(i), fmt.Sprint("key-", people, "-", i))
			i++
		}
	})
	b.Run("replayed", func(b *testing.B) {
		t := token(0)
		post(b, t, "again")
		for b.Loop() {
			post(b, t, "again")
		}
	})
}
