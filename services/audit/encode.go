package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/campusnav/engine/services"
)

// version is the first field of every encoding: a later encoding would
// change it, and so could never hash like this one.
const version = "campus-audit/1"

// Canonical appends to b the encoding an entry's hash is taken over:
// the fields version, ID, At (microseconds since the Unix epoch),
// Actor, Subject, Kind, Place, Decision, Reason, Detail and PrevHash, in
// that order, each as its length in bytes (4 bytes, big-endian) followed
// by its bytes; integers are 8 bytes, big-endian, two's complement. Every
// field says where it ends, so no two entries encode alike, whatever
// their text holds (a Formance log's hash is over JSON that PostgreSQL
// renders by concatenating strings, which needs every field escaped
// alike on both sides).
func (e *Entry) Canonical(b []byte) []byte {
	str := func(b []byte, s string) []byte {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		return append(b, s...)
	}
	num := func(b []byte, n int64) []byte {
		b = binary.BigEndian.AppendUint32(b, 8)
		return binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = str(b, version)
	b = num(b, e.ID)
	b = num(b, e.At.UnixMicro())
	b = num(b, e.Actor)
	b = str(b, e.Subject)
	b = str(b, e.Kind)
	b = str(b, e.Place)
	b = str(b, e.Decision)
	b = str(b, e.Reason)
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.Detail)))
	b = append(b, e.Detail...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.PrevHash)))
	return append(b, e.PrevHash[:]...)
}

// Sum is the hash of e: the SHA-256 of its canonical encoding. It does
// not read e.Hash.
func (e *Entry) Sum() Hash {
	var buf [512]byte // most entries fit: no allocation
	return sha256.Sum256(e.Canonical(buf[:0]))
}

// Check returns e as the log keeps it (At to the microsecond in UTC,
// Detail compact), or an error (ErrInvalid) naming the field the log
// does not take: a kind or decision that is not lower-case letters,
// digits and underscores; text longer than its bound, not UTF-8 or with
// a NUL character; a detail that is not a JSON object.
func (e Entry) Check() (Entry, error) {
	for _, f := range []struct {
		name, v string
		max     int
		word    bool
	}{
		{"kind", e.Kind, MaxKind, true},
		{"decision", e.Decision, MaxKind, true},
		{"subject", e.Subject, MaxText, false},
		{"place", e.Place, MaxText, false},
		{"reason", e.Reason, MaxReason, false},
	} {
		if err := checkField(f.name, f.v, f.max, f.word); err != nil {
			return Entry{}, err
		}
	}
	if e.Actor < 0 {
		return Entry{}, fmt.Errorf("%w: actor %d (an account id, or 0)", ErrInvalid, e.Actor)
	}
	e.At = e.At.Truncate(time.Microsecond).UTC()
	switch d := bytes.TrimSpace(e.Detail); {
	case len(d) == 0 || string(d) == "null":
		e.Detail = nil
	case d[0] != '{' || !json.Valid(d):
		return Entry{}, fmt.Errorf("%w: detail is not a JSON object", ErrInvalid)
	default:
		var c bytes.Buffer
		if err := json.Compact(&c, d); err != nil {
			return Entry{}, fmt.Errorf("%w: detail: %v", ErrInvalid, err)
		}
		if c.Len() > MaxDetail {
			return Entry{}, fmt.Errorf("%w: detail is longer than %d bytes", ErrInvalid, MaxDetail)
		}
		e.Detail = c.Bytes()
	}
	return e, nil
}

// checkField checks one text field: at most max bytes, text a store
// keeps, and when word, 1 or more of a-z, 0-9 and _, starting with a
// letter.
func checkField(name, v string, max int, word bool) error {
	if len(v) > max {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalid, name, max)
	}
	if en, _ := services.TextProblem(v); en != "" {
		return fmt.Errorf("%w: %s %s", ErrInvalid, name, en)
	}
	if !word {
		return nil
	}
	if v == "" {
		return fmt.Errorf("%w: %s is empty", ErrInvalid, name)
	}
	for i, r := range v {
		if !(r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '_')) {
			return fmt.Errorf("%w: %s %q is not lower-case letters, digits and _ (from a letter)", ErrInvalid, name, v)
		}
	}
	return nil
}

// Detail is v as an entry's Detail: v marshalled to JSON, an object (a
// struct or a map). It panics if v does not marshal, which is a
// programmer's error, never input's.
func Detail(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("audit: detail %T: %v", v, err))
	}
	return b
}
