package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadersListAndTokens(t *testing.T) {
	list := func(args ...string) []readerJSON {
		t.Helper()
		code, out, errs := campusRun(t, append([]string{"readers", "list", "--venue", campus}, args...)...)
		if code != exitOK {
			t.Fatalf("readers list %v: %d %s", args, code, errs)
		}
		var rs []readerJSON
		if err := json.Unmarshal([]byte(out), &rs); err != nil {
			t.Fatal(err)
		}
		return rs
	}
	all, tourist := list(), list("--role", "tourist")
	if len(all) < 4000 || len(tourist) == 0 || len(tourist) >= len(all) {
		t.Fatalf("%d readers, %d for a tourist", len(all), len(tourist))
	}
	for _, r := range tourist {
		if r.Building == "C1" || strings.HasPrefix(r.Building, "D") || r.Kind == "lock" && r.Building != "C3" && r.Building != "C4" && r.Building != "C5" && r.Building != "C6" {
			t.Errorf("a tourist is shown %s %s in %s", r.Kind, r.Name, r.Building)
		}
	}
	gates := list("--kind", "gate")
	if len(gates) != 4 {
		t.Fatalf("%d gate turnstiles, want 4", len(gates))
	}
	dir := t.TempDir()
	code, out, errs := campusRun(t, "readers", "token", gates[0].ID, "--venue", campus, "--data-dir", filepath.Join(dir, "data"))
	if code != exitOK || !strings.Contains(out, `"token":"rdr_`) {
		t.Fatalf("token: %d %s %s", code, out, errs)
	}
	if code, _, errs := campusRun(t, "readers", "token", "no-such-reader", "--venue", campus, "--data-dir", filepath.Join(dir, "data")); code == exitOK || !strings.Contains(errs, "no reader") {
		t.Errorf("a token for no reader: %d %s", code, errs)
	}
	code, out, _ = campusRun(t, "readers", "revoke", gates[0].ID, "--venue", campus, "--data-dir", filepath.Join(dir, "data"))
	if code != exitOK || !strings.Contains(out, `"revoked":true`) {
		t.Errorf("revoke: %d %s", code, out)
	}
}
