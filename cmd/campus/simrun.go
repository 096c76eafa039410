package main

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/access/sim"
)

// simPerson is one simulated person as the run drives them.
type simPerson struct {
	sim.Person
	token  string // session
	card   simCard
	day    sim.Day
	device *simDevice
	rng    *rand.Rand

	// mu makes the holder's uses and a copier's of one card one at a
	// time, so each is told apart by what happened before it.
	mu        sync.Mutex
	lastAt    time.Time // the answer to the card's last use
	attacked  bool      // a copy or a screenshot since the desk last unfroze the card
	needsDesk bool      // a use was answered frozen: the next trip begins at the desk
	copying   int       // copiers still to show a code of the card
}

// simRun is one run against a server.
type simRun struct {
	cl      *simClient
	stats   *simStats
	tokens  map[string]string // reader id -> token
	admin   string            // the admin's session: the service desk
	copiers []*geo.Reader     // where copiers show codes

	start, end   time.Time
	wave, jitter time.Duration
	copies, shot float64

	people []*simPerson
	copyWG sync.WaitGroup

	visitors     []*simVisitor
	turnstiles   []*geo.Reader // where visitors walk in: gates 2 and 5
	barriers     []*geo.Reader // where they drive in: the gates' car barriers
	visitorStats *visitorStats
}

// sleepUntil waits until t; false if ctx ends first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// person runs one person's day, again and again if it ends off campus:
// trip k begins at the k-th class change (within the jitter), or when
// trip k-1 ends if that is later; each stop is reached after its leg,
// and a reader is used no sooner than its Gap after the answer to the
// card's last use. Nothing is sent after the end.
func (r *simRun) person(ctx context.Context, p *simPerson) {
	trips := p.day.Trips
	first := p.day.First()
	for k := 0; len(trips) > 0 && (k < len(trips) || p.day.Repeats); k++ {
		trip := trips[k%len(trips)]
		begin := r.start.Add(time.Duration(k)*r.wave + time.Duration(p.rng.Float64()*float64(r.jitter)))
		if begin.After(r.end) || !sleepUntil(ctx, begin) {
			return
		}
		if p.needsDesk {
			r.desk(ctx, p)
		}
		t := time.Now()
		for i := range trip.Stops {
			st := &trip.Stops[i]
			t = t.Add(st.Leg)
			if st.Reader == nil {
				continue // the room the trip ends in
			}
			gap := st.Gap
			if k >= len(trips) && st == first {
				gap = p.day.Again
			}
			p.mu.Lock()
			at := p.lastAt.Add(gap)
			p.mu.Unlock()
			if t.After(at) {
				at = t
			}
			if at.After(r.end) || !sleepUntil(ctx, at) {
				return
			}
			r.use(ctx, p, *st)
			t = time.Now()
		}
	}
}

// use presents the person's credential at a stop's reader: a code
// fetched from the server or signed by the phone, or the physical card;
// for a share of codes, a screenshot reported first, or a copier showing
// the same code elsewhere a few seconds later.
func (r *simRun) use(ctx context.Context, p *simPerson, st sim.Stop) {
	p.mu.Lock()
	chk := access.Check{Reader: st.Reader.ID, Floor: st.Floor}
	var err error
	switch p.Credential {
	case sim.PhysicalCard:
		chk.CardNumber = p.card.Number
	case sim.DeviceCode:
		if p.device != nil {
			chk.Code, err = p.device.code(time.Now())
		}
	default:
		chk.Code, err = r.cl.code(ctx, p.token)
	}
	if err != nil || (chk.Code == "" && chk.CardNumber == "") {
		p.mu.Unlock()
		return // counted as an error by the client
	}
	actor := actorHonest
	if p.attacked {
		actor = actorAfterAttack
	}
	if chk.Code != "" && p.rng.Float64() < r.shot {
		if r.cl.capture(ctx, p.token) == nil {
			r.stats.event("captures")
			p.attacked = true
			actor = actorScreenshot
		}
	}
	res, took, err := r.cl.check(ctx, r.tokens[st.Reader.ID], chk)
	p.lastAt = time.Now()
	if err == nil {
		r.stats.decided(st.Reader.Kind, actor, res.Decision, res.Reason, p.lastAt, took)
		if res.Reason == access.ReasonFrozen {
			p.needsDesk = true
		}
	}
	copied := chk.Code != "" && len(r.copiers) > 1 && p.rng.Float64() < r.copies
	var at *geo.Reader
	var delay time.Duration
	if copied {
		for at == nil || at == st.Reader {
			at = r.copiers[p.rng.IntN(len(r.copiers))]
		}
		delay = 2*time.Second + time.Duration(p.rng.Float64()*float64(3*time.Second))
	}
	if copied {
		p.copying++
	}
	p.mu.Unlock()
	if copied {
		r.copyWG.Add(1)
		go r.copier(ctx, p, chk.Code, at, delay)
	}
}

// copier shows a code the holder showed, at another reader, delay later.
func (r *simRun) copier(ctx context.Context, p *simPerson, code string, at *geo.Reader, delay time.Duration) {
	defer r.copyWG.Done()
	when := time.Now().Add(delay)
	ok := !when.After(r.end) && sleepUntil(ctx, when)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.copying--
	if !ok {
		return
	}
	p.attacked = true
	r.stats.event("copies")
	res, took, err := r.cl.check(ctx, r.tokens[at.ID], access.Check{Reader: at.ID, Code: code})
	if err == nil {
		r.stats.decided(at.Kind, actorCopier, res.Decision, res.Reason, time.Now(), took)
	}
}

// desk is the person at the IT service desk: an admin unfreezes the
// card, and a phone that signs its own codes registers again (unfreezing
// revokes the card's devices). A person whose code a copier is still to
// show goes at a later trip: the copy then meets the card as it was.
func (r *simRun) desk(ctx context.Context, p *simPerson) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.copying > 0 {
		return
	}
	if r.cl.unfreeze(ctx, r.admin, p.card.ID) != nil {
		return
	}
	r.stats.event("unfrozen")
	p.needsDesk, p.attacked = false, false
	if p.Credential == sim.DeviceCode {
		if d, err := r.cl.register(ctx, p.token); err == nil {
			p.device = d
			r.stats.event("devices")
		}
	}
}
