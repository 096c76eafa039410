package share

import (
	"time"

	"github.com/campusnav/engine/geo"
)

// Fan-out: a sharer's location is published to every process (Bus);
// each process's hub sends it to the viewers connected to it, as each
// viewer's role sees it, computed once per role.

// sendTo sends msg to every client of user id here. Under h.mu (read).
func (h *Hub) sendTo(id int64, msg []byte) {
	for c := range h.clients[id] {
		h.send(c, msg)
	}
}

// send sends msg to c, closing c if its queue is full.
func (h *Hub) send(c Client, msg []byte) {
	if !c.Send(msg) {
		c.Close(CloseSlow, "too slow: the queue of messages is full")
	}
}

// sendLast sends share lv's last location to viewer id's clients, each
// as its role sees it. Under h.mu and lv.mu.
func (h *Hub) sendLast(lv *live, id int64) {
	if lv.last == nil {
		return
	}
	sp := h.spot(*lv.last)
	for c := range h.clients[id] {
		if s, ok := h.v.View(c.Role()).See(sp); ok {
			h.send(c, locationMessage(lv.s.ID, lv.person, s, lv.last.T))
			h.sighted(lv.s.ID, id, lv.last.T)
		}
	}
}

// spot is a located's spot on the venue.
func (h *Hub) spot(l Located) geo.Spot {
	sp := geo.Spot{Lon: l.Lon, Lat: l.Lat, Ordinal: l.Ordinal, AccuracyM: l.AccuracyM}
	if l.Level != "" {
		sp.Level = h.v.LevelByID(l.Level)
	}
	return sp
}

// Publish takes a sharer's location (a spot on the venue, at t) and
// publishes it to every process; a sharer with no active share here is
// published nothing.
func (h *Hub) Publish(sharer int64, sp geo.Spot, t time.Time) {
	h.mu.RLock()
	n := len(h.bySharer[sharer])
	h.mu.RUnlock()
	if n == 0 {
		return
	}
	l := &Located{Sharer: sharer, Lon: sp.Lon, Lat: sp.Lat, Ordinal: sp.Ordinal, AccuracyM: sp.AccuracyM, T: t}
	if sp.Level != nil {
		l.Level = sp.Level.ID
	}
	h.bus.Publish(Message{Kind: KindLocation, Location: l})
}

// seenBy caches one location as each role sees it, for one share.
type seenBy struct {
	role geo.Role
	ok   bool
	s    geo.Seen
	msg  []byte
}

// deliver sends a location to the viewers here of the sharer's shares,
// each as their role sees it; the same message to every viewer of one
// role. It keeps the share's last location, its history's point, and
// its viewers' alerts.
func (h *Hub) deliver(l Located) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	lives := h.bySharer[l.Sharer]
	if len(lives) == 0 {
		return
	}
	sp := h.spot(l)
	var cache [8]seenBy
	for _, lv := range lives {
		lv.mu.Lock()
		lv.last = &l
		if lv.s.History && l.T.Sub(lv.lastPoint) >= TrackEvery {
			lv.lastPoint = l.T
			h.keepPoint(lv.s.ID, sp, l.T)
		}
		seen := cache[:0]
		see := func(r geo.Role) *seenBy {
			for i := range seen {
				if seen[i].role == r {
					return &seen[i]
				}
			}
			s, ok := h.v.View(r).See(sp)
			e := seenBy{role: r, ok: ok, s: s}
			if ok {
				e.msg = locationMessage(lv.s.ID, lv.person, s, l.T)
			}
			seen = append(seen, e)
			return &seen[len(seen)-1]
		}
		for id := range lv.viewers {
			cs := h.clients[id]
			if len(cs) == 0 {
				continue
			}
			var first *seenBy
			for c := range cs {
				e := see(c.Role())
				if first == nil {
					first = e
				}
				if e.ok {
					h.send(c, e.msg)
				}
			}
			if first.ok {
				h.sighted(lv.s.ID, id, l.T)
				for _, st := range lv.alerts {
					if st.a.ViewerID != id {
						continue
					}
					if ev := st.step(h.v, first.s); ev != "" {
						msg := alertMessage(lv.s.ID, st.a.Place, ev, l.T)
						for c := range cs {
							h.send(c, msg)
						}
					}
				}
			}
		}
		lv.mu.Unlock()
	}
}
