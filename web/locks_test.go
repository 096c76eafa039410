package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

// lockServer is the server over a SQLite store with the real auth and
// access services, over the campus plus readers of the test's own (two
// smart locks on offices, a door reader), on a clock the test moves.
type lockServer struct {
	*httptest.Server
	auth              *auth.Service
	access            *access.Service
	lock, other, door *geo.Reader
	mu                sync.Mutex
	now               time.Time
}

func (s *lockServer) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *lockServer) advance(d time.Duration) {
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
}

func newLockServer(t *testing.T) *lockServer {
	t.Helper()
	testServer(t) // loads the campus once
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var offices []*geo.Unit
	for _, u := range campusDeps.Venue.Units {
		if u.Category == "office" && u.Level != nil && len(offices) < 2 {
			offices = append(offices, u)
		}
	}
	reader := func(id, kind string, u *geo.Unit) *geo.Reader {
		return &geo.Reader{Base: geo.Base{ID: id}, Kind: kind, Guards: u, Level: u.Level, Ordinal: u.Level.Ordinal,
			Building: u.Level.Building(), Name: geo.Labels{"en": "Reader " + id}}
	}
	s := &lockServer{lock: reader("lock-web-1", geo.ReaderLock, offices[0]), other: reader("lock-web-2", geo.ReaderLock, offices[1]),
		door: reader("door-web-1", geo.ReaderDoor, offices[0]), now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	v := *campusDeps.Venue
	v.Readers = []*geo.Reader{s.lock, s.other, s.door}
	cheap := auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}
	s.auth = auth.New(db, auth.Options{Params: cheap})
	s.access, err = access.New(db, &v, campusDeps.Graph, access.Config{Now: s.clock, PINParams: cheap})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.access.Close)
	d := campusDeps
	d.Auth, d.Places, d.Access, d.Idempotency = s.auth, db, s.access, db
	s.Server = httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(s.Close)
	return s
}

func (s *lockServer) signIn(t *testing.T, email string, role auth.Role) string {
	t.Helper()
	if _, err := s.auth.AddUser(t.Context(), email, "correct horse battery", role); err != nil {
		t.Fatal(err)
	}
	sess, err := s.auth.Login(t.Context(), email, "correct horse battery", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return sess.Token
}

// readerToken is a bearer token of reader r.
func (s *lockServer) readerToken(t *testing.T, r *geo.Reader) string {
	t.Helper()
	tok, err := s.access.NewReaderToken(t.Context(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// grant makes the account email a resident of target, by admin.
func (s *lockServer) grant(t *testing.T, admin, email, target string) {
	t.Helper()
	now := s.clock()
	body := fmt.Sprintf(`{"person": %q, "target": %q, "from": %q, "to": %q}`, email, target,
		now.Add(-time.Hour).Format(time.RFC3339), now.Add(200*24*time.Hour).Format(time.RFC3339))
	if code, _, b := callToken(t, s.Server, admin, "POST", "/api/v1/admin/access/grants", body); code != http.StatusCreated {
		t.Fatalf("grant: %d %s", code, b)
	}
}

// check asks as reader r (its token) about a credential.
func (s *lockServer) check(t *testing.T, token string, r *geo.Reader, credential string) access.Result {
	t.Helper()
	code, _, b := callToken(t, s.Server, token, "POST", "/api/v1/access/check", `{"reader": "`+r.ID+`", `+credential+`}`)
	var res access.Result
	if code != http.StatusOK || json.Unmarshal(b, &res) != nil {
		t.Fatalf("check %s: %d %s", credential, code, b)
	}
	return res
}

// wantProblem checks an answer is a problem of status naming param ("":
// any), and returns it.
func wantProblem(t *testing.T, what string, status int, param string, code int, ct string, body []byte) Problem {
	t.Helper()
	var p Problem
	if code != status || ct != "application/problem+json" || json.Unmarshal(body, &p) != nil {
		t.Fatalf("%s: %d %s %s, want a %d problem", what, code, ct, body, status)
	}
	if param != "" && p.Param != param {
		t.Errorf("%s: the problem names %q, want %q (%s)", what, p.Param, param, body)
	}
	return p
}

func TestLockPINOverHTTP(t *testing.T) {
	s := newLockServer(t)
	admin := s.signIn(t, "ops@hkust-gz.edu.cn", auth.Admin)
	ada := s.signIn(t, "ada@hkust-gz.edu.cn", auth.Staff)
	eve := s.signIn(t, "eve@connect.hkust-gz.edu.cn", auth.Student)
	s.grant(t, admin, "ada@hkust-gz.edu.cn", s.lock.Guards.(*geo.Unit).ID)
	lockTok := s.readerToken(t, s.lock)

	put := func(token, reader, body string) (int, string, []byte) {
		return callToken(t, s.Server, token, "PUT", "/api/v1/locks/"+reader+"/pin", body)
	}
	code, ct, b := put("", s.lock.ID, `{"pin": "482913"}`)
	wantProblem(t, "not signed in", 401, "", code, ct, b)
	code, ct, b = put(ada, "no-such-lock", `{"pin": "482913"}`)
	wantProblem(t, "an unknown reader", 404, "", code, ct, b)
	code, ct, b = put(ada, s.door.ID, `{"pin": "482913"}`)
	wantProblem(t, "a door reader", 404, "", code, ct, b)
	code, ct, b = put(eve, s.lock.ID, `{"pin": "482913"}`)
	wantProblem(t, "a stranger", 403, "", code, ct, b)
	for _, bad := range []string{"123456", "987654", "0123456", "444444", "12345", "123456789", "12a456", ""} {
		code, ct, b = put(ada, s.lock.ID, `{"pin": "`+bad+`"}`)
		wantProblem(t, "PIN "+bad, 400, "pin", code, ct, b)
	}
	// The refusal in Chinese.
	code, ct, b = callToken(t, s.Server, ada, "PUT", "/api/v1/locks/"+s.lock.ID+"/pin?lang=zh", `{"pin": "123456"}`)
	if p := wantProblem(t, "a run, in Chinese", 400, "pin", code, ct, b); !strings.Contains(p.Detail, "连续") {
		t.Errorf("the detail in Chinese: %q", p.Detail)
	}
	if code, _, b := put(ada, s.lock.ID, `{"pin": "482913"}`); code != http.StatusNoContent || len(b) != 0 {
		t.Fatalf("set a PIN: %d %s", code, b)
	}

	// At the lock: the PIN names ada.
	if r := s.check(t, lockTok, s.lock, `"pin": "482913"`); r.Decision != access.Allow || r.Person == nil || r.Person.Name != "ada" {
		t.Fatalf("ada's PIN: %+v", r)
	}
	// Five wrong lock it out for five minutes.
	for i := range access.MaxPINFailures {
		if r := s.check(t, lockTok, s.lock, fmt.Sprintf(`"pin": "11122%d"`, i)); r.Reason != access.ReasonUnknown {
			t.Fatalf("wrong PIN %d: %+v", i, r)
		}
	}
	if r := s.check(t, lockTok, s.lock, `"pin": "482913"`); r.Decision != access.Deny || r.Reason != access.ReasonLockedOut {
		t.Fatalf("the right PIN when locked out: %+v", r)
	}
	s.advance(access.PINLockout + time.Second)
	if r := s.check(t, lockTok, s.lock, `"pin": "482913"`); r.Decision != access.Allow {
		t.Fatalf("the right PIN 5 minutes later: %+v", r)
	}
	// A changed PIN: the old one is wrong.
	if code, _, b := put(ada, s.lock.ID, `{"pin": "51739264"}`); code != http.StatusNoContent {
		t.Fatalf("change the PIN: %d %s", code, b)
	}
	if r := s.check(t, lockTok, s.lock, `"pin": "482913"`); r.Reason != access.ReasonUnknown {
		t.Errorf("the old PIN: %+v", r)
	}
	if r := s.check(t, lockTok, s.lock, `"pin": "51739264"`); r.Decision != access.Allow {
		t.Errorf("the new PIN: %+v", r)
	}
	// ada's history shows the lock.
	code, _, b = callToken(t, s.Server, ada, "GET", "/api/v1/card/history", "")
	if code != 200 || !strings.Contains(string(b), `"credential":"pin"`) {
		t.Errorf("history: %d %s", code, b)
	}
}

func TestFingerprintsOverHTTP(t *testing.T) {
	s := newLockServer(t)
	admin := s.signIn(t, "ops@hkust-gz.edu.cn", auth.Admin)
	ada := s.signIn(t, "ada@hkust-gz.edu.cn", auth.Staff)
	bo := s.signIn(t, "bo@connect.hkust-gz.edu.cn", auth.Student)
	eve := s.signIn(t, "eve@connect.hkust-gz.edu.cn", auth.Student)
	s.grant(t, admin, "ada@hkust-gz.edu.cn", s.lock.ID)
	s.grant(t, admin, "bo@connect.hkust-gz.edu.cn", s.lock.Guards.(*geo.Unit).ID)
	lockTok, otherTok, doorTok := s.readerToken(t, s.lock), s.readerToken(t, s.other), s.readerToken(t, s.door)
	base := "/api/v1/locks/" + s.lock.ID + "/fingerprints"

	code, ct, b := callToken(t, s.Server, eve, "POST", base, "")
	wantProblem(t, "a stranger enrols", 403, "", code, ct, b)
	code, ct, b = callToken(t, s.Server, ada, "POST", "/api/v1/locks/"+s.door.ID+"/fingerprints", "")
	wantProblem(t, "an enrolment at a door", 404, "", code, ct, b)
	code, _, b = callToken(t, s.Server, ada, "POST", base, "")
	var e struct {
		EnrolmentID int64  `json:"enrolment_id"`
		Status      string `json:"status"`
	}
	if code != http.StatusCreated || json.Unmarshal(b, &e) != nil || e.EnrolmentID == 0 || e.Status != "pending" {
		t.Fatalf("enrol: %d %s", code, b)
	}
	report := func(token string, id int64, body string) (int, string, []byte) {
		return callToken(t, s.Server, token, "POST", fmt.Sprintf("/api/v1/readers/enrolments/%d", id), body)
	}
	code, ct, b = report("", e.EnrolmentID, `{"status": "enrolled"}`)
	wantProblem(t, "a report without a token", 401, "Authorization", code, ct, b)
	code, ct, b = report("rdr_forged", e.EnrolmentID, `{"status": "enrolled"}`)
	wantProblem(t, "a report with a forged token", 401, "", code, ct, b)
	code, ct, b = report(otherTok, e.EnrolmentID, `{"status": "enrolled"}`)
	wantProblem(t, "another lock reports", 404, "", code, ct, b)
	code, ct, b = report(doorTok, e.EnrolmentID, `{"status": "enrolled"}`)
	wantProblem(t, "a door reports", 404, "", code, ct, b)
	code, ct, b = report(lockTok, e.EnrolmentID, `{"status": "maybe"}`)
	wantProblem(t, "status maybe", 400, "status", code, ct, b)
	if code, _, b := report(lockTok, e.EnrolmentID, `{"status": "enrolled"}`); code != http.StatusNoContent {
		t.Fatalf("the lock reports: %d %s", code, b)
	}
	code, ct, b = report(lockTok, e.EnrolmentID, `{"status": "failed"}`)
	wantProblem(t, "failed after enrolled", 409, "", code, ct, b)

	// The lock reports a match: ada.
	fp := fmt.Sprintf(`"fingerprint": %d`, e.EnrolmentID)
	if r := s.check(t, lockTok, s.lock, fp); r.Decision != access.Allow || r.Person == nil || r.Person.Name != "ada" {
		t.Fatalf("ada's fingerprint: %+v", r)
	}
	if r := s.check(t, otherTok, s.other, fp); r.Reason != access.ReasonUnknown {
		t.Errorf("ada's fingerprint id at another lock: %+v", r)
	}
	if r := s.check(t, lockTok, s.lock, `"fingerprint": "x"`); r.Decision != access.Deny || r.Reason != access.ReasonUnknown {
		t.Errorf("a malformed fingerprint: %+v", r)
	}

	// ada lists hers; bo sees none of them.
	var page struct {
		Items []struct {
			ID      int64     `json:"id"`
			Status  string    `json:"status"`
			Created time.Time `json:"created"`
		} `json:"items"`
		Next *string `json:"next"`
	}
	code, _, b = callToken(t, s.Server, ada, "GET", base, "")
	if code != 200 || json.Unmarshal(b, &page) != nil || len(page.Items) != 1 || page.Items[0].ID != e.EnrolmentID ||
		page.Items[0].Status != "enrolled" || page.Items[0].Created.IsZero() || page.Next != nil || !strings.Contains(string(b), `"next":null`) {
		t.Fatalf("ada's fingerprints: %d %s", code, b)
	}
	if code, _, b := callToken(t, s.Server, bo, "GET", base, ""); code != 200 || !strings.Contains(string(b), `"items":[]`) {
		t.Errorf("bo's fingerprints: %d %s", code, b)
	}

	// At most 3 pending at a lock.
	for range access.MaxPendingEnrolments {
		if code, _, b := callToken(t, s.Server, bo, "POST", base, ""); code != http.StatusCreated {
			t.Fatalf("bo enrols: %d %s", code, b)
		}
	}
	code, ct, b = callToken(t, s.Server, ada, "POST", base, "")
	wantProblem(t, "a 4th pending", 409, "", code, ct, b)

	// Deleting: bo may not delete ada's; ada's goes to the lock as a
	// command, and the fingerprint names no one at once.
	del := fmt.Sprintf("%s/%d", base, e.EnrolmentID)
	code, ct, b = callToken(t, s.Server, bo, "DELETE", del, "")
	wantProblem(t, "bo deletes ada's", 404, "", code, ct, b)
	code, ct, b = callToken(t, s.Server, ada, "DELETE", base+"/x", "")
	wantProblem(t, "a fingerprint id x", 400, "id", code, ct, b)
	if code, _, b := callToken(t, s.Server, ada, "DELETE", del, ""); code != http.StatusNoContent {
		t.Fatalf("ada deletes hers: %d %s", code, b)
	}
	if r := s.check(t, lockTok, s.lock, fp); r.Decision != access.Deny || r.Reason != access.ReasonUnknown {
		t.Errorf("a deleted fingerprint: %+v", r)
	}
	code, _, b = callToken(t, s.Server, lockTok, "GET", "/api/v1/readers/commands", "")
	var cmds struct {
		Items []struct {
			ID          int64     `json:"id"`
			Kind        string    `json:"kind"`
			Fingerprint int64     `json:"fingerprint"`
			Created     time.Time `json:"created"`
		} `json:"items"`
	}
	if code != 200 || json.Unmarshal(b, &cmds) != nil || len(cmds.Items) != 1 || cmds.Items[0].Kind != "delete_fingerprint" ||
		cmds.Items[0].Fingerprint != e.EnrolmentID || cmds.Items[0].Created.IsZero() {
		t.Fatalf("the lock's commands: %d %s", code, b)
	}
	if code, _, b := callToken(t, s.Server, otherTok, "GET", "/api/v1/readers/commands", ""); code != 200 || !strings.Contains(string(b), `"items":[]`) {
		t.Errorf("another lock's commands: %d %s", code, b)
	}
	done := fmt.Sprintf("/api/v1/readers/commands/%d/done", cmds.Items[0].ID)
	code, ct, b = callToken(t, s.Server, otherTok, "POST", done, "")
	wantProblem(t, "another lock's done", 404, "", code, ct, b)
	if code, _, b := callToken(t, s.Server, lockTok, "POST", done, ""); code != http.StatusNoContent {
		t.Fatalf("done: %d %s", code, b)
	}
	code, ct, b = callToken(t, s.Server, lockTok, "POST", done, "")
	wantProblem(t, "done twice", 404, "", code, ct, b)
	if code, _, b := callToken(t, s.Server, lockTok, "GET", "/api/v1/readers/commands", ""); code != 200 || !strings.Contains(string(b), `"items":[]`) {
		t.Errorf("commands after done: %d %s", code, b)
	}
	if code, _, b := callToken(t, s.Server, ada, "GET", base, ""); code != 200 || !strings.Contains(string(b), `"items":[]`) {
		t.Errorf("ada's fingerprints after the lock erased hers: %d %s", code, b)
	}
}

// TestLocksWithoutAccess: with access control off, the locks' routes
// answer 404, not a crash.
func TestLocksWithoutAccess(t *testing.T) {
	ts := testServer(t)
	for _, c := range []struct{ method, path, token string }{
		{"PUT", "/api/v1/locks/l/pin", "token-staff"},
		{"POST", "/api/v1/locks/l/fingerprints", "token-staff"},
		{"GET", "/api/v1/locks/l/fingerprints", "token-staff"},
		{"DELETE", "/api/v1/locks/l/fingerprints/1", "token-staff"},
		{"POST", "/api/v1/readers/enrolments/1", "rdr_x"},
		{"GET", "/api/v1/readers/commands", "rdr_x"},
		{"POST", "/api/v1/readers/commands/1/done", "rdr_x"},
	} {
		if code, _, b := callToken(t, ts, c.token, c.method, c.path, `{}`); code != http.StatusNotFound {
			t.Errorf("%s %s: %d %s, want 404", c.method, c.path, code, b)
		}
	}
}
