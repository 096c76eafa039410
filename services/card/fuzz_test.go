package card

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"
)

// FuzzVerify: no input panics Verify; every refusal is an *Error of a
// known reason; VerifyBatch answers the same; and an accepted code is
// exactly the code its signer makes from its claims (there is one
// spelling of a code, and no way to accept one that was not signed).
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	server := fx.server.Code(42, s0, 5)
	device := fx.deviceCode(f, s0, 6)
	other := serverKeyOf(f, "attacker")
	for _, seed := range []string{
		server, device,
		server[:60], device[:150], server[:len(server)-1], device + "A",
		flip(server, 3), flip(server, 9*8), flip(server, 30*8+1),
		flip(device, 5*8), flip(device, 60*8), flip(device, 150*8+7),
		fx.deviceCode(f, s0+4, 7), fx.server.Code(42, s0-3, 8),
		other.Code(42, s0, 1), "", "AAAA", string(make([]byte, ServerCodeLen)),
	} {
		f.Add(seed)
	}
	now := t0.Add(10 * time.Second)
	f.Fuzz(func(t *testing.T, code string) {
		c, err := fx.v.Verify(code, now)
		claims, errs := fx.v.VerifyBatch([]string{code, server}, now)
		if claims[0] != c || (err == nil) != (errs[0] == nil) || (err != nil && err.Error() != errs[0].Error()) {
			t.Fatalf("Verify %+v, %v; VerifyBatch %+v, %v", c, err, claims[0], errs[0])
		}
		if errs[1] != nil {
			t.Fatalf("a good code next to %q: %v", code, errs[1])
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Reason != ReasonForged && e.Reason != ReasonExpired) {
				t.Fatalf("refusal %v is not a forged or expired *Error", err)
			}
			if e.Reason == ReasonForged && c != (Claims{}) {
				t.Fatalf("a forged code has claims %+v", c)
			}
			return
		}
		var again string
		if c.Device == 0 {
			again = fx.server.Code(c.Card, c.Step, c.Nonce)
		} else {
			again, _ = DeviceCode(fx.cert, fx.dev, c.Step, c.Nonce)
		}
		if again != code {
			t.Fatalf("accepted %q, claims %+v, but the signer makes %q", code, c, again)
		}
	})
}

// FuzzParseCertificate: no input panics it; what it accepts is 126 bytes
// of version 1 and type 3 whose fields are what it read.
func FuzzParseCertificate(f *testing.F) {
	fx := newFixture(f)
	f.Add(fx.cert)
	f.Add(fx.cert[:125])
	f.Add(append(append([]byte{}, fx.cert...), 0))
	for _, bit := range []int{0, 9, 3 * 8, 10 * 8, 30 * 8, 55 * 8, 100 * 8} {
		b := append([]byte{}, fx.cert...)
		b[bit/8] ^= 1 << (bit % 8)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCertificate(b)
		if err != nil {
			if !errors.Is(err, ErrForged) {
				t.Fatalf("refusal %v is not forged", err)
			}
			return
		}
		if len(b) != CertificateSize || b[0] != Version || b[1] != TypeCertificate {
			t.Fatalf("accepted %d bytes of version %d, type %d", len(b), b[0], b[1])
		}
		var w [certSigned]byte
		w[0], w[1] = Version, TypeCertificate
		be.PutUint32(w[2:], uint32(c.Key))
		be.PutUint64(w[6:], uint64(c.Card))
		be.PutUint64(w[14:], uint64(c.Device))
		copy(w[22:], c.Public)
		be.PutUint64(w[54:], uint64(c.NotAfter.Unix()))
		if !bytes.Equal(w[:], b[:certSigned]) || len(c.Public) != ed25519.PublicKeySize {
			t.Fatalf("fields %+v do not write back to the bytes read", c)
		}
	})
}
