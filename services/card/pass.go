package card

import (
	"crypto/ed25519"
	"fmt"
	"time"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Visitor passes: the code a visitor shows at a pedestrian gate, signed
// by a server key as card codes are, naming one person of one visit and
// the times it may be shown between. Unlike a card code it is not
// stepped: it stands for the visit's window (and a margin either side),
// and what it admits is decided against the visit as the store keeps it
// (withdrawn, rejected: refused).
//
//	type 4, visitor pass, 106 bytes, 142 characters
//	offset length field
//	0      1      version, 1
//	1      1      type, 4
//	2      4      kid: the server key that signs (uint32)
//	6      8      visit id (int64)
//	14     4      person: the visit's person, from 0 (uint32)
//	18     8      not before: unix seconds (int64)
//	26     8      not after: unix seconds (int64)
//	34     8      nonce (uint64, random)
//	42     64     Ed25519 signature by the server key kid of "campusnav/card/v1 visitor pass" || bytes 0-41
//
// A pass verifies while its key is published: sign it no earlier than
// CertificateLifetime before its NotAfter.
const (
	TypePass   = 4
	PassSize   = 106
	PassLen    = 142 // characters (base64url, no padding)
	passSigned = 42
	prefixPass = "campusnav/card/v1 visitor pass"
)

// Pass is what a visitor pass says.
type Pass struct {
	Key       KeyID
	Visit     int64
	Person    int
	NotBefore time.Time // whole seconds
	NotAfter  time.Time // whole seconds
	Nonce     uint64
}

// Pass signs p with k (p.Key is set to k.ID; times are cut to whole
// seconds). It is "" for a key that cannot sign, a person outside
// 0..2^32-1, or NotAfter not after NotBefore.
func (k SigningKey) Pass(p Pass) string {
	if !k.usable() || p.Person < 0 || int64(p.Person) > MaxStep || !p.NotAfter.After(p.NotBefore) {
		return ""
	}
	var b [PassSize]byte
	b[0], b[1] = Version, TypePass
	be.PutUint32(b[2:], uint32(k.ID))
	be.PutUint64(b[6:], uint64(p.Visit))
	be.PutUint32(b[14:], uint32(p.Person))
	be.PutUint64(b[18:], uint64(p.NotBefore.Unix()))
	be.PutUint64(b[26:], uint64(p.NotAfter.Unix()))
	be.PutUint64(b[34:], p.Nonce)
	var m [96]byte
	copy(b[passSigned:], ed25519.Sign(k.Private, signed(m[:], prefixPass, b[:passSigned])))
	return b64.EncodeToString(b[:])
}

// VerifyPass checks a visitor pass at now: its format, its server key's
// signature, and that now is within NotBefore..NotAfter. A refusal is
// an *Error: forged (bad bytes, unknown key, bad signature), or expired
// (outside its times: the Pass is returned with it, to record whose it
// was).
func (v *Verifier) VerifyPass(code string, now time.Time) (Pass, error) {
	if len(code) != PassLen {
		return Pass{}, forgedf("pass is %d characters, want %d", len(code), PassLen)
	}
	var b [PassSize]byte
	n, err := b64.Decode(b[:], []byte(code))
	if err != nil || n != PassSize {
		return Pass{}, forgedf("pass is not %d bytes of base64url without padding", PassSize)
	}
	if b[0] != Version || b[1] != TypePass {
		return Pass{}, forgedf("pass bytes 0-1: version %d type %d, want %d %d", b[0], b[1], Version, TypePass)
	}
	p := Pass{Key: KeyID(be.Uint32(b[2:])), Visit: int64(be.Uint64(b[6:])), Person: int(be.Uint32(b[14:])),
		NotBefore: time.Unix(int64(be.Uint64(b[18:])), 0).UTC(), NotAfter: time.Unix(int64(be.Uint64(b[26:])), 0).UTC(),
		Nonce: be.Uint64(b[34:])}
	sk := v.keys.Load().byID[p.Key]
	if sk == nil {
		return Pass{}, forgedf("unknown key %s", p.Key)
	}
	var m [128]byte
	if !voi.VerifyExpandedWithOptions(sk.exp, signed(m[:], prefixPass, b[:passSigned]), b[passSigned:], verifyOptions) {
		return Pass{}, forgedf("signature of the pass by key %s does not verify", p.Key)
	}
	if now.Before(p.NotBefore) || now.After(p.NotAfter) {
		return p, expiredf("pass of visit %d is valid from %s to %s", p.Visit, p.NotBefore.Format(time.RFC3339), p.NotAfter.Format(time.RFC3339))
	}
	return p, nil
}

// String names the pass for logs.
func (p Pass) String() string { return fmt.Sprintf("visit %d person %d", p.Visit, p.Person) }
