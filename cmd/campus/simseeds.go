package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/campusnav/engine/beacons"
)

// parseSeeds reads --seeds: "tuning" or "reporting" (the named seed
// ranges), or seeds and ranges of seeds ("2001-2005 2010"), separated by
// spaces or commas.
func parseSeeds(s string) ([]int64, error) {
	switch strings.TrimSpace(s) {
	case "tuning":
		return beacons.TuningSeeds.Seeds(), nil
	case "reporting":
		return beacons.ReportingSeeds.Seeds(), nil
	}
	var out []int64
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' }) {
		lo, hi, isRange := strings.Cut(f, "-")
		a, err := strconv.ParseInt(lo, 10, 64)
		b := a
		if err == nil && isRange {
			b, err = strconv.ParseInt(hi, 10, 64)
		}
		switch {
		case err != nil || a == 0 || b == 0:
			return nil, fmt.Errorf("%q is not a seed or a range of seeds (want a number other than 0, or FIRST-LAST)", f)
		case b < a || b-a >= 10000:
			return nil, fmt.Errorf("%q is not a range of at most 10000 seeds, first to last", f)
		}
		for x := a; x <= b; x++ {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q names no seed", s)
	}
	return out, nil
}
