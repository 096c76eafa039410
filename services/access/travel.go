package access

import (
	"fmt"
	"math"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

// walks are the walking times between readers, by the routing graph's
// fastest profile (walk) as a role may walk, kept as they are asked for.
type walks struct {
	g     *routing.Graph
	cache *lru.Cache[walkKey, float64]
}

type walkKey struct {
	a, b string
	role geo.Role
}

// walkCacheSize bounds the pairs kept: a campus's readers number
// thousands, but a day's uses join few pairs.
const walkCacheSize = 1 << 16

func newWalks(g *routing.Graph) *walks {
	c, _ := lru.New[walkKey, float64](walkCacheSize)
	return &walks{g: g, cache: c}
}

// seconds is the walk from reader a to reader b for role. Where the graph
// has no route for the role (a reader in a place the role may not see,
// such as a dormitory room), it is the straight line at walking speed, a
// shorter time than any route: impossible travel is judged on the
// side of the holder.
func (w *walks) seconds(a, b *geo.Reader, role geo.Role) float64 {
	if a == b {
		return 0
	}
	if a.ID > b.ID { // walks are symmetric enough for a lower bound; keep one
		a, b = b, a
	}
	k := walkKey{a.ID, b.ID, role}
	if s, ok := w.cache.Get(k); ok {
		return s
	}
	s := w.route(a, b, role)
	w.cache.Add(k, s)
	return s
}

func (w *walks) route(a, b *geo.Reader, role geo.Role) float64 {
	line := straight(a, b) / routing.WalkSpeed
	if w.g == nil {
		return line
	}
	rt, err := w.g.Route(w.g.Venue.View(role), routing.Request{From: pointOf(a), To: pointOf(b), Profile: routing.Walk, Lang: "en"})
	if err != nil || rt.DurationS < line {
		return line
	}
	return rt.DurationS
}

// pointOf is a reader's position as routing reads one.
func pointOf(r *geo.Reader) string {
	p, _ := r.Geometry.(orb.Point)
	return fmt.Sprintf("%.7f,%.7f,%d", p[0], p[1], r.Ordinal)
}

// straight is the distance between two readers in metres, floors apart
// counted as 4 m each.
func straight(a, b *geo.Reader) float64 {
	pa, _ := a.Local.(orb.Point)
	pb, _ := b.Local.(orb.Point)
	dz := 4 * float64(a.Ordinal-b.Ordinal)
	return math.Sqrt((pa[0]-pb[0])*(pa[0]-pb[0]) + (pa[1]-pb[1])*(pa[1]-pb[1]) + dz*dz)
}

// tooFast reports whether going from reader a at ta to b at tb is
// faster than anyone could: the walk divided by the travel factor (the
// vehicle factor when either is a car barrier), less the slack.
func (p *Policy) tooFast(w *walks, a, b *geo.Reader, role geo.Role, ta, tb time.Time) bool {
	if a == nil || b == nil || a == b || ta.IsZero() {
		return false
	}
	factor := p.Travel.FootFactor
	if a.Kind == geo.ReaderBarrier || b.Kind == geo.ReaderBarrier {
		factor = p.Travel.VehicleFactor
	}
	least := time.Duration(w.seconds(a, b, role)/factor*float64(time.Second)) - p.Travel.Slack
	return tb.Sub(ta).Abs() < least
}
