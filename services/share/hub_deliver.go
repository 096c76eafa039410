package share

import (
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
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
// published nothing. What is done once per location, whoever watches,
// is done here, by the process the sharer sent it to: the history's
// point, and the arrival alerts of every viewer, connected or not (their
// events are kept, then cross to the processes of the viewers' sockets:
// watchAlerts).
func (h *Hub) Publish(sharer int64, sp geo.Spot, t time.Time) {
	h.mu.RLock()
	lives := h.bySharer[sharer]
	if len(lives) == 0 {
		h.mu.RUnlock()
		return
	}
	var fired []AlertEvent
	for _, lv := range lives {
		lv.mu.Lock()
		if lv.s.History && t.Sub(lv.lastPoint) >= TrackEvery {
			lv.lastPoint = t
			h.keepPoint(lv.s.ID, sp, t)
		}
		for _, st := range lv.alerts {
			v, ok := lv.viewers[st.a.ViewerID]
			if !ok {
				continue
			}
			// As the viewer sees the campus: their socket's role here
			// (a visitor's is their visit's), else their account's.
			role := auth.GeoRole(v.Role)
			for c := range h.clients[v.ID] {
				role = c.Role()
				break
			}
			s, ok := h.v.View(role).See(sp)
			if !ok {
				continue
			}
			if ev := st.step(h.v, s); ev != "" {
				fired = append(fired, AlertEvent{AlertID: st.a.ID, ShareID: lv.s.ID, ViewerID: v.ID, Place: st.a.Place, Event: ev, At: t})
			}
		}
		lv.mu.Unlock()
	}
	h.mu.RUnlock()
	l := &Located{Sharer: sharer, Lon: sp.Lon, Lat: sp.Lat, Ordinal: sp.Ordinal, AccuracyM: sp.AccuracyM, T: t}
	if sp.Level != nil {
		l.Level = sp.Level.ID
	}
	h.bus.Publish(Message{Kind: KindLocation, Location: l})
	for _, e := range fired {
		select {
		case h.fired <- e:
		default:
			// The store is behind: tell the connected viewers at least.
			h.bus.Publish(Message{Kind: KindAlert, Alert: &e})
		}
	}
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
// role. It keeps the share's last location.
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
			}
		}
		lv.mu.Unlock()
	}
}

// alerted sends a fired alert to its viewer's sockets here, if the
// viewer still sees its share.
func (h *Hub) alerted(e AlertEvent) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	lv := h.shares[e.ShareID]
	if lv == nil || len(h.clients[e.ViewerID]) == 0 {
		return
	}
	lv.mu.Lock()
	_, sees := lv.viewers[e.ViewerID]
	lv.mu.Unlock()
	if !sees {
		return
	}
	msg := alertMessage(e)
	for c := range h.clients[e.ViewerID] {
		h.send(c, msg)
	}
}
