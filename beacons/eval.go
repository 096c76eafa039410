package beacons

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/geo"
)

// Summary is how close fixes came to the truth. Only fixes with a truth
// count (NoTruth counts the others); errors are horizontal, metres, over
// the fixes with a position. Percentiles are nearest-rank (the median is
// the 50th). With no fix positioned, the errors and shares are 0. Metres
// are rounded to the centimetre and shares to 4 decimals.
type Summary struct {
	Fixes         int     `json:"fixes"`         // fixes with a truth
	WithPosition  int     `json:"with_position"` // of which with a position
	NoFix         int     `json:"no_fix"`        // of which without (null lon, lat)
	NoTruth       int     `json:"no_truth"`      // fixes without a truth, left out
	MedianM       float64 `json:"median_m"`
	P90M          float64 `json:"p90_m"`
	P95M          float64 `json:"p95_m"`
	MeanM         float64 `json:"mean_m"`
	FloorAccuracy float64 `json:"floor_accuracy"` // share of positioned fixes on the truth's ordinal
	InsideRadius  float64 `json:"inside_radius"`  // share of positioned fixes whose error is at most their accuracy_m
	// Standing still: seconds (scans) a device's truth stayed put, after the
	// first stillSettle of each stretch, and how often its fix changed
	// room (unit) or floor meanwhile.
	StillS            int `json:"still_s"`
	StillRoomChanges  int `json:"still_room_changes"`
	StillFloorChanges int `json:"still_floor_changes"`
	// Lost tracks: episodes where a device's error grew for more than 10 s
	// in a row while its scans heard beacons (see lostWindowS), and the
	// longest such growth, seconds, whether or not it lasted 10 s.
	LostTracks     int     `json:"lost_tracks"`
	LongestGrowthS float64 `json:"longest_growth_s"`
}

// stillSettle is how many scans of standing still a tracker is allowed to
// settle before its changes count.
const stillSettle = 5

// Evaluate compares fixes with the truth they carry.
func Evaluate(fixes []Fix) Summary {
	var s Summary
	var errs []float64
	floor, inside := 0, 0
	type still struct {
		last *Fix
		run  int
	}
	devices := map[string]*still{}
	for i := range fixes {
		f := &fixes[i]
		if f.Truth == nil {
			s.NoTruth++
			continue
		}
		d := devices[f.Device]
		if d == nil {
			d = &still{}
			devices[f.Device] = d
		}
		if d.last != nil && d.last.Truth.place() == f.Truth.place() {
			if d.run++; d.run >= stillSettle {
				s.StillS++
				if !samePtr(d.last.Unit, f.Unit) {
					s.StillRoomChanges++
				}
				if !samePtr(d.last.Ordinal, f.Ordinal) {
					s.StillFloorChanges++
				}
			}
		} else {
			d.run = 0
		}
		d.last = f
		s.Fixes++
		if f.Lon == nil || f.Lat == nil {
			s.NoFix++
			continue
		}
		e := HorizontalError(*f.Lon, *f.Lat, f.Truth.Lon, f.Truth.Lat)
		errs = append(errs, e)
		if f.Ordinal != nil && *f.Ordinal == f.Truth.Ordinal {
			floor++
		}
		if f.AccuracyM != nil && e <= *f.AccuracyM {
			inside++
		}
	}
	s.WithPosition = len(errs)
	lost, longest := lostTracks(fixes)
	s.LostTracks, s.LongestGrowthS = lost, evalRound(longest, 10)
	if len(errs) == 0 {
		return s
	}
	sort.Float64s(errs)
	sum := 0.0
	for _, e := range errs {
		sum += e
	}
	n := float64(len(errs))
	s.MedianM = evalRound(evalRank(errs, 50), 100)
	s.P90M = evalRound(evalRank(errs, 90), 100)
	s.P95M = evalRound(evalRank(errs, 95), 100)
	s.MeanM = evalRound(sum/n, 100)
	s.FloorAccuracy = evalRound(float64(floor)/n, 1e4)
	s.InsideRadius = evalRound(float64(inside)/n, 1e4)
	return s
}

// place is where a truth is, without what was heard there.
func (t *Truth) place() Truth {
	p := *t
	p.Heard = nil
	return p
}

// samePtr: both absent, or both present and equal.
func samePtr[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// HorizontalError is the distance in metres between a fix and the truth,
// both WGS 84, on the plane tangent at the truth.
func HorizontalError(lon, lat, truthLon, truthLat float64) float64 {
	p := geo.NewProjection(truthLon, truthLat).ToLocal(lon, lat)
	return math.Hypot(p[0], p[1])
}

// evalRank is the nearest-rank p-th percentile of sorted xs.
func evalRank(xs []float64, p float64) float64 {
	k := int(math.Ceil(p / 100 * float64(len(xs))))
	return xs[min(max(k, 1), len(xs))-1]
}

func evalRound(x, scale float64) float64 { return math.Round(x*scale) / scale }

// ErrFix is returned for a line that is not a fix.
var ErrFix = errors.New("beacons: not a fix")

// ReadFixes reads fixes, one JSON object a line (blank lines are skipped).
// A line that is no fix is passed to bad with its number (from 1) and
// skipped; the error is for the reader's own failure.
func ReadFixes(r io.Reader, bad func(line int, err error)) ([]Fix, error) {
	var out []Fix
	br := bufio.NewReaderSize(r, 1<<16)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return out, fmt.Errorf("beacons: reading fixes, line %d: %w", n, err)
		}
		if b := bytes.TrimSpace(line); len(b) > 0 {
			f, perr := evalParseFix(b)
			if perr != nil {
				if bad != nil {
					bad(n, perr)
				}
			} else {
				out = append(out, f)
			}
		}
		if err == io.EOF {
			return out, nil
		}
	}
}

// evalParseFix reads one fix line: an object with lon and lat (both
// numbers, or both null), as position answers.
func evalParseFix(b []byte) (Fix, error) {
	var f Fix
	var keys struct {
		Lon json.RawMessage `json:"lon"`
		Lat json.RawMessage `json:"lat"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("%w: %v", ErrFix, err)
	}
	if err := json.Unmarshal(b, &keys); err != nil || keys.Lon == nil || keys.Lat == nil {
		return f, fmt.Errorf("%w: lon and lat are missing", ErrFix)
	}
	switch {
	case (f.Lon == nil) != (f.Lat == nil):
		return f, fmt.Errorf("%w: lon and lat are not both numbers or both null", ErrFix)
	case f.Lon != nil && (*f.Lon < -180 || *f.Lon > 180 || *f.Lat < -90 || *f.Lat > 90):
		return f, fmt.Errorf("%w: lon, lat %v, %v are not a longitude, latitude", ErrFix, *f.Lon, *f.Lat)
	case f.AccuracyM != nil && (*f.AccuracyM < 0 || math.IsNaN(*f.AccuracyM)):
		return f, fmt.Errorf("%w: accuracy_m %v is not a radius in metres", ErrFix, *f.AccuracyM)
	case f.Truth != nil && (f.Truth.Lon < -180 || f.Truth.Lon > 180 || f.Truth.Lat < -90 || f.Truth.Lat > 90):
		return f, fmt.Errorf("%w: truth is not a longitude, latitude", ErrFix)
	}
	return f, nil
}
