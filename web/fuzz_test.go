package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
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
