package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// BenchAuthenticate measures auth.Service.Authenticate over s, the lookup
// every signed-in request makes: "uncached" asks the store every time,
// "cached" with the session cache of the default TTL. Requests come from
// parallel goroutines, as a server's do, for 64 sessions of 64 accounts.
func BenchAuthenticate(b *testing.B, s auth.Store) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"uncached", -1}, {"cached", auth.DefaultSessionCacheTTL}} {
		b.Run(c.name, func(b *testing.B) {
			svc := auth.New(s, auth.Options{Params: cheapParams, SessionCacheTTL: c.ttl, AddressLimit: auth.Limit{N: 1 << 20, Per: time.Minute}})
			ctx := b.Context()
			tokens := make([]string, 64)
			for i := range tokens {
				e := email(fmt.Sprint("bench", i))
				if _, err := svc.AddUser(ctx, e, "correct horse", auth.Student); err != nil {
					b.Fatal(err)
				}
				sess, err := svc.Login(ctx, e, "correct horse", "192.0.2.1")
				if err != nil {
					b.Fatal(err)
				}
				tokens[i] = sess.Token
			}
			var next atomic.Uint64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := svc.Authenticate(ctx, tokens[next.Add(1)%uint64(len(tokens))]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
