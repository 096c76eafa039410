package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/wechat"
)

// WeChatSignIn is the mini program's sign-in: a wx.login code exchanged
// at WeChat for the person's openid, bound to a campus account once.
type WeChatSignIn interface {
	WeChat(ctx context.Context, code, addr string) (auth.Session, error)
	BindWeChat(ctx context.Context, u auth.User, code string) error
}

type weChatRequest struct {
	Code string `json:"code"`
}

// decodeWeChat reads a request naming a wx.login code.
func (s *Server) decodeWeChat(c echo.Context) (string, error) {
	if s.d.WeChat == nil {
		return "", problem(http.StatusNotFound, "", "WeChat sign-in is not available")
	}
	var req weChatRequest
	if err := decodeBody(c, &req); err != nil {
		return "", err
	}
	if req.Code == "" {
		return "", badParam("code", "code is the code of wx.login")
	}
	return req.Code, nil
}

// weChatSignIn answers a session for the account a WeChat user is bound
// to, or 404 with code not_bound.
func (s *Server) weChatSignIn(c echo.Context) error {
	code, err := s.decodeWeChat(c)
	if err != nil {
		return err
	}
	sess, err := s.d.WeChat.WeChat(c.Request().Context(), code, c.RealIP())
	if err != nil {
		return s.weChatProblem(c, err)
	}
	return sessionAnswer(c, sess)
}

// weChatBind binds the WeChat user of a code to the signed-in account.
func (s *Server) weChatBind(c echo.Context) error {
	code, err := s.decodeWeChat(c)
	if err != nil {
		return err
	}
	u, err := requireUser(c, "sign in by single sign-on or phone first, then bind WeChat")
	if err != nil {
		return err
	}
	if err := s.d.WeChat.BindWeChat(c.Request().Context(), *u, code); err != nil {
		return s.weChatProblem(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// weChatProblem is what a person is told when WeChat refused a code:
// never WeChat's own errcode or message, which go to the log when they
// are the server's business (WeChat unavailable, or refusing our app's
// credentials). Other errors pass on to the error handler.
func (s *Server) weChatProblem(c echo.Context, err error) error {
	switch {
	case errors.Is(err, auth.ErrNotBound):
		p := problem(http.StatusNotFound, "code", "this WeChat account is not bound to a campus account; sign in by single sign-on or phone once, then bind it")
		p.Code = "not_bound"
		return p
	case errors.Is(err, auth.ErrConflict):
		return problem(http.StatusConflict, "code", "this WeChat account is bound to another campus account")
	case errors.Is(err, wechat.ErrInvalid):
		return causeProblem(http.StatusBadRequest, "code", err)
	case errors.Is(err, wechat.ErrInvalidCode), errors.Is(err, wechat.ErrCodeUsed):
		return problem(http.StatusUnauthorized, "code", "WeChat refused the code: it is wrong, expired or used; call wx.login again")
	case errors.Is(err, wechat.ErrBlocked):
		return problem(http.StatusForbidden, "code", "WeChat refuses this sign-in for the account's safety; try another way to sign in")
	case errors.Is(err, wechat.ErrRateLimited):
		return problem(http.StatusTooManyRequests, "", "WeChat sign-in is busy; try again in a minute")
	case errors.Is(err, wechat.ErrUnavailable):
		s.log.Warn("WeChat code2Session failed", "request_id", requestID(c), "err", err)
		return problem(http.StatusServiceUnavailable, "", "WeChat sign-in is unavailable at the moment; try again later or sign in another way")
	}
	return err
}
