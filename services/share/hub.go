package share

import (
	"context"
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
	// the points waiting to be kept; alertQueue the alerts fired.
	auditQueue   = 1 << 16
	historyQueue = 1 << 12
	alertQueue   = 1 << 12
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
	fired   chan AlertEvent
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
		kick: make(chan struct{}, 1), views: make(chan Viewed, auditQueue), points: make(chan heldPoint, historyQueue), fired: make(chan AlertEvent, alertQueue),
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
	case KindAlert:
		if m.Alert != nil {
			h.alerted(*m.Alert)
		}
	}
}

// Kick has the hub read the change log now.
func (h *Hub) Kick() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
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
