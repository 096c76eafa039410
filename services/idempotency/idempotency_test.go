package idempotency

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckKey(t *testing.T) {
	for _, c := range []struct {
		key     string
		ok      bool
		reason  string
		reasonZ string
	}{
		{"8e03978e-40d5-43e8-bc93-6894a57f9324", true, "", ""},
		{" ~", true, "", ""},
		{strings.Repeat("k", MaxKeyLen), true, "", ""},
		{"", false, "Idempotency-Key is empty", "Idempotency-Key 为空"},
		{strings.Repeat("k", MaxKeyLen+1), false, "Idempotency-Key is longer than 255 characters (got 256)", "Idempotency-Key 超过 255 个字符（现为 256 个）"},
		{"café", false, "Idempotency-Key holds a character that is not printable ASCII, at byte 4", "Idempotency-Key 的第 4 个字节不是可打印的 ASCII 字符"},
		{"a\tb", false, "Idempotency-Key holds a character that is not printable ASCII, at byte 2", "Idempotency-Key 的第 2 个字节不是可打印的 ASCII 字符"},
		{"del\x7f", false, "Idempotency-Key holds a character that is not printable ASCII, at byte 4", "Idempotency-Key 的第 4 个字节不是可打印的 ASCII 字符"},
	} {
		err := CheckKey(c.key)
		if c.ok {
			if err != nil {
				t.Errorf("CheckKey(%.20q): %v", c.key, err)
			}
			continue
		}
		var ke *KeyError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &ke) {
			t.Errorf("CheckKey(%.20q): %v, want a KeyError", c.key, err)
			continue
		}
		if ke.DetailIn("en") != c.reason || ke.DetailIn("zh-CN") != c.reasonZ || err.Error() != "idempotency: "+c.reason {
			t.Errorf("CheckKey(%.20q): %q / %q / %q", c.key, err, ke.DetailIn("en"), ke.DetailIn("zh-CN"))
		}
	}
}

// TestHash: a request is its method, target and body, each told apart.
func TestHash(t *testing.T) {
	base := Hash("POST", "/api/v1/me/places", []byte(`{"name":"car"}`))
	if len(base) != 64 || base != Hash("POST", "/api/v1/me/places", []byte(`{"name":"car"}`)) {
		t.Fatalf("Hash is %q, or not the same twice", base)
	}
	for name, h := range map[string]string{
		"method": Hash("PUT", "/api/v1/me/places", []byte(`{"name":"car"}`)),
		"target": Hash("POST", "/api/v1/me/places?lang=zh", []byte(`{"name":"car"}`)),
		"body":   Hash("POST", "/api/v1/me/places", []byte(`{"name":"bike"}`)),
		"split":  Hash("POS", "T/api/v1/me/places", []byte(`{"name":"car"}`)),
	} {
		if h == base {
			t.Errorf("another %s, the same hash", name)
		}
	}
}

func TestLimitError(t *testing.T) {
	until := time.Date(2025, 9, 2, 9, 0, 0, 0, time.UTC)
	err := error(&LimitError{Until: until})
	if !errors.Is(err, ErrTooMany) || err.Error() != "idempotency: at most 1000 keys in 24 hours; the next at 2025-09-02T09:00:00Z" {
		t.Errorf("%v", err)
	}
}
