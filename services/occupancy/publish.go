package occupancy

import (
	"maps"
	"slices"

	"github.com/uber/h3-go/v4"
)

// Which cells may be told, at every resolution at once.
//
// People are counted at MaxRes, once each, and the counts of coarser
// cells are sums of their children's (an H3 cell's parent is fixed by its
// index, so the counts add up exactly). Told one resolution alone, a cell
// of MinPeople or more hides its people. Told several, a client can
// subtract: a res-11 cell of 12 with res-12 children of 5 and 5 told
// reveals 2 in the rest. So the cells told are chosen together, from the
// coarsest down:
//
//   - a MinRes cell is told when it holds at least MinPeople;
//   - a finer cell is told only when its parent is told, it holds at
//     least MinPeople, and it is not suppressed: for each told parent,
//     its count less the sum of its told children (its residual) must be
//     0 or at least MinPeople; when it is not, the smallest child is
//     suppressed (ties: the lowest index). One is enough: the residual
//     was 1..MinPeople-1 and grows by that child's count, MinPeople or
//     more.
//
// The told cells then nest as a tree, and whatever a client can compute
// from them (any sum or difference of told counts, at any resolutions) is
// a sum of residuals and of told leaves' counts, each 0 or at least
// MinPeople: no combination tells a group of 1..MinPeople-1. A suppressed
// cell's children are never told (their parent is not), since a told
// grandchild would let the grandparent's residual be worked out past the
// suppressed cell.

// publish counts people (each their cells, coarsest first) and chooses
// the cells that may be told.
func publish(people []cells) *Snapshot {
	var counts [numRes]map[h3.Cell]int
	var parent [numRes]map[h3.Cell]h3.Cell // a cell's parent, from resolution 1 of the range on
	for r := range counts {
		counts[r] = map[h3.Cell]int{}
		if r > 0 {
			parent[r] = map[h3.Cell]h3.Cell{}
		}
	}
	for _, p := range people {
		for r, c := range p {
			counts[r][c]++
			if r > 0 {
				parent[r][c] = p[r-1]
			}
		}
	}

	s := &Snapshot{}
	told := map[h3.Cell]int{}
	for c, n := range counts[0] {
		if n >= MinPeople {
			told[c] = n
		}
	}
	s.res[0] = sorted(told)
	for r := 1; r < numRes; r++ {
		kids := map[h3.Cell][]Cell{} // a told parent's children of MinPeople or more
		for c, n := range counts[r] {
			if p := parent[r][c]; n >= MinPeople && told[p] > 0 {
				kids[p] = append(kids[p], Cell{Cell: c, People: n})
			}
		}
		next := map[h3.Cell]int{}
		for p, ks := range kids {
			sum := 0
			for _, k := range ks {
				sum += k.People
			}
			if rest := told[p] - sum; rest > 0 && rest < MinPeople {
				i := 0
				for j, k := range ks {
					if k.People < ks[i].People || k.People == ks[i].People && k.Cell < ks[i].Cell {
						i = j
					}
				}
				ks = slices.Delete(ks, i, i+1)
			}
			for _, k := range ks {
				next[k.Cell] = k.People
			}
		}
		told = next
		s.res[r] = sorted(told)
	}
	return s
}

// sorted is the cells of m, by index.
func sorted(m map[h3.Cell]int) []Cell {
	out := make([]Cell, 0, len(m))
	for _, c := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Cell{Cell: c, People: m[c]})
	}
	return out
}
