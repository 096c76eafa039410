package access

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services/card"
)

// Visitors at the gates: besides the campus card, a gate's reader asks
// about a visitor's credential (Check.VisitorPass, Check.IDNumber,
// Check.Plate), which the visitor service decides (Visitors) and
// records. This package verifies a pass's signature, with the keys that
// sign card codes, and signs passes (SignPass); it bounds each reader's
// checks as it does for cards.

// Credentials of visitors.
const (
	CredentialVisitorPass = "visitor_pass"
	CredentialIDNumber    = "id_number"
	CredentialPlate       = "plate"
)

// Directions of a pass through a gate (Check.Direction).
const (
	DirectionIn  = "in"
	DirectionOut = "out"
)

// VisitorCheck is a visitor's credential at a reader, on its way to the
// visitor service's decision.
type VisitorCheck struct {
	At         time.Time
	Reader     *geo.Reader
	Credential string     // CredentialVisitorPass, CredentialIDNumber or CredentialPlate
	Pass       *card.Pass // a pass whose signature verified (also when expired)
	IDNumber   string
	Plate      string
	Exit       bool // the exit side: the visitor is leaving
	// Reason is a deny decided here (ReasonForged, ReasonExpired,
	// ReasonUnknown for a malformed check); "" for the visitor service
	// to decide.
	Reason string
}

// Visitors decides visitors' credentials at the gates and records each
// decision (the visitor service is one).
type Visitors interface {
	AtGate(ctx context.Context, c VisitorCheck) (Result, error)
}

// SetVisitors sets who decides visitors' credentials; until it is set,
// they are denied (unknown). Set it before the service serves.
func (s *Service) SetVisitors(v Visitors) { s.visitors = v }

// PassHorizon is how long before its end a pass may be signed: the
// key that signs it is published at least that long.
const PassHorizon = card.CertificateLifetime

// ErrPassTooEarly is a pass asked for more than PassHorizon before its
// end.
var ErrPassTooEarly = &Conflict{En: fmt.Sprintf("a pass is given at most %d days before the visit ends: ask again later", int(PassHorizon.Hours()/24)),
	Zh: fmt.Sprintf("通行码最早在来访结束前 %d 天发放，请稍后再获取", int(PassHorizon.Hours()/24))}

// SignPass signs a visitor pass with the newest key that signs card
// codes.
func (s *Service) SignPass(ctx context.Context, p card.Pass) (string, error) {
	if p.NotAfter.Sub(s.now()) > PassHorizon {
		return "", ErrPassTooEarly
	}
	k, err := s.signingKey(ctx)
	if err != nil {
		return "", err
	}
	if p.Nonce, err = card.Nonce(); err != nil {
		return "", err
	}
	code := k.Pass(p)
	if code == "" {
		return "", errors.New("access: the pass could not be signed")
	}
	return code, nil
}

// verifyPass checks a pass's signature and times, reading the keys
// again for a key another replica made in the last minute.
func (s *Service) verifyPass(ctx context.Context, code string, now time.Time) (card.Pass, error) {
	if _, err := s.loadKeys(ctx, false); err != nil {
		return card.Pass{}, err
	}
	p, err := s.verifier.VerifyPass(code, now)
	if errors.Is(err, card.ErrForged) {
		if _, lerr := s.loadKeys(ctx, true); lerr == nil {
			p, err = s.verifier.VerifyPass(code, now)
		}
	}
	return p, err
}

// visitorCheck decides a visitor's credential at reader r: the
// signature of a pass here, the rest by the visitor service.
func (s *Service) visitorCheck(ctx context.Context, r *geo.Reader, c Check, now time.Time) (Result, error) {
	v := VisitorCheck{At: now, Reader: r, IDNumber: c.IDNumber, Plate: c.Plate}
	given := 0
	for _, b := range []bool{c.VisitorPass != "", c.IDNumber != "", c.Plate != ""} {
		if b {
			given++
		}
	}
	switch {
	case c.VisitorPass != "":
		v.Credential = CredentialVisitorPass
	case c.IDNumber != "":
		v.Credential = CredentialIDNumber
	default:
		v.Credential = CredentialPlate
	}
	switch c.Direction {
	case "", DirectionIn:
	case DirectionOut:
		v.Exit = true
	default:
		v.Reason = ReasonUnknown
	}
	if given > 1 || c.Code != "" || c.CardNumber != "" || c.PIN != "" || c.Fingerprint != 0 {
		v.Reason = ReasonUnknown // one credential a check
	}
	if v.Credential == CredentialVisitorPass && v.Reason == "" {
		p, err := s.verifyPass(ctx, c.VisitorPass, now)
		switch {
		case errors.Is(err, card.ErrExpired):
			v.Pass, v.Reason = &p, ReasonExpired
		case errors.Is(err, card.ErrForged):
			v.Reason = ReasonForged
		case err != nil:
			return Result{}, err
		default:
			v.Pass = &p
		}
	}
	if s.visitors == nil {
		return Result{Decision: Deny, Reason: ReasonUnknown}, nil
	}
	return s.visitors.AtGate(ctx, v)
}
