package web

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

// TestFamilyAccountOverHTTP: a staff member applies, an admin approves,
// the family member signs in by phone as family, and loses access when
// the staff account is disabled. The real auth service and SQLite store.
func TestFamilyAccountOverHTTP(t *testing.T) {
	testServer(t)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	book := &codeBook{codes: map[string]string{}}
	svc := auth.New(db, auth.Options{SMS: book, Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	d := campusDeps
	d.Auth, d.Phone, d.Family, d.Places = svc, svc, svc, db
	ts := httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(ts.Close)
	ctx := t.Context()

	signIn := func(email string, role auth.Role) string {
		if _, err := svc.AddUser(ctx, email, "correct horse battery", role); err != nil {
			t.Fatal(err)
		}
		s, err := svc.Login(ctx, email, "correct horse battery", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return s.Token
	}
	staff := signIn("lee@hkust-gz.edu.cn", auth.Staff)
	student := signIn("stu@connect.hkust-gz.edu.cn", auth.Student)
	admin := signIn("ops@hkust-gz.edu.cn", auth.Admin)

	if code, _, body := callToken(t, ts, student, "POST", "/api/v1/family", `{"phone":"13900000000","name":"Mei"}`); code != 403 {
		t.Errorf("a student applies: %d %s", code, body)
	}
	code, _, body := callToken(t, ts, staff, "POST", "/api/v1/family", `{"phone":"139 0000 0000","name":"Mei 梅"}`)
	var a auth.FamilyApplication
	json.Unmarshal(body, &a)
	if code != 201 || a.Status != auth.Pending || a.Phone != "+8613900000000" {
		t.Fatalf("apply: %d %s", code, body)
	}
	// Before approval the phone signs in as a visitor.
	callToken(t, ts, "", "POST", "/api/v1/auth/phone/start", `{"phone":"13900000000"}`)
	code, _, body = callToken(t, ts, "", "POST", "/api/v1/auth/phone/verify", `{"phone":"13900000000","code":"`+book.code("+8613900000000")+`"}`)
	var sess struct{ Token, Role string }
	json.Unmarshal(body, &sess)
	if code != 200 || sess.Role != "visitor" {
		t.Fatalf("phone sign-in before approval: %d %s", code, body)
	}
	visitorToken := sess.Token
	if code, _, body := callToken(t, ts, staff, "POST", fmt.Sprintf("/api/v1/family/%d/approve", a.ID), ""); code != 403 {
		t.Errorf("staff approves their own application: %d %s", code, body)
	}
	code, _, body = callToken(t, ts, admin, "POST", fmt.Sprintf("/api/v1/family/%d/approve", a.ID), "")
	json.Unmarshal(body, &a)
	if code != 200 || a.Status != auth.Approved || a.UserID == 0 || a.Decided == nil {
		t.Fatalf("approve: %d %s", code, body)
	}
	if code, _, _ := callToken(t, ts, admin, "POST", fmt.Sprintf("/api/v1/family/%d/reject", a.ID), ""); code != 409 {
		t.Errorf("deciding twice: %d", code)
	}
	// The visitor session is now the family account's, and new sign-ins are family.
	var me struct {
		Role string
		ID   int64
	}
	_, _, body = callToken(t, ts, visitorToken, "GET", "/api/v1/me", "")
	json.Unmarshal(body, &me)
	if me.Role != "family" || me.ID != a.UserID {
		t.Errorf("me after approval: %s", body)
	}
	callToken(t, ts, "", "POST", "/api/v1/auth/phone/start", `{"phone":"13900000000"}`)
	_, _, body = callToken(t, ts, "", "POST", "/api/v1/auth/phone/verify", `{"phone":"13900000000","code":"`+book.code("+8613900000000")+`"}`)
	json.Unmarshal(body, &sess)
	if sess.Role != "family" {
		t.Fatalf("phone sign-in after approval: %s", body)
	}
	var list []auth.FamilyApplication
	_, _, body = callToken(t, ts, staff, "GET", "/api/v1/family", "")
	json.Unmarshal(body, &list)
	if len(list) != 1 || list[0].Status != auth.Approved {
		t.Errorf("the staff member's applications: %s", body)
	}
	// Ending the staff account ends the family's access.
	if err := svc.Disable(ctx, "lee@hkust-gz.edu.cn"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := callToken(t, ts, sess.Token, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("the family's session after the staff account ended: %d", code)
	}
	callToken(t, ts, "", "POST", "/api/v1/auth/phone/start", `{"phone":"13900000000"}`)
	if code, _, body := callToken(t, ts, "", "POST", "/api/v1/auth/phone/verify", `{"phone":"13900000000","code":"`+book.code("+8613900000000")+`"}`); code != 401 {
		t.Errorf("the family signs in after the staff account ended: %d %s", code, body)
	}
}
