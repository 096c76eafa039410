package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/wechat"
	"github.com/campusnav/engine/services/auth/wechat/wechattest"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/repair"
	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/sqlite"
	"github.com/campusnav/engine/services/tour"
	"github.com/campusnav/engine/services/visitor"
)

// FuzzJSONBodies sends arbitrary bodies to every endpoint that reads one,
// signed in as staff, over the real auth service and SQLite store: never
// a 500, a 4xx is a problem, and nothing holding a NUL character or
// invalid UTF-8 in a string is accepted.
func FuzzJSONBodies(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@b","password":"x"}`, `{"email":"a\u0000b@x","password":"p"}`,
		`{"phone":"13800000000"}`, `{"phone":"+852 9123 4567","code":"123456"}`, `{"phone":"1\u00003800000000"}`,
		"{\"phone\":\"+852 9123 4567\",\"code\":\"12\xc83\"}", // invalid UTF-8 in a member the handler ignores
		`{"name":"car","lon":113.4786,"lat":22.8955,"ordinal":-1}`, `{"name":"c\u0000ar","lon":113.4786,"lat":22.8955,"ordinal":-1}`,
		`{"name":"car","lon":1e309,"lat":22.8955,"ordinal":-1}`, `{"name":"car","lon":2.35,"lat":48.85,"ordinal":0}`,
		`{"phone":"13900000000","name":"Mei"}`, `{"phone":"13900000000","name":"M\u0000ei"}`,
		`{"device":"d","t":"2026-01-01T08:00:00Z","scans":[{"id":"x","rssi":-60}]}`, `{"device":"\u0000","t":"x","scans":null}`,
		`{"name":"x","lon":1e309,"lat":0,"ordinal":0}`, `{"lon":"NaN"}`, `{`, "\x00",
		`{"code":"081abcDEF"}`, `{"code":"\u0000"}`, `{"code":` + strings.Repeat(`"x`, 100) + `"}`,
		`{"public_key":"MCowBQYDK2VwAyEA"}`, `{"kind":"screenshot"}`, `{"kind":"scr\u0000"}`,
		`{"person":"lee@hkust-gz.edu.cn","target":"C3","from":"2026-11-01T00:00:00+08:00","to":"2026-12-01T00:00:00+08:00"}`,
		`{"person":"l\u0000ee","target":"C\u00003","from":"2026-11-01T00:00:00Z","to":"2026-10-01T00:00:00Z"}`,
		`{"reader":"x","code":"AQE"}`, `{"reader":"x","card_number":"\u0000"}`, `{"reader":"x","floor":1e99}`,
		`{"amount_fen":5000}`, `{"amount_fen":5000,"provider":"s\u0000andbox"}`, `{"amount_fen":-1}`, `{"amount_fen":1e30}`,
		`{"provider":"sandbox"}`, `{"outcome":"succeeded"}`, `{"source":"wallet"}`, `{"reason":"away\u0000"}`,
		`{"csv":"email,room,period,water_from,water_to,electricity_from,electricity_to,amount_fen\nlee@hkust-gz.edu.cn,D1-302,2026-11,1,2,3,4,500\n"}`,
		`{"csv":"email,room,period,water_from,water_to,electricity_from,electricity_to,amount_fen\nlee@hkust-gz.edu.cn,D1-302,2026-11,NaN,2,3,4,500\n"}`,
		`{"topup_id":"tu_x","provider_txn":"p","amount_fen":1,"status":"succeeded"}`,
		`{"reader":"x","code":"AQE","amount_fen":100,"description":"l\u0000unch"}`,
		`{"name":{"en":"Yoga","zh-Hans":"瑜伽"},"court":"SH-113","capacity":10,"sessions":[{"start":"2030-03-05T18:00:00+08:00","end":"2030-03-05T19:30:00+08:00"}],"enrol_until":"2030-03-05T08:00:00+08:00","cancel_until":"2030-03-04T20:00:00+08:00","checkin":{"before_min":15,"after_min":15},"leave_until_min":120}`,
		`{"name":{"en":"Yo\u0000ga","zh-Hans":"瑜伽"},"court":"SH-1\u000013","capacity":1e9,"sessions":[{"start":"x","end":"2030-03-05T19:30:00+08:00"}],"checkin":{"before_min":-1}}`,
		`{"name":{"en":"Yoga","zh-Hans":"瑜伽","fr":"x"},"court":"SH-113","capacity":10,"enrol_until":"2030-03-05T08:00:00Z","cancel_until":"2030-03-04T20:00:00Z","leave_until_min":99999999}`,
		`{"start":"2030-03-06T18:00:00+08:00","end":"2030-03-06T19:00:00+08:00"}`, `{"start":"2030-03-06T18:00:00+08:00","end":"2030-03-06T17:00:00+08:00"}`,
		`{"accept_rules":true}`, `{"accept_rules":"yes"}`, "{\"\":\"\x84\"}", `{"accept_rules":true} "\u0000"`,
		`{"name":"Lee","department":"EE","phone":"+86 139 0000 0001","email":"lee@hkust-gz.edu.cn","purpose":"SEM"}`,
		`{"name":"Lee","department":"E\u0000E","phone":"+86 139 0000 0001","email":"lee@hkust-gz.edu.cn"}`,
		`{"what":"wafer","count":2,"service":"SEM","note":"gloves"}`, `{"what":"wafer","count":1e99,"service":"SEM"}`,
		`{"status":"received"}`, `{"status":"rec\u0000eived"}`, `{"note":"welcome"}`, `{"note":"\u0000"}`,
		`{"room":"x","start":"2026-12-09T10:00:00+08:00","end":"2026-12-09T11:00:00+08:00"}`, `{"slot":1}`, `{"slot":-1}`,
		`{"category":"water","description":"dripping","at":{"lon":113.4786,"lat":22.8955,"ordinal":0},"contact":"ext 1"}`,
		`{"category":"wa\u0000ter","description":"x","unit":"u"}`, `{"category":"water","description":"\u0000","at":{"lon":1e309,"lat":0,"ordinal":0}}`,
		`{"category":"it.network","description":"no wifi","scans":[{"device":"d","t":"2026-01-01T08:00:00Z","scans":[]}]}`,
		`{"assignee":"IT team"}`, `{"assignee":"I\u0000T"}`, `{"stars":5,"comment":"ok"}`, `{"stars":1e99}`, `{"reason":"still broken"}`,
		`{"people":2}`, `{"people":-1}`, `{"people":1e99}`, `{"people":null}`, `{"people":2,"slot":"x"}`,
		`{"with":"amy@connect.hkust-gz.edu.cn","minutes":30,"history":true}`, `{"with":"a\u0000my@x"}`, `{"group":1,"minutes":1e99}`,
		`{"name":"lunch"}`, `{"code":"ABCDEFGHJK"}`, `{"code":"AB\u0000"}`, `{"place":"C3","on":"enter"}`, `{"place":"C\u00003","on":"leave"}`,
		`[]`, `null`, `{"name":"\xff\xfe"}`, `{"name":` + strings.Repeat(`[`, 2000),
	} {
		f.Add(s)
	}
	testServer(f)
	db, err := sqlite.Open(filepath.Join(f.TempDir(), "campus.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	wx := wechattest.Start(f, "wx0123456789abcdef", "app-secret")
	client, err := wechat.New(wechat.Config{AppID: "wx0123456789abcdef", Secret: "app-secret", API: wx.URL()})
	if err != nil {
		f.Fatal(err)
	}
	codes := &codeBook{codes: map[string]string{}}
	svc := auth.New(db, auth.Options{SMS: codes, WeChat: client, Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if _, err := svc.AddUser(f.Context(), "lee@hkust-gz.edu.cn", "correct horse battery", auth.Staff); err != nil {
		f.Fatal(err)
	}
	sess, err := svc.Login(f.Context(), "lee@hkust-gz.edu.cn", "correct horse battery", "127.0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	if _, err := svc.AddUser(f.Context(), "root@hkust-gz.edu.cn", "correct horse battery", auth.Admin); err != nil {
		f.Fatal(err)
	}
	root, err := svc.Login(f.Context(), "root@hkust-gz.edu.cn", "correct horse battery", "127.0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	acc, err := access.New(db, campusDeps.Venue, campusDeps.Graph, access.Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(acc.Close)
	gate := campusDeps.Venue.Readers[0]
	readerToken, err := acc.NewReaderToken(f.Context(), gate.ID)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(`{"reader":"` + gate.ID + `","code":"AQEAAAAB"}`)
	f.Add(`{"reader":"` + gate.ID + `","card_number":"1234567890","floor":3}`)
	var till *geo.Reader
	for _, r := range campusDeps.Venue.Readers {
		if r.Kind == geo.ReaderPOS {
			till = r
			break
		}
	}
	tillToken, err := acc.NewReaderToken(f.Context(), till.ID)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(`{"reader":"` + till.ID + `","card_number":"1234567890","amount_fen":100,"description":"lunch"}`)
	sb := payments.NewSandbox([]byte("fuzz"), "http://sandbox.invalid/api/v1")
	sb.Deliver = func(context.Context, []byte, string) error { return nil }
	pay, err := payments.New(db, acc, campusDeps.Venue, payments.Config{Providers: []payments.Provider{sb}})
	if err != nil {
		f.Fatal(err)
	}
	var clock atomic.Pointer[time.Time]
	clock.Store(&bookingNow)
	bookings := fakeBookings(f, db, &clock)
	room := firstSpace(bookings, "meeting", 0).ID
	f.Add(fmt.Sprintf(`{"space":%q,"start":%q,"end":%q,"title":"review"}`, room, at12(10, 0), at12(11, 0)))
	f.Add(fmt.Sprintf(`{"space":%q,"start":%q,"end":%q,"title":"re\u0000view"}`, room, at12(12, 0), at12(13, 0)))
	f.Add(fmt.Sprintf(`{"space":%q,"start":"2026-12-01T10:00:00+99:00","end":%q}`, room, at12(11, 0)))
	if _, err := svc.AddUser(f.Context(), "amy@connect.hkust-gz.edu.cn", "correct horse battery", auth.Student); err != nil {
		f.Fatal(err)
	}
	amy, err := svc.Login(f.Context(), "amy@connect.hkust-gz.edu.cn", "correct horse battery", "127.0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	// A visitor signed in by phone registers visits.
	phone, _, err := svc.StartPhone(f.Context(), "+8613800000009", "127.0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	visitorSess, err := svc.VerifyPhone(f.Context(), phone, codes.code(phone), "127.0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	visits := visitor.New(campusDeps.Venue, db.DB, visitor.Options{Now: func() time.Time { return visitNow }, Webhook: true, WebhookSecret: []byte("fuzz"),
		Passes: acc})
	acc.SetVisitors(visits)
	f.Add(`{"reader":"` + gate.ID + `","id_number":"` + idNumber(1) + `"}`)
	f.Add(`{"reader":"` + gate.ID + `","visitor_pass":"` + strings.Repeat("A", 142) + `","direction":"out"}`)
	f.Add(`{"reader":"` + gate.ID + `","plate":"粤A12345","direction":"sideways"}`)
	f.Add(visitBody("lee@hkust-gz.edu.cn", 2, 1, `,"place":"C1"`))
	f.Add(visitBody("lee@hkust-gz.edu.cn", 2, 2, `,"plate":"粤A12345","mode":"car"`))
	f.Add(`{"type":"business","reason":"r","host":"lee@hkust-gz.edu.cn","date":"2026-12-03","from":"14:00","to":"16:00","people":[{"name":"L\u0000i","id_number":"E1234567"}]}`)
	f.Add(`{"date":"2026-12-05","from":"10:00","to":"11:00"}`)
	lee, _, err := db.UserByEmail(f.Context(), "lee@hkust-gz.edu.cn")
	if err != nil {
		f.Fatal(err)
	}
	invited, err := visits.Invite(f.Context(), lee, visitor.InvitationRequest{Name: "Wang", Phone: "+8613800000009", Date: "2026-12-04",
		From: "10:00", To: "11:00", Reason: "defence", Place: "C1"})
	if err != nil {
		f.Fatal(err)
	}
	accept := "/api/v1/invitations/" + invited.Code + "/accept"
	f.Add(inviteBody("13900000002", 3, "C1-101"))
	f.Add(acceptBody(5))
	f.Add(`{"people":[{"name":"W\u0000ang","id_number":"E1234567"}],"mode":"foot"}`)
	f.Add(`{"note":"welcome","place":"C1-101"}`)
	f.Add(`{"note":"x","place":"C\u00001"}`)
	f.Add(`{"kind":"plate","value":"粤B99999","note":"n"}`)
	f.Add(`{"kind":"name","value":"Zh\u0000ang"}`)
	f.Add(`{"visit":1,"decision":"approve","note":"ok","place":"C1"}`)
	_, labs, counselling := bookingServices(f, db.DB, time.Now)
	d := campusDeps
	d.Auth, d.Phone, d.Family, d.Places, d.WeChat, d.Access, d.Payments, d.Bookings = svc, svc, svc, db, svc, acc, pay, bookings
	d.Courses = booking.NewCourses(db, bookings)
	d.Labs, d.Counselling = labs, counselling
	d.Repairs = repair.New(campusDeps.Venue, db.DB, repair.Options{})
	d.Visits = visits
	if d.Tours, err = tour.New(campusDeps.Venue, campusDeps.Graph, db.DB, tour.Options{}); err != nil {
		f.Fatal(err)
	}
	// A visitor signed in by phone books the next Saturday's tour.
	if _, _, err := svc.StartPhone(f.Context(), "+8613900000009", "10.8.0.1"); err != nil {
		f.Fatal(err)
	}
	vic, err := svc.VerifyPhone(f.Context(), "+8613900000009", codes.code("+8613900000009"), "10.8.0.1")
	if err != nil {
		f.Fatal(err)
	}
	sat := time.Now().Add(24 * time.Hour)
	for sat.In(time.FixedZone("+08", 8*3600)).Weekday() != time.Saturday {
		sat = sat.Add(24 * time.Hour)
	}
	y, m, day := sat.In(time.FixedZone("+08", 8*3600)).Date()
	tourPath := fmt.Sprintf("/api/v1/tours/campus-highlights-%04d%02d%02d-1000/bookings", y, m, day)
	d.Shares = share.New(campusDeps.Venue, db.DB, share.Options{})
	d.Live = share.NewHub(d.Shares, nil, share.HubConfig{})
	h := New(d, Config{}).Handler()
	paths := []string{"/api/v1/auth/login", "/api/v1/auth/phone/start", "/api/v1/auth/phone/verify",
		"/api/v1/me/places", "/api/v1/family", "/api/v1/position", "/api/v1/auth/wechat", "/api/v1/auth/wechat/bind",
		"/api/v1/card/devices", "/api/v1/card/capture", "/api/v1/admin/access/grants", "/api/v1/access/check",
		"/api/v1/wallet/topups", "/api/v1/wallet/external-account", "/api/v1/pos/charge", "/api/v1/payments/sandbox/notify",
		"/api/v1/payments/sandbox/checkout/tu_x", "/api/v1/admin/bills", "/api/v1/admin/payments/1/refund",
		"/api/v1/bills/1/pay", "/api/v1/bills/1/appeal", "/api/v1/bookings", "/api/v1/bookings/1/checkin",
		"/api/v1/courses", "/api/v1/courses/1/sessions", "/api/v1/courses/1/enrol", "/api/v1/courses/1/sessions/1/checkin",
		"/api/v1/courses/1/sessions/1/leave",
		"/api/v1/labs/NFF/profile", "/api/v1/labs/NFF/members/1/approve", "/api/v1/labs/NFF/samples",
		"/api/v1/labs/NFF/samples/1/status", "/api/v1/counselling/slots", "/api/v1/counselling/appointments",
		"/api/v1/repairs", "/api/v1/repairs/1/dispatch", "/api/v1/repairs/1/rate", "/api/v1/repairs/locate",
		"/api/v1/visits", "/api/v1/visits/1/again", "/api/v1/invitations", accept,
		"/api/v1/visits/1/approve", "/api/v1/visits/1/reject", "/api/v1/watchlist", "/api/v1/visits/webhook", tourPath,
		"/api/v1/shares", "/api/v1/shares/1/alerts", "/api/v1/groups", "/api/v1/groups/join"}

	// A reader's check answers a deny to anything malformed, by design.
	denies := map[string]bool{"/api/v1/position": true, "/api/v1/access/check": true}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			req := httptest.NewRequest("POST", p, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "fuzz")
			switch p {
			case "/api/v1/auth/login", "/api/v1/payments/sandbox/notify", "/api/v1/payments/sandbox/checkout/tu_x", "/api/v1/visits/webhook":
			case "/api/v1/access/check":
				req.Header.Set("Authorization", "Bearer "+readerToken)
			case "/api/v1/pos/charge":
				req.Header.Set("Authorization", "Bearer "+tillToken)
			case "/api/v1/counselling/appointments":
				req.Header.Set("Authorization", "Bearer "+amy.Token)
			case "/api/v1/visits", "/api/v1/visits/1/again", accept:
				req.Header.Set("Authorization", "Bearer "+visitorSess.Token)
			case tourPath:
				req.Header.Set("Authorization", "Bearer "+vic.Token)
			case "/api/v1/admin/access/grants", "/api/v1/admin/bills", "/api/v1/admin/payments/1/refund", "/api/v1/courses", "/api/v1/courses/1/sessions",
				"/api/v1/labs/NFF/members/1/approve", "/api/v1/labs/NFF/samples/1/status", "/api/v1/counselling/slots", "/api/v1/repairs/1/dispatch",
				"/api/v1/watchlist":
				req.Header.Set("Authorization", "Bearer "+root.Token)
			default:
				req.Header.Set("Authorization", "Bearer "+sess.Token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			switch {
			case rec.Code >= 500:
				t.Fatalf("POST %s %q: %d %s", p, body, rec.Code, rec.Body.String())
			case rec.Code >= 400 && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json"):
				t.Fatalf("POST %s %q: %d without a problem", p, body, rec.Code)
			case rec.Code < 300 && !denies[p] && badString(body):
				t.Fatalf("POST %s %q: %d, accepted a string with NUL or invalid UTF-8: %s", p, body, rec.Code, rec.Body.String())
			case rec.Code == http.StatusTooManyRequests:
				return // the limits are doing their job; later paths learn nothing
			}
		}
	})
}

// badString says whether a JSON body holds a string, key or value, with
// a NUL character or that is not UTF-8.
func badString(body string) bool {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return false
	}
	var bad func(any) bool
	bad = func(v any) bool {
		switch v := v.(type) {
		case string:
			return strings.ContainsRune(v, 0) || !utf8.ValidString(v)
		case []any:
			for _, e := range v {
				if bad(e) {
					return true
				}
			}
		case map[string]any:
			for k, e := range v {
				if bad(k) || bad(e) {
					return true
				}
			}
		}
		return false
	}
	return bad(v) || !utf8.ValidString(body)
}
