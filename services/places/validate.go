package places

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxNameLen is the longest name of a place, in characters.
const MaxNameLen = 100

// FieldError is an invalid place; it names the field at fault and is
// ErrInvalid to errors.Is.
type FieldError struct {
	Field  string // "name", "lon", "lat"
	Reason string
}

func (e *FieldError) Error() string { return "places: invalid " + e.Field + ": " + e.Reason }
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Validate checks what a person gives of a place: a name of 1 to
// MaxNameLen characters that is not only spaces, and a WGS 84 position
// (longitude -180..180, latitude -90..90 degrees). Stores call it in
// AddPlace.
func (p Place) Validate() error {
	switch n := utf8.RuneCountInString(p.Name); {
	case !utf8.ValidString(p.Name):
		return &FieldError{"name", "not valid UTF-8"}
	case strings.TrimSpace(p.Name) == "":
		return &FieldError{"name", "empty"}
	case n > MaxNameLen:
		return &FieldError{"name", fmt.Sprintf("at most %d characters (got %d)", MaxNameLen, n)}
	}
	if !(p.Lon >= -180 && p.Lon <= 180) {
		return &FieldError{"lon", fmt.Sprintf("%v is not a longitude (want -180 to 180)", p.Lon)}
	}
	if !(p.Lat >= -90 && p.Lat <= 90) {
		return &FieldError{"lat", fmt.Sprintf("%v is not a latitude (want -90 to 90)", p.Lat)}
	}
	return nil
}
