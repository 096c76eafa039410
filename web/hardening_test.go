package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/campusnav/engine/beacons"
)

// newCampusServer is a Server over the campus, with the fakes of
// testServer, for tests that need the Server itself.
func newCampusServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	testServer(t) // loads the campus once
	d := campusDeps
	d.Auth, d.Phone, d.Family, d.SSO, d.Places = fakeAuth{}, fakeAuth{}, fakeAuth{}, fakeAuth{}, &memPlaces{}
	return New(d, cfg)
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	ts := testServer(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", "/api/v1/search?q=C3", "GET"},
		{"POST", "/api/v1/route?from=G2&to=C3-607", "GET"},
		{"GET", "/api/v1/position", "POST"},
		{"PUT", "/api/v1/me/places", "GET"},
		{"GET", "/api/v1/auth/login", "POST"},
		{"PATCH", "/api/v1/me/places/3", "DELETE"},
	} {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), tc.allow) ||
			resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d, Allow %q, %s; want 405 allowing %s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), resp.Header.Get("Content-Type"), tc.allow)
		}
	}
	// A path that is no route stays a 404.
	if code, _, _ := call(t, ts, "", "GET", "/api/v1/nothing-here", ""); code != 404 {
		t.Errorf("unknown route: %d, want 404", code)
	}
}

// TestMetricsLabelsClosedSet: methods, paths and statuses a client makes
// up do not become label values.
func TestMetricsLabelsClosedSet(t *testing.T) {
	ts := testServer(t)
	for i := 0; i < 300; i++ {
		req, _ := http.NewRequest(fmt.Sprintf("MADEUP%d", i), ts.URL+fmt.Sprintf("/api/v1/x%d/y?z=%d", i, i), nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		req, _ = http.NewRequest("GET", ts.URL+fmt.Sprintf("/no/such/path/%d", i), nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	_, _, body := call(t, ts, "", "GET", "/metrics", "")
	var series int
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, "campus_http_requests_total{") {
			continue
		}
		series++
		if strings.Contains(line, "MADEUP") || strings.Contains(line, "/x1") || strings.Contains(line, "/no/such") {
			t.Errorf("a made-up value became a label: %s", line)
		}
	}
	if series == 0 || series > 20 {
		t.Errorf("%d request series after 600 made-up requests; want a handful", series)
	}
	if !strings.Contains(string(body), `method="OTHER"`) || !strings.Contains(string(body), `route="unmatched"`) {
		t.Errorf("made-up methods and paths are not counted as OTHER and unmatched:\n%.2000s", body)
	}
}

// TestClientHangUpIs499NotAnError: a client that goes away before its
// answer is counted as 499 and logged below ERROR.
func TestClientHangUpIs499NotAnError(t *testing.T) {
	var logs strings.Builder
	var logMu sync.Mutex
	log := slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	entered := make(chan struct{}, 1)
	d := Deps{Ready: func(ctx context.Context) error {
		entered <- struct{}{}
		<-ctx.Done() // a store that answers only when the request ends
		return fmt.Errorf("store: %w", ctx.Err())
	}}
	testServer(t)
	d.Venue, d.Graph = campusDeps.Venue, campusDeps.Graph
	s := New(d, Config{Logger: log})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/readyz", nil)
	go func() { <-entered; cancel() }()
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("the request was not cancelled: %v", err)
	}
	// The server notices the hang-up asynchronously: wait for its count.
	var body []byte
	for i := 0; i < 100; i++ {
		_, _, body = call(t, ts, "", "GET", "/metrics", "")
		if strings.Contains(string(body), `code="499"`) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(string(body), `campus_http_requests_total{code="499",method="GET",route="/readyz"} 1`) {
		t.Errorf("the hang-up is not counted as 499:\n%s", grepLines(string(body), "campus_http_requests_total"))
	}
	if strings.Contains(string(body), `code="500"`) || strings.Contains(string(body), `code="503"`) {
		t.Errorf("the hang-up is counted as a server error:\n%s", grepLines(string(body), "campus_http_requests_total"))
	}
	logMu.Lock()
	defer logMu.Unlock()
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"/readyz"`) && !strings.Contains(line, `"level":"DEBUG"`) {
			t.Errorf("the hang-up is logged above debug: %s", line)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestHeadersForCachesAndBrowsers: personal answers are not stored,
// answers by role vary by Authorization, nothing is sniffed.
func TestHeadersForCachesAndBrowsers(t *testing.T) {
	ts := testServer(t)
	do := func(token, method, path, body string) http.Header {
		t.Helper()
		_, resp, _ := send(t, ts.URL, token, method, path, body)
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no X-Content-Type-Options: nosniff", method, path)
		}
		return resp.Header
	}
	for _, tc := range []struct{ token, method, path, body string }{
		{"", "POST", "/api/v1/auth/login", `{"email":"staff@x","password":"correct horse"}`},
		{"", "POST", "/api/v1/auth/login", `{"email":"staff@x","password":"wrong"}`},
		{"token-staff", "POST", "/api/v1/auth/logout", ""},
		{"", "POST", "/api/v1/auth/phone/start", `{"phone":"13800000000"}`},
		{"token-staff", "GET", "/api/v1/me", ""},
		{"", "GET", "/api/v1/me", ""},
		{"token-staff", "GET", "/api/v1/me/places", ""},
		{"token-staff", "GET", "/api/v1/family", ""},
		{"token-staff", "POST", "/api/v1/position", `{"device":"d","t":"2026-01-01T00:00:00Z","scans":[]}`},
	} {
		if h := do(tc.token, tc.method, tc.path, tc.body); h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: Cache-Control %q, want no-store", tc.method, tc.path, h.Get("Cache-Control"))
		}
	}
	for _, path := range []string{"/api/v1/venue", "/api/v1/search?q=C3", "/api/v1/collections", "/api/v1/collections/units/items?limit=1",
		"/api/v1/route?from=G2&to=C3-607", "/api/v1/nearest?category=copymachine&lon=113.478&lat=22.895&ordinal=0",
		"/api/v1/locate?lon=113.478&lat=22.895&ordinal=0", "/api/v1/route?from=nowhere&to=C3-607"} {
		if h := do("", "GET", path, ""); !strings.Contains(h.Get("Vary"), "Authorization") {
			t.Errorf("GET %s: Vary %q, want Authorization", path, h.Get("Vary"))
		}
	}
	do("", "GET", "/healthz", "")
	do("", "GET", "/", "")
}

// TestTileURLsFromPublicURL: the URLs in tiles.json and style.json come
// from the configured public URL, whatever Host a client sends.
func TestTileURLsFromPublicURL(t *testing.T) {
	s := newCampusServer(t, Config{PublicURL: "https://map.example.edu/campus/"})
	for _, path := range []string{"/tiles/tiles.json", "/style.json"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Host = "evil.example"
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != 200 || strings.Contains(body, "evil.example") || !strings.Contains(body, `"https://map.example.edu/campus/tiles/{z}/{x}/{y}.mvt"`) {
			t.Errorf("%s: %d %.300s", path, rec.Code, body)
		}
	}
}

// TestTrackersBoundedUnderFlood: a client inventing device names, from
// one address or from many, keeps no more trackers than the caps, and
// the server's memory stays flat.
func TestTrackersBoundedUnderFlood(t *testing.T) {
	const total, perAddress, perPerson = 300, 16, 4
	s := newCampusServer(t, Config{TrackersTotal: total, TrackersPerAddress: perAddress, TrackersPerPerson: perPerson})
	h := s.Handler()
	// A real scan, so that every tracker holds its particles.
	var scan beacons.Scan
	cfg := beacons.DefaultSimConfig()
	cfg.Walks = 1
	beacons.Simulate(campusDeps.Graph, beacons.FromVenue(campusDeps.Venue), cfg, func(sc beacons.Scan) error {
		if len(sc.Scans) >= 4 && scan.Device == "" {
			scan = sc
		}
		return nil
	})
	post := func(addr, token, device string) {
		sc := scan
		sc.Device = device
		b, _ := json.Marshal(sc)
		body := string(b)
		req := httptest.NewRequest("POST", "/api/v1/position", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = net.JoinHostPort(addr, "40000")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("position: %d %s", rec.Code, rec.Body)
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}

	// One address, many devices: at most perAddress of them.
	for i := 0; i < 2000; i++ {
		post("198.51.100.7", "", fmt.Sprintf("dev-%d", i))
	}
	if n := s.trackers.len(); n != perAddress {
		t.Errorf("one address flooding 2,000 devices keeps %d trackers, want %d", n, perAddress)
	}
	// One person, many devices: at most perPerson.
	for i := 0; i < 500; i++ {
		post("198.51.100.8", "token-student", fmt.Sprintf("phone-%d", i))
	}
	if n := len(s.trackers.perOwner["user:7"]); n != perPerson { // fakeAuth's student is user 7
		t.Errorf("one person flooding 500 devices keeps %d trackers, want %d", n, perPerson)
	}
	// Many addresses (an IPv6 /48 worth of /64s): the total holds.
	for i := 0; i < 3*total; i++ {
		post(fmt.Sprintf("2001:db8:%x:%x::1", i/65536, i%65536), "", "phone")
	}
	base := heap()
	for i := 3 * total; i < 30*total; i++ {
		post(fmt.Sprintf("2001:db8:%x:%x::1", i/65536, i%65536), "", "phone")
		post(fmt.Sprintf("203.0.%d.%d", i/256%256, i%256), "", fmt.Sprintf("d%d", i))
	}
	if n := s.trackers.len(); n > total {
		t.Errorf("%d trackers after the flood, cap %d", n, total)
	}
	if grown := int64(heap()) - int64(base); grown > 4<<20 {
		t.Errorf("the heap grew by %d KB while the flood went on at the cap", grown>>10)
	}
	// Devices of one IPv6 /64 share their owner's cap.
	for i := 0; i < 100; i++ {
		post(fmt.Sprintf("2001:db8:aa:bb::%x", i+1), "", fmt.Sprintf("v6-%d", i))
	}
	if n := len(s.trackers.perOwner["address:2001:db8:aa:bb::/64"]); n != perAddress {
		t.Errorf("one /64 keeps %d trackers, want %d", n, perAddress)
	}
}

func TestTrackersForgetIdleAndLeastRecentlyUsed(t *testing.T) {
	made := 0
	ts := newTrackers(3, func(string) *beacons.Tracker { made++; return nil }, func(string) int { return 2 })
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	a1 := ts.get("a", "1", t0)
	ts.get("a", "2", t0.Add(time.Second))
	if ts.get("a", "1", t0.Add(2*time.Second)) != a1 {
		t.Fatal("a known device got a new tracker")
	}
	ts.get("a", "3", t0.Add(3*time.Second)) // a's least recently used is 2
	if _, ok := ts.lru.Peek("a\x002"); ok {
		t.Error("the owner's least recently used device was kept")
	}
	if _, ok := ts.lru.Peek("a\x001"); !ok {
		t.Error("the owner's recently used device was dropped")
	}
	ts.get("b", "1", t0.Add(4*time.Second))
	ts.get("c", "1", t0.Add(5*time.Second)) // total 3: a/1 goes, the least recently used of all
	if _, ok := ts.lru.Peek("a\x001"); ok || ts.lru.Len() != 3 {
		t.Errorf("total cap: a/1 kept %v, %d tracked", ok, ts.lru.Len())
	}
	ts.get("d", "1", t0.Add(5*time.Second+trackIdle+time.Second)) // every other is idle now
	if ts.lru.Len() != 1 || len(ts.perOwner) != 1 {
		t.Errorf("idle tracks kept: %d tracked, owners %v", ts.lru.Len(), ts.perOwner)
	}
	if made != 6 {
		t.Errorf("%d trackers made, want 6", made)
	}
}

// TestFarAwaySavedPlaceIsRefused: Paris is no campus place to keep.
func TestFarAwaySavedPlaceIsRefused(t *testing.T) {
	ts := testServer(t)
	code, _, body := call(t, ts, "staff", "POST", "/api/v1/me/places", `{"name":"Paris","lon":2.35,"lat":48.85,"ordinal":0}`)
	var p Problem
	json.Unmarshal(body, &p)
	if code != 400 || p.Param != "lon,lat" || !strings.Contains(p.Detail, "outside the campus") {
		t.Errorf("Paris: %d %s", code, body)
	}
	v := campusDeps.Venue
	if code, _, body := call(t, ts, "staff", "POST", "/api/v1/me/places", fmt.Sprintf(`{"name":"by the gate","lon":%v,"lat":%v,"ordinal":0}`, v.Display[0], v.Display[1])); code != 201 {
		t.Errorf("the campus itself: %d %s", code, body)
	}
}

// TestPositionInADormitoryOverHTTP: a phone hearing the beacons of D1 3/F
// is answered as D1 from outside, whoever asks over HTTP: no level,
// ordinal or room, and not a visible place nearby.
func TestPositionInADormitoryOverHTTP(t *testing.T) {
	ts := testServer(t)
	var heard []string
	for _, b := range beacons.FromVenue(campusDeps.Venue).Beacons {
		if b.Level != nil && b.Level.Ordinal == 2 && b.Level.Building() != nil && b.Level.Building().Ref == "D1" && len(heard) < 6 {
			heard = append(heard, fmt.Sprintf(`{"beacon":%q,"rssi":%d}`, b.ID, -62-3*len(heard)))
		}
	}
	if len(heard) < 3 {
		t.Fatalf("%d beacons on D1 3/F", len(heard))
	}
	for _, role := range []string{"", "tourist", "visitor", "family", "student", "staff"} {
		for s := 0; s < 5; s++ {
			body := fmt.Sprintf(`{"device":"dorm","t":"2026-11-22T22:00:%02dZ","scans":[%s]}`, s, strings.Join(heard, ","))
			code, _, out := call(t, ts, role, "POST", "/api/v1/position", body)
			var f map[string]any
			json.Unmarshal(out, &f)
			if code != 200 || f["building_ref"] != "D1" || f["level"] != nil || f["ordinal"] != nil || f["unit"] != nil || f["unit_ref"] != nil {
				t.Errorf("%q, scan %d: %d %s", role, s, code, out)
			}
		}
	}
}
