package web

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/sqlite"
)

// codeBook is an SMS sender that records the codes.
type codeBook struct {
	mu    sync.Mutex
	codes map[string]string
}

func (b *codeBook) SendCode(_ context.Context, phone, code string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.codes[phone] = code
	return nil
}

func (b *codeBook) code(phone string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.codes[phone]
}

// TestPhoneSignInOverHTTP signs a visitor in by phone against the real
// SQLite store, then checks what the session may see.
func TestPhoneSignInOverHTTP(t *testing.T) {
	testServer(t)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	book := &codeBook{codes: map[string]string{}}
	svc := auth.New(db, auth.Options{SMS: book, Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	d := campusDeps
	d.Auth, d.Phone, d.Places = svc, svc, db
	ts := httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(ts.Close)

	code, ct, body := call(t, ts, "", "POST", "/api/v1/auth/phone/start", `{"phone":"+86 138 0000 0000"}`)
	var sent struct {
		Phone     string
		ExpiresAt time.Time `json:"expires_at"`
	}
	json.Unmarshal(body, &sent)
	if code != 202 || sent.Phone != "+8613800000000" || time.Until(sent.ExpiresAt) > 5*time.Minute || time.Until(sent.ExpiresAt) < 4*time.Minute {
		t.Fatalf("start: %d %s %s", code, ct, body)
	}
	got := book.code(sent.Phone)
	if code, _, body := call(t, ts, "", "POST", "/api/v1/auth/phone/verify", `{"phone":"13800000000","code":"12345"}`); code != 400 {
		t.Errorf("a 5-digit code: %d %s", code, body)
	}
	bad := "000000"
	if got == bad {
		bad = "000001"
	}
	if code, ct, body := call(t, ts, "", "POST", "/api/v1/auth/phone/verify", `{"phone":"13800000000","code":"`+bad+`"}`); code != 401 || ct != "application/problem+json" {
		t.Errorf("a wrong code: %d %s %s", code, ct, body)
	}
	code, _, body = call(t, ts, "", "POST", "/api/v1/auth/phone/verify", `{"phone":"13800000000","code":"`+got+`"}`)
	var sess struct {
		Token, Role string
		ExpiresAt   time.Time `json:"expires_at"`
	}
	json.Unmarshal(body, &sess)
	if code != 200 || sess.Role != "visitor" || sess.Token == "" || sess.ExpiresAt.IsZero() {
		t.Fatalf("verify: %d %s", code, body)
	}
	if code, _, body := call(t, ts, "", "POST", "/api/v1/auth/phone/verify", `{"phone":"13800000000","code":"`+got+`"}`); code != 401 {
		t.Errorf("the code used twice: %d %s", code, body)
	}
	// The session is a visitor's: /me says so and saved places work.
	code, _, body = callToken(t, ts, sess.Token, "GET", "/api/v1/me", "")
	var me struct{ Role, Email string }
	json.Unmarshal(body, &me)
	if code != 200 || me.Role != "visitor" || me.Email != "tel:+8613800000000" {
		t.Errorf("me: %d %s", code, body)
	}
	if code, _, body := callToken(t, ts, sess.Token, "POST", "/api/v1/me/places", `{"name":"visitor car","lon":113.4786,"lat":22.8955,"ordinal":-1}`); code != 201 {
		t.Errorf("a visitor saves a place: %d %s", code, body)
	}
	// Bad numbers name the field.
	code, _, body = call(t, ts, "", "POST", "/api/v1/auth/phone/start", `{"phone":"12345"}`)
	var p struct{ Param string }
	json.Unmarshal(body, &p)
	if code != 400 || p.Param != "phone" {
		t.Errorf("a bad number: %d %s", code, body)
	}
	// The fourth code for one phone within 10 minutes is refused.
	for i := 0; i < 2; i++ {
		call(t, ts, "", "POST", "/api/v1/auth/phone/start", `{"phone":"13800000000"}`)
	}
	if code, _, body := call(t, ts, "", "POST", "/api/v1/auth/phone/start", `{"phone":"13800000000"}`); code != 429 {
		t.Errorf("a fourth code: %d %s", code, body)
	}
}
