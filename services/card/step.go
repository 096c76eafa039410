package card

import "time"

// StepSeconds is the length of a code's time step, in seconds.
const StepSeconds = 30

// Skew is how far a phone's clock may be from the server's: a code of step
// s is accepted at now iff StepOf(now-Skew)-1 <= s <= StepOf(now+Skew).
const Skew = 5 * time.Second

// CertificateLifetime is how long a device certificate is valid from when
// the server makes it.
const CertificateLifetime = 7 * 24 * time.Hour

// MaxStep is the last step a code can carry (a uint32: the year 6053).
const MaxStep = 1<<32 - 1

// StepOf is the step t falls in: floor(unix seconds / StepSeconds).
func StepOf(t time.Time) int64 {
	s := t.Unix() // floor, also before 1970
	q := s / StepSeconds
	if s%StepSeconds < 0 {
		q--
	}
	return q
}

// StepStart is when step begins.
func StepStart(step int64) time.Time {
	return time.Unix(step*StepSeconds, 0).UTC()
}

// ExpiresAt is the first instant at which a code of step is no longer
// accepted: the start of step+2, plus Skew.
func ExpiresAt(step int64) time.Time {
	return StepStart(step + 2).Add(Skew)
}

// RefreshAfter is how many whole seconds a client showing a code made at
// now should wait before it makes (or fetches) the next one: until the
// next step begins, at least 1.
func RefreshAfter(now time.Time) int {
	d := StepStart(StepOf(now) + 1).Sub(now)
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// Window is the steps a code may carry at now: lo (the oldest accepted)
// to hi (the newest), inclusive.
func Window(now time.Time) (lo, hi int64) {
	return StepOf(now.Add(-Skew)) - 1, StepOf(now.Add(Skew))
}

// checkStep refuses a step outside the window at now: forged in the
// future, expired in the past.
func checkStep(step int64, now time.Time) error {
	lo, hi := Window(now)
	switch {
	case step > hi:
		return forgedf("step %d is in the future (newest accepted at %s: %d)", step, now.UTC().Format(time.RFC3339), hi)
	case step < lo:
		return expiredf("step %d expired at %s (oldest accepted at %s: %d)", step, ExpiresAt(step).Format(time.RFC3339), now.UTC().Format(time.RFC3339), lo)
	}
	return nil
}
