package beacons

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sort"

	json "github.com/goccy/go-json"
)

// CalibrationVersion is the version of the calibration files Calibrate
// makes. Version 1 files, whose fingerprints named every beacon heard by
// its id (a 36-character UUID on this campus, 280,000 times in a survey of
// the campus: 13 MB), still read.
const CalibrationVersion = 2

// Calibration is what a site survey teaches: the path-loss model fitted per
// beacon and for the venue, and the survey itself kept as a radio map of
// fingerprints. It is saved as one JSON file that positioning reads.
type Calibration struct {
	Version int         `json:"version"`
	Default ModelParams `json:"default"`
	// PowerOffsetDB is how much louder than registered the beacons are, on
	// average: the power of a beacon with no fit of its own is its
	// registered power plus this.
	PowerOffsetDB float64 `json:"power_offset_db"`
	FloorLossDB   float64 `json:"floor_loss_db"`
	SigmaDB       float64 `json:"sigma_db"`
	// SensitivityDBM is the weakest reading of the survey: below it the
	// survey's phone heard nothing. 0 when unknown (older files).
	SensitivityDBM float64                 `json:"sensitivity_dbm,omitempty"`
	Beacons        map[string]BeaconParams `json:"beacons"` // by registry id
	// FingerprintBeacons are the beacons the survey heard, by registry id,
	// in order: fingerprints name them by their index here.
	FingerprintBeacons []string      `json:"fingerprint_beacons"`
	Fingerprints       []Fingerprint `json:"fingerprints"`
}

// ModelParams is a log-distance path-loss model.
type ModelParams struct {
	MeasuredPower float64 `json:"measured_power"` // dBm at 1 m
	Exponent      float64 `json:"exponent"`
}

// BeaconParams is the model fitted for one beacon, and from how many readings.
type BeaconParams struct {
	ModelParams
	Samples int `json:"samples"`
}

// Fingerprint is what was heard, on average, at one surveyed place.
type Fingerprint struct {
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
	Ordinal int     `json:"ordinal"`
	// Heard are the beacons heard there, as indexes in the calibration's
	// FingerprintBeacons, ascending; DBM the mean RSSI of each, dBm, to
	// 0.1 dB.
	Heard []int     `json:"heard"`
	DBM   []float64 `json:"dbm"`
}

// indexFingerprints fills the fingerprints' beacons from what each heard
// (mean dBm by beacon id, one map per fingerprint, in order).
func (c *Calibration) indexFingerprints(heard []map[string]float64) {
	at := map[string]int{}
	for _, m := range heard {
		for id := range m {
			at[id] = 0
		}
	}
	c.FingerprintBeacons = make([]string, 0, len(at))
	for id := range at {
		c.FingerprintBeacons = append(c.FingerprintBeacons, id)
	}
	sort.Strings(c.FingerprintBeacons)
	for i, id := range c.FingerprintBeacons {
		at[id] = i
	}
	for k, m := range heard {
		f := &c.Fingerprints[k]
		f.Heard, f.DBM = make([]int, 0, len(m)), make([]float64, 0, len(m))
		for id := range m {
			f.Heard = append(f.Heard, at[id])
		}
		sort.Ints(f.Heard)
		for _, i := range f.Heard {
			f.DBM = append(f.DBM, round1(m[c.FingerprintBeacons[i]]))
		}
	}
}

// calibrationFile is a calibration file of either version: version 1
// fingerprints give "rssi", mean dBm by beacon id (and a "level" nothing
// reads).
type calibrationFile struct {
	Calibration
	Fingerprints []struct {
		Fingerprint
		RSSI map[string]float64 `json:"rssi"`
	} `json:"fingerprints"`
}

// ReadCalibration reads a calibration file, of version 1 or 2; errors name
// what is wrong.
func ReadCalibration(path string) (*Calibration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCalibration, err)
	}
	c, err := parseCalibration(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCalibration, path, err)
	}
	return c, nil
}

// parseCalibration reads a calibration file's bytes.
func parseCalibration(data []byte) (*Calibration, error) {
	var cf calibrationFile
	if err := json.Unmarshal(data, &cf); err != nil {
		return nil, err
	}
	c := &cf.Calibration
	switch {
	case c.Version != 1 && c.Version != CalibrationVersion:
		return nil, fmt.Errorf("version %d is not supported (want 1 or %d)", c.Version, CalibrationVersion)
	case c.Default.Exponent <= 0 || c.SigmaDB <= 0:
		return nil, errors.New("default exponent and sigma_db must be positive")
	case c.SensitivityDBM > 0:
		return nil, fmt.Errorf("sensitivity_dbm %v is not a reading in dBm (negative, or absent)", c.SensitivityDBM)
	}
	c.Fingerprints = make([]Fingerprint, len(cf.Fingerprints))
	if c.Version == 1 {
		heard := make([]map[string]float64, len(cf.Fingerprints))
		for i, f := range cf.Fingerprints {
			c.Fingerprints[i] = Fingerprint{Lon: f.Lon, Lat: f.Lat, Ordinal: f.Ordinal}
			heard[i] = f.RSSI
		}
		c.indexFingerprints(heard)
		c.Version = CalibrationVersion
		return c, nil
	}
	for i, f := range cf.Fingerprints {
		fp := f.Fingerprint
		if len(fp.Heard) != len(fp.DBM) {
			return nil, fmt.Errorf("fingerprints[%d]: heard has %d beacons, dbm %d readings", i, len(fp.Heard), len(fp.DBM))
		}
		for k, b := range fp.Heard {
			switch {
			case b < 0 || b >= len(c.FingerprintBeacons):
				return nil, fmt.Errorf("fingerprints[%d].heard[%d]: %d is not an index of fingerprint_beacons (%d of them)", i, k, b, len(c.FingerprintBeacons))
			case k > 0 && b <= fp.Heard[k-1]:
				return nil, fmt.Errorf("fingerprints[%d].heard[%d]: %d is not ascending", i, k, b)
			case math.IsNaN(fp.DBM[k]) || fp.DBM[k] < -130 || fp.DBM[k] > 20:
				return nil, fmt.Errorf("fingerprints[%d].dbm[%d]: %v is not a signal strength in dBm", i, k, fp.DBM[k])
			}
		}
		c.Fingerprints[i] = fp
	}
	return c, nil
}
