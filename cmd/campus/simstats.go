package main

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Who presented a credential, in the simulator's counts.
const (
	actorHonest      = "honest"       // the holder, whose card nothing has copied
	actorCopier      = "copier"       // a copier showing a code the holder showed a few seconds before
	actorScreenshot  = "screenshot"   // the holder, right after the phone reported a screenshot
	actorAfterAttack = "after_attack" // the holder, after a copy or a screenshot, until the desk unfreezes the card
)

// simStats counts decisions and requests; safe for concurrent use.
type simStats struct {
	mu        sync.Mutex
	start     time.Time
	decisions int
	byDecide  map[string]int
	byReason  map[string]int
	byKind    map[string]map[string]int
	byActor   map[string]map[string]int
	perSecond []int
	latencyMS []float64
	requests  map[string]int
	errors    map[string]int // by status ("0": no answer)
	samples   []string       // the first few errors, for standard error
	fivexx    int
	noAnswer  int
	events    map[string]int // captures, copies, unfrozen, devices
}

func newSimStats() *simStats {
	return &simStats{byDecide: map[string]int{}, byReason: map[string]int{}, byKind: map[string]map[string]int{},
		byActor: map[string]map[string]int{}, requests: map[string]int{}, errors: map[string]int{}, events: map[string]int{}}
}

func bump(m map[string]map[string]int, k, sub string) {
	if m[k] == nil {
		m[k] = map[string]int{}
	}
	m[k][sub]++
}

// decided counts one decision: at a reader of kind, by actor, answered
// at, after took.
func (s *simStats) decided(kind, actor, decision, reason string, at time.Time, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decisions++
	s.byDecide[decision]++
	s.byReason[reason]++
	bump(s.byKind, kind, reason)
	bump(s.byActor, actor, reason)
	s.perSecond = countAt(s.perSecond, s.start, at)
	s.latencyMS = append(s.latencyMS, float64(took)/float64(time.Millisecond))
}

func (s *simStats) sent(what string) {
	s.mu.Lock()
	s.requests[what]++
	s.mu.Unlock()
}

func (s *simStats) event(what string) {
	s.mu.Lock()
	s.events[what]++
	s.mu.Unlock()
}

// failed counts a request without a 2xx answer (status 0: none at all).
func (s *simStats) failed(what string, status int, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[what]++
	key := strconv.Itoa(status)
	if status == 0 {
		key = "no_answer"
		s.noAnswer++
	}
	if status >= 500 {
		s.fivexx++
	}
	s.errors[key]++
	if len(s.samples) < 5 {
		if len(detail) > 200 {
			detail = detail[:200]
		}
		s.samples = append(s.samples, what+": "+key+" "+detail)
	}
}

// simLatency are percentiles of /access/check's round trip, client side,
// in milliseconds.
type simLatency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// simReport is the simulator's answer on standard output.
type simReport struct {
	Server      string         `json:"server"`
	People      map[string]int `json:"people"`      // by role
	Credentials map[string]int `json:"credentials"` // people by credential
	ByCar       int            `json:"by_car"`
	Readers     int            `json:"readers"` // given a token
	Grants      int            `json:"grants_made"`
	SetupS      float64        `json:"setup_s"`
	DurationS   float64        `json:"duration_s"`
	Pace        float64        `json:"pace"`
	WaveS       float64        `json:"wave_s"`
	// ClientCPUS is the CPU time the simulator itself used during the
	// run: on a machine it shares with the server, what it took.
	ClientCPUS float64 `json:"client_cpu_s"`

	Decisions     int                       `json:"decisions"`
	PerSecond     float64                   `json:"decisions_per_s"`
	PeakPerSecond int                       `json:"peak_decisions_per_s"`
	Timeline      []float64                 `json:"decisions_per_s_by_10s"` // the mean of each 10 s of the run
	ByDecision    map[string]int            `json:"by_decision"`
	ByReason      map[string]int            `json:"by_reason"`
	ByKind        map[string]map[string]int `json:"by_reader_kind"` // reader kind -> reason -> n
	ByActor       map[string]map[string]int `json:"by_actor"`       // honest, copier, screenshot, after_attack -> reason -> n
	LatencyMS     simLatency                `json:"check_latency_ms"`
	Events        map[string]int            `json:"events"`   // captures, copies, unfrozen, devices
	Requests      map[string]int            `json:"requests"` // by endpoint, answered or not
	Errors        map[string]int            `json:"errors"`   // answers other than 2xx, by status; no_answer: none
	// Visitors are the visitors' decisions by credential: visitor_pass,
	// id_number, plate.
	Visitors map[string]simVisitorReport `json:"visitors"`
}

// report fills in the counts of a run of d.
func (s *simStats) report(r *simReport, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.DurationS = d.Seconds()
	r.Decisions = s.decisions
	if d > 0 {
		r.PerSecond = math.Round(float64(s.decisions)/d.Seconds()*10) / 10
	}
	rt := rateOf(s.perSecond, d)
	r.PeakPerSecond, r.Timeline = rt.Peak, rt.By10s
	r.ByDecision, r.ByReason, r.ByKind, r.ByActor = s.byDecide, s.byReason, s.byKind, s.byActor
	r.Events, r.Requests, r.Errors = s.events, s.requests, s.errors
	r.LatencyMS = latencyOf(s.latencyMS)
}

// latencyOf are the percentiles of round trips of ms milliseconds,
// rounded to 0.01 ms; zeros for none.
func latencyOf(ms []float64) simLatency {
	lat := slices.Clone(ms)
	slices.Sort(lat)
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(math.Ceil(p*float64(len(lat)))) - 1
		return math.Round(lat[max(0, i)]*100) / 100
	}
	return simLatency{P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: q(1)}
}

// simRate is what a run of d counted by second (perSecond[i]: in its
// i-th second) comes to, its full seconds only: the last, partly after
// the end, is left out.
type simRate struct {
	Total int       // in the full seconds
	Mean  float64   // Total a second of d, to 0.1
	Peak  int       // the busiest full second
	By10s []float64 // the mean of each 10 s, to 0.1
}

func rateOf(perSecond []int, d time.Duration) simRate {
	full := perSecond[:min(len(perSecond), int(d/time.Second))]
	r := simRate{By10s: []float64{}}
	for _, n := range full {
		r.Total += n
	}
	if d > 0 {
		r.Mean = math.Round(float64(r.Total)/d.Seconds()*10) / 10
	}
	if len(full) > 0 {
		r.Peak = slices.Max(full)
	}
	for i := 0; i < len(full); i += 10 {
		w := full[i:min(i+10, len(full))]
		sum := 0
		for _, n := range w {
			sum += n
		}
		r.By10s = append(r.By10s, math.Round(float64(sum)/float64(len(w))*10)/10)
	}
	return r
}

// countAt adds one to the second of the run at falls in (none before
// start), growing perSecond as needed.
func countAt(perSecond []int, start, at time.Time) []int {
	sec := int(at.Sub(start) / time.Second)
	if sec < 0 {
		return perSecond
	}
	for len(perSecond) <= sec {
		perSecond = append(perSecond, 0)
	}
	perSecond[sec]++
	return perSecond
}
