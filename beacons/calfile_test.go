package beacons

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/campusnav/engine/geo"
)

// writeCal writes a calibration file's bytes and returns its path.
func writeCal(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cal.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var campusCal struct {
	sync.Once
	cal *Calibration
	err error
}

// surveyCalibration calibrates the campus from its simulated survey (the
// default seed, the walks' site), once.
func surveyCalibration(t *testing.T) (*Positioner, *Calibration) {
	t.Helper()
	p, _ := campus(t)
	c := &campusCal
	c.Do(func() {
		var survey []Scan
		cfg := DefaultSimConfig()
		cfg.Survey = true
		if c.err = Simulate(p.graph, p.reg, cfg, func(s Scan) error { survey = append(survey, s); return nil }); c.err == nil {
			c.cal, c.err = Calibrate(p.reg, survey)
		}
	})
	if c.err != nil {
		t.Fatal(c.err)
	}
	return p, c.cal
}

// The file Calibrate makes reads back as it was, and a version 1 file of
// the same survey (every beacon heard named by its id) reads into the same
// radio map: the compact file loses nothing positioning uses.
func TestCalibrationFileReadsBackAndOldFilesStillRead(t *testing.T) {
	p, cal := surveyCalibration(t)
	data, err := json.Marshal(cal)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadCalibration(writeCal(t, data))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, cal) {
		t.Error("the calibration file does not read back as written")
	}
	// The same survey as a version 1 file.
	type v1Fingerprint struct {
		Lon     float64            `json:"lon"`
		Lat     float64            `json:"lat"`
		Ordinal int                `json:"ordinal"`
		Level   string             `json:"level,omitempty"`
		RSSI    map[string]float64 `json:"rssi"`
	}
	old := struct {
		Calibration
		FingerprintBeacons []string        `json:"fingerprint_beacons,omitempty"`
		Fingerprints       []v1Fingerprint `json:"fingerprints"`
	}{Calibration: *cal}
	old.Version = 1
	for _, f := range cal.Fingerprints {
		of := v1Fingerprint{Lon: f.Lon, Lat: f.Lat, Ordinal: f.Ordinal, Level: "some-level", RSSI: map[string]float64{}}
		for k, i := range f.Heard {
			of.RSSI[cal.FingerprintBeacons[i]] = f.DBM[k]
		}
		old.Fingerprints = append(old.Fingerprints, of)
	}
	oldData, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	fromOld, err := ReadCalibration(writeCal(t, oldData))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromOld.Fingerprints, cal.Fingerprints) || !reflect.DeepEqual(fromOld.FingerprintBeacons, cal.FingerprintBeacons) {
		t.Error("a version 1 file of the same survey reads into other fingerprints")
	}
	_, scans := campus(t)
	pOld, pNew := NewPositioner(p.reg, fromOld, p.graph), NewPositioner(p.reg, cal, p.graph)
	w := p.graph.Venue.View(geo.Staff)
	for i := 0; i < len(scans); i += 10 {
		if a, b := pOld.Fix(w, &scans[i]), pNew.Fix(w, &scans[i]); !reflect.DeepEqual(a, b) {
			t.Fatalf("scan %d: a version 1 file of the same survey positions at %+v, the file at %+v", i, a, b)
		}
	}
	t.Logf("calibration file of the campus survey: %d bytes (version 1: %d)", len(data), len(oldData))
	if len(data) > len(oldData)/3 {
		t.Errorf("the file is %d bytes, version 1 %d: want it under a third", len(data), len(oldData))
	}
}

// A calibration file that cannot be used says which field is wrong.
func TestCalibrationFileErrors(t *testing.T) {
	base := `{"version":2,"default":{"measured_power":-59,"exponent":2},"floor_loss_db":15,"sigma_db":6,"fingerprint_beacons":["a","b"],"fingerprints":[%s]}`
	for _, c := range []struct{ fp, want string }{
		{`{"lon":1,"lat":2,"ordinal":0,"heard":[0,1],"dbm":[-70]}`, "fingerprints[0]: heard has 2 beacons, dbm 1"},
		{`{"lon":1,"lat":2,"ordinal":0,"heard":[2],"dbm":[-70]}`, "fingerprints[0].heard[0]: 2 is not an index"},
		{`{"lon":1,"lat":2,"ordinal":0,"heard":[1,0],"dbm":[-70,-71]}`, "fingerprints[0].heard[1]: 0 is not ascending"},
		{`{"lon":1,"lat":2,"ordinal":0,"heard":[0],"dbm":[70]}`, "fingerprints[0].dbm[0]: 70 is not a signal strength"},
	} {
		_, err := ReadCalibration(writeCal(t, []byte(fmt.Sprintf(base, c.fp))))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.fp, err, c.want)
		}
	}
	if _, err := ReadCalibration(writeCal(t, []byte(`{"version":3}`))); err == nil || !strings.Contains(err.Error(), "version 3") {
		t.Errorf("version 3: %v", err)
	}
}
