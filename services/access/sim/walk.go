package sim

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
	"github.com/campusnav/engine/services/auth"
)

// Margin is the share of the travel rule's factors the plan moves at, at
// most: people never go faster than 0.9 times what the server would
// still believe, and the rule's slack is kept as a further margin.
const Margin = 0.9

// CarSpeed is how many times faster than a walk a car goes on campus
// (about 20 km/h), before the pace and the travel rule's vehicle factor.
const CarSpeed = 4

// detour is how much longer than the straight line a walk is taken to be
// where the graph has no route for the role (inside a dormitory no role
// sees).
const detour = 1.4

// spot is where a person stands: a reader, a room, or a place a route
// starts at.
type spot struct {
	place    string // as routing reads a place
	pt       orb.Point
	ordinal  int
	building *geo.Building
	reader   *geo.Reader
	unit     *geo.Unit
}

// readerPlace is a reader's position as the server routes from it
// (services/access: "LON,LAT,ORDINAL", 7 decimals).
func readerPlace(r *geo.Reader) string {
	p, _ := r.Geometry.(orb.Point)
	return fmt.Sprintf("%.7f,%.7f,%d", p[0], p[1], r.Ordinal)
}

func readerSpot(r *geo.Reader) spot {
	p, _ := r.Local.(orb.Point)
	return spot{place: readerPlace(r), pt: p, ordinal: r.Ordinal, building: r.Building, reader: r}
}

func (c *Campus) unitSpot(u *geo.Unit) spot {
	return spot{place: u.ID, pt: c.v.Projection.ToLocal(u.Display[0], u.Display[1]), ordinal: u.Level.Ordinal,
		building: u.Level.Building(), unit: u}
}

// distance is the straight line between two spots in metres, floors
// apart counted as 4 m each (as the server counts them).
func distance(a, b spot) float64 {
	dz := 4 * float64(a.ordinal-b.ordinal)
	return math.Sqrt((a.pt[0]-b.pt[0])*(a.pt[0]-b.pt[0]) + (a.pt[1]-b.pt[1])*(a.pt[1]-b.pt[1]) + dz*dz)
}

// routeKey is one route asked for.
type routeKey struct {
	from, to string
	role     geo.Role
}

// routed is a route's answer as the plan keeps it.
type routed struct {
	ok       bool
	seconds  float64 // its duration at a walk
	liftFrom int     // the floor a lift is boarded at, if the route rides one
	liftAt   orb.Point
	lift     bool
}

// routeCache keeps the routes asked for: people walk the same ways.
type routeCache struct {
	mu sync.Mutex
	m  map[routeKey]routed
}

func newRouteCache() *routeCache { return &routeCache{m: map[routeKey]routed{}} }

// route is the walk from one place to another for role.
func (c *Campus) route(from, to string, role geo.Role) routed {
	k := routeKey{from, to, role}
	c.routes.mu.Lock()
	r, ok := c.routes.m[k]
	c.routes.mu.Unlock()
	if ok {
		return r
	}
	rt, err := c.g.Route(c.v.View(role), routing.Request{From: from, To: to, Profile: routing.Walk, Lang: "en"})
	if err == nil {
		r = routed{ok: true, seconds: rt.DurationS}
		for _, lc := range rt.LevelChanges {
			if lc.Via == "elevator" {
				r.lift, r.liftFrom = true, lc.FromOrdinal
				r.liftAt = c.v.Projection.ToLocal(lc.At[0], lc.At[1])
				break
			}
		}
	}
	c.routes.mu.Lock()
	c.routes.m[k] = r
	c.routes.mu.Unlock()
	return r
}

// walkSeconds is the walk from a to b as a person walks it: the route,
// or the straight line with a detour where there is none. Between two
// readers it is the walk the server reckons (serverWalk), whichever way.
func (c *Campus) walkSeconds(a, b spot, role auth.Role) float64 {
	if a.place == b.place {
		return 0
	}
	if a.reader != nil && b.reader != nil {
		return c.serverWalk(a.reader, b.reader, role)
	}
	line := distance(a, b) / routing.WalkSpeed
	r := c.routeSpots(a, b, role)
	if !r.ok {
		return line * detour
	}
	return max(r.seconds, line)
}

// routeSpots is the route from a to b for role; none when either is a
// room the role may not see (a dormitory's), without asking the graph.
func (c *Campus) routeSpots(a, b spot, role auth.Role) routed {
	w := c.v.View(auth.GeoRole(role))
	if (a.unit != nil && !w.Sees(a.unit)) || (b.unit != nil && !w.Sees(b.unit)) {
		return routed{}
	}
	return c.route(a.place, b.place, auth.GeoRole(role))
}

// serverWalk is the walk between two readers in seconds as the server
// reckons it for impossible travel (services/access): the route from the
// reader with the lower id to the other, for the holder's role; the
// straight line at walking speed where that is longer or there is no
// route.
func (c *Campus) serverWalk(a, b *geo.Reader, role auth.Role) float64 {
	if a == b {
		return 0
	}
	if a.ID > b.ID {
		a, b = b, a
	}
	sa, sb := readerSpot(a), readerSpot(b)
	line := distance(sa, sb) / routing.WalkSpeed
	if r := c.route(sa.place, sb.place, auth.GeoRole(role)); r.ok && r.seconds > line {
		return r.seconds
	}
	return line
}

// ServerWalk is the walk between two readers as the server reckons it
// for impossible travel.
func (c *Campus) ServerWalk(a, b *geo.Reader, role auth.Role) time.Duration {
	if a == nil || b == nil {
		return 0
	}
	return time.Duration(c.serverWalk(a, b, role) * float64(time.Second))
}

// factor is the travel rule's factor between two readers: the vehicle
// factor when either is a car barrier.
func (c *Campus) factor(a, b *geo.Reader) float64 {
	t := c.policy.Travel
	if (a != nil && a.Kind == geo.ReaderBarrier) || (b != nil && b.Kind == geo.ReaderBarrier) {
		return t.VehicleFactor
	}
	return t.FootFactor
}

// Gap is the least time the plan lets pass between a card's uses at
// reader a and then at b: the server's walk divided by Margin times the
// travel factor, with none of the rule's slack taken off. 0 when a is nil
// (the card's first use) or the same reader.
func (c *Campus) Gap(a, b *geo.Reader, role auth.Role) time.Duration {
	if a == nil || b == nil || a == b {
		return 0
	}
	return time.Duration(float64(c.ServerWalk(a, b, role)) / (Margin * c.factor(a, b)))
}

// MaxPace is the fastest pace the travel rule lets people walk at:
// Margin times its foot factor.
func (c *Campus) MaxPace() float64 { return Margin * c.policy.Travel.FootFactor }

// leg is the time from a to b at pace: walking, or driving when car
// (never faster than Margin times the rule's factor).
func (c *Campus) leg(a, b spot, role auth.Role, pace float64, car bool) time.Duration {
	speed := min(pace, c.MaxPace())
	if car {
		speed = min(pace*CarSpeed, Margin*c.policy.Travel.VehicleFactor)
	}
	return time.Duration(c.walkSeconds(a, b, role) / speed * float64(time.Second))
}
