package beacons

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/campusnav/engine/geo"
)

// simStreamStand is the random stream of the phones standing in rooms.
const simStreamStand = 0x57a0d0000

// SimulateStanding emits, for each unit given, n scans about a second
// apart of a phone standing at a point drawn uniformly inside the unit (a
// person reporting a fault from where they stand), in cfg's world: the
// classic radio (cfg.SigmaDB of shadowing) or a regime's, whose site
// follows from cfg.Seed and whose phone is drawn anew for each unit.
// Devices are named "stand-<k>" after the unit's place in the list, and
// each scan carries its truth. Deterministic for cfg.Seed and the list.
func SimulateStanding(v *geo.Venue, reg *Registry, cfg SimConfig, units []string, n int, emit func(unit string, s Scan) error) error {
	if cfg.Seed == 0 {
		cfg.Seed = DefaultSimConfig().Seed
	}
	classic := cfg.Regime == "" || cfg.Regime == RegimeClassic
	if cfg.SigmaDB == 0 && classic {
		cfg.SigmaDB = DefaultSimConfig().SigmaDB
	}
	rg, known := simRegimeOf(cfg.Regime)
	switch {
	case !classic && !known:
		return fmt.Errorf("%w: regime %q is not one of %s", ErrSim, cfg.Regime, strings.Join(simRegimeNames, ", "))
	case v == nil || reg == nil:
		return fmt.Errorf("%w: no venue or no registry", ErrSim)
	case n < 1:
		return fmt.Errorf("%w: %d scans a room; at least 1", ErrSim, n)
	case cfg.SigmaDB < 0 || math.IsNaN(cfg.SigmaDB) || math.IsInf(cfg.SigmaDB, 0):
		return fmt.Errorf("%w: sigma %v dB is not a standard deviation", ErrSim, cfg.SigmaDB)
	}
	r := newSimRadio(reg, cfg.Seed, cfg.SigmaDB)
	if !classic {
		r.rg, r.site = rg, drawSite(cfg.Regime, rg, r, cfg.Seed, cfg.SigmaDB)
	}
	for k, id := range units {
		rng := rand.New(rand.NewPCG(uint64(cfg.Seed), simStreamStand+uint64(k)))
		if !classic {
			r.phone = drawPhone(r.rg, rng)
		}
		pt, ok := r.pointIn(v, id, rng)
		if !ok {
			return fmt.Errorf("%w: %s is no unit with an area", ErrSim, id)
		}
		f, _ := v.Feature(id)
		u := f.(*geo.Unit)
		st := simState{pt: pt, ordinal: u.Level.Ordinal, level: u.Level.ID}
		device := fmt.Sprintf("stand-%d", k)
		start := simWalkStart.Add(time.Duration(k) * time.Minute)
		for i := 0; i < n; i++ {
			ms := int64(i) * 1000
			if i > 0 {
				ms += simJitter(rng)
			}
			if err := r.emitScan(rng, device, start, ms, st, func(s Scan) error { return emit(id, s) }); err != nil {
				return err
			}
		}
	}
	return nil
}
