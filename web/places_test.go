package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campusnav/engine/services/postgres/pgtest"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/sqlite"
)

// servicesStore is a store of accounts and places, as campusd opens one.
type servicesStore interface {
	auth.Store
	places.Store
}

// realStores are the stores to run over-HTTP tests of the services on:
// a SQLite file, and PostgreSQL (a schema of its own) when
// CAMPUS_TEST_DATABASE_URL is set.
func realStores(t *testing.T) map[string]servicesStore {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	stores := map[string]servicesStore{"sqlite": db}
	base := os.Getenv("CAMPUS_TEST_DATABASE_URL")
	if base == "" {
		t.Log("CAMPUS_TEST_DATABASE_URL is not set: SQLite only")
		return stores
	}
	pg, err := postgres.Open(t.Context(), pgtest.SchemaOf(t, base))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	stores["postgresql"] = pg
	return stores
}

// servicesServer is the server over a real store, with the real auth
// service, its codes written to book.
type servicesServer struct {
	*httptest.Server
	svc  *auth.Service
	book *codeBook
}

func newServicesServer(t *testing.T, store servicesStore) servicesServer {
	t.Helper()
	testServer(t) // loads the campus once
	book := &codeBook{codes: map[string]string{}}
	svc := auth.New(store, auth.Options{SMS: book, Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	d := campusDeps
	d.Auth, d.Phone, d.Family, d.Places = svc, svc, svc, store
	ts := httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(ts.Close)
	return servicesServer{ts, svc, book}
}

// signIn makes an account of role and returns a token of it.
func (s servicesServer) signIn(t *testing.T, email string, role auth.Role) string {
	t.Helper()
	if _, err := s.svc.AddUser(t.Context(), email, "correct horse battery", role); err != nil {
		t.Fatal(err)
	}
	sess, err := s.svc.Login(t.Context(), email, "correct horse battery", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return sess.Token
}

// documented checks an answer against openapi.json: status, headers,
// content type and body.
type documented struct {
	router routers.Router
}

func newDocumented(t *testing.T) documented {
	doc := loadOpenAPI(t)
	doc.Servers = nil
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return documented{r}
}

// do makes a request with token (none if "") and checks the answer
// against the document; it returns the status, the answer and its body.
func (d documented) do(t *testing.T, base, token, method, path, body string) (int, *http.Response, []byte) {
	t.Helper()
	req, resp, b := send(t, base, token, method, path, body)
	route, params, err := d.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: not in openapi.json: %v", method, path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(b)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: the answer does not match openapi.json: %v\n%.400s", method, path, err, bytes.TrimSpace(b))
	}
	return resp.StatusCode, resp, b
}

// problemOf reads a problem answer.
func problemOf(t *testing.T, resp *http.Response, body []byte) Problem {
	t.Helper()
	var p Problem
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q, want application/problem+json", ct)
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a problem: %s", body)
	}
	return p
}

// TestSavedPlacesCapOverHTTP: the 201st place of a person is a 409 saying
// so, on both stores; deleting one makes room.
func TestSavedPlacesCapOverHTTP(t *testing.T) {
	doc := newDocumented(t)
	for name, store := range realStores(t) {
		t.Run(name, func(t *testing.T) {
			ts := newServicesServer(t, store)
			token := ts.signIn(t, "keeper@hkust-gz.edu.cn", auth.Staff)
			var first places.Place
			for i := range places.MaxPerPerson {
				code, _, body := callToken(t, ts.Server, token, "POST", "/api/v1/me/places", fmt.Sprintf(`{"name":"spot %d","lon":113.4786,"lat":22.8955,"ordinal":-1}`, i))
				if code != 201 {
					t.Fatalf("place %d: %d %s", i+1, code, body)
				}
				if i == 0 {
					json.Unmarshal(body, &first)
				}
			}
			code, resp, body := doc.do(t, ts.URL, token, "POST", "/api/v1/me/places", `{"name":"one too many","lon":113.4786,"lat":22.8955,"ordinal":-1}`)
			p := problemOf(t, resp, body)
			if code != 409 || p.Detail != "at most 200 saved places; delete one first" {
				t.Errorf("place %d: %d %+v, want 409 saying at most 200", places.MaxPerPerson+1, code, p)
			}
			if code, _, _ := callToken(t, ts.Server, token, "DELETE", fmt.Sprintf("/api/v1/me/places/%d", first.ID), ""); code != 204 {
				t.Fatalf("delete: %d", code)
			}
			if code, _, body := callToken(t, ts.Server, token, "POST", "/api/v1/me/places", `{"name":"in its place","lon":113.4786,"lat":22.8955,"ordinal":-1}`); code != 201 {
				t.Errorf("after a delete: %d %s", code, body)
			}
		})
	}
}

// TestSavedPlacesPagingOverHTTP: GET /me/places stays a bare array, pages
// by limit and offset, and links the next page (RFC 8288) while there is
// one.
func TestSavedPlacesPagingOverHTTP(t *testing.T) {
	doc := newDocumented(t)
	ts := newServicesServer(t, realStores(t)["sqlite"])
	token := ts.signIn(t, "pager@hkust-gz.edu.cn", auth.Student)
	other := ts.signIn(t, "other@hkust-gz.edu.cn", auth.Student)
	var want []int64
	for i := range 5 {
		_, _, body := callToken(t, ts.Server, token, "POST", "/api/v1/me/places", fmt.Sprintf(`{"name":"p%d","lon":113.4786,"lat":22.8955,"ordinal":0}`, i))
		var p places.Place
		json.Unmarshal(body, &p)
		want = append(want, p.ID)
	}
	callToken(t, ts.Server, other, "POST", "/api/v1/me/places", `{"name":"not yours","lon":113.4786,"lat":22.8955,"ordinal":0}`)

	// Unpaged by default: all of them (at most 200), no Link.
	code, resp, body := doc.do(t, ts.URL, token, "GET", "/api/v1/me/places", "")
	var all []places.Place
	json.Unmarshal(body, &all)
	if code != 200 || len(all) != 5 || resp.Header.Get("Link") != "" {
		t.Errorf("all: %d, %d places, Link %q", code, len(all), resp.Header.Get("Link"))
	}
	// Two at a time, following the links.
	var got []int64
	path := "/api/v1/me/places?limit=2"
	var links []string
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("the links do not end")
		}
		code, resp, body := doc.do(t, ts.URL, token, "GET", path, "")
		var page []places.Place
		if code != 200 || json.Unmarshal(body, &page) != nil || len(page) > 2 {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		for _, p := range page {
			got = append(got, p.ID)
		}
		link := resp.Header.Get("Link")
		links = append(links, link)
		path = ""
		if link != "" {
			target, rel, ok := strings.Cut(link, ">; ")
			if !ok || rel != `rel="next"` || !strings.HasPrefix(target, "</api/v1/me/places?") {
				t.Fatalf("Link %q is not <...>; rel=\"next\"", link)
			}
			path = strings.TrimPrefix(target, "<")
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pages gave %v, want %v (by id)", got, want)
	}
	if fmt.Sprint(links) != fmt.Sprint([]string{`</api/v1/me/places?limit=2&offset=2>; rel="next"`, `</api/v1/me/places?limit=2&offset=4>; rel="next"`, ""}) {
		t.Errorf("links %q", links)
	}
	// The last full page links no further page.
	if _, resp, _ := doc.do(t, ts.URL, token, "GET", "/api/v1/me/places?limit=5", ""); resp.Header.Get("Link") != "" {
		t.Errorf("a page that ends the list links %q", resp.Header.Get("Link"))
	}
	for _, bad := range []struct{ query, param string }{
		{"limit=0", "limit"}, {"limit=201", "limit"}, {"limit=x", "limit"}, {"offset=-1", "offset"}, {"offset=1e3", "offset"},
	} {
		code, resp, body := doc.do(t, ts.URL, token, "GET", "/api/v1/me/places?"+bad.query, "")
		if p := problemOf(t, resp, body); code != 400 || p.Param != bad.param {
			t.Errorf("%s: %d %+v, want 400 naming %s", bad.query, code, p, bad.param)
		}
	}
}

// TestNULIsABadRequestOverHTTP: a NUL character in any string people send
// is a 400 naming the field, on both stores (PostgreSQL used to answer
// 500, SQLite to keep it).
func TestNULIsABadRequestOverHTTP(t *testing.T) {
	doc := newDocumented(t)
	for name, store := range realStores(t) {
		t.Run(name, func(t *testing.T) {
			ts := newServicesServer(t, store)
			staff := ts.signIn(t, "nul@hkust-gz.edu.cn", auth.Staff)
			for _, c := range []struct {
				token, path, body, param string
			}{
				{"", "/api/v1/auth/login", `{"email":"a\u0000b@x","password":"correct horse battery"}`, "email"},
				{"", "/api/v1/auth/login", `{"email":"nul@hkust-gz.edu.cn\u0000","password":"correct horse battery"}`, "email"},
				{staff, "/api/v1/me/places", `{"name":"car\u0000","lon":113.4786,"lat":22.8955,"ordinal":-1}`, "name"},
				{staff, "/api/v1/family", `{"phone":"13900000000","name":"Mei\u0000"}`, "name"},
				{staff, "/api/v1/family", `{"phone":"139\u000000000000","name":"Mei"}`, "phone"},
				{"", "/api/v1/auth/phone/start", `{"phone":"13800000000\u0000"}`, "phone"},
			} {
				code, resp, body := doc.do(t, ts.URL, c.token, "POST", c.path, c.body)
				if p := problemOf(t, resp, body); code != 400 || p.Param != c.param {
					t.Errorf("POST %s %s: %d %+v, want 400 naming %s", c.path, c.body, code, p, c.param)
				}
			}
			var ps []places.Place
			_, _, body := callToken(t, ts.Server, staff, "GET", "/api/v1/me/places", "")
			if json.Unmarshal(body, &ps); len(ps) != 0 {
				t.Errorf("places kept: %s", body)
			}
		})
	}
}

// TestTouristSavedPlaceIsUnauthorized: a route to place:ID without signing
// in is a 401 saying to sign in, not a 404, whatever the id.
func TestTouristSavedPlaceIsUnauthorized(t *testing.T) {
	doc := newDocumented(t)
	ts := testServer(t)
	for _, to := range []string{"place:1", "place:999999", "place:x"} {
		code, resp, body := doc.do(t, ts.URL, "", "GET", "/api/v1/route?from=G2&to="+to, "")
		p := problemOf(t, resp, body)
		if code != 401 || p.Param != "place" || p.Detail != "sign in to use saved places" || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s as a tourist: %d %+v", to, code, p)
		}
	}
	if code, _, _ := call(t, ts, "staff", "GET", "/api/v1/route?from=G2&to=place:999999", ""); code != 404 {
		t.Errorf("an unknown place, signed in: %d, want 404", code)
	}
}

// TestFamilyConflictsOverHTTP: an application for a phone with one
// pending, or that is a family account already, is a 409 saying which,
// on both stores.
func TestFamilyConflictsOverHTTP(t *testing.T) {
	doc := newDocumented(t)
	for name, store := range realStores(t) {
		t.Run(name, func(t *testing.T) {
			ts := newServicesServer(t, store)
			a := ts.signIn(t, "a@hkust-gz.edu.cn", auth.Staff)
			b := ts.signIn(t, "b@hkust-gz.edu.cn", auth.Staff)
			admin := ts.signIn(t, "ops@hkust-gz.edu.cn", auth.Admin)
			apply := `{"phone":"13900000077","name":"Mei"}`
			code, _, body := doc.do(t, ts.URL, a, "POST", "/api/v1/family", apply)
			var app auth.FamilyApplication
			json.Unmarshal(body, &app)
			if code != 201 {
				t.Fatalf("apply: %d %s", code, body)
			}
			code, resp, body := doc.do(t, ts.URL, b, "POST", "/api/v1/family", apply)
			if p := problemOf(t, resp, body); code != 409 || p.Detail != "the phone has a family application pending already" {
				t.Errorf("a second application while one is pending: %d %+v", code, p)
			}
			if code, _, body := doc.do(t, ts.URL, admin, "POST", fmt.Sprintf("/api/v1/family/%d/approve", app.ID), ""); code != 200 {
				t.Fatalf("approve: %d %s", code, body)
			}
			for who, token := range map[string]string{"another staff member": b, "the sponsor": a} {
				code, resp, body := doc.do(t, ts.URL, token, "POST", "/api/v1/family", apply)
				if p := problemOf(t, resp, body); code != 409 || p.Detail != "the phone is a staff member's family account already" {
					t.Errorf("%s applies for a family account's phone: %d %+v", who, code, p)
				}
			}
		})
	}
}

// TestPhoneCountriesOverHTTP: codes go only to the configured countries;
// others are a 400 naming phone and the list.
func TestPhoneCountriesOverHTTP(t *testing.T) {
	doc := newDocumented(t)
	ts := newServicesServer(t, realStores(t)["sqlite"])
	for _, ok := range []string{"+86 138 0000 0000", "+852 9123 4567", "+853 6612 3456"} {
		if code, _, body := doc.do(t, ts.URL, "", "POST", "/api/v1/auth/phone/start", fmt.Sprintf(`{"phone":%q}`, ok)); code != 202 {
			t.Errorf("%s: %d %s", ok, code, body)
		}
	}
	code, resp, body := doc.do(t, ts.URL, "", "POST", "/api/v1/auth/phone/start", `{"phone":"+44 20 7946 0958"}`)
	if p := problemOf(t, resp, body); code != 400 || p.Param != "phone" || p.Detail != "codes are sent only to numbers in +86, +852, +853" {
		t.Errorf("a UK number: %d %+v", code, p)
	}
	if c := ts.book.code("+442079460958"); c != "" {
		t.Error("a code was sent to a UK number")
	}
}
