package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// WeChatStore is a store of accounts and of their WeChat bindings.
type WeChatStore interface {
	auth.Store
	auth.WeChatStore
}

// WeChat runs the suite of auth.WeChatStore on stores made by newStore.
func WeChat(t *testing.T, newStore func(t *testing.T) WeChatStore) {
	t.Run("BindAndFind", func(t *testing.T) { testWeChatBind(t, newStore(t)) })
	t.Run("OneEach", func(t *testing.T) { testWeChatOneEach(t, newStore(t)) })
	t.Run("Concurrent", func(t *testing.T) { testWeChatConcurrent(t, newStore(t)) })
}

func testWeChatBind(t *testing.T, s WeChatStore) {
	ctx := t.Context()
	u := mustCreate(t, s, "mini", auth.Student)
	openid := unique("oAbc")
	if _, err := s.UserByOpenID(ctx, openid); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("an unbound openid: %v, want ErrNotFound", err)
	}
	if err := s.BindWeChat(ctx, u.ID, openid, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := s.UserByOpenID(ctx, openid)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameUser(got, u); d != "" {
		t.Errorf("UserByOpenID: %s", d)
	}
	// Binding again is no change; a disabled account reads disabled.
	if err := s.BindWeChat(ctx, u.ID, openid, "union", time.Now()); err != nil {
		t.Errorf("binding the same openid again: %v", err)
	}
	if err := s.SetDisabled(ctx, u.Email, true); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByOpenID(ctx, openid); err != nil || !got.Disabled {
		t.Errorf("a disabled account by its openid: %+v %v, want disabled", got, err)
	}
	if err := s.BindWeChat(ctx, 1<<40, unique("oNobody"), "", time.Now()); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("binding to no account: %v, want ErrNotFound", err)
	}
}

// testWeChatOneEach: an openid is one account's; an account's new openid
// replaces its old one.
func testWeChatOneEach(t *testing.T, s WeChatStore) {
	ctx := t.Context()
	a := mustCreate(t, s, "first", auth.Staff)
	b := mustCreate(t, s, "second", auth.Staff)
	openid := unique("oShared")
	if err := s.BindWeChat(ctx, a.ID, openid, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.BindWeChat(ctx, b.ID, openid, "", time.Now()); !errors.Is(err, auth.ErrConflict) {
		t.Errorf("binding another's openid: %v, want ErrConflict", err)
	}
	if got, err := s.UserByOpenID(ctx, openid); err != nil || got.ID != a.ID {
		t.Errorf("after a refused bind the openid is %+v %v, want %d's", got, err, a.ID)
	}
	newer := unique("oNewPhone")
	if err := s.BindWeChat(ctx, a.ID, newer, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByOpenID(ctx, openid); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("the replaced openid: %v, want ErrNotFound", err)
	}
	if got, err := s.UserByOpenID(ctx, newer); err != nil || got.ID != a.ID {
		t.Errorf("the new openid: %+v %v", got, err)
	}
	// The old openid is free for another account now.
	if err := s.BindWeChat(ctx, b.ID, openid, "", time.Now()); err != nil {
		t.Errorf("binding a freed openid: %v", err)
	}
}

// testWeChatConcurrent: accounts racing for one openid, one wins.
func testWeChatConcurrent(t *testing.T, s WeChatStore) {
	ctx := t.Context()
	openid := unique("oRace")
	users := make([]auth.User, 8)
	for i := range users {
		users[i] = mustCreate(t, s, "racer", auth.Student)
	}
	won := race(t, "BindWeChat", len(users), auth.ErrConflict, func(i int) error {
		return s.BindWeChat(ctx, users[i].ID, openid, "", time.Now())
	})
	if won != 1 {
		t.Errorf("%d accounts bound one openid, want 1", won)
	}
}
