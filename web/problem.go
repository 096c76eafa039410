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

	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/places"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Param names the query parameter or body field at fault.
	Param string `json:"param,omitempty"`
	// RequestID ties the answer to the server's log.
	RequestID string `json:"request_id,omitempty"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// titles names each status for people, in English and Simplified Chinese.
var titles = map[int][2]string{
	http.StatusBadRequest:            {"Bad request", "请求有误"},
	http.StatusUnauthorized:          {"Not signed in", "未登录"},
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

// problem makes a problem of a status, naming the parameter at fault.
func problem(status int, param, format string, args ...any) *Problem {
	return &Problem{Status: status, Param: param, Detail: fmt.Sprintf(format, args...)}
}

func badParam(param, format string, args ...any) *Problem {
	return problem(http.StatusBadRequest, param, format, args...)
}

// errorStatus maps the errors of the layers below to HTTP statuses: the one
// table of it. Anything not here is internal: logged, never shown.
func errorStatus(err error) (int, bool) {
	switch {
	case errors.Is(err, routing.ErrUnknownPlace), errors.Is(err, auth.ErrNotFound), errors.Is(err, places.ErrNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, routing.ErrNoRoute):
		return http.StatusUnprocessableEntity, true
	case errors.Is(err, auth.ErrCredentials), errors.Is(err, auth.ErrCode), errors.Is(err, auth.ErrSSO), errors.Is(err, auth.ErrUnauthorized):
		return http.StatusUnauthorized, true
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden, true
	case errors.Is(err, auth.ErrRateLimited):
		return http.StatusTooManyRequests, true
	case errors.Is(err, auth.ErrConflict), errors.Is(err, places.ErrFull):
		return http.StatusConflict, true
	case errors.Is(err, auth.ErrInvalid), errors.Is(err, places.ErrInvalid):
		return http.StatusBadRequest, true
	}
	return 0, false
}

// errorHandler answers every error as a problem: known ones with their
// status and message, echo's own (404 route, 405, 413) likewise, and
// anything else as a 500 whose cause goes to the log only.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var p *Problem
	var he *echo.HTTPError
	switch {
	case errors.As(err, &p):
	case errors.As(err, &he):
		p = &Problem{Status: he.Code, Detail: fmt.Sprint(he.Message)}
		if he.Code == http.StatusNotFound {
			p.Detail = "no such endpoint: " + c.Request().URL.Path
		}
		if he.Code == http.StatusRequestEntityTooLarge {
			p.Detail = fmt.Sprintf("the body is larger than %d bytes", s.cfg.BodyLimit)
		}
	default:
		if status, ok := errorStatus(err); ok {
			p = &Problem{Status: status, Detail: strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(err.Error(), "routing: "), "auth: "), "places: ")}
			if fe := (*auth.FieldError)(nil); errors.As(err, &fe) {
				p.Param, p.Detail = fe.Field, fe.Reason
			} else if pe := (*places.FieldError)(nil); errors.As(err, &pe) {
				p.Param, p.Detail = pe.Field, pe.Reason
			}
		} else {
			s.log.Error("internal error", "request_id", requestID(c), "path", c.Request().URL.Path, "err", err)
			p = &Problem{Status: http.StatusInternalServerError, Detail: "something went wrong on our side; quote the request id when you report it"}
		}
	}
	if p.Type == "" {
		p.Type = "about:blank"
	}
	lang := 0
	if strings.HasPrefix(strings.ToLower(c.Request().Header.Get("Accept-Language")), "zh") || strings.HasPrefix(c.QueryParam("lang"), "zh") {
		lang = 1
	}
	if t, ok := titles[p.Status]; ok {
		p.Title = t[lang]
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
