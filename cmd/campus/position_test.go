package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// simulated returns the scans of a short simulated walk, as JSON lines.
func simulated(t *testing.T) string {
	t.Helper()
	code, out, errs := campusRun(t, "beacons", "simulate", "--walks", "1", "--seed", "4", "--venue", campus)
	if code != exitOK {
		t.Fatalf("simulate: %d %s", code, errs)
	}
	return out
}

func runWithInput(t *testing.T, in string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(in), &out, &errb)
	return code, out.String(), errb.String()
}

func TestPositionEchoesAndExplains(t *testing.T) {
	scans := simulated(t)
	lines := strings.Split(strings.TrimSpace(scans), "\n")
	// An odd but valid time is echoed as given; a scan of nothing gets a
	// line with the reason; a malformed line is reported by number.
	odd := `{"device":"phone 7","t":"2026-11-22T18:00:00.5+08:00","scans":[]}`
	unknown := `{"device":"phone 8","t":"2026-11-22T18:00:01Z","scans":[{"uuid":"nope","major":1,"minor":1,"rssi":-60}]}`
	in := strings.Join(lines[:20], "\n") + "\n" + odd + "\n{not json\n" + unknown + "\n"
	for _, mode := range [][]string{nil, {"--no-track"}} {
		code, out, errs := runWithInput(t, in, append([]string{"position", "--role", "staff", "--venue", campus}, mode...)...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		fixes := strings.Split(strings.TrimSpace(out), "\n")
		if len(fixes) != 22 {
			t.Fatalf("%d fixes for 22 good lines", len(fixes))
		}
		for i, l := range fixes[:20] {
			var f, s map[string]json.RawMessage
			json.Unmarshal([]byte(l), &f)
			json.Unmarshal([]byte(lines[i]), &s)
			if string(f["device"]) != string(s["device"]) || string(f["t"]) != string(s["t"]) {
				t.Errorf("fix %d does not echo device and t: %s", i, l)
			}
			for _, k := range []string{"lon", "lat", "level", "ordinal", "unit", "accuracy_m"} {
				if _, ok := f[k]; !ok {
					t.Errorf("fix %d lacks %q", i, k)
				}
			}
		}
		var f struct {
			Device, T, Reason string
			Lon               *float64
		}
		json.Unmarshal([]byte(fixes[20]), &f)
		if f.Device != "phone 7" || f.T != "2026-11-22T18:00:00.5+08:00" || f.Lon != nil || f.Reason == "" {
			t.Errorf("empty scan: %s", fixes[20])
		}
		if !strings.Contains(errs, "line 22") || !strings.Contains(errs, "1 readings of beacons not in the registry") {
			t.Errorf("standard error: %q", errs)
		}
	}
}

func TestPositionAgainstEval(t *testing.T) {
	scans := simulated(t)
	code, fixes, errs := runWithInput(t, scans, "position", "--role", "staff", "--venue", campus)
	if code != exitOK {
		t.Fatalf("position: %s", errs)
	}
	code, out, errs := runWithInput(t, fixes, "beacons", "eval")
	if code != exitOK {
		t.Fatalf("eval: %s", errs)
	}
	var sum struct {
		Fixes         int     `json:"fixes"`
		MedianM       float64 `json:"median_m"`
		FloorAccuracy float64 `json:"floor_accuracy"`
	}
	json.Unmarshal([]byte(out), &sum)
	if sum.Fixes < 100 || sum.MedianM > 2.5 || sum.FloorAccuracy < 0.97 {
		t.Errorf("one simulated walk: %s", out)
	}
}

func TestCalibrateAndUse(t *testing.T) {
	scans := simulated(t)
	code, out, errs := runWithInput(t, scans, "beacons", "calibrate", "--venue", campus)
	if code != exitOK {
		t.Fatalf("calibrate: %d %s", code, errs)
	}
	var cal struct {
		Version      int
		Default      struct{ Exponent float64 }
		Fingerprints []json.RawMessage
	}
	decode(t, out, &cal)
	if cal.Version != 2 || cal.Default.Exponent < 1.5 || cal.Default.Exponent > 2.5 || len(cal.Fingerprints) == 0 {
		t.Fatalf("calibration %s", out[:min(300, len(out))])
	}
	file := filepath.Join(t.TempDir(), "cal.json")
	os.WriteFile(file, []byte(out), 0o644)
	if code, _, errs := runWithInput(t, scans, "position", "--calibration", file, "--no-track", "--venue", campus); code != exitOK {
		t.Errorf("position with the calibration: %s", errs)
	}
	if code, _, _ := runWithInput(t, "", "position", "--calibration", "/no/such/file", "--venue", campus); code != exitUsage {
		t.Errorf("a missing calibration file: exit %d, want 2", code)
	}
	if code, _, errs := runWithInput(t, `{"device":"d","t":"2026-11-22T10:00:00Z","scans":[]}`, "beacons", "calibrate", "--venue", campus); code != exitFail || !strings.Contains(errs, "labelled") {
		t.Errorf("calibrate without labelled scans: exit %d, %q", code, errs)
	}
}

// campusFeatures reads one GeoJSON file of the campus archive.
func campusFeatures(t *testing.T, name string) []struct {
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
} {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(campus, name))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			ID         string          `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	return fc.Features
}

// A phone hearing the beacons of D1 3/F, registered and hidden from
// everyone, is answered as D1 seen from outside, tracked or not, whoever
// asks: its id, its ref and its point, no level, floor or room.
func TestPositionInADormitoryIsTheBuilding(t *testing.T) {
	var d1 string
	for _, b := range campusFeatures(t, "building.geojson") {
		if b.Properties["name"].(map[string]any)["en"] == "Student Residence D1" {
			d1 = b.ID
		}
	}
	third := map[string]bool{}
	for _, l := range campusFeatures(t, "level.geojson") {
		if ids, _ := l.Properties["building_ids"].([]any); len(ids) == 1 && ids[0] == d1 && l.Properties["ordinal"] == 2.0 {
			third[l.ID] = true
		}
	}
	var heard []string
	for _, b := range campusFeatures(t, "beacon.geojson") {
		if id, _ := b.Properties["level_id"].(string); third[id] && len(heard) < 6 {
			heard = append(heard, fmt.Sprintf(`{"beacon":%q,"rssi":%d}`, b.ID, -62-3*len(heard)))
		}
	}
	if d1 == "" || len(third) != 1 || len(heard) < 3 {
		t.Fatalf("D1 %q, its 3/F %v, %d beacons there", d1, third, len(heard))
	}
	var in strings.Builder
	for s := 0; s < 10; s++ {
		fmt.Fprintf(&in, `{"device":"dorm","t":"2026-11-22T22:00:%02dZ","scans":[%s]}`+"\n", s, strings.Join(heard, ","))
	}
	for _, role := range []string{"staff", "student", "family", "visitor", "tourist"} {
		for _, mode := range [][]string{nil, {"--no-track"}} {
			code, out, errs := runWithInput(t, in.String(), append([]string{"position", "--role", role, "--venue", campus}, mode...)...)
			if code != exitOK {
				t.Fatalf("%s %v: exit %d: %s", role, mode, code, errs)
			}
			for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var f map[string]any
				json.Unmarshal([]byte(line), &f)
				name, _ := f["building_name"].(map[string]any)
				if f["building"] != d1 || f["building_ref"] != "D1" || f["level"] != nil || f["ordinal"] != nil || f["unit"] != nil ||
					f["lon"] != 113.4768285 || f["lat"] != 22.898314 || name["en"] != "Student Residence D1" || name["zh"] != "D1学生宿舍" {
					t.Errorf("%s %v, scan %d: %s", role, mode, i, line)
				}
			}
		}
	}
}

// TestPositionKNN runs --knn on a real dataset's survey and test run, and
// checks its usage errors.
func TestPositionKNN(t *testing.T) {
	dir := filepath.Join("..", "..", "beacons", "testdata", "real", "kolakowski-flat")
	site := filepath.Join(dir, "beacons.geojson")
	survey, walks := gunzipFile(t, filepath.Join(dir, "survey.jsonl.gz")), gunzipFile(t, filepath.Join(dir, "walks.jsonl.gz"))
	code, cal, errs := runWithInput(t, survey, "beacons", "calibrate", "--beacons", site)
	if code != exitOK {
		t.Fatalf("calibrate: %d %s", code, errs)
	}
	file := filepath.Join(t.TempDir(), "cal.json")
	if err := os.WriteFile(file, []byte(cal), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runWithInput(t, walks, "position", "--role", "staff", "--beacons", site, "--calibration", file, "--knn")
	if code != exitOK || errs != "" {
		t.Fatalf("position --knn: %d %s", code, errs)
	}
	fixes := strings.Split(strings.TrimSpace(out), "\n")
	if want := strings.Count(strings.TrimSpace(walks), "\n") + 1; len(fixes) != want {
		t.Fatalf("%d fixes for %d scans", len(fixes), want)
	}
	var f struct {
		Level   *string
		Lon     *float64
		Ordinal *int
	}
	if err := json.Unmarshal([]byte(fixes[0]), &f); err != nil || f.Lon == nil || f.Ordinal == nil || f.Level == nil || *f.Level != "kolakowski-flat-0" {
		t.Errorf("first fix %s", fixes[0])
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--knn"}, "--knn needs --calibration"},
		{[]string{"--knn", "--plain", "--calibration", file}, "give one"},
	} {
		code, _, errs := runWithInput(t, "", append([]string{"position", "--beacons", site}, c.args...)...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("position %v: exit %d, %q", c.args, code, errs)
		}
	}
}

// gunzipFile returns a gzipped file's text.
func gunzipFile(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return string(b)
}
