package card

import (
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"

	"github.com/oasisprotocol/curve25519-voi/curve"
)

func TestKeyID(t *testing.T) {
	for _, id := range []KeyID{0, 1, 0xdeadbeef, 0xffffffff, 0x0a0b0c0d} {
		s := id.String()
		if len(s) != 8 || strings.ToLower(s) != s {
			t.Errorf("KeyID(%d).String() = %q, want 8 lower-case hex digits", id, s)
		}
		back, err := ParseKeyID(s)
		if err != nil || back != id {
			t.Errorf("ParseKeyID(%q) = %d, %v, want %d", s, back, err, id)
		}
	}
	for _, bad := range []string{"", "0000000", "000000000", "DEADBEEF", "0000000g", "+0000000", " 0000000"} {
		if id, err := ParseKeyID(bad); err == nil {
			t.Errorf("ParseKeyID(%q) = %d, want an error", bad, id)
		}
	}
}

func TestNewSigningKey(t *testing.T) {
	a, err := NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSigningKey()
	if a.ID == b.ID && string(a.Private) == string(b.Private) {
		t.Error("two new keys are the same")
	}
	if err := a.Public().Check(); err != nil {
		t.Errorf("a new key fails its check: %v", err)
	}
	again, err := SigningKeyFromSeed(a.ID, a.Private.Seed())
	if err != nil || !again.Private.Equal(a.Private) {
		t.Errorf("SigningKeyFromSeed did not rebuild the key: %v", err)
	}
	if _, err := SigningKeyFromSeed(1, make([]byte, 31)); err == nil {
		t.Error("a 31-byte seed was taken")
	}
}

func TestJWK(t *testing.T) {
	k := serverKeyOf(t, "server").Public()
	b, err := json.Marshal(k.JWK())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	json.Unmarshal(b, &m)
	want := map[string]string{"kty": "OKP", "kid": k.ID.String(), "alg": "EdDSA", "crv": "Ed25519"}
	for name, v := range want {
		if m[name] != v {
			t.Errorf("JWK %s = %q, want %q (%s)", name, m[name], v, b)
		}
	}
	if len(m["x"]) != 43 || strings.ContainsAny(m["x"], "+/=") {
		t.Errorf("JWK x = %q, want 43 characters of base64url without padding", m["x"])
	}
	if len(m) != 5 {
		t.Errorf("JWK has %d members, want 5: %s", len(m), b)
	}
	back, err := k.JWK().PublicKey()
	if err != nil || back.ID != k.ID || !back.Key.Equal(k.Key) {
		t.Errorf("JWK round trip: %+v, %v", back, err)
	}
	bad := []JWK{
		{Kty: "EC", Kid: k.ID.String(), Alg: "EdDSA", Crv: "Ed25519", X: m["x"]},
		{Kty: "OKP", Kid: k.ID.String(), Alg: "EdDSA", Crv: "X25519", X: m["x"]},
		{Kty: "OKP", Kid: "nope", Alg: "EdDSA", Crv: "Ed25519", X: m["x"]},
		{Kty: "OKP", Kid: k.ID.String(), Alg: "EdDSA", Crv: "Ed25519", X: m["x"] + "="},
		{Kty: "OKP", Kid: k.ID.String(), Alg: "EdDSA", Crv: "Ed25519", X: m["x"][:40]},
		{Kty: "OKP", Kid: k.ID.String(), Alg: "EdDSA", Crv: "Ed25519", X: "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, // the identity
	}
	for _, j := range bad {
		if _, err := j.PublicKey(); err == nil {
			t.Errorf("JWK %+v was taken", j)
		}
	}
}

// torsioned is pub plus a point of order 8: on the curve, canonical, not
// of small order, but not in the prime-order subgroup.
func torsioned(t *testing.T, pub []byte) []byte {
	t.Helper()
	var c curve.CompressedEdwardsY
	c.SetBytes(pub)
	var p curve.EdwardsPoint
	if _, err := p.SetCompressedY(&c); err != nil {
		t.Fatal(err)
	}
	p.Add(&p, curve.EIGHT_TORSION[1])
	var out curve.CompressedEdwardsY
	out.SetEdwardsPoint(&p)
	return out[:]
}

// notAPoint is a 32-byte string that decodes to no point of Ed25519.
func notAPoint(t *testing.T) []byte {
	t.Helper()
	for y := byte(2); y < 255; y++ {
		b := make([]byte, 32)
		b[0] = y
		var c curve.CompressedEdwardsY
		c.SetBytes(b)
		var p curve.EdwardsPoint
		if _, err := p.SetCompressedY(&c); err != nil {
			return b
		}
	}
	t.Fatal("no y below 255 is off the curve")
	return nil
}

func TestCheckDeviceKey(t *testing.T) {
	good := deviceKeyOf("phone").Public().(ed25519.PublicKey)
	if err := CheckDeviceKey(good); err != nil {
		t.Fatalf("a crypto/ed25519 key: %v", err)
	}
	identity := make([]byte, 32)
	identity[0] = 1
	nonCanonical := make([]byte, 32) // p+1 = 2^255-18: y = 1 written the long way
	nonCanonical[0] = 0xee
	for i := 1; i < 31; i++ {
		nonCanonical[i] = 0xff
	}
	nonCanonical[31] = 0x7f
	cases := map[string]struct {
		key  []byte
		want string
	}{
		"short":          {good[:31], "32 bytes"},
		"long":           {append(append([]byte{}, good...), 0), "32 bytes"},
		"nil":            {nil, "32 bytes"},
		"identity":       {identity, "small order"},
		"order 8":        {func() []byte { var c curve.CompressedEdwardsY; c.SetEdwardsPoint(curve.EIGHT_TORSION[1]); return c[:] }(), "small order"},
		"non-canonical":  {nonCanonical, "canonical"},
		"torsion":        {torsioned(t, good), "prime-order subgroup"},
		"not on a curve": {notAPoint(t), "not a point"},
	}
	for name, c := range cases {
		err := CheckDeviceKey(c.key)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
}
