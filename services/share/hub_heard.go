package share

import (
	"context"
	"time"
)

// Between replicas, the last location of a sharer may have been heard
// only here, on the bus, while nobody connected here was shown it: the
// sharer's socket is on another replica, and no viewer of theirs was on
// this one. So the hub keeps the last location of every sharer it hears
// (one per sharer, bounded by MaxShares: every location on a bus is of a
// sharer with an active share), and a share loaded later (a viewer
// connecting here) starts from it: Attach sends it at once, as on the
// replica the sharer is on. An entry is dropped when the change log says
// the sharer's last live share ended, and anyway once older than the
// longest share (MaxMinutes). A replica started after a sharer's last
// location has none until their next one.

// maxHeard bounds the sharers whose last location the hub keeps.
const maxHeard = MaxShares

// hear keeps l as its sharer's last heard location. Under h.mu (read)
// or not.
func (h *Hub) hear(l Located) {
	h.heardMu.Lock()
	defer h.heardMu.Unlock()
	if _, ok := h.heard[l.Sharer]; !ok && len(h.heard) >= maxHeard {
		return
	}
	h.heard[l.Sharer] = l
}

// lastHeard is the last location heard of sh's sharer since sh began
// showing it (a location from before is not the share's to show).
func (h *Hub) lastHeard(sh Share) *Located {
	h.heardMu.Lock()
	defer h.heardMu.Unlock()
	l, ok := h.heard[sh.SharerID]
	if !ok {
		return nil
	}
	began := sh.Created
	if sh.Accepted != nil {
		began = *sh.Accepted
	}
	if l.T.Before(began) {
		return nil
	}
	return &l
}

// unhear forgets sharer's last location unless they share a live share
// still.
func (h *Hub) unhear(ctx context.Context, sharer int64, now time.Time) error {
	h.heardMu.Lock()
	_, ok := h.heard[sharer]
	h.heardMu.Unlock()
	if !ok {
		return nil
	}
	shs, err := h.st.LiveShares(ctx, sharer, now)
	if err != nil {
		return err
	}
	for _, sh := range shs {
		if sh.SharerID == sharer {
			return nil
		}
	}
	h.heardMu.Lock()
	delete(h.heard, sharer)
	h.heardMu.Unlock()
	return nil
}

// forgetOldHeard drops the locations heard longer ago than any share
// lasts.
func (h *Hub) forgetOldHeard(now time.Time) {
	old := now.Add(-MaxMinutes * time.Minute)
	h.heardMu.Lock()
	defer h.heardMu.Unlock()
	for id, l := range h.heard {
		if l.T.Before(old) {
			delete(h.heard, id)
		}
	}
}

// Heard is how many sharers' last locations the hub keeps.
func (h *Hub) Heard() int {
	h.heardMu.Lock()
	defer h.heardMu.Unlock()
	return len(h.heard)
}
