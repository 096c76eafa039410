package share

import (
	"context"
	"time"

	"github.com/campusnav/engine/geo"
)

// What the hub keeps beyond memory, off the path of the locations: who
// saw whose location (once per share per viewer, in the audit log), and
// the points of the shares whose sharer turned history on, and the alerts
// fired (kept, then published).

// sighted records, once, that viewer saw share's location: queued for
// the audit log. A full queue leaves it unrecorded, for the next
// location to try again.
func (h *Hub) sighted(share, viewer int64, t time.Time) {
	h.auditMu.Lock()
	defer h.auditMu.Unlock()
	m := h.audited[share]
	if m[viewer] {
		return
	}
	select {
	case h.views <- Viewed{ShareID: share, ViewerID: viewer, At: t}:
		if m == nil {
			m = map[int64]bool{}
			h.audited[share] = m
		}
		m[viewer] = true
	default:
	}
}

// keepViews writes the queued sights to the store, in batches.
func (h *Hub) keepViews(ctx context.Context) {
	for {
		var batch []Viewed
		select {
		case <-ctx.Done():
			return
		case v := <-h.views:
			batch = append(batch, v)
		}
	more:
		for len(batch) < 500 {
			select {
			case v := <-h.views:
				batch = append(batch, v)
			default:
				break more
			}
		}
		if err := h.st.RecordViews(context.WithoutCancel(ctx), batch); err != nil {
			h.log.Warn("live: auditing sights", "err", err)
			h.auditMu.Lock()
			for _, v := range batch {
				delete(h.audited[v.ShareID], v.ViewerID)
			}
			h.auditMu.Unlock()
		}
	}
}

// keepPoint queues a point of a share's history, as staff see it (so that
// nothing inside a dormitory is kept); a full queue drops it (the
// history is thinner).
func (h *Hub) keepPoint(share int64, sp geo.Spot, t time.Time) {
	s, ok := h.v.View(geo.Staff).See(sp)
	if !ok {
		return
	}
	p := Point{At: t, Lon: s.Lon, Lat: s.Lat, Ordinal: s.Ordinal, AccuracyM: s.AccuracyM}
	if s.Level != nil {
		p.Level = s.Level.ID
	}
	if s.Outside {
		p.Building = s.Building.ID
	}
	select {
	case h.points <- heldPoint{share, p}:
	default:
	}
}

// keepPoints writes the queued points to the store.
func (h *Hub) keepPoints(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case hp := <-h.points:
			if err := h.st.AddPoint(context.WithoutCancel(ctx), hp.share, hp.p); err != nil {
				h.log.Warn("live: keeping a point", "share", hp.share, "err", err)
			}
		}
	}
}

// keepAlerts keeps each fired alert, then publishes it to every
// process (with its id, or without when it could not be kept).
func (h *Hub) keepAlerts(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-h.fired:
			kept, err := h.st.AddAlertEvent(context.WithoutCancel(ctx), e)
			switch {
			case err != nil:
				h.log.Warn("live: keeping an alert", "share", e.ShareID, "err", err)
			case kept.ID == 0:
				continue // its share ended meanwhile
			default:
				e = kept
			}
			h.bus.Publish(Message{Kind: KindAlert, Alert: &e})
		}
	}
}

// Missed are the alerts fired for viewer after the event id after, as
// messages, for a socket connecting (alerts_after): those kept, of the
// shares they still see, at most MaxMissedAlerts.
func (h *Hub) Missed(ctx context.Context, viewer, after int64) ([][]byte, error) {
	es, err := h.st.AlertEvents(ctx, viewer, after, MaxMissedAlerts)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(es))
	for _, e := range es {
		out = append(out, alertMessage(e))
	}
	return out, nil
}
