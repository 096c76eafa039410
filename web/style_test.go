package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/campusnav/engine/tiles"
)

// The style is drawable from the page's own files: every text-font has
// glyphs among the embedded assets, every icon the style names is in the
// sprite, every source layer is one the tiles have, and the glyphs and
// sprite URLs point at the server itself.
func TestStyleUsesOnlyEmbeddedAssets(t *testing.T) {
	ts := testServer(t)
	assets := httptest.NewServer(Assets())
	defer assets.Close()
	var style struct {
		Glyphs, Sprite string
		Layers         []map[string]any
	}
	get(t, ts, "", "/style.json", &style)
	if !strings.HasPrefix(style.Glyphs, ts.URL+"/assets/glyphs/{fontstack}/") || !strings.HasPrefix(style.Sprite, ts.URL+"/assets/sprite/") {
		t.Fatalf("glyphs %q, sprite %q", style.Glyphs, style.Sprite)
	}
	resp, body := getAsset(t, assets, "GET", "/assets/sprite/sprite.json", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("sprite.json: %d", resp.StatusCode)
	}
	var sprite map[string]any
	if err := json.Unmarshal(body, &sprite); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"sprite.png", "sprite@2x.png", "sprite@2x.json"} {
		if resp, _ := getAsset(t, assets, "GET", "/assets/sprite/"+f, nil); resp.StatusCode != 200 {
			t.Errorf("%s: %d", f, resp.StatusCode)
		}
	}
	sourceLayers := map[string]bool{}
	for _, l := range []string{tiles.LayerVenue, tiles.LayerLanduse, tiles.LayerPaths, tiles.LayerFootprints, tiles.LayerLevels, tiles.LayerUnits, tiles.LayerOpenings, tiles.LayerAmenities, tiles.LayerLabels, tiles.LayerPOIs} {
		sourceLayers[l] = true
	}
	fonts := map[string]bool{}
	icons := map[string]bool{}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case []any:
			if key == "text-font" {
				for _, f := range v {
					if s, ok := f.(string); ok && s != "literal" {
						fonts[s] = true
					}
				}
			}
			for _, x := range v {
				walk(key, x)
			}
		case map[string]any:
			for k, x := range v {
				walk(k, x)
			}
		case string:
			if key == "icon-image" && v != "" {
				icons[v] = true
			}
		}
	}
	symbols := 0
	for _, l := range style.Layers {
		if sl, ok := l["source-layer"].(string); ok && !sourceLayers[sl] {
			t.Errorf("layer %v: source layer %q is not in the tiles", l["id"], sl)
		}
		if l["type"] == "symbol" {
			symbols++
		}
		walk("", l)
	}
	// icon-image from data: the amenity categories the archive has
	for _, cat := range []string{"copymachine", "defibrillator", "drinkingfountain", "firstaid", "vendingmachine", "information", "cashier", "atm", "shower"} {
		icons[cat] = true
	}
	for _, skip := range []string{"get", "match", "category", "case", "literal"} {
		delete(icons, skip)
	}
	for icon := range icons {
		if sprite[icon] == nil && !strings.Contains(icon, ".") {
			t.Errorf("icon %q is not in the sprite", icon)
		}
	}
	if symbols < 5 || len(fonts) == 0 {
		t.Errorf("%d symbol layers, fonts %v", symbols, fonts)
	}
	for f := range fonts {
		path := "/assets/glyphs/" + url.PathEscape(f) + "/0-255.pbf"
		resp, body := getAsset(t, assets, "GET", path, nil)
		if resp.StatusCode != http.StatusOK || len(body) < 10000 || resp.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("%s: %d, %d bytes, %s", path, resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
		}
	}
}
