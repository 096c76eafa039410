package card

import (
	"testing"
	"time"
)

func TestStepOf(t *testing.T) {
	cases := []struct {
		at   time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(29, 999999999), 0},
		{time.Unix(30, 0), 1},
		{time.Unix(-1, 0), -1},
		{time.Unix(-30, 0), -1},
		{time.Unix(-31, 0), -2},
		{time.Unix(-1, 500), -1}, // 0.9999995 s before 1970
		{t0, t0.Unix() / 30},
		{t0.Add(-time.Nanosecond), t0.Unix()/30 - 1},
	}
	for _, c := range cases {
		if got := StepOf(c.at); got != c.want {
			t.Errorf("StepOf(%s) = %d, want %d", c.at.Format(time.RFC3339Nano), got, c.want)
		}
	}
	if got := StepStart(s0); !got.Equal(t0) {
		t.Errorf("StepStart(%d) = %s, want %s", s0, got, t0)
	}
}

func TestExpiresAtAndRefreshAfter(t *testing.T) {
	if got, want := ExpiresAt(s0), t0.Add(65*time.Second); !got.Equal(want) {
		t.Errorf("ExpiresAt = %s, want %s", got, want)
	}
	for _, c := range []struct {
		at   time.Duration
		want int
	}{{0, 30}, {time.Nanosecond, 30}, {time.Second, 29}, {29 * time.Second, 1}, {29*time.Second + 999*time.Millisecond, 1}} {
		if got := RefreshAfter(t0.Add(c.at)); got != c.want {
			t.Errorf("RefreshAfter(t0+%s) = %d, want %d", c.at, got, c.want)
		}
	}
}

// TestWindowEdges: a code of step s is accepted from 5 s before its step
// begins until 5 s after step s+2 begins, and refused a nanosecond
// outside: forged before, expired after. Both kinds of code, both
// methods.
func TestWindowEdges(t *testing.T) {
	f := newFixture(t)
	codes := map[string]string{"server": f.server.Code(42, s0, 1), "device": f.deviceCode(t, s0, 1)}
	start := StepStart(s0)
	cases := []struct {
		at   time.Time
		want string
	}{
		{start.Add(-Skew - time.Nanosecond), ReasonForged},
		{start.Add(-Skew), ""},
		{start, ""},
		{StepStart(s0 + 1), ""},
		{StepStart(s0 + 2), ""},
		{ExpiresAt(s0).Add(-time.Nanosecond), ""},
		{ExpiresAt(s0), ReasonExpired},
		{ExpiresAt(s0).Add(time.Hour), ReasonExpired},
	}
	for kind, code := range codes {
		for _, c := range cases {
			_, err := f.v.Verify(code, c.at)
			if got := reason(err); got != c.want {
				t.Errorf("%s code of step %d at %s: %q (%v), want %q", kind, s0, c.at.Format(time.RFC3339Nano), got, err, c.want)
			}
			_, errs := f.v.VerifyBatch([]string{code, code}, c.at)
			if got := reason(errs[1]); got != c.want {
				t.Errorf("%s code in a batch at %s: %q, want %q", kind, c.at.Format(time.RFC3339Nano), got, c.want)
			}
		}
	}
	// The formula itself, at every second around a step.
	for d := -40 * time.Second; d <= 100*time.Second; d += 500 * time.Millisecond {
		now := start.Add(d)
		accepted := StepOf(now.Add(-Skew))-1 <= s0 && s0 <= StepOf(now.Add(Skew))
		_, err := f.v.Verify(codes["server"], now)
		if (err == nil) != accepted {
			t.Errorf("at step start %+v: err %v, but the formula says accepted=%v", d, err, accepted)
		}
	}
}
