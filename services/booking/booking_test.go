package booking

import (
	"errors"
	"testing"
	"time"
)

func TestIntervals(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC) }
	if Overlaps(at(9), at(10), at(10), at(11)) || Overlaps(at(10), at(11), at(9), at(10)) {
		t.Error("back-to-back intervals overlap")
	}
	if !Overlaps(at(9), at(11), at(10), at(12)) || !Overlaps(at(9), at(12), at(10), at(11)) || !Overlaps(at(10), at(11), at(10), at(11)) {
		t.Error("overlapping intervals do not")
	}
	for _, c := range [][2]time.Time{{at(10), at(10)}, {at(11), at(10)}, {{}, at(10)}, {at(10), at(10).Add(time.Nanosecond)}} {
		if err := CheckInterval(c[0], c[1]); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v-%v: %v, want ErrInvalid", c[0], c[1], err)
		}
	}
	if err := CheckInterval(at(9), at(10)); err != nil {
		t.Error(err)
	}
}
