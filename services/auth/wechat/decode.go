package wechat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxID is the longest openid or unionid accepted, in bytes. WeChat's are
// 28 characters.
const maxID = 128

// Session is who signed in, as WeChat says.
type Session struct {
	// OpenID is the user as this mini program sees them: stable, and
	// different in each of the developer's apps.
	OpenID string
	// UnionID is the user across the developer's apps on the WeChat Open
	// Platform; "" when WeChat gives none (the mini program is not bound
	// to an Open Platform account).
	UnionID string
}

// answer is what code2Session answers, as far as this package reads it.
//
// session_key is deliberately not a field. It is the key that signs and
// encrypts this user's data, and WeChat asks that it never leave the
// developer's server; nothing here needs it, so it is never decoded and
// cannot reach a Session, an error or a log. Add it only with a place to
// keep it that is as guarded as the AppSecret.
type answer struct {
	OpenID  string          `json:"openid"`
	UnionID string          `json:"unionid"`
	ErrCode json.RawMessage `json:"errcode"` // a number, or a string holding one; absent on success
	ErrMsg  string          `json:"errmsg"`
}

// decode reads an answer of code2Session: the Session, an *APIError for
// an errcode other than 0 (its message cleaned of secret), or
// ErrUnavailable for anything else. No error holds a value of the body
// other than errcode and errmsg.
func decode(body []byte, secret string) (Session, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Session{}, fmt.Errorf("%w: jscode2session answered an empty body", ErrUnavailable)
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return Session{}, fmt.Errorf("%w: jscode2session answer is not the documented JSON: %s", ErrUnavailable, jsonProblem(err))
	}
	code, ok := errcode(a.ErrCode)
	if !ok {
		return Session{}, fmt.Errorf("%w: jscode2session answer's errcode is not an integer", ErrUnavailable)
	}
	if code != 0 {
		return Session{}, &APIError{Code: code, Message: cleanMessage(a.ErrMsg, secret)}
	}
	if !token(a.OpenID, maxID) {
		return Session{}, fmt.Errorf("%w: jscode2session answered success without a usable openid (want 1 to %d printable ASCII characters, got %d bytes)", ErrUnavailable, maxID, len(a.OpenID))
	}
	if a.UnionID != "" && !token(a.UnionID, maxID) {
		return Session{}, fmt.Errorf("%w: jscode2session answered an unusable unionid (want up to %d printable ASCII characters, got %d bytes)", ErrUnavailable, maxID, len(a.UnionID))
	}
	return Session{OpenID: a.OpenID, UnionID: a.UnionID}, nil
}

// errcode reads the errcode: absent or null is 0; a JSON integer, or a
// string holding one (some WeChat endpoints answer "40029"), within int32
// (the documented type).
func errcode(raw json.RawMessage) (int, bool) {
	s := string(raw)
	if s == "" || s == "null" {
		return 0, true
	}
	if s[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

// jsonProblem says what is wrong with JSON without quoting it.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return "not a JSON object"
	case errors.As(err, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ") // "number 1e999": the kind only
		return fmt.Sprintf("%s is a JSON %s, not a %s", typ.Field, kind, typ.Type)
	}
	return "unreadable JSON"
}
