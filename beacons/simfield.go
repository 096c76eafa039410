package beacons

import (
	"math"

	"github.com/paulmach/orb"
)

// simShadow is the correlated shadowing of beacon i heard at pt (registry
// plane) on ordinal, in units of its standard deviation: a random field
// of the site, one per beacon and floor, deterministic from the seed.
// Values drawn independently at the nodes of a square lattice of the
// correlation length corr (hashed from the seed, the beacon, the node and
// the ordinal) are interpolated bilinearly and renormalised so that the
// field has unit variance everywhere: readings a fraction of corr apart
// are strongly correlated, readings more than 2 corr apart independent.
func simShadow(seed int64, i int, pt orb.Point, ordinal int, corr float64) float64 {
	gx, gy := pt[0]/corr, pt[1]/corr
	ix, iy := math.Floor(gx), math.Floor(gy)
	fx, fy := gx-ix, gy-iy
	sum, norm := 0.0, 0.0
	for dx := 0; dx <= 1; dx++ {
		for dy := 0; dy <= 1; dy++ {
			w := (1 - math.Abs(float64(dx)-fx)) * (1 - math.Abs(float64(dy)-fy))
			sum += w * simNodeNormal(seed, i, int64(ix)+int64(dx), int64(iy)+int64(dy), ordinal)
			norm += w * w
		}
	}
	return sum / math.Sqrt(norm)
}

// simNodeNormal is a standard normal value hashed from a lattice node.
func simNodeNormal(seed int64, i int, x, y int64, ordinal int) float64 {
	h := simMix(uint64(seed) ^ 0x5eed)
	for _, v := range [...]uint64{uint64(i), uint64(x), uint64(y), uint64(int64(ordinal))} {
		h = simMix(h ^ v)
	}
	h2 := simMix(h ^ 0x9e3779b97f4a7c15)
	u1 := (float64(h>>11) + 0.5) / (1 << 53) // in (0, 1)
	u2 := float64(h2>>11) / (1 << 53)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// simMix is the SplitMix64 finaliser: a well-spread hash of x.
func simMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
