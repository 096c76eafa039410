package services

import "strings"

// Refusal is a request a service refuses, told to the person who made
// it: why, in English and Simplified Chinese; the problem's name for a
// client (Code) and the field at fault. Kind is the service's class of
// error ("repair: invalid", "tour: conflict", ...), which the web layer
// maps to a status; Error is the Kind's layer and the English reason.
// Each service names it its Error.
type Refusal struct {
	Kind  error
	Code  string
	Field string
	En    string
	Zh    string
}

func (e *Refusal) Error() string {
	layer := ""
	if e.Kind != nil {
		if k, _, ok := strings.Cut(e.Kind.Error(), ": "); ok {
			layer = k + ": "
		}
	}
	return layer + e.En
}

func (e *Refusal) Unwrap() error { return e.Kind }

// DetailIn is the reason in a language: Simplified Chinese for "zh...".
func (e *Refusal) DetailIn(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		return e.Zh
	}
	return e.En
}

// ProblemCode names the problem for a client.
func (e *Refusal) ProblemCode() string { return e.Code }

// FieldName is the field at fault.
func (e *Refusal) FieldName() string { return e.Field }
