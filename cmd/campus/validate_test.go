package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A path that does not exist is named as the user gave it: a PATH argument
// as PATH, --venue as --venue, the environment as $CAMPUS_VENUE.
func TestMissingArchiveIsNamedAsGiven(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "campus.zip")
	cases := []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"validate", missing}, "", "campus validate: PATH " + missing + ": no such file or directory"},
		{[]string{"validate", "--venue", missing}, "", "campus validate: --venue " + missing + ": no such file or directory"},
		{[]string{"search", "C1", "--venue", missing}, "", "campus search: --venue " + missing + ": no such file or directory"},
		{[]string{"venue"}, missing, "campus venue: $CAMPUS_VENUE " + missing + ": no such file or directory"},
	}
	for _, c := range cases {
		t.Setenv("CAMPUS_VENUE", c.env)
		code, out, errs := campusRun(t, c.args...)
		if code != exitUsage || out != "" {
			t.Errorf("%v: exit %d, output %q; want exit 2 and nothing", c.args, code, out)
		}
		if !strings.HasPrefix(errs, c.want+"\n") {
			t.Errorf("%v: message %q, want %q", c.args, errs, c.want)
		}
	}
}

// zipFolder writes the files of dir into a zip at path, under prefix.
func zipFolder(t *testing.T, dir, path, prefix string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(prefix + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// The campus archive zipped, its files at the root or in a folder,
// validates as the folder does.
func TestValidateZip(t *testing.T) {
	code, folder, errs := campusRun(t, "validate", campus)
	if code != exitOK {
		t.Fatalf("the folder: exit %d: %s", code, errs)
	}
	summary := folder[strings.Index(folder, campus)+len(campus):]
	for _, prefix := range []string{"", "hkust-gz/"} {
		path := filepath.Join(t.TempDir(), "campus.zip")
		zipFolder(t, campus, path, prefix)
		code, out, errs := campusRun(t, "validate", path)
		if code != exitOK {
			t.Fatalf("prefix %q: exit %d: %s%s", prefix, code, out, errs)
		}
		if out != path+summary {
			t.Errorf("prefix %q: %q, want %q", prefix, out, path+summary)
		}
	}
}

// A real archive from another venue (see geo/testdata): its faults are
// reported, each cause once, and most of it loads; exit 1 for its errors.
func TestValidateRealArchive(t *testing.T) {
	path := filepath.Join("..", "..", "geo", "testdata", "ulm-osmtoimdf", "IMDFData.zip")
	code, out, _ := campusRun(t, "validate", path)
	if code != exitFail {
		t.Fatalf("exit %d, want 1 (the archive has errors)\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, line := range lines[:len(lines)-1] {
		if !strings.HasPrefix(line, "ERROR ") && !strings.HasPrefix(line, "WARNING ") {
			t.Errorf("a line that is not a problem: %q", line)
		}
	}
	if summary := lines[len(lines)-1]; !strings.Contains(summary, "6 levels, 551 units") {
		t.Errorf("summary %q, want 6 levels and 551 of its 554 units", summary)
	}
	if !strings.Contains(out, "(and, for the same cause, ") {
		t.Error("no cascade reported on its cause's line")
	}
}
