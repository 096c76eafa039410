package web

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/wechat"
	"github.com/campusnav/engine/services/auth/wechat/wechattest"
	"github.com/campusnav/engine/services/sqlite"
)

// TestWeChatSignInOverHTTP: the mini program's sign-in against an in-test
// code2Session server and the real SQLite store: not bound (404
// not_bound), bound after a phone sign-in, then signed in by WeChat alone;
// a used or unknown code is 401; an openid is one account's.
func TestWeChatSignInOverHTTP(t *testing.T) {
	testServer(t)
	wx := wechattest.Start(t, "wx0123456789abcdef", "app-secret")
	client, err := wechat.New(wechat.Config{AppID: "wx0123456789abcdef", Secret: "app-secret", API: wx.URL()})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "campus.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	book := &codeBook{codes: map[string]string{}}
	svc := auth.New(db, auth.Options{SMS: book, WeChat: client, Params: auth.Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	d := campusDeps
	d.Auth, d.Phone, d.Places, d.WeChat = svc, svc, db, svc
	ts := httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(ts.Close)

	signIn := func(code string) (int, []byte) {
		status, _, body := call(t, ts, "", "POST", "/api/v1/auth/wechat", `{"code":"`+code+`"}`)
		return status, body
	}
	status, body := signIn(wx.Issue("oVisitor"))
	var p Problem
	json.Unmarshal(body, &p)
	if status != 404 || p.Code != "not_bound" || p.Param != "code" {
		t.Fatalf("an unbound WeChat user: %d %s, want 404 not_bound", status, body)
	}
	if status, _, body := call(t, ts, "", "POST", "/api/v1/auth/wechat/bind", `{"code":"`+wx.Issue("oVisitor")+`"}`); status != 401 {
		t.Errorf("binding without a session: %d %s, want 401", status, body)
	}

	// The visitor signs in by phone once, then binds.
	call(t, ts, "", "POST", "/api/v1/auth/phone/start", `{"phone":"13800000000"}`)
	_, _, body = call(t, ts, "", "POST", "/api/v1/auth/phone/verify", `{"phone":"13800000000","code":"`+book.code("+8613800000000")+`"}`)
	var phone loginAnswer
	if err := json.Unmarshal(body, &phone); err != nil || phone.Token == "" {
		t.Fatalf("phone sign-in: %s", body)
	}
	if status, _, body := callToken(t, ts, phone.Token, "POST", "/api/v1/auth/wechat/bind", `{"code":"`+wx.Issue("oVisitor")+`"}`); status != 204 {
		t.Fatalf("bind: %d %s", status, body)
	}
	code := wx.Issue("oVisitor")
	status, body = signIn(code)
	var got loginAnswer
	if err := json.Unmarshal(body, &got); status != 200 || err != nil || got.Token == "" || got.Role != string(auth.Visitor) || got.ExpiresAt.IsZero() {
		t.Fatalf("sign-in by WeChat: %d %s", status, body)
	}
	if strings.Contains(string(body), wx.LastSessionKey()) || strings.Contains(string(body), "session_key") {
		t.Errorf("the answer carries WeChat's session_key: %s", body)
	}
	u, err := svc.Authenticate(t.Context(), got.Token)
	if err != nil || u.Email != "tel:+8613800000000" {
		t.Errorf("the WeChat session is %+v %v, want the phone's account", u, err)
	}
	if status, _ := signIn(code); status != 401 {
		t.Errorf("a code used twice: %d, want 401", status)
	}
	if status, _ := signIn("never-issued"); status != 401 {
		t.Errorf("an unknown code: %d, want 401", status)
	}
	if status, _, body := call(t, ts, "", "POST", "/api/v1/auth/wechat", `{"code":""}`); status != 400 || !strings.Contains(string(body), `"param":"code"`) {
		t.Errorf("no code: %d %s", status, body)
	}

	// Another account may not take the openid.
	call(t, ts, "", "POST", "/api/v1/auth/phone/start", `{"phone":"13900000000"}`)
	_, _, body = call(t, ts, "", "POST", "/api/v1/auth/phone/verify", `{"phone":"13900000000","code":"`+book.code("+8613900000000")+`"}`)
	var other loginAnswer
	json.Unmarshal(body, &other)
	if status, _, body := callToken(t, ts, other.Token, "POST", "/api/v1/auth/wechat/bind", `{"code":"`+wx.Issue("oVisitor")+`"}`); status != 409 {
		t.Errorf("binding another's WeChat: %d %s, want 409", status, body)
	}

	// WeChat's own troubles: busy is 503, in Chinese when asked, without
	// WeChat's words.
	wx.FailNext(-1)
	status, _, body = call(t, ts, "", "POST", "/api/v1/auth/wechat?lang=zh", `{"code":"`+wx.Issue("oVisitor")+`"}`)
	if status != 503 || !strings.Contains(string(body), "微信登录暂时不可用") || strings.Contains(string(body), "errcode") {
		t.Errorf("WeChat busy: %d %s", status, body)
	}
	wx.FailNext(45011)
	if status, _ := signIn(wx.Issue("oVisitor")); status != 429 {
		t.Errorf("WeChat's minute quota: %d, want 429", status)
	}
}

// TestWeChatOff: without WeChat configured the endpoints say so.
func TestWeChatOff(t *testing.T) {
	testServer(t)
	d := campusDeps
	d.Auth = fakeAuth{}
	ts := httptest.NewServer(New(d, Config{}).Handler())
	t.Cleanup(ts.Close)
	if status, _, body := call(t, ts, "", "POST", "/api/v1/auth/wechat", `{"code":"x"}`); status != 404 || !strings.Contains(string(body), "WeChat sign-in is not available") {
		t.Errorf("WeChat off: %d %s", status, body)
	}
}
