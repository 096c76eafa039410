package auth_test

import (
	"runtime"
	"testing"

	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/auth/oidctest"
)

// TestSignInsBegunAreBounded: a stranger starting single sign-ins without
// end keeps the server's memory flat, and a sign-in begun just before the
// flood's last part still finishes.
func TestSignInsBegunAreBounded(t *testing.T) {
	f := newFixture(t, auth.Options{})
	op := oidctest.New(t, f.clock.now)
	ctx := t.Context()
	sso, err := f.svc.NewSSO(ctx, auth.SSOConfig{Issuer: op.URL(), ClientID: "campus", ClientSecret: op.Secret, RedirectURL: "https://campus.example/api/v1/auth/oidc/callback"})
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for i := 0; i < 20000; i++ {
		sso.Begin()
	}
	base := heap()
	for i := 0; i < 200000; i++ {
		sso.Begin()
	}
	if grown := int64(heap()) - int64(base); grown > 2<<20 {
		t.Errorf("200,000 more sign-ins begun grew the heap by %d KB", grown>>10)
	}
	code, state := oidctest.Authorize(t, sso.Begin())
	for i := 0; i < 100; i++ {
		sso.Begin()
	}
	if _, err := sso.Finish(ctx, state, code); err != nil {
		t.Errorf("a sign-in begun during a flood: %v", err)
	}
}
