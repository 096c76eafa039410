package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const campus = "../../data/floorplans/hkust-gz"

// campusRun runs the tool in-process and returns its exit code, standard
// output and standard error.
func campusRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestValidateCampus(t *testing.T) {
	code, out, errs := campusRun(t, "validate", campus)
	if code != exitOK {
		t.Fatalf("validate exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "0 errors") {
		t.Errorf("no summary: %q", out)
	}
}

func TestValidateBrokenArchive(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"version":"1.0.0","language":"en"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "unit.geojson"), []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"u1","feature_type":"unit","geometry":null,"properties":{"category":"room","level_id":"nowhere"}}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	code, out, _ := campusRun(t, "validate", dir)
	if code != exitFail {
		t.Fatalf("exit %d on an archive with errors, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"ERROR unit.geojson u1: geometry is null",
		"ERROR level.geojson -: the archive has no level.geojson",
		"WARNING notes.txt -: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "ERROR ") && !strings.HasPrefix(line, "WARNING ") && !strings.Contains(line, "errors,") {
			t.Errorf("a line that is neither a problem nor the summary: %q", line)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{},
		{"frobnicate"},
		{"search"},
		{"search", "C1", "--role", "dean"},
		{"search", "C1", "--limit", "0"},
		{"search", "C1", "--lang", "fr"},
		{"search", "C1", "--bogus"},
		{"locate"},
		{"locate", "--at", "113.4,22.9"},
		{"locate", "--at", "x,22.9,0"},
		{"locate", "--at", "113.4,95,0"},
		{"locate", "--at", "113.4,22.9,1.5"},
		{"nearest", "--at", "113.4,22.9,0"},
		{"nearest", "copymachine"},
		{"nearest", "copymachine", "--at", "113.4,22.9,0", "-k", "0"},
		{"nearest", "printer", "--at", "113.4,22.9,0"},
		{"venue", "extra"},
		{"validate", "a", "b"},
		{"validate", "/does/not/exist"},
		{"search", "C1", "--venue", "/does/not/exist"},
	}
	for _, args := range cases {
		code, out, errs := campusRun(t, args...)
		if code != exitUsage {
			t.Errorf("campus %v: exit %d, want 2", args, code)
		}
		if out != "" {
			t.Errorf("campus %v: printed on standard output: %q", args, out)
		}
		if errs == "" {
			t.Errorf("campus %v: no message", args)
		}
	}
}

// decode parses a command's standard output as JSON into v.
func decode(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("standard output is not JSON: %v\n%s", err, out)
	}
}

type hit struct {
	ID, Kind, Name, Category string
	Ref, Building, Level     *string
	Ordinal                  int
	Lon, Lat                 float64
}

func TestSearchFlagsAnywhere(t *testing.T) {
	for _, args := range [][]string{
		{"search", "C1-3", "--role", "staff", "--venue", campus},
		{"search", "--role", "staff", "C1-3", "--venue", campus},
		{"search", "--venue=" + campus, "--role=staff", "C1-3"},
	} {
		code, out, errs := campusRun(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var hits []hit
		decode(t, out, &hits)
		if len(hits) != 20 {
			t.Fatalf("%v: %d results, want the default limit of 20", args, len(hits))
		}
		for _, h := range hits {
			if h.Ref == nil || !strings.HasPrefix(*h.Ref, "C1-3") || h.Kind != "unit" || h.Building == nil || h.Level == nil || h.Ordinal != 2 {
				t.Errorf("%v: result %+v", args, h)
			}
		}
	}
	// The same search as a tourist: C1 is hidden.
	code, out, _ := campusRun(t, "search", "C1-3", "--venue", campus)
	if code != exitOK || strings.TrimSpace(out) != "[]" {
		t.Errorf("tourist search C1-3: exit %d, %s", code, out)
	}
}

func TestSearchLimitAndLang(t *testing.T) {
	code, out, _ := campusRun(t, "search", "会议室", "--lang", "zh", "--limit", "3", "--role", "student", "--venue", campus)
	if code != exitOK {
		t.Fatal(code)
	}
	var hits []hit
	decode(t, out, &hits)
	if len(hits) != 3 {
		t.Fatalf("%d results, want 3", len(hits))
	}
	for _, h := range hits {
		if !strings.Contains(h.Name, "会议室") {
			t.Errorf("name %q is not in Chinese", h.Name)
		}
	}
}

func TestVenue(t *testing.T) {
	type venue struct {
		Buildings []struct {
			ID, Name string
			Levels   []struct {
				ID, Name string
				Ordinal  int
			}
		}
	}
	levels := func(role string) map[string]int {
		code, out, errs := campusRun(t, "venue", "--role", role, "--venue", campus)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var v venue
		decode(t, out, &v)
		m := map[string]int{}
		for _, b := range v.Buildings {
			m[b.Name] = len(b.Levels)
		}
		return m
	}
	staff, tourist := levels("staff"), levels("tourist")
	if len(staff) != len(tourist) || len(staff) < 11 {
		t.Fatalf("every role sees every building: staff %d, tourist %d", len(staff), len(tourist))
	}
	sawHidden := false
	for name, n := range tourist {
		if n == 0 && staff[name] > 0 {
			sawHidden = true
		}
		if n > staff[name] {
			t.Errorf("a tourist sees more floors of %s than staff", name)
		}
	}
	if !sawHidden {
		t.Error("no building is hidden inside from tourists")
	}
}

func TestLocateAndNearest(t *testing.T) {
	// Find a printer and a room by search, then ask from where they are.
	code, out, _ := campusRun(t, "search", "C3-6", "--role", "visitor", "--limit", "1", "--venue", campus)
	var hits []hit
	decode(t, out, &hits)
	if code != exitOK || len(hits) != 1 {
		t.Fatalf("search C3-6: %d %s", code, out)
	}
	room := hits[0]
	at := jsonNum(room.Lon) + "," + jsonNum(room.Lat) + "," + jsonNum(float64(room.Ordinal))
	code, out, errs := campusRun(t, "locate", "--at", at, "--role", "visitor", "--venue", campus)
	if code != exitOK {
		t.Fatalf("locate: %d %s", code, errs)
	}
	var loc struct {
		Building *struct{ ID, Name string }
		Level    *struct {
			ID, Name string
			Ordinal  int
		}
		Unit *struct{ ID, Ref, Name, Category string }
	}
	decode(t, out, &loc)
	if loc.Unit == nil || loc.Unit.ID != room.ID || loc.Level == nil || loc.Level.ID != *room.Level || loc.Building == nil {
		t.Fatalf("locate at %s: %s", *room.Ref, out)
	}
	code, out, errs = campusRun(t, "nearest", "copymachine", "--at", at, "-k", "4", "--role", "visitor", "--venue", campus)
	if code != exitOK {
		t.Fatalf("nearest: %d %s", code, errs)
	}
	var near []struct {
		ID, Category string
		Ordinal      int
		DistanceM    float64 `json:"distance_m"`
		DurationS    float64 `json:"duration_s"`
	}
	decode(t, out, &near)
	if len(near) != 4 {
		t.Fatalf("%d printers, want 4", len(near))
	}
	for i, n := range near {
		if n.Category != "copymachine" || (i > 0 && n.DurationS < near[i-1].DurationS) {
			t.Errorf("printer %d: %+v (sorted by duration_s?)", i, n)
		}
	}
	if near[0].Ordinal != room.Ordinal {
		t.Errorf("the nearest printer to a room on floor %d is on floor %d", room.Ordinal, near[0].Ordinal)
	}
}

func jsonNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func TestBrokenFeaturesAreReportedOnceAndLeftOut(t *testing.T) {
	dir := t.TempDir()
	entries, _ := os.ReadDir(campus)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(campus, e.Name()))
		if e.Name() == "amenity.geojson" {
			// Break the first amenity's unit reference (its units move to
			// a property IMDF does not define).
			i := bytes.Index(data, []byte(`"unit_ids":["`))
			data = append(append(append([]byte{}, data[:i]...), []byte(`"unit_ids":["nowhere"],"moved_unit_ids":["`)...), data[i+len(`"unit_ids":["`):]...)
		}
		os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644)
	}
	code, out, errs := campusRun(t, "search", "printer", "--venue", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "1 features or files in error") {
		t.Errorf("want one line on standard error, got %q", errs)
	}
	var hits []hit
	decode(t, out, &hits)
	if len(hits) == 0 {
		t.Error("no answer")
	}
}
