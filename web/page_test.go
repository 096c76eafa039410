package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

func getAsset(t *testing.T, srv *httptest.Server, method, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Set explicitly, so the client does not decompress behind our back.
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestAssetsContentTypes(t *testing.T) {
	srv := httptest.NewServer(Assets())
	defer srv.Close()
	for _, tc := range []struct {
		path, ctype, contains string
	}{
		{"/", "text/html; charset=utf-8", `<script type="module" src="/assets/app.js">`},
		{"/index.html", "text/html; charset=utf-8", "maplibre-gl.css"},
		{"/assets/index.html", "text/html; charset=utf-8", "<!doctype html>"},
		{"/assets/app.js", "text/javascript; charset=utf-8", "window.campusMap"},
		{"/assets/app.css", "text/css; charset=utf-8", "#map"},
		{"/assets/maplibre-gl.mjs", "text/javascript; charset=utf-8", "MapLibre GL JS"},
		{"/assets/maplibre-gl-worker.mjs", "text/javascript; charset=utf-8", "MapLibre GL JS"},
		{"/assets/maplibre-gl.css", "text/css; charset=utf-8", ".maplibregl-map"},
		{"/assets/maplibre-gl-LICENSE.txt", "text/plain; charset=utf-8", "MapLibre contributors"},
		{"/assets/VERSIONS", "text/plain; charset=utf-8", "maplibre-gl"},
		{"/assets/demo-scans.jsonl", "application/jsonl; charset=utf-8", `"scans"`},
	} {
		resp, body := getAsset(t, srv, http.MethodGet, tc.path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", tc.path, resp.StatusCode)
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != tc.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", tc.path, got)
		}
		if resp.Header.Get("ETag") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: ETag %q, X-Content-Type-Options %q", tc.path, resp.Header.Get("ETag"), resp.Header.Get("X-Content-Type-Options"))
		}
		if !bytes.Contains(body, []byte(tc.contains)) {
			t.Errorf("GET %s: the body lacks %q", tc.path, tc.contains)
		}
	}
	resp, _ := getAsset(t, srv, http.MethodGet, "/", nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("index.html: Content-Security-Policy %q", csp)
	}
}

func TestAssetsCachingAndErrors(t *testing.T) {
	srv := httptest.NewServer(Assets())
	defer srv.Close()

	resp, body := getAsset(t, srv, http.MethodGet, "/assets/app.js", nil)
	etag := resp.Header.Get("ETag")
	resp, again := getAsset(t, srv, http.MethodGet, "/assets/app.js", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified || len(again) != 0 {
		t.Errorf("If-None-Match with the ETag: %d and %d bytes, want 304 and none", resp.StatusCode, len(again))
	}

	resp, head := getAsset(t, srv, http.MethodHead, "/assets/app.js", nil)
	if resp.StatusCode != http.StatusOK || len(head) != 0 || resp.ContentLength != int64(len(body)) {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %d (want %d)", resp.StatusCode, len(head), resp.ContentLength, len(body))
	}

	// gzip for clients that take it, the same file once unpacked.
	resp, gz := getAsset(t, srv, http.MethodGet, "/assets/maplibre-gl.mjs", map[string]string{"Accept-Encoding": "gzip, deflate"})
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("Accept-Encoding gzip: Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	_, want := getAsset(t, srv, http.MethodGet, "/assets/maplibre-gl.mjs", nil)
	if !bytes.Equal(plain, want) || len(gz) >= len(want) {
		t.Errorf("gzip: %d bytes unpack to %d, want %d", len(gz), len(plain), len(want))
	}
	if resp, _ := getAsset(t, srv, http.MethodGet, "/assets/app.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got %q", resp.Header.Get("Content-Encoding"))
	}

	for _, p := range []string{"/assets/nope.js", "/assets/../page.go", "/page.go", "/assets/", "/assets", "/api/v1/venue", "/assets/%2e%2e/page.go"} {
		resp, body := getAsset(t, srv, http.MethodGet, p, nil)
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %q, want a 404 problem", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if bytes.Contains(body, []byte("package web")) {
			t.Errorf("GET %s served Go source", p)
		}
	}
	resp, _ = getAsset(t, srv, http.MethodPost, "/", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// TestAssetsComplete checks the page asks only for files that are
// embedded, and that the MapLibre version is the same wherever it is named.
func TestAssetsComplete(t *testing.T) {
	srv := httptest.NewServer(Assets())
	defer srv.Close()
	_, index := getAsset(t, srv, http.MethodGet, "/", nil)
	_, app := getAsset(t, srv, http.MethodGet, "/assets/app.js", nil)
	refs := regexp.MustCompile(`/assets/[A-Za-z0-9_-]+(?:/[A-Za-z0-9_@-]+)*(?:\.[A-Za-z0-9_-]+)*`).FindAll(append(index, app...), -1)
	if len(refs) < 5 {
		t.Fatalf("found only %d asset references", len(refs))
	}
	for _, r := range refs {
		if resp, _ := getAsset(t, srv, http.MethodGet, string(r), nil); resp.StatusCode != http.StatusOK {
			t.Errorf("the page refers to %s: %d", r, resp.StatusCode)
		}
	}

	// The source maps the scripts name are there (empty: MapLibre's own are
	// not shipped), so a browser's developer tools ask for nothing missing.
	for _, name := range []string{"maplibre-gl.mjs", "maplibre-gl-worker.mjs"} {
		_, body := getAsset(t, srv, http.MethodGet, "/assets/"+name, nil)
		for _, m := range regexp.MustCompile(`sourceMappingURL=(\S+)`).FindAllSubmatch(body, -1) {
			if resp, _ := getAsset(t, srv, http.MethodGet, "/assets/"+string(m[1]), nil); resp.StatusCode != http.StatusOK {
				t.Errorf("%s names its source map %s: %d", name, m[1], resp.StatusCode)
			}
		}
	}

	versions, err := os.ReadFile("assets/VERSIONS")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^maplibre-gl (\d+\.\d+\.\d+) `).FindSubmatch(versions)
	if m == nil {
		t.Fatal("assets/VERSIONS names no maplibre-gl version")
	}
	v := string(m[1])
	_, lib := getAsset(t, srv, http.MethodGet, "/assets/maplibre-gl.mjs", nil)
	_, worker := getAsset(t, srv, http.MethodGet, "/assets/maplibre-gl-worker.mjs", nil)
	for name, b := range map[string][]byte{"maplibre-gl.mjs": lib, "maplibre-gl-worker.mjs": worker} {
		if !bytes.Contains(b, []byte("maplibre-gl-js/blob/v"+v+"/LICENSE.txt")) {
			t.Errorf("%s is not version %s", name, v)
		}
	}
	if !bytes.Contains(index, []byte("MapLibre GL JS "+v+", from npm (maplibre-gl@"+v+")")) {
		t.Errorf("index.html does not name MapLibre GL JS %s", v)
	}
	pkg, err := os.ReadFile("e2e/package.json")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`"playwright-core": "\d+\.\d+\.\d+"`).Match(pkg) {
		t.Errorf("e2e/package.json: playwright-core is not pinned to an exact version")
	}
}
