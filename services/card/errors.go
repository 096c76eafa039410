package card

import "fmt"

// Reasons a code is refused, as Error.Reason and as the access API's
// decision reasons.
const (
	// ReasonForged: the code does not parse, is truncated, names an
	// unknown key, carries a bad signature (on the code or on its
	// certificate), or has a step in the future beyond Skew.
	ReasonForged = "forged"
	// ReasonExpired: the code's step is too old, or its certificate was
	// past NotAfter at the code's step.
	ReasonExpired = "expired"
)

// Error is why a code or a certificate was refused: a Reason the access
// service decides on, and a Detail for logs (never for the client: it
// would tell a copier what to fix).
type Error struct {
	Reason string // ReasonForged or ReasonExpired
	Detail string // what is wrong, and where: "byte 1: type 7 is not 1 (server code) or 2 (device code)"
}

// Sentinels for errors.Is: every *Error is one of them, by its Reason.
var (
	ErrForged  = &Error{Reason: ReasonForged}
	ErrExpired = &Error{Reason: ReasonExpired}
)

func (e *Error) Error() string {
	if e.Detail == "" {
		return "card: " + e.Reason + " code"
	}
	return "card: " + e.Reason + " code: " + e.Detail
}

// Is reports whether target is the sentinel of e's Reason (or an Error
// with the same Reason and Detail).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason && (t.Detail == "" || t.Detail == e.Detail)
}

func forgedf(format string, args ...any) *Error {
	return &Error{Reason: ReasonForged, Detail: fmt.Sprintf(format, args...)}
}

func expiredf(format string, args ...any) *Error {
	return &Error{Reason: ReasonExpired, Detail: fmt.Sprintf(format, args...)}
}
