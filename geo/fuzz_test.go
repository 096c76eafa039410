package geo

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io/fs"
	"path"
	"slices"
	"sort"
	"testing"
)

// archiveFiles lists the files of the test archive, in a fixed order, for
// the fuzzers to pick from.
func archiveFiles(t testing.TB) ([]string, map[string][]byte) {
	fs := newTestArchive().fs(t)
	var names []string
	data := map[string][]byte{}
	for name, f := range fs {
		names = append(names, name)
		data[name] = f.Data
	}
	sort.Strings(names)
	return names, data
}

// FuzzLoadFile replaces one file of a sound archive with arbitrary bytes:
// loading must never panic or hang, and what is sound elsewhere still loads.
func FuzzLoadFile(f *testing.F) {
	names, data := archiveFiles(f)
	for i, n := range names {
		f.Add(uint8(i), data[n])
	}
	at := func(name string) uint8 { return uint8(slices.Index(names, name)) }
	f.Add(at("address.geojson"), []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"feature_type":"address","geometry":null,"properties":null}]}`))
	f.Add(at("level.geojson"), []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"x","feature_type":"level","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]},"properties":{"ordinal":"1"}}]}`))
	f.Add(at("relationship.geojson"), []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"r","feature_type":"relationship","geometry":null,"properties":{"category":"stairs","direction":"undirected","origin":{"id":"r"},"destination":{"id":"r"},"intermediary":[{"id":5},{}]}}]}`))
	f.Add(at(PolicyFile), []byte(`{"version":1,"default":{"staff":"full","nobody":"none"}}`))
	f.Add(at("unit.geojson"), []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"u","feature_type":"unit","geometry":{"type":"MultiPolygon","coordinates":[]},"properties":{"category":"room","level_id":"lvl-A0"}}]}`))
	// Readers that are wrong in every way the loader checks: a kind, a
	// guards of the wrong type, one that does not resolve, a level that
	// does not resolve, a line for a point, guards naming the reader itself.
	f.Add(at("reader.geojson"), []byte(`{"type":"FeatureCollection","features":[`+
		`{"type":"Feature","id":"r1","feature_type":"reader","geometry":{"type":"Point","coordinates":[113,22]},"properties":{"kind":"teleport","guards":"gate-2"}},`+
		`{"type":"Feature","id":"r2","feature_type":"reader","geometry":{"type":"Point","coordinates":[113,22]},"properties":{"kind":"lock","guards":"gate-2","level_id":null}},`+
		`{"type":"Feature","id":"r3","feature_type":"reader","geometry":{"type":"Point","coordinates":[113,22]},"properties":{"kind":"door","guards":"nowhere","level_id":"lvl-A0"}},`+
		`{"type":"Feature","id":"r4","feature_type":"reader","geometry":{"type":"Point","coordinates":[113,22]},"properties":{"kind":"door","guards":"entrance-A","level_id":"lvl-Z9"}},`+
		`{"type":"Feature","id":"r5","feature_type":"reader","geometry":{"type":"LineString","coordinates":[[113,22],[113.1,22]]},"properties":{"kind":"gate","guards":"gate-2"}},`+
		`{"type":"Feature","id":"r6","feature_type":"reader","geometry":{"type":"Point","coordinates":[113,22]},"properties":{"kind":["gate"],"guards":{"id":"r6"},"name":"x"}},`+
		`{"type":"Feature","id":"r7","feature_type":"reader","geometry":{"type":"Point","coordinates":[113,22]},"properties":{"kind":"elevator","guards":"u-A-102","level_id":"lvl-A0"}}]}`))
	f.Add(at(AccessFile), []byte(`{"version":1,"rules":[{"name":"x","kinds":["door"],"roles":["staff"],"hours":[{"days":["mon"],"from":"07:00","to":"24:00"}]}]}`))
	// Pieces of the real archives, in place of the test archive's file of
	// their type.
	for _, a := range realArchives {
		for _, typ := range []string{"building", "level", "unit", "opening", "amenity", "venue"} {
			f.Add(uint8(slices.Index(names, typ+".geojson")), realPiece(f, a, typ, 3))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, content []byte) {
		files := map[string][]byte{}
		for k, v := range data {
			files[k] = v
		}
		files[names[int(which)%len(names)]] = content
		var fsys = newTestArchive().fs(t)
		for k, v := range files {
			fsys[k].Data = v
		}
		v, err := LoadFS(fsys)
		if err != nil {
			t.Fatalf("a readable archive must load: %v", err)
		}
		// Every question must answer without panicking, for every role.
		for _, r := range Roles {
			w := v.View(r)
			w.Search("A-1", "en", 5)
			w.Locate(Position{Lon: 113, Lat: 22}, "zh")
			w.Nearest("copymachine", Position{Lon: 113, Lat: 22}, 3, "en")
			w.Buildings("en")
			for _, rd := range w.Readers() {
				if rd.Guards == nil || !w.Sees(rd) {
					t.Fatalf("%s sees reader %s, which guards %v or is hidden", r, rd.ID, rd.Guards)
				}
			}
		}
	})
}

// FuzzLoadZip feeds arbitrary bytes as a .zip archive.
func FuzzLoadZip(f *testing.F) {
	_, data := archiveFiles(f)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, d := range data {
		w, _ := zw.Create(name)
		w.Write(d)
	}
	zw.Close()
	f.Add(buf.Bytes())
	f.Add(realZipPiece(f, realArchives[1], 3))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := LoadZip(b)
		if err == nil && v == nil {
			t.Fatal("no venue and no error")
		}
	})
}

// FuzzParsePolicy feeds arbitrary policy files: an error or a policy, never a panic.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(testPolicy))
	f.Add([]byte(`{"version":1,"areas":[{"buildings":["A"],"access":"entrances"}]}`))
	f.Add([]byte(`{"version":1,"areas":[{"buildings":[],"access":7}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePolicy(b)
		if (p == nil) == (err == nil) {
			t.Fatalf("want exactly one of a policy and an error, got %v, %v", p, err)
		}
	})
}

// realPiece returns the first n features of type typ of a real archive, as
// a FeatureCollection.
func realPiece(t testing.TB, a realArchive, typ string, n int) []byte {
	fs := rawFeatures(t, a.path(), typ)
	data, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs[:min(n, len(fs))]})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// realZipPiece returns a zip of a real zipped archive's files, at their
// paths, with every FeatureCollection cut to its first n features.
func realZipPiece(t testing.TB, a realArchive, n int) []byte {
	fsys := openArchive(t, a.path())
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Base(p) == ".DS_Store" {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var fc map[string]any
		if json.Unmarshal(data, &fc) == nil {
			if list, ok := fc["features"].([]any); ok && len(list) > n {
				fc["features"] = list[:n]
				data, _ = json.Marshal(fc)
			}
		}
		w, err := zw.Create(p)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
