package card

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestServerCodeLayout reads a server code by the package doc's table
// alone, with the standard library, as a client or reader would.
func TestServerCodeLayout(t *testing.T) {
	k := serverKeyOf(t, "server")
	code := k.Code(-5, s0, 0x0102030405060708)
	if len(code) != ServerCodeLen || strings.ContainsAny(code, "+/=") {
		t.Fatalf("server code %q: %d characters, want %d of base64url", code, len(code), ServerCodeLen)
	}
	b, err := base64.RawURLEncoding.DecodeString(code)
	if err != nil || len(b) != 90 {
		t.Fatalf("decoded: %d bytes, %v", len(b), err)
	}
	if b[0] != 1 || b[1] != 1 {
		t.Errorf("version, type = %d, %d, want 1, 1", b[0], b[1])
	}
	if got := KeyID(binary.BigEndian.Uint32(b[2:6])); got != k.ID {
		t.Errorf("kid = %s, want %s", got, k.ID)
	}
	if got := int64(binary.BigEndian.Uint64(b[6:14])); got != -5 {
		t.Errorf("card = %d, want -5", got)
	}
	if got := int64(binary.BigEndian.Uint32(b[14:18])); got != s0 {
		t.Errorf("step = %d, want %d", got, s0)
	}
	if got := binary.BigEndian.Uint64(b[18:26]); got != 0x0102030405060708 {
		t.Errorf("nonce = %x", got)
	}
	msg := append([]byte("campusnav/card/v1 code"), b[:26]...)
	if !ed25519.Verify(k.Public().Key, msg, b[26:90]) {
		t.Error(`bytes 26-89 are not the key's signature of "campusnav/card/v1 code" || bytes 0-25`)
	}
}

// TestDeviceCodeLayout reads a device code and its certificate by the
// package doc's tables alone.
func TestDeviceCodeLayout(t *testing.T) {
	f := newFixture(t)
	code := f.deviceCode(t, s0, 99)
	if len(code) != DeviceCodeLen {
		t.Fatalf("device code: %d characters, want %d", len(code), DeviceCodeLen)
	}
	b, err := base64.RawURLEncoding.DecodeString(code)
	if err != nil || len(b) != 204 {
		t.Fatalf("decoded: %d bytes, %v", len(b), err)
	}
	if b[0] != 1 || b[1] != 2 {
		t.Errorf("version, type = %d, %d, want 1, 2", b[0], b[1])
	}
	c := b[2:128]
	if !bytes.Equal(c, f.cert) {
		t.Error("bytes 2-127 are not the certificate")
	}
	if c[0] != 1 || c[1] != 3 {
		t.Errorf("certificate version, type = %d, %d, want 1, 3", c[0], c[1])
	}
	if got := KeyID(binary.BigEndian.Uint32(c[2:6])); got != f.server.ID {
		t.Errorf("certificate kid = %s, want %s", got, f.server.ID)
	}
	if card, dev := binary.BigEndian.Uint64(c[6:14]), binary.BigEndian.Uint64(c[14:22]); card != 42 || dev != 7 {
		t.Errorf("certificate card, device = %d, %d, want 42, 7", card, dev)
	}
	pub := f.dev.Public().(ed25519.PublicKey)
	if !bytes.Equal(c[22:54], pub) {
		t.Error("certificate bytes 22-53 are not the device's key")
	}
	if got := int64(binary.BigEndian.Uint64(c[54:62])); got != t0.Add(CertificateLifetime).Unix() {
		t.Errorf("not after = %d, want %d", got, t0.Add(CertificateLifetime).Unix())
	}
	if !ed25519.Verify(f.server.Public().Key, append([]byte("campusnav/card/v1 certificate"), c[:62]...), c[62:126]) {
		t.Error("certificate bytes 62-125 are not the server's signature")
	}
	if got := int64(binary.BigEndian.Uint32(b[128:132])); got != s0 {
		t.Errorf("step = %d, want %d", got, s0)
	}
	if got := binary.BigEndian.Uint64(b[132:140]); got != 99 {
		t.Errorf("nonce = %d, want 99", got)
	}
	if !ed25519.Verify(pub, append([]byte("campusnav/card/v1 device code"), b[:140]...), b[140:204]) {
		t.Error("bytes 140-203 are not the device's signature")
	}
}

func TestParseCertificate(t *testing.T) {
	f := newFixture(t)
	c, err := ParseCertificate(f.cert)
	if err != nil {
		t.Fatal(err)
	}
	want := Certificate{Key: f.server.ID, Card: 42, Device: 7, Public: f.dev.Public().(ed25519.PublicKey), NotAfter: t0.Add(CertificateLifetime)}
	if c.Key != want.Key || c.Card != want.Card || c.Device != want.Device || !c.Public.Equal(want.Public) || !c.NotAfter.Equal(want.NotAfter) {
		t.Errorf("ParseCertificate = %+v, want %+v", c, want)
	}
	c.Public[0] ^= 1
	if f.cert[22] != want.Public[0] {
		t.Error("the parsed key shares the certificate's bytes")
	}
	for name, b := range map[string][]byte{
		"empty":     nil,
		"short":     f.cert[:125],
		"long":      append(append([]byte{}, f.cert...), 0),
		"version 2": append([]byte{2}, f.cert[1:]...),
		"type 1":    append([]byte{1, 1}, f.cert[2:]...),
	} {
		if _, err := ParseCertificate(b); !errors.Is(err, ErrForged) {
			t.Errorf("%s: %v, want forged", name, err)
		}
	}
}

func TestCertifyRefuses(t *testing.T) {
	k := serverKeyOf(t, "server")
	pub := deviceKeyOf("phone").Public().(ed25519.PublicKey)
	ok := Certificate{Card: 1, Device: 2, Public: pub, NotAfter: t0}
	if k.Certify(ok) == nil {
		t.Fatal("a sound certificate was refused")
	}
	if got := k.Certify(Certificate{Card: 1, Device: 2, Public: torsioned(t, pub), NotAfter: t0}); got != nil {
		t.Error("a key with a small-order component was certified")
	}
	if got := k.Certify(Certificate{Card: 1, Device: 0, Public: pub, NotAfter: t0}); got != nil {
		t.Error("device 0 (a server code's) was certified")
	}
	if got := (SigningKey{ID: 1, Private: k.Private[:32]}).Certify(ok); got != nil {
		t.Error("a 32-byte private key signed")
	}
	// NotAfter is cut to whole seconds, and the certifying key is named.
	c, _ := ParseCertificate(k.Certify(Certificate{Key: 999, Card: 1, Device: 2, Public: pub, NotAfter: t0.Add(1500 * time.Millisecond)}))
	if !c.NotAfter.Equal(t0.Add(time.Second)) || c.Key != k.ID {
		t.Errorf("certificate: not after %s, key %s; want %s, %s", c.NotAfter, c.Key, t0.Add(time.Second), k.ID)
	}
}

func TestCodeRefuses(t *testing.T) {
	k := serverKeyOf(t, "server")
	for _, step := range []int64{-1, MaxStep + 1} {
		if c := k.Code(1, step, 1); c != "" {
			t.Errorf("Code at step %d = %q, want \"\"", step, c)
		}
	}
	if c := k.Code(1, MaxStep, 1); c == "" {
		t.Error("Code at MaxStep refused")
	}
	if c := (SigningKey{ID: 1}).Code(1, s0, 1); c != "" {
		t.Errorf("Code with no private key = %q", c)
	}
}

func TestDeviceCodeRefuses(t *testing.T) {
	f := newFixture(t)
	if _, err := DeviceCode(f.cert, deviceKeyOf("other"), s0, 1); err == nil || !strings.Contains(err.Error(), "not the one the certificate names") {
		t.Errorf("another device's key: %v", err)
	}
	if _, err := DeviceCode(f.cert[:100], f.dev, s0, 1); !errors.Is(err, ErrForged) {
		t.Errorf("a truncated certificate: %v", err)
	}
	if _, err := DeviceCode(f.cert, f.dev[:32], s0, 1); err == nil {
		t.Error("a 32-byte private key was taken")
	}
	for _, step := range []int64{-1, MaxStep + 1} {
		if _, err := DeviceCode(f.cert, f.dev, step, 1); err == nil {
			t.Errorf("step %d was taken", step)
		}
	}
	last := StepOf(t0.Add(CertificateLifetime).Add(-time.Nanosecond))
	if _, err := DeviceCode(f.cert, f.dev, last, 1); err != nil {
		t.Errorf("the certificate's last step: %v", err)
	}
	if _, err := DeviceCode(f.cert, f.dev, last+1, 1); !errors.Is(err, ErrExpired) {
		t.Errorf("the step after the certificate's NotAfter: %v, want expired", err)
	}
	// A private key whose second half was damaged still signs with the
	// public key its seed makes.
	bent := append(ed25519.PrivateKey{}, f.dev...)
	bent[40] ^= 1
	code, err := DeviceCode(f.cert, bent, s0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.v.Verify(code, t0); err != nil {
		t.Errorf("code of a key with a damaged public half: %v", err)
	}
}

func TestErrorIs(t *testing.T) {
	err := error(forgedf("byte 1: type 9"))
	if !errors.Is(err, ErrForged) || errors.Is(err, ErrExpired) {
		t.Error("forged is not ErrForged alone")
	}
	if !strings.HasPrefix(err.Error(), "card: forged code: ") {
		t.Errorf("message %q", err)
	}
	if !errors.Is(expiredf("x"), ErrExpired) {
		t.Error("expired is not ErrExpired")
	}
}
