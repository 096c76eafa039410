package share

import (
	"sync"
	"time"
)

// What crosses processes live: each sharer's locations, as they come,
// and a word that the change log has news (a share revoked, a member
// gone), so that every process reads it at once rather than at its next
// poll. At most once is right for live positions: a location lost is
// replaced by the next, a second later; a viewer reconnecting gets the
// last location a process holds (Hub.Attach), and the change log, polled
// every HubConfig.Poll, is the record of what changed whatever the bus
// lost. A Bus between processes (NATS) is a later step; LocalBus is one
// process's.

// Message kinds.
const (
	KindLocation = "location"
	KindChanged  = "changed"
	KindAlert    = "alert"
)

// Message is what a Bus carries.
type Message struct {
	Kind     string
	Location *Located    // for KindLocation
	Alert    *AlertEvent // for KindAlert
}

// An alert fired (KindAlert) crosses as its AlertEvent, kept first when
// the store allows, so that its id lets a viewer reconnecting ask for
// those it missed.

// Located is a sharer's location as it crosses processes: where they
// are, whoever asks (a geo.Spot by its level's id).
type Located struct {
	Sharer    int64
	Lon, Lat  float64
	Ordinal   int
	Level     string // "" outdoors
	AccuracyM float64
	T         time.Time
}

// Bus publishes messages to every process's subscribers, this one's
// too.
type Bus interface {
	Publish(m Message)
	// Subscribe calls f with every message published from now on, in
	// the order of their publishing by one publisher; f must not block.
	Subscribe(f func(Message))
}

// LocalBus is a Bus within one process: Publish calls each subscriber
// in turn.
type LocalBus struct {
	mu   sync.RWMutex
	subs []func(Message)
}

// Publish calls the subscribers with m.
func (b *LocalBus) Publish(m Message) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, f := range b.subs {
		f(m)
	}
}

// Subscribe adds f.
func (b *LocalBus) Subscribe(f func(Message)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs = append(b.subs, f)
}
