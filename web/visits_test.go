package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/jobs"
	"github.com/campusnav/engine/services/postgres"
	"github.com/campusnav/engine/services/postgres/pgtest"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/store"
	"github.com/campusnav/engine/services/visitor"
)

// visitNow is the visits' clock: 1 December 2026, 09:00 in Shanghai.
var visitNow = time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)

// tokenAuth signs in by token: each token names an account of the store,
// read afresh at each request (its duties as they stand).
type tokenAuth struct {
	db     *store.DB
	mu     sync.Mutex
	tokens map[string]string
}

func (a *tokenAuth) Login(context.Context, string, string, string) (auth.Session, error) {
	return auth.Session{}, auth.ErrCredentials
}

func (a *tokenAuth) Authenticate(ctx context.Context, token string) (auth.User, error) {
	a.mu.Lock()
	email, ok := a.tokens[token]
	a.mu.Unlock()
	if !ok {
		return auth.User{}, auth.ErrUnauthorized
	}
	u, _, err := a.db.UserByEmail(ctx, email)
	return u, err
}

func (a *tokenAuth) Logout(context.Context, string) error { return nil }

// jobLog is a job queue that keeps the jobs it is given, as JSON.
type jobLog struct {
	mu   sync.Mutex
	jobs []loggedJob
}

type loggedJob struct {
	Kind string
	Args map[string]any
}

func (l *jobLog) EnqueueTx(_ context.Context, _ *sql.Tx, kind string, args any) error {
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.jobs = append(l.jobs, loggedJob{kind, m})
	return nil
}

// of are the jobs of kind, taken out of the log.
func (l *jobLog) of(kind string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	rest := l.jobs[:0]
	for _, j := range l.jobs {
		if j.Kind == kind {
			out = append(out, j.Args)
		} else {
			rest = append(rest, j)
		}
	}
	l.jobs = rest
	return out
}

// visitSite is a server with the visitor service on a store of engine,
// its job log and its clock.
type visitSite struct {
	*httptest.Server
	db   *store.DB
	svc  *visitor.Service
	acc  *access.Service
	auth *tokenAuth
	jobs *jobLog
	now  *atomic.Pointer[time.Time]
	opts visitor.Options
}

func newVisitSite(t testing.TB, engine string, opts visitor.Options, deps ...func(*Deps, *visitSite)) *visitSite {
	t.Helper()
	testServer(t) // loads the campus once
	s := &visitSite{db: openVisitStore(t, engine), jobs: &jobLog{}, now: &atomic.Pointer[time.Time]{}}
	s.auth = &tokenAuth{db: s.db, tokens: map[string]string{}}
	s.db.SetQueue(s.jobs)
	s.now.Store(&visitNow)
	clock := func() time.Time { return *s.now.Load() }
	opts.Now, opts.PublicURL = clock, "https://map.example.edu"
	acc, err := access.New(s.db, campusDeps.Venue, campusDeps.Graph, access.Config{Now: clock, ReaderRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acc.Close)
	s.acc = acc
	opts.Passes = acc
	s.opts = opts
	s.svc = visitor.New(campusDeps.Venue, s.db, opts)
	acc.SetVisitors(s.svc)
	d := campusDeps
	d.Auth, d.Idempotency, d.Audit, d.Visits, d.VisitBuilding, d.Access = s.auth, s.db, s.db, s.svc, s.svc.VisitBuilding, acc
	for _, f := range deps {
		f(&d, s)
	}
	s.Server = httptest.NewServer(New(d, Config{Now: clock}).Handler())
	t.Cleanup(s.Close)
	return s
}

// openVisitStore is a fresh store of engine (PostgreSQL: skipped
// unless pgtest.URLEnv is set).
func openVisitStore(t testing.TB, engine string) *store.DB {
	t.Helper()
	if engine == "postgres" {
		if pgtest.URL() == "" {
			t.Skipf("%s is not set: the PostgreSQL half is skipped", pgtest.URLEnv)
		}
		pg, err := postgres.Open(t.Context(), pgtest.SchemaOf(t, pgtest.URL()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		return pg.DB
	}
	lite, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	return lite.DB
}

// person makes an account and answers a token of it.
func (s *visitSite) person(t testing.TB, email string, role auth.Role, duties ...auth.Duty) string {
	t.Helper()
	if _, err := s.db.CreateUser(t.Context(), auth.User{Email: email, Role: role, Created: visitNow}, ""); err != nil && !errors.Is(err, auth.ErrConflict) {
		t.Fatal(err)
	}
	for _, d := range duties {
		if _, err := s.db.SetDuty(t.Context(), auth.DutyChange{Email: email, Duty: d, Grant: true, At: visitNow}); err != nil {
			t.Fatal(err)
		}
	}
	tok := "tok-" + email
	s.auth.mu.Lock()
	s.auth.tokens[tok] = email
	s.auth.mu.Unlock()
	return tok
}

func (s *visitSite) at(t time.Time) { s.now.Store(&t) }

func (s *visitSite) do(t *testing.T, token, method, path, body string) (int, []byte) {
	t.Helper()
	code, _, b := keyed(t, s.URL, token, "", method, path, body)
	return code, b
}

// post sends a POST with an Idempotency-Key of its own.
func (s *visitSite) post(t *testing.T, token, path, body string) (int, []byte) {
	t.Helper()
	code, _, b := keyed(t, s.URL, token, fmt.Sprintf("k-%d", time.Now().UnixNano()), "POST", path, body)
	return code, b
}

type visitJSON struct {
	ID       int64
	Status   string
	Host     string
	Visitor  string
	Date     string
	From, To string
	StartsAt time.Time `json:"starts_at"`
	People   []struct {
		Name      string
		Phone     string
		IDKind    string     `json:"id_kind"`
		EnteredAt *time.Time `json:"entered_at"`
		LeftAt    *time.Time `json:"left_at"`
	}
	Mode     string
	Plate    *string
	Place    *visitor.PlaceView
	Source   string
	Approval string
	Note     string
}

func decodeVisit(t *testing.T, what string, code, want int, body []byte) visitJSON {
	t.Helper()
	var v visitJSON
	if code != want || json.Unmarshal(body, &v) != nil {
		t.Fatalf("%s: %d %s, want %d", what, code, body, want)
	}
	return v
}

type visitsPage struct {
	Items []visitJSON
	Next  *string
}

// idNumber is a PRC ID number with its check digit, distinct per n.
func idNumber(n int) string {
	first := fmt.Sprintf("44010619900307%03d", n%1000)
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range w {
		sum += int(first[i]-'0') * w[i]
	}
	return first + string("10X98765432"[sum%11])
}

// visitBody is a registration for host on day (days after 1 December)
// from 14:00 to 16:00 of one person with ID number n.
func visitBody(host string, day, n int, extra string) string {
	return fmt.Sprintf(`{"type":"business","reason":"project meeting","host":%q,"date":"2026-12-%02d","from":"14:00","to":"16:00",
		"people":[{"name":"Li Lei","phone":"13800000001","id_number":%q}],"mode":"foot"%s}`, host, 1+day, idNumber(n), extra)
}

// TestVisitsOverHTTP: registration, history, withdrawal and booking
// again, on both stores.
func TestVisitsOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testVisitsOverHTTP(t, engine) })
	}
}

func testVisitsOverHTTP(t *testing.T, engine string) {
	s := newVisitSite(t, engine, visitor.Options{})
	vis := s.person(t, "tel:+8613800000001", auth.Visitor)
	other := s.person(t, "tel:+8613800000002", auth.Visitor)
	host := s.person(t, "host@hkust-gz.edu.cn", auth.Staff)
	guard := s.person(t, "guard@hkust-gz.edu.cn", auth.Staff, auth.Security)
	student := s.person(t, "ann@connect.hkust-gz.edu.cn", auth.Student)

	code, body := s.post(t, vis, "/api/v1/visits", visitBody("Host@hkust-gz.edu.cn", 2, 1, `,"place":"C1"`))
	v := decodeVisit(t, "register", code, 201, body)
	if v.Status != visitor.Pending || v.Host != "host@hkust-gz.edu.cn" || v.Visitor != "tel:+8613800000001" || v.Date != "2026-12-03" ||
		v.From != "14:00" || v.To != "16:00" || v.StartsAt.Format(time.RFC3339) != "2026-12-03T14:00:00+08:00" || len(v.People) != 1 ||
		v.People[0].Phone != "+8613800000001" || v.People[0].IDKind != visitor.IDPRC || v.Place == nil || v.Place.Ref != "C1" ||
		v.Plate != nil || v.Source != visitor.SourceSelf || v.Approval != "host" {
		t.Errorf("registered: %s", body)
	}
	if strings.Contains(string(body), idNumber(1)) || strings.Contains(string(body), "id_number") {
		t.Errorf("the answer shows the ID number: %s", body)
	}
	var hashes int
	s.db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM visit_people WHERE id_hash IS NOT NULL AND length(id_hash) = 32").Scan(&hashes)
	if hashes != 1 {
		t.Errorf("%d ID hashes kept, want 1 of 32 bytes", hashes)
	}
	for _, c := range []struct {
		token, body, param string
		status             int
	}{
		{vis, visitBody("host@hkust-gz.edu.cn", 2, 2, `,"people":[]`), "people", 400}, // the last of a field twice
		{vis, strings.Replace(visitBody("host@hkust-gz.edu.cn", 2, 2, ""), idNumber(2), idNumber(2)[:17]+"Y", 1), "people[0].id_number", 400},
		{vis, visitBody("nobody@hkust-gz.edu.cn", 2, 2, ""), "host", 400},
		{vis, visitBody("tel:+8613800000002", 2, 2, ""), "host", 400},
		{vis, visitBody("host@hkust-gz.edu.cn", 40, 2, ""), "date", 400},
		{vis, visitBody("host@hkust-gz.edu.cn", -1, 2, ""), "date", 400},
		{vis, strings.Replace(visitBody("host@hkust-gz.edu.cn", 2, 2, ""), `"foot"`, `"car"`, 1), "plate", 400},
		{vis, strings.Replace(visitBody("host@hkust-gz.edu.cn", 2, 2, `,"plate":"粤A1234"`), `"foot"`, `"car"`, 1), "plate", 400},
		{vis, strings.Replace(visitBody("host@hkust-gz.edu.cn", 2, 2, ""), `"16:00"`, `"13:00"`, 1), "to", 400},
		{vis, strings.Replace(visitBody("host@hkust-gz.edu.cn", 2, 2, ""), `"business"`, `"party"`, 1), "type", 400},
		{vis, visitBody("host@hkust-gz.edu.cn", 2, 2, `,"place":"D1"`), "place", 400},
		{vis, visitBody("host@hkust-gz.edu.cn", 2, 2, `,"place":"Mars"`), "place", 400},
		{host, visitBody("host@hkust-gz.edu.cn", 2, 2, ""), "", 403},
		{"", visitBody("host@hkust-gz.edu.cn", 2, 2, ""), "Authorization", 401},
	} {
		code, body := s.post(t, c.token, "/api/v1/visits", c.body)
		p := bookingProblem(t, c.body, c.status, c.param, "", code, body)
		if c.status == 400 && c.param != "" && p.Detail == "" {
			t.Errorf("%s: no detail", c.body)
		}
	}
	// In Chinese.
	_, _, zh := keyed(t, s.URL, vis, "zh-1", "POST", "/api/v1/visits?lang=zh", visitBody("nobody@hkust-gz.edu.cn", 2, 2, ""))
	if !strings.Contains(string(zh), "没有邮箱为") {
		t.Errorf("in Chinese: %s", zh)
	}
	// Idempotent: the same key answers the same visit.
	c1, _, b1 := keyed(t, s.URL, vis, "same", "POST", "/api/v1/visits", visitBody("host@hkust-gz.edu.cn", 3, 3, ""))
	c2, _, b2 := keyed(t, s.URL, vis, "same", "POST", "/api/v1/visits", visitBody("host@hkust-gz.edu.cn", 3, 3, ""))
	if c1 != 201 || c2 != 201 || string(b1) != string(b2) {
		t.Errorf("the same key twice: %d %s / %d %s", c1, b1, c2, b2)
	}

	// Who sees it.
	path := fmt.Sprintf("/api/v1/visits/%d", v.ID)
	for tok, want := range map[string]int{vis: 200, host: 200, guard: 200, other: 404, student: 404} {
		if code, body := s.do(t, tok, "GET", path, ""); code != want {
			t.Errorf("GET %s as %s: %d %s, want %d", path, tok, code, body, want)
		}
	}
	// History, paged.
	var page visitsPage
	if code, body := s.do(t, vis, "GET", "/api/v1/me/visits?limit=1", ""); code != 200 || json.Unmarshal(body, &page) != nil ||
		len(page.Items) != 1 || page.Next == nil {
		t.Fatalf("history: %d %s", code, body)
	}
	if code, body := s.do(t, vis, "GET", "/api/v1/me/visits?limit=5&cursor="+*page.Next, ""); code != 200 || json.Unmarshal(body, &page) != nil ||
		len(page.Items) != 1 || page.Items[0].ID != v.ID || page.Next != nil {
		t.Fatalf("history's second page: %d %s", code, body)
	}

	// Withdraw: only its visitor, once.
	if code, _ := s.do(t, other, "POST", path+"/withdraw", ""); code != 404 {
		t.Errorf("another visitor withdraws: %d", code)
	}
	code, body = s.do(t, vis, "POST", path+"/withdraw", "")
	w := decodeVisit(t, "withdraw", code, 200, body)
	if w.Status != visitor.Withdrawn {
		t.Errorf("withdrawn: %s", body)
	}
	code, body = s.do(t, vis, "POST", path+"/withdraw", "")
	bookingProblem(t, "withdraw again", 409, "", "status", code, body)

	// Book it again on another day: the same people, host and place.
	code, body = s.post(t, vis, path+"/again", `{"date":"2026-12-10","from":"09:30","to":"11:00"}`)
	a := decodeVisit(t, "again", code, 201, body)
	if a.ID == v.ID || a.Status != visitor.Pending || a.Date != "2026-12-10" || a.From != "09:30" || len(a.People) != 1 ||
		a.People[0].Name != "Li Lei" || a.Place == nil || a.Place.Ref != "C1" || a.Host != v.Host {
		t.Errorf("booked again: %s", body)
	}
	code, body = s.post(t, vis, path+"/again", `{"date":"2026-12-10","from":"11:00","to":"09:30"}`)
	bookingProblem(t, "again, backwards", 400, "to", "", code, body)
	code, body = s.post(t, other, path+"/again", `{"date":"2026-12-10","from":"09:00","to":"11:00"}`)
	bookingProblem(t, "another's again", 404, "", "", code, body)

	// Bounds: a visitor's pending visits.
	pending := 2 // the one booked again, and the idempotent one
	for n := 10; pending < visitor.MaxPendingPerVisitor; n++ {
		code, body := s.post(t, vis, "/api/v1/visits", visitBody("host@hkust-gz.edu.cn", 4, n, ""))
		decodeVisit(t, "more", code, 201, body)
		pending++
	}
	code, body = s.post(t, vis, "/api/v1/visits", visitBody("host@hkust-gz.edu.cn", 4, 99, ""))
	bookingProblem(t, "one pending too many", 409, "", "too_many_pending", code, body)
}

type invitedJSONT struct {
	ID        int64
	Code      string
	URL       string
	Status    string
	Phone     string
	Visit     *int64
	ExpiresAt time.Time `json:"expires_at"`
	Place     *visitor.PlaceView
}

type invitationsPage struct {
	Items []invitedJSONT
	Next  *string
}

func inviteBody(phone string, day int, place string) string {
	return fmt.Sprintf(`{"name":"Wang Fang","phone":%q,"date":"2026-12-%02d","from":"10:00","to":"12:00","reason":"thesis defence","place":%q}`,
		phone, 1+day, place)
}

func acceptBody(n int) string {
	return fmt.Sprintf(`{"people":[{"name":"Wang Fang","id_number":%q}],"mode":"car","plate":"粤B 12345"}`, idNumber(n))
}

// TestInvitationsOverHTTP: a host invites, the visitor is texted and
// accepts with the same phone, the visit is approved; single use,
// withdrawal, expiry; on both stores.
func TestInvitationsOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testInvitationsOverHTTP(t, engine) })
	}
}

func testInvitationsOverHTTP(t *testing.T, engine string) {
	s := newVisitSite(t, engine, visitor.Options{})
	host := s.person(t, "host@hkust-gz.edu.cn", auth.Staff)
	student := s.person(t, "ann@connect.hkust-gz.edu.cn", auth.Student)
	fang := s.person(t, "tel:+8613900000001", auth.Visitor)
	stranger := s.person(t, "tel:+8613900000002", auth.Visitor)

	code, body := s.post(t, host, "/api/v1/invitations", inviteBody("139 0000 0001", 2, "C1-101"))
	var inv invitedJSONT
	if code != 201 || json.Unmarshal(body, &inv) != nil || inv.Code == "" || !strings.HasSuffix(inv.URL, "?invitation="+inv.Code) ||
		inv.Status != visitor.InvitationOpen || inv.Phone != "+8613900000001" || inv.Place == nil || inv.Place.Unit == "" ||
		inv.ExpiresAt.Format(time.RFC3339) != "2026-12-03T12:00:00+08:00" {
		t.Fatalf("invite: %d %s", code, body)
	}
	texts := s.jobs.of(visitor.KindText)
	if len(texts) != 1 || texts[0]["phone"] != "+8613900000001" || !strings.Contains(texts[0]["text"].(string), inv.URL) ||
		!strings.Contains(texts[0]["text"].(string), "邀请您") {
		t.Errorf("texts %v", texts)
	}
	for _, c := range []struct {
		token, body, param string
		status             int
	}{
		{host, inviteBody("139 0000 0001", 2, ""), "place", 400},
		{host, inviteBody("", 2, "C1"), "phone", 400},
		{host, inviteBody("12345", 2, "C1"), "phone", 400},
		{host, inviteBody("13900000001", 31, "C1"), "date", 400},
		{host, inviteBody("13900000001", 2, "D2"), "place", 400},
		{fang, inviteBody("13900000001", 2, "C1"), "", 403},
	} {
		code, body := s.post(t, c.token, "/api/v1/invitations", c.body)
		bookingProblem(t, c.body, c.status, c.param, "", code, body)
	}
	accept := "/api/v1/invitations/" + inv.Code + "/accept"
	code, body = s.post(t, stranger, accept, acceptBody(1))
	bookingProblem(t, "another phone accepts", 403, "", "wrong_phone", code, body)
	code, body = s.post(t, fang, "/api/v1/invitations/"+strings.Repeat("x", 22)+"/accept", acceptBody(1))
	bookingProblem(t, "no such code", 404, "", "", code, body)
	code, body = s.post(t, fang, accept, `{"people":[{"name":"Wang Fang","id_number":"123"}]}`)
	bookingProblem(t, "a bad ID number", 400, "people[0].id_number", "", code, body)
	// A watchlisted plate is refused, neutrally; the invitation stays open.
	guard := s.person(t, "guard@hkust-gz.edu.cn", auth.Staff, auth.Security)
	code, body = s.post(t, guard, "/api/v1/watchlist", `{"kind":"plate","value":"粤B12345"}`)
	var entry struct{ ID int64 }
	if code != 201 || json.Unmarshal(body, &entry) != nil {
		t.Fatalf("watchlist: %d %s", code, body)
	}
	code, body = s.post(t, fang, accept, acceptBody(1))
	bookingProblem(t, "a watchlisted plate accepts", 403, "", "not_accepted", code, body)
	if mails := s.jobs.of("mail"); len(mails) != 1 || mails[0]["To"] != "guard@hkust-gz.edu.cn" {
		t.Errorf("alerts %v", mails)
	}
	if code, body := s.do(t, guard, "DELETE", fmt.Sprintf("/api/v1/watchlist/%d", entry.ID), ""); code != 204 {
		t.Fatalf("unlist: %d %s", code, body)
	}
	code, body = s.post(t, fang, accept, acceptBody(1))
	v := decodeVisit(t, "accept", code, 201, body)
	if v.Status != visitor.Approved || v.Source != visitor.SourceInvitation || v.Host != "host@hkust-gz.edu.cn" || v.Place == nil ||
		v.Place.Unit != inv.Place.Unit || v.Plate == nil || *v.Plate != "粤B12345" || v.Date != "2026-12-03" || v.From != "10:00" {
		t.Errorf("accepted: %s", body)
	}
	code, body = s.post(t, fang, accept, acceptBody(1))
	bookingProblem(t, "accept twice", 409, "", "used", code, body)
	// The host's history.
	var page invitationsPage
	if code, body := s.do(t, host, "GET", "/api/v1/invitations?limit=5", ""); code != 200 || json.Unmarshal(body, &page) != nil ||
		len(page.Items) != 1 || page.Items[0].Status != visitor.InvitationAccepted || page.Items[0].Visit == nil || *page.Items[0].Visit != v.ID ||
		strings.Contains(string(body), inv.Code) {
		t.Fatalf("invitations: %d %s", code, body)
	}
	if code, body := s.do(t, fang, "GET", "/api/v1/invitations", ""); code != 403 {
		t.Errorf("a visitor's invitations: %d %s", code, body)
	}
	// Withdraw the accepted one: its visit is withdrawn, the visitor texted.
	if code, body := s.do(t, student, "POST", fmt.Sprintf("/api/v1/invitations/%d/withdraw", inv.ID), ""); code != 404 {
		t.Errorf("another host withdraws: %d %s", code, body)
	}
	code, body = s.do(t, host, "POST", fmt.Sprintf("/api/v1/invitations/%d/withdraw", inv.ID), "")
	if code != 200 || !strings.Contains(string(body), `"withdrawn"`) {
		t.Fatalf("withdraw: %d %s", code, body)
	}
	if code, body := s.do(t, fang, "GET", fmt.Sprintf("/api/v1/visits/%d", v.ID), ""); code != 200 || !strings.Contains(string(body), `"status":"withdrawn"`) {
		t.Errorf("the visit after: %d %s", code, body)
	}
	if texts := s.jobs.of(visitor.KindText); len(texts) != 1 || texts[0]["phone"] != "+8613900000001" || !strings.Contains(texts[0]["text"].(string), "withdrawn") {
		t.Errorf("texts %v", texts)
	}
	code, body = s.do(t, host, "POST", fmt.Sprintf("/api/v1/invitations/%d/withdraw", inv.ID), "")
	bookingProblem(t, "withdraw twice", 409, "", "status", code, body)

	// A withdrawn invitation is not accepted; an expired one neither.
	code, body = s.post(t, host, "/api/v1/invitations", inviteBody("13900000001", 9, "C3"))
	var second invitedJSONT
	if code != 201 || json.Unmarshal(body, &second) != nil {
		t.Fatalf("invite: %d %s", code, body)
	}
	s.do(t, host, "POST", fmt.Sprintf("/api/v1/invitations/%d/withdraw", second.ID), "")
	code, body = s.post(t, fang, "/api/v1/invitations/"+second.Code+"/accept", acceptBody(2))
	bookingProblem(t, "accept withdrawn", 409, "", "withdrawn", code, body)
	code, body = s.post(t, host, "/api/v1/invitations", inviteBody("13900000001", 20, "C3"))
	var third invitedJSONT
	if code != 201 || json.Unmarshal(body, &third) != nil {
		t.Fatalf("invite: %d %s", code, body)
	}
	if !third.ExpiresAt.Equal(visitNow.Add(visitor.InvitationTTL)) {
		t.Errorf("expires at %s, want 7 days from now", third.ExpiresAt)
	}
	s.at(visitNow.Add(visitor.InvitationTTL))
	code, body = s.post(t, fang, "/api/v1/invitations/"+third.Code+"/accept", acceptBody(3))
	bookingProblem(t, "accept expired", 409, "", "expired", code, body)
	if code, body := s.do(t, host, "GET", "/api/v1/invitations?limit=1", ""); code != 200 || json.Unmarshal(body, &page) != nil ||
		page.Items[0].Status != visitor.InvitationExpired {
		t.Errorf("expired in the list: %d %s", code, body)
	}
}

// TestVisitApprovalOverHTTP: the host's queue, decisions (a place is
// needed to approve), the visitor texted, the home's summary and
// calendar, the map's window; on both stores.
func TestVisitApprovalOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testVisitApprovalOverHTTP(t, engine) })
	}
}

func testVisitApprovalOverHTTP(t *testing.T, engine string) {
	s := newVisitSite(t, engine, visitor.Options{})
	vis := s.person(t, "tel:+8613800000001", auth.Visitor)
	host := s.person(t, "host@hkust-gz.edu.cn", auth.Staff)
	other := s.person(t, "other@hkust-gz.edu.cn", auth.Staff)
	code, body := s.post(t, vis, "/api/v1/visits", visitBody("host@hkust-gz.edu.cn", 0, 1, "")) // today 14:00-16:00, no place
	first := decodeVisit(t, "register", code, 201, body)
	code, body = s.post(t, vis, "/api/v1/visits", visitBody("host@hkust-gz.edu.cn", 5, 2, `,"place":"C3"`))
	second := decodeVisit(t, "register", code, 201, body)
	s.jobs.of(visitor.KindText)

	var page visitsPage
	if code, body := s.do(t, host, "GET", "/api/v1/visits?as=host&status=pending&limit=1", ""); code != 200 || json.Unmarshal(body, &page) != nil ||
		len(page.Items) != 1 || page.Items[0].ID != second.ID || page.Next == nil {
		t.Fatalf("queue: %d %s", code, body)
	}
	if code, body := s.do(t, other, "GET", "/api/v1/visits?as=host&status=pending", ""); code != 200 || json.Unmarshal(body, &page) != nil || len(page.Items) != 0 {
		t.Errorf("another host's queue: %d %s", code, body)
	}
	code, body = s.do(t, host, "GET", "/api/v1/visits?as=visitor", "")
	bookingProblem(t, "as visitor", 400, "as", "", code, body)
	code, body = s.do(t, host, "GET", "/api/v1/visits?as=host&status=maybe", "")
	bookingProblem(t, "status maybe", 400, "status", "", code, body)
	code, body = s.do(t, vis, "GET", "/api/v1/visits?as=host", "")
	bookingProblem(t, "a visitor's queue", 403, "", "", code, body)

	path := fmt.Sprintf("/api/v1/visits/%d", first.ID)
	code, body = s.do(t, host, "POST", path+"/approve", `{"note":"see you"}`)
	bookingProblem(t, "approve without a place", 400, "place", "", code, body)
	code, body = s.do(t, other, "POST", path+"/approve", `{"place":"C1"}`)
	bookingProblem(t, "another host approves", 404, "", "", code, body)
	code, body = s.do(t, vis, "POST", path+"/approve", `{"place":"C1"}`)
	bookingProblem(t, "the visitor approves", 403, "", "", code, body)
	code, body = s.do(t, host, "POST", path+"/approve", `{"note":"see you at the lobby","place":"C1"}`)
	v := decodeVisit(t, "approve", code, 200, body)
	if v.Status != visitor.Approved || v.Note != "see you at the lobby" || v.Place == nil || v.Place.Ref != "C1" {
		t.Errorf("approved: %s", body)
	}
	texts := s.jobs.of(visitor.KindText)
	if len(texts) != 1 || texts[0]["phone"] != "+8613800000001" || !strings.Contains(texts[0]["text"].(string), "approved") ||
		!strings.Contains(texts[0]["text"].(string), "已批准") {
		t.Errorf("texts %v", texts)
	}
	code, body = s.do(t, host, "POST", path+"/approve", `{"place":"C1"}`)
	bookingProblem(t, "approve twice", 409, "", "status", code, body)
	code, body = s.do(t, host, "POST", fmt.Sprintf("/api/v1/visits/%d/reject", second.ID), `{"note":"I am away that week"}`)
	r := decodeVisit(t, "reject", code, 200, body)
	if r.Status != visitor.Rejected {
		t.Errorf("rejected: %s", body)
	}
	if texts := s.jobs.of(visitor.KindText); len(texts) != 1 || !strings.Contains(texts[0]["text"].(string), "I am away that week") {
		t.Errorf("texts %v", texts)
	}
	var n int
	s.db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM audit_log WHERE kind = 'visit_decided'").Scan(&n)
	if n != 2 {
		t.Errorf("%d decisions audit logged, want 2", n)
	}

	// The home: one approved today, pending one more.
	s.post(t, vis, "/api/v1/visits", visitBody("host@hkust-gz.edu.cn", 9, 3, ""))
	if code, body := s.do(t, host, "GET", "/api/v1/visits/summary", ""); code != 200 ||
		!strings.Contains(string(body), `"pending":1,"today":1,"upcoming":1,"open_invitations":0`) {
		t.Errorf("summary: %d %s", code, body)
	}
	var cal struct {
		Month string
		Days  []visitor.Day
	}
	if code, body := s.do(t, host, "GET", "/api/v1/visits/calendar?month=2026-12", ""); code != 200 || json.Unmarshal(body, &cal) != nil ||
		cal.Month != "2026-12" || len(cal.Days) != 2 || cal.Days[0] != (visitor.Day{Date: "2026-12-01", Approved: 1, People: 1}) ||
		cal.Days[1] != (visitor.Day{Date: "2026-12-10", Pending: 1, People: 1}) {
		t.Errorf("calendar: %d %s", code, body)
	}
	if code, body := s.do(t, host, "GET", "/api/v1/visits/calendar", ""); code != 200 || !strings.Contains(string(body), `"month":"2026-12"`) {
		t.Errorf("this month's calendar: %d %s", code, body)
	}
	code, body = s.do(t, host, "GET", "/api/v1/visits/calendar?month=December", "")
	bookingProblem(t, "a bad month", 400, "month", "", code, body)

	// The map's window: the visit opens C1 from 14:00 to 16:00 only.
	u, _, _ := s.db.UserByEmail(t.Context(), "tel:+8613800000001")
	for at, want := range map[time.Time]bool{visitNow: false, v.StartsAt: true, v.StartsAt.Add(119 * time.Minute): true, v.StartsAt.Add(2 * time.Hour): false} {
		b, err := s.svc.VisitBuilding(t.Context(), u.ID, at)
		if err != nil || (b != "") != want || want && b != campusBuilding(t, "C1") {
			t.Errorf("the building at %s: %q %v, want %v", at, b, err, want)
		}
	}
}

// campusBuilding is the IMDF id of the building of reference ref.
func campusBuilding(t *testing.T, ref string) string {
	for _, b := range campusDeps.Venue.Buildings {
		if b.Ref == ref {
			return b.ID
		}
	}
	t.Fatalf("no building %s", ref)
	return ""
}

// TestVisitWebhookOverHTTP: with an office workflow, a registration is
// POSTed to a real HTTP server, signed; the workflow's signed callback
// decides; the host's queue does not; stale, forged and replayed
// callbacks; on both stores.
func TestVisitWebhookOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testVisitWebhookOverHTTP(t, engine) })
	}
}

func testVisitWebhookOverHTTP(t *testing.T, engine string) {
	secret := []byte("a secret of the office workflow")
	s := newVisitSite(t, engine, visitor.Options{Webhook: true, WebhookSecret: secret})
	vis := s.person(t, "tel:+8613800000001", auth.Visitor)
	host := s.person(t, "host@hkust-gz.edu.cn", auth.Staff)
	var mu sync.Mutex
	var received []visitor.Submission
	office := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := visitor.VerifyWebhook(secret, r.Header.Get(visitor.WebhookTimestamp), r.Header.Get(visitor.WebhookSignature), b, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var sub visitor.Submission
		json.Unmarshal(b, &sub)
		mu.Lock()
		received = append(received, sub)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer office.Close()

	code, body := s.post(t, vis, "/api/v1/visits", visitBody("host@hkust-gz.edu.cn", 2, 1, ""))
	v := decodeVisit(t, "register", code, 201, body)
	if v.Approval != "external" {
		t.Errorf("approval %q, want external", v.Approval)
	}
	subs := s.jobs.of(visitor.KindWebhook)
	if len(subs) != 1 {
		t.Fatalf("webhook jobs %v", subs)
	}
	if err := jobs.DeliverWebhook(t.Context(), office.Client(), office.URL, secret, []byte(subs[0]["body"].(string)), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := jobs.DeliverWebhook(t.Context(), office.Client(), office.URL, []byte("wrong"), []byte(subs[0]["body"].(string)), time.Now()); !errors.Is(err, jobs.ErrWebhookRefused) {
		t.Errorf("signed with another key: %v", err)
	}
	mu.Lock()
	if len(received) != 1 || received[0].Event != visitor.EventSubmitted || received[0].Visit.ID != v.ID ||
		received[0].Callback != "https://map.example.edu/api/v1/visits/webhook" || len(received[0].Visit.People) != 1 {
		t.Errorf("received %+v", received)
	}
	mu.Unlock()

	// The host's queue shows it, but does not decide.
	path := fmt.Sprintf("/api/v1/visits/%d", v.ID)
	code, body = s.do(t, host, "POST", path+"/approve", `{"place":"C1"}`)
	bookingProblem(t, "the host approves", 409, "", "external_approval", code, body)

	callback := func(at time.Time, key []byte, cb string) (int, []byte) {
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/visits/webhook", strings.NewReader(cb))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(visitor.WebhookTimestamp, fmt.Sprint(at.Unix()))
		req.Header.Set(visitor.WebhookSignature, visitor.SignWebhook(key, at.Unix(), []byte(cb)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	approve := fmt.Sprintf(`{"visit":%d,"decision":"approve","note":"approved by the office","place":"C1-101"}`, v.ID)
	code, body = callback(visitNow, []byte("forged"), approve)
	bookingProblem(t, "forged", 401, visitor.WebhookSignature, "", code, body)
	code, body = callback(visitNow.Add(-visitor.WebhookWindow-time.Second), secret, approve)
	bookingProblem(t, "stale", 401, visitor.WebhookSignature, "", code, body)
	code, body = callback(visitNow, secret, `{"visit":1,"decision":"maybe"}`)
	bookingProblem(t, "maybe", 400, "decision", "", code, body)
	code, body = callback(visitNow, secret, approve)
	a := decodeVisit(t, "approved by the office", code, 200, body)
	if a.Status != visitor.Approved || a.Place == nil || a.Place.Ref != "C1-101" || a.Note != "approved by the office" {
		t.Errorf("approved: %s", body)
	}
	if texts := s.jobs.of(visitor.KindText); len(texts) != 1 || texts[0]["phone"] != "+8613800000001" {
		t.Errorf("texts %v", texts)
	}
	// Replayed within the window: the same answer, nothing new.
	code, body = callback(visitNow.Add(time.Minute), secret, approve)
	if again := decodeVisit(t, "replayed", code, 200, body); again.Status != visitor.Approved {
		t.Errorf("replayed: %s", body)
	}
	if texts := s.jobs.of(visitor.KindText); len(texts) != 0 {
		t.Errorf("a replay texted again: %v", texts)
	}
	code, body = callback(visitNow, secret, fmt.Sprintf(`{"visit":%d,"decision":"reject"}`, v.ID))
	bookingProblem(t, "reject after approving", 409, "", "status", code, body)
	var n int
	s.db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM audit_log WHERE kind = 'visit_decided' AND actor = 0").Scan(&n)
	if n != 1 {
		t.Errorf("%d decisions by the workflow audit logged, want 1", n)
	}
}

// TestWatchlistOverHTTP: security keeps the watchlist; a matching
// visitor is refused neutrally, security is told; on both stores.
func TestWatchlistOverHTTP(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testWatchlistOverHTTP(t, engine) })
	}
}

func testWatchlistOverHTTP(t *testing.T, engine string) {
	s := newVisitSite(t, engine, visitor.Options{})
	vis := s.person(t, "tel:+8613800000001", auth.Visitor)
	s.person(t, "host@hkust-gz.edu.cn", auth.Staff)
	guard := s.person(t, "guard@hkust-gz.edu.cn", auth.Staff, auth.Security)
	staff := s.person(t, "staff@hkust-gz.edu.cn", auth.Staff)

	code, body := s.post(t, guard, "/api/v1/watchlist", `{"kind":"id_number","value":"`+idNumber(5)+`","note":"trespass 2026-10"}`)
	var w struct {
		ID      int64
		Kind    string
		Value   *string
		Note    string
		AddedBy string `json:"added_by"`
	}
	if code != 201 || json.Unmarshal(body, &w) != nil || w.Value != nil || w.AddedBy != "guard@hkust-gz.edu.cn" || strings.Contains(string(body), idNumber(5)) {
		t.Fatalf("add: %d %s", code, body)
	}
	for _, c := range []struct {
		token, body, param, code string
		status                   int
	}{
		{guard, `{"kind":"id_number","value":"` + idNumber(5) + `"}`, "value", "exists", 409},
		{guard, `{"kind":"id_number","value":"123"}`, "value", "", 400},
		{guard, `{"kind":"shoe","value":"42"}`, "kind", "", 400},
		{guard, `{"kind":"plate","value":"粤A-1234"}`, "value", "", 400},
		{staff, `{"kind":"name","value":"Li Lei"}`, "", "", 403},
	} {
		code, body := s.post(t, c.token, "/api/v1/watchlist", c.body)
		bookingProblem(t, c.body, c.status, c.param, c.code, code, body)
	}
	for _, b := range []string{`{"kind":"plate","value":"粤B 99999"}`, `{"kind":"phone","value":"13800000077"}`, `{"kind":"name","value":"  ZHANG  San "}`} {
		if code, body := s.post(t, guard, "/api/v1/watchlist", b); code != 201 {
			t.Fatalf("add %s: %d %s", b, code, body)
		}
	}
	var page struct{ Items []map[string]any }
	if code, body := s.do(t, guard, "GET", "/api/v1/watchlist?limit=10", ""); code != 200 || json.Unmarshal(body, &page) != nil || len(page.Items) != 4 ||
		page.Items[0]["value"] != "zhang san" {
		t.Errorf("list: %d %s", code, body)
	}
	if code, _ := s.do(t, staff, "GET", "/api/v1/watchlist", ""); code != 403 {
		t.Errorf("staff lists: %d", code)
	}
	s.jobs.of("mail")

	// Each kind refuses a registration, neutrally.
	for _, c := range []struct{ name, body string }{
		{"id number", visitBody("host@hkust-gz.edu.cn", 2, 5, "")},
		{"plate", strings.Replace(visitBody("host@hkust-gz.edu.cn", 2, 6, `,"plate":"粤B99999"`), `"foot"`, `"car"`, 1)},
		{"phone", strings.Replace(visitBody("host@hkust-gz.edu.cn", 2, 7, ""), "13800000001", "13800000077", 1)},
		{"name", strings.Replace(visitBody("host@hkust-gz.edu.cn", 2, 8, ""), "Li Lei", "Zhang San", 1)},
	} {
		code, body := s.post(t, vis, "/api/v1/visits", c.body)
		p := bookingProblem(t, c.name, 403, "", "not_accepted", code, body)
		if strings.Contains(strings.ToLower(p.Detail), "watch") || strings.Contains(string(body), "名单") {
			t.Errorf("%s: the answer tells of the watchlist: %s", c.name, body)
		}
	}
	var refused int
	s.db.SQL().QueryRowContext(t.Context(), "SELECT count(*) FROM audit_log WHERE kind = 'visit_refused' AND subject = 'tel:+8613800000001'").Scan(&refused)
	if refused != 4 {
		t.Errorf("%d refusals audit logged, want 4", refused)
	}
	if mails := s.jobs.of("mail"); len(mails) != 4 || mails[0]["To"] != "guard@hkust-gz.edu.cn" {
		t.Errorf("alerts %v", mails)
	}
	// Removed, the visitor may register.
	if code, body := s.do(t, staff, "DELETE", fmt.Sprintf("/api/v1/watchlist/%d", w.ID), ""); code != 403 {
		t.Errorf("staff removes: %d %s", code, body)
	}
	if code, body := s.do(t, guard, "DELETE", fmt.Sprintf("/api/v1/watchlist/%d", w.ID), ""); code != 204 {
		t.Fatalf("remove: %d %s", code, body)
	}
	if code, _ := s.do(t, guard, "DELETE", fmt.Sprintf("/api/v1/watchlist/%d", w.ID), ""); code != 404 {
		t.Errorf("remove twice: %d", code)
	}
	code, body = s.post(t, vis, "/api/v1/visits", visitBody("host@hkust-gz.edu.cn", 2, 5, ""))
	decodeVisit(t, "after the removal", code, 201, body)
}

// TestVisitOpensItsBuilding: the visitor service wired as the server's
// VisitBuilding: an approved visit to C1 shows a C1 office to its
// visitor's search during the window only; a visit still pending
// nothing.
func TestVisitOpensItsBuilding(t *testing.T) {
	s := newVisitSite(t, "sqlite", visitor.Options{})
	vis := s.person(t, "tel:+8613800000001", auth.Visitor)
	host := s.person(t, "host@hkust-gz.edu.cn", auth.Staff)
	staff := campusDeps.Venue.View(geo.Staff)
	var office *geo.Unit
	for _, u := range campusDeps.Venue.Units {
		if u.Category == "office" && u.Ref != "" && !u.Restricted && u.Level != nil && u.Level.Building() != nil &&
			u.Level.Building().Ref == "C1" && staff.Sees(u) {
			office = u
			break
		}
	}
	if office == nil {
		t.Fatal("no office in C1")
	}
	code, b := s.post(t, vis, "/api/v1/visits", visitBody("host@hkust-gz.edu.cn", 0, 1, `,"place":"`+office.Ref+`"`))
	v := decodeVisit(t, "register", code, 201, b)
	search := func() bool {
		code, b := s.do(t, vis, "GET", "/api/v1/search?q="+url.QueryEscape(office.Ref), "")
		if code != 200 {
			t.Fatalf("search: %d %s", code, b)
		}
		return strings.Contains(string(b), `"`+office.ID+`"`)
	}
	s.at(v.StartsAt.Add(time.Minute))
	if search() {
		t.Error("a pending visit shows its room")
	}
	if code, b := s.do(t, host, "POST", fmt.Sprintf("/api/v1/visits/%d/approve", v.ID), ""); code != 200 {
		t.Fatalf("approve: %d %s", code, b)
	}
	for at, want := range map[time.Time]bool{v.StartsAt.Add(-time.Minute): false, v.StartsAt.Add(time.Minute): true, v.StartsAt.Add(2 * time.Hour): false} {
		s.at(at)
		if got := search(); got != want {
			t.Errorf("at %s: the room found %v, want %v", at.Format(time.Kitchen), got, want)
		}
		// The visit's route: from gate 2 or 5 into the room during the
		// window; before and after, to C1's door, never inside it.
		code, b := s.do(t, vis, "GET", fmt.Sprintf("/api/v1/visits/%d/route", v.ID), "")
		var r struct {
			Gate  string
			Route struct {
				DistanceM    float64 `json:"distance_m"`
				Instructions []struct{ Level *string }
			}
		}
		if code != 200 || json.Unmarshal(b, &r) != nil || (r.Gate != "G2" && r.Gate != "G5") || r.Route.DistanceM <= 0 {
			t.Fatalf("at %s: the visit's route: %d %.300s", at.Format(time.Kitchen), code, b)
		}
		inside := false
		for _, in := range r.Route.Instructions {
			inside = inside || (in.Level != nil && *in.Level == office.Level.ID)
		}
		if inside != want {
			t.Errorf("at %s: the visit's route reaches the room's floor: %v, want %v", at.Format(time.Kitchen), inside, want)
		}
	}
	if code, _ := s.do(t, host, "GET", fmt.Sprintf("/api/v1/visits/%d/route", v.ID), ""); code != 200 {
		t.Errorf("the host asks for the route: %d", code)
	}
}
