package beacons

import (
	"math"
	"sync"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

// Positioner turns scans into fixes. It knows the registry, the
// calibration (if any) and the floor plan, nothing else. It is safe for
// concurrent use; per-device tracking state lives in Trackers.
type Positioner struct {
	reg   *Registry
	model *model
	radio *radioMap
	graph *routing.Graph // nil for a standalone registry
	walk  *walkGraph     // the graph as tracking walks it
	site  *site          // the venue's levels and units, whoever may see them
	// scratch holds what a tracker's update works in (*scratch), shared
	// by the trackers rather than kept by each.
	scratch *sync.Pool
}

// NewPositioner makes a positioner for a registry, with an optional
// calibration, on a venue's routing graph (nil for a standalone registry,
// whose fixes are not snapped to any venue).
func NewPositioner(reg *Registry, cal *Calibration, g *routing.Graph) *Positioner {
	p := &Positioner{reg: reg, model: modelOf(reg, cal), radio: newRadioMap(reg, cal)}
	if g != nil && reg.Venue != nil && g.Venue == reg.Venue {
		p.graph = g
		p.walk = newWalkGraph(g)
		p.site = newSite(g.Venue)
	}
	p.scratch = &sync.Pool{New: func() any {
		return &scratch{weights: make([]float64, 0, numParticles), spare: make([]particle, 0, numParticles)}
	}}
	return p
}

// Fix answers one scan on its own (no tracking), as the viewer may see it.
func (p *Positioner) Fix(w geo.View, s *Scan) Fix {
	rd := p.reg.Resolve(s)
	est := p.single(rd)
	return p.answer(w, s, est)
}

// levelNear names the level of a standalone registry's beacons on an
// ordinal: that of the nearest beacon there.
func (p *Positioner) levelNear(pt orb.Point, ord int) string { return p.reg.levelNear(pt, ord) }

// levelNear names the level of the registry's beacons on an ordinal: that
// of the nearest beacon there, "" when none names one.
func (r *Registry) levelNear(pt orb.Point, ord int) string {
	best, id := math.Inf(1), ""
	for _, b := range r.Beacons {
		if b.Ordinal == ord && b.LevelID != "" {
			if d := dist(pt, b.Point); d < best {
				best, id = d, b.LevelID
			}
		}
	}
	return id
}

func ptr[T any](x T) *T { return &x }

func round7(x float64) float64 { return math.Round(x*1e7) / 1e7 }
func round1(x float64) float64 { return math.Round(x*10) / 10 }
