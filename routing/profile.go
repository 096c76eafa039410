package routing

import (
	"fmt"
	"strings"
)

// Profile is how a person moves: it sets speeds and which edges are allowed.
type Profile uint8

const (
	// Walk is the default.
	Walk Profile = iota
	// Wheelchair is step-free: elevators and ramps, never stairs, steps or
	// escalators.
	Wheelchair
	// Sheltered avoids uncovered outdoor paths where an indoor or covered
	// way exists.
	Sheltered
	numProfiles
)

// Profiles lists every profile.
var Profiles = []Profile{Walk, Wheelchair, Sheltered}

var profileNames = [numProfiles]string{"walk", "wheelchair", "sheltered"}

func (p Profile) String() string {
	if p < numProfiles {
		return profileNames[p]
	}
	return fmt.Sprintf("Profile(%d)", uint8(p))
}

// ParseProfile returns the profile named s (case-insensitive).
func ParseProfile(s string) (Profile, error) {
	for i, n := range profileNames {
		if strings.EqualFold(s, n) {
			return Profile(i), nil
		}
	}
	return 0, fmt.Errorf("routing: unknown profile %q (want walk, wheelchair or sheltered)", s)
}

// The cost model. Times are seconds, speeds metres per second.
const (
	// WalkSpeed is a comfortable walking speed.
	WalkSpeed = 1.4
	// WheelchairSpeed is a typical self-propelled wheelchair speed.
	WheelchairSpeed = 1.1

	// StairsUp and StairsDown are the time per floor on stairs.
	StairsUp   = 16.0
	StairsDown = 12.0
	// StepsFactor slows walking on outdoor steps.
	StepsFactor = 1.5
	// ElevatorWait is the wait for an elevator, once per ride; ElevatorFloor
	// the ride per floor.
	ElevatorWait  = 25.0
	ElevatorFloor = 3.0
	// EscalatorFloor is the time per floor on an escalator.
	EscalatorFloor = 20.0
	// RampFloor is the time per floor on an indoor ramp, beyond its length.
	RampFloor = 10.0

	// ShelterFactor multiplies the cost of uncovered outdoor edges in the
	// sheltered profile: rain makes them feel three times as long.
	ShelterFactor = 3.0

	// DoorPenalty* discourage doors not meant for people on foot, without
	// forbidding them: other venues' archives often mark a building's only
	// door for vehicles, and it must still be reachable on foot.
	DoorPenaltyVehicle   = 30.0 // automobile, bicycle
	DoorPenaltyService   = 30.0
	DoorPenaltyEmergency = 60.0
	// PassThrough is the cost of crossing a room (a unit that is not a
	// corridor, lobby or open area) from one of its doors to another.
	PassThrough = 20.0

	// FloorHeight is the assumed height of a floor, metres, used for the
	// length of ramps between floors and for the A* heuristic.
	FloorHeight = 4.0
)

// speed returns the horizontal speed of profile p.
func (p Profile) speed() float64 {
	if p == Wheelchair {
		return WheelchairSpeed
	}
	return WalkSpeed
}
