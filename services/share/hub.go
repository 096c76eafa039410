package share

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/campusnav/engine/geo"
)

// Client is one viewer's or sharer's socket, as the hub sees it. web's
// sockets are the clients.
type Client interface {
	UserID() int64
	// Role is the role the client sees the campus as now (a visitor's
	// may change with their visit's window).
	Role() geo.Role
	// Send queues a message without waiting; false when the queue is
	// full (the client is then closed: CloseSlow).
	Send(msg []byte) bool
	// Close closes the socket with a code and reason, without waiting;
	// again is nothing.
	Close(code int, reason string)
}

// Close codes of a socket the hub ends (4000-4999 are the application's).
const (
	// CloseSlow: the viewer's queue filled; the client is too slow.
	CloseSlow = 4008
	// CloseDisabled: the account was disabled.
	CloseDisabled = 4003
)

// HubConfig tunes a Hub.
type HubConfig struct {
	// Poll is how often the change log is read (and ended shares swept);
	// 0: DefaultPoll. A change made by this process is read at once.
	Poll time.Duration
	// MaxSockets is the most sockets at once; MaxSocketsPerPerson one
	// person's. 0: the defaults.
	MaxSockets, MaxSocketsPerPerson int
	Logger                          *slog.Logger
}

// Defaults of HubConfig.
const (
	DefaultPoll                = 250 * time.Millisecond
	DefaultMaxSockets          = 20_000
	DefaultMaxSocketsPerPerson = 4
	// auditQueue bounds the sights waiting to be audited; historyQueue
	// the points waiting to be kept.
	auditQueue   = 1 << 16
	historyQueue = 1 << 12
)

// Errors of Attach.
var (
	ErrTooManySockets = tooMany("too_many_sockets", "", "you have %d live sockets open already", "您已打开 %d 个实时连接", DefaultMaxSocketsPerPerson)
	ErrSocketsFull    = tooMany("sockets_full", "", "the server holds %d live sockets: try later", "服务器已有 %d 个实时连接：请稍后再试", DefaultMaxSockets)
)

// Hub fans sharers' locations out to the viewers connected to this
// process, each as their role sees it, and tells them when shares start
// and end. It knows the live shares of the people connected here
// (loaded when they connect, reloaded when the change log names them),
// and the last location of each, in memory only.
type Hub struct {
	svc *Service
	v   *geo.Venue
	st  Store
	bus Bus
	cfg HubConfig
	log *slog.Logger

	mu       sync.RWMutex
	shares   map[int64]*live
	bySharer map[int64]map[int64]*live
	clients  map[int64]map[Client]struct{}
	nclients int

	kick    chan struct{}
	last    int64 // the change log's last row read
	views   chan Viewed
	points  chan heldPoint
	auditMu sync.Mutex
	audited map[int64]map[int64]bool // by share, by viewer: sights queued or kept
}

// live is a share the hub knows.
type live struct {
	mu        sync.Mutex
	s         Share
	person    []byte // the sharer as {"id","name"}
	viewers   map[int64]Viewer
	last      *Located
	lastPoint time.Time
	alerts    []*alertState
}

type heldPoint struct {
	share int64
	p     Point
}

// NewHub is the hub of svc's shares over bus (nil: a LocalBus).
func NewHub(svc *Service, bus Bus, cfg HubConfig) *Hub {
	if bus == nil {
		bus = &LocalBus{}
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.MaxSockets <= 0 {
		cfg.MaxSockets = DefaultMaxSockets
	}
	if cfg.MaxSocketsPerPerson <= 0 {
		cfg.MaxSocketsPerPerson = DefaultMaxSocketsPerPerson
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Hub{svc: svc, v: svc.v, st: svc.st, bus: bus, cfg: cfg, log: cfg.Logger,
		shares: map[int64]*live{}, bySharer: map[int64]map[int64]*live{}, clients: map[int64]map[Client]struct{}{},
		kick: make(chan struct{}, 1), views: make(chan Viewed, auditQueue), points: make(chan heldPoint, historyQueue),
		audited: map[int64]map[int64]bool{}}
	bus.Subscribe(h.receive)
	svc.OnChange(func() { bus.Publish(Message{Kind: KindChanged}) })
	return h
}

// receive takes a message of the bus.
func (h *Hub) receive(m Message) {
	switch m.Kind {
	case KindLocation:
		if m.Location != nil {
			h.deliver(*m.Location)
		}
	case KindChanged:
		h.Kick()
	}
}

// Kick has the hub read the change log now.
func (h *Hub) Kick() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

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

// Attach connects a client: the live shares it shares or is shown are
// loaded, and it is answered what it is to be told at once, to write
// before anything queued: for each share shown to it, share_started and
// its last location (however many shares, none counts against the
// client's queue).
func (h *Hub) Attach(ctx context.Context, c Client) ([][]byte, error) {
	id := c.UserID()
	h.mu.Lock()
	switch {
	case len(h.clients[id]) >= h.cfg.MaxSocketsPerPerson:
		h.mu.Unlock()
		return nil, ErrTooManySockets
	case h.nclients >= h.cfg.MaxSockets:
		h.mu.Unlock()
		return nil, ErrSocketsFull
	}
	m := h.clients[id]
	if m == nil {
		m = map[Client]struct{}{}
		h.clients[id] = m
	}
	m[c] = struct{}{}
	h.nclients++
	h.mu.Unlock()
	now := h.svc.now()
	shs, err := h.st.LiveShares(ctx, id, now)
	if err != nil {
		h.Detach(c)
		return nil, err
	}
	for _, sh := range shs {
		vs, err := h.st.ShareViewers(ctx, sh.ID, now)
		if err != nil {
			h.Detach(c)
			return nil, err
		}
		as, err := h.st.Alerts(ctx, sh.ID)
		if err != nil {
			h.Detach(c)
			return nil, err
		}
		h.apply(sh, vs, as, id)
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out [][]byte
	for _, sh := range shs {
		lv := h.shares[sh.ID]
		if lv == nil {
			continue
		}
		lv.mu.Lock()
		if _, ok := lv.viewers[id]; ok {
			out = append(out, shareMessage(ShareStarted, sh.ID))
			if lv.last != nil {
				if s, ok := h.v.View(c.Role()).See(h.spot(*lv.last)); ok {
					out = append(out, locationMessage(sh.ID, lv.person, s, lv.last.T))
					h.sighted(sh.ID, id, lv.last.T)
				}
			}
		}
		lv.mu.Unlock()
	}
	return out, nil
}

// Detach disconnects a client.
func (h *Hub) Detach(c Client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := c.UserID()
	if m := h.clients[id]; m != nil {
		if _, ok := m[c]; ok {
			delete(m, c)
			h.nclients--
		}
		if len(m) == 0 {
			delete(h.clients, id)
		}
	}
}

// closeUser closes every client of user id here.
func (h *Hub) closeUser(id int64, code int, reason string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.clients[id] {
		c.Close(code, reason)
	}
}

// Clients is how many clients are connected.
func (h *Hub) Clients() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.nclients
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
