package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// WeChatStore keeps which mini program openid belongs to which account:
// one openid an account, one account an openid.
type WeChatStore interface {
	// BindWeChat binds openid to the account userID at now, replacing the
	// account's earlier openid (a person who changed WeChat accounts);
	// ErrConflict if openid is bound to another account, ErrNotFound if
	// there is no account userID.
	BindWeChat(ctx context.Context, userID int64, openid, unionid string, now time.Time) error
	// UserByOpenID returns the account an openid is bound to;
	// ErrNotFound.
	UserByOpenID(ctx context.Context, openid string) (User, error)
}

// ErrNotBound is a WeChat sign-in of an openid bound to no account: the
// person signs in once by single sign-on or phone, then binds.
var ErrNotBound = errors.New("auth: this WeChat account is not bound to a campus account; sign in by single sign-on or phone once, then bind it")

// WeChat is the mini program's sign-in: the code of wx.login, exchanged
// at WeChat for the person's openid, answers a session of the account the
// openid is bound to. ErrNotBound when it is bound to none; the client's
// address is limited as password sign-ins are. WeChat's own refusals
// (wechat.ErrInvalidCode, wechat.ErrCodeUsed ...) are returned as they are.
func (s *Service) WeChat(ctx context.Context, code, addr string) (Session, error) {
	ws, err := s.weChat()
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	if err := allowed(s.byAddress.allow(ctx, addressKey(addr), now)); err != nil {
		return Session{}, err
	}
	ses, err := s.wechat.Exchange(ctx, code)
	if err != nil {
		return Session{}, err
	}
	u, err := ws.UserByOpenID(ctx, ses.OpenID)
	if errors.Is(err, ErrNotFound) {
		return Session{}, ErrNotBound
	}
	if err != nil {
		return Session{}, err
	}
	if u.Disabled {
		return Session{}, s.refuse(ctx, signInEntry(now, byWeChat, u.ID, u.Email, addr, "the account is disabled"),
			fmt.Errorf("%w: the account is disabled", ErrForbidden))
	}
	return s.signIn(ctx, u, now, byWeChat, addr)
}

// BindWeChat binds the openid of a wx.login code to the signed-in
// account u, so that the mini program signs it in with WeChat from then
// on. ErrConflict if that WeChat account is bound to another campus
// account.
func (s *Service) BindWeChat(ctx context.Context, u User, code string) error {
	ws, err := s.weChat()
	if err != nil {
		return err
	}
	ses, err := s.wechat.Exchange(ctx, code)
	if err != nil {
		return err
	}
	return ws.BindWeChat(ctx, u.ID, ses.OpenID, ses.UnionID, s.now())
}

// weChat is the store of bindings, when WeChat sign-in is on.
func (s *Service) weChat() (WeChatStore, error) {
	ws, ok := s.store.(WeChatStore)
	if s.wechat == nil || !ok {
		return nil, ErrWeChatOff
	}
	return ws, nil
}

// ErrWeChatOff is a WeChat sign-in where it is not configured.
var ErrWeChatOff = errors.New("auth: WeChat sign-in is not configured")

// IsWeChat reports whether the mini program's sign-in is on.
func (s *Service) IsWeChat() bool {
	_, err := s.weChat()
	return err == nil
}
