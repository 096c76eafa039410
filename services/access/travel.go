package access

import (
	"math"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/paulmach/orb"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/routing"
)

// walks are the walking times between readers, by the routing graph's
// fastest profile (walk) as a role may walk. A reader's row, its time to
// every reader, is one search of the graph (routing.Times), kept while it
// is in use: a decision reads the row of the card's last reader, and the
// row of the reader just used is made after its decision, off the
// deciding worker, so the next decision finds it.
type walks struct {
	g     *routing.Graph
	index map[*geo.Reader]int
	all   []*geo.Reader

	spotsMu sync.Mutex
	spots   map[geo.Role][]routing.Spot // every reader joined to the graph, per role

	rows     *lru.Cache[rowKey, []uint16]
	making   sync.Mutex
	inFlight map[rowKey]chan struct{}
}

type rowKey struct {
	reader int
	role   geo.Role
}

// WalkRows bounds the rows kept: a row is 2 bytes a reader (seconds, to
// 18 hours), 8.7 KiB for the campus's 4,459 readers, so 4,608 rows, a
// row from every reader for the card holders (who walk alike), are about
// 40 MiB.
const WalkRows = 4608

// unreached is a row's entry for a reader the role cannot walk to.
const unreached = math.MaxUint16

func newWalks(g *routing.Graph, readers []*geo.Reader) *walks {
	rows, _ := lru.New[rowKey, []uint16](WalkRows)
	w := &walks{g: g, index: map[*geo.Reader]int{}, all: readers, spots: map[geo.Role][]routing.Spot{},
		rows: rows, inFlight: map[rowKey]chan struct{}{}}
	for i, r := range readers {
		w.index[r] = i
	}
	return w
}

// seconds is the walk from reader a to reader b for role. Where the graph
// has no way for the role (a reader in a place the role may not see,
// such as a dormitory room), or a shorter one than the straight line, it
// is the straight line at walking speed: impossible travel is judged on
// the side of the holder.
func (w *walks) seconds(a, b *geo.Reader, role geo.Role) float64 {
	if a == b {
		return 0
	}
	line := straight(a, b) / routing.WalkSpeed
	ia, oka := w.index[a]
	ib, okb := w.index[b]
	if w.g == nil || !oka || !okb {
		return line
	}
	t := w.row(ia, role)[ib]
	if t == unreached || float64(t) < line {
		return line
	}
	return float64(t)
}

// warm makes reader r's row for role if it is not kept: call it after a
// decision at r, so that the next decision of the same card finds it.
func (w *walks) warm(r *geo.Reader, role geo.Role) {
	i, ok := w.index[r]
	if !ok || w.g == nil || w.rows.Contains(rowKey{i, w.g.Alike(role)}) {
		return
	}
	w.making.Lock()
	_, busy := w.inFlight[rowKey{i, w.g.Alike(role)}]
	w.making.Unlock()
	if !busy {
		w.row(i, role)
	}
}

// needs reports whether reader r's row for role is still to be made.
func (w *walks) needs(r *geo.Reader, role geo.Role) bool {
	if w.g == nil {
		return false
	}
	i, ok := w.index[r]
	return ok && !w.rows.Contains(rowKey{i, w.g.Alike(role)})
}

// row is reader i's times to every reader for role, made once however
// many ask at the same time.
func (w *walks) row(i int, role geo.Role) []uint16 {
	role = w.g.Alike(role)
	k := rowKey{i, role}
	for {
		if row, ok := w.rows.Get(k); ok {
			return row
		}
		w.making.Lock()
		if wait, busy := w.inFlight[k]; busy {
			w.making.Unlock()
			<-wait
			continue
		}
		done := make(chan struct{})
		w.inFlight[k] = done
		w.making.Unlock()
		row := w.makeRow(i, role)
		w.rows.Add(k, row)
		w.making.Lock()
		delete(w.inFlight, k)
		w.making.Unlock()
		close(done)
		return row
	}
}

func (w *walks) makeRow(i int, role geo.Role) []uint16 {
	spots := w.spotsOf(role)
	times := w.g.Times(spots[i], spots, routing.Walk, role)
	row := make([]uint16, len(times))
	for j, t := range times {
		// Rounded down: a walk is never made longer than it is.
		row[j] = uint16(min(math.Floor(t), unreached))
	}
	return row
}

// spotsOf joins every reader to the graph as role walks, once.
func (w *walks) spotsOf(role geo.Role) []routing.Spot {
	w.spotsMu.Lock()
	defer w.spotsMu.Unlock()
	if s, ok := w.spots[role]; ok {
		return s
	}
	view := w.g.Venue.View(role)
	s := make([]routing.Spot, len(w.all))
	for i, r := range w.all {
		p, _ := r.Geometry.(orb.Point)
		s[i], _ = w.g.SpotOf(view, geo.Position{Lon: p[0], Lat: p[1], Ordinal: r.Ordinal}, routing.Walk)
	}
	w.spots[role] = s
	return s
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
	elapsed := tb.Sub(ta).Abs()
	// No walk on the campus takes longer than this: skip the search.
	if elapsed+p.Travel.Slack >= maxWalk/time.Duration(factor) {
		return false
	}
	least := time.Duration(w.seconds(a, b, role)/factor*float64(time.Second)) - p.Travel.Slack
	return elapsed < least
}

// maxWalk bounds any walk between two readers of a campus: two hours.
// (The campus's longest is under twenty minutes; a venue a hundred times
// larger would need this raised.)
const maxWalk = 2 * time.Hour
