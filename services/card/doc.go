// Package card owns the bytes of the campus card's QR code: the server's
// signing keys and their JWKs, device certificates, the codes a server or
// a phone signs, and their verification (Verifier). It keeps nothing and
// knows no SQL or HTTP: the store keeps the keys, the cards and the
// single-use records, web answers the endpoints, and the decisions
// (single use, freezing, policy) are taken by the access service from the
// Claims this package returns.
//
// # Codes
//
// A code is binary, written as base64url without padding (RFC 4648 §5;
// the characters A-Z a-z 0-9 - _, fit for a QR code in byte mode). Every
// integer is big-endian and fixed-width. The first byte is the format's
// version (1), the second the code's type:
//
//	type 1, server code (made by the server for a client that cannot sign), 90 bytes, 120 characters
//	offset length field
//	0      1      version, 1
//	1      1      type, 1
//	2      4      kid: the server key that signs (uint32; a JWK's "kid" is its 8 lower-case hex digits)
//	6      8      card id (int64)
//	14     4      step (uint32): floor(unix seconds / 30) of when the code was made
//	18     8      nonce (uint64, random)
//	26     64     Ed25519 signature by the server key kid of "campusnav/card/v1 code" || bytes 0-25
//
//	type 3, device certificate (made by the server when a phone registers its key), 126 bytes
//	offset length field
//	0      1      version, 1
//	1      1      type, 3
//	2      4      kid: the server key that certifies (uint32)
//	6      8      card id (int64)
//	14     8      device id (int64)
//	22     32     the device's Ed25519 public key (RFC 8032 encoding)
//	54     8      not after: unix seconds (int64); codes whose step starts at or after it are expired
//	62     64     Ed25519 signature by the server key kid of "campusnav/card/v1 certificate" || bytes 0-61
//
//	type 2, device code (made by the phone, offline), 204 bytes, 272 characters
//	offset length field
//	0      1      version, 1
//	1      1      type, 2
//	2      126    the device certificate, whole (type 3 above)
//	128    4      step (uint32)
//	132    8      nonce (uint64, random)
//	140    64     Ed25519 signature by the device's key (certificate bytes 22-53) of
//	              "campusnav/card/v1 device code" || bytes 0-139
//
// The prefixes are ASCII, with no terminator, and differ before either
// ends, so a signature over one kind of bytes never verifies as another.
// A device code names its card only through its certificate: there is no
// second card field a copier could change.
//
// # Time
//
// A step is StepSeconds (30) long; StepOf(t) = floor(unix seconds / 30).
// A code of step s is accepted at now iff
//
//	StepOf(now - Skew) - 1 <= s <= StepOf(now + Skew),  Skew = 5 s
//
// that is, from 5 s before step s starts until ExpiresAt(s), 5 s after step
// s+2 starts: a code made on time lives 35 to 65 seconds (a new one is
// made every step, so one shown on screen is at most 30 s old), and a
// phone's clock may be 5 s off either way. A code after the upper bound
// is forged (no honest clock makes it); before the lower bound, expired. A device code is also
// expired when its step starts at or after its certificate's NotAfter.
//
// # Verification
//
// Codes are signed with crypto/ed25519 and verified with
// github.com/oasisprotocol/curve25519-voi (about twice as fast, with
// precomputed server and device keys and batch verification), with the
// options VerifyOptionsFIPS_186_5: RFC 8032 §5.1.7 with the cofactored
// equation, canonical encodings of A and R, S < L. voi's
// VerifyOptionsStdLib (crypto/ed25519's cofactorless equation) cannot be
// batched: a batch holding one such entry is verified entry by entry, so
// VerifyBatch would gain nothing and would disagree with Verify. With the
// FIPS options Verify and VerifyBatch give the same answers, and they
// accept every signature crypto/ed25519 accepts for the keys this package
// allows: canonically encoded points of the prime-order subgroup (server
// keys are checked by SetKeys, device keys by Certify, and again, but for
// the costly subgroup test, when the Verifier first sees a certificate). They also accept what
// crypto/ed25519 refuses in one case only: a signature whose R carries a
// small-order component, which only the key's own holder can make (it
// needs the private key), so it lets nobody sign for another card. No
// honest signer makes one.
//
// Verifying a device code costs one signature check when its certificate
// was seen before: verified certificates (by SHA-256 of their bytes) and
// their device's expanded key are kept in a bounded LRU cache.
//
// Single use must be keyed on the claims (Claims.UseKey), not on the
// code's text: a key's holder can sign the same claims more than once.
package card
