package main

import (
	"bufio"
	"errors"
	"fmt"
	"slices"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
)

// runBeacons dispatches the beacons subcommands: simulate, calibrate, eval.
func runBeacons(e *env, args []string) int {
	if len(args) == 0 {
		return e.fail("beacons", usagef("want a subcommand: simulate, calibrate or eval"))
	}
	switch args[0] {
	case "simulate":
		return runSimulate(e, args[1:])
	case "calibrate":
		return runCalibrate(e, args[1:])
	case "eval":
		return runEval(e, args[1:])
	}
	return e.fail("beacons", usagef("unknown subcommand %q (want simulate, calibrate or eval)", args[0]))
}

// runSimulate writes simulated scans with their ground truth, one JSON
// line each: walks along routes, or a survey with --survey. Both go where
// staff may go: --role, if given, must be staff. --regime names the
// ranges the hidden truth is drawn from; there, --sigma, if given,
// overrides the regime's correlated shadowing. --seeds runs several seeds
// one after the other, each walk's device named after its seed
// ("s2001-sim-000"), so that the walks of all seeds can be positioned and
// evaluated together.
func runSimulate(e *env, args []string) int {
	var c common
	fs := newFlags("beacons simulate", &c)
	def := beacons.DefaultSimConfig()
	walks := fs.Int("walks", def.Walks, "number of walks")
	seed := fs.Int64("seed", def.Seed, "random seed: the same seed gives the same scans")
	seedList := fs.String("seeds", "", `several seeds, devices named after theirs: "tuning", "reporting", or seeds and ranges ("2001-2005 2010")`)
	sigma := fs.Float64("sigma", def.SigmaDB, "shadowing, standard deviation of a reading in dB (in a regime: its correlated shadowing)")
	regime := fs.String("regime", beacons.RegimeClassic, "the ranges the radio, phones and walkers are drawn from: "+strings.Join(beacons.SimRegimes(), ", "))
	survey := fs.Bool("survey", false, "stand at survey points (for calibrate) instead of walking")
	role, err := parse(fs, &c, args)
	seeds := []int64{*seed}
	switch {
	case err != nil:
	case fs.NArg() > 0:
		err = usagef("simulate takes no arguments, got %q", fs.Arg(0))
	case fs.Changed("seeds") && fs.Changed("seed"):
		err = usagef("--seeds and --seed: give one or the other")
	case fs.Changed("seeds"):
		if seeds, err = parseSeeds(*seedList); err != nil {
			err = usagef("--seeds: %v", err)
		}
	case *walks < 1:
		err = usagef("--walks: %d is not a number of walks (want 1 or more)", *walks)
	case !(*sigma > 0 && *sigma <= 30):
		err = usagef("--sigma: %v is not a shadowing in dB (want more than 0, at most 30)", *sigma)
	case !slices.Contains(beacons.SimRegimes(), *regime):
		err = usagef("--regime: %q is not a regime (want one of %s)", *regime, strings.Join(beacons.SimRegimes(), ", "))
	case fs.Changed("role") && role != geo.Staff:
		err = usagef("--role: simulated walks go where staff may go; leave --role out")
	}
	if err != nil {
		return e.failBeacons("simulate", err)
	}
	v, g, err := e.loadGraph(&c)
	if err != nil {
		return e.failBeacons("simulate", err)
	}
	out := bufio.NewWriterSize(e.stdout, 1<<16)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	cfg := beacons.SimConfig{Walks: *walks, SigmaDB: *sigma, Survey: *survey, Regime: *regime}
	if *regime != beacons.RegimeClassic && !fs.Changed("sigma") {
		cfg.SigmaDB = 0 // the regime's own
	}
	reg := beacons.FromVenue(v)
	for _, s := range seeds {
		cfg.Seed = s
		prefix := ""
		if fs.Changed("seeds") {
			prefix = fmt.Sprintf("s%d-", s)
		}
		err = beacons.Simulate(g, reg, cfg, func(s beacons.Scan) error {
			s.Device = prefix + s.Device
			return enc.Encode(s)
		})
		if err != nil {
			break
		}
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return e.failBeacons("simulate", fmt.Errorf("simulating: %w", err))
	}
	return exitOK
}

// runEval reads fixes with their truth, one JSON line each, and prints how
// far they were from the truth. Lines that are no fix are reported on
// standard error by number, and skipped.
func runEval(e *env, args []string) int {
	var c common
	fs := newFlags("beacons eval", &c)
	_, err := parse(fs, &c, args)
	if err == nil && fs.NArg() > 0 {
		err = usagef("eval takes no arguments, got %q (give fixes on standard input)", fs.Arg(0))
	}
	if err != nil {
		return e.failBeacons("eval", err)
	}
	fixes, err := beacons.ReadFixes(e.stdin, func(line int, err error) {
		fmt.Fprintf(e.stderr, "campus beacons eval: line %d: %v (skipped)\n", line, err)
	})
	if err != nil {
		return e.failBeacons("eval", fmt.Errorf("reading fixes: %w", err))
	}
	if err := e.writeJSON(beacons.Evaluate(fixes)); err != nil {
		return e.failBeacons("eval", err)
	}
	return exitOK
}

// failBeacons reports err for beacons subcommand sub, with the usage of
// campus beacons when it is a usage error.
func (e *env) failBeacons(sub string, err error) int {
	var u usageError
	if errors.As(err, &u) {
		return e.fail("beacons", usagef("%s: %v", sub, err))
	}
	return e.fail("beacons", fmt.Errorf("%s: %w", sub, err))
}
