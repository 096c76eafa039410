package card

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// The format's bytes (see the package doc for the tables).
const (
	Version = 1 // byte 0 of codes and certificates

	TypeServer      = 1 // byte 1 of a server code
	TypeDevice      = 2 // byte 1 of a device code
	TypeCertificate = 3 // byte 1 of a device certificate

	ServerCodeSize  = 90  // bytes of a server code
	CertificateSize = 126 // bytes of a device certificate
	DeviceCodeSize  = 204 // bytes of a device code

	ServerCodeLen = 120 // characters of a server code (base64url, no padding)
	DeviceCodeLen = 272 // characters of a device code
)

// Domain separation: what each kind of signature signs is its prefix
// followed by the bytes before the signature.
const (
	prefixCode        = "campusnav/card/v1 code"
	prefixCertificate = "campusnav/card/v1 certificate"
	prefixDeviceCode  = "campusnav/card/v1 device code"
)

// Offsets of the fields.
const (
	serverSigned = 26  // a server code's bytes before its signature
	certSigned   = 62  // a certificate's bytes before its signature
	deviceCert   = 2   // where a device code's certificate begins
	deviceStep   = 128 // a device code's step
	deviceSigned = 140 // a device code's bytes before its signature
)

var b64 = base64.RawURLEncoding.Strict()

var be = binary.BigEndian

// signed is prefix || body, the message a signature covers.
func signed(buf []byte, prefix string, body []byte) []byte {
	return append(append(buf[:0], prefix...), body...)
}

// Code is a server-signed code of card at step with nonce, for clients
// that cannot sign. It is "" if step is outside 0..MaxStep or the key is
// not a 64-byte Ed25519 private key.
func (k SigningKey) Code(card int64, step int64, nonce uint64) string {
	if step < 0 || step > MaxStep || !k.usable() {
		return ""
	}
	var b [ServerCodeSize]byte
	b[0], b[1] = Version, TypeServer
	be.PutUint32(b[2:], uint32(k.ID))
	be.PutUint64(b[6:], uint64(card))
	be.PutUint32(b[14:], uint32(step))
	be.PutUint64(b[18:], nonce)
	var m [64]byte
	copy(b[serverSigned:], ed25519.Sign(k.Private, signed(m[:], prefixCode, b[:serverSigned])))
	return b64.EncodeToString(b[:])
}

// Certificate says that the phone holding the private half of Public may
// make codes for Card, as device Device, until NotAfter. Key is the
// server key that certifies it.
type Certificate struct {
	Key      KeyID
	Card     int64
	Device   int64
	Public   ed25519.PublicKey // 32 bytes
	NotAfter time.Time         // whole seconds
}

// Certify signs c with k and returns the certificate's bytes (c.Key is
// set to k.ID; NotAfter is cut to whole seconds). It is nil if c.Public
// fails CheckDeviceKey, c.Device is 0 (Claims.Device 0 means a server
// code), or k is not a 64-byte private key: check the phone's key with
// CheckDeviceKey first.
func (k SigningKey) Certify(c Certificate) []byte {
	if !k.usable() || c.Device == 0 || CheckDeviceKey(c.Public) != nil {
		return nil
	}
	b := make([]byte, CertificateSize)
	b[0], b[1] = Version, TypeCertificate
	be.PutUint32(b[2:], uint32(k.ID))
	be.PutUint64(b[6:], uint64(c.Card))
	be.PutUint64(b[14:], uint64(c.Device))
	copy(b[22:54], c.Public)
	be.PutUint64(b[54:], uint64(c.NotAfter.Unix()))
	var m [96]byte
	copy(b[certSigned:], ed25519.Sign(k.Private, signed(m[:], prefixCertificate, b[:certSigned])))
	return b
}

// ParseCertificate reads a certificate's fields. It checks the bytes
// only: the Verifier checks the signature. Errors are *Error, forged.
func ParseCertificate(b []byte) (Certificate, error) {
	if len(b) != CertificateSize {
		return Certificate{}, forgedf("certificate is %d bytes, want %d", len(b), CertificateSize)
	}
	if b[0] != Version {
		return Certificate{}, forgedf("certificate byte 0: version %d, want %d", b[0], Version)
	}
	if b[1] != TypeCertificate {
		return Certificate{}, forgedf("certificate byte 1: type %d, want %d", b[1], TypeCertificate)
	}
	return Certificate{
		Key:      KeyID(be.Uint32(b[2:])),
		Card:     int64(be.Uint64(b[6:])),
		Device:   int64(be.Uint64(b[14:])),
		Public:   bytes.Clone(b[22:54]),
		NotAfter: time.Unix(int64(be.Uint64(b[54:])), 0).UTC(),
	}, nil
}

// DeviceCode is the phone's own code: its certificate, step and nonce,
// signed with the device's private key (64 bytes, crypto/ed25519's
// form). It refuses a certificate that does not parse, a key that is not
// the certificate's, a step outside 0..MaxStep, and a certificate already
// past NotAfter at step (an *Error, expired: get a new certificate).
func DeviceCode(cert []byte, priv ed25519.PrivateKey, step int64, nonce uint64) (string, error) {
	c, err := ParseCertificate(cert)
	if err != nil {
		return "", err
	}
	if len(priv) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("card: device private key is %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	priv = ed25519.NewKeyFromSeed(priv.Seed()) // sign with the public half the seed makes, whatever priv[32:] holds
	if !bytes.Equal(priv[32:], c.Public) {
		return "", errors.New("card: the device private key is not the one the certificate names (certificate bytes 22-53)")
	}
	if step < 0 || step > MaxStep {
		return "", fmt.Errorf("card: step %d is outside 0..%d", step, MaxStep)
	}
	if !StepStart(step).Before(c.NotAfter) {
		return "", expiredf("certificate of device %d expired at %s, before step %d (%s)", c.Device, c.NotAfter.Format(time.RFC3339), step, StepStart(step).Format(time.RFC3339))
	}
	var b [DeviceCodeSize]byte
	b[0], b[1] = Version, TypeDevice
	copy(b[deviceCert:], cert)
	be.PutUint32(b[deviceStep:], uint32(step))
	be.PutUint64(b[deviceStep+4:], nonce)
	var m [192]byte
	copy(b[deviceSigned:], ed25519.Sign(priv, signed(m[:], prefixDeviceCode, b[:deviceSigned])))
	return b64.EncodeToString(b[:]), nil
}

// Nonce is a random nonce for a code.
func Nonce() (uint64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("card: nonce: %w", err)
	}
	return be.Uint64(b[:]), nil
}

// parsed is a code's fields, before any signature is checked.
type parsed struct {
	typ   byte
	raw   [DeviceCodeSize]byte // the decoded bytes; a server code uses the first ServerCodeSize
	kid   KeyID
	card  int64
	step  int64
	nonce uint64
	cert  Certificate // device codes
}

// body is what the code's signature covers, without the prefix, and the
// signature.
func (p *parsed) body() (prefix string, body, sig []byte) {
	if p.typ == TypeServer {
		return prefixCode, p.raw[:serverSigned], p.raw[serverSigned:ServerCodeSize]
	}
	return prefixDeviceCode, p.raw[:deviceSigned], p.raw[deviceSigned:DeviceCodeSize]
}

// certBytes is a device code's certificate.
func (p *parsed) certBytes() []byte {
	return p.raw[deviceCert : deviceCert+CertificateSize]
}

// claims is what the code says.
func (p *parsed) claims() Claims {
	return Claims{Card: p.card, Key: p.kid, Step: p.step, Nonce: p.nonce, Device: p.cert.Device}
}

// parse decodes a code's text and reads its fields. Its errors are
// *Error, forged.
func parse(code string, p *parsed) error {
	var want int
	switch len(code) {
	case ServerCodeLen:
		want = ServerCodeSize
	case DeviceCodeLen:
		want = DeviceCodeSize
	default:
		return forgedf("code is %d characters, want %d (server code) or %d (device code)", len(code), ServerCodeLen, DeviceCodeLen)
	}
	// Strict, and of the exact length: one code has one spelling (a line
	// break, which the decoder skips, would leave the bytes short).
	n, err := b64.Decode(p.raw[:], []byte(code))
	if err != nil {
		return forgedf("code is not base64url without padding: %v", err)
	}
	if n != want {
		return forgedf("code decodes to %d bytes, want %d", n, want)
	}
	b := p.raw[:n]
	if b[0] != Version {
		return forgedf("byte 0: version %d, want %d", b[0], Version)
	}
	p.typ = b[1]
	switch {
	case p.typ == TypeServer && n == ServerCodeSize:
		p.kid = KeyID(be.Uint32(b[2:]))
		p.card = int64(be.Uint64(b[6:]))
		p.step = int64(be.Uint32(b[14:]))
		p.nonce = be.Uint64(b[18:])
	case p.typ == TypeDevice && n == DeviceCodeSize:
		c, err := ParseCertificate(b[deviceCert : deviceCert+CertificateSize])
		if err != nil {
			return err
		}
		p.cert = c
		p.kid, p.card = c.Key, c.Card
		p.step = int64(be.Uint32(b[deviceStep:]))
		p.nonce = be.Uint64(b[deviceStep+4:])
	case p.typ == TypeServer || p.typ == TypeDevice:
		return forgedf("byte 1: a type %d code is not %d bytes", p.typ, n)
	default:
		return forgedf("byte 1: type %d is not %d (server code) or %d (device code)", p.typ, TypeServer, TypeDevice)
	}
	return nil
}
