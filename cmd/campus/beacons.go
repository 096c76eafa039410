package main

// runBeacons dispatches the beacons subcommands. (Being written.)
func runBeacons(e *env, args []string) int {
	if len(args) > 0 && args[0] == "calibrate" {
		return runCalibrate(e, args[1:])
	}
	return e.fail("beacons", usagef("want simulate, calibrate or eval"))
}
