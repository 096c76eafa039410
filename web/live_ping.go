package web

import (
	"sync"
	"time"
)

// livePingSlots is how many rounds the pings of a LivePing are spread
// over: each round pings the sockets of one slot.
const livePingSlots = 8

// livePinger pings every live socket once a LivePing from one goroutine
// and one ticker for all (a ticker and a goroutine of each socket's own
// would cost an idle socket a few kilobytes), spread over livePingSlots
// rounds so that ten thousand pings do not go out at once. It runs while
// there are sockets: the first starts it, and it stops at the round
// after the last has gone.
type livePinger struct {
	every time.Duration

	mu      sync.Mutex
	slots   [livePingSlots]map[*liveConn]struct{}
	n       int
	next    uint32 // the slot of the next socket added
	running bool
}

// add has lc pinged from now on.
func (p *livePinger) add(lc *liveConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lc.slot = p.next % livePingSlots
	p.next++
	if p.slots[lc.slot] == nil {
		p.slots[lc.slot] = map[*liveConn]struct{}{}
	}
	p.slots[lc.slot][lc] = struct{}{}
	p.n++
	if !p.running {
		p.running = true
		go p.run()
	}
}

// remove stops pinging lc.
func (p *livePinger) remove(lc *liveConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.slots[lc.slot][lc]; ok {
		delete(p.slots[lc.slot], lc)
		p.n--
	}
}

// run has the sockets of one slot pinged each round.
func (p *livePinger) run() {
	t := time.NewTicker(max(p.every/livePingSlots, time.Millisecond))
	defer t.Stop()
	var due []*liveConn
	for slot := 0; ; slot = (slot + 1) % livePingSlots {
		<-t.C
		p.mu.Lock()
		if p.n == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		for lc := range p.slots[slot] {
			due = append(due, lc)
		}
		p.mu.Unlock()
		for _, lc := range due {
			lc.pingDue()
		}
		clear(due)
		due = due[:0]
	}
}
