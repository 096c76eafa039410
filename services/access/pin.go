package access

// A lock's PIN: 6 to 8 digits, none of the PINs a stranger tries first.
const (
	MinPIN = 6
	MaxPIN = 8
)

// CheckPIN is nil for a PIN a holder may set, else a *FieldError naming
// pin: 6-8 ASCII digits, not all the same digit (000000, 7777777) and
// not a straight run up or down (123456, 0123456, 987654, 76543210).
func CheckPIN(pin string) error {
	if len(pin) < MinPIN || len(pin) > MaxPIN {
		return fieldError("pin", "PIN 须为 6-8 位数字", "a PIN is 6-8 digits, not %d characters", len(pin))
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return fieldError("pin", "PIN 只能包含数字 0-9", "a PIN is digits only (0-9)")
		}
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same = same && d == 0
		up = up && d == 1
		down = down && d == -1
	}
	switch {
	case same:
		return fieldError("pin", "PIN 不能全部是同一个数字", "a PIN of one digit repeated is too easy to guess")
	case up || down:
		return fieldError("pin", "PIN 不能是连续的数字（如 123456、987654）", "a PIN of consecutive digits (123456, 987654) is too easy to guess")
	}
	return nil
}
