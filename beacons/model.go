package beacons

import "math"

// Prior values of the radio model, used where no calibration says better.
// They are textbook figures, not the simulator's: a path-loss exponent of 2
// (free space, and about what open corridors show), a floor penetration
// loss of 15 dB for concrete office floors at 2.4 GHz (ITU-R P.1238), and
// a shadowing spread of 6 dB, typical of indoor BLE.
const (
	DefaultExponent  = 2.0
	DefaultFloorLoss = 15.0 // dB per floor
	DefaultSigma     = 6.0  // dB
	// FloorHeight is the assumed height of a floor, metres.
	FloorHeight = 4.0
	// minDistance keeps the model finite next to a beacon, metres.
	minDistance = 0.5
)

// params is the path-loss model of one beacon: the RSSI expected at d
// metres on the same floor is Power - 10*Exponent*log10(d).
type params struct {
	Power    float64 // dBm at 1 m
	Exponent float64
}

// model is what positioning believes of the radio: per beacon parameters,
// the floor loss and the shadowing spread.
type model struct {
	beacon    []params // by beacon index in the registry
	floorLoss float64
	sigma     float64
}

// defaultModel is the model of a registry without calibration.
func defaultModel(r *Registry) *model {
	m := &model{floorLoss: DefaultFloorLoss, sigma: DefaultSigma, beacon: make([]params, len(r.Beacons))}
	for i, b := range r.Beacons {
		m.beacon[i] = params{Power: b.MeasuredPower, Exponent: DefaultExponent}
	}
	return m
}

// expected returns the RSSI, dBm, expected from beacon i at squared
// horizontal distance d2 (m²) and floors apart.
func (m *model) expected(i int, d2 float64, floors int) float64 {
	p := m.beacon[i]
	dz := FloorHeight * float64(floors)
	d2 += dz * dz
	if d2 < minDistance*minDistance {
		d2 = minDistance * minDistance
	}
	loss := 0.0
	if floors != 0 {
		loss = m.floorLoss * math.Abs(float64(floors))
	}
	return p.Power - 5*p.Exponent*math.Log10(d2) - loss
}

// distance inverts the model: the distance, metres, at which beacon i would
// be heard at rssi on the same floor.
func (m *model) distance(i int, rssi float64) float64 {
	p := m.beacon[i]
	return math.Pow(10, (p.Power-rssi)/(10*p.Exponent))
}
