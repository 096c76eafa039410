package beacons

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// The tail's table agrees with the exact -log Q, and its slope with the
// inverse Mills ratio phi(z)/Q(z), across the range readings fall in.
func TestTailTable(t *testing.T) {
	phi := func(z float64) float64 { return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) }
	for z := -8.0; z <= 40; z += 0.0137 {
		want := -math.Log(0.5 * math.Erfc(z/math.Sqrt2))
		if z > 30 {
			want = negLogTail(z) // Erfc underflows; the asymptote is the answer
		}
		if got := logTail(z); math.Abs(got-want) > 1e-4*math.Max(1, want) {
			t.Fatalf("-log Q(%.4f) = %v, want %v", z, got, want)
		}
		if z < 25 {
			q := 0.5 * math.Erfc(z/math.Sqrt2)
			if got, want := mills(z), phi(z)/q; math.Abs(got-want) > 0.01*math.Max(1, want) {
				t.Fatalf("mills(%.4f) = %v, want %v", z, got, want)
			}
		}
	}
}

// Readings heard above a sensitivity are, on average, louder than the
// model's mean by sigma*mills: what the one-scan solver expects of them.
func TestHeardReadingsAreLouderThanTheMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const sigma, sens = 6.0, -95.0
	for _, mu := range []float64{-80, -92, -97, -103} {
		var sum float64
		n := 0
		for i := 0; i < 200000; i++ {
			if r := mu + sigma*rng.NormFloat64(); r >= sens {
				sum += r
				n++
			}
		}
		got, want := sum/float64(n), mu+sigma*mills((sens-mu)/sigma)
		if math.Abs(got-want) > 0.1 {
			t.Errorf("mu %v: heard readings average %.2f dBm, the model says %.2f", mu, got, want)
		}
	}
}

func TestSensitivity(t *testing.T) {
	few := []heard{{rssi: -70}, {rssi: -88}}
	many := make([]heard, minReadingsForSensitivity)
	for i := range many {
		many[i].rssi = -60 - 3*float64(i)
	}
	unknown := &model{sensitivity: unknownSensitivity}
	if s := unknown.sensitivityFor(few); s != unknownSensitivity {
		t.Errorf("two readings set the sensitivity to %v", s)
	}
	if s := unknown.sensitivityFor(many); s != -87.5 {
		t.Errorf("ten readings down to -87 dBm: sensitivity %v, want -87.5", s)
	}
	surveyed := &model{sensitivity: -95.5}
	if s := surveyed.sensitivityFor(many); s != -95.5 {
		t.Errorf("a survey's sensitivity is kept: got %v", s)
	}
	if s := sensitivityOf(few, -80); s != -88.5 {
		t.Errorf("a tracker hearing -88 dBm learns %v, want -88.5", s)
	}
}

// A calibration file gives its sensitivity to the model; an older file
// without one leaves each tracker to learn it; a positive one is refused.
func TestCalibrationSensitivity(t *testing.T) {
	reg, err := LoadFile(gridFile(t))
	if err != nil {
		t.Fatal(err)
	}
	base := `{"version":1,"default":{"measured_power":-59,"exponent":2},"floor_loss_db":15,"sigma_db":6`
	for _, c := range []struct {
		extra string
		want  float64
		err   string
	}{
		{"", unknownSensitivity, ""},
		{`,"sensitivity_dbm":-93`, -93.5, ""},
		{`,"sensitivity_dbm":5`, 0, "sensitivity_dbm 5"},
	} {
		path := t.TempDir() + "/cal.json"
		if err := os.WriteFile(path, []byte(base+c.extra+"}"), 0o644); err != nil {
			t.Fatal(err)
		}
		cal, err := ReadCalibration(path)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: got %v, want an error naming %q", c.extra, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := NewPositioner(reg, cal, nil).model.sensitivity; got != c.want {
			t.Errorf("%q: sensitivity %v, want %v", c.extra, got, c.want)
		}
	}
}
