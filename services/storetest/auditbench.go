package storetest

import (
	"testing"
	"time"

	"github.com/campusnav/engine/services/audit"
	"github.com/campusnav/engine/services/auth"
)

// BenchAppend measures appending to the audit log of s, each entry in a
// transaction of its own, as a sign-in's is: "serial" one after another,
// "parallel" from parallel goroutines, as a server's requests append
// (they take turns on the log's head).
func BenchAppend(b *testing.B, s auth.Store) {
	e := audit.Entry{Actor: 42, Subject: "someone@hkust-gz.edu.cn", Kind: audit.SignIn, Place: "192.0.2.1",
		Decision: audit.Allow, Reason: "right password", Detail: audit.Detail(map[string]string{"method": "password"})}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			e.At = time.Now()
			if _, err := s.Append(b.Context(), e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Append(b.Context(), e); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
