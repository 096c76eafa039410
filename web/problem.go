// Package web is the HTTP face of the engine: the JSON API under /api/v1
// (labstack/echo), errors as RFC 9457 problem details, health, readiness
// and Prometheus metrics. It only translates: the role comes from the
// session, the answers from geo, routing, beacons and the services.
package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/booking"
	"github.com/campusnav/engine/services/ledger"
	"github.com/campusnav/engine/services/payments"
	"github.com/campusnav/engine/services/places"
	"github.com/campusnav/engine/services/repair"
	"github.com/campusnav/engine/services/share"
	"github.com/campusnav/engine/services/tour"
	"github.com/campusnav/engine/services/visitor"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Code names the problem for a client to act on, where one needs to
	// ("not_bound": bind WeChat to an account first).
	Code string `json:"code,omitempty"`
	// Param names the query parameter or body field at fault.
	Param string `json:"param,omitempty"`
	// RequestID ties the answer to the server's log.
	RequestID string `json:"request_id,omitempty"`
	// Candidates lists, for a name several places have (409), the places
	// it names, as search lists them.
	Candidates []geo.SearchResult `json:"candidates,omitempty"`
	// Suggestions lists, for an unknown place (404), what comes close.
	Suggestions []geo.SearchResult `json:"suggestions,omitempty"`
	// Conflict names, for a booking that overlaps another (409), the
	// live booking in the way.
	Conflict *conflictJSON `json:"conflict,omitempty"`

	// The detail as written: an English format and its arguments, which
	// detailIn renders again in the request's language; or the error of a
	// lower layer that renders itself.
	format string
	args   []any
	cause  error
	// title, when set, names this problem for people (English, Chinese)
	// instead of the title of its status.
	title [2]string
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// detailer is an error that says what is wrong in a language ("en", "zh").
// The errors of the layers below implement it; the API uses it for the
// detail of a problem.
type detailer interface{ DetailIn(lang string) string }

// detailIn renders the problem's detail in lang: the cause's own words, or
// the format from the catalog of lang (detailsZh) with its arguments, each
// in lang too where it can be (an error that renders itself, a phrase of
// the catalog). What has no translation stays in English.
func (p *Problem) detailIn(lang string) string {
	var d detailer
	if p.cause != nil && errors.As(p.cause, &d) {
		return d.DetailIn(lang)
	}
	if p.format == "" || lang == "en" {
		return p.Detail
	}
	format, ok := detailsZh[p.format]
	if !ok {
		return p.Detail
	}
	args := make([]any, len(p.args))
	for i, a := range p.args {
		args[i] = localArg(a, lang)
	}
	return fmt.Sprintf(format, args...)
}

// localArg is an argument of a detail in lang.
func localArg(a any, lang string) any {
	switch a := a.(type) {
	case detailer:
		return a.DetailIn(lang)
	case string:
		if zh, ok := phrasesZh[a]; ok && lang == "zh" {
			return zh
		}
	}
	return a
}

// titles names each status for people, in English and Simplified Chinese.
var titles = map[int][2]string{
	http.StatusBadRequest:            {"Bad request", "请求有误"},
	http.StatusUnauthorized:          {"Not signed in", "未登录"},
	http.StatusPaymentRequired:       {"Payment refused", "付款被拒"},
	http.StatusForbidden:             {"Not allowed", "无权访问"},
	http.StatusNotFound:              {"Not found", "未找到"},
	http.StatusMethodNotAllowed:      {"Method not allowed", "不支持该方法"},
	http.StatusConflict:              {"Conflict", "冲突"},
	http.StatusRequestEntityTooLarge: {"Request too large", "请求过大"},
	http.StatusUnprocessableEntity:   {"No route", "无可用路线"},
	http.StatusUnsupportedMediaType:  {"Unsupported media type", "不支持的媒体类型"},
	http.StatusTooManyRequests:       {"Too many requests", "请求过于频繁"},
	http.StatusInternalServerError:   {"Internal error", "服务器内部错误"},
	http.StatusServiceUnavailable:    {"Not ready", "服务未就绪"},
}

// problem makes a problem of a status, naming the parameter at fault. The
// format is English; detailsZh must have it (a test reads every call).
func problem(status int, param, format string, args ...any) *Problem {
	return &Problem{Status: status, Param: param, Detail: fmt.Sprintf(format, args...), format: format, args: args}
}

func badParam(param, format string, args ...any) *Problem {
	return problem(http.StatusBadRequest, param, format, args...)
}

// causeProblem makes a problem of a status whose detail is err's own, in
// the request's language, naming the parameter at fault.
func causeProblem(status int, param string, err error) *Problem {
	p := &Problem{Status: status, Param: param, cause: err}
	p.Detail = p.detailIn("en")
	if p.Detail == "" {
		p.Detail = err.Error()
	}
	return p
}

// errorStatus maps the errors of the layers below to HTTP statuses: the one
// table of it. Anything not here is internal: logged, never shown.
func errorStatus(err error) (int, bool) {
	if status, ok := courseStatus(err); ok {
		return status, true
	}
	switch {
	case errors.Is(err, routing.ErrUnknownPlace), errors.Is(err, auth.ErrNotFound), errors.Is(err, places.ErrNotFound),
		errors.Is(err, access.ErrNotFound), errors.Is(err, payments.ErrNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, booking.ErrNotFound), errors.Is(err, repair.ErrNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, visitor.ErrNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, visitor.ErrConflict):
		return http.StatusConflict, true
	case errors.Is(err, visitor.ErrForbidden):
		return http.StatusForbidden, true
	case errors.Is(err, visitor.ErrInvalid):
		return http.StatusBadRequest, true
	case errors.Is(err, visitor.ErrSignature):
		return http.StatusUnauthorized, true
	case errors.Is(err, repair.ErrConflict):
		return http.StatusConflict, true
	case errors.Is(err, repair.ErrForbidden):
		return http.StatusForbidden, true
	case errors.Is(err, repair.ErrInvalid):
		return http.StatusBadRequest, true
	case errors.Is(err, repair.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, true
	case errors.Is(err, repair.ErrMediaType):
		return http.StatusUnsupportedMediaType, true
	case errors.Is(err, tour.ErrNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, tour.ErrConflict):
		return http.StatusConflict, true
	case errors.Is(err, tour.ErrForbidden):
		return http.StatusForbidden, true
	case errors.Is(err, tour.ErrInvalid):
		return http.StatusBadRequest, true
	case errors.Is(err, share.ErrNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, share.ErrConflict), errors.Is(err, share.ErrTooMany):
		return http.StatusConflict, true
	case errors.Is(err, share.ErrUnauthorized):
		return http.StatusUnauthorized, true
	case errors.Is(err, share.ErrForbidden):
		return http.StatusForbidden, true
	case errors.Is(err, share.ErrInvalid):
		return http.StatusBadRequest, true
	case errors.Is(err, booking.ErrConflict):
		return http.StatusConflict, true
	case errors.Is(err, booking.ErrRule):
		return http.StatusUnprocessableEntity, true
	case errors.Is(err, booking.ErrForbidden):
		return http.StatusForbidden, true
	case errors.Is(err, booking.ErrInvalid):
		return http.StatusBadRequest, true
	case errors.Is(err, payments.ErrInsufficientFunds):
		return http.StatusPaymentRequired, true
	case errors.Is(err, payments.ErrSignature):
		return http.StatusUnauthorized, true
	case errors.Is(err, payments.ErrForbidden):
		return http.StatusForbidden, true
	case errors.Is(err, payments.ErrConflict):
		return http.StatusConflict, true
	case errors.Is(err, payments.ErrInvalid), errors.Is(err, ledger.ErrInvalid):
		return http.StatusBadRequest, true
	case errors.Is(err, routing.ErrNoRoute):
		return http.StatusUnprocessableEntity, true
	case errors.Is(err, routing.ErrAmbiguous):
		return http.StatusConflict, true
	case errors.Is(err, geo.ErrBadPosition), errors.Is(err, geo.ErrFarAway):
		return http.StatusBadRequest, true
	case errors.Is(err, auth.ErrCredentials), errors.Is(err, auth.ErrCode), errors.Is(err, auth.ErrSSO), errors.Is(err, auth.ErrUnauthorized),
		errors.Is(err, access.ErrReader):
		return http.StatusUnauthorized, true
	case errors.Is(err, auth.ErrForbidden), errors.Is(err, access.ErrForbidden):
		return http.StatusForbidden, true
	case errors.Is(err, auth.ErrRateLimited), errors.Is(err, access.ErrTooMany), errors.Is(err, share.ErrLimited):
		return http.StatusTooManyRequests, true
	case errors.Is(err, auth.ErrConflict), errors.Is(err, places.ErrFull), errors.Is(err, access.ErrConflict):
		return http.StatusConflict, true
	case errors.Is(err, auth.ErrInvalid), errors.Is(err, places.ErrInvalid), errors.Is(err, access.ErrInvalid):
		return http.StatusBadRequest, true
	}
	return 0, false
}

// knownProblem makes the problem of an error of the layers below that
// errorStatus knows: its status, the parameter or field at fault, its
// detail, and the places it lists.
func knownProblem(status int, err error) *Problem {
	p := &Problem{Status: status, cause: err,
		Detail: trimLayer(err.Error())}
	var d detailer
	if errors.As(err, &d) {
		p.Detail = d.DetailIn("en")
	}
	if c := coded(nil); errors.As(err, &c) {
		p.Code, p.Param = c.ProblemCode(), c.FieldName()
	}
	if fe := (*auth.FieldError)(nil); errors.As(err, &fe) {
		p.Param = fe.Field
	}
	if fe := (*places.FieldError)(nil); errors.As(err, &fe) {
		p.Param = fe.Field
	}
	if fe := (*access.FieldError)(nil); errors.As(err, &fe) {
		p.Param = fe.Field
	}
	if ee := (*routing.EndError)(nil); errors.As(err, &ee) {
		p.Param = ee.End
	}
	if ae := (*routing.AmbiguousError)(nil); errors.As(err, &ae) {
		p.Candidates = ae.Candidates
	}
	if pe := (*routing.PlaceError)(nil); errors.As(err, &pe) {
		p.Suggestions = pe.Suggestions
	}
	p.Conflict = bookingConflict(err)
	if errors.Is(err, booking.ErrRule) {
		p.title = [2]string{"Against the booking rules", "不符合预约规则"}
	}
	if p.Conflict != nil {
		p.Code, p.title = "booked", [2]string{"Already booked", "已被预约"}
	}
	return p
}

// trimLayer is an error's text without the package it came from.
func trimLayer(msg string) string {
	for _, layer := range []string{"routing: ", "auth: ", "places: ", "access: ", "payments: ", "ledger: ", "booking: ", "repair: ", "visitor: ", "tour: ", "share: "} {
		msg = strings.TrimPrefix(msg, layer)
	}
	return msg
}

// coded is an error that names its problem for clients and the field
// at fault (payments.Error).
type coded interface {
	ProblemCode() string
	FieldName() string
}

// problemLang is the language of a problem's title and detail: the lang
// parameter when it says en or zh, else the first language of
// Accept-Language.
func problemLang(c echo.Context) string {
	switch l := strings.ToLower(c.QueryParam("lang")); {
	case l == "en":
		return "en"
	case strings.HasPrefix(l, "zh"):
		return "zh"
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(c.Request().Header.Get("Accept-Language"))), "zh") {
		return "zh"
	}
	return "en"
}

// errorHandler answers every error as a problem: known ones with their
// status and message, echo's own (404 route, 405, 413) likewise, and
// anything else as a 500 whose cause goes to the log only. Titles and
// details are in the request's language.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var p *Problem
	var he *echo.HTTPError
	switch {
	case errors.As(err, &p):
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			p = problem(he.Code, "", "no such endpoint: %s", c.Request().URL.Path)
		case http.StatusRequestEntityTooLarge:
			p = problem(he.Code, "", "the body is larger than %d bytes", s.cfg.BodyLimit)
		default:
			p = problem(he.Code, "", "%v", he.Message)
		}
	default:
		if status, ok := errorStatus(err); ok {
			p = knownProblem(status, err)
		} else {
			s.log.Error("internal error", "request_id", requestID(c), "path", logPath(c), "err", err)
			p = problem(http.StatusInternalServerError, "", "something went wrong on our side; quote the request id when you report it")
		}
	}
	if p.Type == "" {
		p.Type = "about:blank"
	}
	lang := problemLang(c)
	p.Detail = p.detailIn(lang)
	t, ok := titles[p.Status]
	if p.title[0] != "" {
		t, ok = p.title, true
	}
	if ok {
		p.Title = t[0]
		if lang == "zh" {
			p.Title = t[1]
		}
	} else {
		p.Title = http.StatusText(p.Status)
	}
	p.RequestID = requestID(c)
	p.Instance = c.Request().URL.Path
	if p.Status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="campus"`)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method != http.MethodHead {
		encodeJSON(c.Response(), p)
	}
}
