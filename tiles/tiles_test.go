package tiles

import (
	"sync"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/campusnav/engine/geo"
)

var (
	campusOnce sync.Once
	campusV    *geo.Venue
	campusR    *Renderer
)

func campus(tb testing.TB) (*geo.Venue, *Renderer) {
	tb.Helper()
	campusOnce.Do(func() {
		v, err := geo.Load("../data/floorplans/hkust-gz")
		if err != nil {
			panic(err)
		}
		campusV, campusR = v, New(v)
	})
	return campusV, campusR
}

// tilesOver lists the tiles covering a geometry's box at zoom z.
func tilesOver(b *geo.Building, z maptile.Zoom) []maptile.Tile {
	var out []maptile.Tile
	for _, fp := range b.Footprints {
		bb := fp.Geometry.Bound()
		a, c := maptile.At(bb.Min, z), maptile.At(bb.Max, z)
		for x := min(a.X, c.X); x <= max(a.X, c.X); x++ {
			for y := min(a.Y, c.Y); y <= max(a.Y, c.Y); y++ {
				out = append(out, maptile.New(x, y, z))
			}
		}
	}
	return out
}

// TestNothingHiddenInTiles decodes, for every role, the tiles over every
// building it may not see inside (or only by its entrances), at every zoom
// from 15 to 22, and finds nothing it may not see.
func TestNothingHiddenInTiles(t *testing.T) {
	v, r := campus(t)
	decoded := 0
	for _, role := range geo.Roles {
		w := v.View(role)
		for _, b := range v.Buildings {
			if b.Access(role) == geo.AccessFull {
				continue
			}
			for z := maptile.Zoom(MinZoom); z <= MaxZoom; z++ {
				for _, tl := range tilesOver(b, z) {
					data, err := r.Tile(role, uint32(tl.Z), tl.X, tl.Y, "en")
					if err != nil {
						t.Fatalf("%s over %s at z%d: %v: %v (tiles %v)", role, b.Ref, z, tl, err, tilesOver(b, z)[:1])
					}
					layers, err := mvt.Unmarshal(data)
					if err != nil {
						t.Fatal(err)
					}
					decoded++
					for _, l := range layers {
						for _, f := range l.Features {
							id, _ := f.Properties["id"].(string)
							if id == "" && l.Name != LayerVenue {
								t.Fatalf("%s: a feature in %s without an id", role, l.Name)
							}
							if id == "" {
								continue
							}
							if _, ok := w.Feature(id); !ok {
								t.Fatalf("%s sees hidden %s %s in tile %v over %s", role, l.Name, id, tl, b.Ref)
							}
							if _, ok := f.Properties["level"].(string); !ok {
								t.Fatalf("%s %s has no string level", l.Name, id)
							}
						}
					}
				}
			}
		}
	}
	if decoded < 100 {
		t.Errorf("only %d tiles decoded", decoded)
	}
	t.Logf("%d tiles decoded", decoded)
}

// A tile over C3 at z18 holds its floors' units for everyone, and C1's for
// members only.
func TestTileContents(t *testing.T) {
	v, r := campus(t)
	count := func(role geo.Role, ref string) (units int, levels map[string]bool) {
		levels = map[string]bool{}
		var b *geo.Building
		for _, x := range v.Buildings {
			if x.Ref == ref {
				b = x
			}
		}
		c := b.Display
		tl := maptile.At(c, 18)
		data, _ := r.Tile(role, 18, tl.X, tl.Y, "zh")
		layers, _ := mvt.Unmarshal(data)
		for _, l := range layers {
			if l.Name != LayerUnits {
				continue
			}
			for _, f := range l.Features {
				units++
				levels[f.Properties["level"].(string)] = true
				if f.Properties["name_en"] == nil || f.Properties["name_zh"] == nil || f.Properties["ref"] == nil || f.Properties["category"] == nil {
					t.Fatalf("unit properties %v", f.Properties)
				}
			}
		}
		return
	}
	if n, lv := count(geo.Tourist, "C3"); n == 0 || len(lv) < 6 {
		t.Errorf("tourist over C3: %d units on %d levels", n, len(lv))
	}
	if n, _ := count(geo.Tourist, "C1"); n != 0 {
		t.Errorf("tourist over C1: %d units", n)
	}
	if n, _ := count(geo.Staff, "C1"); n == 0 {
		t.Error("staff over C1: no units")
	}
	if err := Check(14, 0, 0); err == nil {
		t.Error("zoom 14 accepted")
	}
	if err := Check(18, 1<<18, 0); err == nil {
		t.Error("x beyond the grid accepted")
	}
}

// Rendering leaves the venue as it was (encoding projects coordinates in
// place: the tiles must work on copies).
func TestRenderingLeavesTheVenueAlone(t *testing.T) {
	v, r := campus(t)
	before := v.Units[0].Geometry.Bound()
	fp := v.Footprints[0].Geometry.Bound()
	for _, role := range geo.Roles {
		tl := maptile.At(v.Units[0].Display, 19)
		if _, err := r.Tile(role, 19, tl.X, tl.Y, "en"); err != nil {
			t.Fatal(err)
		}
	}
	if v.Units[0].Geometry.Bound() != before || v.Footprints[0].Geometry.Bound() != fp {
		t.Fatal("rendering changed the venue's geometry")
	}
}

// At zoom 22 a corridor spans many tiles: what a tile holds is clipped to
// it and its buffer, so renderers keep every coordinate (they store them
// in 16 bits), and a corridor wider than the tile still fills it.
func TestClippedToTheTile(t *testing.T) {
	v, r := campus(t)
	var corridor *geo.Unit
	for _, u := range v.Units {
		if u.Category == "walkway" && u.Level.Building().Ref == "C3" && u.Level.Ordinal == 0 {
			corridor = u
			break
		}
	}
	tl := maptile.At(corridor.Display, 22)
	data, err := r.Tile(geo.Staff, 22, tl.X, tl.Y, "en")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := mvt.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range raw {
		for _, f := range l.Features {
			b := f.Geometry.Bound()
			if b.Min[0] < clipLo || b.Min[1] < clipLo || b.Max[0] > clipHi || b.Max[1] > clipHi {
				t.Fatalf("%s %v reaches %v, beyond the buffer", l.Name, f.Properties["id"], b)
			}
			if l.Name == LayerUnits && f.Properties["id"] == corridor.ID {
				found = true
				if b.Max[0]-b.Min[0] < extent || b.Max[1]-b.Min[1] < 100 {
					t.Errorf("the corridor's clipped shape %v does not cross the tile", b)
				}
			}
		}
	}
	if !found {
		t.Error("the corridor is not in its own tile")
	}
}
