package card

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"
)

// t0 is a step boundary: 2026-03-02 08:00:00 UTC.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// s0 is t0's step.
var s0 = StepOf(t0)

// seedOf is a fixed seed named by label, so that keys (and fuzz corpora)
// are the same in every process.
func seedOf(label string) []byte {
	h := sha256.Sum256([]byte("card test " + label))
	return h[:]
}

// serverKeyOf is a fixed server key.
func serverKeyOf(t testing.TB, label string) SigningKey {
	t.Helper()
	h := sha256.Sum256([]byte("kid " + label))
	k, err := SigningKeyFromSeed(KeyID(binary.BigEndian.Uint32(h[:])), seedOf(label))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// deviceKeyOf is a fixed device key.
func deviceKeyOf(label string) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(seedOf("device " + label))
}

// fixture is a server key, a Verifier of it, and one device of card 42
// (device 7) certified until t0 + 7 days.
type fixture struct {
	server SigningKey
	v      *Verifier
	dev    ed25519.PrivateKey
	cert   []byte
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{server: serverKeyOf(t, "server"), dev: deviceKeyOf("phone")}
	f.v = NewVerifier([]PublicKey{f.server.Public()})
	f.cert = f.certify(t, f.server, 42, 7, f.dev, t0.Add(CertificateLifetime))
	return f
}

// certify has k certify dev for card as device until notAfter.
func (f *fixture) certify(t testing.TB, k SigningKey, card, device int64, dev ed25519.PrivateKey, notAfter time.Time) []byte {
	t.Helper()
	c := k.Certify(Certificate{Card: card, Device: device, Public: dev.Public().(ed25519.PublicKey), NotAfter: notAfter})
	if c == nil {
		t.Fatal("Certify refused a sound certificate")
	}
	return c
}

// deviceCode is the fixture's device's code at step with nonce.
func (f *fixture) deviceCode(t testing.TB, step int64, nonce uint64) string {
	t.Helper()
	code, err := DeviceCode(f.cert, f.dev, step, nonce)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// reason is err's Reason, "" for nil, "?" for an error that is not an
// *Error.
func reason(err error) string {
	if err == nil {
		return ""
	}
	e, ok := err.(*Error)
	if !ok {
		return "?"
	}
	return e.Reason
}
