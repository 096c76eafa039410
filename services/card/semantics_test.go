package card

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	mrand "math/rand/v2"
	"testing"

	"github.com/oasisprotocol/curve25519-voi/curve"
	"github.com/oasisprotocol/curve25519-voi/curve/scalar"
	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// checkOf is a signature check of msg (with no prefix) by pub.
func checkOf(t *testing.T, pub ed25519.PublicKey, msg, sig []byte) sigCheck {
	t.Helper()
	exp, err := voi.NewExpandedPublicKey(voi.PublicKey(pub))
	if err != nil {
		t.Fatal(err)
	}
	return sigCheck{key: exp, body: msg, sig: sig}
}

// TestAgreesWithStdlib: on signatures by keys the Verifier allows,
// untouched or damaged (bits flipped in R or S, S + L, R of another
// signature), one by one and in a batch, the Verifier's signature check
// answers what crypto/ed25519 answers.
func TestAgreesWithStdlib(t *testing.T) {
	v := NewVerifier(nil)
	r := mrand.New(mrand.NewPCG(3, 4))
	order := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10} // L, little-endian
	var checks []sigCheck
	var want []bool
	for i := range 400 {
		priv := deviceKeyOf(string(rune('a' + i%20)))
		pub := priv.Public().(ed25519.PublicKey)
		msg := make([]byte, 1+r.IntN(200))
		for j := range msg {
			msg[j] = byte(r.Uint32())
		}
		sig := ed25519.Sign(priv, msg)
		switch i % 5 {
		case 1: // a bit of R
			sig[r.IntN(32)] ^= 1 << r.IntN(8)
		case 2: // a bit of S
			sig[32+r.IntN(32)] ^= 1 << r.IntN(8)
		case 3: // S + L: the same scalar, not reduced
			var c uint16
			for j := range 32 {
				c += uint16(sig[32+j]) + uint16(order[j])
				sig[32+j] = byte(c)
				c >>= 8
			}
		case 4: // a bit of the message
			msg[r.IntN(len(msg))] ^= 1 << r.IntN(8)
		}
		checks = append(checks, checkOf(t, pub, msg, sig))
		want = append(want, ed25519.Verify(pub, msg, sig))
	}
	batched := v.verifyMany(checks)
	for i, c := range checks {
		alone := v.verifyMany([]sigCheck{c})[0]
		if alone != want[i] || batched[i] != want[i] {
			t.Errorf("signature %d (damage %d): crypto/ed25519 %v, alone %v, batched %v", i, i%5, want[i], alone, batched[i])
		}
	}
}

// TestSmallOrderR pins the one difference from crypto/ed25519 that the
// package doc states: a signature whose R carries a point of order 8,
// which only the key's holder can make, is accepted by the cofactored
// equation (Verify and VerifyBatch alike) and refused by crypto/ed25519.
func TestSmallOrderR(t *testing.T) {
	f := newFixture(t)
	code := f.server.Code(42, s0, 1)
	var p parsed
	if err := parse(code, &p); err != nil {
		t.Fatal(err)
	}
	body := p.raw[:serverSigned]
	msg := append([]byte(prefixCode), body...)

	h := sha512.Sum512(f.server.Private.Seed())
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	a, _ := scalar.NewFromBytesModOrder(h[:32])
	rs, _ := scalar.New().SetRandom(rand.Reader)
	R := curve.NewEdwardsPoint().MulBasepoint(curve.ED25519_BASEPOINT_TABLE, rs)
	R.Add(R, curve.EIGHT_TORSION[1])
	var rc curve.CompressedEdwardsY
	rc.SetEdwardsPoint(R)
	kh := sha512.New()
	kh.Write(rc[:])
	kh.Write(f.server.Public().Key)
	kh.Write(msg)
	k, _ := scalar.NewFromBytesModOrderWide(kh.Sum(nil))
	s := scalar.New().Mul(k, a)
	s.Add(s, rs)
	sig := make([]byte, 64)
	copy(sig, rc[:])
	s.ToBytes(sig[32:])

	if ed25519.Verify(f.server.Public().Key, msg, sig) {
		t.Fatal("crypto/ed25519 accepts a small-order R: the doc's difference is gone")
	}
	crafted := b64.EncodeToString(append(append([]byte{}, body...), sig...))
	if _, err := f.v.Verify(crafted, t0); err != nil {
		t.Errorf("Verify: %v, want accepted (cofactored)", err)
	}
	_, errs := f.v.VerifyBatch([]string{crafted, code}, t0)
	if errs[0] != nil || errs[1] != nil {
		t.Errorf("VerifyBatch: %v, want both accepted, as Verify", errs)
	}
}
