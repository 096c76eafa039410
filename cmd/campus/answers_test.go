package main

import (
	"strings"
	"testing"
)

// The command line answers as the API does: bad and far-away positions are
// bad arguments naming their flag, ambiguous names list the candidates,
// unknown places the close matches, and results say where things are.

func TestBadAndFarPlacesAreBadArguments(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"route", "--from", "G2", "--to", "2.35,48.85,0"}, "--to: the position 2.35,48.85 is"},
		{[]string{"route", "--from", "a,b,c", "--to", "G2"}, `--from: longitude "a"`},
		{[]string{"route", "--from", "G2", "--to", "C3", "--via", "113.4786,22.8955,2e0"}, `--via: ordinal "2e0"`},
		{[]string{"locate", "--at", "2.35,48.85,0"}, "--at: the position 2.35,48.85 is"},
		{[]string{"nearest", "copymachine", "--at", "2.35,48.85,0"}, "km outside the campus"},
		{[]string{"nearest", "printer", "--at", "113.4786,22.8955,0"}, `for "printer" ask for copymachine`},
		{[]string{"route", "--from", "G2", "--to", "2.35,48.85,0", "--lang", "zh"}, "--to: 位置 2.35,48.85 在校园边界外"},
	}
	for _, c := range cases {
		code, out, errs := campusRun(t, append(c.args, "--venue", campus)...)
		if code != exitUsage || out != "" || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q, want 2 and %q", c.args, code, errs, c.want)
		}
	}
}

func TestAmbiguousAndUnknownPlacesSaySo(t *testing.T) {
	code, out, errs := campusRun(t, "route", "--from", "G2", "--to", "Meeting Room 9", "--venue", campus)
	if code != exitFail || out != "" || !strings.Contains(errs, `--to: "Meeting Room 9" names 4 places: C3-619 Meeting Room 9;`) {
		t.Errorf("Meeting Room 9: exit %d, %q", code, errs)
	}
	code, _, errs = campusRun(t, "route", "--from", "G2", "--to", "C3-6O7", "--venue", campus)
	if code != exitFail || !strings.Contains(errs, "(close matches: C3-607 Office)") {
		t.Errorf("C3-6O7: exit %d, %q", code, errs)
	}
	code, _, errs = campusRun(t, "route", "--from", "G2", "--to", "C3-6O7", "--lang", "zh", "--venue", campus)
	if code != exitFail || !strings.Contains(errs, "未知地点") || !strings.Contains(errs, "C3-607 办公室") {
		t.Errorf("C3-6O7 in Chinese: exit %d, %q", code, errs)
	}
}

func TestResultsSayWhereThingsAre(t *testing.T) {
	code, out, errs := campusRun(t, "search", "printer", "--limit", "3", "--venue", campus)
	var res []struct {
		Kind        string
		BuildingRef *string `json:"building_ref"`
		Floor, In   *string
		Near        *string
	}
	decode(t, out, &res)
	if code != exitOK || len(res) != 3 || res[0].BuildingRef == nil || res[0].Floor == nil || res[0].In == nil || res[0].Near == nil {
		t.Fatalf("search printer: %d %s %s", code, out, errs)
	}
	code, out, errs = campusRun(t, "nearest", "restroom", "--at", "113.4786,22.8955,0", "-k", "4", "--role", "staff", "--venue", campus)
	var near []struct {
		Category string
		Floor    *string
	}
	decode(t, out, &near)
	kinds := map[string]bool{}
	for _, n := range near {
		kinds[n.Category] = n.Floor != nil
	}
	if code != exitOK || !kinds["restroom.male"] || !kinds["restroom.female"] {
		t.Errorf("nearest restroom: %d %s %s", code, out, errs)
	}
	code, out, _ = campusRun(t, "route", "--from", "G2", "--to", "C3-607", "--via", "C4", "--venue", campus)
	if code != exitOK || strings.Count(out, `"type":"via"`) != 1 || strings.Contains(out, "Exit Academic Building C4") {
		t.Errorf("via C4: %d %.300s", code, out)
	}
}
