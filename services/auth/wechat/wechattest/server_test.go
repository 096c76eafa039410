package wechattest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// get asks s as a client would, with query, and reads the answer.
func get(t *testing.T, s *Server, method string, query url.Values) (map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+"/sns/jscode2session?"+query.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: WeChat answers 200 whatever the errcode", resp.StatusCode)
	}
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m, resp.Header.Get("Content-Type")
}

func ask(appid, secret, code string) url.Values {
	return url.Values{"appid": {appid}, "secret": {secret}, "js_code": {code}, "grant_type": {"authorization_code"}}
}

// errcode is the answer's errcode, 0 when it has none.
func errcode(m map[string]any) int {
	n, _ := m["errcode"].(float64)
	return int(n)
}

func TestServerAnswers(t *testing.T) {
	s := Start(t, "wxapp", "sec")
	now := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	code := s.IssueUnion("oA", "uA")
	late := s.Issue("oB")
	next := s.Issue("oC")

	m, ct := get(t, s, http.MethodGet, ask("wxapp", "sec", code))
	if m["openid"] != "oA" || m["unionid"] != "uA" || m["session_key"] != s.LastSessionKey() || len(s.LastSessionKey()) != 24 {
		t.Errorf("success %v, want oA, uA and a 24-character session_key", m)
	}
	if _, has := m["errcode"]; has || ct != "text/plain" {
		t.Errorf("success %v as %s, want no errcode, as text/plain", m, ct)
	}
	key := s.LastSessionKey()

	for _, tc := range []struct {
		name   string
		method string
		query  url.Values
		want   int
	}{
		{"again", http.MethodGet, ask("wxapp", "sec", code), 40163},
		{"unknown", http.MethodGet, ask("wxapp", "sec", "nope"), 40029},
		{"wrong appid", http.MethodGet, ask("wxother", "sec", next), 40013},
		{"wrong secret", http.MethodGet, ask("wxapp", "other", next), 40125},
		{"no appid", http.MethodGet, ask("", "sec", next), 41002},
		{"no secret", http.MethodGet, ask("wxapp", "", next), 41004},
		{"no code", http.MethodGet, ask("wxapp", "sec", ""), 41008},
		{"grant", http.MethodGet, url.Values{"appid": {"wxapp"}, "secret": {"sec"}, "js_code": {next}}, 40002},
		{"POST", http.MethodPost, ask("wxapp", "sec", next), 43001},
	} {
		m, _ := get(t, s, tc.method, tc.query)
		msg, _ := m["errmsg"].(string)
		if errcode(m) != tc.want || !strings.Contains(msg, ", rid: ") || m["openid"] != nil {
			t.Errorf("%s: %v, want errcode %d with a rid", tc.name, m, tc.want)
		}
	}
	if s.LastSessionKey() != key {
		t.Errorf("a refusal changed the session_key")
	}

	now = now.Add(CodeTTL)
	if m, _ := get(t, s, http.MethodGet, ask("wxapp", "sec", late)); errcode(m) != 40029 {
		t.Errorf("a code at its end: %v, want 40029", m)
	}

	s.FailNext(-1)
	s.FailNext(45011)
	s.SetContentType("application/json; encoding=utf-8")
	fresh := s.Issue("oD")
	for _, want := range []int{-1, 45011, 0} {
		m, ct := get(t, s, http.MethodGet, ask("wxapp", "sec", fresh))
		if errcode(m) != want || ct != "application/json; encoding=utf-8" {
			t.Errorf("%v as %s, want errcode %d as JSON", m, ct, want)
		}
	}
	if n := s.Requests(); n != 14 {
		t.Errorf("%d requests, want 14", n)
	}
}

func TestServerStalls(t *testing.T) {
	s := Start(t, "wxapp", "sec")
	s.StallNext()
	c := &http.Client{Timeout: 50 * time.Millisecond}
	if _, err := c.Get(s.URL() + "/sns/jscode2session?" + ask("wxapp", "sec", s.Issue("oA")).Encode()); err == nil {
		t.Fatal("a stalled request was answered")
	}
	if m, _ := get(t, s, http.MethodGet, ask("wxapp", "sec", s.Issue("oA"))); m["openid"] != "oA" {
		t.Errorf("after the stall: %v", m)
	}
}
