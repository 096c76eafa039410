package campusgen

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the committed archive ../hkust-gz from the generator")

// archiveDir is the committed archive, relative to this package.
const archiveDir = "../hkust-gz"

// generated is the generator's output, made once for all tests.
var generated = sync.OnceValues(Generate)

func files(t *testing.T) map[string][]byte {
	t.Helper()
	fs, err := generated()
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return fs
}

func TestArchiveUpToDate(t *testing.T) {
	want := files(t)
	if *update {
		if err := Write(archiveDir); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d files to %s", len(want), archiveDir)
		return
	}
	const fix = "the committed archive is not what the generator makes; regenerate it with\n" +
		"\tgo test ./data/floorplans/campusgen -run TestArchiveUpToDate -update\n" +
		"or\n\tgo run ./data/floorplans/campusgen/cmd/gen -out data/floorplans/hkust-gz"
	entries, err := os.ReadDir(archiveDir)
	if err != nil {
		t.Fatalf("%v\n%s", err, fix)
	}
	var have []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".geojson") || strings.HasSuffix(n, ".json")) {
			have = append(have, n)
		}
	}
	for _, n := range have {
		if _, ok := want[n]; !ok {
			t.Errorf("%s: not made by the generator", n)
		}
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join(archiveDir, n))
		if err != nil {
			t.Errorf("%s: missing (%v)", n, err)
			continue
		}
		if !bytes.Equal(got, want[n]) {
			t.Errorf("%s: differs from the generator's output (%d bytes committed, %d generated)", n, len(got), len(want[n]))
		}
	}
	if t.Failed() {
		t.Log(fix)
	}
}

func TestDeterministic(t *testing.T) {
	a := files(t)
	b, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("two runs made %d and %d files", len(a), len(b))
	}
	for n, data := range a {
		if !bytes.Equal(data, b[n]) {
			t.Errorf("%s differs between two runs", n)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(); err != nil {
			b.Fatal(err)
		}
	}
}
