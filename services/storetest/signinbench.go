package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campusnav/engine/services/auth"
)

// discardSMS sends nothing.
type discardSMS struct{}

func (discardSMS) SendCode(context.Context, string, string) error { return nil }

// BenchSignIn measures what sign-in costs the store, with argon2id made
// cheap so the store's work shows: "login" is a password sign-in (two
// limit buckets, the account, a session), each from a new address
// ("login-default-argon2id": the same with the server's hash parameters);
// "phone-start" asks for a code for a new phone from a new address (two
// limit buckets and the code); "phone-sign-in" asks for a code and signs
// in with it (and makes the visitor's account). Requests come from
// parallel goroutines, as a server's do.
func BenchSignIn(b *testing.B, s auth.Store) {
	ctx := context.Background()
	wide := auth.Limit{N: 1 << 20, Per: time.Minute}
	var seq atomic.Int64
	seq.Store(time.Now().UnixNano() % 1_000_000 * 1000)
	addr := func(i int64) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) }
	phone := func(i int64) string { return fmt.Sprintf("+86139%08d", i%100_000_000) }
	login := func(b *testing.B, params auth.Params) {
		svc := auth.New(s, auth.Options{Params: params, AddressLimit: wide, AccountLimit: wide})
		emails := make([]string, 64)
		for i := range emails {
			emails[i] = email(fmt.Sprint("signin", i))
			if _, err := svc.AddUser(ctx, emails[i], "correct horse", auth.Student); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := seq.Add(1)
				if _, err := svc.Login(ctx, emails[i%64], "correct horse", addr(i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.Run("login", func(b *testing.B) { login(b, cheapParams) })
	b.Run("login-default-argon2id", func(b *testing.B) { login(b, auth.DefaultParams) })
	b.Run("phone-start", func(b *testing.B) {
		svc := auth.New(s, auth.Options{Params: cheapParams, SMS: discardSMS{}, PhoneLimit: wide, PhoneAddressLimit: wide})
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := seq.Add(1)
				if _, _, err := svc.StartPhone(ctx, phone(i), addr(i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("phone-sign-in", func(b *testing.B) {
		book := &codeBook{codes: map[string]string{}}
		svc := auth.New(s, auth.Options{Params: cheapParams, SMS: book, PhoneLimit: wide, PhoneAddressLimit: wide})
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := seq.Add(1)
				p, _, err := svc.StartPhone(ctx, phone(i), addr(i))
				if err == nil {
					_, err = svc.VerifyPhone(ctx, p, book.code(p), addr(i))
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// codeBook is an auth.SMSSender that remembers the last code of each
// phone, for benchmarks.
type codeBook struct {
	mu    sync.Mutex
	codes map[string]string
}

func (c *codeBook) SendCode(_ context.Context, phone, code string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.codes[phone] = code
	return nil
}

func (c *codeBook) code(phone string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.codes[phone]
}

// BenchAuthState measures the shared sign-in state's operations one by
// one, from parallel goroutines: an attempt on a new bucket (added and
// counted) and on one kept, storing a code, using one, beginning a
// single sign-on. The caps are auth's (16,384), so the new buckets and
// codes soon evict as they come.
func BenchAuthState(b *testing.B, s auth.State) {
	ctx := context.Background()
	const most = 1 << 14
	var seq atomic.Int64
	now := time.Now()
	limit := auth.Limit{N: 1 << 30, Per: time.Minute}
	b.Run("attempt-new", func(b *testing.B) {
		kind := unique("bench")
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Attempt(ctx, auth.Bucket{Kind: kind, Key: fmt.Sprint(seq.Add(1)), Limit: limit, Max: most}, now); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("attempt-kept", func(b *testing.B) {
		kind := unique("bench")
		b.RunParallel(func(pb *testing.PB) {
			key := fmt.Sprint(seq.Add(1)) // one bucket a goroutine
			for pb.Next() {
				if _, err := s.Attempt(ctx, auth.Bucket{Kind: kind, Key: key, Limit: limit, Max: most}, now); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("put-code", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c := auth.PhoneCode{Phone: fmt.Sprintf("+86139%08d", seq.Add(1)%100_000_000), MAC: mac(), Expires: now.Add(auth.CodeTTL)}
				if err := s.PutPhoneCode(ctx, c, most, nil); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("use-code", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			phone := fmt.Sprintf("+86138%08d", seq.Add(1)%100_000_000) // one code a goroutine, tried wrong
			if err := s.PutPhoneCode(ctx, auth.PhoneCode{Phone: phone, MAC: mac(), Expires: now.Add(auth.CodeTTL)}, most, nil); err != nil {
				b.Error(err)
				return
			}
			for pb.Next() {
				if _, err := s.UsePhoneCode(ctx, phone, mac(), now, 1<<30); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("put-flow", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.PutSSOFlow(ctx, flow(now.Add(10*time.Minute)), most); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
