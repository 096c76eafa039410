package beacons

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Fitting limits.
const (
	minSamples  = 12  // readings a beacon needs for a model of its own
	minSpreadDB = 6.0 // spread of -10 log10(d) they need, dB, to fit a slope
	// fitRange, metres: only readings this close fit the model. Farther
	// ones near the receiver's sensitivity are heard only when shadowing
	// is kind: fitting them would flatten the slope. The choice is by
	// distance, not by signal, so it biases nothing.
	fitRange = 12.0
	// throughRange, metres: beacons of the floors just above and below,
	// this close horizontally, estimate the floor loss.
	throughRange = 10.0
)

// ErrCalibration is returned for a calibration that cannot be used.
var ErrCalibration = errors.New("beacons: calibration")

type sample struct {
	x, rssi float64 // x = -10 log10(d); rssi less the beacon's registered power
}

// shrink is the weight, in readings, of the venue's offset in a beacon's
// own: a beacon's power differs from the venue's by about 2 dB, a reading
// by about 6 dB, so nine readings count as much as the prior (6²/2²).
const shrink = 9.0

// Calibrate fits the model from labelled scans (scans with their truth):
// per beacon by least squares of RSSI on -10 log10(distance) over readings
// on its own floor within 30 m, the venue default from all of them, the
// floor loss from readings through floors, the spread from the residuals;
// and keeps each surveyed place as a fingerprint.
func Calibrate(r *Registry, scans []Scan) (*Calibration, error) {
	per := make([][]sample, len(r.Beacons))
	var all []sample
	type fpKey struct {
		lon, lat float64
		ord      int
	}
	fps := map[fpKey]*struct {
		sum map[string]float64
		n   map[string]int
	}{}
	var order []fpKey
	used, sens := 0, 0.0
	for i := range scans {
		s := &scans[i]
		if s.Truth == nil {
			continue
		}
		used++
		at := r.Projection.ToLocal(s.Truth.Lon, s.Truth.Lat)
		rd := r.Resolve(s)
		k := fpKey{s.Truth.Lon, s.Truth.Lat, s.Truth.Ordinal}
		fp, ok := fps[k]
		if !ok {
			fp = &struct {
				sum map[string]float64
				n   map[string]int
			}{map[string]float64{}, map[string]int{}}
			fps[k] = fp
			order = append(order, k)
		}
		for j, b := range rd.Beacons {
			sens = math.Min(sens, rd.RSSI[j])
			fp.sum[b.ID] += rd.RSSI[j]
			fp.n[b.ID]++
			if b.Ordinal != s.Truth.Ordinal {
				continue
			}
			d := math.Max(dist(at, b.Point), minDistance)
			if d > fitRange {
				continue
			}
			smp := sample{-10 * math.Log10(d), rd.RSSI[j] - b.MeasuredPower}
			per[b.idx] = append(per[b.idx], smp)
			all = append(all, smp)
		}
	}
	if used == 0 {
		return nil, fmt.Errorf("%w: no labelled scan (a scan with its truth)", ErrCalibration)
	}
	// The venue: the exponent, and the offset of powers from the registry.
	venue, ok := fitLine(all)
	if !ok {
		return nil, fmt.Errorf("%w: the survey has too few readings to fit a model", ErrCalibration)
	}
	offset, exp := venue.MeasuredPower, venue.Exponent
	cal := &Calibration{Version: CalibrationVersion, PowerOffsetDB: math.Round(offset*100) / 100, Beacons: map[string]BeaconParams{},
		FloorLossDB: DefaultFloorLoss, SigmaDB: DefaultSigma}
	var reg float64
	for _, b := range r.Beacons {
		reg += b.MeasuredPower
	}
	cal.Default = ModelParams{MeasuredPower: math.Round((reg/float64(len(r.Beacons))+offset)*100) / 100, Exponent: exp}
	// Each beacon: its own offset, shrunk towards the venue's by how few
	// readings it has.
	m := &model{beacon: make([]params, len(r.Beacons)), floorLoss: DefaultFloorLoss, sigma: DefaultSigma}
	var res []float64
	for i, b := range r.Beacons {
		own := offset
		if n := float64(len(per[i])); n > 0 {
			mean := 0.0
			for _, s := range per[i] {
				mean += s.rssi - (offset + exp*s.x)
			}
			mean /= n
			own = offset + mean*n/(n+shrink)
			cal.Beacons[b.ID] = BeaconParams{ModelParams{math.Round((b.MeasuredPower+own)*100) / 100, exp}, len(per[i])}
		}
		m.beacon[i] = params{b.MeasuredPower + own, exp}
		for _, s := range per[i] {
			res = append(res, s.rssi-(own+exp*s.x))
		}
	}
	cal.SigmaDB = rms(res)
	cal.SensitivityDBM = sens
	cal.FloorLossDB = floorLoss(r, scans, m, cal.SigmaDB, sens)
	var fpMaps []map[string]float64
	for _, k := range order {
		fp := fps[k]
		mean := map[string]float64{}
		for id, s := range fp.sum {
			mean[id] = s / float64(fp.n[id])
		}
		cal.Fingerprints = append(cal.Fingerprints, Fingerprint{Lon: round7(k.lon), Lat: round7(k.lat), Ordinal: k.ord})
		fpMaps = append(fpMaps, mean)
	}
	cal.indexFingerprints(fpMaps)
	return cal, nil
}

// fitLine fits rssi = power + exponent*x by least squares, when the samples
// are enough and spread enough; the exponent is kept to [1.2, 4].
func fitLine(ss []sample) (ModelParams, bool) {
	if len(ss) < minSamples {
		return ModelParams{}, false
	}
	var sx, sy, sxx, sxy float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		sx, sy, sxx, sxy = sx+s.x, sy+s.rssi, sxx+s.x*s.x, sxy+s.x*s.rssi
		lo, hi = math.Min(lo, s.x), math.Max(hi, s.x)
	}
	if hi-lo < minSpreadDB {
		return ModelParams{}, false
	}
	n := float64(len(ss))
	slope := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	slope = math.Max(1.2, math.Min(4, slope))
	power := (sy - slope*sx) / n
	return ModelParams{MeasuredPower: math.Round(power*100) / 100, Exponent: math.Round(slope*1000) / 1000}, true
}

func rms(xs []float64) float64 {
	if len(xs) == 0 {
		return DefaultSigma
	}
	s := 0.0
	for _, x := range xs {
		s += x * x
	}
	return math.Sqrt(s / float64(len(xs)))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// modelOf returns the model a calibration gives the registry's beacons.
func modelOf(r *Registry, c *Calibration) *model {
	m := defaultModel(r)
	if c == nil {
		return m
	}
	m.floorLoss, m.sigma = c.FloorLossDB, c.SigmaDB
	if c.SensitivityDBM < 0 {
		m.sensitivity = c.SensitivityDBM - 0.5
	}
	for i, b := range r.Beacons {
		if p, ok := c.Beacons[b.ID]; ok {
			m.beacon[i] = params{p.MeasuredPower, p.Exponent}
		} else {
			m.beacon[i] = params{b.MeasuredPower + c.PowerOffsetDB, c.Default.Exponent}
		}
	}
	return m
}

// floorLoss estimates the loss per floor by maximum likelihood over the
// beacons of the floor above or below within throughRange: those heard
// give their RSSI, those not heard say only that it was below the weakest
// reading heard at all, sens (censored). Ignoring the unheard ones would make
// floors look thinner than they are.
func floorLoss(r *Registry, scans []Scan, m *model, sigma, sens float64) float64 {
	type obs struct {
		mu    float64 // expected RSSI on the same floor
		rssi  float64
		heard bool
	}
	var os []obs
	for i := range scans {
		s := &scans[i]
		if s.Truth == nil {
			continue
		}
		at := r.Projection.ToLocal(s.Truth.Lon, s.Truth.Lat)
		rd := r.Resolve(s)
		got := map[int]float64{}
		for j, b := range rd.Beacons {
			got[b.idx] = rd.RSSI[j]
		}
		for _, b := range r.Beacons {
			if abs(b.Ordinal-s.Truth.Ordinal) != 1 || dist(at, b.Point) > throughRange {
				continue
			}
			dx, dy := at[0]-b.Point[0], at[1]-b.Point[1]
			mu := m.expected(b.idx, dx*dx+dy*dy, 0) - 5*m.beacon[b.idx].Exponent*math.Log10(1+FloorHeight*FloorHeight/math.Max(dx*dx+dy*dy, minDistance*minDistance))
			rssi, heard := got[b.idx]
			os = append(os, obs{mu, rssi, heard})
		}
	}
	if len(os) < minSamples {
		return DefaultFloorLoss
	}
	best, bestLL := DefaultFloorLoss, math.Inf(-1)
	for loss := 0.0; loss <= 40; loss += 0.25 {
		ll := 0.0
		for _, o := range os {
			mu := o.mu - loss
			if o.heard {
				z := (o.rssi - mu) / sigma
				ll -= z * z / 2
			} else {
				ll += math.Log(math.Max(1e-300, normCDF((sens-mu)/sigma)))
			}
		}
		if ll > bestLL {
			best, bestLL = loss, ll
		}
	}
	return best
}

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
