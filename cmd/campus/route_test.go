package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestRouteContract(t *testing.T) {
	for _, args := range [][]string{
		{"route", "--from", "G2", "--to", "C3-607", "--role", "student", "--venue", campus},
		{"route", "--role", "student", "--venue", campus, "--to", "C3-607", "--from", "Gate 2", "--lang", "zh"},
	} {
		code, out, errs := campusRun(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var raw map[string]json.RawMessage
		decode(t, out, &raw)
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if strings.Join(keys, ",") != "distance_m,duration_s,geometry,instructions,level_changes" {
			t.Fatalf("route keys %v", keys)
		}
		var rt struct {
			DistanceM    float64 `json:"distance_m"`
			DurationS    float64 `json:"duration_s"`
			LevelChanges []struct {
				FromOrdinal *int       `json:"from_ordinal"`
				ToOrdinal   *int       `json:"to_ordinal"`
				Via         string     `json:"via"`
				At          [2]float64 `json:"at"`
			} `json:"level_changes"`
			Instructions []struct {
				Type, Text string
				DistanceM  *float64 `json:"distance_m"`
				Level      *string
				Ordinal    *int
			}
			Geometry struct {
				Type     string
				Features []struct {
					Type     string
					Geometry struct {
						Type        string
						Coordinates [][2]float64
					}
					Properties map[string]json.RawMessage
				}
			}
		}
		decode(t, out, &rt)
		if rt.DistanceM <= 0 || rt.DurationS <= 0 || len(rt.LevelChanges) != 1 || *rt.LevelChanges[0].ToOrdinal != 5 {
			t.Errorf("%v: %+v", args, rt)
		}
		if rt.Instructions[0].Type != "depart" || rt.Instructions[len(rt.Instructions)-1].Type != "arrive" {
			t.Errorf("instructions %+v", rt.Instructions)
		}
		if rt.Geometry.Type != "FeatureCollection" || len(rt.Geometry.Features) < 2 {
			t.Fatalf("geometry %+v", rt.Geometry)
		}
		for _, f := range rt.Geometry.Features {
			if f.Geometry.Type != "LineString" || len(f.Geometry.Coordinates) < 2 || len(f.Properties) != 2 || f.Properties["level"] == nil || f.Properties["ordinal"] == nil {
				t.Errorf("feature %+v", f)
			}
		}
	}
}

func TestRouteFailures(t *testing.T) {
	// A place the role may not see, and one that does not exist: exit 1, a
	// message, nothing on standard output.
	for _, to := range []string{"C1-301", "C1-399", "Nowhere Hall"} {
		code, out, errs := campusRun(t, "route", "--from", "G2", "--to", to, "--venue", campus)
		if code != exitFail || out != "" || !strings.Contains(errs, "unknown place") {
			t.Errorf("to %s: exit %d, out %q, err %q", to, code, out, errs)
		}
	}
	for _, args := range [][]string{
		{"route", "--from", "G2"},
		{"route", "--to", "G2"},
		{"route", "--from", "G2", "--to", "C3", "--profile", "skateboard"},
		{"route", "--from", "G2", "--to", "C3", "extra"},
		{"route", "--pairs", "x", "--from", "G2"},
		{"graph"},
		{"graph", "--format", "xml"},
	} {
		if code, _, _ := campusRun(t, append(args, "--venue", campus)...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestGraphAndPairs(t *testing.T) {
	code, out, errs := campusRun(t, "graph", "--format", "csv", "--role", "student", "--venue", campus)
	if code != exitOK {
		t.Fatalf("graph: %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "id,source,target,cost,reverse_cost,x1,y1,x2,y2" || len(lines) < 10000 {
		t.Fatalf("graph CSV: %q, %d lines", lines[0], len(lines))
	}
	// Pairs from the first rows: each edge's own cost bounds its pair's cost.
	dir := t.TempDir()
	var pairs []string
	for _, l := range lines[1:6] {
		f := strings.Split(l, ",")
		pairs = append(pairs, f[1]+","+f[2])
	}
	file := filepath.Join(dir, "pairs.csv")
	os.WriteFile(file, []byte(strings.Join(pairs, "\n")+"\nnot,a,pair\n"), 0o644)
	code, out, errs = campusRun(t, "route", "--pairs", file, "--role", "student", "--venue", campus)
	if code != exitFail || !strings.Contains(errs, "line 6") {
		t.Errorf("a malformed line must be reported with its number and fail: exit %d, %q", code, errs)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if len(got) != 5 {
		t.Fatalf("pairs output %q", out)
	}
	for i, l := range got {
		f := strings.Split(l, ",")
		row := strings.Split(lines[1+i], ",")
		if f[0] != row[1] || f[1] != row[2] || f[2] == "-1" {
			t.Errorf("pair %d: %q for edge %q", i, l, lines[1+i])
		}
	}
	code, out, _ = campusRun(t, "graph", "--format", "geojson", "--role", "staff", "--venue", campus)
	var fc struct {
		Type     string
		Features []json.RawMessage
	}
	decode(t, out, &fc)
	if code != exitOK || fc.Type != "FeatureCollection" || len(fc.Features) < 10000 {
		t.Errorf("graph geojson: %d, %s, %d features", code, fc.Type, len(fc.Features))
	}
}
