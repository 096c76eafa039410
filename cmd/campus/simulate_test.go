package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/access/sim"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/visitor"
	"github.com/campusnav/engine/web"
)

// quickCampus copies the campus archive with an access.json that keeps
// its rules without their hours (a test runs at any time of day) and lets
// people move 100 times faster than a walk (travel.foot_factor and
// vehicle_factor 100), so that a run of seconds crosses the campus; the
// rest is the campus as it is.
func quickCampus(t *testing.T) string {
	t.Helper()
	src, dst := "../../data/floorplans/hkust-gz", filepath.Join(t.TempDir(), "campus")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(src, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if f.Name() == access.PolicyFile {
			var p map[string]any
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			for _, r := range p["rules"].([]any) {
				delete(r.(map[string]any), "hours")
			}
			p["travel"] = map[string]any{"foot_factor": 100, "vehicle_factor": 100, "slack_s": 10}
			b, _ = json.Marshal(p)
		}
		if err := os.WriteFile(filepath.Join(dst, f.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// cardServer serves the API over loopback on a fresh SQLite data folder,
// as campusd does: accounts, the card and the readers' decisions.
func cardServer(t *testing.T, venue, dir string) string {
	return cardServerWith(t, venue, dir, nil)
}

// cardServerWith is cardServer, its handler wrapped by wrap (nil: none).
func cardServerWith(t *testing.T, venue, dir string, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	v, err := geo.Load(venue)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := routing.Build(v)
	svc, err := access.New(db, v, g, access.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	visits := visitor.New(v, db, visitor.Options{Passes: svc})
	svc.SetVisitors(visits)
	var h http.Handler = web.New(web.Deps{Venue: v, Graph: g, Auth: auth.New(db, auth.Options{}), Places: db,
		Idempotency: db, Audit: db, Access: svc, Visits: visits}, web.Config{}).Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func simulate(t *testing.T, args ...string) (int, simReport, string) {
	t.Helper()
	code, out, errs := campusRunIn(t, "", append([]string{"readers", "simulate"}, args...)...)
	var rep simReport
	if code == exitOK {
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("readers simulate printed no report: %v\n%s", err, out)
		}
	}
	return code, rep, errs
}

// TestSimulate runs a few seconds of campus life against the API over
// loopback: honest walkers are let through everywhere they go, copied
// codes are replayed and freeze the card (the holder's next use is
// frozen), a screenshot freezes it, and nothing fails.
func TestSimulate(t *testing.T) {
	venue, dir := quickCampus(t), t.TempDir()
	base := cardServer(t, venue, dir)
	args := []string{"--server", base, "--data-dir", dir, "--venue", venue, "--people", "30", "--duration", "8s",
		"--pace", "80", "--wave", "2s", "--jitter", "500ms", "--copies", "0.3", "--screenshots", "0.15",
		"--physical", "0.2", "--offline", "0.3", "--concurrency", "16"}
	code, rep, errs := simulate(t, args...)
	if code != exitOK {
		t.Fatalf("readers simulate: exit %d\n%s", code, errs)
	}
	t.Logf("%+v", rep)
	if len(rep.Errors) != 0 {
		t.Errorf("errors: %v\n%s", rep.Errors, errs)
	}
	if rep.People["staff"] != 9 || rep.People["student"] != 18 || rep.People["family"] != 3 {
		t.Errorf("people %v", rep.People)
	}
	honest := rep.ByActor[actorHonest]
	if honest[access.ReasonOK] < 40 || len(honest) != 1 {
		t.Errorf("honest walkers: %v, want only ok, and many", honest)
	}
	for kind, n := range map[string]int{geo.ReaderGate: 1, geo.ReaderDoor: 1, geo.ReaderElevator: 1} {
		if rep.ByKind[kind][access.ReasonOK] < n {
			t.Errorf("no use opened a %s: %v", kind, rep.ByKind)
		}
	}
	if copier := rep.ByActor[actorCopier]; copier[access.ReasonReplayed] == 0 || len(copier) != 1 {
		t.Errorf("copiers: %v, want only replayed", copier)
	}
	if shot := rep.ByActor[actorScreenshot]; shot[access.ReasonFrozen] == 0 || len(shot) != 1 {
		t.Errorf("after a screenshot: %v, want only frozen", shot)
	}
	if after := rep.ByActor[actorAfterAttack]; after[access.ReasonFrozen] == 0 || after[access.ReasonOK] != 0 {
		t.Errorf("holders after an attack: %v, want frozen", after)
	}
	if rep.ByReason[access.ReasonTravel] != 0 || rep.Events["unfrozen"] == 0 {
		t.Errorf("reasons %v, events %v: want no impossible travel, and cards unfrozen at the desk", rep.ByReason, rep.Events)
	}
	if rep.Credentials[sim.DeviceCode] == 0 || rep.Requests["devices"] == 0 {
		t.Errorf("credentials %v, requests %v", rep.Credentials, rep.Requests)
	}

	// A second run finds the same people: no new account, no new grant.
	code, again, errs := simulate(t, append(args, "--duration", "2s", "--copies", "0", "--screenshots", "0")...)
	if code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, errs)
	}
	if again.Grants != 0 || len(again.ByActor[actorHonest]) != 1 || len(again.Errors) != 0 {
		t.Errorf("second run: grants %d, honest %v, errors %v", again.Grants, again.ByActor[actorHonest], again.Errors)
	}
	if us := listUsers(t, dir); len(us) != 34 {
		t.Errorf("%d accounts after two runs, want 30, 3 visitors and the admin", len(us))
	}
	// Visitors: a pass, an ID card, a plate, each let in and out.
	for _, c := range []string{access.CredentialVisitorPass, access.CredentialIDNumber, access.CredentialPlate} {
		if v := rep.Visitors[c]; v.Decisions == 0 || v.ByReason[access.ReasonOK] != v.Decisions || v.LatencyMS.P99 <= 0 {
			t.Errorf("visitors by %s: %+v, want every decision ok", c, v)
		}
	}
	if rep.People["visitor"] != 3 || rep.ByActor[actorVisitor][access.ReasonOK] == 0 {
		t.Errorf("visitors: %v, %v", rep.People, rep.ByActor[actorVisitor])
	}
	var visits int
	db0, err := sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	db0.SQL().QueryRow("SELECT count(*) FROM visits").Scan(&visits)
	db0.Close()
	if visits != 3 {
		t.Errorf("%d visits after two runs, want the 3 of the first", visits)
	}

	// Visitors get no card, nor a code.
	db, err := sqlite.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(db, auth.Options{Params: simParams})
	if _, err := a.AddUser(context.Background(), "guest@example.com", "a visitor's password", auth.Visitor); err != nil {
		t.Fatal(err)
	}
	s, err := a.Login(context.Background(), "guest@example.com", "a visitor's password", "test")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/card", "/api/v1/card/code"} {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+s.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a visitor's GET %s: %d %s, want 403", path, resp.StatusCode, b)
		}
	}
}

func TestSimulateRefuses(t *testing.T) {
	venue := quickCampus(t)
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no server", []string{}, exitUsage, "--server: missing"},
		{"not a URL", []string{"--server", "localhost:8080"}, exitUsage, "not an http(s) URL"},
		{"too fast", []string{"--server", "http://127.0.0.1:1", "--pace", "95"}, exitUsage, "--pace: 95 is faster"},
		{"shares", []string{"--server", "http://127.0.0.1:1", "--physical", "0.7", "--offline", "0.6"}, exitUsage, "more than everyone"},
		{"a share", []string{"--server", "http://127.0.0.1:1", "--copies", "2"}, exitUsage, "--copies: 2 is not a share"},
		{"a role", []string{"--server", "http://127.0.0.1:1", "--role", "staff"}, exitUsage, "roles are a mix"},
		{"unreachable", []string{"--server", "http://127.0.0.1:1"}, exitFail, "cannot be reached"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errs := simulate(t, append(c.args, "--venue", venue, "--data-dir", t.TempDir())...)
			if code != c.code || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, want %d; stderr %q, want %q", code, c.code, errs, c.want)
			}
		})
	}
}

// TestSimulateServerErrors: a server answering the readers 500 makes the
// run fail, with the report printed and the errors counted by status.
func TestSimulateServerErrors(t *testing.T) {
	venue, dir := quickCampus(t), t.TempDir()
	base := cardServerWith(t, venue, dir, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v1/access/check" {
				http.Error(w, "the store is down", http.StatusInternalServerError)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	code, out, errs := campusRunIn(t, "", "readers", "simulate", "--server", base, "--data-dir", dir, "--venue", venue,
		"--people", "10", "--duration", "2s", "--pace", "80", "--wave", "1s", "--jitter", "0s")
	var rep simReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("no report: %v\n%s", err, out)
	}
	if code != exitFail || rep.Errors["500"] == 0 || rep.Decisions != 0 || !strings.Contains(errs, "answered 5xx") {
		t.Errorf("exit %d, errors %v, decisions %d; stderr %s", code, rep.Errors, rep.Decisions, errs)
	}
}
