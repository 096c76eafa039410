package card

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/oasisprotocol/curve25519-voi/curve"
)

// KeyID names a server signing key in codes, certificates and JWKs.
type KeyID uint32

// String is the key id as a JWK's "kid": 8 lower-case hex digits.
func (id KeyID) String() string {
	return fmt.Sprintf("%08x", uint32(id))
}

// ParseKeyID reads a key id written by String: exactly 8 lower-case hex
// digits.
func ParseKeyID(s string) (KeyID, error) {
	if len(s) != 8 {
		return 0, fmt.Errorf("card: key id %q is %d characters, want 8 lower-case hex digits", s, len(s))
	}
	var id uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, fmt.Errorf("card: key id %q: character %d is not a lower-case hex digit", s, i+1)
		}
		id = id<<4 | uint32(d)
	}
	return KeyID(id), nil
}

// SigningKey is one of the server's keys: it signs server codes and
// device certificates (with crypto/ed25519).
type SigningKey struct {
	ID      KeyID
	Private ed25519.PrivateKey // 64 bytes: seed || public key, as crypto/ed25519 makes it
}

// NewSigningKey makes a key with a random id and a random Ed25519 key.
// The caller keeps ids unique among the keys it keeps (Verifier.SetKeys
// refuses duplicates).
func NewSigningKey() (SigningKey, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return SigningKey{}, fmt.Errorf("card: new key id: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("card: new key: %w", err)
	}
	return SigningKey{ID: KeyID(binary.BigEndian.Uint32(b[:])), Private: priv}, nil
}

// SigningKeyFromSeed rebuilds a stored key from its id and its 32-byte
// seed (Private.Seed()).
func SigningKeyFromSeed(id KeyID, seed []byte) (SigningKey, error) {
	if len(seed) != ed25519.SeedSize {
		return SigningKey{}, fmt.Errorf("card: key %s: seed is %d bytes, want %d", id, len(seed), ed25519.SeedSize)
	}
	return SigningKey{ID: id, Private: ed25519.NewKeyFromSeed(seed)}, nil
}

// usable reports whether k can sign without crypto/ed25519 panicking.
func (k SigningKey) usable() bool {
	return len(k.Private) == ed25519.PrivateKeySize
}

// Public is the key's public half, as readers and the Verifier know it.
// Its Key is nil if Private is not 64 bytes.
func (k SigningKey) Public() PublicKey {
	if !k.usable() {
		return PublicKey{ID: k.ID}
	}
	return PublicKey{ID: k.ID, Key: bytes.Clone(k.Private[32:])}
}

// PublicKey is a server key as readers know it.
type PublicKey struct {
	ID  KeyID
	Key ed25519.PublicKey // 32 bytes
}

// Check reports why the Verifier would refuse k (see CheckDeviceKey), or
// nil.
func (k PublicKey) Check() error {
	if err := checkPoint(k.Key, true); err != nil {
		return fmt.Errorf("card: key %s: %w", k.ID, err)
	}
	return nil
}

// JWK is a public key as a JSON Web Key (RFC 7517, RFC 8037), as GET
// /api/v1/card/keys lists them.
type JWK struct {
	Kty string `json:"kty"` // "OKP"
	Kid string `json:"kid"` // KeyID.String()
	Alg string `json:"alg"` // "EdDSA"
	Crv string `json:"crv"` // "Ed25519"
	X   string `json:"x"`   // base64url (no padding) of the 32-byte public key
}

// JWK is k as a JSON Web Key.
func (k PublicKey) JWK() JWK {
	return JWK{Kty: "OKP", Kid: k.ID.String(), Alg: "EdDSA", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.Key)}
}

// PublicKey reads j back (a reader's or a client's side of the keys
// endpoint), checking its members and the key (PublicKey.Check).
func (j JWK) PublicKey() (PublicKey, error) {
	if j.Kty != "OKP" || j.Crv != "Ed25519" || (j.Alg != "" && j.Alg != "EdDSA") {
		return PublicKey{}, fmt.Errorf("card: JWK %q: kty %q, crv %q, alg %q, want OKP, Ed25519, EdDSA", j.Kid, j.Kty, j.Crv, j.Alg)
	}
	id, err := ParseKeyID(j.Kid)
	if err != nil {
		return PublicKey{}, fmt.Errorf("card: JWK kid: %w", err)
	}
	x, err := base64.RawURLEncoding.Strict().DecodeString(j.X)
	if err != nil {
		return PublicKey{}, fmt.Errorf("card: JWK %s: x is not base64url without padding: %v", j.Kid, err)
	}
	k := PublicKey{ID: id, Key: x}
	if err := k.Check(); err != nil {
		return PublicKey{}, err
	}
	return k, nil
}

// CheckDeviceKey reports why a phone's public key cannot be certified, or
// nil: it must be 32 bytes, the canonical encoding of a point of Ed25519's
// prime-order subgroup (keys crypto/ed25519 and every RFC 8032 library
// make are). The devices endpoint calls it before Certify.
func CheckDeviceKey(pub []byte) error {
	if err := checkPoint(pub, true); err != nil {
		return fmt.Errorf("card: device key: %w", err)
	}
	return nil
}

var errKeySize = errors.New("is not 32 bytes")

// checkPoint is CheckDeviceKey's test, without its prefix. The last
// part, that the point has no small-order component, costs a scalar
// multiplication (about as much as a signature check): subgroup asks for
// it. A certified device key passed it when Certify signed it, so the
// Verifier does not pay for it again on every certificate it caches.
func checkPoint(pub []byte, subgroup bool) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w (%d)", errKeySize, len(pub))
	}
	var c curve.CompressedEdwardsY
	if _, err := c.SetBytes(pub); err != nil {
		return fmt.Errorf("not a point: %v", err)
	}
	if !c.IsCanonicalVartime() {
		return errors.New("not canonically encoded")
	}
	var p curve.EdwardsPoint
	if _, err := p.SetCompressedY(&c); err != nil {
		return errors.New("not a point of Ed25519")
	}
	if p.IsSmallOrder() {
		return errors.New("a point of small order (it would verify forged signatures)")
	}
	if subgroup && !p.IsTorsionFree() {
		return errors.New("not in the prime-order subgroup (it has a small-order component)")
	}
	return nil
}
