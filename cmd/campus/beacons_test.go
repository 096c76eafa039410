package main

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/campusnav/engine/beacons"
)

// beaconsRun runs the tool in-process with stdin.
func beaconsRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestBeaconsSimulate(t *testing.T) {
	args := []string{"beacons", "simulate", "--walks", "2", "--seed", "5", "--venue", campus}
	code, a, errs := beaconsRun(t, "", args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, b, _ := beaconsRun(t, "", args...); a != b {
		t.Fatal("the same seed gave different scans")
	}
	if _, c, _ := beaconsRun(t, "", append(args, "--sigma", "4")...); c == a {
		t.Error("--sigma changed nothing")
	}
	lines := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
	devices := map[string]int{}
	for i, l := range lines {
		s, err := beacons.ParseScan([]byte(l))
		if err != nil || s.Truth == nil {
			t.Fatalf("line %d: %v: %.200s", i+1, err, l)
		}
		devices[s.Device]++
	}
	if len(devices) != 2 || devices["sim-000"] < 60 || devices["sim-001"] < 60 {
		t.Errorf("devices %v", devices)
	}
	if !strings.HasPrefix(lines[0], `{"device":"sim-000","t":"2026-11-22T10:00:00.000Z","scans":[`) {
		t.Errorf("first line %.100s", lines[0])
	}
}

func TestBeaconsSimulateRegime(t *testing.T) {
	args := []string{"beacons", "simulate", "--regime", "centre", "--walks", "1", "--seeds", "2001,2002", "--venue", campus}
	code, a, errs := beaconsRun(t, "", args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, b, _ := beaconsRun(t, "", args...); a != b {
		t.Fatal("the same seeds gave different scans")
	}
	if _, c, _ := beaconsRun(t, "", append(args, "--sigma", "3")...); c == a {
		t.Error("--sigma changed nothing in a regime")
	}
	devices := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(a, "\n"), "\n") {
		s, err := beacons.ParseScan([]byte(l))
		if err != nil || s.Truth == nil || s.Truth.Heard == nil || *s.Truth.Heard != len(s.Scans) {
			t.Fatalf("%v: %.200s", err, l)
		}
		devices[s.Device] = true
	}
	if len(devices) != 2 || !devices["s2001-sim-000"] || !devices["s2002-sim-000"] {
		t.Errorf("devices %v", devices)
	}
	code, _, errs = beaconsRun(t, "", "beacons", "simulate", "--regime", "nope", "--venue", campus)
	if code != exitUsage || !strings.Contains(errs, "--regime") || !strings.Contains(errs, "sparse-outdoor") {
		t.Errorf("an unknown regime: exit %d, %s", code, errs)
	}
}

func TestBeaconsSimulateSurvey(t *testing.T) {
	code, out, errs := beaconsRun(t, "", "beacons", "simulate", "--survey", "--seed", "2", "--venue", campus)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	n := strings.Count(out, "\n")
	if n < 10000 || n%3 != 0 || !strings.HasPrefix(out, `{"device":"survey",`) {
		t.Errorf("%d survey lines, first %.60s", n, out)
	}
}

func TestBeaconsEval(t *testing.T) {
	in := strings.Join([]string{
		// 111.2 m north of the truth, on its floor, inside its radius.
		`{"device":"d","t":"a","lon":113.478,"lat":22.896,"level":"l","ordinal":2,"unit":null,"accuracy_m":200,"truth":{"lon":113.478,"lat":22.895,"ordinal":2,"level":"l"}}`,
		`{"device":"d","t":"b","lon":113.478,"lat":22.895,"level":"l","ordinal":1,"unit":null,"accuracy_m":1,"truth":{"lon":113.478,"lat":22.895,"ordinal":2,"level":"l"}}`,
		`{"device":"d","t":"c","lon":null,"lat":null,"level":null,"ordinal":null,"unit":null,"accuracy_m":null,"reason":"no beacon heard","truth":{"lon":113.478,"lat":22.895,"ordinal":2,"level":"l"}}`,
		`{"device":"d","t":"d","lon":113.478,"lat":22.895,"level":null,"ordinal":0,"unit":null,"accuracy_m":5}`,
		`{"device":"d","t":"e",`,
		``,
	}, "\n")
	code, out, errs := beaconsRun(t, in, "beacons", "eval")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "line 5:") || strings.Count(errs, "\n") != 1 {
		t.Errorf("stderr %q", errs)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "fixes,floor_accuracy,inside_radius,longest_growth_s,lost_tracks,mean_m,median_m,no_fix,no_truth,p90_m,p95_m,still_floor_changes,still_room_changes,still_s,with_position" {
		t.Errorf("keys %v", keys)
	}
	var s beacons.Summary
	json.Unmarshal([]byte(out), &s)
	want := beacons.Summary{Fixes: 3, WithPosition: 2, NoFix: 1, NoTruth: 1, MedianM: 0, P90M: 111.2, P95M: 111.2,
		MeanM: 55.6, FloorAccuracy: 0.5, InsideRadius: 1}
	if s != want {
		t.Errorf("got  %+v\nwant %+v", s, want)
	}
	// Nothing to read: a summary of nothing.
	if code, out, _ := beaconsRun(t, "", "beacons", "eval"); code != exitOK || !strings.Contains(out, `"fixes":0`) {
		t.Errorf("empty input: exit %d, %s", code, out)
	}
}

func TestBeaconsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"beacons"},
		{"beacons", "frobnicate"},
		{"beacons", "simulate", "extra"},
		{"beacons", "simulate", "--walks", "0"},
		{"beacons", "simulate", "--walks", "x"},
		{"beacons", "simulate", "--sigma", "-1"},
		{"beacons", "simulate", "--sigma", "NaN"},
		{"beacons", "simulate", "--role", "tourist"},
		{"beacons", "simulate", "--bogus"},
		{"beacons", "simulate", "--venue", "/does/not/exist"},
		{"beacons", "simulate", "--regime", "nope"},
		{"beacons", "simulate", "--seeds", "9-3"},
		{"beacons", "simulate", "--seeds", "x"},
		{"beacons", "simulate", "--seeds", "2001", "--seed", "2"},
		{"beacons", "eval", "fixes.jsonl"},
		{"beacons", "eval", "--bogus"},
	} {
		code, out, errs := beaconsRun(t, "", args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, "usage: campus beacons") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}
