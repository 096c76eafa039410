package geo

import (
	"archive/zip"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realArchive is one of the real IMDF archives under testdata (see the
// SOURCE.md beside each): what its files hold, counted here from them, and
// what a stranger searching it would look for.
type realArchive struct {
	name    string // its folder under testdata
	archive string // the archive in that folder: a folder or a .zip
	units   int    // unit features in its unit file
	levels  int    // level features in its level file
	room    string // the name of a room it has
	public  bool   // whether visitors and tourists see its inside
}

var realArchives = []realArchive{
	// Every building has a Polygon where IMDF wants null; levels point at
	// them; extension files of types of its own; no relationships. Every
	// level is restricted to employees.
	{name: "spbstu-polymap", archive: "IMDFData", units: 443, levels: 8, room: "Classroom 104", public: false},
	// Nested folders, .json file names, converter's own feature types,
	// openings naming levels the archive does not have.
	{name: "ulm-osmtoimdf", archive: "IMDFData.zip", units: 554, levels: 6, room: "O27/121", public: true},
}

func (a realArchive) path() string { return filepath.Join("testdata", a.name, a.archive) }

// minSurvival is the share of an archive's unit features that must load.
const minSurvival = 0.9

// openArchive returns the file system of an archive on disk, folder or zip.
func openArchive(t testing.TB, path string) fs.FS {
	t.Helper()
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { zr.Close() })
		return zr
	}
	return os.DirFS(path)
}

// rawFeatures returns the features of type typ in the file of that type
// (typ.geojson, or typ.json), wherever it lies in the archive, as plain
// JSON: read apart from the engine, to count what the archive holds.
func rawFeatures(t testing.TB, path, typ string) []map[string]any {
	t.Helper()
	fsys := openArchive(t, path)
	var out []map[string]any
	found := false
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if base := filepath.Base(p); base != typ+".geojson" && base != typ+".json" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var fc struct{ Features []map[string]any }
		if err := json.Unmarshal(data, &fc); err != nil {
			return err
		}
		for _, f := range fc.Features {
			if f["feature_type"] == typ {
				out = append(out, f)
			}
		}
		found = true
		return fs.SkipAll
	})
	if err != nil || !found {
		t.Fatalf("%s: no %s file (%v)", path, typ, err)
	}
	return out
}

func loadReal(t testing.TB, a realArchive) *Venue {
	t.Helper()
	v, err := Load(a.path())
	if err != nil {
		t.Fatalf("%s: %v", a.name, err)
	}
	return v
}

// Real archives from other venues load: most of their units survive, every
// level keeps its building, and nothing in error is a venue, building or
// level.
func TestRealArchivesLoad(t *testing.T) {
	for _, a := range realArchives {
		t.Run(a.name, func(t *testing.T) {
			units := len(rawFeatures(t, a.path(), "unit"))
			levels := len(rawFeatures(t, a.path(), "level"))
			if units != a.units || levels != a.levels {
				t.Fatalf("the archive holds %d units and %d levels, the table says %d and %d", units, levels, a.units, a.levels)
			}
			v := loadReal(t, a)
			if float64(len(v.Units)) < minSurvival*float64(units) {
				t.Errorf("%d of %d units loaded, want at least %.0f%%", len(v.Units), units, 100*minSurvival)
			}
			if len(v.Levels) != levels {
				t.Errorf("%d of %d levels loaded", len(v.Levels), levels)
			}
			if len(v.Buildings) == 0 {
				t.Error("no building loaded")
			}
			for _, l := range v.Levels {
				if l.Building() == nil {
					t.Errorf("level %s lost its building", l.ID)
				}
			}
			for _, p := range v.Problems {
				if p.Severity == Error && (strings.HasPrefix(p.File, "venue.") || strings.HasPrefix(p.File, "building.") || strings.HasPrefix(p.File, "level.")) {
					t.Errorf("%v", p)
				}
			}
		})
	}
}

// Search finds a named room of each real archive by its name, for staff;
// for a tourist only where IMDF restriction does not hide the inside.
func TestRealArchivesSearchFindsARoom(t *testing.T) {
	for _, a := range realArchives {
		t.Run(a.name, func(t *testing.T) {
			v := loadReal(t, a)
			for _, r := range []Role{Staff, Tourist} {
				found := false
				for _, res := range v.View(r).Search(a.room, "en", 5) {
					if res.Kind == KindUnit && res.Name == a.room {
						found = true
					}
				}
				if want := r == Staff || a.public; found != want {
					t.Errorf("%s: search %q found the room: %v, want %v", r, a.room, found, want)
				}
			}
		})
	}
}

// SPbSTU's 80 buildings all have a Polygon geometry: each is kept, with one
// warning for all of them, and its footprints are its outline.
func TestRealArchiveBuildingPolygonsAreWarnings(t *testing.T) {
	a := realArchives[0]
	v := loadReal(t, a)
	raw := rawFeatures(t, a.path(), "building")
	if len(v.Buildings) != len(raw) {
		t.Errorf("%d of %d buildings loaded", len(v.Buildings), len(raw))
	}
	var lines []Problem
	for _, p := range v.Problems {
		if p.File == "building.geojson" && p.Rule == RuleGeometryType {
			lines = append(lines, p)
		}
	}
	if len(lines) != 1 || lines[0].Severity != Warning || lines[0].Count != len(raw) {
		t.Errorf("building geometries reported as %v, want one warning counting %d buildings", lines, len(raw))
	}
}

// Ulm's 188 openings name 5 level ids the archive does not have: one error
// line per missing level, counting the openings that name it.
func TestRealArchiveMissingLevelsReportedOncePerLevel(t *testing.T) {
	a := realArchives[1]
	v := loadReal(t, a)
	missing := map[string]int{}
	for _, f := range rawFeatures(t, a.path(), "opening") {
		props, _ := f["properties"].(map[string]any)
		id, _ := props["level_id"].(string)
		if _, ok := v.Feature(id); !ok {
			missing[id]++
		}
	}
	if len(missing) == 0 {
		t.Fatal("every opening's level resolves: the archive is not the one described")
	}
	left := 0
	var lines []Problem
	for _, p := range v.Problems {
		if p.File == "opening.json" && p.Severity == Error {
			lines = append(lines, p)
		}
	}
	for _, p := range lines {
		id := p.Message[strings.Index(p.Message, `"`)+1:]
		id = id[:strings.Index(id, `"`)]
		want := plural(missing[id]-1, "opening")
		if !strings.Contains(p.Message, "(and, for the same cause, "+want+")") {
			t.Errorf("%v: want it to count %s more", p, want)
		}
		left += missing[id]
	}
	if len(lines) != len(missing) {
		t.Errorf("%d error lines for %d missing levels:\n%v", len(lines), len(missing), lines)
	}
	if n := len(rawFeatures(t, a.path(), "opening")); left+len(v.Openings) != n {
		t.Errorf("%d openings left out and %d loaded of %d", left, len(v.Openings), n)
	}
}

// BenchmarkLoadRealArchive loads each real archive: read, validate, index.
func BenchmarkLoadRealArchive(b *testing.B) {
	for _, a := range realArchives {
		b.Run(a.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Load(a.path()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
