package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/visitor"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openAPI)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

// noRedirects answers a redirect itself, to check it against the document.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

var echoParam = regexp.MustCompile(`:([a-z_]+)`)

// isPage reports whether path is the web map page, the one part of the
// server that is not API.
func isPage(path string) bool {
	return path == "/" || path == "/index.html" || strings.HasPrefix(path, "/assets/")
}

// TestOpenAPIRoutes: every route but the page's is documented, and every
// documented operation is a route.
func TestOpenAPIRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := map[string]bool{}
	for p, item := range doc.Paths.Map() {
		for m := range item.Operations() {
			documented[m+" "+p] = true
		}
	}
	served := map[string]bool{}
	for _, r := range New(campusDepsFor(t), Config{}).Handler().(*echo.Echo).Routes() {
		if isPage(r.Path) || r.Method == echo.RouteNotFound || r.Method == http.MethodHead {
			continue
		}
		served[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("openapi.json documents %s, which is no route", k)
		}
	}
	if len(served) < 32 {
		t.Errorf("only %d routes found", len(served))
	}
}

// campusDepsFor is the test campus with in-memory accounts and places.
func campusDepsFor(t *testing.T) Deps {
	testServer(t) // loads the campus once
	d := campusDeps
	d.Auth, d.Phone, d.Family, d.SSO, d.Places = fakeAuth{}, fakeAuth{}, fakeAuth{}, fakeAuth{}, &memPlaces{}
	return d
}

// TestOpenAPIAnswers makes real requests over loopback, every documented
// operation at least once, successes and problems, and checks each answer
// (status, content type, body) against the document.
func TestOpenAPIAnswers(t *testing.T) {
	doc := loadOpenAPI(t)
	doc.Servers = nil // the document's server is relative; match paths alone
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	svc, gate, readerToken, db := fakeAccessDB(t)
	lock, lockToken := fakeLock(t, svc)
	pay, till, tillToken, topUpID := fakePayments(t, svc, db)
	pin := "/api/v1/locks/" + lock.ID + "/pin"
	prints := "/api/v1/locks/" + lock.ID + "/fingerprints"
	var bookingClock atomic.Pointer[time.Time]
	bookingClock.Store(&bookingNow)
	bookings := fakeBookings(t, db, &bookingClock)
	meeting, classroom := firstSpace(bookings, "meeting", 0).ID, firstSpace(bookings, "classroom", 0).ID
	book := func(space string, h0, m0, h1, m1 int) string {
		return fmt.Sprintf(`{"space":%q,"start":%q,"end":%q,"title":"review"}`, space, at12(h0, m0), at12(h1, m1))
	}
	courses, _, court := fakeCourses(t, db)
	course := courseBody(court.Ref, 1, 1.0/6, 33) // sessions at 09:10, the courses' present's check-in window, and tomorrow 18:00
	labs, counselling, e542 := fakeLabsCounselling(t, db.DB)
	cals, feed := fakeCalendars(t, db.DB, bookings, &bookingClock)
	var repairClock atomic.Pointer[time.Time]
	repairClock.Store(&repairNow)
	repairRoomID := repairRoom(t, geo.Student).ID
	var tourClock atomic.Pointer[time.Time]
	tourClock.Store(&tourNow)
	hl := "/api/v1/tours/campus-highlights-20261205-1000/bookings"
	repairBody := func(where string) string {
		return `{"category":"it.printer","description":"paper jam",` + where + `}`
	}
	passes, err := access.New(db, campusDeps.Venue, campusDeps.Graph, access.Config{Now: func() time.Time { return visitNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(passes.Close)
	visits := visitor.New(campusDeps.Venue, db.DB, visitor.Options{Now: func() time.Time { return visitNow }, Passes: passes})
	svc.SetVisitors(visits)
	invited, err := visits.Invite(context.Background(), auth.User{ID: 5, Email: "staff@example.edu", Role: auth.Staff},
		visitor.InvitationRequest{Name: "Wang Fang", Phone: "+8613900000001", Date: "2026-12-04", From: "10:00", To: "11:00", Reason: "defence", Place: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	accept := "/api/v1/invitations/" + invited.Code + "/accept"
	ts := testServerWith(t, func(d *Deps) {
		d.Access, d.Payments, d.Bookings, d.Courses, d.Labs, d.Counselling = svc, pay.Service, bookings, courses, labs, counselling
		d.Calendars = cals
		d.Repairs, d.RepairLocator = fakeRepairs(db.DB, &repairClock), fakeLocator{repairRoom(t, geo.Student)}
		d.Visits = visits
		d.Tours = fakeTours(t, db.DB, &tourClock)
		d.Shares = share.New(campusDeps.Venue, db.DB, share.Options{})
		d.Live = share.NewHub(d.Shares, nil, share.HubConfig{})
	})
	pay.SandboxNotify(ts.URL)
	notice := fmt.Sprintf(`{"topup_id":%q,"provider_txn":"sbx-1","amount_fen":5000,"status":"succeeded"}`, topUpID)
	charge := func(credential string, amount int) string {
		return fmt.Sprintf(`{"reader":%q,%s,"amount_fen":%d}`, till.ID, credential, amount)
	}
	bills, _ := json.Marshal(map[string]string{"csv": "email,room,period,water_from,water_to,electricity_from,electricity_to,amount_fen\nstudent@example.edu,D1-302,2026-11,1,2.5,100,140,3120\n"})
	openapi3filter.RegisterBodyDecoder("application/vnd.mapbox-vector-tile", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.FileBodyDecoder)
	labProfile := `{"name":"Lee","department":"Microelectronics","phone":"+86 139 0000 0001","email":"student@example.edu"}`
	slot := func(hour, minutes int) string {
		start := time.Date(2026, 12, 9, hour, 0, 0, 0, bookNow.Location())
		return fmt.Sprintf(`{"room":%q,"start":%q,"end":%q}`, e542, start.Format(time.RFC3339), start.Add(time.Duration(minutes)*time.Minute).Format(time.RFC3339))
	}
	openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder(xlsxType, openapi3filter.FileBodyDecoder)
	// The tile over C3, where the campus is densest.
	tileX, tileY := 213704, 113937
	first := campusDeps.Venue.Buildings[0]
	building, level := first.ID, first.Levels[len(first.Levels)-1].ID
	cases := []struct {
		role, method, path, body string
		status                   int
	}{
		{"", "GET", "/healthz", "", 200},
		{"", "GET", "/readyz", "", 200},
		{"", "GET", "/metrics", "", 200},
		{"", "GET", "/tiles/tiles.json", "", 200},
		{"staff", "GET", fmt.Sprintf("/tiles/18/%d/%d.mvt", tileX, tileY), "", 200},
		{"", "GET", "/tiles/18/1/2.png", "", 404},
		{"", "GET", "/tiles/99/1/2.mvt", "", 400},
		{"", "GET", "/style.json", "", 200},
		{"", "GET", "/api/v1/openapi.json", "", 200},
		{"", "POST", "/api/v1/auth/login", `{"email":"staff@hkust-gz.edu.cn","password":"correct horse"}`, 200},
		{"", "POST", "/api/v1/auth/login", `{"email":"staff@hkust-gz.edu.cn","password":"wrong"}`, 401},
		{"", "POST", "/api/v1/auth/login", `{"email":`, 400},
		{"staff", "POST", "/api/v1/auth/logout", "", 204},
		{"", "GET", "/api/v1/auth/oidc/login", "", 302},
		{"", "GET", "/api/v1/auth/oidc/callback?code=good&state=s", "", 200},
		{"", "GET", "/api/v1/auth/oidc/callback?code=forged&state=s", "", 401},
		{"", "GET", "/api/v1/auth/oidc/callback?error=access_denied", "", 401},
		{"", "GET", "/api/v1/auth/oidc/callback?state=s", "", 400},
		{"", "POST", "/api/v1/auth/phone/start", `{"phone":"+852 9123 4567"}`, 202},
		{"", "POST", "/api/v1/auth/phone/start", `{"phone":"12345"}`, 400},
		{"", "POST", "/api/v1/auth/phone/verify", `{"phone":"+85291234567","code":"123456"}`, 200},
		{"", "POST", "/api/v1/auth/phone/verify", `{"phone":"+85291234567","code":"654321"}`, 401},
		{"", "POST", "/api/v1/auth/wechat", `{"code":"good"}`, 200},
		{"", "POST", "/api/v1/auth/wechat", `{"code":"unbound"}`, 404},
		{"", "POST", "/api/v1/auth/wechat", `{"code":"forged"}`, 401},
		{"", "POST", "/api/v1/auth/wechat", `{}`, 400},
		{"staff", "POST", "/api/v1/auth/wechat/bind", `{"code":"good"}`, 204},
		{"", "POST", "/api/v1/auth/wechat/bind", `{"code":"good"}`, 401},
		{"staff", "GET", "/api/v1/me", "", 200},
		{"", "GET", "/api/v1/me", "", 401},
		{"staff", "POST", "/api/v1/me/places", `{"name":"where I parked","lon":113.4786,"lat":22.8955,"ordinal":-1}`, 201},
		{"staff", "POST", "/api/v1/me/places", `{"name":"","lon":113.4786,"lat":22.8955}`, 400},
		{"staff", "GET", "/api/v1/me/places", "", 200},
		{"staff", "DELETE", "/api/v1/me/places/1", "", 204},
		{"staff", "DELETE", "/api/v1/me/places/1", "", 404},
		{"staff", "POST", "/api/v1/family", `{"phone":"13800000000","name":"Mei"}`, 201},
		{"student", "POST", "/api/v1/family", `{"phone":"13800000000","name":"Mei"}`, 403},
		{"", "POST", "/api/v1/family", `{"phone":"13800000000","name":"Mei"}`, 401},
		{"staff", "GET", "/api/v1/family", "", 200},
		{"admin", "POST", "/api/v1/family/1/approve", "", 200},
		{"admin", "POST", "/api/v1/family/1/reject", "", 200},
		{"staff", "POST", "/api/v1/family/1/approve", "", 403},
		{"admin", "POST", "/api/v1/family/2/approve", "", 404},
		{"admin", "POST", "/api/v1/family/x/reject", "", 400},
		{"admin", "GET", "/api/v1/admin/audit?kind=signin&limit=1", "", 200},
		{"admin", "GET", "/api/v1/admin/audit?from=yesterday", "", 400},
		{"staff", "GET", "/api/v1/admin/audit", "", 403},
		{"admin", "GET", "/api/v1/me", "", 200},
		{"", "GET", "/api/v1/venue", "", 200},
		{"staff", "GET", "/api/v1/venue?lang=zh", "", 200},
		{"staff", "GET", "/api/v1/buildings/" + building, "", 200},
		{"staff", "GET", "/api/v1/buildings/nowhere", "", 404},
		{"staff", "GET", "/api/v1/levels/" + level, "", 200},
		{"", "GET", "/api/v1/collections", "", 200},
		{"", "GET", "/api/v1/collections/units", "", 200},
		{"", "GET", "/api/v1/collections/unit", "", 404},
		{"staff", "GET", "/api/v1/collections/units/items?limit=3", "", 200},
		{"", "GET", "/api/v1/collections/amenities/items?limit=3", "", 200},
		{"staff", "GET", "/api/v1/collections/footprints/items?limit=2", "", 200},
		{"staff", "GET", "/api/v1/collections/levels/items?limit=2", "", 200},
		{"staff", "GET", "/api/v1/collections/openings/items?limit=2&level=0", "", 200},
		{"staff", "GET", "/api/v1/collections/units/items?bbox=1,2", "", 400},
		{"staff", "GET", "/api/v1/search?q=C3-6&limit=5", "", 200},
		{"", "GET", "/api/v1/search?q=library", "", 200},
		{"", "GET", "/api/v1/search", "", 400},
		{"staff", "GET", "/api/v1/locate?lon=113.4786&lat=22.8955&ordinal=0", "", 200},
		{"staff", "GET", "/api/v1/locate?lon=200&lat=22.8955", "", 400},
		{"staff", "GET", "/api/v1/nearest?lon=113.4786&lat=22.8955&ordinal=0&category=copymachine&k=2", "", 200},
		{"staff", "GET", "/api/v1/nearest?lon=113.4786&lat=22.8955&category=printer", "", 400},
		{"staff", "GET", "/api/v1/route?from=C3-607&to=C1-101&profile=wheelchair", "", 200},
		{"staff", "GET", "/api/v1/route?from=C3-607&to=C3-608&lang=zh", "", 200},
		{"staff", "GET", "/api/v1/route?from=C3-607&via=C1-101&to=C3-608", "", 200},
		{"staff", "GET", "/api/v1/collections/amenities/items?category=copymachine&limit=2", "", 200},
		{"staff", "GET", "/api/v1/route?from=C3-607", "", 400},
		{"", "GET", "/api/v1/route?from=G2&to=Meeting+Room+9&lang=zh", "", 409},
		{"", "GET", "/api/v1/route?from=G2&to=C3-6O7", "", 404},
		{"", "GET", "/api/v1/route?from=G2&to=2.35,48.85,0", "", 400},
		{"", "GET", "/api/v1/route?from=G2&to=C3-607&via=C4", "", 200},
		{"", "GET", "/api/v1/search?q=printer&limit=3", "", 200},
		{"", "GET", "/api/v1/search?q=G2", "", 200},
		{"staff", "GET", "/api/v1/nearest?lon=113.4786&lat=22.8955&ordinal=0&category=restroom&k=3&lang=zh", "", 200},
		{"", "GET", "/api/v1/locate?lon=2.35&lat=48.85&ordinal=0", "", 400},
		{"staff", "POST", "/api/v1/position", `{"device":"d","t":"2026-01-01T00:00:00Z","scans":[]}`, 200},
		{"staff", "POST", "/api/v1/position", `{"device":"d"`, 400},
		{"staff", "GET", "/api/v1/occupancy?ordinal=0&res=11", "", 200},
		{"admin", "GET", "/api/v1/occupancy?ordinal=2", "", 200},
		{"staff", "GET", "/api/v1/occupancy?ordinal=0&res=10", "", 400},
		{"staff", "GET", "/api/v1/occupancy", "", 400},
		{"student", "GET", "/api/v1/occupancy?ordinal=0", "", 403},
		{"", "GET", "/api/v1/occupancy?ordinal=0", "", 401},
		{"staff", "GET", "/api/v1/card", "", 200},
		{"visitor", "GET", "/api/v1/card", "", 403},
		{"", "GET", "/api/v1/card", "", 401},
		{"staff", "GET", "/api/v1/card/code", "", 200},
		{"", "GET", "/api/v1/card/keys", "", 200},
		{"staff", "POST", "/api/v1/card/devices", `{"public_key":"` + devicePublicKey() + `"}`, 201},
		{"staff", "POST", "/api/v1/card/devices", `{"public_key":"c2hvcnQ"}`, 400},
		{"student", "GET", "/api/v1/card/history?limit=5&lang=zh", "", 200},
		{"student", "GET", "/api/v1/card/history?cursor=x", "", 400},
		{"student", "POST", "/api/v1/card/physical/lost", "", 200},
		{"student", "POST", "/api/v1/card/physical/found", "", 200},
		{"family", "POST", "/api/v1/card/capture", `{"kind":"photo"}`, 400},
		{"family", "POST", "/api/v1/card/capture", `{"kind":"screenshot"}`, 200},
		{"admin", "POST", "/api/v1/admin/cards/1/freeze", "", 200},
		{"admin", "POST", "/api/v1/admin/cards/1/unfreeze", "", 200},
		{"student", "POST", "/api/v1/admin/cards/1/freeze", "", 403},
		{"admin", "POST", "/api/v1/admin/cards/999/freeze", "", 404},
		{"admin", "POST", "/api/v1/admin/access/grants", `{"person":"student@example.edu","target":"C3","from":"2026-11-01T00:00:00+08:00","to":"2026-12-01T00:00:00+08:00"}`, 201},
		{"admin", "POST", "/api/v1/admin/access/grants", `{"person":"student@example.edu","target":"nowhere","from":"2026-11-01T00:00:00+08:00","to":"2026-12-01T00:00:00+08:00"}`, 400},
		{"admin", "GET", "/api/v1/admin/access/grants?person=student@example.edu", "", 200},
		{"student", "GET", "/api/v1/admin/access/grants?person=student@example.edu", "", 403},
		{"admin", "DELETE", "/api/v1/admin/access/grants/2", "", 204},
		{"admin", "DELETE", "/api/v1/admin/access/grants/2", "", 404},
		{readerToken, "POST", "/api/v1/access/check", `{"reader":"` + gate.ID + `","code":"not-a-code"}`, 200},
		{readerToken, "POST", "/api/v1/access/check", `{"reader":"` + gate.ID + `","card_number":"0000000000"}`, 200},
		{readerToken, "POST", "/api/v1/access/check", `{"reader":"another-reader","code":"x"}`, 401},
		{"staff", "POST", "/api/v1/access/check", `{"reader":"` + gate.ID + `","code":"x"}`, 401},
		{"student", "PUT", pin, `{"pin":"583920"}`, 204},
		{"student", "PUT", pin, `{"pin":"123456"}`, 400},
		{"staff", "PUT", pin, `{"pin":"583920"}`, 403},
		{"student", "POST", prints, "", 201},
		{lockToken, "POST", "/api/v1/readers/enrolments/1", `{"status":"enrolled"}`, 204},
		{readerToken, "POST", "/api/v1/readers/enrolments/1", `{"status":"enrolled"}`, 404},
		{"student", "GET", prints, "", 200},
		{lockToken, "POST", "/api/v1/access/check", `{"reader":"` + lock.ID + `","fingerprint":1}`, 200},
		{lockToken, "POST", "/api/v1/access/check", `{"reader":"` + lock.ID + `","pin":"583920"}`, 200},
		{"student", "DELETE", prints + "/1", "", 204},
		{"student", "DELETE", prints + "/99", "", 404},
		{lockToken, "GET", "/api/v1/readers/commands", "", 200},
		{lockToken, "POST", "/api/v1/readers/commands/1/done", "", 204},
		{"", "GET", "/api/v1/readers/commands", "", 401},
		{"student", "GET", "/api/v1/wallet", "", 200},
		{"", "GET", "/api/v1/wallet", "", 401},
		{"student", "POST", "/api/v1/wallet/topups", `{"amount_fen":5000}`, 201},
		{"bare:student", "POST", "/api/v1/wallet/topups", `{"amount_fen":5000}`, 400},
		{"student", "POST", "/api/v1/wallet/topups", `{"amount_fen":5000,"provider":"paypal"}`, 400},
		{"student", "GET", "/api/v1/wallet/topups/" + topUpID, "", 200},
		{"staff", "GET", "/api/v1/wallet/topups/" + topUpID, "", 404},
		{"", "GET", "/api/v1/payments/sandbox/checkout/" + topUpID + "?lang=zh", "", 200},
		{"", "GET", "/api/v1/payments/sandbox/checkout/md_nothing", "", 404},
		{"", "POST", "/api/v1/payments/sandbox/checkout/" + topUpID, `{"outcome":"succeeded"}`, 202},
		{"", "POST", "/api/v1/payments/sandbox/checkout/tu_nothing", `{"outcome":"succeeded"}`, 404},
		{"sig:", "POST", "/api/v1/payments/sandbox/notify", notice, 200},
		{"", "POST", "/api/v1/payments/sandbox/notify", notice, 401},
		{"sig:", "POST", "/api/v1/payments/sandbox/notify", strings.Replace(notice, "5000", "50", 1), 409},
		{"student", "GET", "/api/v1/wallet/transactions?limit=5&lang=zh", "", 200},
		{"student", "GET", "/api/v1/wallet/transactions?cursor=x", "", 400},
		{"student", "PUT", "/api/v1/wallet/password-free", `{"enabled":true,"limit_fen":2000}`, 409},
		{"student", "PUT", "/api/v1/wallet/password-free", `{"enabled":false}`, 200},
		{"student", "PUT", "/api/v1/wallet/password-free", `{}`, 400},
		{"student", "POST", "/api/v1/wallet/external-account", `{"provider":"sandbox"}`, 201},
		// The student's card was at a lock in C3 a moment ago: at a till
		// across the campus it is impossible travel, and frozen.
		{tillToken, "POST", "/api/v1/pos/charge", charge(`"card_number":"`+pay.studentCard+`"`, 1200), 403},
		{"admin", "POST", fmt.Sprintf("/api/v1/admin/cards/%d/unfreeze", pay.studentCardID), "", 200},
		{tillToken, "POST", "/api/v1/pos/charge", charge(`"card_number":"`+pay.studentCard+`"`, 1200), 200},
		{tillToken, "POST", "/api/v1/pos/charge", charge(`"card_number":"`+pay.studentCard+`"`, 900000), 400},
		{tillToken, "POST", "/api/v1/pos/charge", charge(`"card_number":"`+pay.studentCard+`"`, 90000), 402},
		{tillToken, "POST", "/api/v1/pos/charge", charge(`"card_number":"0000000000"`, 100), 403},
		{"bare:" + tillToken, "POST", "/api/v1/pos/charge", charge(`"card_number":"`+pay.studentCard+`"`, 100), 400},
		{"student", "POST", "/api/v1/pos/charge", charge(`"card_number":"`+pay.studentCard+`"`, 100), 401},
		{"admin", "POST", "/api/v1/admin/payments/1/refund", `{"amount_fen":200}`, 201},
		{"admin", "POST", "/api/v1/admin/payments/1/refund", `{"amount_fen":5000}`, 409},
		{"student", "POST", "/api/v1/admin/payments/1/refund", `{"amount_fen":1}`, 403},
		{"admin", "POST", "/api/v1/admin/bills", string(bills), 201},
		{"admin", "POST", "/api/v1/admin/bills", `{"csv":"email,room\n"}`, 400},
		{"student", "POST", "/api/v1/admin/bills", string(bills), 403},
		{"student", "GET", "/api/v1/bills", "", 200},
		{"student", "POST", "/api/v1/bills/1/pay", `{"source":"wallet"}`, 200},
		{"student", "POST", "/api/v1/bills/1/pay", `{"source":"wallet"}`, 409},
		{"student", "POST", "/api/v1/bills/1/pay", `{"source":"cash"}`, 400},
		{"student", "POST", "/api/v1/bills/1/appeal", `{"reason":"we were away"}`, 200},
		{"staff", "POST", "/api/v1/bills/1/appeal", `{"reason":"not mine"}`, 404},
		{"student", "GET", "/api/v1/spaces?type=meeting&capacity=6&near=113.4786,22.8955,0&available=true&limit=2", "", 200},
		{"", "GET", "/api/v1/spaces?q=C3&lang=zh", "", 200},
		{"", "GET", "/api/v1/spaces?start=yesterday", "", 400},
		{"student", "POST", "/api/v1/bookings", book(meeting, 10, 0, 11, 0), 201},
		{"staff", "POST", "/api/v1/bookings", book(meeting, 10, 30, 11, 30), 409},
		{"staff", "POST", "/api/v1/bookings", book(meeting, 12, 10, 13, 0), 422},
		{"", "POST", "/api/v1/bookings", book(meeting, 12, 0, 13, 0), 401},
		{"student", "POST", "/api/v1/bookings", book(classroom, 14, 0, 15, 0), 201},
		{"admin", "GET", "/api/v1/bookings/pending", "", 200},
		{"student", "POST", "/api/v1/bookings/2/reject", "", 403},
		{"admin", "POST", "/api/v1/bookings/2/approve", "", 200},
		{"admin", "POST", "/api/v1/bookings/2/reject", "", 404},
		{"student", "GET", "/api/v1/bookings/1", "", 200},
		{"staff", "GET", "/api/v1/bookings/1", "", 404},
		{"student", "PATCH", "/api/v1/bookings/1", fmt.Sprintf(`{"start":%q,"end":%q}`, at12(11, 0), at12(12, 0)), 200},
		{"student", "PATCH", "/api/v1/bookings/1", `{"start":"soon"}`, 400},
		{"student", "POST", "/api/v1/bookings/1/checkin", "", 422},
		{"student", "GET", "/api/v1/me/bookings?lang=zh", "", 200},
		{"student", "DELETE", "/api/v1/bookings/1", "", 200},
		{"student", "DELETE", "/api/v1/bookings/1", "", 404},
		{"student", "GET", "/api/v1/me/attendance", "", 200},
		{"admin", "POST", "/api/v1/courses", course, 201},
		{"staff", "POST", "/api/v1/courses", course, 403},
		{"admin", "POST", "/api/v1/courses", `{"capacity":1}`, 400},
		{"student", "GET", "/api/v1/courses?limit=5", "", 200},
		{"", "GET", "/api/v1/courses", "", 401},
		{"student", "GET", "/api/v1/courses/1?lang=zh", "", 200},
		{"student", "GET", "/api/v1/courses/999", "", 404},
		{"admin", "POST", "/api/v1/courses/1/sessions", `{"start":"2030-03-06T18:00:00+08:00","end":"2030-03-06T19:00:00+08:00"}`, 201},
		{"admin", "POST", "/api/v1/courses/1/sessions", `{"start":"2030-03-06T18:30:00+08:00","end":"2030-03-06T19:30:00+08:00"}`, 409},
		{"admin", "DELETE", "/api/v1/courses/1/sessions/3", "", 204},
		{"admin", "DELETE", "/api/v1/courses/1/sessions/3", "", 404},
		{"student", "POST", "/api/v1/courses/1/enrol", `{"accept_rules":true}`, 201},
		{"staff", "POST", "/api/v1/courses/1/enrol", `{"accept_rules":false}`, 422},
		{"visitor", "POST", "/api/v1/courses/1/enrol", `{"accept_rules":true}`, 403},
		{"student", "GET", "/api/v1/courses?mine=true", "", 200},
		{"student", "POST", "/api/v1/courses/1/sessions/1/checkin", "", 200},
		{"staff", "POST", "/api/v1/courses/1/sessions/1/checkin", "", 404},
		{"student", "POST", "/api/v1/courses/1/sessions/2/leave", "", 200},
		{"student", "POST", "/api/v1/courses/1/sessions/1/leave", "", 422},
		{"student", "DELETE", "/api/v1/courses/1/enrolment", "", 204},
		{"student", "DELETE", "/api/v1/courses/1/enrolment", "", 404},
		{"student", "DELETE", "/api/v1/courses/1", "", 403},
		{"admin", "DELETE", "/api/v1/courses/1", "", 204},
		{"student", "GET", "/api/v1/labs?lang=zh", "", 200},
		{"visitor", "GET", "/api/v1/labs", "", 403},
		{"student", "POST", "/api/v1/labs/NFF/profile", labProfile, 201},
		{"student", "POST", "/api/v1/labs/nff/profile", labProfile, 200},
		{"student", "POST", "/api/v1/labs/NFF/profile", `{"name":"","department":"x","phone":"123456","email":"a@b.cn"}`, 400},
		{"student", "POST", "/api/v1/labs/MIT/profile", labProfile, 404},
		{"admin", "GET", "/api/v1/labs/NFF/members?status=pending", "", 200},
		{"student", "GET", "/api/v1/labs/NFF/members", "", 403},
		{"admin", "POST", "/api/v1/labs/NFF/members/7/reject", `{"note":"ask your supervisor to sign"}`, 200},
		{"admin", "POST", "/api/v1/labs/NFF/members/7/approve", "", 409},
		{"student", "POST", "/api/v1/labs/NFF/profile", labProfile, 200},
		{"admin", "POST", "/api/v1/labs/NFF/members/7/approve", `{"note":"welcome"}`, 200},
		{"admin", "POST", "/api/v1/labs/NFF/members/x/reject", "", 400},
		{"student", "POST", "/api/v1/labs/NFF/samples", `{"what":"Si wafer","count":2,"service":"SEM imaging"}`, 201},
		{"staff", "POST", "/api/v1/labs/NFF/samples", `{"what":"Si wafer","count":2,"service":"SEM imaging"}`, 403},
		{"student", "POST", "/api/v1/labs/NFF/samples", `{"what":"Si wafer","service":"SEM imaging"}`, 400},
		{"admin", "POST", "/api/v1/labs/NFF/samples/1/status", `{"status":"received"}`, 200},
		{"admin", "POST", "/api/v1/labs/NFF/samples/1/status", `{"status":"submitted"}`, 409},
		{"student", "POST", "/api/v1/labs/NFF/samples/1/status", `{"status":"done"}`, 403},
		{"student", "GET", "/api/v1/labs/NFF/samples?limit=5", "", 200},
		{"admin", "GET", "/api/v1/labs/NFF/samples?status=received", "", 200},
		{"student", "GET", "/api/v1/labs/NFF/samples?status=lost", "", 400},
		{"admin", "POST", "/api/v1/counselling/slots", slot(10, 60), 201},
		{"admin", "POST", "/api/v1/counselling/slots", slot(10, 30), 409},
		{"admin", "POST", "/api/v1/counselling/slots", slot(18, 30), 422},
		{"staff", "POST", "/api/v1/counselling/slots", slot(14, 30), 403},
		{"student", "GET", "/api/v1/counselling/slots?lang=zh", "", 200},
		{"admin", "GET", "/api/v1/counselling/slots?mine=true", "", 200},
		{"student", "GET", "/api/v1/counselling/slots?from=tomorrow", "", 400},
		{"student", "POST", "/api/v1/counselling/appointments", `{"slot":1}`, 201},
		{"student", "POST", "/api/v1/counselling/appointments", `{"slot":1}`, 409},
		{"staff", "POST", "/api/v1/counselling/appointments", `{"slot":1}`, 403},
		{"student", "GET", "/api/v1/counselling/appointments", "", 200},
		{"admin", "GET", "/api/v1/counselling/appointments?limit=5", "", 200},
		{"staff", "GET", "/api/v1/counselling/appointments", "", 403},
		{"admin", "DELETE", "/api/v1/counselling/slots/1", "", 409},
		{"staff", "DELETE", "/api/v1/counselling/appointments/1", "", 404},
		{"student", "DELETE", "/api/v1/counselling/appointments/1", "", 200},
		{"admin", "DELETE", "/api/v1/counselling/slots/1", "", 200},
		{"admin", "DELETE", "/api/v1/counselling/slots/1", "", 404},
		{"", "GET", "/api/v1/repairs/categories", "", 200},
		{"", "POST", "/api/v1/repairs/locate", `{"scans":[` + scanBody("p1") + `]}`, 200},
		{"", "POST", "/api/v1/repairs/locate?lang=zh", `{"scans":[` + scanBody("lost") + `]}`, 422},
		{"", "POST", "/api/v1/repairs/locate", `{"scans":[]}`, 400},
		{"student", "POST", "/api/v1/repairs/locate", `{"at":{"lon":113.4786,"lat":22.8955,"ordinal":0}}`, 200},
		{"", "POST", "/api/v1/repairs/locate", `{"at":{"lon":113.4786,"lat":22.8955}}`, 400},
		{"student", "POST", "/api/v1/repairs", repairBody(`"unit":"` + repairRoomID + `","contact":"ext 1"`), 201},
		{"staff", "POST", "/api/v1/repairs?lang=zh", repairBody(`"scans":[` + scanBody("p1") + `]`), 201},
		{"staff", "POST", "/api/v1/repairs", repairBody(`"scans":[` + scanBody("lost") + `]`), 422},
		{"staff", "POST", "/api/v1/repairs", repairBody(`"at":{"lon":113.4786,"lat":22.8955,"ordinal":0}`), 201},
		{"student", "POST", "/api/v1/repairs", `{"category":"nope","description":"x","unit":"` + repairRoomID + `"}`, 400},
		{"student", "POST", "/api/v1/repairs", repairBody(`"unit":"no-such-room"`), 404},
		{"", "POST", "/api/v1/repairs", repairBody(`"unit":"` + repairRoomID + `"`), 401},
		{"admin", "GET", "/api/v1/repairs?status=open&category=it", "", 200},
		{"admin", "GET", "/api/v1/repairs?status=bogus", "", 400},
		{"student", "GET", "/api/v1/repairs", "", 403},
		{"admin", "GET", "/api/v1/repairs/map?status=open", "", 200},
		{"student", "GET", "/api/v1/repairs/map", "", 403},
		{"student", "GET", "/api/v1/repairs/1", "", 200},
		{"family", "GET", "/api/v1/repairs/1", "", 404},
		{"admin", "POST", "/api/v1/repairs/1/start", "", 409},
		{"admin", "POST", "/api/v1/repairs/1/dispatch", `{"assignee":"IT team"}`, 200},
		{"student", "POST", "/api/v1/repairs/1/dispatch", `{"assignee":"me"}`, 403},
		{"admin", "POST", "/api/v1/repairs/1/start", "", 200},
		{"admin", "POST", "/api/v1/repairs/1/hold", `{"reason":"parts"}`, 200},
		{"admin", "POST", "/api/v1/repairs/1/hold", `{"reason":"parts"}`, 409},
		{"admin", "POST", "/api/v1/repairs/1/start", "", 200},
		{"admin", "POST", "/api/v1/repairs/1/complete", `{"note":"new roller"}`, 200},
		{"student", "POST", "/api/v1/repairs/1/rate", `{"stars":5,"comment":"quick"}`, 200},
		{"student", "POST", "/api/v1/repairs/1/rate", `{"stars":9}`, 400},
		{"student", "POST", "/api/v1/repairs/1/reopen", `{"reason":"jams again"}`, 200},
		{"family", "POST", "/api/v1/repairs/1/reopen", `{"reason":"x"}`, 404},
		{"admin", "POST", "/api/v1/repairs/1/close", "", 409},
		{"admin", "POST", "/api/v1/repairs/3/close", "", 200},
		{"student", "POST", "/api/v1/repairs/1/photos", "photo:jpeg", 201},
		{"student", "POST", "/api/v1/repairs/1/photos", "photo:jpeg", 200},
		{"student", "POST", "/api/v1/repairs/1/photos", "photo:gif", 415},
		{"family", "POST", "/api/v1/repairs/1/photos", "photo:png", 404},
		{"student", "GET", "/api/v1/repairs/1/photos/1", "", 200},
		{"family", "GET", "/api/v1/repairs/1/photos/1", "", 404},
		{"student", "GET", "/api/v1/me/repairs?limit=1", "", 200},
		{"", "GET", "/api/v1/me/repairs", "", 401},
		{"staff", "POST", "/api/v1/shares", `{"with":"family@example.edu","minutes":30,"history":true}`, 201},
		{"staff", "POST", "/api/v1/shares", `{"with":"nobody@elsewhere.edu"}`, 404},
		{"staff", "POST", "/api/v1/shares", `{"with":"staff@example.edu"}`, 400},
		{"staff", "POST", "/api/v1/shares", `{"with":"family@example.edu","minutes":5000}`, 400},
		{"visitor", "POST", "/api/v1/shares", `{"with":"staff@example.edu"}`, 403},
		{"", "POST", "/api/v1/shares", `{"with":"staff@example.edu"}`, 401},
		{"family", "GET", "/api/v1/shares?limit=5", "", 200},
		{"staff", "POST", "/api/v1/shares/1/accept", "", 404},
		{"family", "POST", "/api/v1/shares/1/accept", "", 200},
		{"family", "POST", "/api/v1/shares/1/alerts", `{"place":"C3","on":"enter"}`, 201},
		{"family", "POST", "/api/v1/shares/1/alerts", `{"place":"C3","on":"sideways"}`, 400},
		{"family", "GET", "/api/v1/shares/1/track", "", 200},
		{"family", "PATCH", "/api/v1/shares/1", `{"history":false}`, 403},
		{"staff", "PATCH", "/api/v1/shares/1", `{"history":false}`, 200},
		{"staff", "PATCH", "/api/v1/shares/1", `{}`, 400},
		{"student", "GET", "/api/v1/shares/1/track", "", 404},
		{"staff", "POST", "/api/v1/groups", `{"name":"lunch"}`, 201},
		{"staff", "POST", "/api/v1/groups", `{"name":""}`, 400},
		{"staff", "GET", "/api/v1/groups", "", 200},
		{"student", "POST", "/api/v1/groups/join", `{"code":"ABCDEFGHJK"}`, 404},
		{"student", "POST", "/api/v1/groups/join", `{"code":"bad"}`, 400},
		{"student", "POST", "/api/v1/groups/1/leave", "", 404},
		{"staff", "DELETE", "/api/v1/groups/1/members/7", "", 404},
		{"staff", "DELETE", "/api/v1/groups/1/members/5", "", 400},
		{"staff", "POST", "/api/v1/groups/1/leave", "", 204},
		{"family", "DELETE", "/api/v1/shares/1", "", 204},
		{"staff", "DELETE", "/api/v1/shares/1", "", 404},
		{"staff", "POST", "/api/v1/live/ticket", "", 201},
		{"", "POST", "/api/v1/live/ticket", "", 401},
		{"", "GET", "/api/v1/live?ticket=nope", "", 401},
		{"", "GET", "/api/v1/live", "", 400},
		{"", "GET", "/api/v1/live?ticket=nope&alerts_after=-1", "", 400},
		{"", "GET", feed, "", 200},
		{"", "GET", feed + "?lang=zh", "", 200},
		{"", "GET", feed + "?lang=fr", "", 400},
		{"", "GET", "/api/v1/calendar/nothing.ics", "", 404},
		{"", "GET", "/api/v1/tours", "", 200},
		{"visitor", "GET", "/api/v1/tours?lang=zh&from=2026-12-05&to=2026-12-06", "", 200},
		{"", "GET", "/api/v1/tours?from=2026-12-01", "", 400},
		{"visitor", "POST", hl + "?lang=zh", `{"people":2}`, 201},
		{"visitor", "POST", hl, `{"people":2}`, 409},
		{"visitor", "POST", "/api/v1/tours/nowhere/bookings", `{"people":2}`, 404},
		{"visitor", "POST", "/api/v1/tours/campus-walk-20261205-0930/bookings", `{"people":0}`, 400},
		{"staff", "POST", hl, `{"people":1}`, 403},
		{"", "POST", hl, `{"people":1}`, 401},
		{"visitor", "GET", "/api/v1/me/tours?limit=1", "", 200},
		{"", "GET", "/api/v1/me/tours", "", 401},
		{"staff", "POST", "/api/v1/tours/bookings/1/cancel", "", 404},
		{"visitor", "POST", "/api/v1/tours/bookings/1/cancel", "", 200},
		{"visitor", "POST", "/api/v1/tours/bookings/1/cancel?lang=zh", "", 409},
		{"staff", "POST", "/api/v1/me/calendar", "", 201},
		{"", "POST", "/api/v1/me/calendar", "", 401},
		{"staff", "DELETE", "/api/v1/me/calendar", "", 204},
		{"visitor", "POST", "/api/v1/visits", visitBody("staff@example.edu", 2, 1, `,"place":"C1"`), 201},
		{"visitor", "POST", "/api/v1/visits?lang=zh", visitBody("nobody@example.edu", 2, 2, ""), 400},
		{"staff", "POST", "/api/v1/visits", visitBody("staff@example.edu", 2, 2, ""), 403},
		{"visitor", "GET", "/api/v1/me/visits?limit=5", "", 200},
		{"", "GET", "/api/v1/me/visits", "", 401},
		{"visitor", "GET", "/api/v1/visits/1", "", 200},
		{"family", "GET", "/api/v1/visits/1", "", 404},
		{"visitor", "GET", "/api/v1/visits/1/route?lang=zh", "", 200},
		{"family", "GET", "/api/v1/visits/1/route", "", 404},
		{"visitor", "GET", "/api/v1/visits/1/route?profile=skate", "", 400},
		{"visitor", "POST", "/api/v1/visits/1/again", `{"date":"2026-12-05","from":"10:00","to":"11:00"}`, 201},
		{"visitor", "POST", "/api/v1/visits/1/again", `{"date":"2026-12-05","from":"10:00"}`, 400},
		{"visitor", "POST", "/api/v1/visits/1/withdraw", "", 200},
		{"visitor", "POST", "/api/v1/visits/1/withdraw", "", 409},
		{"staff", "POST", "/api/v1/invitations", inviteBody("13900000002", 3, "C1-101"), 201},
		{"staff", "POST", "/api/v1/invitations?lang=zh", inviteBody("13900000002", 3, ""), 400},
		{"visitor", "POST", "/api/v1/invitations", inviteBody("13900000002", 3, "C1"), 403},
		{"staff", "GET", "/api/v1/invitations?limit=1", "", 200},
		{"visitor", "GET", "/api/v1/invitations", "", 403},
		{"visitor:+8613900000002", "POST", accept, acceptBody(7), 403},
		{"visitor:+8613900000001", "POST", accept, acceptBody(7), 201},
		{"visitor:+8613900000001", "POST", accept, acceptBody(7), 409},
		{"visitor:+8613900000001", "POST", "/api/v1/invitations/nothing/accept", acceptBody(7), 404},
		{"staff", "POST", fmt.Sprintf("/api/v1/invitations/%d/withdraw", invited.Invitation.ID), "", 200},
		{"staff", "POST", fmt.Sprintf("/api/v1/invitations/%d/withdraw", invited.Invitation.ID), "", 409},
		{"student", "POST", fmt.Sprintf("/api/v1/invitations/%d/withdraw", invited.Invitation.ID), "", 404},
		{"visitor", "POST", "/api/v1/visits", visitBody("staff@example.edu", 6, 4, ""), 201},
		{"staff", "GET", "/api/v1/visits?as=host&status=pending&limit=5", "", 200},
		{"staff", "GET", "/api/v1/visits?as=me", "", 400},
		{"staff", "POST", "/api/v1/visits/2/approve", `{"note":"welcome","place":"C1"}`, 200},
		{"staff", "POST", "/api/v1/visits/2/approve", `{"place":"C1"}`, 409},
		{"staff", "POST", "/api/v1/visits/4/approve", "", 400},
		{"student", "POST", "/api/v1/visits/4/reject", "", 404},
		{"staff", "POST", "/api/v1/visits/4/reject", `{"note":"away"}`, 200},
		{"staff", "GET", "/api/v1/visits/summary", "", 200},
		{"visitor", "GET", "/api/v1/visits/summary", "", 403},
		{"staff", "GET", "/api/v1/visits/calendar?month=2026-12", "", 200},
		{"staff", "GET", "/api/v1/visits/calendar?month=12", "", 400},
		{"", "POST", "/api/v1/visits/webhook", `{"visit":2,"decision":"approve"}`, 404},
		{"admin", "POST", "/api/v1/watchlist", `{"kind":"plate","value":"粤B99999","note":"tailgating"}`, 201},
		{"admin", "POST", "/api/v1/watchlist", `{"kind":"plate","value":"粤B99999"}`, 409},
		{"staff", "POST", "/api/v1/watchlist", `{"kind":"name","value":"x"}`, 403},
		{"admin", "GET", "/api/v1/watchlist?limit=5", "", 200},
		{"admin", "DELETE", "/api/v1/watchlist/1", "", 204},
		{"admin", "DELETE", "/api/v1/watchlist/1", "", 404},
		{"visitor", "GET", "/api/v1/visits/2/pass?person=0", "", 200},
		{"visitor", "GET", "/api/v1/visits/4/pass", "", 409},
		{"visitor", "GET", "/api/v1/visits/2/pass?person=-1", "", 400},
		{readerToken, "POST", "/api/v1/access/check", `{"reader":"` + gate.ID + `","id_number":"` + idNumber(1) + `"}`, 200},
		{readerToken, "POST", "/api/v1/access/check", `{"reader":"` + gate.ID + `","visitor_pass":"x","direction":"out"}`, 200},
		{"admin", "GET", "/api/v1/visits/onsite?limit=5", "", 200},
		{"staff", "GET", "/api/v1/visits/onsite", "", 403},
		{"", "GET", "/api/v1/visits/template.xlsx", "", 200},
		{"", "GET", "/api/v1/visits/template.csv", "", 200},
		{"staff", "POST", "/api/v1/visits/import?dry_run=true", "import:csv", 200},
		{"staff", "POST", "/api/v1/visits/import?lang=zh", "import:xlsx", 200},
		{"visitor", "POST", "/api/v1/visits/import", "import:csv", 403},
		{"staff", "POST", "/api/v1/visits/import", `{"csv":"x"}`, 415},
		{"", "DELETE", "/api/v1/me/calendar", "", 401},
	}
	exercised := map[string]bool{}
	for n, c := range cases {
		name := c.method + " " + c.path
		var sent io.Reader = strings.NewReader(c.body)
		contentType := "application/json"
		if format, ok := strings.CutPrefix(c.body, "import:"); ok { // a table of visits
			var b *bytes.Buffer
			b, contentType = importBody(t, "visits."+format, importFile(t, format, importRows(3, 8)))
			sent = b
		}
		if format, ok := strings.CutPrefix(c.body, "photo:"); ok { // a photo's upload
			var b *bytes.Buffer
			b, contentType = multipartBody(t, map[string][][]byte{"photo": {photoImage(t, format, 8, 6)}})
			sent = b
		}
		req, _ := http.NewRequest(c.method, ts.URL+c.path, sent)
		role, bare := strings.CutPrefix(c.role, "bare:") // bare: no Idempotency-Key
		if !bare && (c.method == "POST" || c.method == "PUT") {
			req.Header.Set("Idempotency-Key", fmt.Sprintf("case-%d", n))
		}
		switch {
		case role == "sig:": // a provider's notification, signed
			req.Header.Set(payments.SignatureHeader, pay.sandbox.Sign([]byte(c.body)))
		case strings.HasPrefix(role, "rdr_"): // a reader's own token
			req.Header.Set("Authorization", "Bearer "+role)
		case role != "":
			req.Header.Set("Authorization", "Bearer token-"+role)
		}
		if c.body != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %s", name, resp.StatusCode, c.status, body)
			continue
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s: not in openapi.json: %v", name, err)
			continue
		}
		exercised[strings.ToUpper(c.method)+" "+route.Path] = true
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 resp.StatusCode,
			Header:                 resp.Header,
			Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		in.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("%s: the answer does not match openapi.json: %v\n%.600s", name, err, bytes.TrimSpace(body))
		}
	}
	var missing []string
	for p, item := range doc.Paths.Map() {
		for m := range item.Operations() {
			if !exercised[m+" "+p] {
				missing = append(missing, fmt.Sprintf("%s %s", m, p))
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations no case exercises: %v", missing)
	}
}
