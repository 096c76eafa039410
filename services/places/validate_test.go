package places

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := Place{Name: "Where I parked", Lon: 113.48, Lat: 22.89, Ordinal: -1}
	cases := []struct {
		name  string
		edit  func(p *Place)
		field string // "" when valid
	}{
		{"valid", func(p *Place) {}, ""},
		{"100 characters, multibyte", func(p *Place) { p.Name = strings.Repeat("停", 100) }, ""},
		{"corners", func(p *Place) { p.Lon, p.Lat = -180, 90 }, ""},
		{"empty name", func(p *Place) { p.Name = "" }, "name"},
		{"blank name", func(p *Place) { p.Name = " \t " }, "name"},
		{"101 characters", func(p *Place) { p.Name = strings.Repeat("a", 101) }, "name"},
		{"not UTF-8", func(p *Place) { p.Name = "\xff\xfe" }, "name"},
		{"lon over", func(p *Place) { p.Lon = 180.0001 }, "lon"},
		{"lon NaN", func(p *Place) { p.Lon = math.NaN() }, "lon"},
		{"lat under", func(p *Place) { p.Lat = -90.5 }, "lat"},
		{"lat infinite", func(p *Place) { p.Lat = math.Inf(1) }, "lat"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ok
			c.edit(&p)
			err := p.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("Validate = %v, want ErrInvalid naming %s", err, c.field)
			}
		})
	}
}
