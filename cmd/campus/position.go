package main

// runPosition answers scans with fixes. (Being written.)
func runPosition(e *env, args []string) int {
	return e.fail("position", usagef("not built yet"))
}

// runCalibrate fits the path-loss model and radio map from a survey. (Being written.)
func runCalibrate(e *env, args []string) int {
	return e.fail("beacons calibrate", usagef("not built yet"))
}
