package share

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/campusnav/engine/geo"
)

// What the hub knows of shares follows the store's change log: read
// every HubConfig.Poll and whenever a request of this process changed
// something (Kick); and the shares whose end passed are ended here at
// their end, whether or not the store's job has run.

// Run reads the change log every Poll (and when kicked), ends the shares
// whose end passed, and keeps the audit log's sights and the histories'
// points, until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	last, err := h.st.LastChange(ctx)
	if err != nil {
		return err
	}
	h.last = last
	var wg sync.WaitGroup
	wg.Go(func() { h.keepViews(ctx) })
	wg.Go(func() { h.keepPoints(ctx) })
	wg.Go(func() { h.keepAlerts(ctx) })
	defer wg.Wait()
	t := time.NewTicker(h.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-h.kick:
		}
		if err := h.poll(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("live: reading the change log", "err", err)
		}
		h.sweep()
	}
}

// poll reads the change log since the last read and acts on it.
func (h *Hub) poll(ctx context.Context) error {
	for {
		cs, err := h.st.Changes(ctx, h.last, 1000)
		if err != nil {
			return err
		}
		reload := map[int64]bool{}
		for _, c := range cs {
			h.last = c.ID
			if c.ShareID != 0 {
				reload[c.ShareID] = true
			}
			if c.UserID != 0 {
				h.closeUser(c.UserID, CloseDisabled, "the account is disabled")
			}
		}
		for id := range reload {
			if err := h.reload(ctx, id); err != nil {
				return err
			}
		}
		if len(cs) < 1000 {
			return nil
		}
	}
}

// reload reads share id again, if anyone it concerns is connected here.
func (h *Hub) reload(ctx context.Context, id int64) error {
	sh, err := h.st.Share(ctx, id)
	if errors.Is(err, ErrNotFound) {
		h.apply(Share{ID: id, Status: Ended}, nil, nil, 0)
		return nil
	}
	if err != nil {
		return err
	}
	now := h.svc.now()
	var vs []Viewer
	var as []Alert
	if sh.Showing(now) {
		if vs, err = h.st.ShareViewers(ctx, id, now); err != nil {
			return err
		}
		if as, err = h.st.Alerts(ctx, id); err != nil {
			return err
		}
	}
	h.apply(sh, vs, as, 0)
	return nil
}

// sweep ends the shares whose end passed.
func (h *Hub) sweep() {
	now := h.svc.now()
	h.mu.RLock()
	var done []Share
	for _, lv := range h.shares {
		if !now.Before(lv.s.Ends) {
			done = append(done, Share{ID: lv.s.ID, Status: Ended})
		}
	}
	h.mu.RUnlock()
	for _, s := range done {
		h.apply(s, nil, nil, 0)
	}
}

// apply makes the hub's share sh as the store says it is now, with its
// viewers and alerts: those who lose sight of it are told it ended, those
// who gain it that it started, with its last location; all but the
// person quiet (0: nobody), who is connecting and told apart.
func (h *Hub) apply(sh Share, vs []Viewer, as []Alert, quiet int64) {
	now := h.svc.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	lv := h.shares[sh.ID]
	if !sh.Showing(now) {
		if lv == nil {
			return
		}
		ended := shareMessage(ShareEnded, sh.ID)
		lv.mu.Lock()
		for id := range lv.viewers {
			h.sendTo(id, ended)
		}
		lv.mu.Unlock()
		h.sendTo(lv.s.SharerID, ended)
		h.forget(lv)
		return
	}
	if lv == nil {
		if !h.concerns(sh, vs) {
			return
		}
		lv = &live{s: sh, person: personJSON(Person{ID: sh.SharerID, Name: NameOf(sh.Sharer)}), viewers: map[int64]Viewer{}}
		h.shares[sh.ID] = lv
		m := h.bySharer[sh.SharerID]
		if m == nil {
			m = map[int64]*live{}
			h.bySharer[sh.SharerID] = m
		}
		m[sh.ID] = lv
		if sh.SharerID != quiet {
			h.sendTo(sh.SharerID, shareMessage(ShareStarted, sh.ID))
		}
	}
	lv.mu.Lock()
	defer lv.mu.Unlock()
	lv.s = sh
	now2 := make(map[int64]Viewer, len(vs))
	for _, v := range vs {
		now2[v.ID] = v
	}
	ended, started := shareMessage(ShareEnded, sh.ID), shareMessage(ShareStarted, sh.ID)
	for id := range lv.viewers {
		if _, ok := now2[id]; !ok {
			h.sendTo(id, ended)
		}
	}
	for id := range now2 {
		if _, ok := lv.viewers[id]; !ok && id != quiet {
			h.sendTo(id, started)
			h.sendLast(lv, id)
		}
	}
	lv.viewers = now2
	old := map[int64]*alertState{}
	for _, st := range lv.alerts {
		old[st.a.ID] = st
	}
	lv.alerts = lv.alerts[:0]
	for _, a := range as {
		if st, ok := old[a.ID]; ok {
			lv.alerts = append(lv.alerts, st)
			continue
		}
		if f, ok := h.v.View(geo.Staff).Feature(a.Place); ok {
			lv.alerts = append(lv.alerts, &alertState{a: a, place: f})
		}
	}
}

// concerns reports whether a share concerns someone connected here.
// Under h.mu.
func (h *Hub) concerns(sh Share, vs []Viewer) bool {
	if len(h.clients[sh.SharerID]) > 0 {
		return true
	}
	for _, v := range vs {
		if len(h.clients[v.ID]) > 0 {
			return true
		}
	}
	return false
}

// forget drops a share. Under h.mu.
func (h *Hub) forget(lv *live) {
	delete(h.shares, lv.s.ID)
	h.auditMu.Lock()
	delete(h.audited, lv.s.ID)
	h.auditMu.Unlock()
	if m := h.bySharer[lv.s.SharerID]; m != nil {
		delete(m, lv.s.ID)
		if len(m) == 0 {
			delete(h.bySharer, lv.s.SharerID)
		}
	}
}
