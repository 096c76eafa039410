package card

import (
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"
)

// mixedCodes is a batch of every kind of answer: valid server and device
// codes, several codes sharing a certificate not seen yet, bit flips,
// truncations, expired, future, unknown keys, a forged certificate
// carried by two codes; more than one batch of 64.
func mixedCodes(t *testing.T, f *fixture) []string {
	other := serverKeyOf(t, "attacker")
	newDev := deviceKeyOf("new")
	newCert := f.certify(t, f.server, 50, 9, newDev, t0.Add(time.Hour))
	forgedCert := f.certify(t, SigningKey{ID: f.server.ID, Private: other.Private}, 51, 10, newDev, t0.Add(time.Hour))
	oldCert := f.certify(t, f.server, 52, 11, newDev, t0.Add(-time.Hour))
	var codes []string
	for i := range uint64(30) {
		step := s0 - 1 + int64(i%3)
		n1, _ := DeviceCode(newCert, newDev, step, i)
		n2, _ := DeviceCode(forgedCert, newDev, step, i)
		codes = append(codes,
			f.server.Code(int64(i), step, i),
			f.deviceCode(t, step, i),
			n1, n2,
			flip(f.server.Code(1, s0, i), int(i*7)),
			flip(f.deviceCode(t, s0, i), int(i*53)),
			f.server.Code(int64(i), s0-5, i),
			f.server.Code(int64(i), s0+3, i),
			other.Code(int64(i), s0, i),
			f.deviceCode(t, s0, i)[:100+i],
		)
		if i%10 == 0 {
			// A certificate expired before the step: DeviceCode refuses, so
			// it is made with a certificate valid then swapped in.
			code, _ := DeviceCode(newCert, newDev, s0, i)
			codes = append(codes, swapCert(t, code, oldCert, newDev))
		}
	}
	return codes
}

// swapCert puts cert into code and signs it again with dev.
func swapCert(t *testing.T, code string, cert []byte, dev ed25519.PrivateKey) string {
	t.Helper()
	var p parsed
	if err := parse(code, &p); err != nil {
		t.Fatal(err)
	}
	b := p.raw[:DeviceCodeSize]
	copy(b[deviceCert:], cert)
	copy(b[deviceSigned:], ed25519.Sign(dev, append([]byte(prefixDeviceCode), b[:deviceSigned]...)))
	return b64.EncodeToString(b)
}

// TestVerifyBatchSameAnswers: VerifyBatch answers, position by position,
// what Verify answers, whether the certificates were cached or not.
func TestVerifyBatchSameAnswers(t *testing.T) {
	f := newFixture(t)
	codes := mixedCodes(t, f)
	if len(codes) <= 2*batchSize {
		t.Fatalf("only %d codes: want more than two batches", len(codes))
	}
	now := t0.Add(10 * time.Second)
	one := NewVerifier([]PublicKey{f.server.Public()})
	for round := range 2 { // certificates not cached, then cached
		batch := NewVerifier([]PublicKey{f.server.Public()})
		if round == 1 {
			batch = f.v
			f.v.VerifyBatch(codes, now)
		}
		claims, errs := batch.VerifyBatch(codes, now)
		if len(claims) != len(codes) || len(errs) != len(codes) {
			t.Fatalf("%d codes, %d claims, %d errors", len(codes), len(claims), len(errs))
		}
		counts := map[string]int{}
		for i, code := range codes {
			c, err := one.Verify(code, now)
			counts[reason(err)]++
			if c != claims[i] || fmt.Sprint(err) != fmt.Sprint(errs[i]) {
				t.Errorf("round %d, code %d: Verify %+v, %v; VerifyBatch %+v, %v", round, i, c, err, claims[i], errs[i])
			}
		}
		if counts[""] < 50 || counts[ReasonForged] < 150 || counts[ReasonExpired] < 30 || counts["?"] > 0 {
			t.Errorf("answers %v: the mix lacks a kind", counts)
		}
	}
	if c, e := f.v.VerifyBatch(nil, now); len(c) != 0 || len(e) != 0 {
		t.Error("an empty batch answered something")
	}
}

// TestBatchSharedForgedCertificate: a forged certificate carried by
// several codes of one batch makes each of them forged, and is not cached.
func TestBatchSharedForgedCertificate(t *testing.T) {
	f := newFixture(t)
	bad := f.certify(t, SigningKey{ID: f.server.ID, Private: serverKeyOf(t, "x").Private}, 42, 7, f.dev, t0.Add(time.Hour))
	a, _ := DeviceCode(bad, f.dev, s0, 1)
	b, _ := DeviceCode(bad, f.dev, s0, 2)
	_, errs := f.v.VerifyBatch([]string{a, f.deviceCode(t, s0, 3), b}, t0)
	if reason(errs[0]) != ReasonForged || errs[1] != nil || reason(errs[2]) != ReasonForged {
		t.Errorf("answers %v", errs)
	}
	if f.v.certs.Len() != 1 {
		t.Errorf("cache holds %d certificates, want the good one alone", f.v.certs.Len())
	}
}
