package visitor

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/campusnav/engine/services"
	"github.com/campusnav/engine/services/auth"
)

// The checks of what a visitor, a host or an import row gives: each
// refuses with an *Error naming the field, in English and Chinese.

func chars(s string) int { return utf8.RuneCountInString(s) }

// text refuses a field's value that is not text to keep.
func text(field, v string) error {
	if en, zh := services.TextProblem(v); en != "" {
		return invalid(field, "%s "+en, "%s "+zh, field)
	}
	return nil
}

// PersonInput is one person as given: name, phone (optional) and ID
// number (a PRC resident identity card's, or a passport's or travel
// permit's).
type PersonInput struct {
	Name     string
	Phone    string
	IDNumber string
}

// Details are what a visitor gives of a visit: what for, when, who comes
// and how. Host is the host's campus email (self-registration only);
// Place optionally names where the visit meets ("C1", "C1-201").
type Details struct {
	Type   string
	Reason string
	Host   string
	Date   string // YYYY-MM-DD
	From   string // HH:MM
	To     string // HH:MM
	People []PersonInput
	Mode   string
	Plate  string
	Place  string
}

// person is a person checked: their ID number normalized, to be hashed.
type person struct {
	Person
	id string
}

// checkType refuses a type not in Types.
func checkType(t string) error {
	if !slices.Contains(Types, t) {
		return invalid("type", "type %q is not one of %s", "类型 %q 不是 %s 之一", t, strings.Join(Types, ", "))
	}
	return nil
}

// checkReason trims and bounds a reason, which is required.
func checkReason(field, r string) (string, error) {
	r = strings.TrimSpace(r)
	if err := text(field, r); err != nil {
		return "", err
	}
	switch n := chars(r); {
	case n == 0:
		return "", invalid(field, "%s is required", "需要填写 %s", field)
	case n > MaxReason:
		return "", invalid(field, "%s is %d characters, more than %d", "%s 有 %d 个字符，超过 %d", field, n, MaxReason)
	}
	return r, nil
}

// checkNote trims and bounds a decision's note, which may be empty.
func checkNote(n string) (string, error) {
	n = strings.TrimSpace(n)
	if err := text("note", n); err != nil {
		return "", err
	}
	if c := chars(n); c > MaxNote {
		return "", invalid("note", "note is %d characters, more than %d", "备注有 %d 个字符，超过 %d", c, MaxNote)
	}
	return n, nil
}

// checkName trims and bounds a person's name, which is required.
func checkName(field, n string) (string, error) {
	n = strings.Join(strings.Fields(n), " ")
	if err := text(field, n); err != nil {
		return "", err
	}
	switch c := chars(n); {
	case c == 0:
		return "", invalid(field, "%s is required", "需要填写 %s", field)
	case c > MaxName:
		return "", invalid(field, "%s is %d characters, more than %d", "%s 有 %d 个字符，超过 %d", field, c, MaxName)
	}
	return n, nil
}

// CheckPhone is a phone normalized as phone sign-in takes it (E.164;
// eleven digits starting with 1 are a mainland mobile), naming field.
func CheckPhone(field, p string) (string, error) {
	if err := text(field, p); err != nil {
		return "", err
	}
	n, err := auth.NormalizePhone(p)
	if err != nil {
		fe, _ := err.(*auth.FieldError)
		if fe != nil {
			return "", &Error{Kind: ErrInvalid, Field: field, En: field + ": " + fe.Reason, Zh: field + "：" + fe.ReasonZH}
		}
		return "", invalid(field, "%s is not a phone number", "%s 不是电话号码", field)
	}
	return n, nil
}

// prcWeights and prcCheck are the checksum of a PRC resident identity
// card's number (GB 11643-1999): the first 17 digits weighted, modulo 11.
var (
	prcWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	prcCheck   = "10X98765432"
)

// CheckIDNumber is an ID number normalized (upper case, without spaces)
// and its kind: 18 characters, digits and a final digit or X, are a PRC
// resident identity card's, whose birth date must be a date and whose
// checksum must hold (so must those of 17 digits and another
// character); anything else is a passport's or a travel
// permit's: 6 to 20 letters and digits, with a letter among them, or 8
// or 9 digits (a Taiwan residents' permit).
func CheckIDNumber(field, s string) (string, string, error) {
	if err := text(field, s); err != nil {
		return "", "", err
	}
	id := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if id == "" {
		return "", "", invalid(field, "%s is required", "需要填写 %s", field)
	}
	digits, letters, other := 0, 0, 0
	for _, r := range id {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'A' && r <= 'Z':
			letters++
		default:
			other++
		}
	}
	if other > 0 {
		return "", "", invalid(field, "%s holds characters other than letters and digits", "%s 含有字母和数字以外的字符", field)
	}
	if len(id) == 18 && strings.Trim(id[:17], "0123456789") == "" {
		if c := id[17]; c != 'X' && (c < '0' || c > '9') {
			return "", "", invalid(field, "%s is not a PRC resident identity card number (its check digit is a digit or X)",
				"%s 不是有效的居民身份证号码（校验位应为数字或 X）", field)
		}
		sum := 0
		for i, w := range prcWeights {
			sum += int(id[i]-'0') * w
		}
		if _, err := time.Parse("20060102", id[6:14]); err != nil || id[0] == '0' {
			return "", "", invalid(field, "%s is not a PRC resident identity card number (its birth date is no date)",
				"%s 不是有效的居民身份证号码（出生日期无效）", field)
		}
		if prcCheck[sum%11] != id[17] {
			return "", "", invalid(field, "%s is not a PRC resident identity card number (its check digit is wrong)",
				"%s 不是有效的居民身份证号码（校验位不符）", field)
		}
		return id, IDPRC, nil
	}
	if (letters > 0 && len(id) >= 6 && len(id) <= 20) || (letters == 0 && (len(id) == 8 || len(id) == 9)) {
		return id, IDPassport, nil
	}
	return "", "", invalid(field, "%s is neither a PRC resident identity card number (18 characters) nor a passport or permit number (6 to 20 letters and digits)",
		"%s 既不是居民身份证号码（18 位），也不是护照或通行证号码（6 至 20 位字母和数字）", field)
}

// provinces are the first characters of mainland plates.
const provinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

// plateChar reports whether r may stand in a plate's serial: a digit or
// a letter other than I and O.
func plateChar(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' && r != 'I' && r != 'O'
}

// NormalizePlate is a plate as kept: upper case, without spaces, dots or
// dashes.
func NormalizePlate(p string) string {
	p = strings.ToUpper(p)
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '·', '•', '.', '-', '_':
			return -1
		}
		return r
	}, p)
}

// CheckPlate is a mainland plate normalized (NormalizePlate): a
// province's character, the city's letter, then five letters or digits
// (or four and 港, 澳, 学 or 挂), or six for a new-energy car ("粤A12345",
// "粤AD12345").
func CheckPlate(field, p string) (string, error) {
	if err := text(field, p); err != nil {
		return "", err
	}
	n := NormalizePlate(p)
	rs := []rune(n)
	bad := invalid(field, "%s %q is not a mainland plate (粤A12345, or 粤AD12345 for a new-energy car)",
		"%s %q 不是有效的车牌号（如 粤A12345，新能源车如 粤AD12345）", field, p)
	if len(rs) < 7 || len(rs) > 8 || !strings.ContainsRune(provinces, rs[0]) || rs[1] < 'A' || rs[1] > 'Z' {
		return "", bad
	}
	serial := rs[2:]
	if len(serial) == 5 && strings.ContainsRune("港澳学挂", serial[4]) {
		serial = serial[:4]
	}
	if len(serial) < 4 {
		return "", bad
	}
	for _, r := range serial {
		if !plateChar(r) {
			return "", bad
		}
	}
	return n, nil
}

// Window is the window of a visit on date from from to to (HH:MM), in
// Shanghai, checked at now: a date (today at the earliest, at most
// MaxAhead days ahead), from before to, and a window not over yet.
func Window(date, from, to string, now time.Time) (time.Time, time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(date), Shanghai)
	if err != nil {
		return time.Time{}, time.Time{}, invalid("date", "date %q is not a date (2026-12-03)", "日期 %q 无效（应如 2026-12-03）", date)
	}
	clock := func(field, v string) (time.Duration, error) {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			return 0, invalid(field, "%s %q is not a time of day (14:30)", "%s %q 不是时刻（应如 14:30）", field, v)
		}
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
	}
	f, err := clock("from", from)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	t, err := clock("to", to)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if t <= f {
		return time.Time{}, time.Time{}, invalid("to", "to (%s) is not after from (%s)", "结束时间（%s）须晚于开始时间（%s）", to, from)
	}
	today := now.In(Shanghai)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, Shanghai)
	switch {
	case d.Before(today):
		return time.Time{}, time.Time{}, invalid("date", "date %s is in the past", "日期 %s 已过", date)
	case d.After(today.AddDate(0, 0, MaxAhead)):
		return time.Time{}, time.Time{}, invalid("date", "date %s is more than %d days ahead", "日期 %s 超过 %d 天之后", date, MaxAhead)
	}
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Shanghai)
	ws, we := start.Add(f), start.Add(t)
	if !we.After(now) {
		return time.Time{}, time.Time{}, invalid("to", "the visit's window (%s to %s) is over", "访问时段（%s 至 %s）已结束", from, to)
	}
	return ws, we, nil
}

// checkPeople checks the people of a visit: 1 to MaxPeople, each with a
// name and an ID number, a phone where given; the same ID number twice
// is refused.
func checkPeople(in []PersonInput) ([]person, error) {
	switch {
	case len(in) == 0:
		return nil, invalid("people", "people: name at least one person", "people：请至少填写一位来访人员")
	case len(in) > MaxPeople:
		return nil, invalid("people", "people: at most %d people a visit, not %d", "people：每次预约最多 %d 人，而不是 %d 人", MaxPeople, len(in))
	}
	out := make([]person, len(in))
	seen := map[string]int{}
	for i, p := range in {
		var err error
		prefix := "people[" + strconv.Itoa(i) + "]."
		q := person{Person: Person{N: i}}
		if q.Name, err = checkName(prefix+"name", p.Name); err != nil {
			return nil, err
		}
		if strings.TrimSpace(p.Phone) != "" {
			if q.Phone, err = CheckPhone(prefix+"phone", p.Phone); err != nil {
				return nil, err
			}
		}
		if q.id, q.IDKind, err = CheckIDNumber(prefix+"id_number", p.IDNumber); err != nil {
			return nil, err
		}
		if j, dup := seen[q.id]; dup {
			return nil, invalid(prefix+"id_number", "%s is people[%d]'s ID number too", "%s 与 people[%d] 的证件号码相同", prefix+"id_number", j)
		}
		seen[q.id] = i
		out[i] = q
	}
	return out, nil
}

// checkMode checks how the visit comes: on foot (no plate) or by car
// (with its plate, normalized).
func checkMode(mode, plate string) (string, string, error) {
	switch mode {
	case Foot, "":
		if strings.TrimSpace(plate) != "" {
			return "", "", invalid("plate", "plate is for a visit by car (mode car)", "车牌号仅用于驾车来访（mode 为 car）")
		}
		return Foot, "", nil
	case Car:
		if strings.TrimSpace(plate) == "" {
			return "", "", invalid("plate", "a visit by car needs its plate", "驾车来访需要填写车牌号 plate")
		}
		p, err := CheckPlate("plate", plate)
		return Car, p, err
	}
	return "", "", invalid("mode", "mode %q is not foot or car", "mode %q 不是 foot 或 car", mode)
}
