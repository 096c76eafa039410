// Package natsbus is live sharing's share.Bus between replicas of
// campusd, over a NATS server (github.com/nats-io/nats.go): each
// sharer's locations and the word that the change log has news cross to
// every replica, at most once.
//
// Subjects: PREFIX.loc (a location), PREFIX.alert (an arrival alert
// fired, computed and kept by the sharer's replica, told by the viewer's)
// and PREFIX.changed (the change log has news), PREFIX being
// Config.Prefix ("campus.live" by default), so that two campuses may
// share one NATS server.
//
// What this process publishes reaches its own subscribers once, directly
// and at once (as share.LocalBus does), and the NATS server is told not to
// echo it back (nats.NoEcho): viewers on the sharer's replica do not wait
// on a round trip to the server, and keep being served while it is away.
//
// At most once is right for live positions: a location lost (the server
// away, a slow subscription) is replaced by the next, a second later.
// While disconnected, publishing drops (no reconnect buffer: old
// positions replayed late are worse than none); the change log, read by
// every replica every share.HubConfig.Poll, is the record of changes
// whatever this bus lost. How a viewer gets the last location on
// connecting: share.Hub.Attach, from what its hub heard (hub_heard.go).
package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/campusnav/engine/services/share"
)

// DefaultPrefix is the subjects' prefix unless configured.
const DefaultPrefix = "campus.live"

// DefaultPending is the messages a subscription holds for its
// subscribers before it drops (a slow consumer).
const DefaultPending = 1 << 16

// Config says which NATS server and subjects.
type Config struct {
	// URL is the NATS server, nats://host:4222 (a comma list for a
	// cluster).
	URL string
	// Prefix is the subjects' prefix, dot-separated tokens of letters,
	// digits, - and _; empty: DefaultPrefix.
	Prefix string
	// Name is the connection's name on the server (its monitoring).
	Name string
	// Pending is how many messages each subscription holds before
	// dropping; 0: DefaultPending.
	Pending int
	// ReconnectWait is the pause between reconnection attempts; 0: 500 ms.
	ReconnectWait time.Duration
	Logger        *slog.Logger
}

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// CheckPrefix says what is wrong with a subjects' prefix.
func CheckPrefix(p string) error {
	if len(p) > 200 || !prefixRE.MatchString(p) {
		return fmt.Errorf("natsbus: prefix %q: want dot-separated tokens of letters, digits, - and _ (campus.live)", p)
	}
	return nil
}

// Bus is a share.Bus over NATS. Open it; Close it on shutdown.
type Bus struct {
	nc                   *nats.Conn
	log                  *slog.Logger
	loc, alert, chg      string // subjects
	locSub, alSub, chSub *nats.Subscription

	mu   sync.RWMutex
	subs []func(share.Message)

	in, out, failed, bad atomic.Uint64
	lastBadLog           atomic.Int64 // Unix nanoseconds
}

var _ share.Bus = (*Bus)(nil)

// Open connects to the NATS server of cfg and subscribes to the
// subjects; an error if the server does not answer now. Once connected,
// it reconnects for ever, logging each loss and return.
func Open(cfg Config) (*Bus, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if err := CheckPrefix(cfg.Prefix); err != nil {
		return nil, err
	}
	if cfg.Pending <= 0 {
		cfg.Pending = DefaultPending
	}
	if cfg.ReconnectWait <= 0 {
		cfg.ReconnectWait = 500 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger.With("nats", Redact(cfg.URL))
	b := &Bus{log: log, loc: cfg.Prefix + ".loc", alert: cfg.Prefix + ".alert", chg: cfg.Prefix + ".changed"}
	nc, err := nats.Connect(cfg.URL,
		nats.Name(cfg.Name),
		nats.NoEcho(),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(cfg.ReconnectWait),
		nats.ReconnectBufSize(-1),
		nats.FlusherTimeout(time.Second),
		nats.PingInterval(10*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("live bus: disconnected from NATS; reconnecting", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("live bus: reconnected to NATS", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, s *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) && s != nil {
				n, _ := s.Dropped()
				log.Warn("live bus: messages arrive faster than this replica takes them; dropping", "subject", s.Subject, "dropped", n)
				return
			}
			log.Warn("live bus: NATS error", "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("natsbus: connecting to %s: %w", Redact(cfg.URL), err)
	}
	b.nc = nc
	if b.locSub, err = nc.Subscribe(b.loc, b.takeLocation); err == nil {
		if b.alSub, err = nc.Subscribe(b.alert, b.takeAlert); err == nil {
			if b.chSub, err = nc.Subscribe(b.chg, b.takeChanged); err == nil {
				err = nc.Flush() // the server has the subscriptions before Open returns
			}
		}
	}
	for _, s := range []*nats.Subscription{b.locSub, b.alSub, b.chSub} {
		if err == nil {
			err = s.SetPendingLimits(cfg.Pending, cfg.Pending*256)
		}
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("natsbus: subscribing: %w", err)
	}
	log.Info("live bus: connected to NATS", "server", nc.ConnectedUrlRedacted(), "subjects", cfg.Prefix+".*")
	return b, nil
}

// Redact is u without its password or token.
func Redact(u string) string {
	parts := strings.Split(u, ",")
	for i, p := range parts {
		if pu, err := url.Parse(strings.TrimSpace(p)); err == nil && pu.User != nil {
			pu.User = url.User("REDACTED")
			parts[i] = pu.String()
		}
	}
	return strings.Join(parts, ",")
}

// Publish sends m to the other replicas, then to this one's subscribers.
// It never waits for them; a message the connection cannot take now
// (disconnected) is dropped and counted.
func (b *Bus) Publish(m share.Message) {
	var err error
	switch m.Kind {
	case share.KindLocation:
		if m.Location == nil {
			return
		}
		var buf [160]byte
		err = b.nc.Publish(b.loc, appendLocation(buf[:0], m.Location))
	case share.KindAlert:
		if m.Alert == nil {
			return
		}
		var buf [160]byte
		err = b.nc.Publish(b.alert, appendAlert(buf[:0], m.Alert))
	case share.KindChanged:
		err = b.nc.Publish(b.chg, changed)
	default:
		return
	}
	if err != nil {
		b.failed.Add(1)
	} else {
		b.out.Add(1)
	}
	b.local(m)
}

// Subscribe adds f, called with every message of every replica from now
// on, this one's too.
func (b *Bus) Subscribe(f func(share.Message)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs = append(b.subs, f)
}

// local calls the subscribers with m.
func (b *Bus) local(m share.Message) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, f := range b.subs {
		f(m)
	}
}

// takeLocation takes a location of another replica.
func (b *Bus) takeLocation(msg *nats.Msg) {
	l, err := decodeLocation(msg.Data)
	if err != nil {
		b.malformed(msg, err)
		return
	}
	b.in.Add(1)
	b.local(share.Message{Kind: share.KindLocation, Location: &l})
}

// takeAlert takes an alert fired on another replica.
func (b *Bus) takeAlert(msg *nats.Msg) {
	e, err := decodeAlert(msg.Data)
	if err != nil {
		b.malformed(msg, err)
		return
	}
	b.in.Add(1)
	b.local(share.Message{Kind: share.KindAlert, Alert: &e})
}

// takeChanged takes another replica's word that the change log has news.
func (b *Bus) takeChanged(msg *nats.Msg) {
	if err := decodeChanged(msg.Data); err != nil {
		b.malformed(msg, err)
		return
	}
	b.in.Add(1)
	b.local(share.Message{Kind: share.KindChanged})
}

// malformed counts a message that cannot be read, and logs it at most
// once a second.
func (b *Bus) malformed(msg *nats.Msg, err error) {
	n := b.bad.Add(1)
	now := time.Now().UnixNano()
	last := b.lastBadLog.Load()
	if now-last >= int64(time.Second) && b.lastBadLog.CompareAndSwap(last, now) {
		b.log.Warn("live bus: dropped a message it cannot read", "subject", msg.Subject, "bytes", len(msg.Data), "err", err, "malformed_total", n)
	}
}

// Stats are a Bus's counts since it opened.
type Stats struct {
	In, Out uint64 // messages taken from and published to NATS
	// Slow are the messages dropped because this replica took them too
	// slowly; Failed those it could not publish (disconnected); Bad
	// those it could not read.
	Slow, Failed, Bad uint64
}

// Stats are the counts so far.
func (b *Bus) Stats() Stats {
	s := Stats{In: b.in.Load(), Out: b.out.Load(), Failed: b.failed.Load(), Bad: b.bad.Load()}
	for _, sub := range []*nats.Subscription{b.locSub, b.alSub, b.chSub} {
		if n, err := sub.Dropped(); err == nil {
			s.Slow += uint64(n)
		}
	}
	return s
}

// ErrDown is Check's answer while the NATS server is away.
var ErrDown = errors.New("natsbus: not connected to NATS")

// Check reports whether the bus is connected (for /readyz).
func (b *Bus) Check(context.Context) error {
	if st := b.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("%w (%s)", ErrDown, st)
	}
	return nil
}

// Close sends what is buffered (waiting at most a second) and
// disconnects.
func (b *Bus) Close() error {
	err := b.nc.FlushTimeout(time.Second)
	b.nc.Close()
	if errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, nats.ErrConnectionClosed) {
		err = nil
	}
	return err
}
