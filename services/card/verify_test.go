package card

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestVerifyValid(t *testing.T) {
	f := newFixture(t)
	got, err := f.v.Verify(f.server.Code(42, s0, 77), t0)
	if want := (Claims{Card: 42, Key: f.server.ID, Step: s0, Nonce: 77}); err != nil || got != want {
		t.Errorf("server code: %+v, %v; want %+v", got, err, want)
	}
	got, err = f.v.Verify(f.deviceCode(t, s0, 78), t0)
	if want := (Claims{Card: 42, Key: f.server.ID, Step: s0, Nonce: 78, Device: 7}); err != nil || got != want {
		t.Errorf("device code: %+v, %v; want %+v", got, err, want)
	}
}

// TestRoundTrips: random cards, devices, steps and nonces come back as
// they went in, from both kinds of code. (pgregory.net/rapid is not in
// go.mod: a seeded loop.)
func TestRoundTrips(t *testing.T) {
	f := newFixture(t)
	r := rand.New(rand.NewPCG(1, 2))
	devs := []ed25519.PrivateKey{deviceKeyOf("a"), deviceKeyOf("b"), deviceKeyOf("c")}
	for i := range 300 {
		card, device := int64(r.Uint64()), int64(r.Uint64()|1)
		step := r.Int64N(MaxStep + 1)
		nonce := r.Uint64()
		now := StepStart(step).Add(time.Duration(r.Int64N(int64(40 * time.Second))))
		got, err := f.v.Verify(f.server.Code(card, step, nonce), now)
		if want := (Claims{Card: card, Key: f.server.ID, Step: step, Nonce: nonce}); err != nil || got != want {
			t.Fatalf("#%d server code: %+v, %v; want %+v", i, got, err, want)
		}
		dev := devs[i%len(devs)]
		cert := f.certify(t, f.server, card, device, dev, StepStart(step+1))
		code, err := DeviceCode(cert, dev, step, nonce)
		if err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		got, err = f.v.Verify(code, now)
		if want := (Claims{Card: card, Key: f.server.ID, Step: step, Nonce: nonce, Device: device}); err != nil || got != want {
			t.Fatalf("#%d device code: %+v, %v; want %+v", i, got, err, want)
		}
	}
}

// flip returns code with bit of its bytes flipped, re-encoded.
func flip(code string, bit int) string {
	b, _ := base64.RawURLEncoding.DecodeString(code)
	b[bit/8] ^= 1 << (bit % 8)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestBitFlipsAreForged: every single bit flipped, anywhere in either
// kind of code (version, type, key id, card, certificate, step, nonce,
// signatures), is forged.
func TestBitFlipsAreForged(t *testing.T) {
	f := newFixture(t)
	for kind, code := range map[string]string{"server": f.server.Code(42, s0, 5), "device": f.deviceCode(t, s0, 5)} {
		n := len(code) * 6 / 8 * 8
		var batch []string
		for bit := range n {
			bad := flip(code, bit)
			batch = append(batch, bad)
			if c, err := f.v.Verify(bad, t0); !errors.Is(err, ErrForged) || c != (Claims{}) {
				t.Errorf("%s code, bit %d (byte %d) flipped: %+v, %v; want forged", kind, bit, bit/8, c, err)
			}
		}
		_, errs := f.v.VerifyBatch(batch, t0)
		for bit, err := range errs {
			if !errors.Is(err, ErrForged) {
				t.Errorf("%s code, bit %d flipped, in a batch: %v", kind, bit, err)
			}
		}
	}
}

func TestTruncatedAndPaddedAreForged(t *testing.T) {
	f := newFixture(t)
	for kind, code := range map[string]string{"server": f.server.Code(42, s0, 5), "device": f.deviceCode(t, s0, 5)} {
		for n := range len(code) {
			if _, err := f.v.Verify(code[:n], t0); !errors.Is(err, ErrForged) {
				t.Errorf("%s code cut to %d characters: %v", kind, n, err)
			}
		}
		for name, bad := range map[string]string{
			"padded":            code + "=",
			"line break inside": code[:60] + "\n" + code[61:],
			"line break after":  code[:len(code)-1] + "\n",
			"standard alphabet": strings.NewReplacer("-", "+", "_", "/").Replace(code),
			"extended":          code + "AAAA",
			"space":             " " + code[1:],
		} {
			if bad == code {
				continue // the code has neither - nor _
			}
			if _, err := f.v.Verify(bad, t0); !errors.Is(err, ErrForged) {
				t.Errorf("%s code, %s: %v", kind, name, err)
			}
		}
	}
	// Both sizes are multiples of 3 bytes: the text has no padding bits,
	// so a decoder cannot read two spellings of one code as the same bytes.
	if ServerCodeSize%3 != 0 || DeviceCodeSize%3 != 0 {
		t.Error("a code's size is not a multiple of 3 bytes")
	}
}

func TestAnotherKeyIsForged(t *testing.T) {
	f := newFixture(t)
	other := serverKeyOf(t, "attacker")
	impostor := SigningKey{ID: f.server.ID, Private: other.Private} // claims the real key's id
	cases := map[string]string{
		"server code re-signed under the real kid": impostor.Code(42, s0, 1),
		"server code of an unknown kid":            other.Code(42, s0, 1),
	}
	cert := f.certify(t, impostor, 42, 7, f.dev, t0.Add(time.Hour))
	code, _ := DeviceCode(cert, f.dev, s0, 1)
	cases["device certificate re-signed under the real kid"] = code
	cert = f.certify(t, other, 42, 7, f.dev, t0.Add(time.Hour))
	code, _ = DeviceCode(cert, f.dev, s0, 1)
	cases["device certificate of an unknown kid"] = code
	for name, code := range cases {
		_, err := f.v.Verify(code, t0)
		if !errors.Is(err, ErrForged) {
			t.Errorf("%s: %v, want forged", name, err)
		}
		if strings.Contains(name, "unknown") && !strings.Contains(fmt.Sprint(err), "unknown key") {
			t.Errorf("%s: %v, want it to say unknown key", name, err)
		}
	}
}

// TestCertificateOfAnotherCard: a device's code cannot claim another
// card. The card is only in the certificate, so a copier must change the
// certificate (its signature fails) or carry another card's certificate
// (its device key is not theirs).
func TestCertificateOfAnotherCard(t *testing.T) {
	f := newFixture(t)
	victim := deviceKeyOf("victim")
	victimCert := f.certify(t, f.server, 43, 8, victim, t0.Add(time.Hour))

	// 1. The copier's own certificate with card 42 changed to 43, and the
	//    code signed with the copier's own device key.
	edited := append([]byte{}, f.cert...)
	edited[13] = 43
	b := make([]byte, 0, DeviceCodeSize)
	b = append(b, Version, TypeDevice)
	b = append(b, edited...)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)
	b[128], b[129], b[130], b[131] = byte(s0>>24), byte(s0>>16), byte(s0>>8), byte(s0)
	b = append(b, ed25519.Sign(f.dev, append([]byte(prefixDeviceCode), b...))...)
	c1 := base64.RawURLEncoding.EncodeToString(b)

	// 2. The victim's certificate, with a code signed by the copier's key.
	copy(b[deviceCert:], victimCert)
	copy(b[deviceSigned:], ed25519.Sign(f.dev, append([]byte(prefixDeviceCode), b[:deviceSigned]...)))
	c2 := base64.RawURLEncoding.EncodeToString(b)

	// The victim's own code verifies (so the certificate is cached).
	good, _ := DeviceCode(victimCert, victim, s0, 1)
	if c, err := f.v.Verify(good, t0); err != nil || c.Card != 43 {
		t.Fatalf("the victim's own code: %+v, %v", c, err)
	}
	for name, code := range map[string]string{"edited certificate": c1, "another card's certificate": c2} {
		if _, err := f.v.Verify(code, t0); !errors.Is(err, ErrForged) {
			t.Errorf("%s: %v, want forged", name, err)
		}
	}
	if _, err := f.v.Verify(c1, t0); !strings.Contains(fmt.Sprint(err), "certificate") {
		t.Errorf("edited certificate: %v, want it to name the certificate", err)
	}
}

func TestWrongDeviceKey(t *testing.T) {
	f := newFixture(t)
	code := f.deviceCode(t, s0, 1)
	b, _ := base64.RawURLEncoding.DecodeString(code)
	other := deviceKeyOf("other")
	copy(b[deviceSigned:], ed25519.Sign(other, append([]byte(prefixDeviceCode), b[:deviceSigned]...)))
	if _, err := f.v.Verify(base64.RawURLEncoding.EncodeToString(b), t0); !errors.Is(err, ErrForged) {
		t.Errorf("a code signed by a key other than the certificate's: %v", err)
	}
	// Signed by the server's key instead of the device's.
	copy(b[deviceSigned:], ed25519.Sign(f.server.Private, append([]byte(prefixDeviceCode), b[:deviceSigned]...)))
	if _, err := f.v.Verify(base64.RawURLEncoding.EncodeToString(b), t0); !errors.Is(err, ErrForged) {
		t.Errorf("a device code signed by the server key: %v", err)
	}
	// A server code's signature does not serve as a certificate's, nor the
	// reverse (domain separation).
	sb, _ := base64.RawURLEncoding.DecodeString(f.server.Code(42, s0, 1))
	copy(b[deviceCert+certSigned:], sb[serverSigned:])
	if _, err := f.v.Verify(base64.RawURLEncoding.EncodeToString(b), t0); !errors.Is(err, ErrForged) {
		t.Errorf("a server code's signature as a certificate's: %v", err)
	}
}

func TestExpiredAndFuture(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name string
		code string
		now  time.Time
		want error
	}{
		{"server code a minute old", f.server.Code(42, s0, 1), t0.Add(2 * time.Minute), ErrExpired},
		{"device code a day old", f.deviceCode(t, s0, 1), t0.Add(24 * time.Hour), ErrExpired},
		{"server code 10 s ahead", f.server.Code(42, s0+1, 1), StepStart(s0 + 1).Add(-10 * time.Second), ErrForged},
		{"device code a step ahead", f.deviceCode(t, s0+1, 1), t0, ErrForged},
		{"device code an hour ahead", f.deviceCode(t, s0+120, 1), t0, ErrForged},
	}
	for _, c := range cases {
		got, err := f.v.Verify(c.code, c.now)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if c.want == ErrExpired && got.Card != 42 {
			t.Errorf("%s: expired codes keep their claims, got %+v", c.name, got)
		}
		if c.want == ErrForged && got != (Claims{}) {
			t.Errorf("%s: forged codes have no claims, got %+v", c.name, got)
		}
	}
}

// TestCertificateExpired: a device code is expired when its step starts at
// or after its certificate's NotAfter, even within the step window.
func TestCertificateExpired(t *testing.T) {
	f := newFixture(t)
	notAfter := t0.Add(10 * time.Second) // inside step s0
	cert := f.certify(t, f.server, 42, 7, f.dev, notAfter)
	code, err := DeviceCode(cert, f.dev, s0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.v.Verify(code, t0.Add(50*time.Second)); err != nil {
		t.Errorf("a code whose step began before NotAfter, shown after it: %v", err)
	}
	// Made by hand for the next step (DeviceCode refuses to).
	b, _ := base64.RawURLEncoding.DecodeString(code)
	b[131]++
	copy(b[deviceSigned:], ed25519.Sign(f.dev, append([]byte(prefixDeviceCode), b[:deviceSigned]...)))
	late := base64.RawURLEncoding.EncodeToString(b)
	c, err := f.v.Verify(late, StepStart(s0+1))
	if !errors.Is(err, ErrExpired) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a code of the step after NotAfter: %v, want expired naming the certificate", err)
	}
	if c.Device != 7 {
		t.Errorf("claims of an expired code: %+v", c)
	}
	// NotAfter exactly at a step's start: that step is out.
	edge := f.certify(t, f.server, 42, 7, f.dev, StepStart(s0+1))
	b2 := append([]byte{}, b...)
	copy(b2[deviceCert:], edge)
	copy(b2[deviceSigned:], ed25519.Sign(f.dev, append([]byte(prefixDeviceCode), b2[:deviceSigned]...)))
	if _, err := f.v.Verify(base64.RawURLEncoding.EncodeToString(b2), StepStart(s0+1)); !errors.Is(err, ErrExpired) {
		t.Errorf("NotAfter at the step's start: %v, want expired", err)
	}
}

// TestSetKeys: rotation. A key taken out makes its codes and its
// certificates (even cached ones) forged; the same keys given again keep
// the cache; unusable and duplicate keys are named and left out.
func TestSetKeys(t *testing.T) {
	f := newFixture(t)
	next := serverKeyOf(t, "next")
	dcode := f.deviceCode(t, s0, 1)
	if _, err := f.v.Verify(dcode, t0); err != nil {
		t.Fatal(err)
	}
	if err := f.v.SetKeys([]PublicKey{f.server.Public(), next.Public()}); err != nil {
		t.Fatal(err)
	}
	if f.v.certs.Len() != 1 {
		t.Fatalf("cache holds %d certificates, want 1", f.v.certs.Len())
	}
	h := f.v.keys.Load().byID[f.server.ID]
	if e, _ := f.v.certs.Peek(sha256.Sum256(f.cert)); e == nil || e.issuer != h {
		t.Error("the same key given again lost its cached certificate")
	}
	if _, err := f.v.Verify(next.Code(1, s0, 1), t0); err != nil {
		t.Errorf("the new key's code: %v", err)
	}
	f.v.SetKeys([]PublicKey{next.Public()})
	for name, code := range map[string]string{"server code": f.server.Code(42, s0, 2), "device code (certificate cached)": dcode} {
		if _, err := f.v.Verify(code, t0); !errors.Is(err, ErrForged) {
			t.Errorf("%s of a retired key: %v, want forged", name, err)
		}
	}
	// The same id with another key is not the same key.
	f.v.SetKeys([]PublicKey{{ID: f.server.ID, Key: next.Public().Key}})
	if _, err := f.v.Verify(dcode, t0); !errors.Is(err, ErrForged) {
		t.Errorf("a cached certificate under a replaced key: %v", err)
	}
	bad := []PublicKey{f.server.Public(), {ID: 5, Key: torsioned(t, f.server.Public().Key)}, {ID: f.server.ID, Key: next.Public().Key}, {ID: 6, Key: []byte{1, 2}}}
	err := f.v.SetKeys(bad)
	for _, want := range []string{"keys[1]", "keys[2]", "already taken", "keys[3]"} {
		if !strings.Contains(fmt.Sprint(err), want) {
			t.Errorf("SetKeys error %q does not say %q", err, want)
		}
	}
	if got := f.v.Keys(); len(got) != 1 || got[0].ID != f.server.ID {
		t.Errorf("keys in force: %+v, want the one good key", got)
	}
	if _, err := f.v.Verify(dcode, t0); err != nil {
		t.Errorf("the good key still works: %v", err)
	}
}

// TestCacheBounded: the cache keeps at most its size, and a certificate
// that fell out is verified again.
func TestCacheBounded(t *testing.T) {
	f := newFixture(t)
	v := NewVerifierSize([]PublicKey{f.server.Public()}, 2)
	for dev := range int64(5) {
		cert := f.certify(t, f.server, 42, dev+1, f.dev, t0.Add(time.Hour))
		code, _ := DeviceCode(cert, f.dev, s0, 1)
		for range 2 {
			if c, err := v.Verify(code, t0); err != nil || c.Device != dev+1 {
				t.Fatalf("device %d: %+v, %v", dev+1, c, err)
			}
		}
	}
	if v.certs.Len() != 2 {
		t.Errorf("cache of 2 holds %d", v.certs.Len())
	}
}

// TestConcurrent runs Verify, VerifyBatch and SetKeys together (go test
// -race finds what they share).
func TestConcurrent(t *testing.T) {
	f := newFixture(t)
	next := serverKeyOf(t, "next")
	codes := []string{f.server.Code(42, s0, 1), f.deviceCode(t, s0, 2), next.Code(43, s0, 3)}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				if g == 0 && i%10 == 0 {
					f.v.SetKeys([]PublicKey{f.server.Public(), next.Public()})
				}
				if _, err := f.v.Verify(codes[i%2], t0); err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
				f.v.VerifyBatch(codes, t0)
			}
		})
	}
	wg.Wait()
}

// TestCertifiedBadDeviceKey: a certificate signed for a small-order or
// non-canonical key (Certify refuses to; signed here by hand) is forged:
// a small-order key would verify any signature under the cofactored
// equation.
func TestCertifiedBadDeviceKey(t *testing.T) {
	f := newFixture(t)
	identity := make([]byte, 32)
	identity[0] = 1
	for name, pub := range map[string][]byte{"identity": identity, "not a point": notAPoint(t)} {
		cert := append([]byte{}, f.cert...)
		copy(cert[22:54], pub)
		copy(cert[certSigned:], ed25519.Sign(f.server.Private, append([]byte(prefixCertificate), cert[:certSigned]...)))
		// With the identity as A, S = r and R = r·B verify for any message.
		code := swapCert(t, f.deviceCode(t, s0, 1), cert, f.dev)
		if _, err := f.v.Verify(code, t0); !errors.Is(err, ErrForged) || !strings.Contains(err.Error(), "device key") {
			t.Errorf("%s as the device key: %v, want forged naming the device key", name, err)
		}
	}
}
