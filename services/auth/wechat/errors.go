package wechat

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/campusnav/engine/geo"
)

// What an exchange can fail with; check with errors.Is.
var (
	// ErrInvalid: the code was refused before it was sent (a *FieldError).
	ErrInvalid = errors.New("wechat: invalid input")
	// ErrInvalidCode: WeChat does not know the code, or it expired
	// (errcode 40029).
	ErrInvalidCode = errors.New("wechat: code invalid")
	// ErrCodeUsed: the code was exchanged before (errcode 40163).
	ErrCodeUsed = errors.New("wechat: code already used")
	// ErrRateLimited: too many exchanges this minute (errcode 45011).
	ErrRateLimited = errors.New("wechat: rate limited")
	// ErrBlocked: WeChat refuses this user's sign-in as high-risk
	// (errcode 40226).
	ErrBlocked = errors.New("wechat: user blocked")
	// ErrUnavailable: no answer to use: WeChat busy (errcode -1), an
	// errcode not listed here, a network error, a timeout, an HTTP status
	// other than 200, or an answer that is not the documented JSON.
	ErrUnavailable = errors.New("wechat: unavailable")
	// ErrMisconfigured: WeChat refused this server's appid or secret
	// (errcode 40013, 40125, 40001, 41002, 41004). It is ErrUnavailable
	// too: the person signing in can do nothing about it.
	ErrMisconfigured = errors.New("wechat: appid or secret refused")
)

// kinds maps WeChat's errcodes to the errors above; codes not here are
// ErrUnavailable.
var kinds = map[int]error{
	40029: ErrInvalidCode,
	40163: ErrCodeUsed,
	45011: ErrRateLimited,
	40226: ErrBlocked,
	-1:    ErrUnavailable,
	40013: ErrMisconfigured, // invalid appid
	40125: ErrMisconfigured, // invalid appsecret
	40001: ErrMisconfigured, // AppSecret wrong (invalid credential)
	41002: ErrMisconfigured, // appid missing
	41004: ErrMisconfigured, // secret missing
}

// APIError is an answer of WeChat's with an errcode other than 0. Message
// is WeChat's errmsg, cleaned for a log (see cleanMessage).
type APIError struct {
	Code    int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechat: jscode2session answered errcode %d: %s", e.Code, e.Message)
}

// Unwrap makes the error its kind to errors.Is: ErrInvalidCode and the
// others, ErrMisconfigured with ErrUnavailable, and ErrUnavailable for
// codes not documented.
func (e *APIError) Unwrap() []error {
	switch k, ok := kinds[e.Code]; {
	case !ok:
		return []error{ErrUnavailable}
	case k == ErrMisconfigured:
		return []error{ErrMisconfigured, ErrUnavailable}
	default:
		return []error{k}
	}
}

// maxMessage is the most of an errmsg kept, in bytes.
const maxMessage = 200

// cleanMessage makes text WeChat sent fit for a log line: the secret (as
// is and as it reads in a query) blanked out first, anything not
// printable made '?', then cut to maxMessage bytes on a character
// boundary.
func cleanMessage(msg, secret string) string {
	if secret != "" {
		for _, s := range []string{secret, url.QueryEscape(secret)} {
			msg = strings.ReplaceAll(msg, s, "[secret]")
		}
	}
	var b strings.Builder
	for _, r := range msg {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			r = '?'
		}
		if b.Len()+utf8.RuneLen(r) > maxMessage {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FieldError is input refused before anything was sent; it names the
// field at fault and is ErrInvalid to errors.Is. It never holds the
// value.
type FieldError struct {
	Field    string // "code"
	Reason   string // in English
	ReasonZH string // the same in Simplified Chinese
}

func (e *FieldError) Error() string { return "wechat: invalid " + e.Field + ": " + e.Reason }
func (e *FieldError) Unwrap() error { return ErrInvalid }

// DetailIn is the reason in a language: Simplified Chinese for "zh...",
// English otherwise.
func (e *FieldError) DetailIn(lang string) string {
	if geo.IsChinese(lang) && e.ReasonZH != "" {
		return e.ReasonZH
	}
	return e.Reason
}
