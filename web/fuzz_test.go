package web

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/geo"
)

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"113.4,22.8,113.5,22.9", "1,2,3", "a,b,c,d", "-180,-90,180,90", "1e400,0,0,0", ",,,", "NaN,0,1,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseBBox(s)
		if err == nil && (b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] || b.Min[0] < -180 || b.Max[1] > 90) {
			t.Fatalf("%q accepted as %v", s, b)
		}
	})
}

// FuzzQuery sends arbitrary query strings to every GET endpoint: an answer
// below 500, always.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"q=C3-607", "lon=113.47&lat=22.89&ordinal=0", "category=copymachine&lon=113.47&lat=22.89&ordinal=5&k=3",
		"from=G2&to=C3-607&via=C3&profile=wheelchair&lang=zh", "bbox=113.4,22.8,113.5,22.9&level=2&limit=5&offset=3",
		"from=place:1&to=113.47,22.89,0", "q=%00", "lon=1e999", "ordinal=99999999999999999999",
	} {
		f.Add(s)
	}
	ts := testServer(f)
	paths := []string{"/api/v1/search", "/api/v1/locate", "/api/v1/nearest", "/api/v1/route", "/api/v1/collections/units/items", "/api/v1/venue"}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := url.ParseQuery(q); err != nil {
			return
		}
		for _, p := range paths {
			req, err := http.NewRequest("GET", p+"?"+q, nil)
			if err != nil {
				return // not a URL a client could send
			}
			rec := httptest.NewRecorder()
			ts.Config.Handler.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("GET %s?%s: %d %s", p, q, rec.Code, rec.Body.String())
			}
			if rec.Code >= 400 && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
				t.Fatalf("GET %s?%s: %d without a problem", p, q, rec.Code)
			}
		}
	})
}

// serve answers one request in process.
func serve(ts *httptest.Server, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	ts.Config.Handler.ServeHTTP(rec, req)
	return rec
}

// checkProblem fails unless an answer is below 500, and a problem when it
// is no success; it returns the problem.
func checkProblem(t *testing.T, what string, rec *httptest.ResponseRecorder) Problem {
	t.Helper()
	var p Problem
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, rec.Body.String())
	}
	if rec.Code >= 400 {
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Fatalf("%s: %d without a problem", what, rec.Code)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Detail == "" || p.Title == "" {
			t.Fatalf("%s: %d %s", what, rec.Code, rec.Body.String())
		}
	}
	return p
}

// FuzzRoutePlaces sends arbitrary places as from, to and via: never a
// 500; a 400 about a place names which; a 409 lists candidates.
func FuzzRoutePlaces(f *testing.F) {
	for _, c := range [][3]string{
		{"G2", "C3-607", "C4"}, {"a,b,c", "C3-607", ""}, {"G2", "NaN,22.8,0", ""}, {"G2", "Inf,22.8,0", "1e309,22.8,0"},
		{"200,22.8,0", ",,", "113.4786,22.8955,2e0"}, {"١١٣,٢٢,٠", "G2", ""}, {"G2", "2.35,48.85,0", ""}, {"G2", "Meeting Room 9", ""},
		{"G2", "C3-6O7", "Metting Room"}, {"place:1", "place:x", "place:"}, {"113.4786,22.8955", "C9-101", "printer"}, {"\x00", "会议室", "9号会议室"},
	} {
		f.Add(c[0], c[1], c[2])
	}
	ts := testServer(f)
	f.Fuzz(func(t *testing.T, from, to, via string) {
		q := url.Values{"from": {from}, "to": {to}, "lang": {"zh"}}
		if via != "" {
			q["via"] = []string{via}
		}
		req, err := http.NewRequest("GET", "/api/v1/route?"+q.Encode(), nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer token-staff")
		rec := serve(ts, req)
		p := checkProblem(t, q.Encode(), rec)
		switch rec.Code {
		case 400:
			if p.Param != "from" && p.Param != "to" && p.Param != "via" {
				t.Fatalf("%s: 400 naming %q", q.Encode(), p.Param)
			}
		case 409:
			if len(p.Candidates) < 2 {
				t.Fatalf("%s: 409 with %d candidates", q.Encode(), len(p.Candidates))
			}
		}
	})
}

// FuzzPositionParams sends arbitrary lon, lat and ordinal to locate and
// nearest: never a 500, and a 400 names lon, lat, ordinal or lon,lat.
func FuzzPositionParams(f *testing.F) {
	for _, c := range [][3]string{
		{"113.4786", "22.8955", "0"}, {"NaN", "22.8", "0"}, {"Inf", "-Inf", "0"}, {"1e309", "22.8", "0"}, {"200", "22.8", "0"},
		{"2.35", "48.85", "0"}, {"113.4786", "22.8955", "2e0"}, {"١١٣", "٢٢", "٠"}, {"0x1p6", "22.8", "-1"}, {"", "", ""}, {" 113.4786", "22.8955 ", "99999999999999999999"},
	} {
		f.Add(c[0], c[1], c[2])
	}
	ts := testServer(f)
	f.Fuzz(func(t *testing.T, lon, lat, ordinal string) {
		q := url.Values{"lon": {lon}, "lat": {lat}, "ordinal": {ordinal}, "category": {"restroom"}}.Encode()
		for _, path := range []string{"/api/v1/locate?", "/api/v1/nearest?"} {
			req, err := http.NewRequest("GET", path+q, nil)
			if err != nil {
				return
			}
			rec := serve(ts, req)
			p := checkProblem(t, path+q, rec)
			if rec.Code == 400 && p.Param != "lon" && p.Param != "lat" && p.Param != "ordinal" && p.Param != "lon,lat" {
				t.Fatalf("%s%s: 400 naming %q", path, q, p.Param)
			}
		}
	})
}

// FuzzQueryParsers feeds arbitrary values to each query parser of
// params.go: a value in range, or a 400 problem naming the parameter.
func FuzzQueryParsers(f *testing.F) {
	for _, s := range []string{"0", "-1", "1.5", "NaN", "Inf", "1e309", "2e0", "١", "0x10", "", " 7 ", "zh", "ZH-Hans", "en", "fr", "99999999999999999999"} {
		f.Add(s)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, v string) {
		q := url.Values{"x": {v}, "lon": {v}, "lat": {v}, "ordinal": {v}, "lang": {v}}.Encode()
		req, err := http.NewRequest("GET", "/?"+q, nil)
		if err != nil {
			return
		}
		c := e.NewContext(req, httptest.NewRecorder())
		names := func(err error, params ...string) {
			t.Helper()
			p, ok := err.(*Problem)
			if !ok || p.Status != 400 || !slices.Contains(params, p.Param) || p.Detail == "" {
				t.Fatalf("%q: %v", v, err)
			}
		}
		if x, set, err := floatParam(c, "x", false, -5, 5); err != nil {
			names(err, "x")
		} else if set && (math.IsNaN(x) || x < -5 || x > 5) {
			t.Fatalf("%q read as %v", v, x)
		}
		if n, err := intParam(c, "x", 3, -5, 5); err != nil {
			names(err, "x")
		} else if n < -5 || n > 5 {
			t.Fatalf("%q read as %d", v, n)
		}
		if pos, err := positionParams(c); err != nil {
			names(err, "lon", "lat", "ordinal")
		} else if pos.Ordinal < geo.MinOrdinal || pos.Ordinal > geo.MaxOrdinal || math.Abs(pos.Lat) > 90 || math.Abs(pos.Lon) > 180 {
			t.Fatalf("%q read as %+v", v, pos)
		}
		if lang, err := langParam(c); err != nil {
			names(err, "lang")
		} else if lang != "en" && lang != "zh" {
			t.Fatalf("%q read as %q", v, lang)
		}
	})
}
