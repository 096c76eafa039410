package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/access"
	"github.com/campusnav/engine/services/auth"
	"github.com/campusnav/engine/services/visitor"
)

// Visitors in the simulated day: each has an approved visit whose window
// holds the run, made through the store the server uses (hosted by the
// simulated staff, in turn), and comes by one credential: a third show
// their pass at a pedestrian gate's turnstile (gates 2 and 5), a third
// their ID card there, a third drive (the plate at a car barrier of a
// gate). At each class change a visitor passes a reader of their kind,
// in and out in turn (the exit side: direction out). Their decisions are
// counted with everyone's (actor visitor) and by credential, each with
// its rate and latency.

// actorVisitor is a visitor, in the counts.
const actorVisitor = "visitor"

// simVisitor is one simulated visitor.
type simVisitor struct {
	n          int
	credential string // access.CredentialVisitorPass, CredentialIDNumber or CredentialPlate
	pass       string
	idNumber   string
	plate      string
	rng        *rand.Rand
}

// simVisitorID is visitor n's ID number: a PRC resident identity card's,
// its birth date and sequence told by n, its check digit computed.
func simVisitorID(n int) string {
	born := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n/900)
	first := fmt.Sprintf("440106%s%03d", born.Format("20060102"), 100+n%900)
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range w {
		sum += int(first[i]-'0') * w[i]
	}
	return first + string("10X98765432"[sum%11])
}

// simVisitorStore is what the visitors' set-up needs of the store.
type simVisitorStore interface {
	visitor.Store
	CreateUser(ctx context.Context, u auth.User, passwordHash string) (auth.User, error)
}

// simVisitors makes n visitors' accounts and approved visits, hosted by
// hosts in turn, from from to to (a visit of an earlier run is used again
// if it holds [from, run]), and their passes.
func simVisitors(ctx context.Context, st simVisitorStore, passes visitor.Passes, v *geo.Venue, hosts []auth.User, n int, from, run, to time.Time, seed uint64, workers int) ([]*simVisitor, error) {
	if n == 0 {
		return nil, nil
	}
	if len(hosts) == 0 {
		return nil, usagef("--visitors: the simulated people have no staff member to host them (give more --people)")
	}
	svc := visitor.New(v, st, visitor.Options{Passes: passes})
	var place string
	for _, b := range v.Buildings {
		if b.Ref == "C3" {
			place = b.ID
		}
	}
	out := make([]*simVisitor, n)
	err := parallel(n, workers, func(i int) error {
		sv := &simVisitor{n: i, idNumber: simVisitorID(i), rng: rand.New(rand.NewPCG(seed, uint64(1<<32+i)))}
		sv.credential = []string{access.CredentialVisitorPass, access.CredentialIDNumber, access.CredentialPlate}[i%3]
		email := fmt.Sprintf("tel:+86137%08d", i)
		u, _, err := st.UserByEmail(ctx, email)
		if err != nil {
			if u, err = st.CreateUser(ctx, auth.User{Email: email, Role: auth.Visitor, Created: time.Now()}, ""); err != nil {
				return fmt.Errorf("visitor %s: %w", email, err)
			}
		}
		if u.Role != auth.Visitor {
			return fmt.Errorf("%s exists as %s, the simulation wants a visitor", email, u.Role)
		}
		// A visit of an earlier run that holds this one is used again.
		var visit visitor.Visit
		mine, err := st.Visits(ctx, visitor.Query{VisitorID: u.ID, Status: visitor.Approved, Limit: visitor.MaxUpcomingPerVisitor})
		if err != nil {
			return err
		}
		for _, m := range mine {
			if !m.From.After(from) && !m.To.Before(run) {
				visit = m
				break
			}
		}
		if visit.ID == 0 {
			h, err := svc.HashID(ctx, sv.idNumber)
			if err != nil {
				return err
			}
			host := hosts[i%len(hosts)]
			now := time.Now()
			visit = visitor.Visit{VisitorID: u.ID, HostID: host.ID, Type: "business", Reason: "campus readers simulate",
				Date: from.In(visitor.Shanghai).Format(time.DateOnly), From: from, To: to, Mode: visitor.Foot, Status: visitor.Approved,
				Source: visitor.SourceImport, DecidedBy: host.ID, Decided: &now, Created: now, Lang: "en",
				Place:  visitor.Place{Ref: "C3", Building: place},
				People: []visitor.Person{{Name: fmt.Sprintf("Visitor %d", i), IDHash: h, IDKind: visitor.IDPRC}}}
			if sv.credential == access.CredentialPlate {
				visit.Mode, visit.Plate = visitor.Car, fmt.Sprintf("粤S%05d", i%100000)
			}
			if visit, err = st.CreateVisit(ctx, visit, visitor.Create{Now: now}); err != nil {
				return fmt.Errorf("the visit of %s: %w", email, err)
			}
		}
		sv.plate = visit.Plate
		if sv.credential == access.CredentialVisitorPass {
			p, err := svc.Pass(ctx, u, visit.ID, 0)
			if err != nil {
				return fmt.Errorf("the pass of %s: %w", email, err)
			}
			sv.pass = p.Code
		}
		out[i] = sv
		return nil
	})
	return out, err
}

// simVisitorSetup makes the run's visitors (o.visitors) and their
// readers' tokens, the staff of people hosting them.
func simVisitorSetup(ctx context.Context, o simOptions, db accountStore, svc *access.Service, v *geo.Venue, sessions []auth.Session,
	run *simRun, rep *simReport, workers int) error {
	run.visitorStats = &visitorStats{by: map[string]*credentialStats{}}
	if o.visitors == 0 {
		return nil
	}
	st, ok := db.(simVisitorStore)
	if !ok {
		return fmt.Errorf("the store keeps no visits")
	}
	var hosts []auth.User
	for _, s := range sessions {
		if s.User.Role == auth.Staff {
			hosts = append(hosts, s.User)
		}
	}
	now := time.Now()
	vs, err := simVisitors(ctx, st, svc, v, hosts, o.visitors, now.Add(-10*time.Minute), now.Add(o.duration+5*time.Minute),
		now.Add(o.duration+time.Hour), o.seed, workers)
	if err != nil {
		return err
	}
	run.visitors = vs
	for _, r := range v.Readers {
		switch {
		case r.Kind == geo.ReaderGate:
			run.turnstiles = append(run.turnstiles, r)
		case r.Kind == geo.ReaderBarrier:
			if _, atGate := r.Guards.(*geo.Gate); atGate {
				run.barriers = append(run.barriers, r)
			}
		default:
			continue
		}
		if run.tokens[r.ID] == "" {
			t, err := svc.NewReaderToken(ctx, r.ID)
			if err != nil {
				return fmt.Errorf("token of reader %s: %w", r.ID, err)
			}
			run.tokens[r.ID] = t
			rep.Readers++
		}
	}
	rep.People["visitor"] = len(vs)
	for _, sv := range vs {
		rep.Credentials[sv.credential]++
	}
	return nil
}

// visitorStats counts the visitors' decisions by credential.
type visitorStats struct {
	mu    sync.Mutex
	start time.Time
	by    map[string]*credentialStats
}

type credentialStats struct {
	perSecond []int
	latencyMS []float64
	byReason  map[string]int
}

// simVisitorReport is one credential's decisions in the report.
type simVisitorReport struct {
	Decisions     int            `json:"decisions"`
	PerSecond     float64        `json:"decisions_per_s"`
	PeakPerSecond int            `json:"peak_decisions_per_s"`
	LatencyMS     simLatency     `json:"check_latency_ms"`
	ByReason      map[string]int `json:"by_reason"`
}

func (s *visitorStats) decided(credential, reason string, at time.Time, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.by[credential]
	if c == nil {
		c = &credentialStats{byReason: map[string]int{}}
		s.by[credential] = c
	}
	c.byReason[reason]++
	c.perSecond = countAt(c.perSecond, s.start, at)
	c.latencyMS = append(c.latencyMS, float64(took)/float64(time.Millisecond))
}

func (s *visitorStats) report(d time.Duration) map[string]simVisitorReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]simVisitorReport{}
	for k, c := range s.by {
		rt := rateOf(c.perSecond, d)
		out[k] = simVisitorReport{Decisions: len(c.latencyMS), PerSecond: rt.Mean, PeakPerSecond: rt.Peak, LatencyMS: latencyOf(c.latencyMS),
			ByReason: c.byReason}
	}
	return out
}

// visitor runs one visitor's day: at each class change (within the
// jitter), through a reader of their kind, in and out in turn.
func (r *simRun) visitor(ctx context.Context, v *simVisitor) {
	readers := r.turnstiles
	if v.credential == access.CredentialPlate {
		readers = r.barriers
	}
	if len(readers) == 0 {
		return
	}
	for k := 0; ; k++ {
		at := r.start.Add(time.Duration(k)*r.wave + time.Duration(v.rng.Float64()*float64(r.jitter)))
		if at.After(r.end) || !sleepUntil(ctx, at) {
			return
		}
		rd := readers[v.rng.IntN(len(readers))]
		chk := access.Check{Reader: rd.ID, Direction: access.DirectionIn, VisitorPass: v.pass}
		if k%2 == 1 {
			chk.Direction = access.DirectionOut
		}
		switch v.credential {
		case access.CredentialIDNumber:
			chk.IDNumber = v.idNumber
		case access.CredentialPlate:
			chk.Plate = v.plate
		}
		res, took, err := r.cl.check(ctx, r.tokens[rd.ID], chk)
		if err == nil {
			now := time.Now()
			r.stats.decided(rd.Kind, actorVisitor, res.Decision, res.Reason, now, took)
			r.visitorStats.decided(v.credential, res.Reason, now, took)
		}
	}
}
