// Package storetest is the conformance suite of the store interfaces that
// the service packages declare (auth.Store, places.Store). Every adapter
// runs it from its own tests: services/sqlite on a fresh file per test,
// services/postgres on a shared database. So the suite assumes nothing
// about what else is stored: names are random per test, and lists are
// checked for what the test put in, not for being equal to it.
package storetest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// unique returns name with a random suffix, so tests sharing one database
// do not collide.
func unique(name string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return name + "-" + hex.EncodeToString(b)
}

// email returns a fresh lower-case email address.
func email(name string) string {
	return strings.ToLower(unique(name)) + "@campus.example.edu"
}

// sameTime reports whether a and b are the same instant to the
// microsecond, the precision the stores promise.
func sameTime(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

// race runs f(0) ... f(n-1) at once, released together, and counts those
// that succeed; an error other than lost fails the test, naming what.
func race(t *testing.T, what string, n int, lost error, f func(i int) error) (won int) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, lost):
			t.Errorf("%s: %v, want nil or %v", what, err, lost)
		}
	}
	return won
}
