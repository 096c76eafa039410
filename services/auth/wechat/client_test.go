package wechat_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth/wechat"
	"github.com/campusnav/engine/services/auth/wechat/wechattest"
)

const (
	appID = "wx0123456789abcdef"
	// secret has characters a query escapes, so that both spellings of
	// it are looked for in errors.
	secret = "Sec+ret/0123456789=abcdefABCDEF"
)

// start serves code2Session and makes a client of it.
func start(t *testing.T) (*wechattest.Server, *wechat.Client) {
	t.Helper()
	srv := wechattest.Start(t, appID, secret)
	return srv, client(t, wechat.Config{AppID: appID, Secret: secret, API: srv.URL()})
}

func client(t *testing.T, cfg wechat.Config) *wechat.Client {
	t.Helper()
	c, err := wechat.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// noLeak fails when err, however printed, holds the secret (as is or
// query-escaped), the request's query, or any of the other words given.
func noLeak(t *testing.T, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got none")
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, w := range append([]string{secret, url.QueryEscape(secret), "secret=", "js_code="}, words...) {
			if w != "" && strings.Contains(text, w) {
				t.Errorf("error %q holds %q", text, w)
			}
		}
	}
}

func TestExchangeSignsInOnce(t *testing.T) {
	srv, c := start(t)
	code := srv.Issue("oAlice0123456789abcdefghijk")
	s, err := c.Exchange(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	if s != (wechat.Session{OpenID: "oAlice0123456789abcdefghijk"}) {
		t.Errorf("session %+v, want Alice's openid and no unionid", s)
	}
	key := srv.LastSessionKey()
	if key == "" {
		t.Fatal("the test server gave no session_key")
	}
	if strings.Contains(fmt.Sprintf("%#v", s), key) {
		t.Errorf("session %#v holds the session_key", s)
	}

	_, err = c.Exchange(context.Background(), code)
	if !errors.Is(err, wechat.ErrCodeUsed) {
		t.Fatalf("second exchange: %v, want ErrCodeUsed", err)
	}
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != 40163 || !strings.Contains(ae.Message, "code been used") {
		t.Errorf("second exchange: %#v, want errcode 40163 with WeChat's message", err)
	}
	noLeak(t, err, key, code)
	if n := srv.Requests(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestExchangeUnionID(t *testing.T) {
	srv, c := start(t)
	s, err := c.Exchange(context.Background(), srv.IssueUnion("oBob", "uBob"))
	if err != nil || s != (wechat.Session{OpenID: "oBob", UnionID: "uBob"}) {
		t.Fatalf("got %+v, %v; want oBob and uBob", s, err)
	}
}

func TestExchangeUnknownAndExpiredCodes(t *testing.T) {
	srv, c := start(t)
	now := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	late := srv.Issue("oCarol")
	fresh := srv.Issue("oDan")
	now = now.Add(wechattest.CodeTTL)
	for name, code := range map[string]string{"unknown": "0716AVll20uHk94SLDml27etM946AVlq", "expired": late} {
		_, err := c.Exchange(context.Background(), code)
		if !errors.Is(err, wechat.ErrInvalidCode) || errors.Is(err, wechat.ErrUnavailable) {
			t.Errorf("%s code: %v, want ErrInvalidCode only", name, err)
		}
		noLeak(t, err)
	}
	now = now.Add(-time.Second)
	if _, err := c.Exchange(context.Background(), fresh); err != nil {
		t.Errorf("a code a second before its end: %v", err)
	}
}

func TestExchangeRefusals(t *testing.T) {
	for _, tc := range []struct {
		errcode int
		want    error
	}{
		{-1, wechat.ErrUnavailable},
		{45011, wechat.ErrRateLimited},
		{40226, wechat.ErrBlocked},
		{40029, wechat.ErrInvalidCode},
		{40163, wechat.ErrCodeUsed},
		{40001, wechat.ErrMisconfigured},
		{61003, wechat.ErrUnavailable}, // not documented here
	} {
		t.Run(fmt.Sprint(tc.errcode), func(t *testing.T) {
			srv, c := start(t)
			code := srv.Issue("oErin")
			srv.FailNext(tc.errcode)
			_, err := c.Exchange(context.Background(), code)
			var ae *wechat.APIError
			if !errors.Is(err, tc.want) || !errors.As(err, &ae) || ae.Code != tc.errcode {
				t.Fatalf("got %v, want errcode %d as %v", err, tc.errcode, tc.want)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("errcode %d", tc.errcode)) || !strings.Contains(ae.Message, "rid: ") {
				t.Errorf("%q does not carry WeChat's errcode and errmsg for the log", err)
			}
			for _, other := range []error{wechat.ErrInvalidCode, wechat.ErrCodeUsed, wechat.ErrRateLimited, wechat.ErrBlocked, wechat.ErrInvalid} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("%v is also %v", err, other)
				}
			}
			noLeak(t, err, code)
			// A refusal leaves the code as it was.
			if s, err := c.Exchange(context.Background(), code); err != nil || s.OpenID != "oErin" {
				t.Errorf("the code after a refusal: %+v, %v", s, err)
			}
		})
	}
}

func TestExchangeWrongAppOrSecret(t *testing.T) {
	srv := wechattest.Start(t, appID, secret)
	code := srv.Issue("oFay")
	for _, tc := range []struct {
		name          string
		appID, secret string
		errcode       int
	}{
		{"appid", "wx00000000000000ff", secret, 40013},
		{"secret", appID, secret + "x", 40125},
	} {
		c := client(t, wechat.Config{AppID: tc.appID, Secret: tc.secret, API: srv.URL()})
		_, err := c.Exchange(context.Background(), code)
		var ae *wechat.APIError
		if !errors.Is(err, wechat.ErrMisconfigured) || !errors.Is(err, wechat.ErrUnavailable) || !errors.As(err, &ae) || ae.Code != tc.errcode {
			t.Errorf("wrong %s: %v, want errcode %d, ErrMisconfigured and ErrUnavailable", tc.name, err, tc.errcode)
		}
		noLeak(t, err, tc.secret, url.QueryEscape(tc.secret))
	}
	if _, err := client(t, wechat.Config{AppID: appID, Secret: secret, API: srv.URL()}).Exchange(context.Background(), code); err != nil {
		t.Errorf("the code after refusals of the app: %v", err)
	}
}

func TestExchangeAnyContentType(t *testing.T) {
	srv, c := start(t)
	for _, ct := range []string{"text/plain", "application/json; encoding=utf-8", "application/json", "text/html; charset=gbk"} {
		srv.SetContentType(ct)
		if s, err := c.Exchange(context.Background(), srv.Issue("oGus")); err != nil || s.OpenID != "oGus" {
			t.Errorf("answer as %s: %+v, %v", ct, s, err)
		}
	}
}

func TestExchangeRefusesBadCodesUnsent(t *testing.T) {
	srv, c := start(t)
	for name, code := range map[string]string{
		"empty":     "",
		"too long":  strings.Repeat("a", 129),
		"space":     "0716AVll20uHk94S LDml27etM946AVlq",
		"NUL":       "0716AVll\x00",
		"newline":   "0716AVll\n&secret=x",
		"not ASCII": "0716AVll代码",
		"DEL":       "0716AVll\x7f",
	} {
		_, err := c.Exchange(context.Background(), code)
		var fe *wechat.FieldError
		if !errors.Is(err, wechat.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "code" || fe.DetailIn("zh") == fe.DetailIn("en") {
			t.Errorf("%s: %v, want a FieldError naming code, in English and Chinese", name, err)
		}
		if len(code) > 4 {
			noLeak(t, err, code)
		}
	}
	if _, err := c.Exchange(context.Background(), strings.Repeat("a", 128)); !errors.Is(err, wechat.ErrInvalidCode) {
		t.Errorf("a code of 128 characters: %v, want it sent (and unknown)", err)
	}
	if n := srv.Requests(); n != 1 {
		t.Errorf("%d requests, want only the one of the valid code", n)
	}
}

func TestExchangeTimeout(t *testing.T) {
	srv := wechattest.Start(t, appID, secret)
	for name, cfg := range map[string]wechat.Config{
		"Config.Timeout": {Timeout: 100 * time.Millisecond},
		"http.Client":    {HTTP: &http.Client{Timeout: 100 * time.Millisecond}},
	} {
		cfg.AppID, cfg.Secret, cfg.API = appID, secret, srv.URL()
		c := client(t, cfg)
		srv.StallNext()
		_, err := c.Exchange(context.Background(), srv.Issue("oHal"))
		if !errors.Is(err, wechat.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want ErrUnavailable and DeadlineExceeded", name, err)
		}
		noLeak(t, err)
	}
}

func TestExchangeCanceled(t *testing.T) {
	srv, c := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Exchange(ctx, srv.Issue("oIvy"))
	if !errors.Is(err, wechat.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("%v, want ErrUnavailable and Canceled", err)
	}
	noLeak(t, err)
}

func TestExchangeServerGone(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	api := srv.URL
	srv.Close()
	c := client(t, wechat.Config{AppID: appID, Secret: secret, API: api})
	_, err := c.Exchange(context.Background(), "0716AVll20uHk94SLDml27etM946AVlq")
	if !errors.Is(err, wechat.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v, want ErrUnavailable only", err)
	}
	// net/http's own error quotes the whole URL; this one must not.
	noLeak(t, err, "?", "0716AVll20uHk94SLDml27etM946AVlq")
	if !strings.Contains(err.Error(), "/sns/jscode2session") {
		t.Errorf("%q does not say where it failed", err)
	}
}

// quoting is a transport that fails quoting the request's URL, as proxies
// and instrumented transports may.
type quoting struct{}

func (quoting) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("refused %s (secret %s)", r.URL, r.URL.Query().Get("secret"))
}

func TestExchangeTransportQuotingURL(t *testing.T) {
	c := client(t, wechat.Config{AppID: appID, Secret: secret, API: "https://api.example.cn", HTTP: &http.Client{Transport: quoting{}}})
	_, err := c.Exchange(context.Background(), "0716AVll20uHk94SLDml27etM946AVlq")
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Errorf("%v, want ErrUnavailable", err)
	}
	noLeak(t, err)
}

// answering is a loopback server that answers every request with status
// and body, counting requests.
func answering(t *testing.T, status int, body string) (string, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		w.Write([]byte(strings.NewReplacer("{query}", r.URL.RawQuery, "{secret}", r.URL.Query().Get("secret")).Replace(body)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

func TestExchangeUnusableAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"HTTP 502 with a session", http.StatusBadGateway, `{"openid":"oJo","session_key":"k"}`, wechat.ErrUnavailable},
		{"HTTP 404", http.StatusNotFound, `not found`, wechat.ErrUnavailable},
		{"empty", http.StatusOK, ``, wechat.ErrUnavailable},
		{"HTML", http.StatusOK, `<html>busy</html>`, wechat.ErrUnavailable},
		{"truncated", http.StatusOK, `{"openid":"oJo","session_`, wechat.ErrUnavailable},
		{"no openid", http.StatusOK, `{"session_key":"k"}`, wechat.ErrUnavailable},
		{"openid with a space", http.StatusOK, `{"openid":"o Jo"}`, wechat.ErrUnavailable},
		{"errcode a word", http.StatusOK, `{"errcode":"busy","errmsg":"x"}`, wechat.ErrUnavailable},
		{"errcode a fraction", http.StatusOK, `{"errcode":40029.5}`, wechat.ErrUnavailable},
		{"too big", http.StatusOK, `{"openid":"oJo","errmsg":"` + strings.Repeat("x", 17<<10) + `"}`, wechat.ErrUnavailable},
		{"errcode as a string", http.StatusOK, `{"errcode":"40029","errmsg":"invalid code"}`, wechat.ErrInvalidCode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, _ := answering(t, tc.status, tc.body)
			c := client(t, wechat.Config{AppID: appID, Secret: secret, API: api})
			s, err := c.Exchange(context.Background(), "0716AVll20uHk94SLDml27etM946AVlq")
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %+v, %v; want %v", s, err, tc.want)
			}
			noLeak(t, err, "oJo", "xxxxxxxx")
		})
	}
}

func TestExchangeBlanksTheSecretOutOfErrmsg(t *testing.T) {
	api, _ := answering(t, http.StatusOK, `{"errcode":40125,"errmsg":"invalid appsecret {secret} in {query}","session_key":"TopSessionKey=="}`)
	c := client(t, wechat.Config{AppID: appID, Secret: secret, API: api})
	_, err := c.Exchange(context.Background(), "0716AVll20uHk94SLDml27etM946AVlq")
	if !errors.Is(err, wechat.ErrMisconfigured) {
		t.Fatalf("%v, want ErrMisconfigured", err)
	}
	if !strings.Contains(err.Error(), "invalid appsecret [secret] in ") {
		t.Errorf("%q: want WeChat's message with the secret blanked", err)
	}
	// The query itself is cut from the message only where it held the
	// secret; js_code= and secret= stay, so look for the secret alone.
	for _, w := range []string{secret, url.QueryEscape(secret), "TopSessionKey"} {
		if strings.Contains(err.Error(), w) {
			t.Errorf("%q holds %q", err, w)
		}
	}
}

func TestExchangeFollowsNoRedirect(t *testing.T) {
	elsewhere, hits := answering(t, http.StatusOK, `{"openid":"oMallory"}`)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere+r.URL.RequestURI(), http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	hc := &http.Client{}
	c := client(t, wechat.Config{AppID: appID, Secret: secret, API: redirect.URL, HTTP: hc})
	_, err := c.Exchange(context.Background(), "0716AVll20uHk94SLDml27etM946AVlq")
	if !errors.Is(err, wechat.ErrUnavailable) || !strings.Contains(err.Error(), "HTTP 302") {
		t.Errorf("%v, want ErrUnavailable for HTTP 302", err)
	}
	noLeak(t, err, elsewhere)
	if hits.Load() != 0 {
		t.Errorf("the redirect was followed, with the secret")
	}
	if hc.CheckRedirect != nil {
		t.Errorf("New changed the caller's http.Client")
	}
}

func TestExchangeConcurrent(t *testing.T) {
	srv, c := start(t)
	code := srv.Issue("oNed")
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := c.Exchange(context.Background(), code)
			errs <- err
		}()
	}
	ok, used := 0, 0
	for range 8 {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, wechat.ErrCodeUsed):
			used++
		default:
			t.Error(err)
		}
	}
	if ok != 1 || used != 7 {
		t.Errorf("%d signed in and %d refused as used, want 1 and 7", ok, used)
	}
}
