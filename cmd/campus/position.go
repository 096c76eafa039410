package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
)

// maxLine bounds one JSON line of scans, bytes.
const maxLine = 1 << 20

// positioning is what position and calibrate need: the registry, and the
// venue and graph when the beacons are the venue's own.
type positioning struct {
	reg  *beacons.Registry
	view geo.View
	pos  *beacons.Positioner
	cal  *beacons.Calibration // nil without --calibration
}

// loadPositioning reads the registry: a standalone file (--beacons), whose
// fixes are not snapped to any venue, or the venue's beacon.geojson.
func (e *env) loadPositioning(c *common, beaconFile, calFile string, role geo.Role) (*positioning, error) {
	var cal *beacons.Calibration
	if calFile != "" {
		var err error
		if cal, err = beacons.ReadCalibration(calFile); err != nil {
			return nil, usagef("--calibration: %v", err)
		}
	}
	if beaconFile != "" {
		reg, err := beacons.LoadFile(beaconFile)
		if err != nil {
			return nil, usagef("--beacons: %v", err)
		}
		for _, p := range reg.Problems {
			fmt.Fprintf(e.stderr, "campus: %s (left out)\n", p)
		}
		return &positioning{reg: reg, pos: beacons.NewPositioner(reg, cal, nil), cal: cal}, nil
	}
	v, g, err := e.loadGraph(c)
	if err != nil {
		return nil, err
	}
	reg := beacons.FromVenue(v)
	return &positioning{reg: reg, view: v.View(role), pos: beacons.NewPositioner(reg, cal, g), cal: cal}, nil
}

// eachScan reads scan lines, reporting malformed ones with their number.
func (e *env) eachScan(in io.Reader, fn func(s *beacons.Scan)) (bad int, err error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		s, err := beacons.ParseScan(sc.Bytes())
		if err != nil {
			fmt.Fprintf(e.stderr, "campus: line %d: %v (skipped)\n", line, err)
			bad++
			continue
		}
		fn(&s)
	}
	if err := sc.Err(); err != nil {
		return bad, fmt.Errorf("line %d: %w", line+1, err)
	}
	return bad, nil
}

func runPosition(e *env, args []string) int {
	var c common
	fs := newFlags("position", &c)
	beaconFile := fs.String("beacons", "", "a GeoJSON file of beacons for another site (default: the venue's)")
	calFile := fs.String("calibration", "", "a calibration file from campus beacons calibrate")
	noTrack := fs.Bool("no-track", false, "answer each scan on its own, without tracking devices")
	plain := fs.Bool("plain", false, "the textbook method, for comparison: trilateration of RSSI distances, no calibration, tracking or floor plan")
	knn := fs.Bool("knn", false, "the textbook fingerprint method, for comparison: weighted k-nearest neighbours over --calibration's survey, no path-loss model, tracking or floor plan")
	role, err := parse(fs, &c, args)
	switch {
	case err != nil:
	case fs.NArg() > 0:
		err = usagef("takes no arguments, got %q (scans come on standard input)", fs.Arg(0))
	case *knn && *plain:
		err = usagef("--knn and --plain are two methods: give one")
	case *knn && *calFile == "":
		err = usagef("--knn needs --calibration FILE (the survey's fingerprints it matches)")
	}
	if err != nil {
		return e.fail("position", err)
	}
	ps, err := e.loadPositioning(&c, *beaconFile, *calFile, role)
	if err != nil {
		return e.fail("position", err)
	}
	var matcher *beacons.KNN
	if *knn {
		if matcher, err = beacons.NewKNN(ps.reg, ps.cal); err != nil {
			return e.fail("position", usagef("--calibration %s: %v", *calFile, err))
		}
	}
	out := bufio.NewWriter(e.stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	trackers := map[string]*beacons.Tracker{}
	unknown := 0
	bad, err := e.eachScan(e.stdin, func(s *beacons.Scan) {
		unknown += ps.reg.Resolve(s).Unknown
		var f beacons.Fix
		if *plain {
			f = ps.pos.FixPlain(s)
		} else if matcher != nil {
			f = matcher.Fix(s)
		} else if *noTrack {
			f = ps.pos.Fix(ps.view, s)
		} else {
			t := trackers[s.Device]
			if t == nil {
				t = ps.pos.NewTracker(s.Device)
				trackers[s.Device] = t
			}
			f = t.Update(ps.view, s)
		}
		enc.Encode(f)
	})
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if unknown > 0 {
		fmt.Fprintf(e.stderr, "campus position: %d readings of beacons not in the registry were ignored\n", unknown)
	}
	if err != nil {
		return e.fail("position", err)
	}
	if bad > 0 {
		fmt.Fprintf(e.stderr, "campus position: %d malformed lines skipped\n", bad)
	}
	return exitOK
}

// runCalibrate fits the path-loss model and keeps the radio map from a
// survey: labelled scans on standard input, the calibration on standard
// output.
func runCalibrate(e *env, args []string) int {
	var c common
	fs := newFlags("beacons calibrate", &c)
	beaconFile := fs.String("beacons", "", "a GeoJSON file of beacons for another site (default: the venue's)")
	_, err := parse(fs, &c, args)
	if err == nil && fs.NArg() > 0 {
		err = usagef("takes no arguments, got %q (labelled scans come on standard input)", fs.Arg(0))
	}
	if err != nil {
		return e.fail("beacons calibrate", err)
	}
	ps, err := e.loadPositioning(&c, *beaconFile, "", geo.Staff)
	if err != nil {
		return e.fail("beacons calibrate", err)
	}
	var scans []beacons.Scan
	bad, err := e.eachScan(e.stdin, func(s *beacons.Scan) {
		if s.Truth == nil {
			return
		}
		scans = append(scans, *s)
	})
	if err != nil {
		return e.fail("beacons calibrate", err)
	}
	if bad > 0 {
		fmt.Fprintf(e.stderr, "campus beacons calibrate: %d malformed lines skipped\n", bad)
	}
	cal, err := beacons.Calibrate(ps.reg, scans)
	if err != nil {
		fmt.Fprintf(e.stderr, "campus beacons calibrate: %v\n", err)
		return exitFail
	}
	if err := e.writeJSON(cal); err != nil {
		return e.fail("beacons calibrate", err)
	}
	return exitOK
}
