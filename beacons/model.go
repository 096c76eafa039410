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
	// sensitivity, dBm: the weakest a phone hears, as the survey found it
	// (unknownSensitivity without one; each tracker learns its phone's).
	sensitivity float64
}

// defaultModel is the model of a registry without calibration.
func defaultModel(r *Registry) *model {
	m := &model{floorLoss: DefaultFloorLoss, sigma: DefaultSigma, sensitivity: unknownSensitivity, beacon: make([]params, len(r.Beacons))}
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
	loss := 0.0 // floors are rare: no call to math.Abs on the hot path
	if floors != 0 {
		loss = m.floorLoss * math.Abs(float64(floors))
	}
	return p.Power - 5*p.Exponent*fastLog10(d2) - loss
}

// adjusted is expected corrected by a phone's learned offset, dB, and the
// learned error of the path-loss exponent (dn added to every beacon's):
// the RSSI that phone is expected to hear.
func (m *model) adjusted(i int, d2 float64, floors int, off, dn float64) float64 {
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
	return p.Power + off - 5*(p.Exponent+dn)*fastLog10(d2) - loss
}

// fastLog10 is log10 of a positive finite x to about 1e-5: the binary
// exponent, and ln of the mantissa m in [1, 2) by the series of
// 2 atanh((m-1)/(m+1)). The model's shadowing is 6 dB; this errs by less
// than a thousandth of one, at a third of math.Log10's cost.
func fastLog10(x float64) float64 {
	bits := math.Float64bits(x)
	e := float64(int((bits>>52)&0x7ff) - 1023)
	m := math.Float64frombits(bits&(1<<52-1) | 1023<<52)
	t := (m - 1) / (m + 1)
	t2 := t * t
	ln := 2 * t * (1 + t2*(1.0/3+t2*(1.0/5+t2*(1.0/7+t2*(1.0/9)))))
	return (e*math.Ln2 + ln) * math.Log10E
}

// distance inverts the model: the distance, metres, at which beacon i would
// be heard at rssi on the same floor.
func (m *model) distance(i int, rssi float64) float64 {
	p := m.beacon[i]
	return math.Pow(10, (p.Power-rssi)/(10*p.Exponent))
}
