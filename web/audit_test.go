package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

// fakeAudit is an audit log of one sign-in, for the document's tests.
type fakeAudit struct{}

func (fakeAudit) AuditEntries(_ context.Context, q audit.Query) ([]audit.Entry, error) {
	e := audit.Entry{At: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC), Actor: 1, Subject: "staff@example.edu", Kind: audit.SignIn,
		Place: "192.0.2.1", Decision: audit.Allow, Detail: audit.Detail(map[string]string{"method": "password"})}
	return []audit.Entry{e.Chain(0, audit.Zero)}[:min(q.Limit, 1)], nil
}

// auditPageOf reads a page of the audit log as the token's holder.
func auditPageOf(t *testing.T, ts *httptest.Server, token, query string) (int, auditPage, string) {
	t.Helper()
	code, _, body := callToken(t, ts, token, "GET", "/api/v1/admin/audit"+query, "")
	var p auditPage
	if code == 200 {
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("GET /admin/audit%s: %v\n%s", query, err, body)
		}
	}
	return code, p, string(body)
}

// TestAuditOverHTTP: sign-ins over HTTP are in the audit log, with the
// client's address; admins read it a page at a time, filtered; others
// may not; a bad parameter is a 400 naming it. /me lists duties. The
// real auth service and SQLite store.
func TestAuditOverHTTP(t *testing.T) {
	testServer(t)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := auth.New(db, auth.Options{Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	d := campusDeps
	d.Auth, d.Family, d.Places, d.Audit = svc, svc, db, db
	ts := httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(ts.Close)
	ctx := t.Context()

	signIn := func(email, password string) (int, string) {
		code, _, body := callToken(t, ts, "", "POST", "/api/v1/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
		var s struct{ Token string }
		json.Unmarshal(body, &s)
		return code, s.Token
	}
	admin, err := svc.AddUser(ctx, "ops@hkust-gz.edu.cn", "correct horse battery", auth.Admin)
	if err != nil {
		t.Fatal(err)
	}
	svc.AddUser(ctx, "guard@hkust-gz.edu.cn", "correct horse battery", auth.Staff)
	_, adminToken := signIn("ops@hkust-gz.edu.cn", "correct horse battery")
	_, guardToken := signIn("guard@hkust-gz.edu.cn", "correct horse battery")
	if code, _ := signIn("guard@hkust-gz.edu.cn", "wrong horse battery"); code != 401 {
		t.Fatalf("a wrong password: %d", code)
	}
	if _, err := svc.SetDuty(ctx, admin, "guard@hkust-gz.edu.cn", auth.Security, true); err != nil {
		t.Fatal(err)
	}

	// /me lists duties: granted, or every one for an admin.
	var me struct{ Duties []auth.Duty }
	get := func(token string) []auth.Duty {
		_, _, body := callToken(t, ts, token, "GET", "/api/v1/me", "")
		me.Duties = nil
		json.Unmarshal(body, &me)
		return me.Duties
	}
	if got := get(guardToken); !slices.Equal(got, []auth.Duty{auth.Security}) {
		t.Errorf("/me duties of the guard: %v", got)
	}
	if got := get(adminToken); !slices.Equal(got, auth.Duties) {
		t.Errorf("/me duties of an admin: %v", got)
	}

	// Who may read it.
	if code, _, body := auditPageOf(t, ts, guardToken, ""); code != 403 || !strings.Contains(body, "only admins read the audit log") {
		t.Errorf("staff reading the log: %d %s", code, body)
	}
	if code, _, _ := auditPageOf(t, ts, "", ""); code != 401 {
		t.Errorf("nobody reading the log: %d", code)
	}

	code, all, body := auditPageOf(t, ts, adminToken, "")
	if code != 200 || all.Next != nil {
		t.Fatalf("the log: %d %s", code, body)
	}
	var kinds []string
	for _, e := range all.Items {
		kinds = append(kinds, e.Subject+" "+e.Kind)
	}
	want := []string{"guard@hkust-gz.edu.cn duty_granted", "guard@hkust-gz.edu.cn signin_failed", "guard@hkust-gz.edu.cn signin", "ops@hkust-gz.edu.cn signin"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("the log, newest first:\n%v\nwant\n%v", kinds, want)
	}
	if e := all.Items[1]; e.Place != "127.0.0.1" || e.Reason != "wrong password" || e.Decision != audit.Deny || string(e.Detail) != `{"method":"password"}` {
		t.Errorf("the refusal: %+v", e)
	}
	if !strings.Contains(body, `"at":"20`) || !strings.Contains(body, `"detail":{"method":"password"}`) || !strings.Contains(body, `"hash":"`) {
		t.Errorf("the answer's shape: %s", body)
	}

	// A page at a time, to the end.
	var paged []audit.Entry
	q := "?limit=3"
	for range 5 {
		code, p, body := auditPageOf(t, ts, adminToken, q)
		if code != 200 {
			t.Fatalf("page %s: %d %s", q, code, body)
		}
		paged = append(paged, p.Items...)
		if p.Next == nil {
			break
		}
		q = "?limit=3&cursor=" + url.QueryEscape(*p.Next)
	}
	if len(paged) != len(all.Items) || paged[3].ID != all.Items[3].ID {
		t.Errorf("paged: %d entries, want %d", len(paged), len(all.Items))
	}

	// Filters.
	for _, tc := range []struct {
		query string
		n     int
	}{
		{"?subject=guard@hkust-gz.edu.cn", 3},
		{"?kind=signin", 2},
		{"?subject=guard@hkust-gz.edu.cn&kind=signin", 1},
		{"?from=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), 0},
		{"?to=" + url.QueryEscape(time.Now().Add(time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)), 4},
		{"?from=2020-01-01T00:00:00%2B08:00&to=2020-01-02T00:00:00Z", 0},
	} {
		code, p, body := auditPageOf(t, ts, adminToken, tc.query)
		if code != 200 || len(p.Items) != tc.n || p.Items == nil {
			t.Errorf("%s: %d, %d entries, want %d: %s", tc.query, code, len(p.Items), tc.n, body)
		}
	}

	// Bad parameters name themselves, in English and Chinese.
	for _, tc := range []struct{ query, param string }{
		{"?subject=a%00b", "subject"},
		{"?subject=" + strings.Repeat("s", audit.MaxText+1), "subject"},
		{"?kind=Sign+In", "kind"},
		{"?from=yesterday", "from"},
		{"?to=2026-03-01", "to"},
		{"?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "to"},
		{"?limit=0", "limit"},
		{"?limit=501", "limit"},
		{"?cursor=abc", "cursor"},
	} {
		for _, lang := range []string{"en", "zh"} {
			code, _, body := callToken(t, ts, adminToken, "GET", "/api/v1/admin/audit"+tc.query+"&lang="+lang, "")
			var p Problem
			json.Unmarshal(body, &p)
			if code != 400 || p.Param != tc.param || (lang == "zh") != hasHan(p.Detail) {
				t.Errorf("%s (%s): %d %s, want 400 naming %s", tc.query, lang, code, body, tc.param)
			}
		}
	}
}
