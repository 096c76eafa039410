package auth

import (
	"errors"
	"strings"
	"testing"
)

var testParams = Params{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashPassword(t *testing.T) {
	h, err := hashPassword(testParams, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" || parts[3] != "m=64,t=1,p=1" {
		t.Fatalf("hash %q is not $argon2id$v=19$m=64,t=1,p=1$salt$key", h)
	}
	if len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Errorf("salt %q and key %q: want 16 and 32 bytes, unpadded base64", parts[4], parts[5])
	}
	for _, c := range []struct {
		password string
		want     bool
	}{{"correct horse", true}, {"correct horse ", false}, {"Correct horse", false}, {"", false}} {
		if ok, err := verifyPassword(h, c.password); err != nil || ok != c.want {
			t.Errorf("verify %q: %v, %v; want %v", c.password, ok, err, c.want)
		}
	}
}

// TestVerifyKnownHash checks against a hash made by the reference
// implementation (argon2 CLI: echo -n password | argon2 somesalt -id -t 2
// -m 16 -p 1 -l 32 -e).
func TestVerifyKnownHash(t *testing.T) {
	const ref = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	ok, err := verifyPassword(ref, "password")
	if err != nil || !ok {
		t.Errorf("reference hash: %v, %v; want a match", ok, err)
	}
	if ok, _ := verifyPassword(ref, "passwore"); ok {
		t.Error("reference hash matched a wrong password")
	}
}

func TestVerifyBadHashes(t *testing.T) {
	good, _ := hashPassword(testParams, "pw")
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	for _, h := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "=",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10],
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
	} {
		if ok, err := verifyPassword(h, "pw"); ok || !errors.Is(err, errHashFormat) {
			t.Errorf("verify against %q: %v, %v; want errHashFormat", h, ok, err)
		}
	}
}

func TestDefaultParamsValid(t *testing.T) {
	if err := DefaultParams.check(); err != nil {
		t.Error(err)
	}
}

func TestHashSecret(t *testing.T) {
	h, err := HashSecret(testParams, "482913")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifySecret(h, "482913"); !ok || err != nil {
		t.Errorf("VerifySecret(right) = %v, %v", ok, err)
	}
	if ok, _ := VerifySecret(h, "482914"); ok {
		t.Error("VerifySecret took a wrong secret")
	}
	h2, _ := HashSecret(testParams, "482913")
	if h2 == h {
		t.Error("two hashes of one secret are equal: no fresh salt")
	}
	if _, err := HashSecret(Params{Time: 0, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}, "482913"); err == nil {
		t.Error("HashSecret took time 0")
	}
}
