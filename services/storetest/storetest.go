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
	"strings"
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
