package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/visitor"
)

// TestPedestrianGatesAreGates2And5: the readers of kind gate, where
// visitors walk in, are the turnstiles of gates 2 and 5.
func TestPedestrianGatesAreGates2And5(t *testing.T) {
	testServer(t)
	refs := map[string]int{}
	for _, r := range campusDeps.Venue.Readers {
		if r.Kind == geo.ReaderGate {
			refs[r.Guards.(*geo.Gate).Ref]++
		}
	}
	if len(refs) != 2 || refs["G2"] == 0 || refs["G5"] == 0 {
		t.Errorf("pedestrian gates' readers by gate: %v, want G2 and G5", refs)
	}
}

// gateReaders are readers of the campus for the tests: a turnstile of
// gate 2, a car barrier, and a building's door.
func gateReaders(t *testing.T) (turnstile, barrier, door *geo.Reader) {
	for _, r := range campusDeps.Venue.Readers {
		switch {
		case r.Kind == geo.ReaderGate && turnstile == nil && r.Guards.(*geo.Gate).Ref == "G2":
			turnstile = r
		case r.Kind == geo.ReaderBarrier && barrier == nil && r.Level == nil:
			barrier = r
		case r.Kind == geo.ReaderDoor && door == nil:
			door = r
		}
	}
	if turnstile == nil || barrier == nil || door == nil {
		t.Fatal("no turnstile, barrier or door")
	}
	return
}

type decisionJSON struct {
	Decision string
	Reason   string
	Person   *struct{ Name, Role string }
}

// TestVisitGatesOverHTTP: a visitor's pass, ID number and plate at the
// gates, within the window and its margin only, at the right kind of
// reader only; leaving; who is on campus; the watchlist at the gate;
// every decision audit logged; on both stores.
func TestVisitGatesOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testVisitGatesOverHTTP(t, engine) })
	}
}

func testVisitGatesOverHTTP(t *testing.T, engine string) {
	s := newVisitSite(t, engine, visitor.Options{})
	vis := s.person(t, "tel:+8613800000001", auth.Visitor)
	other := s.person(t, "tel:+8613800000002", auth.Visitor)
	host := s.person(t, "host@hkust-gz.edu.cn", auth.Staff)
	guard := s.person(t, "guard@hkust-gz.edu.cn", auth.Staff, auth.Security)
	turnstile, barrier, door := gateReaders(t)
	tokens := map[*geo.Reader]string{}
	for _, r := range []*geo.Reader{turnstile, barrier, door} {
		tok, err := s.acc.NewReaderToken(t.Context(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		tokens[r] = tok
	}
	check := func(r *geo.Reader, credential string) decisionJSON {
		t.Helper()
		code, body := s.do(t, tokens[r], "POST", "/api/v1/access/check", fmt.Sprintf(`{"reader":%q,%s}`, r.ID, credential))
		var d decisionJSON
		if code != 200 || json.Unmarshal(body, &d) != nil {
			t.Fatalf("check %s at %s: %d %s", credential, r.ID, code, body)
		}
		return d
	}
	expect := func(what string, d decisionJSON, decision, reason string) {
		t.Helper()
		if d.Decision != decision || d.Reason != reason {
			t.Errorf("%s: %s %s, want %s %s", what, d.Decision, d.Reason, decision, reason)
		}
	}

	// Today 14:00 to 16:00, two people, by car; approved at C3.
	body := fmt.Sprintf(`{"type":"business","reason":"audit","host":"host@hkust-gz.edu.cn","date":"2026-12-01","from":"14:00","to":"16:00",
		"people":[{"name":"Li Lei","id_number":%q},{"name":"Han Meimei","id_number":%q}],"mode":"car","plate":"粤A12345"}`, idNumber(1), idNumber(2))
	code, b := s.post(t, vis, "/api/v1/visits", body)
	v := decodeVisit(t, "register", code, 201, b)
	path := fmt.Sprintf("/api/v1/visits/%d", v.ID)
	code, b = s.do(t, vis, "GET", path+"/pass", "")
	bookingProblem(t, "the pass of a pending visit", 409, "", "status", code, b)
	if code, b := s.do(t, host, "POST", path+"/approve", `{"place":"C3"}`); code != 200 {
		t.Fatalf("approve: %d %s", code, b)
	}
	code, b = s.do(t, other, "GET", path+"/pass", "")
	bookingProblem(t, "another's pass", 404, "", "", code, b)
	code, b = s.do(t, vis, "GET", path+"/pass?person=2", "")
	bookingProblem(t, "a third person's pass", 400, "person", "", code, b)
	var pass struct {
		Code       string
		Name       string
		ValidFrom  time.Time `json:"valid_from"`
		ValidUntil time.Time `json:"valid_until"`
	}
	if code, b := s.do(t, vis, "GET", path+"/pass?person=1", ""); code != 200 || json.Unmarshal(b, &pass) != nil || len(pass.Code) != 142 ||
		pass.Name != "Han Meimei" || pass.ValidFrom.Format(time.RFC3339) != "2026-12-01T13:30:00+08:00" || pass.ValidUntil.Format(time.RFC3339) != "2026-12-01T16:30:00+08:00" {
		t.Fatalf("pass: %d %s", code, b)
	}
	withPass := fmt.Sprintf(`"visitor_pass":%q`, pass.Code)

	// 09:00: too early for everything.
	expect("the pass at 09:00", check(turnstile, withPass), access.Deny, access.ReasonExpired)
	expect("the ID number at 09:00", check(turnstile, fmt.Sprintf(`"id_number":%q`, idNumber(1))), access.Deny, access.ReasonOutsideHours)
	expect("the plate at 09:00", check(barrier, `"plate":"粤A 12345"`), access.Deny, access.ReasonOutsideHours)
	// 13:31: within the margin.
	s.at(time.Date(2026, 12, 1, 13, 31, 0, 0, shanghai))
	d := check(turnstile, withPass)
	expect("the pass", d, access.Allow, access.ReasonOK)
	if d.Person == nil || d.Person.Name != "Han Meimei" || d.Person.Role != "visitor" {
		t.Errorf("the pass's person: %+v", d.Person)
	}
	expect("the pass at a door", check(door, withPass), access.Deny, access.ReasonNotPermitted)
	expect("the pass at a barrier", check(barrier, withPass), access.Deny, access.ReasonNotPermitted)
	expect("the plate at a turnstile", check(turnstile, `"plate":"粤A12345"`), access.Deny, access.ReasonNotPermitted)
	expect("a forged pass", check(turnstile, `"visitor_pass":"`+strings.Repeat("A", 142)+`"`), access.Deny, access.ReasonForged)
	expect("an unknown ID", check(turnstile, fmt.Sprintf(`"id_number":%q`, idNumber(9))), access.Deny, access.ReasonUnknown)
	expect("a malformed ID", check(turnstile, `"id_number":"12"`), access.Deny, access.ReasonUnknown)
	expect("two credentials", check(turnstile, withPass+`,"plate":"粤A12345"`), access.Deny, access.ReasonUnknown)
	expect("the ID number", check(turnstile, fmt.Sprintf(`"id_number":%q`, strings.ToLower(idNumber(1)))), access.Allow, access.ReasonOK)
	expect("the plate", check(barrier, `"plate":"粤A12345"`), access.Allow, access.ReasonOK)

	// Who is on campus: both people.
	type onsiteJSON struct {
		Items []struct {
			Visit  int64
			Person int
			Name   string
			Gate   string
		}
		Next *string
	}
	var on onsiteJSON
	if code, b := s.do(t, guard, "GET", "/api/v1/visits/onsite?limit=1", ""); code != 200 || json.Unmarshal(b, &on) != nil || len(on.Items) != 1 ||
		on.Items[0].Person != 1 || on.Items[0].Gate != barrier.ID || on.Next == nil {
		t.Fatalf("onsite: %d %s", code, b)
	}
	if code, b := s.do(t, guard, "GET", "/api/v1/visits/onsite?cursor="+*on.Next, ""); code != 200 || json.Unmarshal(b, &on) != nil || len(on.Items) != 1 ||
		on.Items[0].Person != 0 || on.Next != nil {
		t.Fatalf("onsite, page 2: %d %s", code, b)
	}
	if code, _ := s.do(t, host, "GET", "/api/v1/visits/onsite", ""); code != 403 {
		t.Errorf("the host lists who is on campus: %d", code)
	}
	// Leaving on foot: one goes.
	expect("out by ID number", check(turnstile, fmt.Sprintf(`"id_number":%q,"direction":"out"`, idNumber(1))), access.Allow, access.ReasonOK)
	if code, b := s.do(t, guard, "GET", "/api/v1/visits/onsite", ""); code != 200 || json.Unmarshal(b, &on) != nil || len(on.Items) != 1 || on.Items[0].Name != "Han Meimei" {
		t.Errorf("onsite after one left: %d %s", code, b)
	}
	// After the window and its margin, the pass still lets its holder
	// out, and in no more.
	s.at(time.Date(2026, 12, 1, 16, 31, 0, 0, shanghai))
	expect("the pass after", check(turnstile, withPass), access.Deny, access.ReasonExpired)
	expect("the plate after", check(barrier, `"plate":"粤A12345"`), access.Deny, access.ReasonOutsideHours)
	expect("out with the pass", check(turnstile, withPass+`,"direction":"out"`), access.Allow, access.ReasonOK)
	if code, b := s.do(t, guard, "GET", "/api/v1/visits/onsite", ""); code != 200 || json.Unmarshal(b, &on) != nil || len(on.Items) != 0 {
		t.Errorf("onsite after both left: %d %s", code, b)
	}
	code, b = s.do(t, vis, "GET", path+"/pass", "")
	bookingProblem(t, "the pass of a visit over", 409, "", "over", code, b)

	// Tomorrow's visit: withdrawn, its plate refused; watchlisted, refused.
	s.at(time.Date(2026, 12, 2, 9, 0, 0, 0, shanghai))
	mk := func(date, plate string, n int) visitJSON {
		code, b := s.post(t, vis, "/api/v1/visits", fmt.Sprintf(`{"type":"business","reason":"r","host":"host@hkust-gz.edu.cn","date":%q,
			"from":"09:00","to":"12:00","people":[{"name":"Li Lei","id_number":%q}],"mode":"car","plate":%q,"place":"C3"}`, date, idNumber(n), plate))
		v := decodeVisit(t, "register", code, 201, b)
		if code, b := s.do(t, host, "POST", fmt.Sprintf("/api/v1/visits/%d/approve", v.ID), ""); code != 200 {
			t.Fatalf("approve: %d %s", code, b)
		}
		return v
	}
	w := mk("2026-12-02", "粤B11111", 3)
	if code, b := s.do(t, vis, "POST", fmt.Sprintf("/api/v1/visits/%d/withdraw", w.ID), ""); code != 200 {
		t.Fatalf("withdraw: %d %s", code, b)
	}
	expect("a withdrawn visit's plate", check(barrier, `"plate":"粤B11111"`), access.Deny, access.ReasonNotPermitted)
	mk("2026-12-02", "粤B22222", 4)
	if code, b := s.post(t, guard, "/api/v1/watchlist", `{"kind":"plate","value":"粤B22222"}`); code != 201 {
		t.Fatalf("watchlist: %d %s", code, b)
	}
	s.jobs.of("mail")
	expect("a watchlisted plate", check(barrier, `"plate":"粤B22222"`), access.Deny, access.ReasonNotPermitted)
	if mails := s.jobs.of("mail"); len(mails) != 1 || mails[0]["To"] != "guard@hkust-gz.edu.cn" {
		t.Errorf("alerts: %v", mails)
	}

	var gates, refused int
	s.db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM audit_log WHERE kind = 'visit_gate'").Scan(&gates)
	s.db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM audit_log WHERE kind = 'visit_refused' AND place = $1", barrier.ID).Scan(&refused)
	if gates != 19 || refused != 1 {
		t.Errorf("%d gate decisions and %d refusals audit logged, want 19 and 1", gates, refused)
	}
}
