package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/campusnav/engine/geo"
)

func TestTilesOverHTTP(t *testing.T) {
	ts := testServer(t)
	v := campusDeps.Venue
	var c1 *geo.Building
	for _, b := range v.Buildings {
		if b.Ref == "C1" {
			c1 = b
		}
	}
	tl := maptile.At(c1.Display, 18)
	path := fmt.Sprintf("/tiles/18/%d/%d.mvt", tl.X, tl.Y)
	units := func(role string) (int, http.Header) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if role != "" {
			req.Header.Set("Authorization", "Bearer token-"+role)
		}
		resp, err := http.DefaultClient.Do(req) // the client asks for and undoes gzip
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
			t.Fatalf("tile as %q: %d %s", role, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		body := readAll(t, resp) // Go's client asked for gzip and undid it
		layers, err := mvt.Unmarshal(body)
		if err != nil {
			t.Fatalf("tile as %q does not decode: %v", role, err)
		}
		n := 0
		for _, l := range layers {
			if l.Name == "units" {
				n += len(l.Features)
			}
		}
		return n, resp.Header
	}
	staff, h := units("staff")
	tourist, ht := units("")
	if staff == 0 || tourist != 0 {
		t.Errorf("units over C1 at z18: staff %d, tourist %d (want some, none)", staff, tourist)
	}
	if !strings.Contains(h.Get("Vary"), "Authorization") || h.Get("ETag") == "" || !strings.HasPrefix(h.Get("Cache-Control"), "private") || !strings.HasPrefix(ht.Get("Cache-Control"), "public") {
		t.Errorf("headers: %v / %v", h, ht)
	}
	// The same tile again: 304 with its ETag.
	req, _ := http.NewRequest("GET", ts.URL+path, nil)
	req.Header.Set("If-None-Match", ht.Get("ETag"))
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	for _, bad := range []string{"/tiles/14/0/0.mvt", "/tiles/23/0/0.mvt", "/tiles/18/999999/0.mvt", "/tiles/x/0/0.mvt"} {
		if code, ctype, _ := call(t, ts, "", "GET", bad, ""); code != 400 || ctype != "application/problem+json" {
			t.Errorf("%s: %d %s", bad, code, ctype)
		}
	}
	var tj struct {
		TileJSON string                `json:"tilejson"`
		Tiles    []string              `json:"tiles"`
		Minzoom  int                   `json:"minzoom"`
		Maxzoom  int                   `json:"maxzoom"`
		Layers   []struct{ ID string } `json:"vector_layers"`
	}
	get(t, ts, "", "/tiles/tiles.json", &tj)
	if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || tj.Minzoom != 15 || tj.Maxzoom != 22 || len(tj.Layers) != 10 {
		t.Errorf("tilejson %+v", tj)
	}
	var style struct {
		Version int
		Sources map[string]json.RawMessage
		Layers  []struct{ ID, Type string }
	}
	get(t, ts, "", "/style.json", &style)
	ids := map[string]bool{}
	for _, l := range style.Layers {
		ids[l.ID] = true
	}
	if style.Version != 8 || style.Sources["campus"] == nil || !ids["footprints"] || !ids["units"] || !ids["openings"] {
		t.Errorf("style %+v", style)
	}
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	var b []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b = append(b, buf[:n]...)
		if err != nil {
			return b
		}
	}
}
