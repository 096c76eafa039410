package places

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/campusnav/engine/geo"
	"github.com/campusnav/engine/services"
)

// MaxNameLen is the longest name of a place, in characters.
const MaxNameLen = 100

// FieldError is an invalid place; it names the field at fault and is
// ErrInvalid to errors.Is.
type FieldError struct {
	Field    string // "name", "lon", "lat"
	Reason   string // in English
	ReasonZH string // the same in Simplified Chinese
}

func (e *FieldError) Error() string { return "places: invalid " + e.Field + ": " + e.Reason }
func (e *FieldError) Unwrap() error { return ErrInvalid }

// DetailIn is the reason in a language: Simplified Chinese for "zh...",
// English otherwise.
func (e *FieldError) DetailIn(lang string) string {
	if geo.IsChinese(lang) && e.ReasonZH != "" {
		return e.ReasonZH
	}
	return e.Reason
}

// Validate checks what a person gives of a place: a name of 1 to
// MaxNameLen characters that is not only spaces, valid UTF-8 without NUL
// (services.TextProblem), and a WGS 84 position (longitude -180..180,
// latitude -90..90 degrees). Stores call it in AddPlace.
func (p Place) Validate() error {
	if en, zh := services.TextProblem(p.Name); en != "" {
		return &FieldError{"name", en, zh}
	}
	switch n := utf8.RuneCountInString(p.Name); {
	case strings.TrimSpace(p.Name) == "":
		return &FieldError{"name", "empty", "为空"}
	case n > MaxNameLen:
		return &FieldError{"name", fmt.Sprintf("at most %d characters (got %d)", MaxNameLen, n), fmt.Sprintf("至多 %d 个字符（现为 %d 个）", MaxNameLen, n)}
	}
	if !(p.Lon >= -180 && p.Lon <= 180) {
		return &FieldError{"lon", fmt.Sprintf("%v is not a longitude (want -180 to 180)", p.Lon), fmt.Sprintf("%v 不是经度（应为 -180 至 180）", p.Lon)}
	}
	if !(p.Lat >= -90 && p.Lat <= 90) {
		return &FieldError{"lat", fmt.Sprintf("%v is not a latitude (want -90 to 90)", p.Lat), fmt.Sprintf("%v 不是纬度（应为 -90 至 90）", p.Lat)}
	}
	return nil
}
