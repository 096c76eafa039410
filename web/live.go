package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"
	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/campusnav/engine/beacons"
	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/share"
)

// The live socket: a client asks for a single-use ticket (POST
// /live/ticket, signed in: a browser cannot set headers on a WebSocket)
// and opens GET /live?ticket= with it. On one socket a person both
// sends their location, when they share it ({"type":"scan","scans":[...]}
// positioned by the campus engine and tracked as /position tracks a
// device, or {"type":"fix","lon","lat","ordinal","accuracy_m"}), and
// receives the locations shown to them (share.Hub).
//
// The server pings every LivePing; a socket that answers nothing for
// LivePongWait (two pings and a margin) is closed: a dead socket is gone
// within LivePongWait. Each socket has a queue of LiveQueue messages; a
// viewer whose queue is full is closed with share.CloseSlow, and nobody
// else waits for it.
const (
	DefaultLivePing  = 20 * time.Second
	DefaultLiveQueue = 64
	// liveWriteWait bounds one write to a socket.
	liveWriteWait = 10 * time.Second
	// liveMaxMessage is the largest message a client may send, bytes.
	liveMaxMessage = 32 << 10
	// maxLiveScans bounds the scans of one message: a few seconds' worth.
	maxLiveScans = 10
	// DefaultLiveRate bounds the messages a client sends a second (twice
	// its burst at once): a location a second is what a phone sends;
	// more is dropped, with an error message.
	DefaultLiveRate = 5
	// liveRoleEvery is how often a visitor's role is asked again (their
	// visit's window may open or close while the socket lives), at a
	// ping.
	liveRoleEvery = time.Minute
)

// livePongWait is how long a socket may answer nothing.
func (s *Server) livePongWait() time.Duration { return 2*s.cfg.LivePing + s.cfg.LivePing/4 }

var liveUpgrader = websocket.Upgrader{
	ReadBufferSize: 512, WriteBufferSize: 1024, HandshakeTimeout: 10 * time.Second,
	// A socket holds a write buffer only while it writes: an idle one
	// holds none.
	WriteBufferPool: &sync.Pool{},
	// Any origin may open the socket: what opens it is a single-use
	// ticket given to a bearer token, never a cookie, so a page of another
	// origin has nothing to ride on.
	CheckOrigin: func(*http.Request) bool { return true },
}

type ticketAnswer struct {
	Ticket  string    `json:"ticket"`
	Expires time.Time `json:"expires"`
	URL     string    `json:"url"`
}

func (s *Server) liveTicket(c echo.Context) error {
	u, err := s.shareUser(c)
	if err != nil {
		return err
	}
	if s.d.Live == nil {
		return problem(http.StatusNotFound, "", "live sharing is not available")
	}
	t, exp, err := s.d.Shares.NewTicket(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, ticketAnswer{Ticket: t, Expires: exp, URL: "/api/v1/live?ticket=" + t})
}

// liveConn is one socket: a share.Client.
type liveConn struct {
	s    *Server
	ws   *websocket.Conn
	user auth.User
	role atomic.Uint32
	// queue holds the messages the writer has not taken yet, at most
	// LiveQueue; nil when empty, so that an idle socket holds none. wake
	// tells the writer there are some.
	mu    sync.Mutex
	queue [][]byte
	wake  chan struct{}
	once  sync.Once
	done  chan struct{}
	// code and reason of the close, set before done closes.
	code   int
	reason string
}

func (lc *liveConn) UserID() int64      { return lc.user.ID }
func (lc *liveConn) Role() geo.Role     { return geo.Role(lc.role.Load()) }
func (lc *liveConn) setRole(r geo.Role) { lc.role.Store(uint32(r)) }

// Send queues a message; false when the queue is full.
func (lc *liveConn) Send(m []byte) bool {
	select {
	case <-lc.done:
		return true // closing: nothing more to say
	default:
	}
	lc.mu.Lock()
	if len(lc.queue) >= lc.s.cfg.LiveQueue {
		lc.mu.Unlock()
		return false
	}
	lc.queue = append(lc.queue, m)
	lc.mu.Unlock()
	select {
	case lc.wake <- struct{}{}:
	default:
	}
	return true
}

// take takes the queued messages.
func (lc *liveConn) take() [][]byte {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	q := lc.queue
	lc.queue = nil
	return q
}

// Close has the writer close the socket with code and reason.
func (lc *liveConn) Close(code int, reason string) {
	lc.once.Do(func() {
		lc.code, lc.reason = code, reason
		close(lc.done)
	})
}

func (s *Server) liveSocket(c echo.Context) error {
	if s.d.Shares == nil || s.d.Live == nil {
		return problem(http.StatusNotFound, "", "live sharing is not available")
	}
	var err error
	ticket := c.QueryParam("ticket")
	if ticket == "" {
		return badParam("ticket", "ticket is required: POST /api/v1/live/ticket first")
	}
	// alerts_after: the id of the last alert the client was told; those
	// fired since (while it was away) come on connecting.
	alertsAfter := int64(-1)
	if a := c.QueryParam("alerts_after"); a != "" {
		if alertsAfter, err = strconv.ParseInt(a, 10, 64); err != nil || alertsAfter < 0 {
			return badParam("alerts_after", "alerts_after %q is not an alert's id", a)
		}
	}
	u, err := s.d.Shares.Redeem(c.Request().Context(), ticket)
	if err != nil {
		return err
	}
	role, err := s.guestRole(c, u, auth.GeoRole(u.Role))
	if err != nil {
		return err
	}
	ws, err := liveUpgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // the upgrader answered the client
	}
	lc := &liveConn{s: s, ws: ws, user: u, wake: make(chan struct{}, 1), done: make(chan struct{})}
	lc.setRole(role)
	first, err := s.d.Live.Attach(c.Request().Context(), lc)
	if err == nil && alertsAfter >= 0 {
		var missed [][]byte
		if missed, err = s.d.Live.Missed(c.Request().Context(), u.ID, alertsAfter); err != nil {
			s.d.Live.Detach(lc)
		}
		first = append(first, missed...)
	}
	if err != nil {
		code, reason := websocket.CloseTryAgainLater, "try later"
		var se *share.Error
		if errors.As(err, &se) {
			reason = se.En
		}
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
		ws.Close()
		return nil
	}
	for _, m := range first {
		ws.SetWriteDeadline(time.Now().Add(liveWriteWait))
		if err := ws.WriteMessage(websocket.TextMessage, m); err != nil {
			s.d.Live.Detach(lc)
			ws.Close()
			return nil
		}
	}
	// The socket lives on in goroutines of its own: the request's, deep in
	// the middleware, would keep its stack and the HTTP connection's
	// buffers (8 KB) for the socket's life.
	go lc.serve()
	return nil
}

// serve reads the socket, and writes to it from a second goroutine,
// until it closes.
func (lc *liveConn) serve() {
	var wg sync.WaitGroup
	wg.Go(lc.write)
	lc.read()
	lc.s.d.Live.Detach(lc)
	lc.Close(websocket.CloseNormalClosure, "")
	wg.Wait()
}

// write sends the queued messages and the pings, and closes the socket
// when told to.
func (lc *liveConn) write() {
	s := lc.s
	ping := time.NewTicker(s.cfg.LivePing)
	defer ping.Stop()
	defer lc.ws.Close()
	pings, roleEvery := 0, max(1, int(liveRoleEvery/s.cfg.LivePing))
	for {
		select {
		case <-lc.wake:
			for _, m := range lc.take() {
				lc.ws.SetWriteDeadline(time.Now().Add(liveWriteWait))
				if err := lc.ws.WriteMessage(websocket.TextMessage, m); err != nil {
					lc.Close(websocket.CloseAbnormalClosure, "")
					return
				}
			}
		case <-ping.C:
			if err := lc.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(liveWriteWait)); err != nil {
				lc.Close(websocket.CloseAbnormalClosure, "")
				return
			}
			if pings++; pings%roleEvery == 0 && lc.user.Role == auth.Visitor {
				if r, err := s.visitorRole(context.Background(), lc.user); err == nil {
					lc.setRole(r)
				}
			}
		case <-lc.done:
			if lc.code != websocket.CloseAbnormalClosure {
				lc.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(lc.code, lc.reason), time.Now().Add(time.Second))
			}
			return
		}
	}
}

// visitorRole is a visitor's role now: their visit's guest role while its
// window is open.
func (s *Server) visitorRole(ctx context.Context, u auth.User) (geo.Role, error) {
	role := auth.GeoRole(u.Role)
	if s.d.VisitBuilding == nil || s.d.Venue == nil {
		return role, nil
	}
	b, err := s.d.VisitBuilding(ctx, u.ID, s.cfg.Now())
	if err != nil || b == "" {
		return role, err
	}
	if g, ok := s.d.Venue.GuestRole(b); ok {
		return g, nil
	}
	return role, nil
}

// liveIn is a message a client sends.
type liveIn struct {
	Type      string            `json:"type"`
	Scans     []json.RawMessage `json:"scans"`
	Lon       *float64          `json:"lon"`
	Lat       *float64          `json:"lat"`
	Ordinal   *int              `json:"ordinal"`
	AccuracyM *float64          `json:"accuracy_m"`
}

// read takes the client's messages until the socket closes or goes
// quiet for livePongWait.
func (lc *liveConn) read() {
	s := lc.s
	wait := s.livePongWait()
	lc.ws.SetReadLimit(liveMaxMessage)
	lc.ws.SetReadDeadline(time.Now().Add(wait))
	lc.ws.SetPongHandler(func(string) error { return lc.ws.SetReadDeadline(time.Now().Add(wait)) })
	limit := rate.NewLimiter(rate.Limit(s.cfg.LiveRate), 2*s.cfg.LiveRate)
	for {
		_, data, err := lc.ws.ReadMessage()
		if err != nil {
			return
		}
		lc.ws.SetReadDeadline(time.Now().Add(wait))
		if !limit.Allow() {
			lc.reply(badParam("", "too many messages: at most %d a second", s.cfg.LiveRate))
			continue
		}
		var m liveIn
		if err := json.Unmarshal(data, &m); err != nil {
			lc.reply(badParam("", "not a message: %v", err))
			continue
		}
		switch m.Type {
		case "scan":
			lc.scan(m.Scans)
		case "fix":
			lc.fix(m)
		default:
			lc.reply(badParam("type", "type %q is not scan or fix", m.Type))
		}
	}
}

// reply tells the client what was wrong with its message:
// {"type":"error","field","detail","detail_zh"}.
func (lc *liveConn) reply(p *Problem) {
	b, _ := json.Marshal(map[string]any{"type": "error", "field": p.Param, "detail": p.Detail, "detail_zh": p.detailIn("zh")})
	lc.Send(b)
}

// scan positions the sharer from a few scans of one phone, tracked as
// /position tracks a device, and publishes where the last one places
// them.
func (lc *liveConn) scan(raw []json.RawMessage) {
	s := lc.s
	switch {
	case s.d.Positioner == nil:
		lc.reply(badParam("scans", "positioning is not available"))
		return
	case len(raw) == 0 || len(raw) > maxLiveScans:
		lc.reply(badParam("scans", "give 1 to %d scans", maxLiveScans))
		return
	}
	var spot geo.Spot
	got := false
	var t time.Time
	for i, r := range raw {
		sc, err := beacons.ParseScan(r)
		if err != nil {
			lc.reply(badParam("scans["+strconv.Itoa(i)+"]", "%v", err))
			return
		}
		tr := s.trackers.get("user:"+strconv.FormatInt(lc.user.ID, 10), sc.Device, time.Now())
		tr.mu.Lock()
		sp, reason := tr.t.Spot(&sc)
		tr.mu.Unlock()
		if reason == "" {
			spot, got, t = sp, true, sc.Time()
		}
	}
	if !got {
		lc.reply(badParam("scans", "the scans place nobody"))
		return
	}
	if t.IsZero() {
		t = s.cfg.Now()
	}
	s.d.Live.Publish(lc.user.ID, spot, t)
}

// fix publishes a position the client gives.
func (lc *liveConn) fix(m liveIn) {
	s := lc.s
	switch {
	case m.Lon == nil || m.Lat == nil || m.Ordinal == nil:
		lc.reply(badParam("lon", "a fix needs lon, lat and ordinal"))
		return
	case math.IsNaN(*m.Lon) || math.IsNaN(*m.Lat) || *m.Lon < -180 || *m.Lon > 180 || *m.Lat < -90 || *m.Lat > 90:
		lc.reply(badParam("lon", "lon and lat are not a longitude and latitude"))
		return
	case *m.Ordinal < geo.MinOrdinal || *m.Ordinal > geo.MaxOrdinal:
		lc.reply(badParam("ordinal", "ordinal %d is not a floor of the campus", *m.Ordinal))
		return
	}
	acc := 10.0
	if m.AccuracyM != nil {
		acc = *m.AccuracyM
	}
	if math.IsNaN(acc) || acc < 0 || acc > 1000 {
		lc.reply(badParam("accuracy_m", "accuracy_m is from 0 to 1000 metres"))
		return
	}
	if err := s.d.Venue.CheckNear(*m.Lon, *m.Lat); err != nil {
		lc.reply(badParam("lon", "%v", err))
		return
	}
	s.d.Live.Publish(lc.user.ID, s.d.Venue.SpotAt(*m.Lon, *m.Lat, *m.Ordinal, acc), s.cfg.Now())
}
