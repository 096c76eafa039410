package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id parameters new password hashes are made with.
// A hash keeps its own parameters (PHC string format), so hashes made with
// other parameters still verify.
type Params struct {
	Time      uint32 // passes over the memory
	MemoryKiB uint32 // memory, in KiB
	Threads   uint8  // lanes
	SaltLen   uint32 // salt, in bytes
	KeyLen    uint32 // derived key, in bytes
}

// DefaultParams are OWASP's minimum for argon2id (Password Storage Cheat
// Sheet): 19 MiB, two passes, one lane; a 16-byte salt and a 32-byte key.
var DefaultParams = Params{Time: 2, MemoryKiB: 19456, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on what a stored hash may ask for, so that a damaged or hostile
// row cannot make a login allocate gigabytes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	maxKeyLen    = 128
	maxSaltLen   = 64
)

var errHashFormat = errors.New("auth: not an argon2id PHC string")

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding

// HashSecret is the argon2id hash of a secret a person types other than
// a password (a lock's PIN), made as passwords are (PHC string format,
// a fresh salt, parameters p): one slow hash for the whole engine.
func HashSecret(p Params, secret string) (string, error) {
	if err := p.check(); err != nil {
		return "", fmt.Errorf("auth: hash parameters: %w", err)
	}
	return hashPassword(p, secret)
}

// VerifySecret reports whether secret matches encoded, a hash made by
// HashSecret (or a password's), in constant time over the keys.
func VerifySecret(encoded, secret string) (bool, error) { return verifyPassword(encoded, secret) }

// hashPassword returns the argon2id hash of password with a fresh random
// salt, in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func hashPassword(p Params, password string) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword reports whether password matches encoded, a PHC string
// made by hashPassword, comparing the keys in constant time.
func verifyPassword(encoded, password string) (bool, error) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// parseHash reads a PHC string: its parameters, salt and key.
func parseHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errHashFormat
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q", errHashFormat, parts[2])
	}
	seen := 0
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, fmt.Errorf("%w: parameter %q", errHashFormat, kv)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("%w: parameter %q", errHashFormat, kv)
		}
		switch k {
		case "m":
			p.MemoryKiB, seen = uint32(n), seen|1
		case "t":
			p.Time, seen = uint32(n), seen|2
		case "p":
			if n > 255 {
				return p, nil, nil, fmt.Errorf("%w: parameter %q", errHashFormat, kv)
			}
			p.Threads, seen = uint8(n), seen|4
		default:
			return p, nil, nil, fmt.Errorf("%w: parameter %q", errHashFormat, kv)
		}
	}
	if seen != 7 {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", errHashFormat, parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt", errHashFormat)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: key", errHashFormat)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %v", errHashFormat, err)
	}
	return p, salt, key, nil
}

// check reports parameters argon2id cannot use or that are out of bounds.
func (p Params) check() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d out of 1..%d", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > maxMemoryKiB:
		return fmt.Errorf("memory %d KiB out of %d..%d", p.MemoryKiB, 8*uint32(p.Threads), maxMemoryKiB)
	case p.SaltLen < 8 || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of 8..%d", p.SaltLen, maxSaltLen)
	case p.KeyLen < 16 || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of 16..%d", p.KeyLen, maxKeyLen)
	}
	return nil
}
