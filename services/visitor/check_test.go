package visitor

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// prcID is a PRC ID number of the first 17 digits with its check digit.
func prcID(first17 string) string {
	sum := 0
	for i, w := range prcWeights {
		sum += int(first17[i]-'0') * w
	}
	return first17 + string(prcCheck[sum%11])
}

func fieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

func TestCheckIDNumber(t *testing.T) {
	good := prcID("44010619900307123")
	for _, c := range []struct {
		in, want, kind string
	}{
		{"11010519491231002X", "11010519491231002X", IDPRC},
		{"11010519491231002x", "11010519491231002X", IDPRC},
		{good, good, IDPRC},
		{" " + good[:6] + " " + good[6:] + " ", good, IDPRC},
		{"E12345678", "E12345678", IDPassport},
		{"h1234567", "H1234567", IDPassport},
		{"12345678", "12345678", IDPassport}, // a Taiwan residents' permit
	} {
		id, kind, err := CheckIDNumber("id_number", c.in)
		if err != nil || id != c.want || kind != c.kind {
			t.Errorf("CheckIDNumber(%q) = %q %q %v, want %q %q", c.in, id, kind, err, c.want, c.kind)
		}
	}
	wrongCheck := good[:17] + "0"
	if wrongCheck == good {
		wrongCheck = good[:17] + "1"
	}
	for _, bad := range []string{"", wrongCheck, "440106199013071230", "E1234", "123456", "E12345678!", "12345678901234567890123",
		strings.Repeat("1", 18), "E1\x00345678"} {
		if _, _, err := CheckIDNumber("people[0].id_number", bad); !errors.Is(err, ErrInvalid) || fieldOf(err) != "people[0].id_number" {
			t.Errorf("CheckIDNumber(%q): %v, want invalid naming the field", bad, err)
		}
	}
}

func TestCheckPlate(t *testing.T) {
	for in, want := range map[string]string{"粤A12345": "粤A12345", "粤a·12345": "粤A12345", "粤 AD12345": "粤AD12345", "粤Z1234港": "粤Z1234港",
		"京B-9F3K2": "京B9F3K2"} {
		if got, err := CheckPlate("plate", in); err != nil || got != want {
			t.Errorf("CheckPlate(%q) = %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "A12345", "粤112345", "粤A1234", "粤A123456789", "粤AO1234", "XX12345", "粤A1234!"} {
		if _, err := CheckPlate("plate", bad); fieldOf(err) != "plate" {
			t.Errorf("CheckPlate(%q): %v, want invalid", bad, err)
		}
	}
}

func TestWindow(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, Shanghai)
	from, to, err := Window("2026-12-03", "14:00", "16:30", now)
	if err != nil || !from.Equal(time.Date(2026, 12, 3, 14, 0, 0, 0, Shanghai)) || to.Sub(from) != 150*time.Minute {
		t.Fatalf("Window: %s %s %v", from, to, err)
	}
	if _, _, err := Window("2026-12-01", "08:00", "10:00", now); err != nil {
		t.Errorf("today, not over yet: %v", err)
	}
	for _, c := range []struct{ date, from, to, field string }{
		{"2026-11-30", "14:00", "15:00", "date"},
		{"2027-01-01", "14:00", "15:00", "date"}, // 31 days ahead
		{"2026-12-03", "15:00", "14:00", "to"},
		{"2026-12-03", "15:00", "15:00", "to"},
		{"2026-12-01", "07:00", "08:30", "to"}, // over
		{"3 Dec", "14:00", "15:00", "date"},
		{"2026-12-03", "2pm", "15:00", "from"},
		{"2026-12-03", "14:00", "25:00", "to"},
	} {
		if _, _, err := Window(c.date, c.from, c.to, now); fieldOf(err) != c.field {
			t.Errorf("Window(%s, %s, %s): %v, want the field %s", c.date, c.from, c.to, err, c.field)
		}
	}
	if _, _, err := Window("2026-12-31", "09:00", "10:00", now); err != nil {
		t.Errorf("30 days ahead: %v", err)
	}
}

func TestCheckPeopleAndMode(t *testing.T) {
	id := prcID("44010619900307123")
	if _, err := checkPeople(nil); fieldOf(err) != "people" {
		t.Errorf("nobody: %v", err)
	}
	many := make([]PersonInput, MaxPeople+1)
	if _, err := checkPeople(many); fieldOf(err) != "people" {
		t.Errorf("too many: %v", err)
	}
	ps, err := checkPeople([]PersonInput{{Name: "  Li   Lei ", Phone: "138 0000 0000", IDNumber: id}, {Name: "Han", IDNumber: "E12345678"}})
	if err != nil || ps[0].Name != "Li Lei" || ps[0].Phone != "+8613800000000" || ps[1].Phone != "" || ps[1].IDKind != IDPassport {
		t.Errorf("people: %+v %v", ps, err)
	}
	for _, c := range []struct {
		in    []PersonInput
		field string
	}{
		{[]PersonInput{{Name: "", IDNumber: id}}, "people[0].name"},
		{[]PersonInput{{Name: "a", IDNumber: id}, {Name: "b", Phone: "12", IDNumber: "E12345678"}}, "people[1].phone"},
		{[]PersonInput{{Name: "a", IDNumber: id}, {Name: "b", IDNumber: id}}, "people[1].id_number"},
		{[]PersonInput{{Name: strings.Repeat("名", MaxName+1), IDNumber: id}}, "people[0].name"},
	} {
		if _, err := checkPeople(c.in); fieldOf(err) != c.field {
			t.Errorf("%+v: %v, want %s", c.in, err, c.field)
		}
	}
	if m, p, err := checkMode("car", "粤a12345"); err != nil || m != Car || p != "粤A12345" {
		t.Errorf("car: %s %s %v", m, p, err)
	}
	if _, _, err := checkMode("car", ""); fieldOf(err) != "plate" {
		t.Errorf("car without a plate: %v", err)
	}
	if _, _, err := checkMode("foot", "粤A12345"); fieldOf(err) != "plate" {
		t.Errorf("on foot with a plate: %v", err)
	}
	if _, _, err := checkMode("bike", ""); fieldOf(err) != "mode" {
		t.Errorf("by bike: %v", err)
	}
}
