package access

import (
	"slices"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/auth"
)

// RetryWindow is how long the same code at the same reader is a person
// scanning again (the gate did not open) rather than a copy: it answers
// the first decision again and freezes nothing.
const RetryWindow = 5 * time.Second

// decide is the decision at a reader, over the state the store loaded
// in its transaction. In order: the same attempt again (the same
// Check.Ref at the same reader: its first decision, even once the code
// has expired); what was denied before the store (forged, expired,
// unknown, locked out); the card; a code's single use
// (the same code again at the same reader within RetryWindow answers as
// before; anywhere else, later, or a step older than the card's newest,
// is a copy: replayed, and the card frozen); a frozen card; a lost
// physical card; impossible travel since the card's last use (frozen);
// then the policy and the person's grants.
func (s *Service) decide(st *State, a *Attempt) Effect {
	deny := func(reason string) { a.Result = Result{Decision: Deny, Reason: reason} }
	c := st.CardOf(a)
	a.Card = c
	defer s.person(a, c)
	if first := sameAttempt(st, a, c); first != nil {
		a.Result = Result{Decision: first.Decision, Reason: first.Reason, Floors: first.Floors, Repeat: true, Again: true}
		return Effect{}
	}
	if a.Reason != "" {
		deny(a.Reason)
		return Effect{}
	}
	if c == nil {
		deny(ReasonUnknown)
		return Effect{}
	}
	var eff Effect
	freeze := func(reason string) {
		if c.Status != Frozen {
			c.Status, c.FrozenReason = Frozen, reason
			eff.Freeze = reason
		}
		st.Changed[c.ID] = true
	}
	var code *CodeUse
	if cl := a.Claims; cl != nil {
		if cl.Device != 0 {
			d, ok := st.Devices[cl.Device]
			if !ok || d.Card != c.ID || d.Revoked {
				deny(ReasonForged)
				return eff
			}
		}
		k := CodeKey{Card: c.ID, Step: cl.Step, Nonce: cl.Nonce}
		if first, used := st.Codes[k]; used {
			if first.Reader == a.Reader.ID && a.At.Sub(first.At).Abs() <= RetryWindow {
				a.Result = Result{Decision: first.Decision, Reason: first.Reason, Floors: first.Floors, Repeat: true}
				return eff
			}
			freeze(FrozenReplayed)
			deny(ReasonReplayed)
			return eff
		}
		code = &CodeUse{CodeKey: k, Reader: a.Reader.ID, At: a.At, Ref: a.Ref}
		st.Codes[k] = code
		st.NewCodes = append(st.NewCodes, code)
		defer func() { code.Decision, code.Reason, code.Floors = a.Result.Decision, a.Result.Reason, a.Result.Floors }()
		if cl.Step < c.LastStep {
			freeze(FrozenReplayed)
			deny(ReasonReplayed)
			return eff
		}
		c.LastStep = cl.Step
	}
	last, _ := s.reader(c.LastReader)
	lastAt := c.LastAt
	c.LastAt, c.LastReader = a.At, a.Reader.ID
	st.Changed[c.ID] = true
	switch {
	case c.Status == Frozen:
		deny(ReasonFrozen)
	case a.Credential == CredentialCard && c.Physical == Lost:
		deny(ReasonLost)
	case s.policy.tooFast(s.walks, last, a.Reader, auth.GeoRole(c.Role), lastAt, a.At):
		freeze(FrozenTravel)
		deny(ReasonTravel)
	default:
		var grants func() ([]Grant, error)
		if st.Grants != nil {
			grants = func() ([]Grant, error) { return st.Grants(c.UserID) }
		}
		j, err := s.policy.judge(s.venue, a.Reader, c.Role, grants, a.At, a.Floor)
		if err != nil {
			eff.Err = err
			return eff
		}
		a.Result = Result{Decision: Deny, Reason: j.reason, Floors: j.floors}
		if j.reason == ReasonOK {
			a.Result.Decision = Allow
		}
	}
	return eff
}

// sameAttempt is the first use of a's code if it was a itself: at the
// same reader under the same Ref (a till's charge retried after its
// answer was lost, by a crash or a server error, whenever the retry
// comes). The code was checked then; it may have expired since.
func sameAttempt(st *State, a *Attempt, c *Card) *CodeUse {
	if a.Ref == "" || a.Claims == nil || c == nil || (a.Reason != "" && a.Reason != ReasonExpired) {
		return nil
	}
	first, used := st.Codes[CodeKey{Card: c.ID, Step: a.Claims.Step, Nonce: a.Claims.Nonce}]
	if !used || first.Reader != a.Reader.ID || first.Ref != a.Ref {
		return nil
	}
	return first
}

// person puts the holder on the answer, if any.
func (s *Service) person(a *Attempt, c *Card) {
	if c != nil {
		a.Result.Person = &Person{Name: c.Holder, Role: string(c.Role)}
		a.Result.Card, a.Result.UserID, a.Result.Subject = c.ID, c.UserID, c.Subject
	}
	if a.Reader.Kind != geo.ReaderElevator {
		a.Result.Floors = nil
	} else if a.Result.Floors == nil {
		a.Result.Floors = []int{}
	}
	a.Result.Floors = slices.Clip(a.Result.Floors)
}
