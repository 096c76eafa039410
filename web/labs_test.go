package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/store"
)

// testBookingRules are the labs and the counselling rooms as booking.json
// gives them, over rooms of the campus archive (E-542..E-544 counselling,
// the labs' rooms in C1 and C7), whatever booking.json the archive has.
const testBookingRules = `{"version": 1, "time_zone": "Asia/Shanghai", "kinds": [
 {"type": "meeting", "name": {"en": "Meeting room", "zh-Hans": "会议室"}, "units": {"categories": ["conferenceroom"]}},
 {"type": "counselling", "name": {"en": "Counselling room", "zh-Hans": "心理咨询室"}, "units": {"refs": ["E-542", "E-543", "E-544"]},
  "roles": [], "hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:30"}],
  "slot_min": 30, "ahead_days": 14, "longest_min": 60, "checkin": false, "cancel_before_min": 1440},
 {"type": "equipment", "name": {"en": "Lab equipment", "zh-Hans": "实验设备"}, "roles": ["staff", "student"],
  "hours": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "09:00", "to": "21:00"}],
  "slot_min": 30, "ahead_days": 14, "longest_min": 480, "checkin": false, "lab_members": true}],
 "labs": [
  {"id": "NFF", "name": {"en": "NFF Lab", "zh-Hans": "NFF 实验室"}, "email": "nff@hkust-gz.edu.cn", "units": ["C1-215", "C1-222"]},
  {"id": "NICE", "name": {"en": "NICE Lab", "zh-Hans": "NICE 实验室"}, "email": "nice@hkust-gz.edu.cn", "units": ["C7-214", "C7-220", "C7-318"]}],
 "equipment": [
  {"id": "eq-nff-e01", "ref": "NFF-E01", "name": {"en": "Electron-Beam Lithography System", "zh-Hans": "电子束光刻系统"},
   "type": "equipment", "lab": "NFF", "unit": "C1-215", "capacity": 1},
  {"id": "eq-nice-e01", "ref": "NICE-E01", "name": {"en": "Confocal Microscope", "zh-Hans": "共聚焦显微镜"},
   "type": "equipment", "lab": "NICE", "unit": "C7-214", "capacity": 1}]}`

// bookNow is the clock of the labs' and counselling's tests: Monday
// 2026-12-07, 08:00 in Shanghai.
var bookNow = time.Date(2026, 12, 7, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

// bookingServices are the booking service over the campus with
// testBookingRules, and its labs and counselling, on db, at now.
func bookingServices(t testing.TB, db *store.DB, now func() time.Time) (*booking.Service, *booking.Labs, *booking.Counselling) {
	t.Helper()
	svc, err := booking.New(campusDeps.Venue, db, booking.Options{Rules: []byte(testBookingRules), Members: db, Now: now, Graph: campusDeps.Graph})
	if err != nil {
		t.Fatal(err)
	}
	return svc, booking.NewLabs(svc, db), booking.NewCounselling(svc, db)
}

// labServer is the server over a real store with the real auth service,
// the labs and counselling, at bookNow.
type labServer struct {
	*httptest.Server
	db       *store.DB
	auth     *auth.Service
	bookings *booking.Service
	people   int
}

func newLabServer(t *testing.T, engine string) *labServer {
	t.Helper()
	testServer(t) // loads the campus once
	s := &labServer{db: openPayStore(t, engine)}
	s.auth = auth.New(s.db, auth.Options{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	var labs *booking.Labs
	var counselling *booking.Counselling
	s.bookings, labs, counselling = bookingServices(t, s.db, func() time.Time { return bookNow })
	d := campusDeps
	d.Auth, d.Places, d.Idempotency, d.Audit, d.Labs, d.Counselling = s.auth, s.db, s.db, s.db, labs, counselling
	s.Server = httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(s.Close)
	return s
}

// person makes an account of role with duties, signed in: its token.
func (s *labServer) person(t *testing.T, email string, role auth.Role, duties ...auth.Duty) string {
	t.Helper()
	if _, err := s.auth.AddUser(t.Context(), email, "correct horse battery", role); err != nil {
		t.Fatal(err)
	}
	for _, d := range duties {
		if _, err := s.auth.SetDuty(t.Context(), auth.User{}, email, d, true); err != nil {
			t.Fatal(err)
		}
	}
	s.people++ // an address each: the sign-in limits are per address
	sess, err := s.auth.Login(t.Context(), email, "correct horse battery", fmt.Sprintf("10.0.%d.%d", s.people/200, s.people%200+1))
	if err != nil {
		t.Fatal(err)
	}
	return sess.Token
}

// do makes a request with a token and no Idempotency-Key.
func (s *labServer) do(t *testing.T, token, method, path, body string) (int, []byte) {
	t.Helper()
	code, _, b := keyed(t, s.URL, token, "", method, path, body)
	return code, b
}

// bookingProblem checks an answer is a problem of status naming param
// ("": any) with code ("": any).
func bookingProblem(t *testing.T, what string, status int, param, code string, got int, body []byte) Problem {
	t.Helper()
	var p Problem
	if got != status || json.Unmarshal(body, &p) != nil {
		t.Fatalf("%s: %d %s, want a %d problem", what, got, body, status)
	}
	if param != "" && p.Param != param {
		t.Errorf("%s: the problem names %q, want %q (%s)", what, p.Param, param, body)
	}
	if code != "" && p.Code != code {
		t.Errorf("%s: the problem's code is %q, want %q (%s)", what, p.Code, code, body)
	}
	if strings.Contains(p.Detail, "booking:") || strings.Contains(strings.ToLower(p.Detail), "sql") {
		t.Errorf("%s: the detail shows internals: %q", what, p.Detail)
	}
	return p
}

type labAnswer struct {
	ID        string                  `json:"id"`
	Name      string                  `json:"name"`
	Email     string                  `json:"email"`
	Rooms     []booking.RoomView      `json:"rooms"`
	Equipment []booking.EquipmentView `json:"equipment"`
	Member    memberAnswer            `json:"membership"`
}

type memberAnswer struct {
	Person  int64               `json:"person"`
	Account string              `json:"account"`
	Status  string              `json:"status"`
	Profile *booking.LabProfile `json:"profile"`
	Note    string              `json:"note"`
	Applied *time.Time          `json:"applied"`
	Decided *time.Time          `json:"decided"`
}

const annProfile = `{"name": "Ann Lee 李安", "department": "Microelectronics Thrust", "supervisor": "Prof. Chan",
	"phone": "+86 139 0000 0001", "email": "ann@connect.hkust-gz.edu.cn", "purpose": "e-beam lithography of test structures"}`

func TestLabs(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testLabs(t, engine) })
	}
}

func testLabs(t *testing.T, engine string) {
	s := newLabServer(t, engine)
	ann := s.person(t, "ann@connect.hkust-gz.edu.cn", auth.Student)
	bo := s.person(t, "bo@hkust-gz.edu.cn", auth.Staff)
	labby := s.person(t, "labby@hkust-gz.edu.cn", auth.Staff, auth.Lab)
	vic := s.person(t, "vic@example.com", auth.Visitor)

	// The labs, their rooms and equipment, and her standing with each.
	code, b := s.do(t, ann, "GET", "/api/v1/labs?lang=zh", "")
	if code != 200 {
		t.Fatalf("GET /labs: %d %s", code, b)
	}
	labs := decode[struct{ Items []labAnswer }](t, "labs", b).Items
	if len(labs) != 2 || labs[0].ID != "NFF" || labs[0].Name != "NFF 实验室" || labs[0].Email != "nff@hkust-gz.edu.cn" ||
		len(labs[0].Rooms) != 2 || labs[0].Rooms[0].Ref != "C1-215" || !strings.HasPrefix(labs[0].Rooms[0].Place, "C1, ") ||
		len(labs[0].Equipment) != 1 || labs[0].Equipment[0].Name != "电子束光刻系统" || labs[0].Equipment[0].ID != "eq-nff-e01" ||
		labs[0].Member.Status != "none" || labs[0].Member.Profile != nil {
		t.Fatalf("labs: %s", b)
	}
	code, b = s.do(t, vic, "GET", "/api/v1/labs", "")
	bookingProblem(t, "a visitor lists the labs", 403, "", "role", code, b)
	code, b = s.do(t, "", "GET", "/api/v1/labs", "")
	bookingProblem(t, "nobody lists the labs", 401, "Authorization", "", code, b)
	code, b = s.do(t, ann, "GET", "/api/v1/labs?lang=fr", "")
	bookingProblem(t, "lang=fr", 400, "lang", "", code, b)

	// Her profile: the first time a pending membership (201), kept under
	// its key; again, while pending, updated (200).
	code, _, b = keyed(t, s.URL, ann, "p1", "POST", "/api/v1/labs/nff/profile", annProfile)
	m := decode[memberAnswer](t, "profile", b)
	if code != 201 || m.Status != "pending" || m.Profile == nil || m.Profile.Name != "Ann Lee 李安" || m.Applied == nil || m.Decided != nil {
		t.Fatalf("POST profile: %d %s", code, b)
	}
	if code, hdr, again := keyed(t, s.URL, ann, "p1", "POST", "/api/v1/labs/nff/profile", annProfile); code != 201 || hdr.Get("Idempotent-Replayed") != "true" || string(again) != string(b) {
		t.Errorf("the same key again: %d %v %s", code, hdr, again)
	}
	code, b = s.do(t, ann, "POST", "/api/v1/labs/NFF/profile", strings.Replace(annProfile, "Prof. Chan", "Prof. Li", 1))
	if m := decode[memberAnswer](t, "profile again", b); code != 200 || m.Status != "pending" || m.Profile.Supervisor != "Prof. Li" {
		t.Errorf("POST profile again: %d %s", code, b)
	}
	for _, c := range []struct{ what, body, param string }{
		{"no name", strings.Replace(annProfile, `"Ann Lee 李安"`, `""`, 1), "name"},
		{"no email", strings.Replace(annProfile, `"ann@connect.hkust-gz.edu.cn"`, `"ann at home"`, 1), "email"},
		{"a bad phone", strings.Replace(annProfile, `"+86 139 0000 0001"`, `"call me"`, 1), "phone"},
		{"a NUL", strings.Replace(annProfile, `Microelectronics`, `Micro\u0000`, 1), "department"},
		{"a long purpose", strings.Replace(annProfile, `e-beam`, strings.Repeat("x", 1001), 1), "purpose"},
		{"an unknown field", strings.Replace(annProfile, `"name"`, `"nickname": "a", "name"`, 1), "body"},
	} {
		code, b := s.do(t, ann, "POST", "/api/v1/labs/NFF/profile", c.body)
		bookingProblem(t, c.what, 400, c.param, "", code, b)
	}
	code, b = s.do(t, ann, "POST", "/api/v1/labs/MIT/profile", annProfile)
	bookingProblem(t, "no such lab", 404, "lab", "lab", code, b)
	code, b = s.do(t, vic, "POST", "/api/v1/labs/NFF/profile", annProfile)
	bookingProblem(t, "a visitor's profile", 403, "", "role", code, b)

	// The lab's staff see her pending; nobody else may look or decide.
	annID := userID(t, s.db, "ann@connect.hkust-gz.edu.cn")
	members := fmt.Sprintf("/api/v1/labs/NFF/members/%d", annID)
	for _, who := range []string{ann, bo} {
		code, b = s.do(t, who, "GET", "/api/v1/labs/NFF/members?status=pending", "")
		bookingProblem(t, "members without the duty", 403, "", "duty", code, b)
		code, b = s.do(t, who, "POST", members+"/approve", "")
		bookingProblem(t, "approving without the duty", 403, "", "duty", code, b)
	}
	code, b = s.do(t, labby, "GET", "/api/v1/labs/NFF/members?status=pending", "")
	page := decode[struct {
		Items []memberAnswer
		Next  *string
	}](t, "members", b)
	if code != 200 || len(page.Items) != 1 || page.Items[0].Person != annID || page.Items[0].Account != "ann@connect.hkust-gz.edu.cn" ||
		page.Items[0].Profile.Phone != "+86 139 0000 0001" || page.Next != nil {
		t.Fatalf("pending members: %d %s", code, b)
	}
	if code, b = s.do(t, labby, "GET", "/api/v1/labs/NICE/members?status=pending", ""); code != 200 || strings.Contains(string(b), "ann@") {
		t.Errorf("NICE's pending members: %d %s", code, b)
	}
	code, b = s.do(t, labby, "GET", "/api/v1/labs/NFF/members?status=maybe", "")
	bookingProblem(t, "status=maybe", 400, "status", "", code, b)
	code, b = s.do(t, labby, "POST", "/api/v1/labs/NFF/members/999999/approve", "")
	bookingProblem(t, "approving nobody", 404, "", "", code, b)
	code, b = s.do(t, labby, "POST", "/api/v1/labs/NFF/members/ann/approve", "")
	bookingProblem(t, "approving a name", 400, "person", "", code, b)

	// Before approval, no samples; rejected, she applies again; approved.
	sample := `{"what": "Si wafer with resist", "count": 2, "service": "EBL exposure", "note": "handle with gloves"}`
	code, b = s.do(t, ann, "POST", "/api/v1/labs/NFF/samples", sample)
	bookingProblem(t, "a sample before approval", 403, "", "not_member", code, b)
	code, b = s.do(t, labby, "POST", members+"/reject", `{"note": "ask your supervisor to sign"}`)
	if m := decode[memberAnswer](t, "reject", b); code != 200 || m.Status != "rejected" || m.Note != "ask your supervisor to sign" || m.Decided == nil {
		t.Fatalf("reject: %d %s", code, b)
	}
	code, b = s.do(t, labby, "POST", members+"/approve", "")
	bookingProblem(t, "approving a rejected membership", 409, "", "decided_already", code, b)
	if code, b = s.do(t, ann, "POST", "/api/v1/labs/NFF/profile", annProfile); code != 200 || decode[memberAnswer](t, "re-apply", b).Status != "pending" {
		t.Fatalf("re-applying: %d %s", code, b)
	}
	code, b = s.do(t, labby, "POST", members+"/approve", `{"note": "welcome"}`)
	if m := decode[memberAnswer](t, "approve", b); code != 200 || m.Status != "approved" {
		t.Fatalf("approve: %d %s", code, b)
	}
	code, b = s.do(t, ann, "POST", "/api/v1/labs/NFF/profile", annProfile)
	bookingProblem(t, "a profile once approved", 409, "", "member_already", code, b)
	code, b = s.do(t, ann, "GET", "/api/v1/labs", "")
	if labs := decode[struct{ Items []labAnswer }](t, "labs", b).Items; code != 200 || labs[0].Member.Status != "approved" || labs[0].Member.Note != "welcome" || labs[1].Member.Status != "none" {
		t.Errorf("her labs after approval: %s", b)
	}
	// The decisions are in the audit log, about her, by the lab's staff.
	es, err := s.db.AuditEntries(t.Context(), audit.Query{Subject: "ann@connect.hkust-gz.edu.cn", Kind: booking.AuditLabMember})
	if err != nil || len(es) != 2 || es[0].Decision != audit.Approve || es[1].Decision != audit.Reject || es[0].Place != "NFF" ||
		es[0].Actor != userID(t, s.db, "labby@hkust-gz.edu.cn") {
		t.Errorf("audit entries: %+v %v", es, err)
	}

	// Equipment: the booking service asks the store who is a member.
	annUser := auth.User{ID: annID, Email: "ann@connect.hkust-gz.edu.cn", Role: auth.Student}
	boUser := auth.User{ID: userID(t, s.db, "bo@hkust-gz.edu.cn"), Role: auth.Staff}
	at := time.Date(2026, 12, 8, 10, 0, 0, 0, bookNow.Location())
	if _, err := s.bookings.Book(t.Context(), boUser, booking.Request{Space: "eq-nff-e01", Start: at, End: at.Add(time.Hour)}); err == nil || !strings.Contains(err.Error(), "approved members") {
		t.Errorf("a non-member books NFF's equipment: %v", err)
	}
	if _, err := s.bookings.Book(t.Context(), annUser, booking.Request{Space: "eq-nff-e01", Start: at, End: at.Add(time.Hour)}); err != nil {
		t.Errorf("a member books NFF's equipment: %v", err)
	}
	if _, err := s.bookings.Book(t.Context(), annUser, booking.Request{Space: "eq-nice-e01", Start: at, End: at.Add(time.Hour)}); err == nil {
		t.Error("a member of NFF booked NICE's equipment")
	}

	// Samples: hers, submitted; the lab moves them forward only.
	code, _, b = keyed(t, s.URL, ann, "s1", "POST", "/api/v1/labs/NFF/samples", sample)
	first := decode[booking.SampleView](t, "sample", b)
	if code != 201 || first.Status != "submitted" || first.Count != 2 || first.Lab != "NFF" || first.Person != annID || first.Created.Location().String() == "UTC" {
		t.Fatalf("POST sample: %d %s", code, b)
	}
	if code, _, again := keyed(t, s.URL, ann, "s1", "POST", "/api/v1/labs/NFF/samples", sample); code != 201 || string(again) != string(b) {
		t.Errorf("the sample's key again: %d %s", code, again)
	}
	for _, c := range []struct{ what, body, param string }{
		{"no count", `{"what": "x", "service": "SEM"}`, "count"},
		{"count 0", `{"what": "x", "count": 0, "service": "SEM"}`, "count"},
		{"count 1001", `{"what": "x", "count": 1001, "service": "SEM"}`, "count"},
		{"no what", `{"what": " ", "count": 1, "service": "SEM"}`, "what"},
		{"no service", `{"what": "x", "count": 1}`, "service"},
		{"a count in words", `{"what": "x", "count": "two", "service": "SEM"}`, "body"},
	} {
		code, b := s.do(t, ann, "POST", "/api/v1/labs/NFF/samples", c.body)
		bookingProblem(t, c.what, 400, c.param, "", code, b)
	}
	code, b = s.do(t, bo, "POST", "/api/v1/labs/NFF/samples", sample)
	bookingProblem(t, "a sample from a non-member", 403, "", "not_member", code, b)
	code, b = s.do(t, ann, "POST", "/api/v1/labs/NICE/samples", sample)
	bookingProblem(t, "a sample to another lab", 403, "", "not_member", code, b)
	second := decode[booking.SampleView](t, "sample", func() []byte { _, b := s.do(t, ann, "POST", "/api/v1/labs/NFF/samples", sample); return b }())

	status := fmt.Sprintf("/api/v1/labs/NFF/samples/%d/status", first.ID)
	code, b = s.do(t, ann, "POST", status, `{"status": "received"}`)
	bookingProblem(t, "the sender moves her sample", 403, "", "duty", code, b)
	code, b = s.do(t, labby, "POST", status, `{"status": "received"}`)
	if v := decode[booking.SampleView](t, "received", b); code != 200 || v.Status != "received" {
		t.Fatalf("received: %d %s", code, b)
	}
	code, b = s.do(t, labby, "POST", status, `{"status": "submitted"}`)
	bookingProblem(t, "backwards", 409, "status", "not_forward", code, b)
	code, b = s.do(t, labby, "POST", status, `{"status": "received"}`)
	bookingProblem(t, "the same status again", 409, "status", "not_forward", code, b)
	code, b = s.do(t, labby, "POST", status, `{"status": "lost"}`)
	bookingProblem(t, "no such status", 400, "status", "", code, b)
	code, b = s.do(t, labby, "POST", status, `{}`)
	bookingProblem(t, "no status", 400, "status", "", code, b)
	code, b = s.do(t, labby, "POST", strings.Replace(status, "NFF", "NICE", 1), `{"status": "done"}`)
	bookingProblem(t, "a sample of another lab", 404, "", "", code, b)
	for _, st := range []string{"in_progress", "done", "returned"} {
		if code, b = s.do(t, labby, "POST", status, `{"status": "`+st+`"}`); code != 200 {
			t.Fatalf("%s: %d %s", st, code, b)
		}
	}
	// Lists: hers, the lab's all, by status, paged.
	code, b = s.do(t, ann, "GET", "/api/v1/labs/NFF/samples?limit=1", "")
	mine := decode[struct {
		Items []booking.SampleView
		Next  *string
	}](t, "samples", b)
	if code != 200 || len(mine.Items) != 1 || mine.Items[0].ID != second.ID || mine.Next == nil {
		t.Fatalf("her samples, page 1: %d %s", code, b)
	}
	code, b = s.do(t, ann, "GET", "/api/v1/labs/NFF/samples?limit=1&cursor="+*mine.Next, "")
	if more := decode[struct{ Items []booking.SampleView }](t, "samples", b); code != 200 || len(more.Items) != 1 || more.Items[0].Status != "returned" {
		t.Errorf("her samples, page 2: %d %s", code, b)
	}
	if code, b = s.do(t, bo, "GET", "/api/v1/labs/NFF/samples", ""); code != 200 || len(decode[struct{ Items []booking.SampleView }](t, "bo's", b).Items) != 0 {
		t.Errorf("Bo's samples: %d %s", code, b)
	}
	if code, b = s.do(t, labby, "GET", "/api/v1/labs/NFF/samples?status=submitted", ""); code != 200 ||
		len(decode[struct{ Items []booking.SampleView }](t, "submitted", b).Items) != 1 {
		t.Errorf("submitted samples: %d %s", code, b)
	}
	code, b = s.do(t, labby, "GET", "/api/v1/labs/NFF/samples?status=lost", "")
	bookingProblem(t, "samples status=lost", 400, "status", "", code, b)
	code, b = s.do(t, vic, "GET", "/api/v1/labs/NFF/samples", "")
	bookingProblem(t, "a visitor's samples", 403, "", "role", code, b)
	code, b = s.do(t, ann, "GET", "/api/v1/labs/NFF/samples?cursor=x", "")
	bookingProblem(t, "a bad cursor", 400, "cursor", "", code, b)
	code, b = s.do(t, ann, "GET", "/api/v1/labs/NFF/samples?lang=zh", "")
	if code != 200 {
		t.Errorf("samples in Chinese: %d %s", code, b)
	}
	// In Chinese, a problem's detail is Chinese.
	_, resp, b := send(t, s.URL, bo, "POST", "/api/v1/labs/NFF/samples?lang=zh", sample)
	if p := bookingProblem(t, "not a member, in Chinese", 403, "", "not_member", resp.StatusCode, b); !hasHan(p.Detail) || !hasHan(p.Title) {
		t.Errorf("a problem in Chinese: %+v", p)
	}
}

// userID is the id of the account email.
func userID(t *testing.T, db *store.DB, email string) int64 {
	t.Helper()
	u, _, err := db.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestLabsOff: without the labs, their routes are a 404.
func TestLabsOff(t *testing.T) {
	ts := testServer(t)
	for _, p := range []string{"/api/v1/labs", "/api/v1/labs/NFF/samples", "/api/v1/counselling/slots"} {
		code, _, b := call(t, ts, "student", "GET", p, "")
		if code != http.StatusNotFound {
			t.Errorf("GET %s without the service: %d %s", p, code, b)
		}
	}
}

// TestLabsOnTheCampus: the campus's own booking.json gives the labs
// their rooms and equipment, and counselling its rooms, as the services
// read them.
func TestLabsOnTheCampus(t *testing.T) {
	testServer(t) // loads the campus once
	db := openPayStore(t, "sqlite")
	svc, err := booking.New(campusDeps.Venue, db, booking.Options{Members: db})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(t.Context(), auth.User{Email: "ann@connect.hkust-gz.edu.cn", Role: auth.Student}, "x")
	if err != nil {
		t.Fatal(err)
	}
	labs, err := booking.NewLabs(svc, db).List(t.Context(), u, "zh")
	if err != nil || len(labs) != 2 {
		t.Fatalf("the campus's labs: %+v %v", labs, err)
	}
	for _, l := range labs {
		if l.Email == "" || len(l.Rooms) == 0 || len(l.Equipment) == 0 || l.Membership.Status != "none" || !hasHan(l.Name) {
			t.Errorf("lab %s: %+v", l.ID, l)
		}
		for _, e := range l.Equipment {
			if sp, ok := svc.Catalogue().Space(e.ID); !ok || !sp.Kind.LabMembers || sp.Lab == nil || sp.Lab.ID != l.ID {
				t.Errorf("%s's equipment %s is not a space only its members book", l.ID, e.Ref)
			}
		}
	}
	rooms := 0
	for _, sp := range svc.Catalogue().Spaces() {
		if sp.Kind.Type == booking.CounsellingType {
			rooms++
			if len(sp.Kind.Roles) != 0 {
				t.Errorf("counselling room %s is booked directly by %v", sp.Ref, sp.Kind.Roles)
			}
		}
	}
	if rooms == 0 {
		t.Error("the campus has no counselling rooms")
	}
}
