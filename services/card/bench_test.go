package card

import (
	"crypto/ed25519"
	"testing"
	"time"
)

// Run: go test ./services/card -run '^$' -bench . -cpu 1
// Each reports codes/s: codes verified a second on one core.

func perSecond(b *testing.B, codes int) {
	b.ReportMetric(float64(b.N*codes)/b.Elapsed().Seconds(), "codes/s")
}

func BenchmarkVerifyServerCode(b *testing.B) {
	f := newFixture(b)
	code := f.server.Code(42, s0, 1)
	for b.Loop() {
		if _, err := f.v.Verify(code, t0); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b, 1)
}

// BenchmarkVerifyDeviceCode: with its certificate cached (seen before),
// and not (a cache of one, two devices taking turns).
func BenchmarkVerifyDeviceCode(b *testing.B) {
	f := newFixture(b)
	b.Run("cached", func(b *testing.B) {
		code := f.deviceCode(b, s0, 1)
		for b.Loop() {
			if _, err := f.v.Verify(code, t0); err != nil {
				b.Fatal(err)
			}
		}
		perSecond(b, 1)
	})
	b.Run("uncached", func(b *testing.B) {
		v := NewVerifierSize([]PublicKey{f.server.Public()}, 1)
		other := deviceKeyOf("other")
		c2 := f.certify(b, f.server, 43, 8, other, t0.Add(time.Hour))
		code2, _ := DeviceCode(c2, other, s0, 1)
		codes := []string{f.deviceCode(b, s0, 1), code2}
		i := 0
		for b.Loop() {
			if _, err := v.Verify(codes[i&1], t0); err != nil {
				b.Fatal(err)
			}
			i++
		}
		perSecond(b, 1)
	})
}

// BenchmarkVerifyBatch64: 64 codes a call: server codes, and device codes
// of 64 devices whose certificates are cached.
func BenchmarkVerifyBatch64(b *testing.B) {
	f := newFixture(b)
	var server, device []string
	for i := range 64 {
		server = append(server, f.server.Code(int64(i), s0, uint64(i)))
		dev := deviceKeyOf(string(rune('A' + i)))
		cert := f.certify(b, f.server, int64(i), int64(i+1), dev, t0.Add(time.Hour))
		code, _ := DeviceCode(cert, dev, s0, uint64(i))
		device = append(device, code)
	}
	f.v.VerifyBatch(device, t0) // cache the certificates
	for name, codes := range map[string][]string{"server": server, "device": device} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_, errs := f.v.VerifyBatch(codes, t0)
				if errs[63] != nil {
					b.Fatal(errs[63])
				}
			}
			perSecond(b, len(codes))
		})
	}
}

// BenchmarkSign: what the server pays for GET /card/code and a phone for a
// code.
func BenchmarkSign(b *testing.B) {
	f := newFixture(b)
	b.Run("server code", func(b *testing.B) {
		for b.Loop() {
			f.server.Code(42, s0, 1)
		}
	})
	b.Run("device code", func(b *testing.B) {
		for b.Loop() {
			DeviceCode(f.cert, f.dev, s0, 1)
		}
	})
}

// BenchmarkStdlibVerify is crypto/ed25519's Verify of a server code's
// signature, for comparison.
func BenchmarkStdlibVerify(b *testing.B) {
	f := newFixture(b)
	var p parsed
	parse(f.server.Code(42, s0, 1), &p)
	msg := append([]byte(prefixCode), p.raw[:serverSigned]...)
	sig := p.raw[serverSigned:ServerCodeSize]
	pub := f.server.Public().Key
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("no")
		}
	}
	perSecond(b, 1)
}
