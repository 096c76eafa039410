package main

import (
	"testing"
	"time"
)

func TestGroupSizes(t *testing.T) {
	for _, n := range []int{2, 3, 11, 12, 1000, 10000} {
		for seed := range uint64(20) {
			sizes := groupSizes(n, seed)
			sum, big := 0, 0
			for _, s := range sizes {
				sum += s
				if s < 2 || s > 11 {
					t.Fatalf("n=%d seed=%d: a group of %d", n, seed, s)
				}
				if s == 11 {
					big++
				}
			}
			if sum != n || big > 1 {
				t.Fatalf("n=%d seed=%d: sizes %v (sum %d)", n, seed, sizes, sum)
			}
		}
	}
	if a, b := groupSizes(1000, 1), groupSizes(1000, 1); len(a) != len(b) {
		t.Error("the same seed made other groups")
	}
}

func TestPercentile(t *testing.T) {
	d := make([]time.Duration, 100)
	for i := range d {
		d[i] = time.Duration(i+1) * time.Millisecond
	}
	for p, want := range map[float64]time.Duration{50: 51 * time.Millisecond, 99: 100 * time.Millisecond, 100: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := percentile(d, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if percentile(nil, 99) != 0 {
		t.Error("p99 of nothing")
	}
}
