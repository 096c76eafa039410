package card

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPass(t *testing.T) {
	k, err := NewSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigningKey()
	v := NewVerifier([]PublicKey{k.Public()})
	from := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	p := Pass{Visit: 42, Person: 1, NotBefore: from, NotAfter: from.Add(3 * time.Hour), Nonce: 7}
	code := k.Pass(p)
	if len(code) != PassLen {
		t.Fatalf("pass is %d characters, want %d", len(code), PassLen)
	}
	got, err := v.VerifyPass(code, from.Add(time.Hour))
	if err != nil || got.Visit != 42 || got.Person != 1 || got.Key != k.ID || !got.NotAfter.Equal(p.NotAfter) || got.Nonce != 7 {
		t.Fatalf("VerifyPass: %+v %v", got, err)
	}
	if got, err := v.VerifyPass(code, from.Add(-time.Second)); !errors.Is(err, ErrExpired) || got.Visit != 42 {
		t.Errorf("before its time: %+v %v, want expired with its claims", got, err)
	}
	if _, err := v.VerifyPass(code, p.NotAfter.Add(time.Second)); !errors.Is(err, ErrExpired) {
		t.Errorf("after its time: %v, want expired", err)
	}
	if _, err := v.VerifyPass(other.Pass(p), from.Add(time.Hour)); !errors.Is(err, ErrForged) {
		t.Errorf("another key's: %v, want forged", err)
	}
	// One bit changed anywhere is forged.
	raw, _ := b64.DecodeString(code)
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		if _, err := v.VerifyPass(b64.EncodeToString(b), from.Add(time.Hour)); !errors.Is(err, ErrForged) {
			t.Fatalf("byte %d changed: %v, want forged", i, err)
		}
	}
	// A card code is no pass, and a pass is no card code.
	if _, err := v.VerifyPass(k.Code(42, StepOf(from), 1), from); !errors.Is(err, ErrForged) {
		t.Errorf("a card code as a pass: %v", err)
	}
	if _, err := v.Verify(code, from.Add(time.Hour)); !errors.Is(err, ErrForged) {
		t.Errorf("a pass as a card code: %v", err)
	}
	if k.Pass(Pass{Visit: 1, NotBefore: from, NotAfter: from}) != "" || k.Pass(Pass{Visit: 1, Person: -1, NotBefore: from, NotAfter: from.Add(time.Hour)}) != "" {
		t.Error("a pass of no time, or of a negative person, was signed")
	}
	if _, err := v.VerifyPass(strings.Repeat("A", PassLen+1), from); !errors.Is(err, ErrForged) {
		t.Errorf("too long: %v", err)
	}
}
