package wechat

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode"
)

const fuzzSecret = "Sec+ret/0123456789=abcdefABCDEF"

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want Session
		err  error
		code int // of the *APIError
	}{
		{"success", `{"session_key":"k==","openid":"oA"}`, Session{OpenID: "oA"}, nil, 0},
		{"success errcode 0", `{"openid":"oA","unionid":"uA","errcode":0,"errmsg":"ok"}`, Session{"oA", "uA"}, nil, 0},
		{"success errcode null", `{"openid":"oA","errcode":null}`, Session{OpenID: "oA"}, nil, 0},
		{"success errcode \"0\"", `{"openid":"oA","errcode":"0"}`, Session{OpenID: "oA"}, nil, 0},
		{"other fields", `{"openid":"oA","expires_in":7200,"x":[1,{"y":null}]}`, Session{OpenID: "oA"}, nil, 0},
		{"spaces around", " \n{\"openid\":\"oA\"}\n", Session{OpenID: "oA"}, nil, 0},
		{"40029", `{"errcode":40029,"errmsg":"invalid code, rid: 1"}`, Session{}, ErrInvalidCode, 40029},
		{"40163", `{"errcode":40163,"errmsg":"code been used"}`, Session{}, ErrCodeUsed, 40163},
		{"45011", `{"errcode":45011,"errmsg":"api minute-quota reach limit"}`, Session{}, ErrRateLimited, 45011},
		{"40226", `{"errcode":40226,"errmsg":"code blocked"}`, Session{}, ErrBlocked, 40226},
		{"-1", `{"errcode":-1,"errmsg":"system error"}`, Session{}, ErrUnavailable, -1},
		{"40013", `{"errcode":40013,"errmsg":"invalid appid"}`, Session{}, ErrMisconfigured, 40013},
		{"string errcode", `{"errcode":"40029","errmsg":"invalid code"}`, Session{}, ErrInvalidCode, 40029},
		{"error wins over openid", `{"errcode":40226,"openid":"oA"}`, Session{}, ErrBlocked, 40226},
		{"unknown errcode", `{"errcode":99999}`, Session{}, ErrUnavailable, 99999},
		{"empty", ``, Session{}, ErrUnavailable, 0},
		{"null", `null`, Session{}, ErrUnavailable, 0},
		{"array", `[]`, Session{}, ErrUnavailable, 0},
		{"openid a number", `{"openid":12345}`, Session{}, ErrUnavailable, 0},
		{"errcode huge", `{"errcode":1e999}`, Session{}, ErrUnavailable, 0},
		{"errcode past int32", `{"errcode":4294967296}`, Session{}, ErrUnavailable, 0},
		{"errcode object", `{"errcode":{}}`, Session{}, ErrUnavailable, 0},
		{"openid too long", `{"openid":"` + strings.Repeat("o", 129) + `"}`, Session{}, ErrUnavailable, 0},
		{"openid not ASCII", `{"openid":"o用户"}`, Session{}, ErrUnavailable, 0},
		{"unionid with a newline", `{"openid":"oA","unionid":"u\nA"}`, Session{}, ErrUnavailable, 0},
		{"trailing garbage", `{"openid":"oA"} x`, Session{}, ErrUnavailable, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := decode([]byte(tc.body), fuzzSecret)
			if s != tc.want || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("got %+v, %v; want %+v, %v", s, err, tc.want, tc.err)
			}
			var ae *APIError
			if got := errors.As(err, &ae); got != (tc.code != 0) || got && ae.Code != tc.code {
				t.Errorf("%v: want an APIError of errcode %d: %v", err, tc.code, got)
			}
		})
	}
}

func TestCleanMessage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"invalid code, rid: 66454a60", "invalid code, rid: 66454a60"},
		{"系统繁忙", "系统繁忙"},
		{"bad " + fuzzSecret + " and " + url.QueryEscape(fuzzSecret), "bad [secret] and [secret]"},
		{"line\nbreak\x00\x1b[31m", "line?break??[31m"},
		{"\xff\xfe", "??"},
		{strings.Repeat("x", 300), strings.Repeat("x", maxMessage) + "…"},
		{strings.Repeat("x", maxMessage-1) + "用", strings.Repeat("x", maxMessage-1) + "…"},
	} {
		if got := cleanMessage(tc.in, fuzzSecret); got != tc.want {
			t.Errorf("cleanMessage(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzDecode checks that no answer, however malformed, makes decode
// panic, pass on a session_key or the secret, return something that is
// neither a usable session nor a classified error, or put unprintable or
// unbounded text in an error.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"session_key":"tiihtNczf5v6AKRyjwEUhQ==","openid":"oGZUI0egBJY1zhBYw2KhdUfwVJJE"}`,
		`{"openid":"oA","session_key":"k","unionid":"oHAUs6LSuwgHq-mlnFrffKXw3QYM","errcode":0,"errmsg":"ok"}`,
		`{"session_key":"xxxxx","expires_in":7200,"openid":"xxxxxxxxx"}`,
		`{"errcode":40029,"errmsg":"invalid code, hints: [ req_id: uhJDVZyFe-YZguHA ]"}`,
		`{"errcode":40163,"errmsg":"code been used, rid: 66454a60-46a8a44b-5f4417e6"}`,
		`{"errcode":45011,"errmsg":"api minute-quota reach limit  mustslower  retry next minute"}`,
		`{"errcode":40226,"errmsg":"code blocked"}`,
		`{"errcode":-1,"errmsg":"system error"}`,
		`{"errcode":40013,"errmsg":"invalid appid, rid: 664ef1ea-61270f43-2b492c40"}`,
		`{"errcode":40125,"errmsg":"invalid appsecret Sec+ret/0123456789=abcdefABCDEF"}`,
		`{"errcode":"40029","errmsg":"invalid code"}`,
		`{"errcode":null,"openid":"oA"}`,
		`{"errcode":1e999}`,
		`{"openid":12345,"session_key":"secret+key=="}`,
		`{"errcode":40029,"session_key":"tiihtNczf5v6AKRyjwEUhQ=="}`,
		`{"OPENID":"oA","Session_Key":"k","ErrCode":0}`,
		`{"openid":"oA","openid":"oB"}`,
		`{"errmsg":"\u0000\u001b[31m\ud800"}`,
		``, `null`, `[]`, `"x"`, `{`, `<html></html>`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := decode(body, fuzzSecret)
		// What decode reads of the body, to know what may show.
		var seen struct {
			SessionKey      string `json:"session_key"`
			OpenID, UnionID string
			ErrMsg          string
		}
		json.Unmarshal(body, &seen)
		if err == nil {
			if !token(s.OpenID, maxID) || (s.UnionID != "" && !token(s.UnionID, maxID)) {
				t.Fatalf("session %+v of %q is not usable", s, body)
			}
			return
		}
		if s != (Session{}) {
			t.Fatalf("an error (%v) and a session %+v", err, s)
		}
		known := false
		for _, k := range []error{ErrInvalidCode, ErrCodeUsed, ErrRateLimited, ErrBlocked, ErrUnavailable} {
			known = known || errors.Is(err, k)
		}
		if !known {
			t.Fatalf("%v is of no kind", err)
		}
		msg := err.Error()
		if len(msg) > maxMessage+200 {
			t.Fatalf("error of %d bytes", len(msg))
		}
		for _, r := range msg {
			if !unicode.IsPrint(r) {
				t.Fatalf("error %q has an unprintable %U", msg, r)
			}
		}
		if strings.Contains(msg, fuzzSecret) || strings.Contains(msg, url.QueryEscape(fuzzSecret)) {
			t.Fatalf("error %q holds the secret", msg)
		}
		// A key like WeChat's (base64, with one of + / =) can show only
		// inside WeChat's own errmsg: the rest of an error has none of
		// those characters, and the ": " before the errmsg is not base64.
		if k := seen.SessionKey; base64Key(k) && !strings.Contains(cleanMessage(seen.ErrMsg, fuzzSecret), k) && strings.Contains(msg, k) {
			t.Fatalf("error %q holds the session_key %q", msg, k)
		}
	})
}

// base64Key says whether k looks like a session_key: 8 or more base64
// characters, one of them + / or =.
func base64Key(k string) bool {
	if len(k) < 8 || !strings.ContainsAny(k, "+/=") {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+/=", r)) {
			return false
		}
	}
	return true
}
