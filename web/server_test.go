package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/wechat"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/tiles"
)

// fakeAuth signs in by token: "token-ROLE" is a user of that role.
type fakeAuth struct{}

func (fakeAuth) Login(_ context.Context, email, password, _ string) (auth.Session, error) {
	if password != "correct horse" {
		return auth.Session{}, auth.ErrCredentials
	}
	role, err := auth.ParseRole(strings.Split(email, "@")[0])
	if err != nil {
		return auth.Session{}, auth.ErrCredentials
	}
	return auth.Session{Token: "token-" + string(role), User: auth.User{ID: 1, Email: email, Role: role}, Expires: time.Now().Add(time.Hour)}, nil
}

func (fakeAuth) Authenticate(_ context.Context, token string) (auth.User, error) {
	r, ok := strings.CutPrefix(token, "token-")
	r, phone, _ := strings.Cut(r, ":") // "token-visitor:+86...": a phone account
	role, err := auth.ParseRole(r)
	if !ok || err != nil {
		return auth.User{}, auth.ErrUnauthorized
	}
	id := int64(len(role)) // a user per role
	if phone != "" {
		return auth.User{ID: id, Email: "tel:" + phone, Role: role}, nil
	}
	return auth.User{ID: id, Email: r + "@example.edu", Role: role}, nil
}

func (fakeAuth) Logout(context.Context, string) error { return nil }

// ApplyFamily checks the role and echoes a pending application.
func (fakeAuth) ApplyFamily(_ context.Context, sponsor auth.User, phone, name string) (auth.FamilyApplication, error) {
	if sponsor.Role != auth.Staff {
		return auth.FamilyApplication{}, auth.ErrForbidden
	}
	phone, err := auth.NormalizePhone(phone)
	return auth.FamilyApplication{ID: 1, SponsorID: sponsor.ID, Phone: phone, Name: name, Status: auth.Pending, Created: time.Now()}, err
}

func (f fakeAuth) FamilyApplications(ctx context.Context, viewer auth.User) ([]auth.FamilyApplication, error) {
	a, err := f.ApplyFamily(ctx, viewer, "13800000000", "Mei")
	return []auth.FamilyApplication{a}, err
}

// DecideFamily knows application 1 only.
func (fakeAuth) DecideFamily(_ context.Context, admin auth.User, id int64, approve bool) (auth.FamilyApplication, error) {
	if admin.Role != auth.Admin {
		return auth.FamilyApplication{}, auth.ErrForbidden
	}
	if id != 1 {
		return auth.FamilyApplication{}, auth.ErrNotFound
	}
	now := time.Now()
	a := auth.FamilyApplication{ID: 1, SponsorID: 5, Phone: "+8613800000000", Name: "Mei", Status: auth.Rejected, Created: now, Decided: &now}
	if approve {
		a.Status, a.UserID = auth.Approved, 9
	}
	return a, nil
}

// Begin points at a made-up issuer; Finish takes the code "good".
func (fakeAuth) Begin(context.Context) (string, error) {
	return "https://sso.example/authorize?state=s", nil
}

func (fakeAuth) Finish(_ context.Context, state, code, _ string) (auth.Session, error) {
	if code != "good" {
		return auth.Session{}, auth.ErrSSO
	}
	return auth.Session{Token: "token-staff", User: auth.User{ID: 5, Email: "sso@hkust-gz.edu.cn", Role: auth.Staff}, Expires: time.Now().Add(time.Hour)}, nil
}

// StartPhone sends nothing; VerifyPhone takes 123456 for any phone.
func (fakeAuth) StartPhone(_ context.Context, phone, _ string) (string, time.Time, error) {
	phone, err := auth.NormalizePhone(phone)
	return phone, time.Now().Add(auth.CodeTTL), err
}

func (fakeAuth) VerifyPhone(_ context.Context, phone, code, _ string) (auth.Session, error) {
	if _, err := auth.NormalizePhone(phone); err != nil {
		return auth.Session{}, err
	}
	if code != "123456" {
		return auth.Session{}, auth.ErrCode
	}
	return auth.Session{Token: "token-visitor", User: auth.User{ID: 9, Email: "tel:" + phone, Role: auth.Visitor}, Expires: time.Now().Add(time.Hour)}, nil
}

// WeChat takes the code "good" (a bound staff member) and "unbound";
// BindWeChat binds any code.
func (fakeAuth) WeChat(_ context.Context, code, _ string) (auth.Session, error) {
	switch code {
	case "good":
		return auth.Session{Token: "token-staff", User: auth.User{ID: 5, Email: "sso@hkust-gz.edu.cn", Role: auth.Staff}, Expires: time.Now().Add(time.Hour)}, nil
	case "unbound":
		return auth.Session{}, auth.ErrNotBound
	}
	return auth.Session{}, wechat.ErrInvalidCode
}

func (fakeAuth) BindWeChat(context.Context, auth.User, string) error { return nil }

// memPlaces is an in-memory places store.
type memPlaces struct {
	mu   sync.Mutex
	next int64
	all  []places.Place
}

func (m *memPlaces) AddPlace(_ context.Context, p places.Place) (places.Place, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	p.ID, p.Created = m.next, time.Now()
	m.all = append(m.all, p)
	return p, nil
}

func (m *memPlaces) ListPlaces(_ context.Context, uid int64, offset, limit int) ([]places.Place, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []places.Place
	for _, p := range m.all {
		if p.UserID == uid {
			out = append(out, p)
		}
	}
	out = out[min(offset, len(out)):]
	return out[:min(limit, len(out))], nil
}

func (m *memPlaces) GetPlace(_ context.Context, uid, id int64) (places.Place, error) {
	ps, _ := m.ListPlaces(context.Background(), uid, 0, 1<<30)
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return places.Place{}, places.ErrNotFound
}

func (m *memPlaces) DeletePlace(_ context.Context, uid, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, p := range m.all {
		if p.ID == id && p.UserID == uid {
			m.all = append(m.all[:i], m.all[i+1:]...)
			return nil
		}
	}
	return places.ErrNotFound
}

var (
	campusOnce sync.Once
	campusDeps Deps
)

func testServer(t testing.TB) *httptest.Server {
	t.Helper()
	return testServerWith(t, nil)
}

// testServerWith is testServer with deps changed by with (nil: none).
func testServerWith(t testing.TB, with func(*Deps)) *httptest.Server {
	t.Helper()
	campusOnce.Do(func() {
		v, err := geo.Load("../data/floorplans/hkust-gz")
		if err != nil {
			panic(err)
		}
		g := routing.Build(v)
		campusDeps = Deps{Venue: v, Graph: g, Positioner: beacons.NewPositioner(beacons.FromVenue(v), nil, g), Tiles: tiles.New(v)}
	})
	d := campusDeps
	d.Auth, d.Phone, d.Family, d.SSO, d.WeChat, d.Places, d.Audit = fakeAuth{}, fakeAuth{}, fakeAuth{}, fakeAuth{}, fakeAuth{}, &memPlaces{}, fakeAudit{}
	if with != nil {
		with(&d)
	}
	ts := httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(ts.Close)
	return ts
}

// call makes a request as a role ("" for nobody) and returns status,
// content type and body.
func call(t *testing.T, ts *httptest.Server, role, method, path, body string) (int, string, []byte) {
	t.Helper()
	token := ""
	if role != "" {
		token = "token-" + role
	}
	return callToken(t, ts, token, method, path, body)
}

// callToken makes a request with a bearer token ("" for none).
func callToken(t *testing.T, ts *httptest.Server, token, method, path, body string) (int, string, []byte) {
	t.Helper()
	_, resp, b := send(t, ts.URL, token, method, path, body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// send makes a request to base+path with a bearer token ("" for none) and
// a JSON body ("" for none); it returns the request, the answer (its body
// closed) and the body.
func send(t testing.TB, base, token, method, path, body string) (*http.Request, *http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, base+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return req, resp, b
}

func TestHealthAndMetrics(t *testing.T) {
	ts := testServer(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, _, _ := call(t, ts, "", "GET", p, ""); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}
	call(t, ts, "", "GET", "/api/v1/search?q=C3-607", "")
	code, _, body := call(t, ts, "", "GET", "/metrics", "")
	if code != 200 || !strings.Contains(string(body), `campus_http_requests_total{code="200",method="GET",route="/api/v1/search"}`) ||
		!strings.Contains(string(body), "campus_http_request_duration_seconds_bucket") {
		t.Errorf("metrics: %d\n%.500s", code, body)
	}
}

// TestBadInputIsAProblem: every endpoint answers bad input with a 4xx
// problem naming what is wrong, never a 500.
func TestBadInputIsAProblem(t *testing.T) {
	ts := testServer(t)
	cases := []struct {
		role, method, path, body string
		status                   int
		param                    string
	}{
		{"", "GET", "/api/v1/search", "", 400, "q"},
		{"", "GET", "/api/v1/search?q=C3&limit=0", "", 400, "limit"},
		{"", "GET", "/api/v1/search?q=C3&lang=fr", "", 400, "lang"},
		{"", "GET", "/api/v1/locate?lon=113.47&lat=22.89", "", 400, "ordinal"},
		{"", "GET", "/api/v1/locate?lon=200&lat=22.89&ordinal=0", "", 400, "lon"},
		{"", "GET", "/api/v1/locate?lon=abc&lat=22.89&ordinal=0", "", 400, "lon"},
		{"", "GET", "/api/v1/locate?lon=113.47&lat=NaN&ordinal=0", "", 400, "lat"},
		{"", "GET", "/api/v1/nearest?lon=113.47&lat=22.89&ordinal=0", "", 400, "category"},
		{"", "GET", "/api/v1/nearest?category=printer&lon=113.47&lat=22.89&ordinal=0", "", 400, "category"},
		{"", "GET", "/api/v1/nearest?category=copymachine&lon=113.47&lat=22.89&ordinal=0&k=1000", "", 400, "k"},
		{"", "GET", "/api/v1/route?to=C3-607", "", 400, "from"},
		{"", "GET", "/api/v1/route?from=G2&to=C3-607&profile=skate", "", 400, "profile"},
		{"", "GET", "/api/v1/route?from=G2&to=Nowhere", "", 404, ""},
		{"", "GET", "/api/v1/route?from=G2&to=place:7", "", 401, "place"},
		{"", "GET", "/api/v1/collections/rooms/items", "", 404, "collection"},
		{"", "GET", "/api/v1/collections/units/items?bbox=1,2,3", "", 400, "bbox"},
		{"", "GET", "/api/v1/collections/units/items?bbox=113.5,22.9,113.4,22.8", "", 400, "bbox"},
		{"", "GET", "/api/v1/collections/units/items?level=x", "", 400, "level"},
		{"", "GET", "/api/v1/collections/units/items?limit=5000", "", 400, "limit"},
		{"", "GET", "/api/v1/buildings/nope", "", 404, "id"},
		{"", "GET", "/api/v1/levels/nope", "", 404, "id"},
		{"", "GET", "/api/v1/nothing-here", "", 404, ""},
		{"", "GET", "/api/v1/me", "", 401, "Authorization"},
		{"nobody", "GET", "/api/v1/venue", "", 401, ""},
		{"", "POST", "/api/v1/auth/login", `{"email":"staff@x","password":"wrong"}`, 401, ""},
		{"", "POST", "/api/v1/auth/login", `{"email":"staff@x"}`, 400, "password"},
		{"", "POST", "/api/v1/auth/login", `{"mail":"x"}`, 400, "body"},
		{"", "POST", "/api/v1/auth/login", `not json`, 400, "body"},
		{"", "POST", "/api/v1/position", `{"device":"d"}`, 400, "body"},
		{"", "POST", "/api/v1/position", `{"device":"d","t":"2026-11-22T10:00:00Z","scans":[` + strings.Repeat(`{"beacon":"x","rssi":-60},`, 4000) + `{"beacon":"x","rssi":-60}]}`, 413, ""},
		{"staff", "POST", "/api/v1/me/places", `{"name":"car","lon":113.47,"lat":95,"ordinal":-1}`, 400, "lat"},
		{"staff", "DELETE", "/api/v1/me/places/999", "", 404, ""},
		{"", "POST", "/api/v1/me/places", `{"name":"car","lon":113.47,"lat":22.8,"ordinal":-1}`, 401, "Authorization"},
	}
	for _, c := range cases {
		code, ctype, body := call(t, ts, c.role, c.method, c.path, c.body)
		var p Problem
		json.Unmarshal(body, &p)
		if code != c.status || ctype != "application/problem+json" || p.Status != code || p.Title == "" || p.Detail == "" || p.RequestID == "" {
			t.Errorf("%s %s: %d %s %s", c.method, c.path[:min(len(c.path), 80)], code, ctype, body[:min(len(body), 300)])
			continue
		}
		if c.param != "" && p.Param != c.param {
			t.Errorf("%s %s: problem names %q, want %q", c.method, c.path, p.Param, c.param)
		}
	}
}

func get(t *testing.T, ts *httptest.Server, role, path string, v any) {
	t.Helper()
	code, _, body := call(t, ts, role, "GET", path, "")
	if code != 200 {
		t.Fatalf("GET %s as %q: %d %s", path, role, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestNothingHiddenOverHTTP drives the server as each role and checks,
// endpoint by endpoint, that no answer names a feature the role may not see.
func TestNothingHiddenOverHTTP(t *testing.T) {
	ts := testServer(t)
	v := campusDeps.Venue
	for _, role := range []string{"", "visitor", "student", "staff"} {
		gr := geo.Tourist
		if role != "" {
			r, _ := auth.ParseRole(role)
			gr = auth.GeoRole(r)
		}
		w := v.View(gr)
		seen := func(what, id string) {
			if id == "" {
				return
			}
			if _, ok := w.Feature(id); !ok {
				if _, exists := v.Feature(id); exists {
					t.Fatalf("%s as %q: hidden feature %s", what, role, id)
				}
			}
		}
		// Exact references of hidden rooms find nothing; visible ones find themselves.
		for _, u := range v.Units[:len(v.Units):len(v.Units)] {
			if u.Level.Ordinal != 2 {
				continue
			}
			var res []geo.SearchResult
			get(t, ts, role, "/api/v1/search?q="+url.QueryEscape(u.Ref), &res)
			for _, r := range res {
				seen("search "+u.Ref, r.ID)
			}
			if _, ok := w.Feature(u.ID); ok != (len(res) > 0 && res[0].ID == u.ID) {
				t.Fatalf("search %s as %q: visible=%v, found %v", u.Ref, role, ok, res)
			}
		}
		// Every unit, opening and amenity listed over the whole campus.
		for _, coll := range collectionOrder {
			for offset := 0; ; offset += maxItems {
				var fc struct {
					Features      []geoFeature `json:"features"`
					NumberMatched int          `json:"numberMatched"`
				}
				get(t, ts, role, fmt.Sprintf("/api/v1/collections/%s/items?limit=%d&offset=%d", coll, maxItems, offset), &fc)
				for _, f := range fc.Features {
					seen(coll, f.ID)
				}
				if offset+maxItems >= fc.NumberMatched {
					break
				}
			}
		}
		// Locate inside a hidden building tells the building only.
		for _, b := range v.Buildings {
			if b.Access(gr) != geo.AccessNone || len(b.Levels) == 0 {
				continue
			}
			u := b.Levels[len(b.Levels)-1].Units[0]
			var loc geo.Location
			get(t, ts, role, fmt.Sprintf("/api/v1/locate?lon=%v&lat=%v&ordinal=%d", u.Display[0], u.Display[1], u.Level.Ordinal), &loc)
			if loc.Level != nil || loc.Unit != nil {
				t.Fatalf("locate in hidden %s as %q: %+v", b.Ref, role, loc)
			}
			// Routing to its rooms: unknown.
			if code, _, _ := call(t, ts, role, "GET", "/api/v1/route?from=G2&to="+url.QueryEscape(u.Ref), ""); code != 404 {
				t.Fatalf("route to hidden %s as %q: %d", u.Ref, role, code)
			}
		}
		// Nearest and routes name only visible places.
		var near []geo.Nearby
		get(t, ts, role, "/api/v1/nearest?category=copymachine&lon=113.4782635&lat=22.8959151&ordinal=5&k=10", &near)
		for _, n := range near {
			seen("nearest", n.ID)
		}
		var rt routing.Route
		get(t, ts, role, "/api/v1/route?from=G2&to=G5&lang=zh", &rt)
		for _, f := range rt.Geometry.Features {
			if f.Properties.Level != nil {
				seen("route", *f.Properties.Level)
			}
		}
		// Levels the role may not see are unknown; buildings list only the
		// levels it may.
		for _, l := range v.Levels {
			code, _, _ := call(t, ts, role, "GET", "/api/v1/levels/"+l.ID, "")
			if _, vis := w.Feature(l.ID); (code == 200) != vis || (code != 200 && code != 404) {
				t.Fatalf("level %s as %q: %d, visible=%v", l.ID, role, code, vis)
			}
		}
		for _, b := range v.Buildings {
			var bl geo.BuildingLevels
			get(t, ts, role, "/api/v1/buildings/"+b.ID, &bl)
			for _, l := range bl.Levels {
				seen("building "+b.Ref, l.ID)
			}
		}
		// A phone inside a hidden building is told the building only.
		for _, b := range v.Buildings {
			if b.Access(gr) != geo.AccessNone || len(b.Levels) == 0 || role == "" {
				continue
			}
			var bc *geo.Beacon
			for _, x := range v.Beacons {
				if x.Level != nil && x.Level.Building() == b {
					bc = x
					break
				}
			}
			if bc == nil {
				continue
			}
			scan := fmt.Sprintf(`{"device":"probe-%s","t":"2026-11-22T10:00:00Z","scans":[{"beacon":%q,"rssi":-45}]}`, b.Ref, bc.ID)
			code, _, body := call(t, ts, role, "POST", "/api/v1/position", scan)
			var f beacons.Fix
			json.Unmarshal(body, &f)
			// Nothing inside: no hidden level or room, and no floor
			// without a level the role sees (0 is outdoors).
			leak := code != 200 || f.Unit != nil || (f.Level != nil && !visibleID(w, *f.Level)) ||
				(f.Level == nil && f.Ordinal != nil && *f.Ordinal != 0)
			if leak {
				t.Fatalf("position inside hidden %s as %q: %d %s", b.Ref, role, code, body)
			}
		}
		var venue struct {
			Buildings []geo.BuildingLevels `json:"buildings"`
		}
		get(t, ts, role, "/api/v1/venue", &venue)
		for _, b := range venue.Buildings {
			for _, l := range b.Levels {
				seen("venue", l.ID)
			}
		}
	}
}

func TestSignInAndSavedPlaces(t *testing.T) {
	ts := testServer(t)
	code, _, body := call(t, ts, "", "POST", "/api/v1/auth/login", `{"email":"staff@hkust-gz.edu.cn","password":"correct horse"}`)
	var login struct {
		Token, Role string
		ExpiresAt   time.Time `json:"expires_at"`
	}
	json.Unmarshal(body, &login)
	if code != 200 || login.Token == "" || login.Role != "staff" || login.ExpiresAt.IsZero() {
		t.Fatalf("login: %d %s", code, body)
	}
	var me struct{ Role string }
	get(t, ts, "staff", "/api/v1/me", &me)
	if me.Role != "staff" {
		t.Errorf("me: %+v", me)
	}
	code, _, body = call(t, ts, "staff", "POST", "/api/v1/me/places", `{"name":"where I parked","lon":113.4786,"lat":22.8955,"ordinal":-1}`)
	var p places.Place
	json.Unmarshal(body, &p)
	if code != 201 || p.ID == 0 {
		t.Fatalf("add place: %d %s", code, body)
	}
	var list []places.Place
	get(t, ts, "staff", "/api/v1/me/places", &list)
	if len(list) != 1 || list[0].Name != "where I parked" {
		t.Errorf("places: %+v", list)
	}
	var rt routing.Route
	get(t, ts, "staff", fmt.Sprintf("/api/v1/route?from=C3-607&to=place:%d", p.ID), &rt)
	if len(rt.LevelChanges) == 0 || rt.LevelChanges[len(rt.LevelChanges)-1].ToOrdinal != -1 {
		t.Errorf("route back to the car: %+v", rt.LevelChanges)
	}
	// Another person cannot see it, nor route to it.
	if code, _, _ := call(t, ts, "student", "GET", fmt.Sprintf("/api/v1/route?from=C3-607&to=place:%d", p.ID), ""); code != 404 {
		t.Errorf("another person's place: %d", code)
	}
	if code, _, _ := call(t, ts, "staff", "DELETE", fmt.Sprintf("/api/v1/me/places/%d", p.ID), ""); code != 204 {
		t.Errorf("delete: %d", code)
	}
}

func TestPositionOverHTTP(t *testing.T) {
	ts := testServer(t)
	d := campusDeps
	var scans []beacons.Scan
	cfg := beacons.DefaultSimConfig()
	cfg.Walks = 1
	beacons.Simulate(d.Graph, beacons.FromVenue(d.Venue), cfg, func(s beacons.Scan) error {
		scans = append(scans, s)
		return nil
	})
	for i, s := range scans[:30] {
		b, _ := json.Marshal(s)
		code, _, body := call(t, ts, "staff", "POST", "/api/v1/position", string(b))
		var f beacons.Fix
		json.Unmarshal(body, &f)
		if code != 200 || f.Device != s.Device || f.T != s.T || f.Lon == nil {
			t.Fatalf("scan %d: %d %s", i, code, body)
		}
	}
}

func visibleID(w geo.View, id string) bool {
	_, ok := w.Feature(id)
	return ok
}
